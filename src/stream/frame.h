/*
 * frame.h — the framer (private to the stream stage): turns the contiguous
 * bytes of one reassembled TCP direction into SIP messages (RFC 3261 §18.3,
 * by Content-Length), WebSocket message payloads (RFC 6455 §5, RFC 7118,
 * via ws.h) and HEPv3 records. reasm_tcp.c owns the bytes, their order and
 * their bounds; the framer owns only what a stream carries and where the
 * next message starts.
 *
 * One struct framer per stream direction, zeroed by its owner (mode then is
 * FRAME_MODE_START). frame_run() reads p[0..n), may rewrite it in place
 * (WebSocket unmasking and joining), and returns how many bytes it framed
 * or skipped; the caller drops those before the next call. When it sets
 * mode to FRAME_MODE_NONSIP the stream carries no SIP (bad WebSocket, HEP or
 * TLS record framing, no start line in time) and the caller frees its buffer.
 * A stream that starts with a TLS record is cut into records (FRAME_TLS),
 * which the TLS tracker (tls.c) reads through the decoder.
 *
 * Thread: whichever owns the stream (the analysis thread); no state besides
 * the struct framer and the counters passed in.
 */
#ifndef SIPSCOPE_FRAME_H
#define SIPSCOPE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream.h"

enum frame_mode {
    FRAME_MODE_START,   /* from a SYN: SIP, WebSocket upgrade, HEP3 or not SIP */
    FRAME_MODE_SYNC,    /* picked up mid-stream or after a hole: find a start line */
    FRAME_MODE_SIP,     /* SIP messages by Content-Length */
    FRAME_MODE_WS_HS,   /* HTTP upgrade header, before WebSocket frames */
    FRAME_MODE_WS,      /* WebSocket frames */
    FRAME_MODE_HEP,     /* HEPv3 records */
    FRAME_MODE_TLS,     /* TLS records (RFC 8446 §5.1), handed on whole */
    FRAME_MODE_NONSIP,  /* verdict: nothing more to frame on this stream */
};

struct framer {
    uint64_t skip;      /* bytes of an oversized message still to discard */
    uint8_t mode;       /* enum frame_mode */
    uint8_t tries;      /* FRAME_MODE_SYNC: calls without a start line */
    uint8_t was_sip;    /* framed SIP before: never give up resyncing */
};

/* Framing counters; reasm_tcp reports them among its own ("reasm_tcp.*"). */
struct frame_counters {
    uint64_t messages, keepalives, desync, too_large, resyncs, tls;
    uint64_t ws_frames, ws_bad, ws_fragmented, ws_control, hep_bad, tls_records, tls_bad;
};

/* Frame what p[0..n) holds: call fn for each whole message (max: the
 * largest message held; a longer one is skipped, its length known, or
 * resynchronised). Returns the bytes consumed (<= n). */
size_t frame_run(struct framer *f, uint8_t *p, size_t n, size_t max, struct frame_counters *c,
                 frame_msg_fn fn, void *ud);

/* Framing restarts at the next start line (a hole was skipped, or the
 * stream is picked up again): SIP and fresh streams resynchronise, while
 * WebSocket and HEP framing cannot be found again (mode becomes NONSIP). */
void frame_gap(struct framer *f);

/* Look for a start line from the next byte on (after a resync of the
 * bytes, or a non-SIP verdict being reconsidered). */
void frame_resync(struct framer *f);

/* Length of the SIP message at p[0..n): 0 when more bytes are needed,
 * SIZE_MAX when it can never be framed (over max or no header end within
 * max); otherwise header + Content-Length bytes. */
size_t frame_sip_len(const uint8_t *p, size_t n, size_t max);

#endif
