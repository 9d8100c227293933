/*
 * reasm_ip.c — IPv4/IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5),
 * bounded in trackers, bytes and time; overlap policy first-wins (see
 * stream.h for why). Place in the flow: decode_ip → reasm_ip → decode_l4.
 * Thread: the analysis thread that owns the decoder.
 *
 * Trackers come from a pool allocated at start-up, found through a
 * SipHash-keyed bucket array and kept on a list in creation order, so the
 * oldest (eviction and timeout victim) is always the list head. A new
 * fragment is clipped against what the tracker already holds, so stored
 * pieces never overlap and assembly is a plain copy.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "util/siphash.h"

#define NIL UINT32_MAX
#define IP_MAX_PAYLOAD 65535u

/* Fragment bytes live in fixed chunks from a pool sized from
 * caps->ip_frag_bytes at start-up, so the fragment path never calls malloc
 * and the byte cap is the pool's size. */
#define CHUNK_DATA 240

struct chunk {
    struct chunk *next;
    uint8_t data[CHUNK_DATA];
};

/* One stored piece of a datagram: [off, off+len) in a chain of chunks. */
struct frag {
    struct frag *next;
    uint32_t off, len;
    struct chunk *data;
};

struct tracker {
    struct reasm_ip_key key;
    uint64_t hash;
    uint32_t hnext;             /* bucket chain */
    uint32_t prev, next;        /* age list, oldest first */
    bool used, has_total, has_first;
    uint8_t proto;
    uint32_t total;
    int64_t first_us;
    size_t bytes;
    struct frag *frags;         /* sorted by offset, never overlapping */
};

#define REASM_IP_COUNTERS(X) \
    X(fragments,   "reasm_ip.fragments") \
    X(completed,   "reasm_ip.completed") \
    X(duplicates,  "reasm_ip.duplicates") \
    X(overlaps,    "reasm_ip.overlaps") \
    X(bad_total,   "reasm_ip.inconsistent_total") \
    X(bad_len,     "reasm_ip.bad_fragment_len") \
    X(too_big,     "reasm_ip.too_big") \
    X(timeouts,    "reasm_ip.timeouts") \
    X(evict_count, "reasm_ip.evicted_tracker_cap") \
    X(evict_bytes, "reasm_ip.evicted_byte_cap")

struct reasm_ip {
    struct tracker *t;
    uint32_t ntrackers, nbuckets, *buckets;
    uint32_t *freelist, nfree;
    uint32_t oldest, newest;
    size_t bytes, live;
    struct chunk *chunks, *free_chunks;
    struct frag *frags, *free_frags;
    size_t nchunks, chunks_free;
    int64_t timeout_us;
    uint8_t seed[16];
    uint8_t **outbuf;
    unsigned noutbuf;
    struct {
#define RIP_DECL(f, n) uint64_t f;
        REASM_IP_COUNTERS(RIP_DECL)
#undef RIP_DECL
    } c;
};

struct reasm_ip *reasm_ip_new(const struct caps *caps, unsigned outbufs)
{
    struct reasm_ip *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->ntrackers = caps->ip_frag_trackers > 0 && caps->ip_frag_trackers < (1u << 24)
                       ? (uint32_t)caps->ip_frag_trackers : 1024;
    r->nbuckets = 1;
    while (r->nbuckets < r->ntrackers)
        r->nbuckets <<= 1;
    r->nchunks = (size_t)(caps->ip_frag_bytes / sizeof(struct chunk));
    if (r->nchunks == 0)
        r->nchunks = 1;
    r->timeout_us = (int64_t)caps->ip_frag_timeout_ms * 1000;
    r->t = calloc(r->ntrackers, sizeof(*r->t));
    r->buckets = malloc(r->nbuckets * sizeof(uint32_t));
    r->freelist = malloc(r->ntrackers * sizeof(uint32_t));
    r->chunks = calloc(r->nchunks, sizeof(struct chunk));
    r->frags = calloc(r->nchunks, sizeof(struct frag));   /* a piece uses >= 1 chunk */
    r->noutbuf = outbufs > 0 ? outbufs : 1;
    r->outbuf = calloc(r->noutbuf, sizeof(uint8_t *));
    if (r->t == NULL || r->buckets == NULL || r->freelist == NULL || r->outbuf == NULL ||
        r->chunks == NULL || r->frags == NULL) {
        reasm_ip_free(r);
        return NULL;
    }
    for (unsigned i = 0; i < r->noutbuf; i++) {
        r->outbuf[i] = malloc(IP_MAX_PAYLOAD);
        if (r->outbuf[i] == NULL) {
            reasm_ip_free(r);
            return NULL;
        }
    }
    for (uint32_t i = 0; i < r->nbuckets; i++)
        r->buckets[i] = NIL;
    for (uint32_t i = 0; i < r->ntrackers; i++)
        r->freelist[i] = r->ntrackers - 1 - i;
    r->nfree = r->ntrackers;
    r->oldest = r->newest = NIL;
    for (size_t i = 0; i < r->nchunks; i++) {
        r->chunks[i].next = r->free_chunks;
        r->free_chunks = &r->chunks[i];
        r->frags[i].next = r->free_frags;
        r->free_frags = &r->frags[i];
    }
    r->chunks_free = r->nchunks;
    siphash_seed(r->seed);
    return r;
}

