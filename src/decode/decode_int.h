/*
 * decode_int.h — internal contract between the decode_*.c layers (not for
 * other modules: they use decode.h).
 *
 * Each layer is one function taking (ctx, cursor clipped to that layer's
 * bytes). A layer validates its header in a fixed order (minimum length,
 * version, header length, declared length), bumps one named counter and
 * returns when something is wrong, and otherwise hands the next layer a
 * sub-cursor clipped to the length it declares. Nesting (VLAN stacks,
 * IP-in-IP, GRE, GTP, HEP) goes through dctx_enter(), bounded by
 * caps->tunnel_depth, so hostile input cannot recurse without bound.
 *
 * Thread: the analysis thread that owns the decoder.
 */
#ifndef SIPSCOPE_DECODE_INT_H
#define SIPSCOPE_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "cursor.h"
#include "decode.h"
#include "stream/stream.h"

/* Every decode counter, by its reported name. */
#define DECODE_COUNTERS(X) \
    X(PACKETS,            "decode.packets") \
    X(PAYLOADS,           "decode.payloads") \
    X(OUT_FULL,           "decode.out_full") \
    X(LINK_UNSUPPORTED,   "decode.link.unsupported") \
    X(LINK_TRUNC,         "decode.link.truncated") \
    X(ETH_SHORT,          "decode.eth.short") \
    X(ETH_LLC,            "decode.eth.llc_ignored") \
    X(ETH_OTHER,          "decode.eth.other_ethertype") \
    X(VLAN_SHORT,         "decode.vlan.short") \
    X(VLAN_DEPTH,         "decode.vlan.too_deep") \
    X(MPLS_SHORT,         "decode.mpls.short") \
    X(SLL_SHORT,          "decode.sll.short") \
    X(SLL2_SHORT,         "decode.sll2.short") \
    X(NULL_SHORT,         "decode.null.short") \
    X(NULL_AF,            "decode.null.unknown_af") \
    X(PPP_SHORT,          "decode.ppp.short") \
    X(PPP_OTHER,          "decode.ppp.other_protocol") \
    X(PPPOE_SHORT,        "decode.pppoe.short") \
    X(PPPOE_BAD,          "decode.pppoe.bad_header") \
    X(IPV4_SHORT,         "decode.ipv4.short") \
    X(IPV4_VERSION,       "decode.ipv4.bad_version") \
    X(IPV4_HLEN_SHORT,    "decode.ipv4.hlen_short") \
    X(IPV4_TLEN_BAD,      "decode.ipv4.total_len_bad") \
    X(IPV4_TRUNC,         "decode.ipv4.truncated") \
    X(IPV4_FRAGS,         "decode.ipv4.fragments") \
    X(IPV6_SHORT,         "decode.ipv6.short") \
    X(IPV6_VERSION,       "decode.ipv6.bad_version") \
    X(IPV6_TRUNC,         "decode.ipv6.truncated") \
    X(IPV6_EXT_BAD,       "decode.ipv6.ext_bad") \
    X(IPV6_EXT_MANY,      "decode.ipv6.ext_too_many") \
    X(IPV6_FRAGS,         "decode.ipv6.fragments") \
    X(ICMP_QUOTED,        "decode.icmp.quoted_packets") \
    X(IP_PROTO_OTHER,     "decode.ip.other_protocol") \
    X(ESP,                "decode.ip.esp_encrypted") \
    X(TUNNEL_DEPTH,       "decode.tunnel.too_deep") \
    X(UDP_SHORT,          "decode.udp.short") \
    X(UDP_LEN_BAD,        "decode.udp.len_bad") \
    X(UDP_NOT_SIP,        "decode.udp.not_sip") \
    X(TCP_SHORT,          "decode.tcp.short") \
    X(TCP_HLEN_BAD,       "decode.tcp.hlen_bad") \
    X(HEP_PACKETS,        "decode.hep.packets") \
    X(HEP_BAD,            "decode.hep.malformed") \
    X(HEP_NOT_SIP,        "decode.hep.not_sip") \
    X(HEP_COMPRESSED,     "decode.hep.compressed_payload") \
    X(GRE_SHORT,          "decode.gre.short") \
    X(GRE_BAD,            "decode.gre.bad_header") \
    X(GRE_OTHER,          "decode.gre.other_protocol") \
    X(ERSPAN_SHORT,       "decode.erspan.short") \
    X(ERSPAN_BAD,         "decode.erspan.bad_version") \
    X(GTP_SHORT,          "decode.gtp.short") \
    X(GTP_BAD,            "decode.gtp.bad_header") \
    X(VXLAN_SHORT,        "decode.vxlan.short") \
    X(SCTP_SHORT,         "decode.sctp.short") \
    X(SCTP_CHUNK_BAD,     "decode.sctp.chunk_bad") \
    X(SCTP_FRAGMENTED,    "decode.sctp.fragments") \
    X(SCTP_REASSEMBLED,   "decode.sctp.reassembled") \
    X(SCTP_FRAG_LOST,     "decode.sctp.fragments_lost") \
    X(SCTP_FRAG_EVICTED,  "decode.sctp.reassembly_evicted") \
    X(SCTP_NOT_SIP,       "decode.sctp.not_sip") \
    X(WS_FRAMES,          "decode.ws.frames") \
    X(WS_BAD,             "decode.ws.bad_frame") \
    X(WS_FRAGMENTED,      "decode.ws.fragmented") \
    X(WS_CONTROL,         "decode.ws.control") \
    X(WS_NOT_SIP,         "decode.ws.not_sip")

