/*
 * tls.c — the TLS tracker: what one TLS connection's cleartext handshake
 * says (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2, RFC 6066 §3 server_name,
 * RFC 7301 ALPN, RFC 5280 certificates), read from the records the framer
 * cuts out of each TCP direction (frame.c, FRAME_TLS). It keeps one record
 * per connection (both directions), fills a struct tls_conn (tls.h) and
 * tells the sink when the handshake failed, when the certificate was seen
 * and when application data started.
 *
 * Place in the flow: reasm_tcp → frame → decode_l4 (tcp_msg) → here → sink
 * (pipeline → engine). Thread: the analysis thread that owns the decoder.
 *
 * Every read of record bytes goes through struct cursor; a handshake
 * message split over records is joined in a per-direction buffer of at
 * most TLS_HS_MAX bytes, all such buffers together at most
 * caps->tls_handshake_bytes (past either, the message is skipped and
 * counted). At most caps->tls_conns connections are tracked: the least
 * recently active is evicted (counted); an idle one times out after
 * caps->tcp_timeout_ms (packet time).
 *
 * What cannot be seen without keys is inferred from record types and
 * sizes only where the protocol leaves no other reading: in TLS 1.3 the
 * client's first encrypted record is its Finished (at least 53 bytes) or
 * an alert (2 bytes + content type + 16-byte tag = 19): a 19-byte record
 * there is the client refusing the handshake.
 */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "frame.h"
#include "tls_int.h"
#include "util/siphash.h"

#define NIL UINT32_MAX
#define TLS_HS_MAX 65536            /* largest handshake message joined (a long chain) */
#define TLS_HELLO_WAIT_US 2000000   /* a ClientHello unanswered this long at the end failed */
#define TLS13_ALERT_LEN 19          /* encrypted alert: 2 + 1 (type) + 16 (AEAD tag) */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11, HS_CERT_REQUEST = 13,
       HS_FINISHED = 20, HS_KEY_UPDATE = 24 };
#define TLS_PLAIN_MAX TLS_CIPHERTEXT_MAX  /* one record's plaintext is never longer */
_Static_assert(TLS_PLAIN_MAX >= TLS_CIPHERTEXT_MAX, "tls_open writes up to a whole fragment");

#define TLS_COUNTERS(X) \
    X(records,         "tls.records") \
    X(conns,           "tls.connections") \
    X(midstream,       "tls.midstream") \
    X(hs_messages,     "tls.handshake_messages") \
    X(hs_bad,          "tls.handshake_malformed") \
    X(hs_too_large,    "tls.handshake_too_large") \
    X(hs_no_room,      "tls.handshake_no_room") \
    X(cert_bad,        "tls.certificate_malformed") \
    X(alerts,          "tls.alerts") \
    X(failed,          "tls.handshakes_failed") \
    X(established,     "tls.handshakes_established") \
    X(evicted,         "tls.evicted") \
    X(timeouts,        "tls.timeouts") \
    X(decrypted,       "tls.records_decrypted") \
    X(no_key,          "tls.records_no_key") \
    X(bad_tag,         "tls.records_not_authentic") \
    X(plain_msgs,      "tls.plaintext_messages") \
    X(plain_not_sip,   "tls.plaintext_not_sip") \
    X(plain_no_room,   "tls.plaintext_no_room") \
    X(out_full,        "tls.plaintext_out_full") \
    X(nomem,           "tls.nomem")

struct tls_dir {
    uint8_t *hs;            /* a handshake message split over records */
    size_t hs_len, hs_cap;
    bool enc;               /* its records are encrypted from here on */
    bool finished;          /* its Finished went by (encrypted) */
    bool closed;
    bool skip;              /* handshake not parsed any more */
    uint64_t enc_records;   /* encrypted records (TLS 1.3: type 23) */
    /* --tls-keylog */
    struct tls_dkey k;      /* secrets: wiped on release */
    bool keyed, broken;     /* k is set; a record failed to open (stop trying) */
    struct framer fr;       /* SIP framing of the plaintext */
    uint8_t *pt;            /* plaintext not yet framed */
    size_t pt_len, pt_cap;
};

struct entry {
    struct tls_conn c;
    uint64_t hash;
    uint32_t hnext, prev, next;
    struct tls_dir d[2];
    uint8_t fired;          /* 1 << enum tls_event already sent */
    uint8_t client_random[32], server_random[32];
    uint8_t app_secret[2][48];  /* TLS 1.3 traffic secrets, after each Finished (wiped) */
    uint8_t app_len;
    /* TLS 1.3: the server's first record after the client's Finished (0 none
     * yet, 1 the size of an alert, 2 anything else); the client's data waits
     * for it before the connection counts as established (est_pending). */
    uint8_t srv_after_fin;
    bool est_pending;
};

struct tls_table {
    struct entry *e;
    uint32_t n, nbuckets, *buckets, *freelist, nfree, oldest, newest;
    size_t live, hs_bytes, hs_cap;
    int64_t timeout_us;
    uint64_t serial;
    uint8_t seed[16];
    tls_sink_fn sink;
    void *ud;
    /* --tls-keylog */
    struct keylog *kl;
    uint8_t *scratch;           /* one record's plaintext */
    uint8_t *out;               /* messages handed on during one frame */
    size_t out_len, out_cap, pt_bytes, pt_cap, msg_max;
    uint64_t out_frame;
    struct frame_counters fc;
    struct {
#define TC_DECL(f, n) uint64_t f;
        TLS_COUNTERS(TC_DECL)
#undef TC_DECL
    } ctr;
};

