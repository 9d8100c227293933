/*
 * fuzz_media.c — libFuzzer target for the media stage (src/media/): RTP and
 * RTCP parsing (rtp.c), RFC 4733 events, the RFC 3550 statistics and the
 * tracker (media.c) with its tables at tiny caps, so eviction runs too.
 *
 * The harness first offers a call: an INVITE whose SDP announces
 * 192.0.2.1:4000 (RTP, RTCP on 4001, telephone-event 101) and a 200 OK
 * announcing 198.51.100.2:5000 with a=rtcp-mux. Then the input is a sequence
 * of records:
 *     u8 sel, u8 dt_ms, u16 len (big endian), len bytes
 * sel & 3 picks the addressing: 0 caller -> callee's pair, 1 callee -> caller's
 * pair, 2 from a NAT address to the callee's pair, 3 unannounced ports (from
 * port 53 when sel >> 4 is 15; --rtp-heuristic is on for odd-sized inputs);
 * sel & 4 makes the bytes an SDP body of a re-INVITE from the callee instead of
 * a datagram; sel >> 4 varies the source port. dt_ms advances the packet clock.
 * sel & 12 == 12 is a control record instead (its bytes unused) whose dt is in
 * seconds, so calls end and retire (64*T1 after the BYE, ...): sel >> 4 picks
 * 0 the caller's BYE, 1 a 486 to the INVITE, 2 a 407, 3 a CANCEL, 4 the
 * caller's INVITE again with a new CSeq (the call comes back after its
 * retirement, or a retry), 5 a 200 OK answering it, else an OPTIONS (only the
 * clock moves).
 * After the records: media_snapshot and media_each_call read everything back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "media/media.h"
#include "media/rtp.h"
#include "sip.h"
#include "snapshot.h"

static const char INVITE[] =
    "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=a1\r\nTo: <sip:b@example.com>\r\nCall-ID: fz@x\r\n"
    "CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s";
static const char OK[] =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=a1\r\nTo: <sip:b@example.com>;tag=b1\r\nCall-ID: fz@x\r\n"
    "CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s";
static const char REINVITE_HEAD[] =
    "INVITE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.2;branch=z9hG4bK2\r\n"
    "From: <sip:b@example.com>;tag=b1\r\nTo: <sip:a@example.com>;tag=a1\r\nCall-ID: fz@x\r\n"
    "CSeq: 2 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n";
/* a control message: start line, From tag, To tag part, CSeq */
static const char CTRL[] =
    "%s\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%u\r\n"
    "From: <sip:a@example.com>;tag=a1\r\nTo: <sip:b@example.com>%s\r\nCall-ID: fz@x\r\n"
    "CSeq: %u %s\r\n%sContent-Length: %zu\r\n\r\n%s";
static const char SDP_A[] =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
static const char SDP_B[] =
    "v=0\r\no=- 1 1 IN IP4 198.51.100.2\r\ns=-\r\nc=IN IP4 198.51.100.2\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp-mux\r\n";

static void ep(struct endpoint *e, const char *ip, uint16_t port)
{
    addr_parse(ip, strlen(ip), &e->ip);
    e->port = port;
}

static void sip_in(struct sip_parser *sp, struct media *m, const uint8_t *b, size_t n,
                   bool from_callee, int64_t t)
{
    struct sip_payload pl;
    struct sip_msg msg;

    memset(&pl, 0, sizeof(pl));
    pl.frame = 1;
    pl.ts_us = t;
    ep(&pl.src, from_callee ? "198.51.100.2" : "192.0.2.1", 5060);
    ep(&pl.dst, from_callee ? "192.0.2.1" : "198.51.100.2", 5060);
    pl.transport = TRANSPORT_UDP;
    pl.data = b;
    pl.len = n;
    if (sip_parse(sp, &pl, &msg) == SIP_OK) {
        media_on_sip(m, &msg);
        (void)media_due_now(m, &msg);
    }
}

static void count(void *ud, const char *name, uint64_t v)
{
    (void)name;
    *(uint64_t *)ud += v;
}

