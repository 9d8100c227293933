/*
 * ring.h — the bounded single-producer/single-consumer byte ring between
 * the capture thread (producer) and the analysis thread (consumer).
 *
 * Flow: capture → ring → pipeline (decode ...). Records are variable length:
 * a 32-byte header (frame, time, caplen, len, link type) followed by the
 * captured bytes, padded to RING_ALIGN. The buffer is a power of two; head
 * and tail are free-running 64-bit byte indices on their own cache lines
 * (ck_ring style), and each side caches the other's index so it touches the
 * shared line only when its cached view runs out.
 *
 * Threads: exactly one producer thread calls ring_push/ring_commit/
 * ring_close; exactly one consumer thread calls ring_peek/ring_next/
 * ring_release/ring_closed. ring_new/ring_free happen before and after both.
 * Nothing allocates after ring_new.
 */
#ifndef SIPSCOPE_RING_H
#define SIPSCOPE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define RING_ALIGN 32u      /* record alignment = header size */
#define RING_MIN_BYTES 4096u

struct ring;

/* Bytes one record of caplen captured bytes occupies in the ring. */
static inline uint64_t ring_record_bytes(uint64_t caplen)
{
    return (RING_ALIGN + caplen + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);
}

/*
 * A ring of `bytes` bytes (a power of two, >= RING_MIN_BYTES). NULL with
 * errbuf filled when bytes is not acceptable or memory runs out.
 */
struct ring *ring_new(uint64_t bytes, char *errbuf);
void ring_free(struct ring *r);
uint64_t ring_capacity(const struct ring *r);

/* True when a record of caplen bytes can ever fit (ring_record_bytes <= capacity). */
bool ring_fits(const struct ring *r, uint64_t caplen);

/*
 * Producer: copy pkt (header and pkt->caplen bytes of pkt->data) into the
 * ring. Returns false when there is no room now (or the record can never
 * fit, see ring_fits); nothing is copied then. The record becomes visible
 * to the consumer only at the next ring_commit.
 */
bool ring_push(struct ring *r, const struct packet *pkt);
/* Producer: publish every record pushed so far (one release store). */
void ring_commit(struct ring *r);
/* Producer: commit and mark end of input; the consumer drains what is left. */
void ring_close(struct ring *r);

/*
 * Consumer: look at the oldest unconsumed record without consuming it.
 * out->data points into the ring and stays valid until ring_release.
 * Returns false when no committed record is waiting.
 */
bool ring_peek(struct ring *r, struct packet *out);
/* Consumer: consume the record last returned by ring_peek (local only). */
void ring_next(struct ring *r);
/* Consumer: hand every consumed record's space back to the producer. */
void ring_release(struct ring *r);
/* Consumer: true once the producer closed the ring (records may remain). */
bool ring_closed(const struct ring *r);

#endif
