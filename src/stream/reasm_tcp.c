/*
 * reasm_tcp.c — TCP stream reassembly per direction and SIP / WebSocket /
 * HEP framing (RFC 793, RFC 3261 §18.3 and §7.5, RFC 6455 §5, RFC 7118).
 * Place in the flow: decode_l4 → reasm_tcp → (callback) sip payloads.
 * Thread: the analysis thread that owns the decoder. See reasm_tcp.h for
 * the policies (first wins, non-SIP memory, caps).
 *
 * A stream keeps one buffer whose byte 0 is sequence number base_seq.
 * [0, contig) is contiguous received data, [consumed, contig) not yet framed;
 * up to REASM_TCP_OOO out-of-order ranges lie beyond contig. Framed bytes are
 * compacted away at the start of the next segment of that stream, so
 * pointers handed to the callback stay valid until the next feed.
 */
#include "reasm_tcp.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "ws.h"
#include "util/siphash.h"

#define NIL UINT32_MAX
#define REASM_TCP_OOO 8
#define LINE_MAX_PEEK 2048      /* a start line longer than this is not SIP */
#define REASM_TCP_WINDOW_MAX (1u << 30) /* largest scaled TCP window, RFC 7323 §2.3 */
#define SYNC_TRIES 8            /* mid-stream segments allowed to show a start */
#define GAP_WAIT_US 2000000     /* a hole older than this (packet time) is skipped */
#define NONSIP_RETRY_US 60000000 /* a non-SIP verdict is reconsidered after this */
#define WS_HS_MAX 16384         /* HTTP upgrade header size limit */
#define BUF_MIN 4096

enum mode { M_START, M_SYNC, M_SIP, M_WS_HS, M_WS, M_HEP, M_NONSIP, M_CLOSED };

struct stream {
    struct reasm_tcp_key key;
    uint64_t hash;
    uint32_t hnext, prev, next;     /* bucket chain; LRU list, oldest first */
    uint8_t mode, tries, nooo;
    uint8_t was_sip;                /* framed SIP before: never give up resyncing */
    uint32_t base_seq;
    uint64_t skip;                  /* bytes of an oversized message to discard */
    int64_t gap_us;                 /* when the oldest hole appeared */
    int64_t nonsip_us;              /* when the stream was judged non-SIP */
    uint8_t *buf;
    size_t cap, contig, consumed;
    struct { size_t s, e; } ooo[REASM_TCP_OOO];
    int64_t last_us;
};

#define REASM_TCP_COUNTERS(X) \
    X(segments,       "reasm_tcp.segments") \
    X(messages,       "reasm_tcp.messages") \
    X(retrans,        "reasm_tcp.retransmissions") \
    X(overlaps,       "reasm_tcp.overlaps") \
    X(out_of_order,   "reasm_tcp.out_of_order") \
    X(ooo_full,       "reasm_tcp.ooo_ranges_full") \
    X(midstream,      "reasm_tcp.midstream_pickups") \
    X(keepalives,     "reasm_tcp.keepalives") \
    X(nonsip_streams, "reasm_tcp.nonsip_streams") \
    X(nonsip_segs,    "reasm_tcp.nonsip_segments") \
    X(desync,         "reasm_tcp.desync") \
    X(too_large,      "reasm_tcp.msg_too_large") \
    X(stream_cap,     "reasm_tcp.stream_cap_resync") \
    X(out_of_window,  "reasm_tcp.out_of_window") \
    X(evict_streams,  "reasm_tcp.evicted_stream_cap") \
    X(evict_bytes,    "reasm_tcp.evicted_byte_cap") \
    X(dropped_bytes,  "reasm_tcp.dropped_no_room") \
    X(timeouts,       "reasm_tcp.timeouts") \
    X(closed_partial, "reasm_tcp.closed_with_partial") \
    X(after_close,    "reasm_tcp.after_close") \
    X(gaps_skipped,   "reasm_tcp.gaps_skipped") \
    X(resyncs,        "reasm_tcp.resyncs") \
    X(nonsip_retries, "reasm_tcp.nonsip_retries") \
    X(tls,            "reasm_tcp.tls_streams") \
    X(ws_frames,      "reasm_tcp.ws_frames") \
    X(ws_bad,         "reasm_tcp.ws_bad_frame") \
    X(ws_fragmented,  "reasm_tcp.ws_fragmented") \
    X(ws_control,     "reasm_tcp.ws_control") \
    X(hep_bad,        "reasm_tcp.hep_bad") \
    X(nomem,          "reasm_tcp.nomem")

