/*
 * report_json.c — `--report json`: one JSON document
 * {"version":1, "source":..., "stats":{...}, "peers":[...], "findings":[...]}
 * built with json-c, but for the peers, the bulk of a busy PBX's report,
 * which write json-c's bytes themselves (jpeers_to_json). docs/json-schema.md is the
 * contract; tests/integration/engine_json.sh checks output against it.
 *
 * Times: "time"/"*_epoch" fields are seconds since the epoch (numbers, like
 * tshark's frame.time_epoch); "*_utc" fields are the same as UTC text.
 * Flow: snapshot → report. Thread: the caller's.
 */
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings/kind_meta.h"
#include "util/err.h"
#include "report.h"
#include "report_fmt.h"
#include "report_tls.h"
#include "tls.h"
#include "sip.h"

/* Add a member under a key that outlives the tree (a literal, or text of
 * the snapshot the report is made from) and is new in o: json-c then
 * neither copies the key nor looks it up first (a busy PBX's report holds
 * thousands of peers of ~30 members each). */
static void jput(json_object *o, const char *key, json_object *v)
{
    json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW |
                                         JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

static json_object *jtime(int64_t us)
{
    return us > 0 ? json_object_new_double((double)us / 1e6) : NULL;
}

static json_object *jutc(int64_t us)
{
    char b[40];
    return us > 0 ? json_object_new_string(report_time_utc(us, b, sizeof(b))) : NULL;
}

static json_object *jep(const struct endpoint *ep)
{
    json_object *o = json_object_new_object();
    char ip[ADDR_STRLEN];

    jput(o, "ip", json_object_new_string(addr_str(&ep->ip, ip, sizeof(ip))));
    jput(o, "port", json_object_new_int(ep->port));
    return o;
}

static json_object *jstats(const struct snapshot *s)
{
    const struct run_info *r = &s->run;
    json_object *o = json_object_new_object(), *c = json_object_new_object();

    jput(o, "live", json_object_new_boolean(r->live));
    jput(o, "truncated", json_object_new_boolean(r->truncated));
    jput(o, "first_epoch", jtime(r->first_ts_us));
    jput(o, "last_epoch", jtime(r->last_ts_us));
    jput(o, "packets", json_object_new_uint64(r->packets));
    jput(o, "bytes", json_object_new_uint64(r->bytes));
    jput(o, "sip_messages", json_object_new_uint64(r->sip_messages));
    jput(o, "malformed", json_object_new_uint64(r->malformed));
    jput(o, "ring_drops", json_object_new_uint64(r->ring_drops));
    jput(o, "kernel_drops", json_object_new_uint64(r->kernel_drops));
    jput(o, "if_drops", json_object_new_uint64(r->if_drops));
    jput(o, "members_not_shown", json_object_new_uint64(s->members_not_shown));
    jput(o, "evictions", json_object_new_uint64(s->evictions));
    {
        char inc[512];
        jput(o, "incomplete", report_incomplete(s, inc, sizeof(inc))
                                  ? json_object_new_string(inc) : NULL);
    }
    {
        json_object *bs = json_object_new_object();
        for (int i = 0; i < 4; i++)
            jput(bs, severity_name((enum severity)i),
                 json_object_new_uint64(s->findings_by_severity[i]));
        jput(o, "findings_by_severity", bs);
    }
    for (size_t i = 0; i < s->n_counters; i++)
        json_object_object_add(c, s->counters[i].name,
                               json_object_new_uint64(s->counters[i].value));
    jput(o, "counters", c);
    return o;
}

/* --- the peers, written straight into json-c's buffer ------------------------
 *
 * A busy PBX's report holds thousands of peers (3,811 after 40,000 messages
 * of the busy workload, 70% of the document): building them as json-c
 * objects (a hash table of ~30 members each, an allocation per value),
 * serialising and freeing the tree cost ~60k instructions a peer. The "peers"
 * array is a json-c object with its own serializer instead, which writes
 * the bytes json-c writes for the same tree with report_json's flags
 * (JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE, json-c 0.16 json_object.c):
 * "{\n" / "[\n", members ",\n"-separated at two spaces a level, a newline
 * before the closing indent only when there were members, keys and strings
 * escaped as json_escape_str does ('/' left alone), integers in decimal,
 * doubles as "%.17g" with ".0" added to integral values, absent values
 * "null". tests/pcap's expected JSON and the busy workload's report guard
 * it byte for byte. */
struct jw {
    struct printbuf *pb;
    size_t n;
    char b[4096];
};

/* a JSON object or array being written: its level and whether it has a
 * member yet */
struct jwo {
    int level;
    bool any;
};

static void jw_flush(struct jw *w)
{
    if (w->n > 0)
        printbuf_memappend(w->pb, w->b, (int)w->n);
    w->n = 0;
}

/* Where the next len bytes go (len <= sizeof(w->b)): the pieces are short,
 * so each is a copy of a known size into the buffer, not a call. */
static inline char *jw_at(struct jw *w, size_t len)
{
    if (len > sizeof(w->b) - w->n)
        jw_flush(w);
    return w->b + w->n;
}

static void jw_mem(struct jw *w, const char *s, size_t len)
{
    if (len > sizeof(w->b) - w->n) {
        jw_flush(w);
        if (len > sizeof(w->b)) {
            printbuf_memappend(w->pb, s, (int)len);
            return;
        }
    }
    memcpy(w->b + w->n, s, len);
    w->n += len;
}

#define jw_lit(w, s)                                                \
    do {                                                            \
        memcpy(jw_at((w), sizeof(s) - 1), (s), sizeof(s) - 1);    \
        (w)->n += sizeof(s) - 1;                                    \
    } while (0)

/* a newline and json-c's indent of a level (two spaces each) */
static void jw_nl(struct jw *w, int level)
{
    static const char nl[33] = "\n                               ";
    size_t k = 1 + 2 * (size_t)level;

    if (k <= 32) {
        memcpy(jw_at(w, 32), nl, 32);
        w->n += k;
        return;
    }
    jw_lit(w, "\n");
    for (k--; k > 0; k--)
        jw_lit(w, " ");
}

/* what json_escape_str escapes ('/' is not, under NOSLASHESCAPE); the NUL
 * ends the scan */
static const unsigned char jw_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00-0x0f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10-0x1f */
    ['"'] = 1, ['\\'] = 1,
};

