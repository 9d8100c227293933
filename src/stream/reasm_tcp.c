/*
 * reasm_tcp.c — TCP stream reassembly per direction (RFC 793 sequence
 * space, RFC 7323 §2.3 window bound): bytes only, in order, within bounds.
 * What the bytes carry is the framer's business (frame.c).
 * Place in the flow: decode_l4 → reasm_tcp → frame → (callback) decode_l4.
 * Thread: the analysis thread that owns the decoder. See stream.h for the
 * policies (first wins, non-SIP memory, caps).
 *
 * A stream keeps one buffer whose byte 0 is sequence number base_seq.
 * [0, contig) is contiguous received data, [consumed, contig) not yet framed;
 * up to REASM_TCP_OOO out-of-order ranges lie beyond contig. Framed bytes are
 * compacted away at the start of the next segment of that stream, so
 * pointers handed to the callback stay valid until the next feed.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "util/siphash.h"

#define NIL UINT32_MAX
#define REASM_TCP_OOO 8
#define REASM_TCP_WINDOW_MAX (1u << 30) /* largest scaled TCP window, RFC 7323 §2.3 */
#define GAP_WAIT_US 2000000     /* a hole older than this (packet time) is skipped */
#define NONSIP_RETRY_US 60000000 /* a non-SIP verdict is reconsidered after this */
#define BUF_MIN 4096

struct stream {
    struct reasm_tcp_key key;
    uint64_t hash;
    uint32_t hnext, prev, next;     /* bucket chain; LRU list, oldest first */
    struct framer fr;               /* what the stream carries (frame.h) */
    uint8_t nooo;
    uint8_t closed;                 /* FIN seen: later data is only counted */
    uint32_t base_seq;
    int64_t gap_us;                 /* when the oldest hole appeared */
    int64_t nonsip_us;              /* when the stream was judged non-SIP */
    uint8_t *buf;
    size_t cap, contig, consumed;
    struct { size_t s, e; } ooo[REASM_TCP_OOO];
    int64_t last_us;
};

/* Every counter in report order: R counts reassembly (struct reasm_tcp),
 * F framing (struct frame_counters, bumped by frame.c). */
#define REASM_TCP_COUNTERS(X) \
    X(R, segments,       "reasm_tcp.segments") \
    X(F, messages,       "reasm_tcp.messages") \
    X(R, retrans,        "reasm_tcp.retransmissions") \
    X(R, overlaps,       "reasm_tcp.overlaps") \
    X(R, out_of_order,   "reasm_tcp.out_of_order") \
    X(R, ooo_full,       "reasm_tcp.ooo_ranges_full") \
    X(R, midstream,      "reasm_tcp.midstream_pickups") \
    X(F, keepalives,     "reasm_tcp.keepalives") \
    X(R, nonsip_streams, "reasm_tcp.nonsip_streams") \
    X(R, nonsip_segs,    "reasm_tcp.nonsip_segments") \
    X(F, desync,         "reasm_tcp.desync") \
    X(F, too_large,      "reasm_tcp.msg_too_large") \
    X(R, stream_cap,     "reasm_tcp.stream_cap_resync") \
    X(R, out_of_window,  "reasm_tcp.out_of_window") \
    X(R, evict_streams,  "reasm_tcp.evicted_stream_cap") \
    X(R, evict_bytes,    "reasm_tcp.evicted_byte_cap") \
    X(R, dropped_bytes,  "reasm_tcp.dropped_no_room") \
    X(R, timeouts,       "reasm_tcp.timeouts") \
    X(R, closed_partial, "reasm_tcp.closed_with_partial") \
    X(R, after_close,    "reasm_tcp.after_close") \
    X(R, gaps_skipped,   "reasm_tcp.gaps_skipped") \
    X(F, resyncs,        "reasm_tcp.resyncs") \
    X(R, nonsip_retries, "reasm_tcp.nonsip_retries") \
    X(F, tls,            "reasm_tcp.tls_streams") \
    X(F, ws_frames,      "reasm_tcp.ws_frames") \
    X(F, ws_bad,         "reasm_tcp.ws_bad_frame") \
    X(F, ws_fragmented,  "reasm_tcp.ws_fragmented") \
    X(F, ws_control,     "reasm_tcp.ws_control") \
    X(F, hep_bad,        "reasm_tcp.hep_bad") \
    X(F, tls_records,    "reasm_tcp.tls_records") \
    X(F, tls_bad,        "reasm_tcp.tls_bad_record") \
    X(R, nomem,          "reasm_tcp.nomem")

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
#define RT_DECL_R(f) uint64_t f;
#define RT_DECL_F(f)
#define RT_DECL(w, f, n) RT_DECL_##w(f)
        REASM_TCP_COUNTERS(RT_DECL)