/* ---- table ------------------------------------------------------------- */

void tls_table_sink(struct tls_table *t, tls_sink_fn fn, void *ud)
{
    t->sink = fn;
    t->ud = ud;
}

struct tls_table *tls_table_new(const struct caps *caps)
{
    struct tls_table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->n = caps->tls_conns > 0 && caps->tls_conns < (1u << 22) ? (uint32_t)caps->tls_conns : 1024;
    t->nbuckets = 1;
    while (t->nbuckets < t->n)
        t->nbuckets <<= 1;
    t->hs_cap = (size_t)caps->tls_handshake_bytes;
    t->pt_cap = (size_t)caps->tls_plaintext_bytes;
    t->msg_max = (size_t)caps->tcp_stream_bytes;
    t->timeout_us = (int64_t)caps->tcp_timeout_ms * 1000;
    t->e = calloc(t->n, sizeof(*t->e));
    t->buckets = malloc(t->nbuckets * sizeof(uint32_t));
    t->freelist = malloc(t->n * sizeof(uint32_t));
    if (t->e == NULL || t->buckets == NULL || t->freelist == NULL) {
        tls_table_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = NIL;
    for (uint32_t i = 0; i < t->n; i++)
        t->freelist[i] = t->n - 1 - i;
    t->nfree = t->n;
    t->oldest = t->newest = NIL;
    siphash_seed(t->seed);
    return t;
}

static void dir_free(struct tls_table *t, struct tls_dir *d)
{
    free(d->hs);
    t->hs_bytes -= d->hs_cap;
    d->hs = NULL;
    d->hs_cap = d->hs_len = 0;
}

static void pt_free(struct tls_table *t, struct tls_dir *d)
{
    if (d->pt != NULL)
        explicit_bzero(d->pt, d->pt_cap);
    free(d->pt);
    t->pt_bytes -= d->pt_cap;
    d->pt = NULL;
    d->pt_cap = d->pt_len = 0;
}

static void lru_unlink(struct tls_table *t, uint32_t i)
{
    struct entry *e = &t->e[i];
    if (e->prev != NIL)
        t->e[e->prev].next = e->next;
    else
        t->oldest = e->next;
    if (e->next != NIL)
        t->e[e->next].prev = e->prev;
    else
        t->newest = e->prev;
}

static void lru_append(struct tls_table *t, uint32_t i)
{
    struct entry *e = &t->e[i];
    e->next = NIL;
    e->prev = t->newest;
    if (t->newest != NIL)
        t->e[t->newest].next = i;
    else
        t->oldest = i;
    t->newest = i;
}

static void fire(struct tls_table *t, struct entry *e, enum tls_event ev);

static void release(struct tls_table *t, uint32_t i)
{
    struct entry *e = &t->e[i];
    /* Gone before the server's answer to the client's data was seen (time-
     * out, eviction, end of input): it did work as far as the wire shows. */
    if (e->est_pending && e->c.fail == TLS_FAIL_NONE)
        fire(t, e, TLS_EV_ESTABLISHED);
    fire(t, e, TLS_EV_DONE);    /* final counts (the per-connection table) */
    uint32_t *pp = &t->buckets[e->hash & (t->nbuckets - 1)];

    while (*pp != NIL && *pp != i)
        pp = &t->e[*pp].hnext;
    if (*pp == i)
        *pp = e->hnext;
    lru_unlink(t, i);
    dir_free(t, &e->d[0]);
    dir_free(t, &e->d[1]);
    pt_free(t, &e->d[0]);
    pt_free(t, &e->d[1]);
    explicit_bzero(e, sizeof(*e));  /* keys and secrets */
    t->freelist[t->nfree++] = i;
    t->live--;
}

void tls_table_free(struct tls_table *t)
{
    if (t == NULL)
        return;
    if (t->e != NULL && t->buckets != NULL && t->freelist != NULL)
        while (t->oldest != NIL)
            release(t, t->oldest);
    free(t->e);
    free(t->buckets);
    free(t->freelist);
    if (t->scratch != NULL)
        explicit_bzero(t->scratch, TLS_PLAIN_MAX);
    if (t->out != NULL)
        explicit_bzero(t->out, t->out_cap);
    free(t->scratch);
    free(t->out);
    free(t);
}

bool tls_table_keylog(struct tls_table *t, struct keylog *kl)
{
    t->kl = kl;
    if (kl == NULL)
        return true;
    /* A frame can complete at most one message already waiting (up to the
     * per-direction cap) plus what its own records carry (one record's
     * worth of slack per 16 KiB of snaplen is more than a frame holds). */
    t->out_cap = t->msg_max + (256u << 10);
    t->scratch = malloc(TLS_PLAIN_MAX);
    t->out = malloc(t->out_cap);
    return t->scratch != NULL && t->out != NULL;
}

/* The same hash for both directions: the endpoints in a fixed order. */
static uint64_t conn_hash(const struct tls_table *t, const struct reasm_tcp_key *k)
{
    uint8_t b[36];
    int cmp = memcmp(k->src.b, k->dst.b, 16);
    bool swap = cmp > 0 || (cmp == 0 && k->sport > k->dport);
    const struct addr *a = swap ? &k->dst : &k->src, *z = swap ? &k->src : &k->dst;
    uint16_t pa = swap ? k->dport : k->sport, pz = swap ? k->sport : k->dport;

    memcpy(b, a->b, 16);
    memcpy(b + 16, z->b, 16);
    b[32] = (uint8_t)(pa >> 8);
    b[33] = (uint8_t)pa;
    b[34] = (uint8_t)(pz >> 8);
    b[35] = (uint8_t)pz;
    return siphash24(b, sizeof(b), t->seed);
}

static bool ep_is(const struct endpoint *e, const struct addr *a, uint16_t port)
{
    return e->port == port && addr_eq(&e->ip, a);
}

/* Entry of k's connection and the side k comes from, NIL when untracked. */
static uint32_t conn_find(struct tls_table *t, const struct reasm_tcp_key *k, uint64_t h, int *side)
{
    for (uint32_t i = t->buckets[h & (t->nbuckets - 1)]; i != NIL; i = t->e[i].hnext) {
        const struct tls_conn *c = &t->e[i].c;
        if (t->e[i].hash != h)
            continue;
        if (ep_is(&c->client, &k->src, k->sport) && ep_is(&c->server, &k->dst, k->dport)) {
            *side = TLS_SIDE_CLIENT;
            return i;
        }
        if (ep_is(&c->server, &k->src, k->sport) && ep_is(&c->client, &k->dst, k->dport)) {
            *side = TLS_SIDE_SERVER;
            return i;
        }
    }
    return NIL;
}

static uint32_t conn_new(struct tls_table *t, const struct reasm_tcp_key *k, uint64_t h,
                         bool src_is_client, uint64_t frame, int64_t ts)
{
    if (t->nfree == 0) {
        release(t, t->oldest);
        t->ctr.evicted++;
    }
    uint32_t i = t->freelist[--t->nfree];
    struct entry *e = &t->e[i];
    memset(e, 0, sizeof(*e));
    e->hash = h;
    struct endpoint s = { k->src, k->sport }, d = { k->dst, k->dport };
    e->c.client = src_is_client ? s : d;
    e->c.server = src_is_client ? d : s;
    e->c.id = ++t->serial;
    e->c.first_frame = frame;
    e->c.first_us = e->c.last_us = ts;
    uint32_t b = (uint32_t)(h & (t->nbuckets - 1));
    e->hnext = t->buckets[b];
    t->buckets[b] = i;
    lru_append(t, i);
    t->live++;
    t->ctr.conns++;
    return i;
}

static void fire(struct tls_table *t, struct entry *e, enum tls_event ev)
{
    if (e->fired & (1u << ev))
        return;
    e->fired |= (uint8_t)(1u << ev);
    if (ev == TLS_EV_FAILED)
        t->ctr.failed++;
    else if (ev == TLS_EV_ESTABLISHED)
        t->ctr.established++;
    if (t->sink != NULL)
        t->sink(t->ud, ev, &e->c);
}

static void fail(struct tls_table *t, struct entry *e, enum tls_fail why, uint64_t frame,
                 int64_t ts)
{
    if (e->c.fail != TLS_FAIL_NONE || (e->fired & (1u << TLS_EV_ESTABLISHED)))
        return;
    e->c.fail = why;
    e->c.fail_frame = frame;
    e->c.fail_us = ts;
    fire(t, e, TLS_EV_FAILED);
}

/* ---- handshake messages ------------------------------------------------ */

/* Printable ASCII copy of wire text (anything else becomes '?'). */
static void text_copy(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    dst[i] = '\0';
}

/* Append ",item" (or "item") to a comma list; false when it did not fit. */
static bool list_add(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = strlen(dst);

    if (o + (o > 0) + n + 1 > cap)
        return false;
    if (o > 0)
        dst[o++] = ',';
    text_copy(dst + o, cap - o, p, n);
    return true;
}

static bool vec8(struct cursor *c, struct cursor *out)
{
    uint8_t n;
    return cursor_u8(c, &n) && cursor_sub(c, n, false, out);
}

static bool vec16(struct cursor *c, struct cursor *out)
{
    uint16_t n;
    return cursor_be16(c, &n) && cursor_sub(c, n, false, out);
}

static bool vec24(struct cursor *c, struct cursor *out)
{
    uint8_t a, b, d;
    if (!cursor_u8(c, &a) || !cursor_u8(c, &b) || !cursor_u8(c, &d))
        return false;
    return cursor_sub(c, ((size_t)a << 16) | ((size_t)b << 8) | d, false, out);
}

static bool is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool parse_client_hello(struct entry *e, struct cursor c)
{
    struct tls_conn *x = &e->c;
    struct cursor sid, cs, comp, exts;

    if (!cursor_be16(&c, &x->ch_version) || !cursor_bytes(&c, e->client_random, 32) ||
        !vec8(&c, &sid) || !vec16(&c, &cs) || !vec8(&c, &comp))
        return false;
    x->n_ciphers = 0;
    while (cursor_left(&cs) >= 2) {
        uint16_t v;
        cursor_be16(&cs, &v);
        if (is_grease(v))
            continue;
        if (x->n_ciphers < TLS_MAX_CIPHERS)
            x->ciphers[x->n_ciphers] = v;
        if (x->n_ciphers < UINT16_MAX)
            x->n_ciphers++;
    }
    x->offered = TLS_VBIT(x->ch_version);
    x->legacy_offer = true;
    x->sni[0] = x->alpn[0] = '\0';
    if (cursor_left(&c) == 0)
        return true;    /* no extensions (RFC 5246 §7.4.1.2 allows it) */
    if (!vec16(&c, &exts))
        return false;
    while (cursor_left(&exts) > 0) {
        uint16_t type;
        struct cursor v;
        if (!cursor_be16(&exts, &type) || !vec16(&exts, &v))
            return false;
        if (type == 0) {            /* server_name: list of (type, name) */
            struct cursor l, name;
            uint8_t nt;
            if (!vec16(&v, &l))
                return false;
            while (cursor_left(&l) > 0) {
                if (!cursor_u8(&l, &nt) || !vec16(&l, &name))
                    return false;
                if (nt == 0 && x->sni[0] == '\0')
                    text_copy(x->sni, sizeof(x->sni), cursor_ptr(&name), cursor_left(&name));
            }
        } else if (type == 16) {    /* ALPN: list of protocol names */
            struct cursor l, proto;
            if (!vec16(&v, &l))
                return false;
            while (cursor_left(&l) > 0) {
                if (!vec8(&l, &proto))
                    return false;
                list_add(x->alpn, sizeof(x->alpn), cursor_ptr(&proto), cursor_left(&proto));
            }
        } else if (type == 43) {    /* supported_versions */
            struct cursor l;
            uint16_t ver;
            if (!vec8(&v, &l))
                return false;
            x->offered = 0;
            x->legacy_offer = false;
            while (cursor_be16(&l, &ver))
                x->offered |= TLS_VBIT(ver);
        }
    }
    return true;
}

/* SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3): a ServerHello with this
 * random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static bool parse_server_hello(struct entry *e, struct cursor c, uint64_t frame, int64_t ts)
{
    struct tls_conn *x = &e->c;
    uint16_t ver, cipher;
    uint8_t random[32], comp;
    struct cursor sid, exts;

    if (!cursor_be16(&c, &ver) || !cursor_bytes(&c, random, 32) || !vec8(&c, &sid) ||
        !cursor_be16(&c, &cipher) || !cursor_u8(&c, &comp))
        return false;
    if (cursor_left(&c) > 0) {
        if (!vec16(&c, &exts))
            return false;
        while (cursor_left(&exts) > 0) {
            uint16_t type;
            struct cursor v, l, proto;
            if (!cursor_be16(&exts, &type) || !vec16(&exts, &v))
                return false;
            if (type == 43 && cursor_left(&v) == 2)
                cursor_be16(&v, &ver);
            else if (type == 22)        /* encrypt_then_mac (RFC 7366 §2) */
                x->encrypt_then_mac = true;
            else if (type == 16 && vec16(&v, &l) && vec8(&l, &proto))
                text_copy(x->alpn_chosen, sizeof(x->alpn_chosen), cursor_ptr(&proto),
                          cursor_left(&proto));
        }
    }
    x->version = ver;
    x->cipher = cipher;
    if (memcmp(random, hrr_random, 32) == 0) {
        x->hello_retry = true;  /* the real ServerHello follows a second ClientHello */
        return true;
    }
    memcpy(e->server_random, random, 32);
    x->sh_frame = frame;
    x->sh_us = ts;
    if (ver == TLS_V_13)
        e->d[TLS_SIDE_SERVER].enc = true;   /* the rest of its flight is encrypted */
    return true;
}