/* a string, quoted and escaped as json-c's json_escape_str does */
static void jw_str(struct jw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    jw_lit(w, "\"");
    for (;;) {
        const char *run = s;
        unsigned char c;
        char *e;

        while (!jw_esc[(unsigned char)*s])
            s++;
        jw_mem(w, run, (size_t)(s - run));
        c = (unsigned char)*s++;
        if (c == '\0')
            break;
        e = jw_at(w, 6);
        e[0] = '\\';
        w->n += 2;
        switch (c) {
        case '\b': e[1] = 'b'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        case '\f': e[1] = 'f'; break;
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        default:
            e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 0xf];
            w->n += 4;
        }
    }
    jw_lit(w, "\"");
}

static void jw_u64(struct jw *w, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);

    if (v < 10) {
        *jw_at(w, 1) = (char)('0' + v);
        w->n++;
        return;
    }
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    jw_mem(w, d + i, sizeof(d) - i);
}

static void jw_i64(struct jw *w, int64_t v)
{
    if (v < 0) {
        jw_lit(w, "-");
        jw_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        jw_u64(w, (uint64_t)v);
    }
}

/* json-c's default double: "%.17g", ".0" added when that shows no decimal
 * point and no exponent (json_object_double_to_json_string_format) */
static void jw_double(struct jw *w, double d)
{
    char b[128];
    int n;

    if (isnan(d)) {
        jw_lit(w, "NaN");
        return;
    }
    if (isinf(d)) {
        if (d > 0)
            jw_lit(w, "Infinity");
        else
            jw_lit(w, "-Infinity");
        return;
    }
    n = snprintf(b, sizeof(b), "%.17g", d);
    if (n < 0)
        return;
    if (n >= (int)sizeof(b))
        n = (int)sizeof(b) - 1;
    {
        char *comma = strchr(b, ',');
        bool point = comma != NULL || strchr(b, '.') != NULL;
        bool numeric = (b[0] >= '0' && b[0] <= '9') ||
                       (n > 1 && b[0] == '-' && b[1] >= '0' && b[1] <= '9');
        if (comma != NULL)
            *comma = '.';
        jw_mem(w, b, (size_t)n);
        if (n < (int)sizeof(b) - 2 && numeric && !point && strchr(b, 'e') == NULL)
            jw_lit(w, ".0");
    }
}

