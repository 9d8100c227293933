/*
 * profile.c — provider profiles loaded from INI data files (see profile.h
 * for the API, docs/profiles.md for the format, profiles/twilio.ini for the
 * model file).
 *
 * Parsing is inih's (ini_parse); this file only maps sections and keys to
 * structures and validates them. Unknown sections and keys are errors so a
 * typo in a hand-edited profile is reported (file:line) instead of being
 * silently ignored. inih reads lines of at most INI_MAX_LINE (200) bytes
 * and would split a longer one, so lines are measured first and a long one
 * is an error at its line. Continuation lines (indented) append to the
 * previous value with '\n', which is how a fix text gets several steps.
 * inih cannot tell a continuation from the same key written again, nor a
 * section header repeated right after itself from one section: both
 * append (docs/profiles.md says so). A repeated section elsewhere is an
 * error.
 *
 * Everything the data marks "unverified = yes" is kept (a person reading
 * the file sees it) but skipped by every matching and lookup function.
 *
 * Main thread at start-up; read-only afterwards.
 */
#include "profile.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define PROFILE_LINE_MAX 198        /* inih's 200 minus newline and NUL */
#define PROFILE_MAX_PORTS 8
#define PROFILE_HOST_MAX 255        /* DNS name length */

struct edge {
    struct profile_edge pub;        /* first member: &e->pub converts back */
    char *hosts[PROFILE_MAX_HOSTS];
    size_t n_hosts;
    struct cidr_list sig;
    bool unverified;
    int line;                       /* of its [section] header, for messages */
};

struct code {
    struct profile_code pub;
    bool unverified;
    int line;
};

struct reason {
    struct profile_reason pub;
    bool unverified;
    int line;
};

struct fix {
    char *kind;
    char *text;
    int line;
};

struct port {
    uint16_t port;
    enum transport t;
};

struct profile {
    char *id, *name, *source, *path;
    struct profile_auth auth;
    char *hosts[PROFILE_MAX_HOSTS];     /* provider-level host patterns (no edge) */
    size_t n_hosts;
    struct cidr_list media;
    uint16_t media_lo, media_hi;
    struct port ports[PROFILE_MAX_PORTS];
    size_t n_ports;
    struct edge edges[PROFILE_MAX_EDGES];
    size_t n_edges;
    struct code codes[PROFILE_MAX_CODES];
    size_t n_codes;
    struct reason reasons[PROFILE_MAX_REASONS];
    size_t n_reasons;
    struct fix fixes[PROFILE_MAX_FIXES];
    size_t n_fixes;
    /* owned strings, freed together */
    char **strs;
    size_t n_strs, cap_strs;
};

struct profile_set {
    struct profile *v[PROFILE_MAX];
    size_t n;
};

/* ---- strings owned by a profile ---- */

static char *keep(struct profile *p, const char *s)
{
    if (p->n_strs == p->cap_strs) {
        size_t ncap = p->cap_strs ? p->cap_strs * 2 : 64;
        char **nv = realloc(p->strs, ncap * sizeof(*nv));
        if (nv == NULL)
            return NULL;
        p->strs = nv;
        p->cap_strs = ncap;
    }
    char *d = strdup(s);
    if (d != NULL)
        p->strs[p->n_strs++] = d;
    return d;
}

/* Continuation line: old + sep + s. */
static char *keep_append(struct profile *p, const char *old, const char *s, char sep)
{
    size_t a = strlen(old), b = strlen(s);
    char *tmp = malloc(a + b + 2);
    if (tmp == NULL)
        return NULL;
    memcpy(tmp, old, a);
    tmp[a] = sep;
    memcpy(tmp + a + 1, s, b + 1);
    char *r = keep(p, tmp);
    free(tmp);
    return r;
}

static void profile_free(struct profile *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_strs; i++)
        free(p->strs[i]);
    free(p->strs);
    free(p);
}

/* ---- parsing ---- */

struct parse {
    struct profile *p;
    const char *path;
    char why[200];          /* first error's reason; inih gives the line */
    char section[INI_MAX_LINE];   /* last section seen */
    char last_key[32];      /* for continuation lines */
    void *cur;              /* struct edge / code / reason / fix being filled */
    /* [section] header lines found by the pre-scan, so errors found after
     * parsing (alias_of, missing keys) can still say FILE:LINE */
    size_t n_sec;
    struct {
        char name[64];
        int line;
    } sec[PROFILE_MAX_EDGES + PROFILE_MAX_CODES + PROFILE_MAX_REASONS + PROFILE_MAX_FIXES + 8];
};

static int section_line(const struct parse *ps, const char *name)
{
    for (size_t i = 0; i < ps->n_sec; i++)
        if (!strcmp(ps->sec[i].name, name))
            return ps->sec[i].line;
    return 0;
}