static void parse_certificate(struct tls_table *t, struct entry *e, int side, struct cursor c,
                              uint64_t frame, int64_t ts)
{
    struct tls_conn *x = &e->c;
    struct cursor list, cert, ctx, ext;
    bool v13 = x->version == TLS_V_13;  /* only ever seen decrypted */

    if ((v13 && !vec8(&c, &ctx)) || !vec24(&c, &list)) {
        t->ctr.hs_bad++;
        return;
    }
    if (side == TLS_SIDE_CLIENT) {
        if (cursor_left(&list) == 0)
            x->client_cert_empty = true;
        return;
    }
    x->cert_frame = frame;
    x->cert_us = ts;
    x->n_certs = 0;
    bool first = true;
    while (cursor_left(&list) > 0) {
        if (!vec24(&list, &cert)) {
            t->ctr.hs_bad++;
            break;
        }
        if (v13 && !vec16(&list, &ext)) {  /* CertificateEntry extensions */
            t->ctr.hs_bad++;
            break;
        }
        x->n_certs++;
        if (first && !tls_x509_parse(cert, x)) {
            x->cert_bad = true;
            t->ctr.cert_bad++;
        } else if (first) {
            x->cert_problems = tls_x509_problems(x, ts / 1000000);
        }
        first = false;
    }
    if (x->n_certs > 0)
        fire(t, e, TLS_EV_CERT);
}

