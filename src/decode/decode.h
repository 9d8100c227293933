/*
 * decode.h — from a captured frame to candidate SIP payloads.
 *
 * Flow: ring → decode (link → ip → [stream: reasm_ip] → l4 → [stream:
 * reasm_tcp → frame: SIP | WebSocket | HEP] | hep | sctp, tunnels bounded
 * by caps->tunnel_depth) → sip_parse. SIP is recognised by frame_is_sip()
 * (stream/stream.h), the one start-line test the framer also uses.
 * Thread: the analysis thread owns a decoder.
 *
 * Link types: Ethernet (802.1Q/QinQ, MPLS, PPPoE), Linux SLL and SLL2,
 * NULL/LOOP, raw IP (12, 14, 101), IPv4 (228), IPv6 (229), PPP (9, 50).
 * Inside: IPv4/IPv6 with extension headers and fragments, IP-in-IP, 6in4,
 * 4in6, GRE (ERSPAN I/II/III, PPP), GTP-U, VXLAN, ICMP errors quoting SIP
 * (payload.quoted), UDP, TCP (stream framing, WebSocket, HEP3 records),
 * SCTP DATA, HEP v1/v2/v3 on any port. SIP is found by content.
 *
 * Memory: decoder_new allocates the fragment chunk pool, the TCP stream
 * table and one reassembly output buffer per nesting level; after that the
 * UDP path allocates nothing, and TCP buffers grow (by doubling, per
 * stream, within tcp_stream_bytes / tcp_total_bytes) only when a stream
 * needs more room. decoder_new returns NULL when an allocation fails.
 *
 * Counters (decode_stats): "decode.*" (one per drop reason, plus packets
 * and payloads), "reasm_ip.*" and "reasm_tcp.*" (evictions, timeouts,
 * retransmissions, non-SIP streams, live trackers/streams/bytes), "tls.*".
 */
#ifndef SIPSCOPE_DECODE_H
#define SIPSCOPE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "packet.h"
#include "payload.h"
#include "stats.h"
#include "tls.h"

struct decoder;

struct decoder *decoder_new(const struct caps *caps);
void decoder_free(struct decoder *d);

/* True when decode_packet understands this DLT_* link type. */
bool decode_linktype_supported(int linktype);

/*
 * Decode one frame. Fills out[0..n) with candidate SIP payloads (several
 * when a TCP segment completes several messages) and returns n (<= max).
 * Payload bytes are valid until the next decode_packet or decode_expire call.
 * Malformed frames return 0 and bump a named counter.
 */
size_t decode_packet(struct decoder *d, const struct packet *pkt,
                     struct sip_payload *out, size_t max);

/*
 * Also hand on every UDP datagram that is not SIP, HEP or a tunnel, as a
 * payload with not_sip set (for the media stage: RTP and RTCP). Off by
 * default. They are counted in decode.udp_not_sip as before, not in
 * decode.payloads.
 */
void decode_set_media(struct decoder *d, bool on);

/* Expire reassembly state older than its timeout, using packet time. */
void decode_expire(struct decoder *d, int64_t now_us);

/* TLS handshakes (any port, TCP): fn gets each connection's events
 * (tls.h) during decode_packet, decode_expire and decode_finish. */
void decode_tls_sink(struct decoder *d, tls_sink_fn fn, void *ud);
/* --tls-keylog: decrypt TLS with these secrets (not owned; must outlive d)
 * and hand the SIP inside on as TRANSPORT_TLS payloads. False: no memory. */
struct keylog;
bool decode_tls_keylog(struct decoder *d, struct keylog *kl);
/* End of input: judge what is still open (a ClientHello never answered). */
void decode_finish(struct decoder *d, int64_t end_us);

void decode_stats(const struct decoder *d, stats_fn fn, void *ud);

#endif