static void tracker_release(struct reasm_ip *r, uint32_t i)
{
    struct tracker *t = &r->t[i];
    uint32_t *pp = &r->buckets[t->hash & (r->nbuckets - 1)];

    while (*pp != NIL && *pp != i)
        pp = &r->t[*pp].hnext;
    if (*pp == i)
        *pp = t->hnext;
    if (t->prev != NIL)
        r->t[t->prev].next = t->next;
    else
        r->oldest = t->next;
    if (t->next != NIL)
        r->t[t->next].prev = t->prev;
    else
        r->newest = t->prev;
    for (struct frag *f = t->frags, *nx; f != NULL; f = nx) {
        nx = f->next;
        for (struct chunk *c = f->data, *cn; c != NULL; c = cn) {
            cn = c->next;
            c->next = r->free_chunks;
            r->free_chunks = c;
            r->chunks_free++;
        }
        f->next = r->free_frags;
        r->free_frags = f;
    }
    r->bytes -= t->bytes;
    memset(t, 0, sizeof(*t));
    r->freelist[r->nfree++] = i;
    r->live--;
}

void reasm_ip_free(struct reasm_ip *r)
{
    if (r == NULL)
        return;
    if (r->t != NULL && r->buckets != NULL && r->freelist != NULL)
        while (r->oldest != NIL)
            tracker_release(r, r->oldest);
    if (r->outbuf != NULL)
        for (unsigned i = 0; i < r->noutbuf; i++)
            free(r->outbuf[i]);
    free(r->outbuf);
    free(r->chunks);
    free(r->frags);
    free(r->t);
    free(r->buckets);
    free(r->freelist);
    free(r);
}

static uint64_t key_hash(const struct reasm_ip *r, const struct reasm_ip_key *k)
{
    uint8_t b[16 + 16 + 4 + 2];
    memcpy(b, k->src.b, 16);
    memcpy(b + 16, k->dst.b, 16);
    memcpy(b + 32, &k->id, 4);
    b[36] = k->family;
    b[37] = k->proto;
    return siphash24(b, sizeof(b), r->seed);
}

static bool key_eq(const struct reasm_ip_key *a, const struct reasm_ip_key *b)
{
    return a->id == b->id && a->family == b->family && a->proto == b->proto &&
           addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst);
}

void reasm_ip_expire(struct reasm_ip *r, int64_t now_us)
{
    while (r->oldest != NIL && now_us - r->t[r->oldest].first_us > r->timeout_us) {
        tracker_release(r, r->oldest);
        r->c.timeouts++;
    }
}

static uint32_t tracker_get(struct reasm_ip *r, const struct reasm_ip_key *k, int64_t now_us)
{
    uint64_t h = key_hash(r, k);
    uint32_t b = (uint32_t)(h & (r->nbuckets - 1));

    for (uint32_t i = r->buckets[b]; i != NIL; i = r->t[i].hnext)
        if (r->t[i].hash == h && key_eq(&r->t[i].key, k))
            return i;
    if (r->nfree == 0) {
        /* At the tracker cap: the oldest datagram is the least likely to
         * complete (its peers have had the longest to arrive). */
        tracker_release(r, r->oldest);
        r->c.evict_count++;
    }
    uint32_t i = r->freelist[--r->nfree];
    struct tracker *t = &r->t[i];
    memset(t, 0, sizeof(*t));
    t->key = *k;
    t->hash = h;
    t->used = true;
    t->first_us = now_us;
    t->hnext = r->buckets[b];
    r->buckets[b] = i;
    t->next = NIL;
    t->prev = r->newest;
    if (r->newest != NIL)
        r->t[r->newest].next = i;
    else
        r->oldest = i;
    r->newest = i;
    r->live++;
    return i;
}