static void jw_open(struct jw *w, struct jwo *o, int level, bool array)
{
    o->level = level;
    o->any = false;
    if (array)
        jw_lit(w, "[");
    else
        jw_lit(w, "{");
}

/* json-c writes "{\n", the members, and "\n" before the closing indent only
 * when there were members: the same bytes as a newline before each member
 * and before the closing indent */
static void jw_close(struct jw *w, const struct jwo *o, bool array)
{
    jw_nl(w, o->level);
    if (array)
        jw_lit(w, "]");
    else
        jw_lit(w, "}");
}

/* the next element of an array */
static void jw_elem(struct jw *w, struct jwo *o)
{
    if (o->any)
        jw_lit(w, ",");
    o->any = true;
    jw_nl(w, o->level + 1);
}

/* the next member of an object, up to its value (a key needs no escaping:
 * every key here is a literal or a method name, all short) */
static void jw_key(struct jw *w, struct jwo *o, const char *key)
{
    size_t len = strlen(key);
    char *p;

    jw_elem(w, o);
    p = jw_at(w, len + 3);
    p[0] = '"';
    memcpy(p + 1, key, len);
    p[len + 1] = '"';
    p[len + 2] = ':';
    w->n += len + 3;
}

static void jw_kstr(struct jw *w, struct jwo *o, const char *key, const char *v)
{
    jw_key(w, o, key);
    if (v != NULL)
        jw_str(w, v);
    else
        jw_lit(w, "null");
}

static void jw_ku64(struct jw *w, struct jwo *o, const char *key, uint64_t v)
{
    jw_key(w, o, key);
    jw_u64(w, v);
}

/* jtime's and jutc's values: a time of 0 is null */
static void jw_ktime(struct jw *w, struct jwo *o, const char *key, int64_t us)
{
    jw_key(w, o, key);
    if (us > 0)
        jw_double(w, (double)us / 1e6);
    else
        jw_lit(w, "null");
}

static void jw_kutc(struct jw *w, struct jwo *o, const char *key, int64_t us)
{
    char b[40];

    jw_kstr(w, o, key, us > 0 ? report_time_utc(us, b, sizeof(b)) : NULL);
}

/* jep's object */
static void jw_kep(struct jw *w, struct jwo *o, const char *key, const struct endpoint *ep)
{
    struct jwo e;
    char ip[ADDR_STRLEN];

    jw_key(w, o, key);
    jw_open(w, &e, o->level + 1, false);
    jw_kstr(w, &e, "ip", addr_str(&ep->ip, ip, sizeof(ip)));
    jw_key(w, &e, "port");
    jw_i64(w, ep->port);
    jw_close(w, &e, false);
}

