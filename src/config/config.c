/*
 * config.c — the --config trunk description (see config.h), parsed with
 * inih. Unknown sections and keys are errors (file:line, inih gives the
 * line of the first failing entry) so a typo never silently turns a check
 * off. Main thread at start-up; read-only afterwards.
 */
#include "config.h"

#include "caps.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct config {
    size_t n;
    struct config_trunk t[CONFIG_MAX_TRUNKS];
    struct config_hep hep;
    struct config_media media;
    struct config_analysis analysis;
};

struct cparse {
    struct config *c;
    char why[200];
    char section[INI_MAX_LINE];
    struct config_trunk *cur;
    bool in_hep;            /* in [hep_in] */
    bool in_media;          /* in [media] */
    bool in_analysis;       /* in [analysis] */
};

static int fail(struct cparse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct cparse *ps, const char *fmt, ...)
{
    va_list ap;
    if (ps->why[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
        va_end(ap);
    }
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/*
 * Host of a SIP URI or bare host: "sip:+1555@x.pstn.twilio.com:5061;transport=tls"
 * -> "x.pstn.twilio.com"; "[2001:db8::1]:5060" -> "2001:db8::1". False if empty.
 */
static bool uri_host(const char *v, char *out, size_t len)
{
    const char *p = v, *end;

    while (*p == ' ' || *p == '<')
        p++;
    if (!strncasecmp(p, "sips:", 5))
        p += 5;
    else if (!strncasecmp(p, "sip:", 4))
        p += 4;
    const char *at = strchr(p, '@');
    if (at != NULL)
        p = at + 1;
    if (*p == '[') {
        p++;
        end = strchr(p, ']');
        if (end == NULL)
            return false;
    } else {
        end = p + strcspn(p, ":;>?/ \t");
    }
    size_t n = (size_t)(end - p);
    if (n > 0 && p[n - 1] == '.')
        n--;
    if (n == 0 || n >= len)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    lower(out);
    return true;
}

static int set_field(struct cparse *ps, char *dst, size_t len, const char *k, const char *v)
{
    if (strlen(v) >= len)
        return fail(ps, "%s is longer than %zu characters", k, len - 1);
    snprintf(dst, len, "%s", v);
    return 1;
}

static int add_list(struct cparse *ps, struct cidr_list *l, const char *k, const char *v)
{
    char err[ERRBUF_SIZE];
    if (cidr_list_parse(l, v, err) != 0)
        return fail(ps, "%s: %s", k, err);
    return 1;
}

static const char *const hep_cap_keys[CONFIG_HEP_CAPS] = {
    "conns", "record_bytes", "idle_ms", "agent_rate", "agents", "quiet",
};
static const char *const hep_cap_names[CONFIG_HEP_CAPS] = {
    "hep_conns", "hep_record_bytes", "hep_idle_ms", "hep_agent_rate", "hep_agents",
    "hep_quiet_ms",
};

const char *config_hep_cap_name(enum config_hep_cap c)
{
    return (unsigned)c < CONFIG_HEP_CAPS ? hep_cap_names[c] : NULL;
}

/* listen = SPEC[, SPEC...] (repeatable): as many --hep-in. */
static int hep_listen(struct cparse *ps, struct config_hep *h, const char *value)
{
    const char *p = value;

    while (*p != '\0') {
        size_t n;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        n = strcspn(p, ", \t");
        if (n == 0)
            break;
        if (h->n_listen == CONFIG_HEP_LISTEN_MAX)
            return fail(ps, "listen: at most %d listeners", CONFIG_HEP_LISTEN_MAX);
        if (n >= sizeof(h->listen[0]))
            return fail(ps, "listen: '%.40s...' is too long", p);
        memcpy(h->listen[h->n_listen], p, n);
        h->listen[h->n_listen++][n] = '\0';
        p += n;
    }
    return 1;
}

/* A limit: a decimal number (quiet in seconds, kept in ms). */
static int hep_limit(struct cparse *ps, struct config_hep *h, int i, const char *value)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0' ||
        (i == CONFIG_HEP_QUIET_MS && v > 7 * 86400))
        return fail(ps, "%s = %.40s: expected a number%s", hep_cap_keys[i], value,
                    i == CONFIG_HEP_QUIET_MS ? " of seconds from 0 (off) to 604800" : "");
    h->cap[i] = i == CONFIG_HEP_QUIET_MS ? v * 1000 : v;
    h->cap_set[i] = true;
    return 1;
}