static void try_keys(struct tls_table *t, struct entry *e, int64_t ts);

/* A decrypted Finished or KeyUpdate moves that side's keys on (TLS 1.3:
 * application traffic secret, next generation); a Finished ends the
 * handshake for that side (both: established). */
static void sealed_message(struct tls_table *t, struct entry *e, int side, uint8_t type,
                           uint64_t frame, int64_t ts)
{
    struct tls_conn *x = &e->c;
    struct tls_dir *d = &e->d[side];

    (void)t;
    if (type == HS_KEY_UPDATE && x->version == TLS_V_13) {
        tls_key_update13(&d->k);
        return;
    }
    if (type != HS_FINISHED)
        return;
    d->finished = true;
    if (x->version == TLS_V_13) {
        if (!tls_keys13(&d->k, x->cipher, e->app_secret[side], e->app_len))
            d->keyed = false;
        if (side == TLS_SIDE_CLIENT && !x->established) {
            x->established = true;
            x->est_frame = frame;
            x->est_us = ts;
        }
    } else if (e->d[0].finished && e->d[1].finished && !x->established) {
        x->established = true;
        x->est_frame = frame;
        x->est_us = ts;
    }
}

static void hs_message(struct tls_table *t, struct entry *e, int side, uint8_t type,
                       struct cursor body, uint64_t frame, int64_t ts, bool sealed)
{
    bool ok = true;

