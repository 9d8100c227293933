/*
 * stream.h — the stream stage's one public header: what the decoders hand
 * their payloads to. IP fragment reassembly (reasm_ip.c), TCP byte
 * reassembly (reasm_tcp.c), and the framer that cuts SIP, WebSocket and
 * HEPv3 messages out of a reassembled byte stream (frame.c, ws.c).
 *
 * Flow: decode_ip → reasm_ip → decode_l4 → reasm_tcp → frame → (callback)
 * decode_l4 → sip. The stream stage never includes a decode header: the
 * decoders call in here and get framed messages back through a callback.
 * frame.h and ws.h are private to this folder (the unit tests use them).
 *
 * Thread: the analysis thread that owns the decoder (no locks, no globals
 * written after start-up). Errors: the *_new functions return NULL when an
 * allocation fails; malformed input is counted, never an error.
 */
#ifndef SIPSCOPE_STREAM_H
#define SIPSCOPE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "stats.h"
#include "tls.h"
#include "config/keylog.h"

/*
 * IP fragments: IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) reassembly.
 *
 * Bounded: at most caps->ip_frag_trackers datagrams and caps->ip_frag_bytes
 * bytes (fragment data plus per-fragment overhead) are held; a new datagram
 * at either cap evicts the oldest tracker (by first-fragment packet time)
 * and counts it. A tracker older than caps->ip_frag_timeout_ms (packet time)
 * is dropped. Fragment bytes are kept in fixed 240-byte chunks from a pool
 * of ip_frag_bytes allocated at start-up (that pool is the byte cap), so
 * no packet path allocates.
 *
 * Overlap policy: FIRST WINS. Bytes already received are never overwritten
 * by a later fragment; a later fragment only fills holes. This is what BSD
 * and Windows stacks deliver and what Wireshark shows, and it stops a
 * later (possibly injected) fragment from rewriting SIP that was already
 * seen. An exact duplicate is counted as a duplicate, other overlaps as
 * overlaps. Two last fragments (MF=0) that disagree on the total length,
 * or a fragment reaching past a known total, drop the datagram (counted):
 * such a datagram has no single meaning.
 */
struct reasm_ip;

struct reasm_ip_key {
    struct addr src, dst;
    uint32_t id;        /* IPv4: 16-bit id; IPv6: 32-bit identification */
    uint8_t family;     /* 4 or 6 */
    uint8_t proto;      /* IPv4 protocol (part of the key); 0 for IPv6 */
};

/* outbufs: how many reassembled datagrams may be live at once (one per
 * nesting level, so an inner reassembly does not clobber an outer one). */
struct reasm_ip *reasm_ip_new(const struct caps *caps, unsigned outbufs);
void reasm_ip_free(struct reasm_ip *r);

/*
 * Feed one fragment: offset in bytes of data within the datagram's payload,
 * more = MF flag, proto = the protocol carried (IPv6: the fragment header's
 * next header; taken from the offset-0 fragment). Returns true when this
 * fragment completes the datagram: *out and *outlen then hold the whole payload
 * and *outproto its protocol; the bytes live in output buffer `slot`
 * (< outbufs) until the next completion into the same slot.
 */
bool reasm_ip_feed(struct reasm_ip *r, const struct reasm_ip_key *k, uint32_t offset,
                   bool more, uint8_t proto, const uint8_t *data, size_t len, int64_t now_us,
                   unsigned slot, const uint8_t **out, size_t *outlen, uint8_t *outproto);

/* Drop trackers older than the timeout. */
void reasm_ip_expire(struct reasm_ip *r, int64_t now_us);

/* Trackers and bytes held now (for tests and the TUI). */
size_t reasm_ip_trackers(const struct reasm_ip *r);
size_t reasm_ip_bytes(const struct reasm_ip *r);

/* Counters "reasm_ip.*". */
void reasm_ip_stats(const struct reasm_ip *r, stats_fn fn, void *ud);

/*
 * TCP streams: per-direction byte reassembly (RFC 793 sequence space),
 * then framing (frame.c: RFC 3261 §18.3 by Content-Length; RFC 7118 /
 * RFC 6455 WebSocket frames; HEPv3 records over TCP).
 *
 * Each direction (src, sport → dst, dport) is a stream. Segments are placed
 * by sequence number into the stream's buffer; out-of-order data waits in
 * the buffer until the hole is filled; bytes already received are never
 * overwritten (first wins: a retransmission cannot change what was seen).
 * Whenever the contiguous part grows, the framer cuts messages out of it:
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
 */
struct reasm_tcp;