struct reasm_tcp {
    struct stream *s;
    uint32_t nstreams, nbuckets, *buckets, *freelist, nfree;
    uint32_t oldest, newest;
    size_t live, bytes, stream_cap, total_cap, msg_max;
    int64_t timeout_us;
    uint8_t seed[16];
    /* A buffer dropped during a feed after messages were framed out of it:
     * the callback's pointers must stay valid until the next feed. */
    uint8_t *deferred;
    size_t deferred_cap;
    struct {
#define RT_DECL(f, n) uint64_t f;
        REASM_TCP_COUNTERS(RT_DECL)
#undef RT_DECL
    } c;
};

struct reasm_tcp *reasm_tcp_new(const struct caps *caps)
{
    struct reasm_tcp *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->nstreams = caps->tcp_streams > 0 && caps->tcp_streams < (1u << 24)
                      ? (uint32_t)caps->tcp_streams : 4096;
    r->nbuckets = 1;
    while (r->nbuckets < r->nstreams)
        r->nbuckets <<= 1;
    r->stream_cap = (size_t)caps->tcp_stream_bytes;
    r->total_cap = (size_t)caps->tcp_total_bytes;
    /* Framing may hold a whole message up to the per-stream cap, even past
     * sip_msg_bytes: a large body (suricata-verify sip-body-large, 64 KiB+)
     * is still one message whose headers matter; sip_parse applies its own
     * cap to what it parses. */
    r->msg_max = r->stream_cap;
    r->timeout_us = (int64_t)caps->tcp_timeout_ms * 1000;
    r->s = calloc(r->nstreams, sizeof(*r->s));
    r->buckets = malloc(r->nbuckets * sizeof(uint32_t));
    r->freelist = malloc(r->nstreams * sizeof(uint32_t));
    if (r->s == NULL || r->buckets == NULL || r->freelist == NULL) {
        reasm_tcp_free(r);
        return NULL;
    }
    for (uint32_t i = 0; i < r->nbuckets; i++)
        r->buckets[i] = NIL;
    for (uint32_t i = 0; i < r->nstreams; i++)
        r->freelist[i] = r->nstreams - 1 - i;
    r->nfree = r->nstreams;
    r->oldest = r->newest = NIL;
    siphash_seed(r->seed);
    return r;
}

static void buf_free(struct reasm_tcp *r, struct stream *s)
{
    free(s->buf);
    r->bytes -= s->cap;
    s->buf = NULL;
    s->cap = s->contig = s->consumed = 0;
    s->nooo = 0;
}

static void deferred_free(struct reasm_tcp *r)
{
    free(r->deferred);
    r->bytes -= r->deferred_cap;
    r->deferred = NULL;
    r->deferred_cap = 0;
}

/* Drop a buffer whose bytes may have just been handed to the callback. */
static void buf_defer(struct reasm_tcp *r, struct stream *s)
{
    deferred_free(r);
    r->deferred = s->buf;
    r->deferred_cap = s->cap;
    s->buf = NULL;
    s->cap = s->contig = s->consumed = 0;
    s->nooo = 0;
}

static void lru_unlink(struct reasm_tcp *r, uint32_t i)
{
    struct stream *s = &r->s[i];
    if (s->prev != NIL)
        r->s[s->prev].next = s->next;
    else
        r->oldest = s->next;
    if (s->next != NIL)
        r->s[s->next].prev = s->prev;
    else
        r->newest = s->prev;
}

static void lru_append(struct reasm_tcp *r, uint32_t i)
{
    struct stream *s = &r->s[i];
    s->next = NIL;
    s->prev = r->newest;
    if (r->newest != NIL)
        r->s[r->newest].next = i;
    else
        r->oldest = i;
    r->newest = i;
}

static void stream_release(struct reasm_tcp *r, uint32_t i)
{
    struct stream *s = &r->s[i];
    uint32_t *pp = &r->buckets[s->hash & (r->nbuckets - 1)];

    while (*pp != NIL && *pp != i)
        pp = &r->s[*pp].hnext;
    if (*pp == i)
        *pp = s->hnext;
    lru_unlink(r, i);
    buf_free(r, s);
    memset(s, 0, sizeof(*s));
    r->freelist[r->nfree++] = i;
    r->live--;
}