/* Store [off, off+len) of data as a piece; false on allocation failure. */
static bool piece_add(struct reasm_ip *r, uint32_t ti, struct frag **link, uint32_t off,
                      const uint8_t *data, uint32_t len)
{
    size_t k = (len + CHUNK_DATA - 1) / CHUNK_DATA;
    struct tracker *t = &r->t[ti];

    /* Byte cap (the chunk pool): evict the oldest other datagrams until
     * this piece fits. */
    while ((r->chunks_free < k || r->free_frags == NULL) && r->oldest != NIL &&
           r->oldest != ti) {
        tracker_release(r, r->oldest);
        r->c.evict_bytes++;
    }
    if (r->chunks_free < k || r->free_frags == NULL)
        return false;
    struct frag *f = r->free_frags;
    r->free_frags = f->next;
    f->off = off;
    f->len = len;
    f->data = NULL;
    struct chunk **cl = &f->data;
    for (uint32_t done = 0; done < len; done += CHUNK_DATA) {
        struct chunk *c = r->free_chunks;
        uint32_t n = len - done < CHUNK_DATA ? len - done : CHUNK_DATA;
        r->free_chunks = c->next;
        r->chunks_free--;
        memcpy(c->data, data + done, n);
        c->next = NULL;
        *cl = c;
        cl = &c->next;
    }
    f->next = *link;
    *link = f;
    t->bytes += k * sizeof(struct chunk);
    r->bytes += k * sizeof(struct chunk);
    return true;
}

bool reasm_ip_feed(struct reasm_ip *r, const struct reasm_ip_key *k, uint32_t offset,
                   bool more, uint8_t proto, const uint8_t *data, size_t len, int64_t now_us,
                   unsigned slot, const uint8_t **out, size_t *outlen, uint8_t *outproto)
{
    r->c.fragments++;
    reasm_ip_expire(r, now_us);
    if ((size_t)offset + len > IP_MAX_PAYLOAD) {
        r->c.too_big++;
        return false;
    }
    if ((more && (len == 0 || len % 8 != 0)) || slot >= r->noutbuf) {
        r->c.bad_len++;
        return false;
    }
    uint32_t end = offset + (uint32_t)len;
    uint32_t ti = tracker_get(r, k, now_us);
    struct tracker *t = &r->t[ti];

    if (!more) {
        if (t->has_total && t->total != end) {
            r->c.bad_total++;
            tracker_release(r, ti);
            return false;
        }
        t->has_total = true;
        t->total = end;
    }
    if (t->has_total && end > t->total) {
        r->c.bad_total++;
        tracker_release(r, ti);
        return false;
    }
    if (offset == 0) {
        t->has_first = true;
        t->proto = proto;
    }

    /* First wins: store only the parts of [offset, end) nobody holds yet. */
    struct frag **link = &t->frags;
    uint32_t pos = offset;
    bool overlapped = false, exact = false;
    while (pos < end) {
        while (*link != NULL && (*link)->off + (*link)->len <= pos)
            link = &(*link)->next;
        struct frag *f = *link;
        if (f != NULL && f->off == offset && f->off + f->len == end)
            exact = true;
        if (f != NULL && f->off <= pos) {
            overlapped = true;
            pos = f->off + f->len;
            continue;
        }
        uint32_t stop = (f != NULL && f->off < end) ? f->off : end;
        if (f != NULL && f->off < end)
            overlapped = true;
        if (!piece_add(r, ti, link, pos, data + (pos - offset), stop - pos)) {
            tracker_release(r, ti);
            return false;
        }
        link = &(*link)->next;
        pos = stop;
    }
    if (exact)
        r->c.duplicates++;
    else if (overlapped)
        r->c.overlaps++;

    if (!t->has_total || !t->has_first)
        return false;
    uint32_t covered = 0;
    for (struct frag *f = t->frags; f != NULL; f = f->next) {
        if (f->off > covered)
            return false;
        if (f->off + f->len > covered)
            covered = f->off + f->len;
    }
    if (covered < t->total)
        return false;
    uint8_t *buf = r->outbuf[slot];
    for (struct frag *f = t->frags; f != NULL; f = f->next) {
        uint32_t done = 0;
        for (struct chunk *c = f->data; c != NULL; c = c->next) {
            uint32_t n = f->len - done < CHUNK_DATA ? f->len - done : CHUNK_DATA;
            memcpy(buf + f->off + done, c->data, n);
            done += n;
        }
    }
    *out = buf;
    *outlen = t->total;
    *outproto = t->proto;
    tracker_release(r, ti);
    r->c.completed++;
    return true;
}

size_t reasm_ip_trackers(const struct reasm_ip *r)
{
    return r->live;
}

size_t reasm_ip_bytes(const struct reasm_ip *r)
{
    return r->bytes;
}

void reasm_ip_stats(const struct reasm_ip *r, stats_fn fn, void *ud)
{
#define RIP_EMIT(f, n) fn(ud, n, r->c.f);
    REASM_IP_COUNTERS(RIP_EMIT)
#undef RIP_EMIT
    fn(ud, "reasm_ip.trackers_live", r->live);
    fn(ud, "reasm_ip.bytes_live", r->bytes);
}
