/*
 * payload.h — what decode hands to sip_parse: one candidate SIP message (UDP
 * datagram, HEP-unwrapped payload, SCTP chunk, WebSocket frame, or a message
 * framed out of a TCP stream) with the addressing and time it belongs to.
 *
 * data is borrowed from the decoder (packet bytes or a reassembly buffer) and
 * is valid until the next decode_packet() call on the same decoder.
 */
#ifndef SIPSCOPE_PAYLOAD_H
#define SIPSCOPE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct sip_payload {
    uint64_t frame;         /* frame that completed this message */
    int64_t ts_us;          /* its capture time (HEP: the time HEP carries) */
    struct endpoint src, dst;
    enum transport transport;
    uint32_t site_id;       /* HEP capture-agent id, 0 when not from HEP */
    bool from_hep;          /* unwrapped from a HEP packet (decode_hep.c) */
    bool quoted;            /* quoted inside an ICMP/ICMPv6 error: the original
                             * datagram bounced (possibly truncated); src/dst are
                             * the quoted packet's, not the ICMP sender's */
    bool not_sip;           /* a UDP datagram that is neither SIP, HEP nor a tunnel,
                             * for the media stage (RTP/RTCP); emitted only when
                             * decode_set_media() asked for it, never parsed as SIP */
    const uint8_t *data;
    size_t len;
};

#endif