void reasm_tcp_free(struct reasm_tcp *r)
{
    if (r == NULL)
        return;
    if (r->s != NULL && r->buckets != NULL && r->freelist != NULL)
        while (r->oldest != NIL)
            stream_release(r, r->oldest);
    deferred_free(r);
    free(r->s);
    free(r->buckets);
    free(r->freelist);
    free(r);
}

void reasm_tcp_expire(struct reasm_tcp *r, int64_t now_us)
{
    while (r->oldest != NIL && now_us - r->s[r->oldest].last_us > r->timeout_us) {
        stream_release(r, r->oldest);
        r->c.timeouts++;
    }
}

static uint64_t key_hash(const struct reasm_tcp *r, const struct reasm_tcp_key *k)
{
    uint8_t b[36];
    memcpy(b, k->src.b, 16);
    memcpy(b + 16, k->dst.b, 16);
    b[32] = (uint8_t)(k->sport >> 8);
    b[33] = (uint8_t)k->sport;
    b[34] = (uint8_t)(k->dport >> 8);
    b[35] = (uint8_t)k->dport;
    return siphash24(b, sizeof(b), r->seed);
}

static uint32_t stream_find(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint64_t h)
{
    for (uint32_t i = r->buckets[h & (r->nbuckets - 1)]; i != NIL; i = r->s[i].hnext) {
        const struct stream *s = &r->s[i];
        if (s->hash == h && s->key.sport == k->sport && s->key.dport == k->dport &&
            addr_eq(&s->key.src, &k->src) && addr_eq(&s->key.dst, &k->dst))
            return i;
    }
    return NIL;
}

static uint32_t stream_new(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint64_t h,
                           uint32_t base_seq, enum mode m, int64_t now_us)
{
    if (r->nfree == 0) {
        stream_release(r, r->oldest);
        r->c.evict_streams++;
    }
    uint32_t i = r->freelist[--r->nfree];
    struct stream *s = &r->s[i];
    memset(s, 0, sizeof(*s));
    s->key = *k;
    s->hash = h;
    s->base_seq = base_seq;
    s->mode = (uint8_t)m;
    s->last_us = now_us;
    uint32_t b = (uint32_t)(h & (r->nbuckets - 1));
    s->hnext = r->buckets[b];
    r->buckets[b] = i;
    lru_append(r, i);
    r->live++;
    return i;
}

static void set_nonsip(struct reasm_tcp *r, struct stream *s)
{
    buf_defer(r, s);
    s->mode = M_NONSIP;
    s->nonsip_us = s->last_us;
    r->c.nonsip_streams++;
}

/* Grow s->buf to hold need bytes (doubling, up to the per-stream cap),
 * evicting the least recently active other streams to stay under the
 * total cap. */
static bool ensure_cap(struct reasm_tcp *r, uint32_t si, size_t need)
{
    struct stream *s = &r->s[si];
    size_t ncap = s->cap > 0 ? s->cap : BUF_MIN;

    if (need <= s->cap)
        return true;
    while (ncap < need)
        ncap *= 2;
    if (ncap > r->stream_cap)
        ncap = r->stream_cap;
    if (ncap < need)
        return false;
    while (r->bytes - s->cap + ncap > r->total_cap && r->oldest != NIL && r->oldest != si) {
        stream_release(r, r->oldest);
        r->c.evict_bytes++;
    }
    if (r->bytes - s->cap + ncap > r->total_cap)
        return false;
    uint8_t *nb = realloc(s->buf, ncap);
    if (nb == NULL) {
        r->c.nomem++;
        return false;
    }
    r->bytes += ncap - s->cap;
    s->buf = nb;
    s->cap = ncap;
    return true;
}

static void compact(struct stream *s)
{
    size_t extent = s->contig;

    if (s->consumed == 0)
        return;
    for (unsigned i = 0; i < s->nooo; i++)
        if (s->ooo[i].e > extent)
            extent = s->ooo[i].e;
    memmove(s->buf, s->buf + s->consumed, extent - s->consumed);
    for (unsigned i = 0; i < s->nooo; i++) {
        s->ooo[i].s -= s->consumed;
        s->ooo[i].e -= s->consumed;
    }
    s->base_seq += (uint32_t)s->consumed;
    s->contig -= s->consumed;
    s->consumed = 0;
}