static void each(void *ud, const struct media_verdict *v)
{
    *(uint64_t *)ud += v->packets_to[0] + v->packets_to[1] + (v->moved[0] ? 1 : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct snapshot snap;
    static bool snap_ok;
    struct caps caps;
    struct sip_parser *sp;
    struct media *m;
    char msg[2048];
    uint8_t *re = NULL;
    size_t off = 0;
    int64_t t = 1700000000000000LL;
    uint64_t sink = 0, frame = 2;

    if (size > 65536)
        return 0;
    if (!snap_ok) {
        if (snapshot_init(&snap, 1, 1, 1, 1, 1, 1) != 0)
            return 0;
        snap_ok = true;
    }
    fuzz_small_caps(&caps);
    caps.media_calls = 2;
    caps.media_streams = 4;
    sp = sip_parser_new(&caps);
    m = media_new(&caps);
    if (sp == NULL || m == NULL)
        goto out;
    /* --rtp-heuristic on for odd-sized inputs: unannounced ports get streams */
    media_set_heuristic(m, (size & 1) != 0);
    /* live judging of calls still up (media_due_now) for a quarter of them */
    media_set_live(m, (size & 3) == 3);
    snprintf(msg, sizeof(msg), INVITE, sizeof(SDP_A) - 1, SDP_A);
    sip_in(sp, m, (const uint8_t *)msg, strlen(msg), false, t);
    snprintf(msg, sizeof(msg), OK, sizeof(SDP_B) - 1, SDP_B);
    sip_in(sp, m, (const uint8_t *)msg, strlen(msg), true, t + 1000);

    while (off + 4 <= size) {
        uint8_t sel = data[off], dt = data[off + 1];
        size_t len = (size_t)data[off + 2] << 8 | data[off + 3];
        off += 4;
        if (len > size - off)
            len = size - off;
        if ((sel & 12) == 12) {
            static const char *const line[] = {
                "BYE sip:b@example.com SIP/2.0", "SIP/2.0 486 Busy Here",
                "SIP/2.0 407 Proxy Authentication Required", "CANCEL sip:b@example.com SIP/2.0",
                "INVITE sip:b@example.com SIP/2.0", "SIP/2.0 200 OK",
                "OPTIONS sip:b@example.com SIP/2.0" };
            unsigned k = sel >> 4 < 6 ? sel >> 4 : 6;
            bool sdp = k == 4 || k == 5;
            unsigned cseq = (unsigned)frame;
            t += (int64_t)dt * 1000000;
            snprintf(msg, sizeof(msg), CTRL, line[k], cseq, k == 1 || k == 2 || k == 5 ?
                     ";tag=b1" : "", k == 0 || k == 4 ? cseq : 1, k == 0 ? "BYE" : k == 3 ? "CANCEL" :
                     k == 6 ? "OPTIONS" : "INVITE", sdp ? "Content-Type: application/sdp\r\n" : "",
                     sdp ? (k == 4 ? sizeof(SDP_A) : sizeof(SDP_B)) - 1 : 0,
                     sdp ? (k == 4 ? SDP_A : SDP_B) : "");
            sip_in(sp, m, (const uint8_t *)msg, strlen(msg), k == 1 || k == 2 || k == 5, t);
            frame++;
            off += len;
            continue;
        }
        t += (int64_t)dt * 1000;
        if (sel & 4) {
            int hl = snprintf(msg, sizeof(msg), REINVITE_HEAD, len);
            free(re);
            re = malloc((size_t)hl + len + 1);
            if (re == NULL)
                break;
            memcpy(re, msg, (size_t)hl);
            memcpy(re + hl, data + off, len);
            sip_in(sp, m, re, (size_t)hl + len, true, t);
        } else {
            struct sip_payload pl;
            uint16_t sport = (uint16_t)(sel >> 4);
            memset(&pl, 0, sizeof(pl));
            pl.frame = frame++;
            pl.ts_us = t;
            pl.transport = TRANSPORT_UDP;
            pl.not_sip = true;
            switch (sel & 3) {
            case 0: ep(&pl.src, "192.0.2.1", 4000 + sport); ep(&pl.dst, "198.51.100.2", 5000); break;
            case 1: ep(&pl.src, "198.51.100.2", 5000); ep(&pl.dst, "192.0.2.1", 4000 + (sport & 1)); break;
            case 2: ep(&pl.src, "203.0.113.9", 61000 + sport); ep(&pl.dst, "198.51.100.2", 5000); break;
            default: ep(&pl.src, "192.0.2.77", sport == 15 ? 53 : 7000); ep(&pl.dst, "198.51.100.77", 7000 + sport); break;
            }
            /* an exact-size copy, so a read past the datagram is an ASan error */
            uint8_t *b = malloc(len ? len : 1);
            if (b == NULL)
                break;
            memcpy(b, data + off, len);
            pl.data = b;
            pl.len = len;
            sink += media_on_udp(m, &pl);
            {   /* the parsers on their own too */
                struct rtp_hdr h;
                struct rtcp_info ri;
                struct rtp_dtmf d;
                if (rtp_parse(cursor_make(b, len), &h) == RTP_OK)
                    sink += rtp_dtmf_parse(h.payload, &d);
                sink += rtcp_parse(cursor_make(b, len), &ri);
            }
            free(b);
        }
        off += len;
    }
    media_snapshot(m, &snap);
    for (size_t i = 0; i < snap.n_media; i++)
        if (memchr(snap.media[i].codec, '\0', sizeof(snap.media[i].codec)) == NULL ||
            snap.media[i].expected < 0)
            abort();
    if (snap.n_media > SNAP_MAX_MEDIA || snap.n_media_calls > SNAP_MAX_MEDIA_CALLS)
        abort();
    media_each_call(m, each, &sink);
    media_stats(m, count, &sink);
out:
    free(re);
    media_free(m);
    if (sp != NULL)
        sip_parser_free(sp);
    return (int)(sink & 0);
}
