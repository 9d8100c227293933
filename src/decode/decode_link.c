/*
 * decode_link.c — link layers: Ethernet II with 802.1Q / 802.1ad (QinQ)
 * tags, MPLS label stacks, Linux cooked SLL and SLL2, BSD NULL/LOOP, raw IP,
 * PPP (RFC 1661/1662) and PPPoE sessions (RFC 2516).
 * Place in the flow: decode_packet → here → decode_ip.
 * Thread: the analysis thread that owns the decoder.
 *
 * Every layer checks its minimum length first and hands on the rest as a
 * cursor; only IP trims Ethernet padding (by its total length).
 */
#include "decode_int.h"

#define VLAN_MAX_TAGS 8     /* QinQ is 2; 8 is generous and still bounded */
#define MPLS_MAX_LABELS 8

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD1 0x9100
#define ETH_QINQ_OLD2 0x9200
#define ETH_PPPOE_SESS 0x8864
#define ETH_MPLS_UC 0x8847
#define ETH_MPLS_MC 0x8848

/* IP by its version nibble (raw IP, MPLS payloads, GTP-U). */
void decode_ip_any(struct dctx *x, struct cursor c)
{
    uint8_t v;

    if (!cursor_peek(&c, 0, &v)) {
        dctx_count(x, DC_LINK_TRUNC);
        return;
    }
    if ((v >> 4) == 4)
        decode_ipv4(x, c);
    else if ((v >> 4) == 6)
        decode_ipv6(x, c);
    else
        dctx_count(x, DC_IPV4_VERSION);
}

void decode_ethertype(struct dctx *x, uint16_t type, struct cursor c)
{
    for (unsigned tags = 0;; tags++) {
        switch (type) {
        case ETH_IPV4:
            decode_ipv4(x, c);
            return;
        case ETH_IPV6:
            decode_ipv6(x, c);
            return;
        case ETH_PPPOE_SESS:
            decode_pppoe(x, c);
            return;
        case ETH_MPLS_UC:
        case ETH_MPLS_MC:
            decode_mpls(x, c);
            return;
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2:
            if (tags >= VLAN_MAX_TAGS) {
                dctx_count(x, DC_VLAN_DEPTH);
                return;
            }
            /* TCI (2 bytes) then the next ethertype. */
            if (!cursor_skip(&c, 2) || !cursor_be16(&c, &type)) {
                dctx_count(x, DC_VLAN_SHORT);
                return;
            }
            continue;
        default:
            if (type <= 1500)
                dctx_count(x, DC_ETH_LLC);      /* 802.3 length: LLC/SNAP, STP... */
            else
                dctx_count(x, DC_ETH_OTHER);    /* ARP, LLDP, ... */
            return;
        }
    }
}

void decode_ethernet(struct dctx *x, struct cursor c)
{
    uint16_t type;

    if (!cursor_skip(&c, 12) || !cursor_be16(&c, &type)) {
        dctx_count(x, DC_ETH_SHORT);
        return;
    }
    decode_ethertype(x, type, c);
}

void decode_mpls(struct dctx *x, struct cursor c)
{
    for (unsigned i = 0; i < MPLS_MAX_LABELS; i++) {
        uint32_t lse;
        if (!cursor_be32(&c, &lse)) {
            dctx_count(x, DC_MPLS_SHORT);
            return;
        }
        if (lse & 0x100) {      /* bottom of stack */
            uint8_t v;
            if (!cursor_peek(&c, 0, &v)) {
                dctx_count(x, DC_MPLS_SHORT);
                return;
            }
            if ((v >> 4) == 4 || (v >> 4) == 6)
                decode_ip_any(x, c);
            else if (v == 0 && cursor_skip(&c, 4) && dctx_enter(x))
                decode_ethernet(x, c);  /* pseudowire control word + Ethernet */
            else
                dctx_count(x, DC_ETH_OTHER);
            return;
        }
    }
    dctx_count(x, DC_MPLS_SHORT);
}