static int fail(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error's reason; returns 0 (inih's "error" value). */
static int fail(struct parse *ps, const char *fmt, ...)
{
    va_list ap;
    if (ps->why[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
        va_end(ap);
    }
    return 0;
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_int(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_status(const char *v, int *out)
{
    long x;
    if (!strcmp(v, "") || !strcasecmp(v, "unknown")) {
        *out = 0;
        return true;
    }
    if (!parse_int(v, 100, 699, &x))
        return false;
    *out = (int)x;
    return true;
}

/* A kind or category: lower-case letters, digits and '_'. */
static bool is_ident(const char *v)
{
    if (*v == '\0')
        return false;
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '_'))
            return false;
    return true;
}

/* Next token of a comma/space separated list at *q (advanced past it), or
 * NULL at the end. */
static const char *list_token(const char **q, size_t *len)
{
    const char *p = *q, *s;
    while (*p == ',' || *p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return NULL;
    s = p;
    while (*p && *p != ',' && *p != ' ' && *p != '\t')
        p++;
    *len = (size_t)(p - s);
    *q = p;
    return s;
}

/* Split a comma/space list of host patterns into dst. */
static int add_hosts(struct parse *ps, char **dst, size_t *n, const char *v)
{
    const char *q = v, *s;
    size_t len;
    while ((s = list_token(&q, &len)) != NULL) {
        char buf[PROFILE_HOST_MAX + 1];
        if (len > PROFILE_HOST_MAX)
            return fail(ps, "host pattern too long");
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (*n >= PROFILE_MAX_HOSTS)
            return fail(ps, "more than %d host patterns", PROFILE_MAX_HOSTS);
        if ((dst[*n] = keep(ps->p, buf)) == NULL)
            return fail(ps, "out of memory");
        (*n)++;
    }
    return 1;
}

static int add_cidrs(struct parse *ps, struct cidr_list *l, const char *v)
{
    char err[ERRBUF_SIZE];
    if (cidr_list_parse(l, v, err) != 0)
        return fail(ps, "%s", err);
    return 1;
}

static int add_ports(struct parse *ps, const char *v)
{
    const char *q = v, *s;
    size_t len;
    while ((s = list_token(&q, &len)) != NULL) {
        char buf[32];
        if (len >= sizeof(buf))
            return fail(ps, "bad port entry (want PORT/udp|tcp|tls)");
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *slash = strchr(buf, '/');
        long port;
        if (slash == NULL)
            return fail(ps, "port '%s' needs a transport (5060/udp)", buf);
        *slash = '\0';
        enum transport t = transport_from_name(slash + 1, strlen(slash + 1));
        if (!parse_int(buf, 1, 65535, &port) || t == TRANSPORT_UNKNOWN)
            return fail(ps, "bad port entry '%s' (want PORT/udp|tcp|tls)", buf);
        if (ps->p->n_ports >= PROFILE_MAX_PORTS)
            return fail(ps, "more than %d ports", PROFILE_MAX_PORTS);
        ps->p->ports[ps->p->n_ports].port = (uint16_t)port;
        ps->p->ports[ps->p->n_ports].t = t;
        ps->p->n_ports++;
    }
    return 1;
}

/*
 * Set a string field, or append on a continuation line (same key again):
 * fix texts keep one step per line ('\n'), prose joins with a space.
 */
static int set_str(struct parse *ps, const char **field, const char *name, const char *v)
{
    bool cont = !strcmp(ps->last_key, name) && *field != NULL;
    char sep = (!strcmp(name, "fix") || !strcmp(name, "text")) ? '\n' : ' ';
    char *s = cont ? keep_append(ps->p, *field, v, sep) : keep(ps->p, v);
    if (s == NULL)
        return fail(ps, "out of memory");
    *field = s;
    return 1;
}

static int on_provider(struct parse *ps, const char *k, const char *v)
{
    struct profile *p = ps->p;
    long a, b;

    if (!strcmp(k, "id")) {
        if (!is_ident(v) && strchr(v, '-') == NULL)
            return fail(ps, "bad provider id '%s'", v);
        return set_str(ps, (const char **)&p->id, k, v);
    }
    if (!strcmp(k, "name"))
        return set_str(ps, (const char **)&p->name, k, v);
    if (!strcmp(k, "source"))
        return set_str(ps, (const char **)&p->source, k, v);
    if (!strcmp(k, "error_header"))
        return set_str(ps, &p->auth.error_header, k, v);
    if (!strcmp(k, "hosts"))
        return add_hosts(ps, p->hosts, &p->n_hosts, v);
    if (!strcmp(k, "ports"))
        return add_ports(ps, v);
    if (!strcmp(k, "media"))
        return add_cidrs(ps, &p->media, v);
    if (!strcmp(k, "media_ports")) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%s", v);
        char *dash = strchr(buf, '-');
        if (dash == NULL)
            return fail(ps, "media_ports '%s' is not LOW-HIGH", v);
        *dash = '\0';
        if (!parse_int(buf, 1, 65535, &a) || !parse_int(dash + 1, a, 65535, &b))
            return fail(ps, "media_ports '%s' is not LOW-HIGH", v);
        p->media_lo = (uint16_t)a;
        p->media_hi = (uint16_t)b;
        return 1;
    }
    return fail(ps, "unknown key '%s' in [provider]", k);
}

static int on_auth(struct parse *ps, const char *k, const char *v)
{
    struct profile_auth *au = &ps->p->auth;

    if (!strcmp(k, "invite_challenge"))
        return parse_status(v, &au->invite_challenge) ? 1 : fail(ps, "bad status '%s'", v);
    if (!strcmp(k, "register_challenge"))
        return parse_status(v, &au->register_challenge) ? 1 : fail(ps, "bad status '%s'", v);
    if (!strcmp(k, "acl_failure_status"))
        return parse_status(v, &au->acl_failure_status) ? 1 : fail(ps, "bad status '%s'", v);
    if (!strcmp(k, "credential_failure_status"))
        return parse_status(v, &au->credential_failure_status) ? 1
                                                                : fail(ps, "bad status '%s'", v);
    if (!strcmp(k, "realm"))
        return set_str(ps, &au->realm, k, v);
    if (!strcmp(k, "algorithms"))
        return set_str(ps, &au->algorithms, k, v);
    if (!strcmp(k, "registrar"))
        return parse_bool(v, &au->registrar) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "source") || !strcmp(k, "note"))
        return 1;   /* citations for people */
    return fail(ps, "unknown key '%s' in [auth]", k);
}

