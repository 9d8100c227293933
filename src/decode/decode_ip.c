/*
 * decode_ip.c — IPv4 (RFC 791, options skipped by IHL) and IPv6 (RFC 8200:
 * hop-by-hop, routing, fragment, destination options; AH per RFC 4302),
 * fragments handed to reasm_ip, and dispatch by protocol: UDP, TCP, SCTP,
 * GRE, IP-in-IP (RFC 2003), 6in4 / 4in6 (RFC 4213). ESP is counted (its
 * payload is encrypted).
 * Place in the flow: decode_link → here → reasm_ip → decode_l4.
 * Thread: the analysis thread that owns the decoder.
 *
 * Check order per header (as Suricata's decode-ipv4.c): minimum length,
 * version, header length, total length; then the payload goes on clipped to
 * the total length, which trims Ethernet padding.
 */
#include "decode_int.h"

#define IPV6_MAX_EXT 16     /* extension headers followed before giving up */

/* ICMP (RFC 792) and ICMPv6 (RFC 4443) errors quote the packet that
 * bounced; a quoted SIP request tells the user it was not delivered. The
 * quote is usually cut short, so its lengths are clipped, not enforced. */
static void decode_icmp(struct dctx *x, bool v6, struct cursor c)
{
    uint8_t type;

    if (!cursor_u8(&c, &type) || !cursor_skip(&c, 7))
        return;
    bool err = v6 ? (type >= 1 && type <= 4) : (type == 3 || type == 4 || type == 5 ||
                                                type == 11 || type == 12);
    if (!err || x->quoted || !dctx_enter(x))
        return;
    x->quoted = true;
    dctx_count(x, DC_ICMP_QUOTED);
    if (v6)
        decode_ipv6(x, c);
    else
        decode_ipv4(x, c);
}

void decode_ip_proto(struct dctx *x, uint8_t proto, struct cursor c)
{
    switch (proto) {
    case 1:
        decode_icmp(x, false, c);
        return;
    case 58:
        decode_icmp(x, true, c);
        return;
    case 17:
        decode_udp(x, c);
        return;
    case 6:
        decode_tcp(x, c);
        return;
    case 132:
        decode_sctp(x, c);
        return;
    case 4:
        if (dctx_enter(x))
            decode_ipv4(x, c);
        return;
    case 41:
        if (dctx_enter(x))
            decode_ipv6(x, c);
        return;
    case 47:
        if (dctx_enter(x))
            decode_gre(x, c);
        return;
    case 50:
        dctx_count(x, DC_ESP);
        return;
    default:
        dctx_count(x, DC_IP_PROTO_OTHER);
        return;
    }
}

/* Hand a fragment to reasm_ip; true with the whole payload when it
 * completes. The IPv4 key includes the protocol (RFC 791), IPv6 not
 * (RFC 8200: the next header of the offset-0 fragment counts). The output
 * slot is the nesting depth, so an inner datagram never overwrites an
 * outer one that is still being read. */
static bool reassemble(struct dctx *x, uint8_t family, uint32_t id, uint8_t proto,
                       uint32_t off, bool more, struct cursor frag, struct cursor *whole,
                       uint8_t *outproto)
{
    struct reasm_ip_key k;
    const uint8_t *out;
    size_t outlen;

    memset(&k, 0, sizeof(k));
    k.src = x->src.ip;
    k.dst = x->dst.ip;
    k.id = id;
    k.family = family;
    k.proto = family == 4 ? proto : 0;
    if (!reasm_ip_feed(x->d->rip, &k, off, more, proto, cursor_ptr(&frag), cursor_left(&frag),
                       x->pkt->ts_us, x->depth, &out, &outlen, outproto))
        return false;
    *whole = cursor_make(out, outlen);
    return true;
}

/* Declared length larger than what was captured: snaplen cut or a lie. */
static bool truncated_by_snaplen(const struct dctx *x)
{
    return x->pkt->caplen < x->pkt->len;
}

