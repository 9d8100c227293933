/*
 * decode_hep.c — HEP (Homer Encapsulation Protocol) v1, v2 and v3, as
 * captagent, heplify, Kamailio siptrace and FreeSWITCH send it: the inner
 * SIP with the addresses, ports, transport, time and capture-agent id the
 * HEP header carries. Recognised by content on any port ("HEP3" magic; for
 * v1/v2 the version byte, a plausible header and a SIP payload).
 * No inner length is trusted (sngrep #532): the HEP3 total length and every
 * chunk length are clipped to the bytes present; a chunk shorter than its
 * own header ends the parse.
 * Place in the flow: decode_l4 (UDP or HEP-over-TCP records) → here.
 * Thread: the analysis thread that owns the decoder.
 */
#include "decode_int.h"

#define HEP_MAX_CHUNKS 64

struct hep_info {
    struct endpoint src, dst;
    bool have_src, have_dst;
    uint8_t ipproto, ptype;
    uint32_t sec, usec, capid;
    bool have_ts, compressed;
    const uint8_t *pl;
    size_t pln;
};

static enum transport hep_transport(uint8_t ipproto)
{
    switch (ipproto) {
    case 6: return TRANSPORT_TCP;
    case 132: return TRANSPORT_SCTP;
    default: return TRANSPORT_UDP;
    }
}

static void hep_emit(struct dctx *x, const struct hep_info *h)
{
    struct sip_payload *o;

    if (h->pl == NULL || !frame_is_sip(h->pl, h->pln)) {
        dctx_count(x, DC_HEP_NOT_SIP);
        return;
    }
    o = decode_emit(x, h->pl, h->pln, hep_transport(h->ipproto), h->src.port, h->dst.port);
    if (o == NULL)
        return;
    if (h->have_src)
        o->src = h->src;
    if (h->have_dst)
        o->dst = h->dst;
    if (h->have_ts)
        o->ts_us = (int64_t)h->sec * 1000000 + (int64_t)(h->usec % 1000000);
    o->site_id = h->capid;
    o->from_hep = true;
}

static bool hep3(struct dctx *x, struct cursor c)
{
    uint16_t total;
    struct hep_info h;
    struct cursor body;

    memset(&h, 0, sizeof(h));
    h.ptype = 1;
    cursor_skip(&c, 4);
    if (!cursor_be16(&c, &total) || total < 6) {
        dctx_count(x, DC_HEP_BAD);
        return true;
    }
    cursor_sub(&c, (size_t)total - 6, true, &body);
    for (unsigned i = 0; i < HEP_MAX_CHUNKS && cursor_left(&body) > 0; i++) {
        uint16_t vendor, type, clen;
        struct cursor ch;
        if (!cursor_be16(&body, &vendor) || !cursor_be16(&body, &type) ||
            !cursor_be16(&body, &clen) || clen < 6 ||
            !cursor_sub(&body, (size_t)clen - 6, false, &ch)) {
            dctx_count(x, DC_HEP_BAD);
            break;      /* keep what the valid chunks gave */
        }
        if (vendor != 0)
            continue;
        size_t n = cursor_left(&ch);
        uint8_t v4[4], v6[16];
        switch (type) {
        case 2: cursor_u8(&ch, &h.ipproto); break;
        case 3: if (n == 4 && cursor_bytes(&ch, v4, 4)) { addr_from_v4(&h.src.ip, v4); h.have_src = true; } break;
        case 4: if (n == 4 && cursor_bytes(&ch, v4, 4)) { addr_from_v4(&h.dst.ip, v4); h.have_dst = true; } break;
        case 5: if (n == 16 && cursor_bytes(&ch, v6, 16)) { addr_from_v6(&h.src.ip, v6); h.have_src = true; } break;
        case 6: if (n == 16 && cursor_bytes(&ch, v6, 16)) { addr_from_v6(&h.dst.ip, v6); h.have_dst = true; } break;
        case 7: cursor_be16(&ch, &h.src.port); break;
        case 8: cursor_be16(&ch, &h.dst.port); break;
        case 9: if (cursor_be32(&ch, &h.sec)) h.have_ts = true; break;
        case 10: cursor_be32(&ch, &h.usec); break;
        case 11: cursor_u8(&ch, &h.ptype); break;
        case 12: cursor_be32(&ch, &h.capid); break;
        case 15: h.pl = cursor_ptr(&ch); h.pln = n; break;
        case 16: h.compressed = true; break;    /* zlib payload: not inflated */
        default: break;     /* auth key, correlation id, compressed payload... */
        }
    }
    if (h.pl == NULL && h.compressed) {
        dctx_count(x, DC_HEP_COMPRESSED);
        return true;
    }
    if (h.ptype != 1) {     /* 1 = SIP; others are RTCP, logs, QoS reports */
        dctx_count(x, DC_HEP_NOT_SIP);
        return true;
    }
    hep_emit(x, &h);
    return true;
}