/* [hep_in]: the --hep-in listeners, who may send to them, the files of its
 * key and TLS, and its limits. */
static int hep_key(struct cparse *ps, const char *name, const char *value)
{
    struct config_hep *h = &ps->c->hep;

    h->present = true;
    if (!strcmp(name, "listen"))
        return hep_listen(ps, h, value);
    for (int i = 0; i < CONFIG_HEP_CAPS; i++)
        if (!strcmp(name, hep_cap_keys[i]))
            return hep_limit(ps, h, i, value);
    if (!strcmp(name, "allow"))
        return add_list(ps, &h->allow, name, value);
    if (!strcmp(name, "key_file"))
        return set_field(ps, h->key_file, sizeof(h->key_file), name, value);
    if (!strcmp(name, "tls_cert"))
        return set_field(ps, h->tls_cert, sizeof(h->tls_cert), name, value);
    if (!strcmp(name, "tls_key"))
        return set_field(ps, h->tls_key, sizeof(h->tls_key), name, value);
    if (!strcmp(name, "tls_ca"))
        return set_field(ps, h->tls_ca, sizeof(h->tls_ca), name, value);
    if (!strcmp(name, "key") || !strcmp(name, "auth_key") || !strcmp(name, "password"))
        return fail(ps, "the HEP key does not belong in --config: put it in a file of its own "
                    "(mode 600) and name it with key_file");
    return fail(ps, "unknown key '%s' in [hep_in] (listen, allow, key_file, tls_cert, tls_key, "
                "tls_ca, conns, record_bytes, idle_ms, agent_rate, agents, quiet)", name);
}

/* [media]: rtp_heuristic = yes|no (as --rtp-heuristic). */
static int media_key(struct cparse *ps, const char *name, const char *value)
{
    struct config_media *m = &ps->c->media;

    m->present = true;
    if (!strcmp(name, "rtp_heuristic")) {
        if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
            m->rtp_heuristic = true;
        else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
            m->rtp_heuristic = false;
        else
            return fail(ps, "rtp_heuristic '%.40s': want yes or no", value);
        return 1;
    }
    return fail(ps, "unknown key '%s' in [media] (rtp_heuristic)", name);
}