    if (sealed && (type == HS_FINISHED || type == HS_KEY_UPDATE)) {
        t->ctr.hs_messages++;
        sealed_message(t, e, side, type, frame, ts);
        return;
    }

    t->ctr.hs_messages++;
    if (side == TLS_SIDE_CLIENT && type == HS_CLIENT_HELLO) {
        e->c.ch_frame = frame;
        e->c.ch_us = ts;
        ok = parse_client_hello(e, body);
    } else if (side == TLS_SIDE_SERVER && type == HS_SERVER_HELLO) {
        ok = parse_server_hello(e, body, frame, ts);
        if (ok && t->kl != NULL && e->c.sh_frame == frame && !e->c.hello_retry)
            try_keys(t, e, ts);
    } else if (type == HS_CERTIFICATE && (e->c.version != TLS_V_13 || sealed)) {
        parse_certificate(t, e, side, body, frame, ts);
    } else if (side == TLS_SIDE_SERVER && type == HS_CERT_REQUEST) {
        e->c.cert_requested = true;
    }
    if (!ok)
        t->ctr.hs_bad++;
}

/* Parse the whole handshake messages in p[0..n); returns the bytes used. */
static size_t hs_parse(struct tls_table *t, struct entry *e, int side, const uint8_t *p, size_t n,
                       uint64_t frame, int64_t ts, bool sealed)
{
    struct cursor c = cursor_make(p, n);

    for (;;) {
        size_t at = c.off;
        uint8_t type;
        struct cursor body;
        if (!cursor_u8(&c, &type) || !vec24(&c, &body))
            return at;
        hs_message(t, e, side, type, body, frame, ts, sealed);
        if (e->d[side].enc && !sealed)
            return n;   /* a TLS 1.3 ServerHello: what follows it is encrypted */
    }
}

/* One handshake record's fragment: parse in place what is whole, keep a
 * message split over records in the direction's buffer. */
static void hs_feed(struct tls_table *t, struct entry *e, int side, const uint8_t *p, size_t n,
                    uint64_t frame, int64_t ts, bool sealed)
{
    struct tls_dir *d = &e->d[side];
    bool stop = false;

    if (d->skip)
        return;
    if (d->hs_len == 0) {
        size_t used = hs_parse(t, e, side, p, n, frame, ts, sealed);
        p += used;
        n -= used;
        if (n == 0 || (d->enc && !sealed))
            return;
    }
    /* Join: the message header says how long it will be. */
    size_t need = d->hs_len + n;
    if (need > TLS_HS_MAX) {
        t->ctr.hs_too_large++;
        d->skip = true;
        dir_free(t, d);
        return;
    }
    if (need > d->hs_cap) {
        size_t ncap = d->hs_cap ? d->hs_cap : 4096;
        while (ncap < need)
            ncap *= 2;
        if (t->hs_bytes - d->hs_cap + ncap > t->hs_cap) {
            t->ctr.hs_no_room++;
            d->skip = true;
            dir_free(t, d);
            return;
        }
        uint8_t *nb = realloc(d->hs, ncap);
        if (nb == NULL) {
            t->ctr.nomem++;
            d->skip = true;
            dir_free(t, d);
            return;
        }
        t->hs_bytes += ncap - d->hs_cap;
        d->hs = nb;
        d->hs_cap = ncap;
    }
    memcpy(d->hs + d->hs_len, p, n);
    d->hs_len += n;
    size_t used = hs_parse(t, e, side, d->hs, d->hs_len, frame, ts, sealed);
    stop = d->enc && !sealed;
    if (stop)
        used = d->hs_len;
    memmove(d->hs, d->hs + used, d->hs_len - used);
    d->hs_len -= used;
    if (d->hs_len == 0)
        dir_free(t, d);     /* usually the handshake is over: give the room back */
}

/* ---- records ----------------------------------------------------------- */