static int on_edge(struct parse *ps, struct edge *e, const char *k, const char *v)
{
    if (!strcmp(k, "region"))
        return set_str(ps, &e->pub.region, k, v);
    if (!strcmp(k, "alias_of"))
        return set_str(ps, &e->pub.alias_of, k, v);
    if (!strcmp(k, "hosts"))
        return add_hosts(ps, e->hosts, &e->n_hosts, v);
    if (!strcmp(k, "signalling") || !strcmp(k, "signaling"))
        return add_cidrs(ps, &e->sig, v);
    if (!strcmp(k, "any"))
        return parse_bool(v, &e->pub.any) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "interconnect"))
        return parse_bool(v, &e->pub.interconnect) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "unverified"))
        return parse_bool(v, &e->unverified) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "source"))
        return set_str(ps, &e->pub.source, k, v);
    return fail(ps, "unknown key '%s' in [edge]", k);
}

static int on_code(struct parse *ps, struct code *c, const char *k, const char *v)
{
    if (!strcmp(k, "meaning"))
        return set_str(ps, &c->pub.meaning, k, v);
    if (!strcmp(k, "kind"))
        return is_ident(v) ? set_str(ps, &c->pub.kind, k, v) : fail(ps, "bad kind '%s'", v);
    if (!strcmp(k, "category"))
        return is_ident(v) ? set_str(ps, &c->pub.category, k, v)
                           : fail(ps, "bad category '%s'", v);
    if (!strcmp(k, "auth_failure"))
        return parse_bool(v, &c->pub.auth_failure) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "fix"))
        return set_str(ps, &c->pub.fix, k, v);
    if (!strcmp(k, "note"))
        return set_str(ps, &c->pub.note, k, v);
    if (!strcmp(k, "source"))
        return set_str(ps, &c->pub.source, k, v);
    if (!strcmp(k, "unverified"))
        return parse_bool(v, &c->unverified) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "status"))
        return 1;   /* the SIP status it usually comes with, for people */
    return fail(ps, "unknown key '%s' in [code]", k);
}

static int on_reason(struct parse *ps, struct reason *r, const char *k, const char *v)
{
    long x;
    if (!strcmp(k, "status")) {
        if (strcmp(v, "0") != 0 && !parse_status(v, &r->pub.status))
            return fail(ps, "bad status '%s'", v);
        return 1;
    }
    if (!strcmp(k, "phrase"))
        return set_str(ps, &r->pub.phrase, k, v);
    if (!strcmp(k, "kind"))
        return is_ident(v) ? set_str(ps, &r->pub.kind, k, v) : fail(ps, "bad kind '%s'", v);
    if (!strcmp(k, "category"))
        return is_ident(v) ? set_str(ps, &r->pub.category, k, v)
                           : fail(ps, "bad category '%s'", v);
    if (!strcmp(k, "meaning"))
        return set_str(ps, &r->pub.meaning, k, v);
    if (!strcmp(k, "code")) {
        if (!parse_int(v, 0, 999999, &x))
            return fail(ps, "bad code '%s'", v);
        r->pub.code = (int)x;
        return 1;
    }
    if (!strcmp(k, "unverified"))
        return parse_bool(v, &r->unverified) ? 1 : fail(ps, "'%s' is not yes/no", v);
    if (!strcmp(k, "source"))
        return 1;
    return fail(ps, "unknown key '%s' in [reason]", k);
}