/* One peer (docs/json-schema.md "peers") at this level. */
static void jw_peer(struct jw *w, int level, const struct snap_peer *p)
{
    static const char *cls[SNAP_ANSWER_CLASSES] = { "unanswered", "1xx", "2xx", "3xx", "4xx",
                                                     "5xx", "6xx" };
    struct jwo o, sub;
    int rate = report_auth_rate(p);

    jw_open(w, &o, level, false);
    jw_kstr(w, &o, "name", p->name);
    jw_kstr(w, &o, "role", p->role);
    jw_kstr(w, &o, "role_reason", p->role_why[0] ? p->role_why : NULL);
    jw_kstr(w, &o, "provider", p->provider[0] ? p->provider : NULL);
    jw_kstr(w, &o, "geo", p->geo[0] ? p->geo : NULL);
    jw_key(w, &o, "site_id");
    jw_i64(w, p->site_id);
    jw_kep(w, &o, "local", &p->local);
    jw_kep(w, &o, "remote", &p->remote);
    jw_key(w, &o, "requests");
    jw_open(w, &sub, level + 1, false);
    for (int m = 0; m < SIP_METHOD_COUNT; m++)
        if (p->requests[m])
            jw_ku64(w, &sub, m ? sip_method_name((enum sip_method)m) : "other",
                    p->requests[m]);
    jw_close(w, &sub, false);
    jw_key(w, &o, "answers");
    jw_open(w, &sub, level + 1, false);
    for (int c = 0; c < SNAP_ANSWER_CLASSES; c++)
        jw_ku64(w, &sub, cls[c], p->answers[c]);
    jw_close(w, &sub, false);
    jw_ku64(w, &o, "auth_ok", p->auth_ok);
    jw_ku64(w, &o, "auth_failed", p->auth_failed);
    jw_key(w, &o, "auth_success_rate");
    if (rate >= 0)
        jw_i64(w, rate);
    else
        jw_lit(w, "null");
    jw_ktime(w, &o, "first_failure_epoch", p->first_fail_us);
    jw_ktime(w, &o, "last_failure_epoch", p->last_fail_us);
    jw_kutc(w, &o, "first_failure_utc", p->first_fail_us);
    jw_kutc(w, &o, "last_failure_utc", p->last_fail_us);
    jw_kstr(w, &o, "keepalive", p->keepalive);
    jw_kstr(w, &o, "verdict", p->verdict[0] ? p->verdict : NULL);
    jw_close(w, &o, false);
}

/* The "peers" array's serializer (its userdata is the snapshot). */
static int jpeers_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
    const struct snapshot *s = json_object_get_userdata(jso);
    struct jw *w = malloc(sizeof(*w));
    struct jwo a;

    (void)flags;    /* always report_json's */
    if (w == NULL)
        return -1;
    w->pb = pb;
    w->n = 0;
    jw_open(w, &a, level, true);
    for (size_t i = 0; i < s->n_peers; i++) {
        jw_elem(w, &a);
        jw_peer(w, level + 1, &s->peers[i]);
    }
    jw_close(w, &a, true);
    jw_flush(w);
    free(w);
    return 0;
}

static json_object *jstrings(const char (*arr)[SNAP_TEXT], uint32_t n)
{
    json_object *a = json_object_new_array();

    for (uint32_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(arr[i]));
    return a;
}

static json_object *jids(const char (*arr)[SNAP_ID], uint32_t n)
{
    json_object *a = json_object_new_array();

    for (uint32_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(arr[i]));
    return a;
}