struct reasm_tcp_key {
    struct addr src, dst;
    uint16_t sport, dport;
};

/* What the framer cut out of a stream. */
enum frame_kind {
    FRAME_SIP,      /* one SIP message framed by Content-Length */
    FRAME_WS,       /* the payload of one WebSocket text/binary message */
    FRAME_HEP,      /* one HEPv3 record */
    FRAME_TLS,      /* one TLS record, its 5-byte header included (for tls_record) */
};

/* Called for each framed message; p/n stay valid until the next feed. */
typedef void (*frame_msg_fn)(void *ud, const uint8_t *p, size_t n, enum frame_kind k);

#define REASM_TCP_SYN 0x02
#define REASM_TCP_FIN 0x01
#define REASM_TCP_RST 0x04

struct reasm_tcp *reasm_tcp_new(const struct caps *caps);
void reasm_tcp_free(struct reasm_tcp *r);

/* Feed one segment (flags: TCP flags byte). Calls fn for each message it
 * completes. The bytes handed to fn remain valid until the next call. */
void reasm_tcp_feed(struct reasm_tcp *r, const struct reasm_tcp_key *k, uint32_t seq,
                    uint8_t flags, const uint8_t *data, size_t len, int64_t now_us,
                    frame_msg_fn fn, void *ud);

/* Drop streams idle for longer than the timeout. */
void reasm_tcp_expire(struct reasm_tcp *r, int64_t now_us);

size_t reasm_tcp_streams(const struct reasm_tcp *r);
size_t reasm_tcp_bytes(const struct reasm_tcp *r);

/* Counters "reasm_tcp.*" (reassembly and framing). */
void reasm_tcp_stats(const struct reasm_tcp *r, stats_fn fn, void *ud);

/*
 * TLS connections (tls.c): the cleartext handshake of each connection whose
 * TCP bytes the framer cut into TLS records (FRAME_TLS), on any port.
 * The decoder hands each record here with its direction, frame and time,
 * and each FIN/RST; the tracker fills a struct tls_conn (tls.h) per
 * connection and calls the sink on its events (TLS_EV_*).
 *
 * Bounds: caps->tls_conns connections (the least recently active evicted
 * and counted), caps->tls_handshake_bytes for handshake messages split over
 * records (past it, or past 64 KiB for one message, the message is skipped
 * and counted), caps->tls_plaintext_bytes for decrypted bytes waiting to be
 * framed (caps->tcp_stream_bytes per direction), idle time-out
 * caps->tcp_timeout_ms. Counters "tls.*".
 */
struct tls_table;

struct tls_table *tls_table_new(const struct caps *caps);
void tls_table_free(struct tls_table *t);
/* Where events go (may be NULL: nobody listens). */
void tls_table_sink(struct tls_table *t, tls_sink_fn fn, void *ud);
/* --tls-keylog: open records with these secrets (the table does not own
 * kl; it must outlive the table). Returns false when out of memory. */
bool tls_table_keylog(struct tls_table *t, struct keylog *kl);
/* One record (5-byte header and fragment) sent in direction k. With a key
 * log, the SIP (or WebSocket) messages its plaintext completes are handed
 * to fn (FRAME_SIP / FRAME_WS), valid until the first record of another
 * frame. */
void tls_record(struct tls_table *t, const struct reasm_tcp_key *k, const uint8_t *rec, size_t n,
                uint64_t frame, int64_t ts_us, frame_msg_fn fn, void *ud);
/* A FIN (rst false) or RST of direction k; an untracked k is ignored. */
void tls_tcp_close(struct tls_table *t, const struct reasm_tcp_key *k, bool rst, uint64_t frame,
                   int64_t ts_us);
/* Forget connections idle past the time-out (judging an unanswered hello). */
void tls_expire(struct tls_table *t, int64_t now_us);
/* End of input: judge and forget every connection. */
void tls_finish(struct tls_table *t, int64_t end_us);
size_t tls_conns_live(const struct tls_table *t);
void tls_stats(const struct tls_table *t, stats_fn fn, void *ud);

/*
 * Cheap content test used on every candidate payload, on any port: true
 * when p[0..n) starts with a SIP status line ("SIP/2.0 NNN") or a request
 * line (token SP Request-URI SP "SIP/2.0" CRLF), as RFC 3261 §7.1/§7.2 and
 * Wireshark's SIP heuristic define them. Reads at most the first line.
 * The framer uses it to find message starts; the decoders use it to tell
 * SIP from other UDP, SCTP, WebSocket and HEP payloads. Any thread.
 */
bool frame_is_sip(const uint8_t *p, size_t n);

#endif