void decode_ppp(struct dctx *x, struct cursor c)
{
    uint8_t a, b;
    uint16_t proto;

    /* HDLC-like framing (RFC 1662) adds FF 03; protocol-field compression
     * makes the protocol one byte when its low bit is set (RFC 1661 §6.5). */
    if (cursor_peek(&c, 0, &a) && cursor_peek(&c, 1, &b) && a == 0xff && b == 0x03)
        cursor_skip(&c, 2);
    if (!cursor_u8(&c, &a)) {
        dctx_count(x, DC_PPP_SHORT);
        return;
    }
    if (a & 1) {
        proto = a;
    } else {
        if (!cursor_u8(&c, &b)) {
            dctx_count(x, DC_PPP_SHORT);
            return;
        }
        proto = (uint16_t)((a << 8) | b);
    }
    if (proto == 0x0021)
        decode_ipv4(x, c);
    else if (proto == 0x0057)
        decode_ipv6(x, c);
    else
        dctx_count(x, DC_PPP_OTHER);    /* LCP, IPCP, CHAP, compressed... */
}

void decode_pppoe(struct dctx *x, struct cursor c)
{
    uint8_t vt, code;
    uint16_t sess, len;
    struct cursor in;

    if (!cursor_u8(&c, &vt) || !cursor_u8(&c, &code) || !cursor_be16(&c, &sess) ||
        !cursor_be16(&c, &len)) {
        dctx_count(x, DC_PPPOE_SHORT);
        return;
    }
    if (vt != 0x11 || code != 0) {
        dctx_count(x, DC_PPPOE_BAD);
        return;
    }
    /* The PPPoE length covers the PPP frame; Ethernet padding follows. */
    if (!cursor_sub(&c, len, false, &in)) {
        dctx_count(x, DC_PPPOE_SHORT);
        return;
    }
    decode_ppp(x, in);
}

/* BSD loopback: the AF value is in the capturing host's byte order (NULL)
 * or network order (LOOP); accept both. AF_INET6 is 24, 28 or 30. */
static void decode_null(struct dctx *x, struct cursor c)
{
    struct cursor le = c;
    uint32_t af_be, af_le;

    if (!cursor_be32(&c, &af_be) || !cursor_le32(&le, &af_le)) {
        dctx_count(x, DC_NULL_SHORT);
        return;
    }
    if (af_be == 2 || af_le == 2)
        decode_ipv4(x, c);
    else if (af_be == 24 || af_be == 28 || af_be == 30 || af_le == 24 || af_le == 28 ||
             af_le == 30 || af_be == 10 || af_le == 10)
        decode_ipv6(x, c);
    else
        dctx_count(x, DC_NULL_AF);
}

void decode_link(struct dctx *x, int linktype, struct cursor c)
{
    uint16_t proto;

    switch (linktype) {
    case 1:
        decode_ethernet(x, c);
        return;
    case 113:   /* SLL: type, ARPHRD, addr len, addr[8], protocol */
        if (!cursor_skip(&c, 14) || !cursor_be16(&c, &proto)) {
            dctx_count(x, DC_SLL_SHORT);
            return;
        }
        decode_ethertype(x, proto, c);
        return;
    case 276:   /* SLL2: protocol, reserved, ifindex, ARPHRD, type, alen, addr[8] */
        if (!cursor_be16(&c, &proto) || !cursor_skip(&c, 18)) {
            dctx_count(x, DC_SLL2_SHORT);
            return;
        }
        decode_ethertype(x, proto, c);
        return;
    case 0:
    case 108:
        decode_null(x, c);
        return;
    case 12:
    case 14:
    case 101:
        decode_ip_any(x, c);
        return;
    case 228:
        decode_ipv4(x, c);
        return;
    case 229:
        decode_ipv6(x, c);
        return;
    case 9:
    case 50:
        decode_ppp(x, c);
        return;
    default:
        dctx_count(x, DC_LINK_UNSUPPORTED);
        return;
    }
}
