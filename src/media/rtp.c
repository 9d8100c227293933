/*
 * rtp.c — RTP (RFC 3550 §5.1) and RTCP (§6.4, compound packets §6.1)
 * headers, RFC 4733 telephone events, and the receive statistics of
 * RFC 3550 A.1, A.3 and A.8 (see rtp.h).
 *
 * Place in the flow: media.c calls rtp_parse / rtcp_parse on UDP datagrams
 * that arrive on a port SDP announced, then rtp_stat_update on the stream
 * the packet belongs to. Thread: the analysis thread (no shared state).
 */
#include "rtp.h"

#include <math.h>
#include <string.h>

#define RTP_VERSION 2
/* RFC 3550 A.1: a jump of fewer than MAX_DROPOUT numbers ahead is loss,
 * within MAX_MISORDER behind is reordering or a duplicate. */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define RTP_PT_CN 13            /* RFC 3389 comfort noise */
#define RTP_PT_CN_OLD 19        /* its earlier, reserved number (RFC 3551 §6) */
#define RTP_TS_JUMP_MS 2000.0   /* |D| beyond this is a timeline restart */

enum rtp_verdict rtp_parse(struct cursor c, struct rtp_hdr *h)
{
    uint8_t b0 = 0, b1 = 0, pad = 0;
    uint16_t ext_len;
    size_t left;

    if (!cursor_has(&c, 12))
        return RTP_SHORT;
    cursor_u8(&c, &b0);
    cursor_u8(&c, &b1);
    if (b0 >> 6 != RTP_VERSION)
        return RTP_BAD_VERSION;
    /* RFC 5761 §4: RTCP packet types 192..223 are never RTP marker+PT values */
    if (b1 >= 192 && b1 <= 223)
        return RTP_IS_RTCP;
    cursor_be16(&c, &h->seq);
    cursor_be32(&c, &h->ts);
    cursor_be32(&c, &h->ssrc);
    h->marker = (b1 & 0x80) != 0;
    h->pt = b1 & 0x7f;
    h->cc = b0 & 0x0f;
    if (!cursor_skip(&c, (size_t)h->cc * 4))
        return RTP_BAD_CSRC;
    if (b0 & 0x10) {
        /* RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in words */
        if (!cursor_skip(&c, 2) || !cursor_be16(&c, &ext_len) ||
            !cursor_skip(&c, (size_t)ext_len * 4))
            return RTP_BAD_EXT;
    }
    left = cursor_left(&c);
    if (b0 & 0x20) {
        /* the last byte counts the padding, itself included */
        if (left == 0 || !cursor_peek(&c, left - 1, &pad) || pad == 0 || pad > left)
            return RTP_BAD_PADDING;
        left -= pad;
    }
    cursor_sub(&c, left, false, &h->payload);
    h->payload_len = left;
    return RTP_OK;
}

const char *rtp_verdict_name(enum rtp_verdict v)
{
    switch (v) {
    case RTP_OK: return "ok";
    case RTP_SHORT: return "short";
    case RTP_BAD_VERSION: return "bad_version";
    case RTP_BAD_CSRC: return "bad_csrc";
    case RTP_BAD_EXT: return "bad_extension";
    case RTP_BAD_PADDING: return "bad_padding";
    case RTP_IS_RTCP: return "rtcp";
    case RTP_VERDICT_COUNT: break;
    }
    return "?";
}

/* RTCP packet types (RFC 3550 §12.1) */
#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_BYE 203
#define RTCP_MAX_PACKETS 32     /* packets read out of one compound */

/* The first reception report block (RFC 3550 §6.4.1): SSRC, fraction and
 * cumulative lost, extended highest sequence, jitter, LSR, DLSR. */
static bool report_block(struct cursor *c, struct rtcp_info *out)
{
    uint32_t w;

    if (!cursor_skip(c, 4) || !cursor_be32(c, &w))
        return false;
    out->lost = w & 0x00ffffff;
    if (!cursor_skip(c, 4) || !cursor_be32(c, &out->jitter))
        return false;
    out->has_report = true;
    return true;
}