static void on_alert(struct tls_table *t, struct entry *e, int side, struct cursor c,
                     uint64_t frame, int64_t ts, bool enc)
{
    struct tls_conn *x = &e->c;
    uint8_t level = 0, desc = 0;

    t->ctr.alerts++;
    if (!enc && (!cursor_u8(&c, &level) || !cursor_u8(&c, &desc)))
        return;
    bool fatal = enc || level == 2 || desc == 0 /* close_notify */ || desc == 90 /* user_canceled */;
    if (!x->alert || (fatal && x->alert_level != 2)) {
        x->alert = true;
        x->alert_encrypted = enc;
        x->alert_level = level;
        x->alert_desc = desc;
        x->alert_from = (uint8_t)side;
        x->alert_frame = frame;
        x->alert_us = ts;
    }
    /* An encrypted alert after the handshake is the usual close_notify. */
    if (x->established && enc)
        return;
    if (fatal && !(x->established && level != 2))
        fail(t, e, TLS_FAIL_ALERT, frame, ts);
}

/* An application-data record of side: len is the record's length, or with
 * opened the plaintext's (decrypted: its type is known, no size guesses). */
static void app_data(struct tls_table *t, struct entry *e, int side, size_t len, uint64_t frame,
                     int64_t ts, bool opened)
{
    struct tls_conn *x = &e->c;
    struct tls_dir *d = &e->d[side];

    if (x->version == TLS_V_13 && !x->established) {
        d->enc_records++;
        if (side != TLS_SIDE_CLIENT || x->sh_frame == 0)
            return;     /* the server's encrypted flight */
        if (d->enc_records == 1 && len == TLS13_ALERT_LEN) {
            x->alert = true;
            x->alert_encrypted = true;
            x->alert_from = TLS_SIDE_CLIENT;
            x->alert_frame = frame;
            x->alert_us = ts;
            fail(t, e, TLS_FAIL_ENC_ALERT, frame, ts);
            return;
        }
        x->established = true;  /* the client's Finished */
        x->est_frame = frame;
        x->est_us = ts;
        return;
    }
    x->app_records[side]++;
    x->app_bytes[side] += len;
    if (!x->established || x->fail != TLS_FAIL_NONE)
        return;
    if (x->version == TLS_V_13) {
        /* After the client's Finished the server sends session tickets, or
         * (mutual TLS refused) an alert then the close: neither is SIP, so
         * the client's data counts once the server's first record is not
         * the size of an alert, or the connection ends without that close. */
        if (side == TLS_SIDE_SERVER) {
            if (e->srv_after_fin == 0 && len == TLS13_ALERT_LEN && !opened) {
                e->srv_after_fin = 1;
                x->alert = true;
                x->alert_encrypted = true;
                x->alert_from = TLS_SIDE_SERVER;
                x->alert_frame = frame;
                x->alert_us = ts;
                return;
            }
            e->srv_after_fin = 2;
            if (e->est_pending)
                fire(t, e, TLS_EV_ESTABLISHED);
            return;
        }
        if (e->srv_after_fin != 2) {
            e->est_pending = true;
            return;
        }
    }
    fire(t, e, TLS_EV_ESTABLISHED);
}

/* ---- with --tls-keylog ---------------------------------------------- */

/* Keys for e once its ServerHello is known: TLS 1.3 handshake secrets now
 * and the application secrets for after each Finished; TLS 1.2 both
 * directions from the master secret. */
static void try_keys(struct tls_table *t, struct entry *e, int64_t ts)
{
    struct tls_conn *x = &e->c;
    const struct keylog_secrets *ks;

    if (x->keys == TLS_KEYS_OK || x->keys == TLS_KEYS_UNSUPPORTED)
        return;
    x->keys = TLS_KEYS_MISSING;
    ks = keylog_find(t->kl, e->client_random, ts);
    if (ks == NULL)
        return;
    if (x->version == TLS_V_13) {
        const uint8_t need = KEYLOG_CHTS | KEYLOG_SHTS | KEYLOG_CATS | KEYLOG_SATS;
        if ((ks->have & need) != need)
            return;
        if (!tls_keys13(&e->d[0].k, x->cipher, ks->chts, ks->len13) ||
            !tls_keys13(&e->d[1].k, x->cipher, ks->shts, ks->len13)) {
            x->keys = TLS_KEYS_UNSUPPORTED;
            return;
        }
        memcpy(e->app_secret[0], ks->cats, ks->len13);
        memcpy(e->app_secret[1], ks->sats, ks->len13);
        e->app_len = ks->len13;
    } else {
        if (!(ks->have & KEYLOG_MASTER))
            return;
        /* TLS 1.0/1.1: another PRF (MD5 + SHA-1) and, in 1.0, chained IVs. */
        if (x->version != TLS_V_12 ||
            !tls_keys12(&e->d[0].k, &e->d[1].k, x->cipher, ks->master, e->client_random,
                        e->server_random, x->encrypt_then_mac)) {
            x->keys = TLS_KEYS_UNSUPPORTED;
            return;
        }
    }
    e->d[0].keyed = e->d[1].keyed = true;
    x->keys = TLS_KEYS_OK;
}

struct out_ctx {
    struct tls_table *t;
    struct entry *e;
    frame_msg_fn fn;
    void *ud;
};

/* A message the plaintext framer cut: copied where it stays valid for the
 * rest of this frame (the plaintext buffer moves), then handed on. */