static int analysis_key(struct cparse *ps, const char *name, const char *value)
{
    struct config_analysis *an = &ps->c->analysis;

    an->present = true;
    if (!strcmp(name, "mem")) {
        if (caps_parse_size(value, &an->mem) != 0 || an->mem < CAPS_MEM_MIN)
            return fail(ps, "mem '%.40s': want a size of at least %u MiB (128M, 1G)", value,
                        CAPS_MEM_MIN >> 20);
        return 1;
    }
    return fail(ps, "unknown key '%s' in [analysis] (mem)", name);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct cparse *ps = user;
    struct config *c = ps->c;

    if (section == NULL || name == NULL || value == NULL)
        return 0;
    if (strcmp(section, ps->section) != 0) {
        snprintf(ps->section, sizeof(ps->section), "%s", section);
        ps->cur = NULL;
        ps->in_hep = !strcmp(section, "hep_in");
        ps->in_media = !strcmp(section, "media");
        ps->in_analysis = !strcmp(section, "analysis");
        if (ps->in_analysis && c->analysis.present)
            return fail(ps, "duplicate [analysis]");
        if (ps->in_analysis)
            return analysis_key(ps, name, value);
        if (ps->in_hep && c->hep.present)
            return fail(ps, "duplicate [hep_in]");
        if (ps->in_media && c->media.present)
            return fail(ps, "duplicate [media]");
        if (ps->in_hep)
            return hep_key(ps, name, value);
        if (ps->in_media)
            return media_key(ps, name, value);
        if (strncmp(section, "trunk ", 6) != 0 || section[6] == '\0')
            return fail(ps, "unknown section [%s] (want [trunk NAME], [hep_in], [media] or "
                        "[analysis])", section);
        const char *tname = section + 6;
        if (strlen(tname) >= sizeof(c->t[0].name))
            return fail(ps, "trunk name too long");
        for (size_t i = 0; i < c->n; i++)
            if (!strcmp(c->t[i].name, tname))
                return fail(ps, "duplicate [trunk %s]", tname);
        if (c->n >= CONFIG_MAX_TRUNKS)
            return fail(ps, "more than %d trunks", CONFIG_MAX_TRUNKS);
        ps->cur = &c->t[c->n++];
        snprintf(ps->cur->name, sizeof(ps->cur->name), "%s", tname);
    }
    if (ps->in_hep)
        return hep_key(ps, name, value);
    if (ps->in_media)
        return media_key(ps, name, value);
    if (ps->in_analysis)
        return analysis_key(ps, name, value);
    struct config_trunk *t = ps->cur;
    if (t == NULL)
        return 0;   /* the section's error is already recorded */

    if (!strcmp(name, "provider"))
        return set_field(ps, t->provider, sizeof(t->provider), name, value);
    if (!strcmp(name, "public_ip"))
        return add_list(ps, &t->public_ip, name, value);
    if (!strcmp(name, "username"))
        return set_field(ps, t->username, sizeof(t->username), name, value);
    if (!strcmp(name, "termination_uri")) {
        if (!uri_host(value, t->termination_host, sizeof(t->termination_host)))
            return fail(ps, "termination_uri '%.80s' has no host", value);
        return 1;
    }
    if (!strcmp(name, "ip_acl"))
        return add_list(ps, &t->ip_acl, name, value);
    if (!strcmp(name, "peer"))
        return add_list(ps, &t->peer, name, value);
    if (!strcmp(name, "edge") || !strcmp(name, "region")) {
        if (!set_field(ps, t->edge, sizeof(t->edge), name, value))
            return 0;
        lower(t->edge);
        return 1;
    }
    if (!strcmp(name, "password") || !strcmp(name, "secret"))
        return fail(ps, "passwords do not belong in --config: put them in the --secrets file "
                    "(mode 600)");
    return fail(ps, "unknown key '%s' in [trunk %s]", name, t->name);
}

int config_load(const char *path, struct config **out, char *errbuf)
{
    *out = NULL;
    struct config *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ERR_NOMEM;
    struct cparse ps = { .c = c };
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        free(c);
        return ERR_IO;
    }
    /* a line inih would split (over INI_MAX_LINE) is reported, not misread */
    int ch, line = 1;
    size_t len = 0;
    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') {
            line++;
            len = 0;
        } else if (++len > INI_MAX_LINE - 2) {
            err_set(errbuf, "%s:%d: line longer than %d characters", path, line,
                    INI_MAX_LINE - 2);
            fclose(f);
            free(c);
            return ERR_FORMAT;
        }
    }
    rewind(f);
    int r = ini_parse_file(f, handler, &ps);
    fclose(f);
    if (r != 0) {
        if (r == -2)
            err_set(errbuf, "%s: out of memory", path);
        else
            err_set(errbuf, "%s:%d: %s", path, r,
                    ps.why[0] ? ps.why : "syntax error (want [trunk NAME] or key = value)");
        free(c);
        return r == -2 ? ERR_NOMEM : ERR_FORMAT;
    }
    *out = c;
    return 0;
}

const struct config_hep *config_hep(const struct config *c)
{
    return &c->hep;
}

const struct config_analysis *config_analysis(const struct config *c)
{
    return &c->analysis;
}

const struct config_media *config_media(const struct config *c)
{
    return &c->media;
}

void config_free(struct config *c)
{
    free(c);
}

size_t config_trunk_count(const struct config *c)
{
    return c != NULL ? c->n : 0;
}

const struct config_trunk *config_trunk_at(const struct config *c, size_t i)
{
    return c != NULL && i < c->n ? &c->t[i] : NULL;
}

const struct config_trunk *config_trunk_find(const struct config *c, const char *name)
{
    for (size_t i = 0; c != NULL && i < c->n; i++)
        if (!strcmp(c->t[i].name, name))
            return &c->t[i];
    return NULL;
}