#undef RT_DECL
#undef RT_DECL_F
#undef RT_DECL_R
    } c;
    struct frame_counters fc;
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
                           uint32_t base_seq, enum frame_mode m, int64_t now_us)
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
    s->fr.mode = (uint8_t)m;
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
    s->fr.mode = FRAME_MODE_NONSIP;
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
    frame_gap(&s->fr);
    if (s->fr.mode == FRAME_MODE_NONSIP)
        set_nonsip(r, s);   /* WebSocket/HEP framing cannot be found again */
}

/* Hand [consumed, contig) to the framer; a non-SIP verdict frees the
 * buffer (deferred: the callback may hold pointers into it). */
static void frame(struct reasm_tcp *r, struct stream *s, frame_msg_fn fn, void *ud)
{
    if (s->buf == NULL)
        return;
    s->consumed += frame_run(&s->fr, s->buf + s->consumed, s->contig - s->consumed, r->msg_max,
                             &r->fc, fn, ud);
    if (s->fr.mode == FRAME_MODE_NONSIP)
        set_nonsip(r, s);
}

void reasm_tcp_feed(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint32_t seq,
                    uint8_t flags, const uint8_t *data, size_t len, int64_t now_us,
                    frame_msg_fn fn, void *ud)
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
            si = stream_new(r, k, h, seq + 1, FRAME_MODE_START, now_us);
        seq++;
    }
    if (si == NIL) {
        if (len == 0)
            return;     /* bare ACK/FIN of a stream we do not track */
        si = stream_new(r, k, h, seq, FRAME_MODE_SYNC, now_us);
        r->c.midstream++;
    }
    s = &r->s[si];
    s->last_us = now_us;
    lru_unlink(r, si);
    lru_append(r, si);
    if (s->fr.mode == FRAME_MODE_NONSIP && len > 0 && now_us - s->nonsip_us > NONSIP_RETRY_US) {
        /* A verdict from a mid-stream pick-up may have been wrong: look
         * again from this segment. */
        r->c.nonsip_retries++;
        frame_resync(&s->fr);
        s->base_seq = seq;
        s->contig = s->consumed = 0;
        s->nooo = 0;
    }
    if (s->fr.mode == FRAME_MODE_NONSIP) {
        if (len > 0)
            r->c.nonsip_segs++;
        return;
    }
    if (s->closed) {
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
            frame_resync(&s->fr);
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
    if ((flags & REASM_TCP_FIN) && s->fr.mode != FRAME_MODE_NONSIP) {
        if (s->contig > s->consumed)
            r->c.closed_partial++;
        buf_defer(r, s);
        s->closed = 1;
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
#define RT_VAL_R(f) r->c.f
#define RT_VAL_F(f) r->fc.f
#define RT_EMIT(w, f, n) fn(ud, n, RT_VAL_##w(f));
    REASM_TCP_COUNTERS(RT_EMIT)
#undef RT_EMIT
#undef RT_VAL_F
#undef RT_VAL_R
    fn(ud, "reasm_tcp.streams_live", r->live);
    fn(ud, "reasm_tcp.bytes_live", r->bytes);
}