/* Copy [a, b) of the segment (buffer offsets) into the gaps only: data
 * already held wins. Returns false when the range table is full. */
static bool place(struct reasm_tcp *r, struct stream *s, size_t a, size_t b, const uint8_t *src)
{
    size_t pos = a < s->contig ? s->contig : a;
    bool overlap = pos != a;

    /* Ranges are kept sorted and disjoint. */
    for (unsigned i = 0; i < s->nooo && pos < b; i++) {
        if (s->ooo[i].e <= pos)
            continue;
        if (s->ooo[i].s > pos) {
            size_t stop = s->ooo[i].s < b ? s->ooo[i].s : b;
            memcpy(s->buf + pos, src + (pos - a), stop - pos);
        } else {
            overlap = true;
        }
        if (s->ooo[i].s < b)
            overlap = overlap || s->ooo[i].s < b;
        pos = s->ooo[i].e > pos ? s->ooo[i].e : pos;
    }
    if (pos < b)
        memcpy(s->buf + pos, src + (pos - a), b - pos);
    if (overlap)
        r->c.overlaps++;

    /* Merge [max(a,contig), b) into the range list. */
    size_t ns = a < s->contig ? s->contig : a, ne = b;
    unsigned w = 0;
    bool inserted = false;
    struct { size_t s, e; } tmp[REASM_TCP_OOO + 1];
    for (unsigned i = 0; i < s->nooo; i++) {
        if (s->ooo[i].e < ns) {
            tmp[w].s = s->ooo[i].s; tmp[w].e = s->ooo[i].e; w++;
        } else if (s->ooo[i].s > ne) {
            if (!inserted) {
                tmp[w].s = ns; tmp[w].e = ne; w++;
                inserted = true;
            }
            tmp[w].s = s->ooo[i].s; tmp[w].e = s->ooo[i].e; w++;
        } else {
            if (s->ooo[i].s < ns)
                ns = s->ooo[i].s;
            if (s->ooo[i].e > ne)
                ne = s->ooo[i].e;
        }
    }
    if (!inserted) {
        tmp[w].s = ns; tmp[w].e = ne; w++;
    }
    if (w > REASM_TCP_OOO)
        return false;
    /* Absorb ranges that now touch the contiguous end. */
    unsigned k = 0;
    s->nooo = 0;
    for (unsigned i = 0; i < w; i++) {
        if (tmp[i].s <= s->contig) {
            if (tmp[i].e > s->contig)
                s->contig = tmp[i].e;
        } else {
            s->ooo[k].s = tmp[i].s;
            s->ooo[k].e = tmp[i].e;
            k++;
        }
    }
    s->nooo = (uint8_t)k;
    return true;
}

static const uint8_t *find_crlfcrlf(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        const uint8_t *q = memchr(p + i, '\r', n - i);
        if (q == NULL)
            return NULL;
        i = (size_t)(q - p);
        if (i + 4 <= n && q[1] == '\n' && q[2] == '\r' && q[3] == '\n')
            return q;
    }
    return NULL;
}

static bool is_ws(uint8_t ch)
{
    return ch == ' ' || ch == '\t';
}

/* Measure the message at p: 0 = header incomplete, -1 = no header end
 * within max or an absurd Content-Length, 1 = *total is header + body. */
static int sip_measure(const uint8_t *p, size_t n, size_t max, uint64_t *total)
{
    size_t lim = n < max ? n : max;
    const uint8_t *end = find_crlfcrlf(p, lim);
    uint64_t cl = 0;

    if (end == NULL)
        return n >= max ? -1 : 0;
    size_t hdr = (size_t)(end - p) + 4;
    /* Header lines start after each CRLF not followed by SP/HT (folding). */
    const uint8_t *q = memchr(p, '\n', hdr);
    while (q != NULL && q + 1 < p + hdr - 2) {
        const uint8_t *ls = q + 1, *le = p + hdr;
        q = memchr(ls, '\n', (size_t)(le - ls));
        if (is_ws(*ls))
            continue;
        const uint8_t *c = ls;
        while (c < le && *c != ':' && !is_ws(*c) && *c != '\r' && *c != '\n')
            c++;
        size_t nl = (size_t)(c - ls);
        bool match = (nl == 1 && (ls[0] | 0x20) == 'l') ||
                     (nl == 14 && strncasecmp((const char *)ls, "content-length", 14) == 0);
        if (!match)
            continue;
        while (c < le && is_ws(*c))
            c++;
        if (c >= le || *c != ':')
            continue;
        c++;
        /* Value: skip blanks and folded line breaks before the digits. */
        while (c < le && (is_ws(*c) || ((*c == '\r' || *c == '\n') && c + 2 < le &&
                                        (is_ws(c[1]) || (c[1] == '\n' && is_ws(c[2]))))))
            c++;
        cl = 0;
        bool digits = false;
        while (c < le && *c >= '0' && *c <= '9') {
            cl = cl * 10 + (uint64_t)(*c - '0');
            digits = true;
            if (cl > (1u << 30))    /* no SIP body is a gigabyte: a lie */
                return -1;
            c++;
        }
        if (!digits)
            cl = 0;
        break;
    }
    *total = hdr + cl;
    return 1;
}