static void plain_msg(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    struct out_ctx *o = ud;
    struct tls_table *t = o->t;

    if (k != FRAME_SIP && k != FRAME_WS)
        return;
    if (n > t->out_cap - t->out_len) {
        t->ctr.out_full++;
        return;
    }
    uint8_t *q = t->out + t->out_len;
    memcpy(q, p, n);
    t->out_len += n;
    t->ctr.plain_msgs++;
    o->e->c.sip_messages++;
    if (o->fn != NULL)
        o->fn(o->ud, q, n, k);
}

/* Decrypted application data of one direction into its SIP framer. */
static void plaintext(struct tls_table *t, struct entry *e, int side, const uint8_t *p, size_t n,
                      uint64_t frame, frame_msg_fn fn, void *ud)
{
    struct tls_dir *d = &e->d[side];
    struct out_ctx o = { t, e, fn, ud };

    if (d->fr.mode == FRAME_MODE_NONSIP || n == 0)
        return;
    if (t->out_frame != frame) {
        t->out_frame = frame;
        t->out_len = 0;
    }
    size_t need = d->pt_len + n;
    if (need > d->pt_cap) {
        size_t ncap = d->pt_cap ? d->pt_cap : 4096;
        while (ncap < need)
            ncap *= 2;
        uint8_t *nb = NULL;
        if (ncap <= t->msg_max && t->pt_bytes - d->pt_cap + ncap <= t->pt_cap)
            nb = malloc(ncap);
        if (nb == NULL) {
            t->ctr.plain_no_room++;
            pt_free(t, d);
            frame_resync(&d->fr);   /* lose this much, find the next start line */
            return;
        }
        size_t held = d->pt_len;
        if (held > 0)
            memcpy(nb, d->pt, held);
        pt_free(t, d);
        d->pt = nb;
        d->pt_cap = ncap;
        d->pt_len = held;
        t->pt_bytes += ncap;
    }
    memcpy(d->pt + d->pt_len, p, n);
    d->pt_len = need;
    size_t used = frame_run(&d->fr, d->pt, d->pt_len, t->msg_max, &t->fc, plain_msg, &o);
    if (d->fr.mode == FRAME_MODE_NONSIP) {
        t->ctr.plain_not_sip++;
        pt_free(t, d);
        return;
    }
    memmove(d->pt, d->pt + used, d->pt_len - used);
    d->pt_len -= used;
}

/* Open an encrypted record of e; false when it cannot be (no key, not
 * authentic): the caller then reads it as a sealed record. */
static bool sealed_record(struct tls_table *t, struct entry *e, int side, const uint8_t *hdr,
                          struct cursor frag, uint64_t frame, int64_t ts, frame_msg_fn fn,
                          void *ud)
{
    struct tls_dir *d = &e->d[side];
    uint8_t inner = 0;

    if (!d->keyed && e->c.keys == TLS_KEYS_MISSING && e->c.sh_frame != 0)
        try_keys(t, e, ts);
    if (!d->keyed || d->broken) {
        t->ctr.no_key++;
        e->c.undecryptable++;
        return false;
    }
    int m = tls_open(&d->k, hdr, cursor_ptr(&frag), cursor_left(&frag), t->scratch, &inner);
    if (m < 0) {
        t->ctr.bad_tag++;
        e->c.undecryptable++;
        d->broken = true;   /* out of step (a lost record): do not guess on */
        return false;
    }
    t->ctr.decrypted++;
    e->c.decrypted++;
    switch (inner) {
    case CT_HANDSHAKE:
        hs_feed(t, e, side, t->scratch, (size_t)m, frame, ts, true);
        break;
    case CT_ALERT:
        on_alert(t, e, side, cursor_make(t->scratch, (size_t)m), frame, ts, false);
        break;
    case CT_APPDATA:
        app_data(t, e, side, (size_t)m, frame, ts, true);
        plaintext(t, e, side, t->scratch, (size_t)m, frame, fn, ud);
        break;
    default:
        break;
    }
    explicit_bzero(t->scratch, (size_t)m);
    return true;
}

