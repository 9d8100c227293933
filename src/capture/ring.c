/*
 * ring.c — SPSC byte ring of variable-length packet records (see ring.h).
 *
 * Place in the flow: capture thread → ring → analysis thread. Owning threads:
 * one producer (capture), one consumer (pipeline).
 *
 * Memory order (as ck_ring): the producer writes record bytes, then stores
 * head with release; the consumer loads head with acquire before reading a
 * record, and stores tail with release only after it has finished with the
 * bytes; the producer loads tail with acquire before reusing space. Indices
 * run free (64 bits never wrap in practice), so full/empty never need a
 * spare slot: used = head - tail.
 *
 * A record never straddles the end of the buffer: when one would, the
 * producer first fills the rest of the buffer with a wrap marker (a header
 * whose caplen is RING_WRAP) that the consumer skips. Every record is
 * RING_ALIGN-aligned and RING_ALIGN is the header size, so at least a whole
 * header always fits before the end. The marker is pushed on its own, so a
 * record of up to the whole capacity always fits once the consumer catches
 * up: the producer can never wait forever for space that cannot appear.
 */
#include "ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define RING_WRAP UINT32_MAX
#define RING_MAX_BYTES (1ull << 30)  /* record sizes are stored in 32 bits */

struct ring_hdr {
    uint32_t rec_bytes;     /* whole record incl. header and padding */
    uint32_t caplen;        /* RING_WRAP for a wrap marker */
    uint32_t len;
    int32_t linktype;
    uint64_t frame;
    int64_t ts_us;
};

_Static_assert(sizeof(struct ring_hdr) == RING_ALIGN, "header must be RING_ALIGN bytes");

struct ring {
    /* Producer's line: its published index and its view of the consumer. */
    alignas(64) _Atomic uint64_t head;
    uint64_t head_local;    /* pushed, not yet committed */
    uint64_t tail_cache;
    /* Consumer's line. */
    alignas(64) _Atomic uint64_t tail;
    uint64_t tail_local;    /* consumed, not yet released */
    uint64_t head_cache;
    uint64_t peeked_bytes;  /* size of the record ring_peek returned */
    alignas(64) _Atomic bool closed;
    /* Read-only after ring_new. */
    alignas(64) uint8_t *buf;
    uint64_t size, mask;
};

struct ring *ring_new(uint64_t bytes, char *errbuf)
{
    struct ring *r;

    if (bytes < RING_MIN_BYTES || bytes > RING_MAX_BYTES || (bytes & (bytes - 1)) != 0) {
        err_set(errbuf, "ring size %llu: must be a power of two from %u to %llu bytes",
                (unsigned long long)bytes, RING_MIN_BYTES, (unsigned long long)RING_MAX_BYTES);
        return NULL;
    }
    r = aligned_alloc(64, sizeof(*r));
    if (r == NULL) {
        err_set(errbuf, "ring: out of memory");
        return NULL;
    }
    memset(r, 0, sizeof(*r));
    r->buf = aligned_alloc(64, (size_t)bytes);
    if (r->buf == NULL) {
        free(r);
        err_set(errbuf, "ring: cannot allocate %llu bytes", (unsigned long long)bytes);
        return NULL;
    }
    r->size = bytes;
    r->mask = bytes - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->closed, false);
    return r;
}

void ring_free(struct ring *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r);
}

uint64_t ring_capacity(const struct ring *r)
{
    return r->size;
}

bool ring_fits(const struct ring *r, uint64_t caplen)
{
    return caplen < RING_WRAP && ring_record_bytes(caplen) <= r->size;
}

/* Producer: is there room for n more bytes? Refresh the tail view only if not. */
static bool ring_room(struct ring *r, uint64_t n)
{
    if (r->size - (r->head_local - r->tail_cache) >= n)
        return true;
    r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    return r->size - (r->head_local - r->tail_cache) >= n;
}

bool ring_push(struct ring *r, const struct packet *pkt)
{
    uint64_t need, pos, to_end;
    struct ring_hdr h;

    if (!ring_fits(r, pkt->caplen))
        return false;
    need = ring_record_bytes(pkt->caplen);
    pos = r->head_local & r->mask;
    to_end = r->size - pos;
    if (need > to_end) {
        /* Fill the tail end with a marker first; retry the record at offset 0. */
        if (!ring_room(r, to_end))
            return false;
        memset(&h, 0, sizeof(h));
        h.rec_bytes = (uint32_t)to_end;
        h.caplen = RING_WRAP;
        memcpy(r->buf + pos, &h, sizeof(h));
        r->head_local += to_end;
    }
    if (!ring_room(r, need))
        return false;
    pos = r->head_local & r->mask;
    h.rec_bytes = (uint32_t)need;
    h.caplen = pkt->caplen;
    h.len = pkt->len;
    h.linktype = pkt->linktype;
    h.frame = pkt->frame;
    h.ts_us = pkt->ts_us;
    memcpy(r->buf + pos, &h, sizeof(h));
    if (pkt->caplen > 0)
        memcpy(r->buf + pos + sizeof(h), pkt->data, pkt->caplen);
    r->head_local += need;
    return true;
}

void ring_commit(struct ring *r)
{
    atomic_store_explicit(&r->head, r->head_local, memory_order_release);
}

void ring_close(struct ring *r)
{
    ring_commit(r);
    atomic_store_explicit(&r->closed, true, memory_order_release);
}

bool ring_peek(struct ring *r, struct packet *out)
{
    struct ring_hdr h;
    uint64_t pos;

    for (;;) {
        if (r->tail_local == r->head_cache) {
            r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
            if (r->tail_local == r->head_cache)
                return false;
        }
        pos = r->tail_local & r->mask;
        memcpy(&h, r->buf + pos, sizeof(h));
        if (h.caplen == RING_WRAP) {
            r->tail_local += h.rec_bytes;
            continue;
        }
        r->peeked_bytes = h.rec_bytes;
        out->frame = h.frame;
        out->ts_us = h.ts_us;
        out->caplen = h.caplen;
        out->len = h.len;
        out->linktype = h.linktype;
        out->data = r->buf + pos + sizeof(h);
        return true;
    }
}

void ring_next(struct ring *r)
{
    r->tail_local += r->peeked_bytes;
    r->peeked_bytes = 0;
}

void ring_release(struct ring *r)
{
    atomic_store_explicit(&r->tail, r->tail_local, memory_order_release);
}

bool ring_closed(const struct ring *r)
{
    return atomic_load_explicit(&r->closed, memory_order_acquire);
}
