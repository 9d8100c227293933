/*
 * sip_verify.c — checks the fast scanner (sip_parse.c) against libosip2's
 * full parser on the same bytes: the correctness oracle of the fast path.
 *
 * Flow: off the hot path; called by the unit tests over every message of
 * every shared capture, and by --verify-parse. Thread: any thread that has
 * no osip state of its own (libosip2's parser is re-entrant once
 * parser_init has run). RFC 3261 §20 fields, compared as libosip2 sees them.
 *
 * libosip2 keeps quotes in some values (display names, auth params); they
 * are removed on its side before comparing, as sip_parse removes them.
 */
#include "sip.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "sip_scan.h"

static pthread_once_t osip_once = PTHREAD_ONCE_INIT;

static void osip_trace_nothing(const char *fi, int li, osip_trace_level_t level,
                               const char *chfr, va_list ap)
{
    (void)fi; (void)li; (void)level; (void)chfr; (void)ap;
}

static void osip_init(void)
{
    parser_init();
    /* libosip2 prints "| ERROR |" lines to stderr for every message it
     * refuses; a malformed packet must never log (STYLE.md Errors). */
    osip_trace_initialize_func(END_TRACE_LEVEL, osip_trace_nothing);
    for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
        osip_trace_disable_level((osip_trace_level_t)l);
}

void sip_osip_init_once(void)
{
    pthread_once(&osip_once, osip_init);
}

struct vctx {
    char *why;
    size_t whylen;
    int diff;
};

__attribute__((format(printf, 2, 3)))
static void differ(struct vctx *v, const char *fmt, ...)
{
    va_list ap;

    if (v->diff)
        return;                 /* keep the first difference */
    v->diff = 1;
    if (v->why == NULL || v->whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(v->why, v->whylen, fmt, ap);
    va_end(ap);
}

/* osip's string without surrounding quotes and backslash escapes: points
 * into s when unquoted, else into buf (cap bytes). */
static size_t osip_unq(const char *s, char *buf, size_t cap, const char **out)
{
    size_t n = 0, len;

    *out = buf;
    if (s == NULL)
        return 0;
    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        for (size_t i = 1; i + 1 < len && n < cap; i++) {
            if (s[i] == '\\' && i + 2 < len)
                i++;
            buf[n++] = s[i];
        }
        return n;
    }
    *out = s;
    return len;
}

/* Compare our span with osip's string (NULL == empty), quotes removed;
 * the field is named pre.field in the report. */
static void cmp(struct vctx *v, const char *pre, const char *field, struct span ours,
                const char *theirs, bool icase)
{
    char buf[4096];
    const char *t;
    size_t n;

    if (v->diff)
        return;
    n = osip_unq(theirs, buf, sizeof buf, &t);
    if (ours.len == n && (n == 0 || (icase ? strncasecmp(ours.p, t, n) == 0
                                           : memcmp(ours.p, t, n) == 0)))
        return;
    differ(v, "%s%s%s: ours '%.*s' osip '%.*s'", pre, *pre ? "." : "", field,
           (int)(ours.len > 200 ? 200 : ours.len),
           ours.p != NULL ? ours.p : "", (int)(n > 200 ? 200 : n), t);
}

static void cmp_num(struct vctx *v, const char *pre, const char *field, long long ours,
                    const char *theirs)
{
    long long t = 0;
    char *end = NULL;

    if (v->diff)
        return;
    if (theirs != NULL) {
        t = strtoll(theirs, &end, 10);
        if (end == theirs)
            t = 0;
    }
    if (ours != t)
        differ(v, "%s%s%s: ours %lld osip '%s'", pre, *pre ? "." : "", field, ours,
               theirs != NULL ? theirs : "(none)");
}

static const char *param(osip_list_t *l, const char *name)
{
    osip_generic_param_t *p = NULL;

    if (osip_generic_param_get_byname(l, (char *)name, &p) == 0 && p != NULL)
        return p->gvalue != NULL ? p->gvalue : "";
    return NULL;
}

static void cmp_uri(struct vctx *v, const char *what, const struct sip_uri *u, osip_uri_t *o)
{
    if (o == NULL) {
        if (u->host.len > 0)
            differ(v, "%s: osip has no URI", what);
        return;
    }
    cmp(v, what, "scheme", u->scheme, o->scheme, true);
    if (o->scheme == NULL || (strcasecmp(o->scheme, "sip") != 0 &&
                              strcasecmp(o->scheme, "sips") != 0))
        return;                 /* osip keeps other schemes as one string */
    cmp(v, what, "user", u->user, o->username, false);
    cmp(v, what, "host", u->host, o->host, true);
    cmp_num(v, what, "port", u->port, o->port);
    cmp(v, what, "transport", u->transport, param(&o->url_params, "transport"), false);
}