void decode_ipv4(struct dctx *x, struct cursor c)
{
    uint8_t vihl = 0, proto = 0;
    uint16_t tlen = 0, id = 0, frag = 0;
    uint8_t src[4], dst[4];
    size_t hlen;
    struct cursor ip, l4;

    if (!cursor_has(&c, 20)) {
        dctx_count(x, DC_IPV4_SHORT);
        return;
    }
    ip = c;
    cursor_u8(&ip, &vihl);
    if ((vihl >> 4) != 4) {
        dctx_count(x, DC_IPV4_VERSION);
        return;
    }
    hlen = (size_t)(vihl & 0x0f) * 4;
    if (hlen < 20) {
        dctx_count(x, DC_IPV4_HLEN_SHORT);
        return;
    }
    cursor_skip(&ip, 1);
    cursor_be16(&ip, &tlen);
    if (tlen < hlen) {
        dctx_count(x, DC_IPV4_TLEN_BAD);
        return;
    }
    if (!cursor_sub(&c, tlen, x->quoted, &ip)) {
        dctx_count(x, truncated_by_snaplen(x) ? DC_IPV4_TRUNC : DC_IPV4_TLEN_BAD);
        return;
    }
    /* ip now spans exactly the datagram; re-read the fixed header. */
    cursor_skip(&ip, 4);
    cursor_be16(&ip, &id);
    cursor_be16(&ip, &frag);
    cursor_skip(&ip, 1);
    cursor_u8(&ip, &proto);
    cursor_skip(&ip, 2);
    cursor_bytes(&ip, src, 4);
    cursor_bytes(&ip, dst, 4);
    if (!cursor_skip(&ip, hlen - 20)) {     /* options */
        dctx_count(x, DC_IPV4_HLEN_SHORT);
        return;
    }
    addr_from_v4(&x->src.ip, src);
    addr_from_v4(&x->dst.ip, dst);
    l4 = cursor_rest(&ip);

    if ((frag & 0x3fff) != 0 && x->quoted) {
        if ((frag & 0x1fff) == 0)
            decode_ip_proto(x, proto, l4);  /* quoted first fragment */
        return;
    }
    if ((frag & 0x3fff) != 0) {     /* MF set or offset non-zero */
        struct cursor whole;
        uint8_t outproto;

        dctx_count(x, DC_IPV4_FRAGS);
        if (reassemble(x, 4, id, proto, (uint32_t)(frag & 0x1fff) * 8, (frag & 0x2000) != 0,
                       l4, &whole, &outproto))
            decode_ip_proto(x, outproto, whole);
        return;
    }
    decode_ip_proto(x, proto, l4);
}

/* The extension header chain from nxt on (RFC 8200 §4). After reassembly
 * (reassembled = true) the chain continues in the rebuilt payload; a
 * second fragment header there is refused, so reassembly never nests. */
static void ipv6_chain(struct dctx *x, uint8_t nxt, struct cursor ip, bool reassembled)
{
    for (unsigned i = 0; i < IPV6_MAX_EXT; i++) {
        uint8_t next, len;
        switch (nxt) {
        case 0:     /* hop-by-hop */
        case 43:    /* routing */
        case 60:    /* destination options */
            if (!cursor_u8(&ip, &next) || !cursor_u8(&ip, &len) ||
                !cursor_skip(&ip, (size_t)len * 8 + 6)) {
                dctx_count(x, DC_IPV6_EXT_BAD);
                return;
            }
            nxt = next;
            continue;
        case 51:    /* AH: length in 4-octet units minus 2 */
            if (!cursor_u8(&ip, &next) || !cursor_u8(&ip, &len) ||
                !cursor_skip(&ip, (size_t)len * 4 + 6)) {
                dctx_count(x, DC_IPV6_EXT_BAD);
                return;
            }
            nxt = next;
            continue;
        case 44: {  /* fragment */
            uint8_t res;
            if (reassembled) {
                dctx_count(x, DC_IPV6_EXT_BAD);
                return;
            }
            uint16_t offm;
            uint32_t id;
            if (!cursor_u8(&ip, &next) || !cursor_u8(&ip, &res) || !cursor_be16(&ip, &offm) ||
                !cursor_be32(&ip, &id)) {
                dctx_count(x, DC_IPV6_EXT_BAD);
                return;
            }
            if ((offm & 0xfff9) == 0 || (x->quoted && (offm & 0xfff8) == 0)) {
                /* atomic fragment (RFC 6946), or a quoted first fragment */
                nxt = next;
                continue;
            }
            struct cursor whole;
            uint8_t outproto;

            dctx_count(x, DC_IPV6_FRAGS);
            if (reassemble(x, 6, id, next, offm & 0xfff8u, (offm & 1) != 0, ip, &whole,
                           &outproto))
                ipv6_chain(x, outproto, whole, true);
            return;
        }
        case 59:    /* no next header */
            return;
        default:
            decode_ip_proto(x, nxt, ip);
            return;
        }
    }
    dctx_count(x, DC_IPV6_EXT_MANY);
}

void decode_ipv6(struct dctx *x, struct cursor c)
{
    uint8_t v = 0, nxt = 0, hop = 0;
    uint16_t plen = 0;
    uint8_t src[16], dst[16];
    struct cursor ip;

    if (!cursor_has(&c, 40)) {
        dctx_count(x, DC_IPV6_SHORT);
        return;
    }
    cursor_peek(&c, 0, &v);
    if ((v >> 4) != 6) {
        dctx_count(x, DC_IPV6_VERSION);
        return;
    }
    cursor_skip(&c, 4);
    cursor_be16(&c, &plen);
    cursor_u8(&c, &nxt);
    cursor_u8(&c, &hop);
    cursor_bytes(&c, src, 16);
    cursor_bytes(&c, dst, 16);
    /* plen 0 means a jumbogram (RFC 2675): not SIP, not supported. */
    if (plen == 0 || !cursor_sub(&c, plen, x->quoted, &ip)) {
        dctx_count(x, plen != 0 && truncated_by_snaplen(x) ? DC_IPV6_TRUNC : DC_IPV6_EXT_BAD);
        return;
    }
    addr_from_v6(&x->src.ip, src);
    addr_from_v6(&x->dst.ip, dst);

    ipv6_chain(x, nxt, ip, false);
}