bool rtcp_parse(struct cursor c, struct rtcp_info *out)
{
    memset(out, 0, sizeof(*out));
    while (cursor_left(&c) > 0 && out->n_packets < RTCP_MAX_PACKETS) {
        uint8_t b0 = 0, pt = 0;
        uint16_t words;
        struct cursor pkt;
        uint32_t ssrc;

        if (!cursor_u8(&c, &b0) || !cursor_u8(&c, &pt) || !cursor_be16(&c, &words))
            return false;
        if (b0 >> 6 != RTP_VERSION)
            return false;
        /* §6.4.1: length in 32-bit words minus one; the header is one word */
        if (!cursor_sub(&c, (size_t)words * 4, false, &pkt))
            return false;
        /* §6.1: the first packet of a compound is SR or RR */
        if (out->n_packets == 0 && pt != RTCP_SR && pt != RTCP_RR)
            return false;
        out->n_packets++;
        switch (pt) {
        case RTCP_SR:
        case RTCP_RR:
            if (!cursor_be32(&pkt, &ssrc))
                return false;
            if (out->n_packets == 1)
                out->ssrc = ssrc;
            if (pt == RTCP_SR) {
                out->sr = true;
                if (!cursor_skip(&pkt, 20))     /* NTP (8), RTP ts, packets, octets */
                    return false;
            } else {
                out->rr = true;
            }
            if (out->n_packets == 1) {
                out->n_reports = b0 & 0x1f;
                if (out->n_reports > 0 && !report_block(&pkt, out))
                    return false;
            }
            break;
        case RTCP_SDES:
            out->sdes = true;
            break;
        case RTCP_BYE:
            out->bye = true;
            break;
        default:
            break;
        }
    }
    return out->n_packets > 0;
}

bool rtp_dtmf_parse(struct cursor payload, struct rtp_dtmf *out)
{
    uint8_t ev, flags;

    if (!cursor_u8(&payload, &ev) || !cursor_u8(&payload, &flags) ||
        !cursor_be16(&payload, &out->duration))
        return false;
    out->event = ev;
    out->end = (flags & 0x80) != 0;
    return true;
}

void rtp_stat_update(struct rtp_stat *s, const struct rtp_hdr *h, int64_t arrival_us,
                     uint32_t clock)
{
    if (s->received == 0) {
        s->base_seq = s->max_seq = h->seq;
        s->first_us = arrival_us;
    } else {
        uint16_t udelta = (uint16_t)(h->seq - s->max_seq);
        if (udelta != 0 && udelta < MAX_DROPOUT) {
            if (h->seq < s->max_seq)
                s->cycles++;
            s->max_seq = h->seq;
        } else if (udelta != 0 && udelta <= 65536 - MAX_MISORDER) {
            /* A very large jump (a restarted sender, a lost stretch, a
             * stray packet): as in A.1, believed only when the next packet
             * follows it; then the gap counts as loss. */
            if (s->have_bad_seq && h->seq == s->bad_seq) {
                if (h->seq < s->max_seq)
                    s->cycles++;
                s->max_seq = h->seq;
                s->have_bad_seq = false;
            } else {
                s->bad_seq = (uint16_t)(h->seq + 1);
                s->have_bad_seq = true;
                s->jumps++;
            }
        } else {
            s->reordered++;     /* a duplicate or a late packet */
        }
    }
    s->received++;
    if (arrival_us > s->last_us || s->received == 1)
        s->last_us = arrival_us;

    /* A.8: D(i-1,i) = (R_i - R_{i-1}) - (S_i - S_{i-1}), J += (|D| - J)/16,
     * kept in milliseconds. The RTP timestamp difference is signed
     * (modulo 2^32), so a wrap is a small step. */
    if (clock == 0)
        return;
    double arr_ms = (double)arrival_us / 1000.0;
    bool cn = h->pt == RTP_PT_CN || h->pt == RTP_PT_CN_OLD;
    if (s->have_prev) {
        double ts_ms = (double)(int32_t)(h->ts - s->last_ts) * 1000.0 / (double)clock;
        double d = (arr_ms - s->last_arrival_ms) - ts_ms;
        /* A jump of seconds between the timestamp and the arrival clocks is a
         * sender that restarted its timeline (same SSRC after a T.38 or hold
         * interlude), not jitter: resynchronise and count it. */
        if (fabs(d) > RTP_TS_JUMP_MS) {
            s->ts_jumps++;
            s->last_arrival_ms = arr_ms;
            s->last_ts = h->ts;
            s->last_cn = cn;
            return;
        }
        s->jitter_ms += (fabs(d) - s->jitter_ms) / 16.0;
        /* The maximum and mean leave out the packets where a gap is
         * expected rather than jitter: a marker (a new talkspurt), comfort
         * noise and the packet after it (RFC 3389 silence). The mean is
         * tshark's running one (weighted by the packets received before
         * this one), so the figures compare with `-z rtp,streams`. */
        if (!h->marker && !cn && !s->last_cn) {
            double n = (double)(s->received - 1);
            if (s->jitter_ms > s->jitter_max_ms)
                s->jitter_max_ms = s->jitter_ms;
            s->jitter_mean_ms = (s->jitter_mean_ms * (n - 1.0) + s->jitter_ms) / n;
        }
    }
    s->last_cn = cn;
    s->have_prev = true;
    s->last_arrival_ms = arr_ms;
    s->last_ts = h->ts;
}

int64_t rtp_stat_expected(const struct rtp_stat *s)
{
    if (s->received == 0)
        return 0;
    return (int64_t)s->cycles * 65536 + (int64_t)s->max_seq - (int64_t)s->base_seq + 1;
}

int64_t rtp_stat_lost(const struct rtp_stat *s)
{
    return rtp_stat_expected(s) - (int64_t)s->received;
}
