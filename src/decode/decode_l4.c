/*
 * decode_l4.c — UDP (RFC 768) and TCP (RFC 793) headers, and what their
 * payload is: SIP recognised by content on any port, HEP (by content),
 * GTP-U (UDP 2152) and VXLAN (UDP 4789) tunnels, TCP segments into
 * reasm_tcp, whose framed messages come back through tcp_msg(); TLS records
 * and FIN/RST go to the TLS tracker (stream/tls.c).
 * Place in the flow: decode_ip / reasm_ip → here → reasm_tcp | decode_hep |
 * decode_tunnel. Thread: the analysis thread that owns the decoder.
 */
#include "decode_int.h"

#define PORT_GTPU 2152
#define PORT_VXLAN 4789

void decode_udp(struct dctx *x, struct cursor c)
{
    uint16_t sport, dport, ulen;
    struct cursor pl;

    if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_be16(&c, &ulen) ||
        !cursor_skip(&c, 2)) {
        dctx_count(x, DC_UDP_SHORT);
        return;
    }
    /* The UDP length bounds the payload; it may not exceed the IP payload. */
    if (ulen < 8 || !cursor_sub(&c, (size_t)ulen - 8, x->quoted, &pl)) {
        dctx_count(x, DC_UDP_LEN_BAD);
        return;
    }
    const uint8_t *p = cursor_ptr(&pl);
    size_t n = cursor_left(&pl);

    if (frame_is_sip(p, n)) {
        decode_emit(x, p, n, TRANSPORT_UDP, sport, dport);
        return;
    }
    if (decode_hep(x, pl))
        return;
    if ((dport == PORT_GTPU || sport == PORT_GTPU) && dctx_enter(x)) {
        decode_gtpu(x, pl);
        return;
    }
    if (dport == PORT_VXLAN && dctx_enter(x)) {
        decode_vxlan(x, pl);
        return;
    }
    dctx_count(x, DC_UDP_NOT_SIP);
    /* RTP/RTCP candidates for the media stage; a quoted datagram is a
     * bounced copy, not media that flowed */
    if (x->d->emit_udp && !x->quoted) {
        struct sip_payload *o = decode_emit(x, p, n, TRANSPORT_UDP, sport, dport);
        if (o != NULL)
            o->not_sip = true;
    }
}

struct tcp_cb {
    struct dctx *x;
    const struct reasm_tcp_key *k;
    uint16_t sport, dport;
};

/* SIP (or SIP over WebSocket) that the TLS tracker decrypted (--tls-keylog). */
static void tls_msg(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    struct tcp_cb *cb = ud;

    if (k == FRAME_SIP)
        decode_emit(cb->x, p, n, TRANSPORT_TLS, cb->sport, cb->dport);
    else if (k == FRAME_WS && frame_is_sip(p, n))
        decode_emit(cb->x, p, n, TRANSPORT_WSS, cb->sport, cb->dport);
    else if (k == FRAME_WS)
        dctx_count(cb->x, DC_WS_NOT_SIP);
}

static void tcp_msg(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    struct tcp_cb *cb = ud;

    switch (k) {
    case FRAME_SIP:
        decode_emit(cb->x, p, n, TRANSPORT_TCP, cb->sport, cb->dport);
        return;
    case FRAME_WS:
        dctx_count(cb->x, DC_WS_FRAMES);
        if (frame_is_sip(p, n))
            decode_emit(cb->x, p, n, TRANSPORT_WS, cb->sport, cb->dport);
        else
            dctx_count(cb->x, DC_WS_NOT_SIP);
        return;
    case FRAME_HEP:
        if (!decode_hep(cb->x, cursor_make(p, n)))
            dctx_count(cb->x, DC_HEP_BAD);
        return;
    case FRAME_TLS:
        tls_record(cb->x->d->tls, cb->k, p, n, cb->x->pkt->frame, cb->x->pkt->ts_us, tls_msg, cb);
        return;
    }
}

void decode_tcp(struct dctx *x, struct cursor c)
{
    uint16_t sport = 0, dport = 0;
    uint32_t seq = 0;
    uint8_t off = 0, flags = 0;
    size_t hlen;
    struct reasm_tcp_key k;
    struct tcp_cb cb;

    if (!cursor_has(&c, 20)) {
        dctx_count(x, DC_TCP_SHORT);
        return;
    }
    cursor_be16(&c, &sport);
    cursor_be16(&c, &dport);
    cursor_be32(&c, &seq);
    cursor_skip(&c, 4);
    cursor_u8(&c, &off);
    cursor_u8(&c, &flags);
    cursor_skip(&c, 6);
    if (x->quoted)
        return;     /* a quoted segment is not part of the stream */
    hlen = (size_t)(off >> 4) * 4;
    if (hlen < 20 || !cursor_skip(&c, hlen - 20)) {
        dctx_count(x, DC_TCP_HLEN_BAD);
        return;
    }
    k.src = x->src.ip;
    k.dst = x->dst.ip;
    k.sport = sport;
    k.dport = dport;
    cb.x = x;
    cb.k = &k;
    cb.sport = sport;
    cb.dport = dport;
    reasm_tcp_feed(x->d->rtcp, &k, seq, flags & 0x07, cursor_ptr(&c), cursor_left(&c),
                   x->pkt->ts_us, tcp_msg, &cb);
    if (flags & (REASM_TCP_FIN | REASM_TCP_RST))
        tls_tcp_close(x->d->tls, &k, (flags & REASM_TCP_RST) != 0, x->pkt->frame, x->pkt->ts_us);
}