void tls_record(struct tls_table *t, const struct reasm_tcp_key *k, const uint8_t *rec, size_t n,
                uint64_t frame, int64_t ts, frame_msg_fn fn, void *ud)
{
    struct cursor c = cursor_make(rec, n), frag;
    uint8_t type, maj, min;
    uint16_t len;
    uint64_t h = conn_hash(t, k);
    int side = TLS_SIDE_CLIENT;
    uint32_t i;

    t->ctr.records++;
    if (!cursor_u8(&c, &type) || !cursor_u8(&c, &maj) || !cursor_u8(&c, &min) ||
        !cursor_be16(&c, &len) || !cursor_sub(&c, len, false, &frag))
        return;
    i = conn_find(t, k, h, &side);
    if (i == NIL) {
        uint8_t hs = 0;
        cursor_peek(&frag, 0, &hs);
        bool hello = type == CT_HANDSHAKE && hs == HS_CLIENT_HELLO;
        /* Picked up mid-way: the ephemeral (higher) port is the client's. */
        bool src_client = hello || (!(type == CT_HANDSHAKE && hs == HS_SERVER_HELLO) &&
                                    k->sport > k->dport);
        i = conn_new(t, k, h, src_client, frame, ts);
        side = src_client ? TLS_SIDE_CLIENT : TLS_SIDE_SERVER;
        if (!hello) {
            t->e[i].c.midstream = true;
            t->ctr.midstream++;
        }
    }
    struct entry *e = &t->e[i];
    e->c.last_us = ts;
    lru_unlink(t, i);
    lru_append(t, i);
    /* Sealed: TLS 1.3 application_data records after the ServerHello; TLS
     * 1.2 handshake, alert and data records after that side's CCS. */
    bool sealed = e->c.sh_frame != 0 &&
                  (e->c.version == TLS_V_13 ? type == CT_APPDATA
                                            : e->d[side].enc && type >= CT_ALERT &&
                                                  type <= CT_APPDATA);
    if (sealed && t->kl != NULL && sealed_record(t, e, side, rec, frag, frame, ts, fn, ud))
        return;
    if (t->kl != NULL && e->c.midstream && type == CT_APPDATA) {
        t->ctr.no_key++;    /* picked up mid-way: no hello, no client random */
        e->c.undecryptable++;
    }
    switch (type) {
    case CT_HANDSHAKE:
        if (e->d[side].enc && e->c.version != TLS_V_13) {
            /* TLS <= 1.2: the first handshake record after ChangeCipherSpec
             * is the (encrypted) Finished. */
            e->d[side].finished = true;
            if (e->d[0].finished && e->d[1].finished && !e->c.established) {
                e->c.established = true;
                e->c.est_frame = frame;
                e->c.est_us = ts;
            }
        } else if (!e->d[side].enc) {
            hs_feed(t, e, side, cursor_ptr(&frag), cursor_left(&frag), frame, ts, false);
        }
        break;
    case CT_CCS:
        if (e->c.version != TLS_V_13) {
            e->d[side].enc = true;
            e->d[side].k.seq = 0;
        }
        break;
    case CT_ALERT:
        on_alert(t, e, side, frag, frame, ts, e->d[side].enc);
        break;
    case CT_APPDATA:
        app_data(t, e, side, len, frame, ts, false);
        break;
    default:
        break;
    }
}

/* The end of a connection: what a handshake that stopped means. */
static void judge_end(struct tls_table *t, struct entry *e, uint64_t frame, int64_t ts)
{
    struct tls_conn *x = &e->c;

    if (x->midstream || x->fail != TLS_FAIL_NONE || (e->fired & (1u << TLS_EV_ESTABLISHED)))
        return;
    if (x->established && x->version == TLS_V_13 && e->srv_after_fin == 1)
        fail(t, e, TLS_FAIL_REFUSED, frame, ts);
    else if (x->established && e->est_pending)
        fire(t, e, TLS_EV_ESTABLISHED);     /* the client's SIP went in */
    else if (x->established)
        fail(t, e, TLS_FAIL_NO_DATA, frame, ts);
    else if (x->sh_frame == 0 && x->ch_frame != 0)
        fail(t, e, TLS_FAIL_NO_SERVER_HELLO, frame, ts);
    else if (x->sh_frame != 0)
        fail(t, e, TLS_FAIL_CLOSED, frame, ts);
}

void tls_tcp_close(struct tls_table *t, const struct reasm_tcp_key *k, bool rst, uint64_t frame,
                   int64_t ts)
{
    int side = 0;
    uint32_t i = conn_find(t, k, conn_hash(t, k), &side);

    if (i == NIL)
        return;
    struct entry *e = &t->e[i];
    if (e->d[side].closed && !rst)
        return;
    e->d[side].closed = true;
    if (e->c.closed_by == 0) {
        e->c.closed_by = (uint8_t)(side + 1);
        e->c.reset = rst;
        e->c.close_frame = frame;
        e->c.close_us = ts;
    }
    judge_end(t, e, frame, ts);
    if (rst || (e->d[0].closed && e->d[1].closed))
        release(t, i);
}

/* A handshake still waiting for the ServerHello when it goes: failed only
 * when the server had time to answer. */
static void judge_idle(struct tls_table *t, struct entry *e, int64_t now)
{
    if (e->c.ch_frame != 0 && e->c.sh_frame == 0 && now - e->c.ch_us >= TLS_HELLO_WAIT_US)
        judge_end(t, e, e->c.ch_frame, e->c.ch_us);
}

void tls_expire(struct tls_table *t, int64_t now_us)
{
    while (t->oldest != NIL && now_us - t->e[t->oldest].c.last_us > t->timeout_us) {
        judge_idle(t, &t->e[t->oldest], now_us);
        release(t, t->oldest);
        t->ctr.timeouts++;
    }
}

void tls_finish(struct tls_table *t, int64_t end_us)
{
    while (t->oldest != NIL) {
        judge_idle(t, &t->e[t->oldest], end_us);
        release(t, t->oldest);
    }
}

size_t tls_conns_live(const struct tls_table *t)
{
    return t->live;
}

void tls_stats(const struct tls_table *t, stats_fn fn, void *ud)
{
#define TC_EMIT(f, n) fn(ud, n, t->ctr.f);
    TLS_COUNTERS(TC_EMIT)
#undef TC_EMIT
    fn(ud, "tls.connections_live", t->live);
    fn(ud, "tls.handshake_bytes_live", t->hs_bytes);
}