static void cmp_nameaddr(struct vctx *v, const char *what, const struct sip_nameaddr *na,
                         osip_from_t *o)
{
    if (o == NULL) {
        if (na->raw.len > 0)
            differ(v, "%s: osip has none", what);
        return;
    }
    if (na->raw.len == 0) {
        differ(v, "%s: ours has none", what);
        return;
    }
    cmp(v, what, "display", na->display, o->displayname, false);
    cmp_uri(v, what, &na->uri, o->url);
    cmp(v, what, "tag", na->tag, param(&o->gen_params, "tag"), false);
}

static void cmp_via(struct vctx *v, int i, const struct sip_via *ours, osip_via_t *o)
{
    const char *tn = transport_name(ours->transport);
    const char *rp;
    char w[32];

    snprintf(w, sizeof w, "via[%d]", i);
    cmp(v, w, "transport", span_make(tn, strlen(tn)), o->protocol, true);
    cmp(v, w, "host", ours->host, o->host, true);
    cmp_num(v, w, "port", ours->port, o->port);
    cmp(v, w, "branch", ours->branch, param(&o->via_params, "branch"), false);
    cmp(v, w, "received", ours->received, param(&o->via_params, "received"), false);
    rp = param(&o->via_params, "rport");
    if (rp == NULL) {
        if (ours->rport != -1)
            differ(v, "%s.rport: ours %d osip absent", w, (int)ours->rport);
    } else {
        cmp_num(v, w, "rport", ours->rport, rp);
    }
}

static void cmp_cred(struct vctx *v, const struct sip_cred *c, osip_authorization_t *o)
{
    cmp(v, "cred", "scheme", c->scheme, o->auth_type, true);
    cmp(v, "cred", "username", c->username, o->username, false);
    cmp(v, "cred", "realm", c->realm, o->realm, false);
    cmp(v, "cred", "nonce", c->nonce, o->nonce, false);
    cmp(v, "cred", "uri", c->uri, o->uri, false);
    cmp(v, "cred", "response", c->response, o->response, false);
    cmp(v, "cred", "algorithm", c->algorithm, o->algorithm, false);
    cmp(v, "cred", "qop", c->qop, o->message_qop, false);
    cmp(v, "cred", "nc", c->nc, o->nonce_count, false);
    cmp(v, "cred", "cnonce", c->cnonce, o->cnonce, false);
    cmp(v, "cred", "opaque", c->opaque, o->opaque, false);
}

static void cmp_chal(struct vctx *v, int i, const struct sip_challenge *c,
                     osip_www_authenticate_t *o)
{
    char w[32], buf[16];
    const char *t;
    size_t n;

    snprintf(w, sizeof w, "challenge[%d]", i);
    cmp(v, w, "scheme", c->scheme, o->auth_type, true);
    cmp(v, w, "realm", c->realm, o->realm, false);
    cmp(v, w, "nonce", c->nonce, o->nonce, false);
    cmp(v, w, "algorithm", c->algorithm, o->algorithm, false);
    cmp(v, w, "qop", c->qop, o->qop_options, false);
    cmp(v, w, "opaque", c->opaque, o->opaque, false);
    n = osip_unq(o->stale, buf, sizeof buf, &t);
    if (!v->diff && c->stale != (n == 4 && strncasecmp(t, "true", 4) == 0))
        differ(v, "challenge[%d].stale: ours %d osip '%s'", i, (int)c->stale,
               o->stale != NULL ? o->stale : "(none)");
}