static int on_fix(struct parse *ps, struct fix *f, const char *k, const char *v)
{
    if (!strcmp(k, "text"))
        return set_str(ps, (const char **)&f->text, k, v);
    if (!strcmp(k, "source"))
        return 1;
    return fail(ps, "unknown key '%s' in [fix]", k);
}

/* A new section header: create the object it describes. */
static int open_section(struct parse *ps, const char *section)
{
    struct profile *p = ps->p;
    const char *arg = strchr(section, ' ');

    snprintf(ps->section, sizeof(ps->section), "%s", section);
    ps->cur = NULL;
    if (!strcmp(section, "provider") || !strcmp(section, "auth"))
        return 1;
    if (arg == NULL || arg[1] == '\0')
        return fail(ps, "unknown section [%s]", section);
    arg++;
    size_t tlen = (size_t)(arg - 1 - section);
    if (tlen == 4 && !strncmp(section, "edge", 4)) {
        for (size_t i = 0; i < p->n_edges; i++)
            if (!strcmp(p->edges[i].pub.id, arg))
                return fail(ps, "duplicate [edge %s]", arg);
        if (p->n_edges >= PROFILE_MAX_EDGES)
            return fail(ps, "too many [edge] sections");
        struct edge *e = &p->edges[p->n_edges++];
        e->line = section_line(ps, section);
        if ((e->pub.id = keep(p, arg)) == NULL)
            return fail(ps, "out of memory");
        ps->cur = e;
        return 1;
    }
    if (tlen == 4 && !strncmp(section, "code", 4)) {
        long x;
        if (!parse_int(arg, 1, 999999, &x))
            return fail(ps, "bad code number in [code %s]", arg);
        for (size_t i = 0; i < p->n_codes; i++)
            if (p->codes[i].pub.code == (int)x)
                return fail(ps, "duplicate [code %s]", arg);
        if (p->n_codes >= PROFILE_MAX_CODES)
            return fail(ps, "too many [code] sections");
        struct code *c = &p->codes[p->n_codes++];
        c->pub.code = (int)x;
        c->line = section_line(ps, section);
        ps->cur = c;
        return 1;
    }
    if (tlen == 6 && !strncmp(section, "reason", 6)) {
        if (p->n_reasons >= PROFILE_MAX_REASONS)
            return fail(ps, "too many [reason] sections");
        struct reason *r = &p->reasons[p->n_reasons++];
        r->line = section_line(ps, section);
        ps->cur = r;
        return 1;
    }
    if (tlen == 3 && !strncmp(section, "fix", 3)) {
        if (!is_ident(arg))
            return fail(ps, "bad finding kind in [fix %s]", arg);
        for (size_t i = 0; i < p->n_fixes; i++)
            if (!strcmp(p->fixes[i].kind, arg))
                return fail(ps, "duplicate [fix %s]", arg);
        if (p->n_fixes >= PROFILE_MAX_FIXES)
            return fail(ps, "too many [fix] sections");
        struct fix *f = &p->fixes[p->n_fixes++];
        f->line = section_line(ps, section);
        if ((f->kind = keep(p, arg)) == NULL)
            return fail(ps, "out of memory");
        ps->cur = f;
        return 1;
    }
    return fail(ps, "unknown section [%s]", section);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parse *ps = user;
    int ok;

    if (section == NULL || name == NULL || value == NULL)
        return 0;
    if (strcmp(section, ps->section) != 0) {
        ps->last_key[0] = '\0';
        if (!open_section(ps, section)) {
            snprintf(ps->section, sizeof(ps->section), "%s", section);
            return 0;
        }
    }
    if (!strcmp(section, "provider"))
        ok = on_provider(ps, name, value);
    else if (!strcmp(section, "auth"))
        ok = on_auth(ps, name, value);
    else if (ps->cur == NULL)
        return 0;   /* a section that failed to open: already reported */
    else if (!strncmp(section, "edge ", 5))
        ok = on_edge(ps, ps->cur, name, value);
    else if (!strncmp(section, "code ", 5))
        ok = on_code(ps, ps->cur, name, value);
    else if (!strncmp(section, "reason ", 7))
        ok = on_reason(ps, ps->cur, name, value);
    else
        ok = on_fix(ps, ps->cur, name, value);
    snprintf(ps->last_key, sizeof(ps->last_key), "%s", name);
    return ok;
}