size_t reasm_tcp_sip_len(const uint8_t *p, size_t n, size_t max)
{
    uint64_t total = 0;
    int rc = sip_measure(p, n, max, &total);

    if (rc < 0 || (rc > 0 && total > max))
        return SIZE_MAX;
    if (rc == 0 || n < total)
        return 0;
    return (size_t)total;
}

/* Offset in p[0..n) of the first line that starts a SIP message, or where
 * to keep waiting: the start of the last, incomplete line (n when none). */
static size_t resync_scan(const uint8_t *p, size_t n)
{
    const uint8_t *q = memchr(p, '\n', n);
    while (q != NULL) {
        size_t at = (size_t)(q - p) + 1;
        if (at >= n)
            return n;
        size_t rest = n - at, peek = rest < LINE_MAX_PEEK ? rest : LINE_MAX_PEEK;
        if (memchr(p + at, '\n', peek) == NULL)
            return rest < LINE_MAX_PEEK ? at : n;
        if (decode_is_sip(p + at, rest))
            return at;
        q = memchr(p + at, '\n', rest);
    }
    return n;
}

/* Give up on the oldest hole: continue from the data after it. Framing
 * restarts at a message boundary found by resync_scan. */
static void skip_gap(struct reasm_tcp *r, struct stream *s)
{
    r->c.gaps_skipped++;
    s->consumed = s->ooo[0].s;
    s->contig = s->ooo[0].e;
    for (unsigned i = 1; i < s->nooo; i++)
        s->ooo[i - 1] = s->ooo[i];
    s->nooo--;
    s->skip = 0;
    if (s->mode == M_START || s->mode == M_SIP) {
        s->mode = M_SYNC;
        s->tries = 0;
    } else if (s->mode != M_SYNC) {
        set_nonsip(r, s);   /* WebSocket/HEP framing cannot be found again */
    }
}

