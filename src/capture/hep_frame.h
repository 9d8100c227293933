/*
 * hep_frame.h — what the HEP receiver (hep_in.c) checks before a record may
 * reach the ring: the HEPv3 framer of a TCP/TLS byte stream, and the gate
 * that admits or refuses one record (its lengths, its capture-agent id, its
 * authentication key).
 *
 * Framing (HEPv3 over a stream, as heplify, Kamailio siptrace over TCP and
 * heplify-server read it): each record starts with "HEP3" and a 16-bit
 * big-endian total length that includes those 6 bytes, so records follow
 * each other with no separator, several per segment or one across many.
 * Only the length frames: the gate then checks the inside. A stream that does
 * not start a record with "HEP3", or declares a total under 6, has lost its
 * framing and cannot be resynchronised safely (a payload may contain
 * "HEP3"): the caller closes it. A record longer than the allowed maximum is
 * skipped by its declared length (the stream stays in step) and reported.
 *
 * Gate (one record, UDP datagram or framed TCP record), no inner length
 * trusted: the HEPv3 total must fit the bytes present and every chunk must
 * fit the total and end exactly at it; HEPv1/v2 (UDP only) must have a
 * plausible header. When a key is configured, the record must carry an
 * authentication-key chunk (vendor 0, type 0x000e) equal to it, compared in
 * constant time; v1/v2 cannot carry one and are refused. The key is never
 * copied anywhere but the caller's buffer.
 *
 * Pure functions on caller memory: no allocation, no I/O, any thread.
 */
#ifndef SIPSCOPE_HEP_FRAME_H
#define SIPSCOPE_HEP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEP_FRAME_BUF 65536     /* a HEPv3 total length is 16 bits: one record fits */

enum hep_verdict {
    HEP_OK = 0,
    HEP_MALFORMED,      /* not HEP, lengths that do not add up, cut short */
    HEP_OVERSIZE,       /* longer than the allowed record size */
    HEP_NO_KEY,         /* a key is configured and the record has none */
    HEP_BAD_KEY,        /* it has a key, not the configured one */
};

struct hep_rec {
    int version;        /* 1, 2 or 3 */
    bool have_capid;
    uint32_t capid;     /* capture-agent id (v3 chunk 0x000c, v2 time header) */
    size_t len;         /* bytes of the record (v3: its total length) */
};

/*
 * Check the record at p[0..n) (n: the datagram, or the framed record).
 * key/key_len: the configured key, key_len 0 for none. max_len: the largest
 * record admitted. *out is filled as far as the record could be read (the
 * capture id even when the key is wrong, for the per-agent counters).
 */
enum hep_verdict hep_gate(const uint8_t *p, size_t n, const uint8_t *key, size_t key_len,
                          size_t max_len, struct hep_rec *out);

/* A TCP/TLS stream's framing state and its buffer (one record at most). */
struct hep_framer {
    size_t off, len;    /* buf[off..len) are received bytes not yet framed */
    size_t skip;        /* bytes of an oversize record still to discard */
    uint8_t buf[HEP_FRAME_BUF];
};

enum hep_frame_rc {
    HEP_FRAME_NEED = 0, /* nothing complete: read more (hep_frame_room) */
    HEP_FRAME_RECORD,   /* *rec, *rec_len: one whole record (valid until the next room) */
    HEP_FRAME_OVERSIZE, /* one record over max_len is being skipped (counted once) */
    HEP_FRAME_BAD,      /* framing lost: close the stream */
};

void hep_framer_reset(struct hep_framer *f);
/* Where to put the next bytes read, and how many fit (> 0 unless a whole
 * record is waiting: call hep_frame_next until NEED first). Moves the
 * unframed bytes to the front. */
uint8_t *hep_frame_room(struct hep_framer *f, size_t *room);
/* n bytes were written at hep_frame_room. */
void hep_frame_fill(struct hep_framer *f, size_t n);
/* Cut the next record out of what was received; max_len <= HEP_FRAME_BUF - 1. */
enum hep_frame_rc hep_frame_next(struct hep_framer *f, size_t max_len, const uint8_t **rec,
                                 size_t *rec_len);
/* Bytes held but not yet framed (a partial record). */
size_t hep_frame_pending(const struct hep_framer *f);

#endif