bool config_acl_contains(const struct config_trunk *t, const struct addr *src)
{
    return t != NULL && src != NULL && cidr_list_contains(&t->ip_acl, src, NULL);
}

bool config_has_acl(const struct config_trunk *t)
{
    return t != NULL && t->ip_acl.n > 0;
}

bool config_is_public_ip(const struct config_trunk *t, const struct addr *a)
{
    return t != NULL && a != NULL && cidr_list_contains(&t->public_ip, a, NULL);
}

/*
 * Does host name the trunk? Equal to termination_host, or its localized
 * form: "NAME.pstn.EDGE.REST" for "NAME.pstn.REST" (one extra label after
 * ".pstn." or ".sip."), as Twilio's localized termination URIs are.
 */
static bool host_is_trunk(const struct config_trunk *t, struct span host)
{
    char h[256];
    struct span s = span_trim(host);

    if (t->termination_host[0] == '\0')
        return false;
    if (s.len > 0 && s.p[s.len - 1] == '.')
        s.len--;
    if (s.len == 0 || s.len >= sizeof(h) || memchr(s.p, '\0', s.len) != NULL)
        return false;
    memcpy(h, s.p, s.len);
    h[s.len] = '\0';
    lower(h);
    if (!strcmp(h, t->termination_host))
        return true;
    static const char *const mids[] = { ".pstn.", ".sip.", NULL };
    for (size_t i = 0; mids[i] != NULL; i++) {
        const char *m = strstr(t->termination_host, mids[i]);
        if (m == NULL)
            continue;
        size_t plen = (size_t)(m - t->termination_host) + strlen(mids[i]);
        const char *rest = t->termination_host + plen;     /* "twilio.com" */
        size_t rlen = strlen(rest);
        if (strncmp(h, t->termination_host, plen) != 0 || s.len <= plen + rlen + 1)
            continue;
        const char *edge = h + plen;
        const char *tail = h + s.len - rlen;
        if (tail[-1] != '.' || strcmp(tail, rest) != 0)
            continue;
        size_t elen = (size_t)(tail - 1 - edge);
        if (elen > 0 && memchr(edge, '.', elen) == NULL)
            return true;
    }
    return false;
}

const struct config_trunk *config_by_host(const struct config *c, struct span host)
{
    for (size_t i = 0; c != NULL && i < c->n; i++)
        if (host_is_trunk(&c->t[i], host))
            return &c->t[i];
    return NULL;
}

const struct config_trunk *config_by_username(const struct config *c, struct span username)
{
    for (size_t i = 0; c != NULL && username.len > 0 && i < c->n; i++)
        if (c->t[i].username[0] != '\0' &&
            span_eq(username, span_make(c->t[i].username, strlen(c->t[i].username))))
            return &c->t[i];
    return NULL;
}

const struct config_trunk *config_by_addr(const struct config *c, const struct addr *a)
{
    const struct config_trunk *acl = NULL;

    for (size_t i = 0; c != NULL && a != NULL && i < c->n; i++) {
        if (config_is_public_ip(&c->t[i], a))
            return &c->t[i];
        if (acl == NULL && config_acl_contains(&c->t[i], a))
            acl = &c->t[i];
    }
    return acl;
}

const struct config_trunk *config_match(const struct config *c, const struct addr *pbx,
                                        const struct addr *peer, struct span host,
                                        struct span username)
{
    const struct config_trunk *best = NULL;
    int best_score = 0;

    for (size_t i = 0; c != NULL && i < c->n; i++) {
        const struct config_trunk *t = &c->t[i];
        int sc = 0;
        if (host.len > 0 && host_is_trunk(t, host))
            sc += 8;
        if (username.len > 0 && t->username[0] != '\0' &&
            span_eq(username, span_make(t->username, strlen(t->username))))
            sc += 4;
        if (peer != NULL && cidr_list_contains(&t->peer, peer, NULL))
            sc += 2;
        if (pbx != NULL && config_is_public_ip(t, pbx))
            sc += 2;
        else if (pbx != NULL && config_acl_contains(t, pbx))
            sc += 1;
        if (sc > best_score) {
            best = t;
            best_score = sc;
        }
    }
    return best;
}