/*
 * Pre-scan: lines inih would split (longer than its buffer) are reported at
 * their line; [section] header lines are noted for later messages. This
 * only locates lines; inih does the parsing.
 */
static int prescan(FILE *f, const char *path, struct parse *ps, char *errbuf)
{
    char buf[PROFILE_LINE_MAX + 2];
    size_t len = 0;
    int c, line = 1;

    for (;;) {
        c = getc(f);
        if (c == '\n' || c == EOF) {
            buf[len] = '\0';
            char *b = buf + strspn(buf, " \t");
            char *e = b[0] == '[' ? strchr(b, ']') : NULL;
            if (e != NULL && ps->n_sec < sizeof(ps->sec) / sizeof(ps->sec[0])) {
                char *n = b + 1;        /* inih keeps the name as written */
                size_t nl = (size_t)(e - n);
                if (nl < sizeof(ps->sec[0].name)) {
                    memcpy(ps->sec[ps->n_sec].name, n, nl);
                    ps->sec[ps->n_sec].name[nl] = '\0';
                    ps->sec[ps->n_sec++].line = line;
                }
            }
            if (c == EOF)
                break;
            line++;
            len = 0;
        } else if (len >= PROFILE_LINE_MAX) {
            err_set(errbuf, "%s:%d: line longer than %d characters (continue it on an "
                    "indented line)", path, line, PROFILE_LINE_MAX);
            return ERR_FORMAT;
        } else {
            buf[len++] = (char)c;
        }
    }
    return 0;
}

static const char *empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Defaults and cross-checks once the whole file is read. */
static int finish(struct profile *p, const char *path, char *errbuf)
{
    if (p->id == NULL) {
        /* the file stem names the provider when [provider] id is absent */
        const char *base = strrchr(path, '/');
        char stem[64];
        snprintf(stem, sizeof(stem), "%s", base ? base + 1 : path);
        char *dot = strrchr(stem, '.');
        if (dot != NULL)
            *dot = '\0';
        if ((p->id = keep(p, stem)) == NULL)
            return ERR_NOMEM;
    }
    if (p->name == NULL)
        p->name = p->id;
    p->auth.realm = empty(p->auth.realm);
    p->auth.algorithms = empty(p->auth.algorithms);
    p->auth.error_header = empty(p->auth.error_header);
    for (size_t i = 0; i < p->n_edges; i++) {
        struct edge *e = &p->edges[i];
        e->pub.region = empty(e->pub.region);
        e->pub.source = empty(e->pub.source);
        if (e->pub.alias_of != NULL) {
            bool found = false;
            for (size_t j = 0; j < p->n_edges; j++)
                found |= j != i && !strcmp(p->edges[j].pub.id, e->pub.alias_of);
            if (!found) {
                err_set(errbuf, "%s:%d: [edge %s] alias_of names unknown edge '%s'", path,
                        e->line, e->pub.id, e->pub.alias_of);
                return ERR_FORMAT;
            }
        }
    }
    for (size_t i = 0; i < p->n_codes; i++) {
        struct profile_code *c = &p->codes[i].pub;
        if (c->meaning == NULL || c->kind == NULL) {
            err_set(errbuf, "%s:%d: [code %d] needs meaning and kind", path, p->codes[i].line,
                    c->code);
            return ERR_FORMAT;
        }
        c->category = empty(c->category);
        c->fix = empty(c->fix);
        c->note = empty(c->note);
        c->source = empty(c->source);
    }
    for (size_t i = 0; i < p->n_reasons; i++) {
        struct profile_reason *r = &p->reasons[i].pub;
        if (r->phrase == NULL || r->kind == NULL) {
            err_set(errbuf, "%s:%d: a [reason] section needs phrase and kind", path,
                    p->reasons[i].line);
            return ERR_FORMAT;
        }
        r->category = empty(r->category);
        r->meaning = empty(r->meaning);
    }
    for (size_t i = 0; i < p->n_fixes; i++) {
        if (p->fixes[i].text == NULL) {
            err_set(errbuf, "%s:%d: [fix %s] has no text", path, p->fixes[i].line,
                    p->fixes[i].kind);
            return ERR_FORMAT;
        }
    }
    return 0;
}

/*
 * f is a file on disk or a built-in profile through fmemopen(), so both are
 * read by the same code and give the same errors; path names it.
 */
