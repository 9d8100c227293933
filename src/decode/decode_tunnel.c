/*
 * decode_tunnel.c — encapsulations that mirrored or carrier traffic arrives
 * in: GRE (RFC 2784/2890; version 1 enhanced GRE of PPTP, RFC 2637) carrying
 * IP, PPP, MPLS, transparent Ethernet bridging or ERSPAN type I/II/III
 * (port mirroring: draft-foschiano-erspan), GTP-U (3GPP TS 29.281) and VXLAN
 * (RFC 7348). Each nesting was entered through dctx_enter() by the caller,
 * so depth is bounded by caps->tunnel_depth.
 * Place in the flow: decode_ip / decode_l4 → here → decode_link / decode_ip.
 * Thread: the analysis thread that owns the decoder.
 */
#include "decode_int.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_A 0x0080    /* version 1: acknowledgment present */

#define GRE_PROTO_TEB 0x6558
#define GRE_PROTO_ERSPAN2 0x88be
#define GRE_PROTO_ERSPAN3 0x22eb
#define GRE_PROTO_PPP 0x880b

static void decode_erspan(struct dctx *x, uint16_t proto, bool have_seq, struct cursor c)
{
    uint8_t b;

    /* Type I (0x88BE without a GRE sequence number) has no ERSPAN header. */
    if (proto == GRE_PROTO_ERSPAN2 && !have_seq) {
        decode_ethernet(x, c);
        return;
    }
    if (!cursor_peek(&c, 0, &b)) {
        dctx_count(x, DC_ERSPAN_SHORT);
        return;
    }
    if (proto == GRE_PROTO_ERSPAN2) {
        if ((b >> 4) != 1) {
            dctx_count(x, DC_ERSPAN_BAD);
            return;
        }
        if (!cursor_skip(&c, 8)) {
            dctx_count(x, DC_ERSPAN_SHORT);
            return;
        }
    } else {
        uint8_t last;
        if ((b >> 4) != 2) {
            dctx_count(x, DC_ERSPAN_BAD);
            return;
        }
        /* 12-byte header; the O flag (lowest bit) adds an 8-byte subheader. */
        if (!cursor_peek(&c, 11, &last) || !cursor_skip(&c, 12) ||
            ((last & 1) && !cursor_skip(&c, 8))) {
            dctx_count(x, DC_ERSPAN_SHORT);
            return;
        }
    }
    decode_ethernet(x, c);
}

void decode_gre(struct dctx *x, struct cursor c)
{
    uint16_t flags, proto;
    unsigned ver;

    if (!cursor_be16(&c, &flags) || !cursor_be16(&c, &proto)) {
        dctx_count(x, DC_GRE_SHORT);
        return;
    }
    ver = flags & 7;
    if (ver > 1 || (flags & GRE_R) || (ver == 1 && (!(flags & GRE_K) || proto != GRE_PROTO_PPP))) {
        dctx_count(x, DC_GRE_BAD);
        return;
    }
    if (((flags & GRE_C) && !cursor_skip(&c, 4)) || ((flags & GRE_K) && !cursor_skip(&c, 4)) ||
        ((flags & GRE_S) && !cursor_skip(&c, 4)) ||
        (ver == 1 && (flags & GRE_A) && !cursor_skip(&c, 4))) {
        dctx_count(x, DC_GRE_SHORT);
        return;
    }
    switch (proto) {
    case GRE_PROTO_TEB:
        decode_ethernet(x, c);
        return;
    case GRE_PROTO_ERSPAN2:
    case GRE_PROTO_ERSPAN3:
        decode_erspan(x, proto, (flags & GRE_S) != 0, c);
        return;
    case GRE_PROTO_PPP:
        decode_ppp(x, c);
        return;
    case 0x0800:
    case 0x86dd:
    case 0x8847:
    case 0x8848:
    case 0x8100:
    case 0x88a8:
        decode_ethertype(x, proto, c);
        return;
    default:
        dctx_count(x, DC_GRE_OTHER);
        return;
    }
}

void decode_gtpu(struct dctx *x, struct cursor c)
{
    uint8_t fl, type, next;
    uint16_t len;
    struct cursor pdu;

    if (!cursor_u8(&c, &fl) || !cursor_u8(&c, &type) || !cursor_be16(&c, &len) ||
        !cursor_skip(&c, 4)) {
        dctx_count(x, DC_GTP_SHORT);
        return;
    }
    /* Version 1, protocol type GTP (not GTP'). */
    if ((fl >> 5) != 1 || !(fl & 0x10)) {
        dctx_count(x, DC_GTP_BAD);
        return;
    }
    /* The length counts everything after the 8 mandatory bytes. */
    if (!cursor_sub(&c, len, false, &pdu)) {
        dctx_count(x, DC_GTP_SHORT);
        return;
    }
    if (fl & 0x07) {    /* E, S or PN: sequence, N-PDU, next extension type */
        if (!cursor_skip(&pdu, 3) || !cursor_u8(&pdu, &next)) {
            dctx_count(x, DC_GTP_SHORT);
            return;
        }
        for (unsigned i = 0; (fl & 0x04) && next != 0; i++) {
            uint8_t elen;
            if (i >= 8 || !cursor_u8(&pdu, &elen) || elen == 0 ||
                !cursor_skip(&pdu, (size_t)elen * 4 - 2) || !cursor_u8(&pdu, &next)) {
                dctx_count(x, DC_GTP_BAD);
                return;
            }
        }
    }
    if (type != 255) {      /* only G-PDU carries user packets */
        dctx_count(x, DC_GTP_BAD);
        return;
    }
    decode_ip_any(x, pdu);
}

void decode_vxlan(struct dctx *x, struct cursor c)
{
    uint8_t fl;

    if (!cursor_u8(&c, &fl) || !cursor_skip(&c, 7)) {
        dctx_count(x, DC_VXLAN_SHORT);
        return;
    }
    if (!(fl & 0x08)) {     /* I flag: VNI valid */
        dctx_count(x, DC_VXLAN_SHORT);
        return;
    }
    decode_ethernet(x, c);
}