/* Frame whatever [consumed, contig) holds. */
static void frame(struct reasm_tcp *r, struct stream *s, reasm_tcp_msg_fn fn, void *ud)
{
    while (s->buf != NULL) {
        uint8_t *p = s->buf + s->consumed;
        size_t n = s->contig - s->consumed;

        if (s->skip > 0) {
            size_t k = s->skip < n ? (size_t)s->skip : n;
            s->consumed += k;
            s->skip -= k;
            if (k == n)
                return;
            continue;
        }
        switch (s->mode) {
        case M_START:
        case M_SYNC:
        case M_SIP: {
            size_t skip = 0;
            while (skip < n && (p[skip] == '\r' || p[skip] == '\n'))
                skip++;
            if (skip > 0) {
                r->c.keepalives++;
                s->consumed += skip;
                p += skip;
                n -= skip;
            }
            if (n == 0)
                return;
            size_t peek = n < LINE_MAX_PEEK ? n : LINE_MAX_PEEK;
            bool line = memchr(p, '\n', peek) != NULL;
            if (s->mode != M_SIP) {
                if (n >= 2 && p[0] == 0x16 && p[1] == 0x03) {
                    r->c.tls++;
                    set_nonsip(r, s);
                    return;
                }
                if (n >= 4 && memcmp(p, "HEP3", 4) == 0) {
                    s->mode = M_HEP;
                    continue;
                }
                if (ws_is_handshake(p, n)) {
                    s->mode = M_WS_HS;
                    continue;
                }
                if (!line && n < LINE_MAX_PEEK)
                    return;     /* wait for the whole first line */
                if (decode_is_sip(p, n)) {
                    s->mode = M_SIP;
                    s->was_sip = 1;
                    continue;
                }
                if (s->mode == M_SYNC) {
                    /* Picked up mid-message (or after a hole): look for a
                     * line that starts a message, keep waiting otherwise. */
                    size_t at = resync_scan(p, n);
                    if (at < n && decode_is_sip(p + at, n - at)) {
                        r->c.resyncs++;
                        s->consumed += at;
                        s->mode = M_SIP;
                        s->was_sip = 1;
                        continue;
                    }
                    s->consumed += at;
                    /* A stream that carried SIP keeps looking for the next
                     * start line after a desync (an oversized header, a
                     * hole): resync_scan consumes what it passes over, so
                     * this costs one scan per byte and holds no memory. */
                    if (++s->tries < SYNC_TRIES || s->was_sip)
                        return;
                }
                set_nonsip(r, s);
                return;
            }
            if (!line && n < LINE_MAX_PEEK)
                return;
            if (!decode_is_sip(p, n)) {
                r->c.desync++;
                s->mode = M_SYNC;
                s->tries = 0;
                continue;
            }
            uint64_t total = 0;
            int rc = sip_measure(p, n, r->msg_max, &total);
            if (rc == 0)
                return;
            if (rc < 0) {
                r->c.too_large++;
                s->mode = M_SYNC;
                s->tries = 0;
                s->consumed = s->contig;
                return;
            }
            if (total > r->msg_max) {
                /* Too large to hold, but its length is known: skip it and
                 * stay in step with the next message. */
                r->c.too_large++;
                s->skip = total - n;
                s->consumed = s->contig;
                return;
            }
            if (n < total)
                return;
            size_t len = (size_t)total;
            r->c.messages++;
            s->consumed += len;
            fn(ud, p, len, REASM_TCP_SIP);
            break;
        }
        case M_WS_HS: {
            const uint8_t *e = find_crlfcrlf(p, n);
            if (e == NULL) {
                if (n > WS_HS_MAX)
                    set_nonsip(r, s);
                return;
            }
            s->consumed += (size_t)(e - p) + 4;
            s->mode = M_WS;
            break;
        }
        case M_WS: {
            struct ws_frame f;
            int rc = ws_frame_parse(p, n, r->msg_max, &f);
            if (rc == 0)
                return;
            if (rc < 0) {
                r->c.ws_bad++;
                set_nonsip(r, s);
                return;
            }
            uint8_t *pl = p + f.hdr_len;
            if (!f.fin && f.opcode != 0 && f.opcode < 8) {
                /* A fragmented message: wait for its last frame, then
                 * join the pieces in place (RFC 6455 §5.4). */
                size_t used, msg;
                int jr = ws_join(p, n, r->msg_max, &used, &msg);
                if (jr == 0)
                    return;
                if (jr < 0) {
                    r->c.ws_bad++;
                    set_nonsip(r, s);
                    return;
                }
                r->c.ws_frames++;
                r->c.ws_fragmented++;
                s->consumed += used;
                fn(ud, p, msg, REASM_TCP_WS);
                break;
            }
            r->c.ws_frames++;
            s->consumed += f.hdr_len + f.payload_len;
            if (f.opcode >= 8) {
                r->c.ws_control++;
            } else if (f.opcode == 0) {
                r->c.ws_bad++;      /* continuation with no start: skipped */
            } else {
                ws_unmask(pl, f.payload_len, &f);
                fn(ud, pl, f.payload_len, REASM_TCP_WS);
            }
            break;
        }
        case M_HEP: {
            if (n < 6)
                return;
            size_t hl = ((size_t)p[4] << 8) | p[5];
            if (memcmp(p, "HEP3", 4) != 0 || hl < 6 || hl > r->msg_max + 1024) {
                r->c.hep_bad++;
                set_nonsip(r, s);
                return;
            }
            if (n < hl)
                return;
            s->consumed += hl;
            fn(ud, p, hl, REASM_TCP_HEP);
            break;
        }
        default:
            return;
        }
    }
}