static int load_stream(FILE *f, const char *path, struct profile **out, char *errbuf)
{
    struct parse *ps = calloc(1, sizeof(*ps));  /* a few KiB: not on the stack */
    struct profile *p = calloc(1, sizeof(*p));
    int rc = 0;

    if (ps == NULL || p == NULL || (p->path = keep(p, path)) == NULL) {
        rc = ERR_NOMEM;
        goto out;
    }
    ps->p = p;
    ps->path = path;
    if ((rc = prescan(f, path, ps, errbuf)) != 0)
        goto out;
    if (ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        rc = ERR_IO;
        goto out;
    }
    int r = ini_parse_file(f, handler, ps);
    if (r != 0) {
        if (r == -1)
            err_set(errbuf, "%s: %s", path, strerror(errno));
        else if (r == -2)
            err_set(errbuf, "%s: out of memory", path);
        else
            err_set(errbuf, "%s:%d: %s", path, r,
                    ps->why[0] ? ps->why : "syntax error (want [section] or key = value)");
        rc = r == -1 ? ERR_IO : r == -2 ? ERR_NOMEM : ERR_FORMAT;
        goto out;
    }
    rc = finish(p, path, errbuf);
out:
    free(ps);
    if (rc != 0) {
        profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* ---- sets and search path ---- */

struct profile_set *profile_set_new(void)
{
    return calloc(1, sizeof(struct profile_set));
}

void profile_set_free(struct profile_set *ps)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->n; i++)
        profile_free(ps->v[i]);
    free(ps);
}

/* Add p, replacing a profile with the same id (later directories win). */
static int set_put(struct profile_set *ps, struct profile *p, char *errbuf)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (!strcmp(ps->v[i]->id, p->id)) {
            profile_free(ps->v[i]);
            ps->v[i] = p;
            return 0;
        }
    }
    if (ps->n >= PROFILE_MAX) {
        err_set(errbuf, "%s: more than %d provider profiles", p->path, PROFILE_MAX);
        profile_free(p);
        return ERR_LIMIT;
    }
    ps->v[ps->n++] = p;
    return 0;
}

int profile_set_add_file(struct profile_set *ps, const char *path, char *errbuf)
{
    struct profile *p = NULL;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        return ERR_IO;
    }
    int rc = load_stream(f, path, &p, errbuf);
    fclose(f);
    return rc != 0 ? rc : set_put(ps, p, errbuf);
}

int profile_set_add_text(struct profile_set *ps, const char *path, const char *text, size_t len,
                         char *errbuf)
{
    struct profile *p = NULL;
    /* fmemopen of 0 bytes fails on older glibc: an empty text is an empty file */
    FILE *f = len > 0 ? fmemopen((void *)(uintptr_t)text, len, "r") : tmpfile();
    if (f == NULL) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        return ERR_IO;
    }
    int rc = load_stream(f, path, &p, errbuf);
    fclose(f);
    return rc != 0 ? rc : set_put(ps, p, errbuf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_set_add_dir(struct profile_set *ps, const char *dir, bool must_exist, char *errbuf)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        err_set(errbuf, "%s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    /* sorted, so which file wins among duplicates does not depend on readdir */
    char *names[PROFILE_MAX * 2];
    size_t n = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 4, ".ini") != 0)
            continue;
        if (n >= sizeof(names) / sizeof(names[0])) {
            err_set(errbuf, "%s: more than %zu profile files", dir, n);
            rc = ERR_LIMIT;
            break;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = ERR_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            char path[PATH_MAX];
            if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
                err_set(errbuf, "%s: path too long", dir);
                rc = ERR_INVAL;
            } else {
                rc = profile_set_add_file(ps, path, errbuf);
            }
        }
        free(names[i]);
    }
    return rc;
}

/*
 * Built-ins first, then the install directories, then --profiles: each
 * later file with the same id replaces the earlier profile, so what is on
 * disk overrides what is compiled in. Neither the current directory nor
 * the binary's location is searched: an installed or copied binary reads
 * the same places wherever it runs from. An install directory seen twice
 * (PREFIX=/etc...) is read once.
 */
int profile_set_load(const char *const *user_dirs, struct profile_set **out, char *errbuf)
{
    const char *const sys[] = { profile_share_dir, profile_etc_dir };
    char seen[2][PATH_MAX];
    size_t ns = 0;
    int rc = 0;

    *out = NULL;
    struct profile_set *ps = profile_set_new();
    if (ps == NULL)
        return ERR_NOMEM;
    for (size_t i = 0; i < profile_builtin_count && rc == 0; i++) {
        char name[PATH_MAX];
        snprintf(name, sizeof(name), "(built-in)/%s", profile_builtins[i].name);
        rc = profile_set_add_text(ps, name, profile_builtins[i].text, profile_builtins[i].len,
                                  errbuf);
    }
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]) && rc == 0; i++) {
        char real[PATH_MAX];
        if (sys[i][0] == '\0' || realpath(sys[i], real) == NULL)
            continue;
        bool dup = false;
        for (size_t j = 0; j < ns; j++)
            dup |= !strcmp(seen[j], real);
        if (dup)
            continue;
        snprintf(seen[ns++], PATH_MAX, "%s", real);
        rc = profile_set_add_dir(ps, real, false, errbuf);
    }
    for (size_t i = 0; rc == 0 && user_dirs != NULL && user_dirs[i] != NULL; i++)
        rc = profile_set_add_dir(ps, user_dirs[i], true, errbuf);
    if (rc != 0) {
        profile_set_free(ps);
        return rc;
    }
    *out = ps;
    return 0;
}