static json_object *jfinding(const struct snap_finding *x)
{
    json_object *o = json_object_new_object(), *ev = json_object_new_array();
    json_object *tg = json_object_new_array();

    jput(o, "id", x->id[0] ? json_object_new_string(x->id) : NULL);
    jput(o, "kind", json_object_new_string(x->kind));
    jput(o, "severity", json_object_new_string(severity_name(x->severity)));
    jput(o, "summary", json_object_new_string(x->summary));
    jput(o, "entity", json_object_new_string(x->entity));
    jput(o, "provider", x->provider[0] ? json_object_new_string(x->provider)
                        : NULL);
    jput(o, "count", json_object_new_uint64(x->count));
    jput(o, "first_seen", jtime(x->first_us));
    jput(o, "last_seen", jtime(x->last_us));
    jput(o, "first_seen_utc", jutc(x->first_us));
    jput(o, "last_seen_utc", jutc(x->last_us));
    for (uint32_t i = 0; i < x->n_evidence; i++) {
        json_object *e = json_object_new_object();
        jput(e, "frame", json_object_new_uint64(x->evidence[i].frame));
        jput(e, "time", jtime(x->evidence[i].ts_us));
        jput(e, "role", json_object_new_string(x->evidence[i].role));
        jput(e, "line", json_object_new_string(x->evidence[i].line));
        json_object_array_add(ev, e);
    }
    jput(o, "evidence", ev);
    jput(o, "causes", jstrings(x->causes, x->n_causes));
    jput(o, "fix", jstrings(x->fix, x->n_fix));
    jput(o, "explained_by", x->explained_by[0]
                            ? json_object_new_string(x->explained_by)
                            : NULL);
    jput(o, "explains", jids(x->explains, x->n_explains));
    for (uint32_t i = 0; i < x->n_targets && i < SNAP_MAX_TARGETS; i++)
        json_object_array_add(tg, json_object_new_string(x->targets[i]));
    jput(o, "targets", tg);
    /* a population finding: how many, how many a budget could not count,
     * the worst members (docs/json-schema.md "population") */
    if (x->n_members > 1 || x->members_dropped > 0) {
        json_object *sm = json_object_new_array();
        for (uint32_t i = 0; i < x->n_sample && i < SNAP_MAX_SAMPLE; i++) {
            json_object *m = json_object_new_object();
            jput(m, "name", json_object_new_string(x->sample[i].name));
            jput(m, "count", json_object_new_int64((int64_t)x->sample[i].count));
            json_object_array_add(sm, m);
        }
        jput(o, "population", json_object_new_string(x->population));
        jput(o, "n_members", json_object_new_int64((int64_t)x->n_members));
        jput(o, "members_dropped",
             json_object_new_int64((int64_t)x->members_dropped));
        /* past the member budget n_members is a floor: the HyperLogLog
         * estimate of all of them, marked as one */
        jput(o, "estimate", json_object_new_boolean(x->members_dropped > 0));
        jput(o, "n_estimate", x->members_dropped > 0
                              ? json_object_new_int64((int64_t)x->n_estimate) : NULL);
        jput(o, "sample", sm);
    } else {
        jput(o, "population", NULL);
    }
    /* the HEP site a collection finding is about (hep_agent_quiet) */
    if (x->site_id != 0)
        jput(o, "site_id", json_object_new_int64(x->site_id));
    return o;
}

static json_object *jdiagnosis(const struct snap_diagnosis *d)
{
    json_object *o = json_object_new_object(), *ro = json_object_new_array();

    jput(o, "trunk", json_object_new_string(d->trunk));
    jput(o, "role", json_object_new_string(d->role));
    jput(o, "root_cause", json_object_new_string(kind_name(d->root_cause)));
    jput(o, "finding", json_object_new_string(d->finding));
    jput(o, "severity", json_object_new_string(severity_name(d->severity)));
    jput(o, "confidence", json_object_new_string(d->confidence));
    jput(o, "summary", json_object_new_string(d->summary));
    jput(o, "explains", jids(d->explains, d->n_explains));
    jput(o, "explains_dropped", json_object_new_int64(d->explains_dropped));
    jput(o, "roots", jids(d->roots, d->n_roots < SNAP_MAX_EXPLAINS
                     ? d->n_roots : SNAP_MAX_EXPLAINS));
    jput(o, "root_count", json_object_new_int64(d->n_roots));
    {
        json_object *fr = json_object_new_array();
        for (uint32_t i = 0; i < d->n_frames && i < SNAP_MAX_DIAG_FRAMES; i++)
            json_object_array_add(fr, json_object_new_uint64(d->frames[i]));
        jput(o, "evidence_frames", fr);
        jput(o, "evidence_frames_total", json_object_new_int64(d->n_frames));
    }
    for (uint32_t i = 0; i < d->n_ruled_out && i < SNAP_MAX_RULED_OUT; i++) {
        json_object *r = json_object_new_object();
        jput(r, "cause", json_object_new_string(d->ruled_out[i].cause));
        jput(r, "why", json_object_new_string(d->ruled_out[i].why));
        json_object_array_add(ro, r);
    }
    jput(o, "ruled_out", ro);
    jput(o, "fix", d->fix[0] ? json_object_new_string(d->fix) : NULL);
    return o;
}

