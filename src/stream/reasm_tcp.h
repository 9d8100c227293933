/*
 * reasm_tcp.h — per-direction TCP stream reassembly and SIP framing
 * (RFC 793 sequence space; RFC 3261 §18.3 framing by Content-Length;
 * RFC 7118 / RFC 6455 WebSocket frames; HEPv3 records over TCP).
 *
 * Each direction (src, sport → dst, dport) is a stream. Segments are placed
 * by sequence number into the stream's buffer; out-of-order data waits in
 * the buffer until the hole is filled; bytes already received are never
 * overwritten (first wins: a retransmission cannot change what was seen).
 * Whenever the contiguous part grows, messages are framed out of it:
 * leading CRLF keep-alives are skipped, the header ends at the first
 * "\r\n\r\n" (a folded line starts with SP/HT, so this is folding-safe), the
 * body is Content-Length (or compact "l", any case) bytes. Several messages
 * in one segment and one message across segments both work; each message is
 * reported with the frame that completed it.
 *
 * A stream whose data does not start with a SIP start line, a WebSocket
 * upgrade or HEP3 is marked non-SIP: its buffer is freed and later segments
 * are dropped cheaply until the entry times out or is evicted. A stream
 * picked up mid-way (no SYN) gets a few segments to show a message start.
 *
 * Bounds: caps->tcp_streams entries (pool, LRU eviction by packet time),
 * caps->tcp_stream_bytes per direction (a stream that would exceed it is
 * resynchronised and counted), caps->tcp_total_bytes over all buffers (the
 * least recently active streams are evicted to make room), idle timeout
 * caps->tcp_timeout_ms. Buffers grow by doubling, so allocation happens
 * only when a stream needs more room, never per segment.
 *
 * Thread: the analysis thread that owns the decoder.
 */
#ifndef SIPSCOPE_REASM_TCP_H
#define SIPSCOPE_REASM_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "stats.h"

struct reasm_tcp;

struct reasm_tcp_key {
    struct addr src, dst;
    uint16_t sport, dport;
};

enum reasm_tcp_kind {
    REASM_TCP_SIP,      /* one SIP message framed by Content-Length */
    REASM_TCP_WS,       /* the payload of one WebSocket text/binary frame */
    REASM_TCP_HEP,      /* one HEPv3 record */
};

/* Called for each framed message; p/n stay valid until the next feed. */
typedef void (*reasm_tcp_msg_fn)(void *ud, const uint8_t *p, size_t n, enum reasm_tcp_kind k);

#define REASM_TCP_SYN 0x02
#define REASM_TCP_FIN 0x01
#define REASM_TCP_RST 0x04

struct reasm_tcp *reasm_tcp_new(const struct caps *caps);
void reasm_tcp_free(struct reasm_tcp *r);

/* Feed one segment (flags: TCP flags byte). Calls fn for each message it
 * completes. The bytes handed to fn remain valid until the next call. */
void reasm_tcp_feed(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint32_t seq,
                    uint8_t flags, const uint8_t *data, size_t len, int64_t now_us,
                    reasm_tcp_msg_fn fn, void *ud);

/* Drop streams idle for longer than the timeout. */
void reasm_tcp_expire(struct reasm_tcp *r, int64_t now_us);

size_t reasm_tcp_streams(const struct reasm_tcp *r);
size_t reasm_tcp_bytes(const struct reasm_tcp *r);

void reasm_tcp_stats(const struct reasm_tcp *r, stats_fn fn, void *ud);

/* Framing helpers, exposed for tests and for decode_ws.c. */

/* Length of the SIP message at p[0..n): 0 when more bytes are needed,
 * SIZE_MAX when it can never be framed (over max or no header end within
 * max); otherwise header + Content-Length bytes. */
size_t reasm_tcp_sip_len(const uint8_t *p, size_t n, size_t max);

#endif