void reasm_tcp_feed(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint32_t seq,
                    uint8_t flags, const uint8_t *data, size_t len, int64_t now_us,
                    reasm_tcp_msg_fn fn, void *ud)
{
    uint64_t h = key_hash(r, k);
    uint32_t si;
    struct stream *s;

    r->c.segments++;
    deferred_free(r);
    reasm_tcp_expire(r, now_us);
    si = stream_find(r, k, h);
    if (flags & REASM_TCP_RST) {
        if (si != NIL)
            stream_release(r, si);
        return;
    }
    if (flags & REASM_TCP_SYN) {
        /* A retransmitted SYN keeps the stream; a new one (port reuse)
         * starts over. */
        if (si != NIL && !(r->s[si].base_seq == seq + 1 && r->s[si].contig == 0 &&
                           r->s[si].consumed == 0)) {
            stream_release(r, si);
            si = NIL;
        }
        if (si == NIL)
            si = stream_new(r, k, h, seq + 1, M_START, now_us);
        seq++;
    }
    if (si == NIL) {
        if (len == 0)
            return;     /* bare ACK/FIN of a stream we do not track */
        si = stream_new(r, k, h, seq, M_SYNC, now_us);
        r->c.midstream++;
    }
    s = &r->s[si];
    s->last_us = now_us;
    lru_unlink(r, si);
    lru_append(r, si);
    if (s->mode == M_NONSIP && len > 0 && now_us - s->nonsip_us > NONSIP_RETRY_US) {
        /* A verdict from a mid-stream pick-up may have been wrong: look
         * again from this segment. */
        r->c.nonsip_retries++;
        s->mode = M_SYNC;
        s->tries = 0;
        s->base_seq = seq;
        s->contig = s->consumed = 0;
        s->nooo = 0;
    }
    if (s->mode == M_NONSIP) {
        if (len > 0)
            r->c.nonsip_segs++;
        return;
    }
    if (s->mode == M_CLOSED) {
        if (len > 0)
            r->c.after_close++;
        return;
    }
    if (len > 0) {
        compact(s);
        int32_t off = (int32_t)(seq - s->base_seq);
        if (off < 0) {
            size_t back = (size_t)(-(int64_t)off);
            if (back >= len) {
                r->c.retrans++;
                goto fin;
            }
            data += back;
            len -= back;
            seq += (uint32_t)back;
            off = 0;
        }
        size_t a = (size_t)off;
        if (a + len <= s->contig) {
            r->c.retrans++;
            goto fin;
        }
        if (a >= s->contig + REASM_TCP_WINDOW_MAX) {
            /* Beyond any TCP window (RFC 7323 caps it at 1 GiB): a forged or
             * corrupt sequence number. Restarting the stream there would
             * lose every in-window segment that follows. */
            r->c.out_of_window++;
            goto fin;
        }
        if (a + len > r->stream_cap) {
            /* A hole that never filled, or a message larger than the
             * per-stream cap: restart from this segment. */
            r->c.stream_cap++;
            s->contig = s->consumed = 0;
            s->nooo = 0;
            s->base_seq = seq;
            s->mode = M_SYNC;
            s->tries = 0;
            s->skip = 0;
            a = 0;
            if (len > r->stream_cap) {
                r->c.dropped_bytes++;
                goto fin;
            }
        }
        if (a > s->contig)
            r->c.out_of_order++;
        if (!ensure_cap(r, si, a + len)) {
            r->c.dropped_bytes++;
            goto fin;
        }
        if (!place(r, s, a, a + len, data)) {
            r->c.ooo_full++;
            goto fin;
        }
        if (s->nooo == 0)
            s->gap_us = now_us;
        else if (now_us - s->gap_us > GAP_WAIT_US)
            skip_gap(r, s);
        frame(r, s, fn, ud);
    }
fin:
    if ((flags & REASM_TCP_FIN) && s->mode != M_NONSIP) {
        if (s->contig > s->consumed)
            r->c.closed_partial++;
        buf_defer(r, s);
        s->mode = M_CLOSED;
    }
}

size_t reasm_tcp_streams(const struct reasm_tcp *r)
{
    return r->live;
}

size_t reasm_tcp_bytes(const struct reasm_tcp *r)
{
    return r->bytes;
}

void reasm_tcp_stats(const struct reasm_tcp *r, stats_fn fn, void *ud)
{
#define RT_EMIT(f, n) fn(ud, n, r->c.f);
    REASM_TCP_COUNTERS(RT_EMIT)
#undef RT_EMIT
    fn(ud, "reasm_tcp.streams_live", r->live);
    fn(ud, "reasm_tcp.bytes_live", r->bytes);
}