/* One TLS connection (docs/json-schema.md "tls"). */
static json_object *jtls(const struct snap_tls *r)
{
    json_object *o = json_object_new_object(), *alerts = json_object_new_array();
    char b[192], v[48];

    jput(o, "client", jep(&r->client));
    jput(o, "server", jep(&r->server));
    jput(o, "first_frame", json_object_new_uint64(r->first_frame));
    jput(o, "first_epoch", jtime(r->first_us));
    jput(o, "sni", r->sni[0] ? json_object_new_string(r->sni) : NULL);
    jput(o, "versions_offered",
         r->offered ? json_object_new_string(tls_versions_text(r->offered, v,
                                                                sizeof(v)))
                    : NULL);
    jput(o, "versions_offered_up_to", json_object_new_boolean(r->legacy_offer));
    jput(o, "version",
         r->version ? json_object_new_string(tls_version_name(r->version, v,
                                                                sizeof(v)))
                    : NULL);
    jput(o, "cipher",
         r->version ? json_object_new_string(tls_cipher_name(r->cipher, b,
                                                                sizeof(b)))
                    : NULL);
    jput(o, "alpn_offered",
         r->alpn_offered[0] ? json_object_new_string(r->alpn_offered) : NULL);
    jput(o, "alpn", r->alpn[0] ? json_object_new_string(r->alpn) : NULL);
    if (r->has_cert) {
        json_object *c = json_object_new_object();
        jput(c, "subject", json_object_new_string(r->subject));
        jput(c, "san", json_object_new_string(r->san));
        jput(c, "issuer", json_object_new_string(r->issuer));
        jput(c, "not_before", jtime(r->not_before * 1000000));
        jput(c, "not_after", jtime(r->not_after * 1000000));
        jput(c, "self_signed", json_object_new_boolean(r->self_signed));
        jput(c, "expired", json_object_new_boolean(r->cert_problems &
                           TLS_CERT_EXPIRED));
        jput(c, "name_mismatch", json_object_new_boolean(r->cert_problems &
                                 TLS_CERT_NAME));
        jput(o, "certificate", c);
    } else {
        jput(o, "certificate", NULL);
    }
    if (r->alert) {
        json_object *a = json_object_new_object();
        jput(a, "side", json_object_new_string(
                        r->alert_from == TLS_SIDE_CLIENT ? "client" : "server"));
        jput(a, "description",
             r->alert_encrypted ? NULL
             : json_object_new_string(tls_alert_name(
             r->alert_desc, v, sizeof(v))));
        jput(a, "encrypted", json_object_new_boolean(r->alert_encrypted));
        jput(a, "frame", json_object_new_uint64(r->alert_frame));
        json_object_array_add(alerts, a);
    }
    jput(o, "alerts", alerts);
    jput(o, "result", json_object_new_string(report_tls_result(r, b, sizeof(b))));
    jput(o, "failed", json_object_new_boolean(r->fail != 0));
    jput(o, "decrypted", json_object_new_boolean(report_tls_decrypted(r)));
    const char *why = report_tls_why_not(r, b, sizeof(b));
    jput(o, "not_decrypted_why", why ? json_object_new_string(why) : NULL);
    jput(o, "records_decrypted", json_object_new_uint64(r->decrypted));
    jput(o, "records_undecryptable", json_object_new_uint64(r->undecryptable));
    jput(o, "sip_messages", json_object_new_uint64(r->sip_messages));
    return o;
}