/* HEPv1/v2: hep_hdr {version, length, family, proto, sport, dport}, the
 * addresses, and (v2) hep_timehdr {sec, usec, captid} in host (little
 * endian) order, as captagent writes it. */
static bool hep12(struct dctx *x, struct cursor c)
{
    uint8_t ver, hlen, fam, proto;
    struct hep_info h;
    struct cursor hdr = c;
    size_t alen;

    memset(&h, 0, sizeof(h));
    if (!cursor_u8(&hdr, &ver) || !cursor_u8(&hdr, &hlen) || !cursor_u8(&hdr, &fam) ||
        !cursor_u8(&hdr, &proto) || !cursor_be16(&hdr, &h.src.port) ||
        !cursor_be16(&hdr, &h.dst.port))
        return false;
    if (fam == 2)
        alen = 4;
    else if (fam == 10 || fam == 28 || fam == 30)
        alen = 16;
    else
        return false;
    /* The payload follows the header, the addresses and (v2) the 12-byte
     * time header (two 32-bit times, a 16-bit capture id, padding), as
     * Kamailio's own receiver (sipcapture hepv2_received) reads it:
     * Kamailio's siptrace sets the length byte to the first two parts only,
     * other agents to all three; take whichever reaches further. */
    size_t fixed = 8 + 2 * alen + (ver == 2 ? 12 : 0);
    size_t off = hlen > fixed ? hlen : fixed;
    if (hlen < 8 + 2 * alen || !cursor_has(&c, off))
        return false;
    uint8_t a[16] = { 0 };
    cursor_bytes(&hdr, a, alen);
    if (alen == 4) addr_from_v4(&h.src.ip, a); else addr_from_v6(&h.src.ip, a);
    cursor_bytes(&hdr, a, alen);
    if (alen == 4) addr_from_v4(&h.dst.ip, a); else addr_from_v6(&h.dst.ip, a);
    h.have_src = h.have_dst = true;
    if (ver == 2) {
        uint16_t capid = 0;
        cursor_le32(&hdr, &h.sec);
        cursor_le32(&hdr, &h.usec);
        cursor_le16(&hdr, &capid);
        h.capid = capid;
        h.have_ts = true;
    }
    h.ipproto = proto;
    cursor_skip(&c, off);
    h.pl = cursor_ptr(&c);
    h.pln = cursor_left(&c);
    /* The version byte alone is weak evidence: require SIP inside. */
    if (!frame_is_sip(h.pl, h.pln))
        return false;
    hep_emit(x, &h);
    return true;
}

bool decode_hep(struct dctx *x, struct cursor c)
{
    uint8_t b0;

    if (!cursor_peek(&c, 0, &b0))
        return false;
    /* The depth bounds nesting, not how many HEP records one TCP segment
     * carries side by side: each record leaves it as it found it. */
    if (cursor_has(&c, 4) && memcmp(cursor_ptr(&c), "HEP3", 4) == 0) {
        unsigned depth = x->depth;
        bool r;
        dctx_count(x, DC_HEP_PACKETS);
        if (!dctx_enter(x))
            return true;
        r = hep3(x, c);
        x->depth = depth;
        return r;
    }
    if (b0 == 1 || b0 == 2) {
        if (x->depth >= x->d->caps.tunnel_depth)
            return false;
        if (hep12(x, c)) {
            dctx_count(x, DC_HEP_PACKETS);
            return true;
        }
    }
    return false;
}