size_t profile_count(const struct profile_set *ps)
{
    return ps != NULL ? ps->n : 0;
}

const struct profile *profile_at(const struct profile_set *ps, size_t i)
{
    return ps != NULL && i < ps->n ? ps->v[i] : NULL;
}

const struct profile *profile_find(const struct profile_set *ps, const char *id)
{
    for (size_t i = 0; ps != NULL && i < ps->n; i++)
        if (!strcmp(ps->v[i]->id, id))
            return ps->v[i];
    return NULL;
}

const char *profile_id(const struct profile *p) { return p != NULL ? p->id : ""; }
const char *profile_name(const struct profile *p) { return p->name; }
const char *profile_path(const struct profile *p) { return p->path; }
const struct profile_auth *profile_auth(const struct profile *p) { return &p->auth; }

/* ---- matching ---- */

/*
 * Specificity of an edge match, higher wins: the match strength (prefix
 * bits or pattern length) first, then a named edge over "any", then a
 * current edge over a legacy alias.
 */
static long edge_score(const struct edge *e, long strength)
{
    return strength * 4 + (e->pub.any ? 0 : 2) + (e->pub.alias_of != NULL ? 0 : 1);
}

const struct profile_edge *profile_edge_for_addr(const struct profile *p, const struct addr *a)
{
    const struct edge *best = NULL;
    long best_score = -1;

    for (size_t i = 0; p != NULL && i < p->n_edges; i++) {
        const struct edge *e = &p->edges[i];
        unsigned bits;
        if (e->unverified || !cidr_list_contains(&e->sig, a, &bits))
            continue;
        long sc = edge_score(e, (long)bits);
        if (sc > best_score) {
            best_score = sc;
            best = e;
        }
    }
    return best != NULL ? &best->pub : NULL;
}