/* One RTP stream (docs/json-schema.md "media"). */
static json_object *jmedia(const struct snap_media *m)
{
    json_object *o = json_object_new_object();
    char ip[ADDR_STRLEN];

    jput(o, "call_id", m->heuristic ? NULL : json_object_new_string(m->call_id));
    jput(o, "heuristic", json_object_new_boolean(m->heuristic));
    jput(o, "src", json_object_new_string(addr_str(&m->src.ip, ip, sizeof(ip))));
    jput(o, "src_port", json_object_new_int(m->src.port));
    jput(o, "dst", json_object_new_string(addr_str(&m->dst.ip, ip, sizeof(ip))));
    jput(o, "dst_port", json_object_new_int(m->dst.port));
    jput(o, "ssrc", json_object_new_int64(m->ssrc));
    jput(o, "direction", json_object_new_string(m->direction));
    jput(o, "payload_type", json_object_new_int(m->payload_type));
    jput(o, "codec", m->codec[0] ? json_object_new_string(m->codec) : NULL);
    jput(o, "packets", json_object_new_uint64(m->packets));
    jput(o, "expected", json_object_new_int64(m->expected));
    jput(o, "lost", json_object_new_int64(m->lost));
    jput(o, "jitter_ms", json_object_new_double(m->jitter_ms));
    jput(o, "jitter_max_ms", json_object_new_double(m->jitter_max_ms));
    jput(o, "jitter_mean_ms", json_object_new_double(m->jitter_mean_ms));
    jput(o, "dtmf_events", json_object_new_int64(m->dtmf_events));
    jput(o, "first_frame", json_object_new_uint64(m->first_frame));
    jput(o, "first_epoch", jtime(m->first_us));
    jput(o, "last_epoch", jtime(m->last_us));
    return o;
}

static json_object *jmedia_call(const struct snap_media_call *c)
{
    json_object *o = json_object_new_object();
    static const char *const side[2] = { "caller", "callee" };
    char k[32];

    jput(o, "call_id", json_object_new_string(c->call_id));
    jput(o, "verdict", json_object_new_string(c->verdict));
    jput(o, "note", c->note[0] ? json_object_new_string(c->note) : NULL);
    for (int i = 0; i < 2; i++) {
        snprintf(k, sizeof(k), "%s_sdp", side[i]);
        json_object_object_add(o, k, c->have_sdp[i] ? jep(&c->sdp[i]) : NULL);
        snprintf(k, sizeof(k), "rtp_to_%s", side[i]);
        json_object_object_add(o, k, json_object_new_uint64(c->packets_to[i]));
        snprintf(k, sizeof(k), "rtcp_to_%s", side[i]);
        json_object_object_add(o, k, json_object_new_uint64(c->rtcp_to[i]));
    }
    jput(o, "streams", json_object_new_int64(c->n_streams));
    return o;
}

/* The first of s->members (sorted by finding order, role, count) of the
 * finding with this order and role. */