enum decode_counter {
#define DECODE_ENUM(id, name) DC_##id,
    DECODE_COUNTERS(DECODE_ENUM)
#undef DECODE_ENUM
    DC_COUNT
};

struct decoder {
    struct caps caps;
    uint64_t ctr[DC_COUNT];
    struct reasm_ip *rip;
    struct reasm_tcp *rtcp;
    struct tls_table *tls;      /* TLS handshakes seen in TCP streams (stream/tls.c) */
    struct sctp_slot *sctp;     /* fragmented SCTP user messages (decode_sctp.c) */
    int64_t last_expire_us;
    bool emit_udp;              /* decode_set_media: hand on non-SIP UDP datagrams */
};

struct sctp_slot;
bool decode_sctp_init(struct decoder *d);
void decode_sctp_free(struct decoder *d);

/* State of one decode_packet call, handed down the layers. */
struct dctx {
    struct decoder *d;
    const struct packet *pkt;
    struct sip_payload *out;
    size_t max, n;
    unsigned depth;             /* encapsulations entered so far */
    struct endpoint src, dst;   /* innermost IP addresses (ports set by L4) */
    bool quoted;                /* inside an ICMP error: lengths are clipped, not
                                 * checked; no reassembly */
};

static inline void dctx_count(struct dctx *x, enum decode_counter c)
{
    x->d->ctr[c]++;
}

/* Enter one more encapsulation; false (and counted) past caps->tunnel_depth. */
static inline bool dctx_enter(struct dctx *x)
{
    if (x->depth >= x->d->caps.tunnel_depth) {
        dctx_count(x, DC_TUNNEL_DEPTH);
        return false;
    }
    x->depth++;
    return true;
}

/* Append one payload (if there is room) with the context's addressing;
 * returns it so HEP can replace the addressing, or NULL when out is full. */
struct sip_payload *decode_emit(struct dctx *x, const uint8_t *p, size_t n, enum transport t,
                                uint16_t sport, uint16_t dport);

/* Link layer by DLT_* (decode_link.c). */
void decode_link(struct dctx *x, int linktype, struct cursor c);

/* The layers (each file's entry points). */
void decode_ethernet(struct dctx *x, struct cursor c);
void decode_ethertype(struct dctx *x, uint16_t type, struct cursor c);
void decode_ppp(struct dctx *x, struct cursor c);
void decode_pppoe(struct dctx *x, struct cursor c);
void decode_ipv4(struct dctx *x, struct cursor c);
void decode_ipv6(struct dctx *x, struct cursor c);
/* IP payload by protocol number (after reassembly). */
void decode_ip_proto(struct dctx *x, uint8_t proto, struct cursor c);
void decode_udp(struct dctx *x, struct cursor c);
void decode_tcp(struct dctx *x, struct cursor c);
void decode_gre(struct dctx *x, struct cursor c);
void decode_gtpu(struct dctx *x, struct cursor c);
void decode_vxlan(struct dctx *x, struct cursor c);
void decode_mpls(struct dctx *x, struct cursor c);
/* IPv4 or IPv6 by the version nibble. */
void decode_ip_any(struct dctx *x, struct cursor c);
void decode_sctp(struct dctx *x, struct cursor c);
/* HEP: true when the datagram was HEP (handled, even if malformed). */
bool decode_hep(struct dctx *x, struct cursor c);

#endif