/* Copy host into buf, lower-case, without a trailing dot. False if unusable. */
static bool host_cstr(struct span host, char *buf, size_t len)
{
    host = span_trim(host);
    if (host.len > 0 && host.p[host.len - 1] == '.')
        host.len--;
    if (host.len == 0 || host.len >= len)
        return false;
    for (size_t i = 0; i < host.len; i++) {
        char c = host.p[i];
        if (c == '\0')
            return false;
        buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    buf[host.len] = '\0';
    return true;
}

/*
 * Glob match; a leading "*." needs at least one character before the dot.
 * Returns the number of literal characters (specificity) or -1. The common
 * shapes "*.suffix" and "exact.host" are compared directly (host is
 * already lower-case; patterns compare case-insensitively), which is ~10x
 * cheaper than fnmatch; anything else goes to fnmatch.
 */
static long pattern_match(const char *pat, const char *host)
{
    const char *lit_part = pat[0] == '*' ? pat + 1 : pat;
    size_t plen = strlen(lit_part), hlen = strlen(host);

    if (strpbrk(lit_part, "*?[\\") == NULL) {
        if (pat[0] == '*') {
            if (hlen <= plen || strcasecmp(host + hlen - plen, lit_part) != 0)
                return -1;
        } else if (strcasecmp(host, pat) != 0) {
            return -1;
        }
    } else if (fnmatch(pat, host, FNM_CASEFOLD) != 0) {
        return -1;
    }
    if (pat[0] == '*' && host[0] == '.')
        return -1;
    long lit = 0;
    for (const char *q = pat; *q; q++)
        lit += *q != '*' && *q != '?';
    return lit;
}

static const struct edge *edge_for_host_c(const struct profile *p, const char *h, long *score)
{
    const struct edge *best = NULL;
    long best_score = -1;

    for (size_t i = 0; i < p->n_edges; i++) {
        const struct edge *e = &p->edges[i];
        if (e->unverified)
            continue;
        for (size_t j = 0; j < e->n_hosts; j++) {
            long lit = pattern_match(e->hosts[j], h);
            if (lit < 0)
                continue;
            long sc = edge_score(e, lit);
            if (sc > best_score) {
                best_score = sc;
                best = e;
            }
        }
    }
    *score = best_score;
    return best;
}

const struct profile_edge *profile_edge_for_host(const struct profile *p, struct span host)
{
    char h[PROFILE_HOST_MAX + 1];
    long sc;
    if (p == NULL || !host_cstr(host, h, sizeof(h)))
        return NULL;
    const struct edge *e = edge_for_host_c(p, h, &sc);
    return e != NULL ? &e->pub : NULL;
}

const struct profile *profile_match_addr(const struct profile_set *ps, const struct addr *a,
                                         const struct profile_edge **edge_out)
{
    const struct profile *best = NULL;
    const struct profile_edge *best_e = NULL;
    unsigned best_bits = 0;

    for (size_t i = 0; ps != NULL && i < ps->n; i++) {
        const struct profile_edge *e = profile_edge_for_addr(ps->v[i], a);
        if (e == NULL)
            continue;
        unsigned bits = 0;
        cidr_list_contains(&((const struct edge *)e)->sig, a, &bits);
        if (best == NULL || bits > best_bits) {
            best = ps->v[i];
            best_e = e;
            best_bits = bits;
        }
    }
    if (edge_out != NULL)
        *edge_out = best_e;
    return best;
}

const struct profile *profile_match_peer(const struct profile_set *ps, const struct addr *server,
                                         struct span host)
{
    const struct profile *p = profile_match_addr(ps, server, NULL);

    if (p == NULL && host.len > 0)
        p = profile_match_host(ps, host, NULL);
    return p;
}

const struct profile *profile_match_host(const struct profile_set *ps, struct span host,
                                         const struct profile_edge **edge_out)
{
    char h[PROFILE_HOST_MAX + 1];
    const struct profile *best = NULL;
    const struct edge *best_e = NULL;
    long best_score = -1;

    if (edge_out != NULL)
        *edge_out = NULL;
    if (!host_cstr(host, h, sizeof(h)))
        return NULL;
    for (size_t i = 0; ps != NULL && i < ps->n; i++) {
        const struct profile *p = ps->v[i];
        long sc;
        const struct edge *e = edge_for_host_c(p, h, &sc);
        if (e != NULL && sc > best_score) {
            best = p;
            best_e = e;
            best_score = sc;
        }
        for (size_t j = 0; j < p->n_hosts; j++) {
            long lit = pattern_match(p->hosts[j], h);
            if (lit >= 0 && lit * 4 > best_score) {
                best = p;
                best_e = NULL;
                best_score = lit * 4;
            }
        }
    }
    if (edge_out != NULL)
        *edge_out = best_e != NULL ? &best_e->pub : NULL;
    return best;
}

const char *profile_edge_canonical(const struct profile_edge *e)
{
    if (e == NULL)
        return "";
    return e->alias_of != NULL ? e->alias_of : e->id;
}

bool profile_edges_differ(const struct profile_edge *a, const struct profile_edge *b)
{
    if (a == NULL || b == NULL || a->any || b->any)
        return false;
    return strcmp(profile_edge_canonical(a), profile_edge_canonical(b)) != 0;
}

bool profile_is_media_addr(const struct profile *p, const struct addr *a)
{
    return p != NULL && cidr_list_contains(&p->media, a, NULL);
}

bool profile_is_sip_port(const struct profile *p, uint16_t port, enum transport t)
{
    for (size_t i = 0; p != NULL && i < p->n_ports; i++)
        if (p->ports[i].port == port && p->ports[i].t == t)
            return true;
    return false;
}

const struct profile_code *profile_code(const struct profile *p, int code)
{
    for (size_t i = 0; p != NULL && i < p->n_codes; i++)
        if (p->codes[i].pub.code == code && !p->codes[i].unverified)
            return &p->codes[i].pub;
    return NULL;
}

const struct profile_code *profile_code_from_header(const struct profile *p, struct span value,
                                                    int *code_out)
{
    struct span v = span_trim(value);
    size_t i = 0;
    long code = 0;

    while (i < v.len && i < 7 && v.p[i] >= '0' && v.p[i] <= '9')
        code = code * 10 + (v.p[i++] - '0');
    /* digits must end the value or be followed by a separator */
    if (i == 0 || i >= 7 || (i < v.len && v.p[i] != ' ' && v.p[i] != '\t' && v.p[i] != ':' &&
                             v.p[i] != '-' && v.p[i] != ',' && v.p[i] != ';'))
        code = 0;
    if (code_out != NULL)
        *code_out = (int)code;
    return code != 0 ? profile_code(p, (int)code) : NULL;
}

const struct profile_reason *profile_reason(const struct profile *p, int status,
                                            struct span phrase)
{
    for (size_t i = 0; p != NULL && i < p->n_reasons; i++) {
        const struct reason *r = &p->reasons[i];
        if (r->unverified || (r->pub.status != 0 && r->pub.status != status))
            continue;
        if (span_icontains(phrase, r->pub.phrase))
            return &r->pub;
    }
    return NULL;
}

const char *profile_fix(const struct profile *p, const char *kind)
{
    for (size_t i = 0; p != NULL && kind != NULL && i < p->n_fixes; i++)
        if (!strcmp(p->fixes[i].kind, kind))
            return p->fixes[i].text;
    return NULL;
}