static void compare(struct vctx *v, const struct sip_msg *m, osip_message_t *o)
{
    int n;

    /* start line */
    if (m->is_request != (o->sip_method != NULL)) {
        differ(v, "kind: ours %s osip %s", m->is_request ? "request" : "response",
               o->sip_method != NULL ? "request" : "response");
        return;
    }
    if (m->is_request) {
        cmp(v, "", "method", m->method_name, o->sip_method, false);
        cmp_uri(v, "ruri", &m->ruri, o->req_uri);
    } else {
        if (m->status != o->status_code)
            differ(v, "status: ours %d osip %d", m->status, o->status_code);
        cmp(v, "", "reason", m->reason_phrase, o->reason_phrase, false);
    }

    /* identity */
    if (o->call_id == NULL) {
        differ(v, "call-id: osip has none");
    } else {
        char cid[4096];
        int k = snprintf(cid, sizeof cid, "%s%s%s", o->call_id->number ? o->call_id->number : "",
                         o->call_id->host ? "@" : "", o->call_id->host ? o->call_id->host : "");
        if (k < 0 || (size_t)k >= sizeof cid || m->call_id.len != (size_t)k ||
            memcmp(m->call_id.p, cid, (size_t)k) != 0)
            differ(v, "call-id: ours '%.*s' osip '%.200s'", (int)(m->call_id.len > 200 ? 200 : m->call_id.len),
                   m->call_id.p, cid);
    }
    if (o->cseq == NULL) {
        differ(v, "cseq: osip has none");
    } else {
        cmp_num(v, "cseq", "number", m->cseq, o->cseq->number);
        cmp(v, "cseq", "method", m->cseq_method_name, o->cseq->method, false);
    }
    cmp_nameaddr(v, "from", &m->from, o->from);
    cmp_nameaddr(v, "to", &m->to, o->to);

    /* Via list */
    n = osip_list_size(&o->vias);
    if (!v->diff && (int)m->via_total != n)
        differ(v, "via count: ours %u osip %d", m->via_total, n);
    if (!v->diff && m->n_via != (n < SIP_MAX_VIA ? n : SIP_MAX_VIA))
        differ(v, "vias kept: ours %u of %d", m->n_via, n);
    for (int i = 0; i < m->n_via && !v->diff; i++)
        cmp_via(v, i, &m->via[i], osip_list_get(&o->vias, i));

    /* Contacts */
    n = osip_list_size(&o->contacts);
    if (!v->diff && m->n_contact != (n < SIP_MAX_CONTACT ? n : SIP_MAX_CONTACT))
        differ(v, "contacts: ours %u osip %d", m->n_contact, n);
    for (int i = 0; i < m->n_contact && !v->diff; i++) {
        osip_contact_t *oc = osip_list_get(&o->contacts, i);
        const struct sip_contact *c = &m->contact[i];
        bool ostar = oc->url == NULL && oc->displayname != NULL &&
                     strcmp(oc->displayname, "*") == 0;
        char w[32];
        if (c->star != ostar) {
            differ(v, "contact[%d].star: ours %d osip %d", i, c->star, ostar);
            break;
        }
        if (c->star)
            continue;
        snprintf(w, sizeof w, "contact[%d]", i);
        cmp_uri(v, w, &c->uri, oc->url);
        {
            const char *e = param(&oc->gen_params, "expires");
            if (e == NULL && c->expires != -1)
                differ(v, "%s.expires: ours %lld osip absent", w, (long long)c->expires);
            else if (e != NULL)
                cmp_num(v, w, "expires", c->expires, e);
        }
    }

    /* credentials: ours is the first Authorization or Proxy-Authorization */
    {
        osip_list_t *l = m->cred.proxy ? &o->proxy_authorizations : &o->authorizations;
        int na = osip_list_size(&o->authorizations) + osip_list_size(&o->proxy_authorizations);
        if (!v->diff && m->cred.present != (na > 0))
            differ(v, "credentials: ours %d osip %d", m->cred.present, na);
        if (!v->diff && m->cred.present) {
            osip_authorization_t *a = osip_list_get(l, 0);
            if (a == NULL)
                differ(v, "credentials: osip has no %sAuthorization", m->cred.proxy ? "Proxy-" : "");
            else
                cmp_cred(v, &m->cred, a);
        }
    }

    /* challenges, in message order on our side, one list per kind in osip */
    {
        int nw = osip_list_size(&o->www_authenticates);
        int np = osip_list_size(&o->proxy_authenticates);
        int iw = 0, ip = 0, want = nw + np;
        if (want > SIP_MAX_CHALLENGE)
            want = SIP_MAX_CHALLENGE;
        if (!v->diff && m->n_challenge != want)
            differ(v, "challenges: ours %u osip %d", m->n_challenge, nw + np);
        for (int i = 0; i < m->n_challenge && !v->diff; i++) {
            osip_www_authenticate_t *w = m->challenge[i].proxy
                ? osip_list_get(&o->proxy_authenticates, ip++)
                : osip_list_get(&o->www_authenticates, iw++);
            if (w == NULL)
                differ(v, "challenge[%d]: osip has none of this kind", i);
            else
                cmp_chal(v, i, &m->challenge[i], w);
        }
    }

    /* Content-Length */
    /* libosip2 fills in Content-Length (the body size) when it is absent */
    if (o->content_length != NULL && o->content_length->value != NULL)
        cmp_num(v, "", "content-length",
                m->content_length >= 0 ? m->content_length : (long long)m->body_len,
                o->content_length->value);
    else if (!v->diff && m->content_length != -1)
        differ(v, "content-length: ours %lld osip absent", (long long)m->content_length);
}

int sip_verify(const struct sip_msg *m, const uint8_t *data, size_t len, char *why,
               size_t whylen)
{
    struct vctx v = { why, whylen, 0 };
    osip_message_t *o = NULL;
    int rc;

    if (why != NULL && whylen > 0)
        why[0] = '\0';
    sip_osip_init_once();
    if (osip_message_init(&o) != 0) {
        differ(&v, "osip_message_init failed");
        return -1;
    }
    rc = osip_message_parse(o, (const char *)data, len);
    if (rc != 0) {
        differ(&v, "osip_message_parse rejects the message (%d)", rc);
        osip_message_free(o);
        return -1;
    }
    compare(&v, m, o);
    osip_message_free(o);
    return v.diff;
}