static size_t members_from(const struct snapshot *s, uint64_t order, uint8_t role)
{
    size_t lo = 0, hi = s->n_members;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct snap_pop_member *m = &s->members[mid];
        if (m->order < order || (m->order == order && m->role < role))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The full lists of a population finding within the member budget:
 * "members" (name, count; most first) and every targeted account in
 * "targets" (docs/json-schema.md "population"). */
static void jmembers(json_object *o, const struct snapshot *s, const struct snap_finding *x)
{
    uint64_t order;
    size_t i;
    json_object *a;

    if (s->cap_members == 0 || x->id[0] != 'F')
        return;
    order = strtoull(x->id + 1, NULL, 10);
    i = members_from(s, order, SNAP_MEMBER_POPULATION);
    if (x->population[0] && (x->n_members > 1 || x->members_dropped > 0)) {
        a = json_object_new_array();
        for (; i < s->n_members && s->members[i].order == order &&
               s->members[i].role == SNAP_MEMBER_POPULATION; i++) {
            json_object *m = json_object_new_object();
            jput(m, "name", json_object_new_string(s->members[i].name));
            jput(m, "count", json_object_new_int64((int64_t)s->members[i].count));
            json_object_array_add(a, m);
        }
        jput(o, "members", a);
    }
    i = members_from(s, order, SNAP_MEMBER_TARGET);
    if (i < s->n_members && s->members[i].order == order &&
        s->members[i].role == SNAP_MEMBER_TARGET) {
        a = json_object_new_array();
        for (; i < s->n_members && s->members[i].order == order &&
               s->members[i].role == SNAP_MEMBER_TARGET; i++)
            json_object_array_add(a, json_object_new_string(s->members[i].name));
        json_object_object_add(o, "targets", a);   /* replaces the shown ones */
    }
    jput(o, "n_targets", json_object_new_int64((int64_t)
                         (x->n_targets_all > x->n_targets ? x->n_targets_all : x->n_targets)));
}

json_object *report_json_finding(const struct snap_finding *x)
{
    return jfinding(x);
}

/* A --hep-in agent (run.h struct run_agent). */
static json_object *jagent(const struct run_agent *a)
{
    json_object *o = json_object_new_object();
    char ip[ADDR_STRLEN];

    jput(o, "capture_id", json_object_new_int64(a->capid));
    jput(o, "address", json_object_new_string(addr_str(&a->ip, ip, sizeof(ip))));
    jput(o, "transport", json_object_new_string(transport_name(a->transport)));
    jput(o, "packets", json_object_new_uint64(a->packets));
    jput(o, "bytes", json_object_new_uint64(a->bytes));
    jput(o, "malformed", json_object_new_uint64(a->malformed));
    jput(o, "refused", json_object_new_uint64(a->refused));
    jput(o, "dropped", json_object_new_uint64(a->dropped));
    jput(o, "first_seen", jtime(a->first_us));
    jput(o, "last_seen", jtime(a->last_us));
    jput(o, "last_admitted", a->last_ok_us ? jtime(a->last_ok_us) : NULL);
    return o;
}

int report_json(FILE *f, const struct snapshot *s)
{
    json_object *root = json_object_new_object(), *peers, *findings, *diag;
    const char *txt;
    int rc = 0;

    if (root == NULL)
        return ERR_NOMEM;
    peers = json_object_new_array();
    findings = json_object_new_array();
    jput(root, "version", json_object_new_int(1));
    jput(root, "source", json_object_new_string(s->run.source ? s->run.source
                         : "-"));
    jput(root, "exit_status", json_object_new_int(report_exit_status(s)));
    jput(root, "stats", jstats(s));
    diag = json_object_new_array();
    for (size_t i = 0; i < s->n_diagnosis && i < SNAP_MAX_DIAGNOSIS; i++)
        json_object_array_add(diag, jdiagnosis(&s->diagnosis[i]));
    jput(root, "diagnosis", diag);
    json_object_set_serializer(peers, jpeers_to_json, (void *)s, NULL);
    jput(root, "peers", peers);
    for (size_t i = 0; i < s->n_findings; i++)
    {
        json_object *fo = jfinding(&s->findings[i]);
        jmembers(fo, s, &s->findings[i]);
        json_object_array_add(findings, fo);
    }
    jput(root, "findings", findings);
    {
        json_object *ag = json_object_new_array();
        for (uint32_t i = 0; i < s->run.n_agents && i < RUN_MAX_AGENTS; i++)
            json_object_array_add(ag, jagent(&s->run.agents[i]));
        jput(root, "agents", ag);
        jput(root, "agents_evicted",
             json_object_new_uint64(s->run.agents_evicted));
    }
    {
        json_object *media = json_object_new_array(), *calls = json_object_new_array();
        for (size_t i = 0; i < s->n_media && i < SNAP_MAX_MEDIA; i++)
            json_object_array_add(media, jmedia(&s->media[i]));
        jput(root, "media", media);
        jput(root, "media_not_shown", json_object_new_uint64(s->media_not_shown));
        for (size_t i = 0; i < s->n_media_calls && i < SNAP_MAX_MEDIA_CALLS; i++)
            json_object_array_add(calls, jmedia_call(&s->media_calls[i]));
        jput(root, "media_calls", calls);
        jput(root, "media_calls_not_shown",
             json_object_new_uint64(s->media_calls_not_shown));
    }
    {
        json_object *tls = json_object_new_array();
        size_t idx[SNAP_MAX_TLS];
        report_tls_order(s, idx);
        for (size_t i = 0; i < s->n_tls && i < SNAP_MAX_TLS; i++)
            json_object_array_add(tls, jtls(&s->tls[idx[i]]));
        jput(root, "tls", tls);
        jput(root, "tls_not_shown", json_object_new_uint64(s->tls_not_shown));
    }
    txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    if (txt == NULL || fprintf(f, "%s\n", txt) < 0)
        rc = ERR_IO;
    json_object_put(root);
    return rc;
}
