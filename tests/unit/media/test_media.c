/*
 * test_media.c — the media tracker (src/media/media.c) on SIP messages
 * parsed by the real parser and RTP datagrams built by hand: offer/answer
 * association both ways (destination announced, symmetric source), the
 * call verdicts a user reads (two-way, one-way, no media, not answered),
 * media arriving from another address than SDP (NAT), a T.38 re-INVITE
 * taking the port away from RTP, unannounced RTP only counted, and the
 * caps: calls and streams evicted and counted, never grown; calls retired
 * once SIP is done with them (BYE, a failed INVITE, one never answered),
 * so a cap smaller than the calls over time evicts nothing.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "media/media.h"
#include "sip.h"
#include "snapshot.h"

struct fx {
    struct caps caps;
    struct sip_parser *sp;
    struct media *m;
    struct snapshot snap;
    uint64_t frame;
    int64_t t0;             /* added to the SIP messages' times (frame ms) */
};

static void ep(struct endpoint *e, const char *ip, uint16_t port)
{
    assert_true(addr_parse(ip, strlen(ip), &e->ip));
    e->port = port;
}

static void sip(struct fx *f, const char *src, const char *dst, const char *start,
                const char *call, const char *from_tag, const char *to_tag, const char *cseq,
                const char *sdp_ip, int sdp_port, const char *mline_extra)
{
    char body[512] = "", msg[2048];
    struct sip_payload pl;
    struct sip_msg m;
    int bl = 0;

    if (sdp_ip != NULL)
        bl = snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
                      "t=0 0\r\n%s\r\n", sdp_ip, sdp_ip,
                      mline_extra ? mline_extra : "");
    if (sdp_ip != NULL && sdp_port >= 0 && mline_extra == NULL)
        bl = snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
                      "t=0 0\r\nm=audio %d RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
                      sdp_ip, sdp_ip, sdp_port);
    snprintf(msg, sizeof(msg), "%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s%s\r\n"
             "From: <sip:a@example.com>;tag=%s\r\nTo: <sip:b@example.com>%s%s\r\n"
             "Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: %d\r\n\r\n%s",
             start, src, call, cseq, from_tag, to_tag ? ";tag=" : "", to_tag ? to_tag : "",
             call, cseq, bl ? "Content-Type: application/sdp\r\n" : "", bl, body);
    memset(&pl, 0, sizeof(pl));
    pl.frame = ++f->frame;
    pl.ts_us = f->t0 + (int64_t)f->frame * 1000;
    ep(&pl.src, src, 5060);
    ep(&pl.dst, dst, 5060);
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)msg;
    pl.len = strlen(msg);
    assert_int_equal(sip_parse(f->sp, &pl, &m), SIP_OK);
    media_on_sip(f->m, &m);
}

static bool rtp(struct fx *f, const char *sip_, uint16_t sp, const char *dip, uint16_t dp,
                uint32_t ssrc, uint16_t seq, uint8_t pt, int64_t t_us)
{
    uint8_t b[12 + 160];
    struct sip_payload pl;

    memset(b, 0xd5, sizeof(b));
    b[0] = 0x80;
    b[1] = pt;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[4] = b[5] = 0;
    b[6] = (uint8_t)((seq * 160) >> 8);
    b[7] = (uint8_t)(seq * 160);
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    memset(&pl, 0, sizeof(pl));
    pl.frame = ++f->frame;
    pl.ts_us = t_us;
    ep(&pl.src, sip_, sp);
    ep(&pl.dst, dip, dp);
    pl.transport = TRANSPORT_UDP;
    pl.not_sip = true;
    pl.data = b;
    pl.len = sizeof(b);
    return media_on_udp(f->m, &pl);
}

static int setup(void **st)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    caps_default(&f->caps);
    f->caps.media_calls = 4;
    f->caps.media_streams = 6;
    f->sp = sip_parser_new(&f->caps);
    f->m = media_new(&f->caps);
    assert_non_null(f->sp);
    assert_non_null(f->m);
    assert_int_equal(snapshot_init(&f->snap, 4, 4, 4, 4, 1024, 128), 0);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    struct fx *f = *st;
    snapshot_free(&f->snap);
    media_free(f->m);
    sip_parser_free(f->sp);
    free(f);
    return 0;
}

static const struct snap_media_call *call_of(struct fx *f, const char *id)
{
    media_snapshot(f->m, &f->snap);
    for (size_t i = 0; i < f->snap.n_media_calls; i++)
        if (strcmp(f->snap.media_calls[i].call_id, id) == 0)
            return &f->snap.media_calls[i];
    return NULL;
}

static const char *want_name;
static uint64_t want_value;

static void stat_cb(void *ud, const char *name, uint64_t v)
{
    (void)ud;
    if (strcmp(name, want_name) == 0)
        want_value = v;
}

static uint64_t counter(struct fx *f, const char *name)
{
    want_name = name;
    want_value = UINT64_MAX;
    media_stats(f->m, stat_cb, NULL);
    assert_true(want_value != UINT64_MAX);
    return want_value;
}

/* INVITE with SDP from the caller, 200 with SDP from the callee */
static void call(struct fx *f, const char *id, const char *caller, int cport, const char *callee,
                 int eport, bool answer)
{
    sip(f, caller, callee, "INVITE sip:b@example.com SIP/2.0", id, "t1", NULL, "1 INVITE",
        caller, cport, NULL);
    sip(f, callee, caller, "SIP/2.0 180 Ringing", id, "t1", "t2", "1 INVITE", NULL, -1, NULL);
    if (answer)
        sip(f, callee, caller, "SIP/2.0 200 OK", id, "t1", "t2", "1 INVITE", callee, eport, NULL);
}

static void test_two_way_and_symmetric(void **st)
{
    struct fx *f = *st;
    const struct snap_media_call *c;

    call(f, "c1", "192.0.2.10", 4000, "198.51.100.20", 5000, true);
    /* caller -> callee on the port the callee announced */
    for (uint16_t q = 1; q <= 10; q++)
        assert_true(rtp(f, "192.0.2.10", 4000, "198.51.100.20", 5000, 0xaaaa, q, 0,
                        100000 + q * 20000));
    /* callee -> caller: to the caller's announced pair */
    for (uint16_t q = 1; q <= 8; q++)
        assert_true(rtp(f, "198.51.100.20", 5000, "192.0.2.10", 4000, 0xbbbb, q, 0,
                        100000 + q * 20000));
    c = call_of(f, "c1");
    assert_non_null(c);
    assert_string_equal(c->verdict, "two-way");
    assert_int_equal(c->packets_to[1], 10);
    assert_int_equal(c->packets_to[0], 8);
    assert_int_equal(c->n_streams, 2);
    assert_string_equal(c->note, "");
    assert_int_equal(f->snap.n_media, 2);
    /* most recent stream first: the callee's */
    assert_string_equal(f->snap.media[0].direction, "callee->caller");
    assert_string_equal(f->snap.media[0].codec, "PCMU");
    assert_int_equal(f->snap.media[1].packets, 10);
    assert_int_equal(f->snap.media[1].lost, 0);
}

static void test_one_way_and_nat(void **st)
{
    struct fx *f = *st;
    const struct snap_media_call *c;

    /* the caller announces a private address; its media reaches the callee
     * from the NAT's public address and another port */
    call(f, "c2", "192.168.1.2", 30000, "198.51.100.20", 5002, true);
    for (uint16_t q = 1; q <= 20; q += (q == 5 ? 2 : 1))   /* seq 6 lost */
        assert_true(rtp(f, "203.0.113.9", 61000, "198.51.100.20", 5002, 0xcccc, q, 0,
                        q * 20000));
    /* the callee sends to the private address: nothing is captured back */
    c = call_of(f, "c2");
    assert_string_equal(c->verdict, "one-way");
    assert_int_equal(c->packets_to[1], 19);
    assert_int_equal(c->packets_to[0], 0);
    assert_non_null(strstr(c->note, "caller media comes from 203.0.113.9:61000"));
    assert_int_equal(f->snap.media[0].lost, 1);
    assert_int_equal(f->snap.media[0].expected, 20);
}

static void test_no_media_not_answered(void **st)
{
    struct fx *f = *st;

    call(f, "c3", "192.0.2.30", 4100, "198.51.100.30", 5100, true);
    call(f, "c4", "192.0.2.31", 4102, "198.51.100.31", 5102, false);
    assert_string_equal(call_of(f, "c3")->verdict, "no media");
    assert_string_equal(call_of(f, "c4")->verdict, "not answered");
    /* a 2xx of a dialog without SDP is not a call */
    sip(f, "192.0.2.40", "198.51.100.40", "SIP/2.0 200 OK", "reg", "r1", "r2", "5 REGISTER",
        NULL, -1, NULL);
    assert_null(call_of(f, "reg"));
}

static void test_unannounced_and_t38(void **st)
{
    struct fx *f = *st;

    assert_false(rtp(f, "192.0.2.50", 7000, "198.51.100.50", 7002, 1, 1, 0, 1000));
    assert_int_equal(counter(f, "media.udp.unannounced"), 1);
    assert_int_equal(counter(f, "media.udp.rtp_unannounced"), 1);
    call(f, "fax", "192.0.2.60", 6000, "198.51.100.60", 6002, true);
    assert_true(rtp(f, "192.0.2.60", 6000, "198.51.100.60", 6002, 7, 1, 0, 1000));
    /* re-INVITE from the callee to T.38 on the same pair */
    sip(f, "198.51.100.60", "192.0.2.60", "INVITE sip:a@example.com SIP/2.0", "fax", "t2", "t1",
        "2 INVITE", "198.51.100.60", -1, "m=image 6002 udptl t38");
    assert_false(rtp(f, "192.0.2.60", 6000, "198.51.100.60", 6002, 7, 2, 0, 2000));
    assert_int_equal(counter(f, "media.udp.non_rtp_media"), 1);
}

/* A B2BUA: leg A (phone 192.0.2.80 <-> B2BUA) and leg B (B2BUA <-> phone
 * 198.51.100.80) both re-INVITE to the phones' direct path. The media is
 * both legs': neither is judged silent. */
static void test_b2bua_legs_share_media(void **st)
{
    struct fx *f = *st;

    call(f, "legA", "192.0.2.80", 4000, "203.0.113.1", 20000, true);
    call(f, "legB", "203.0.113.1", 20002, "198.51.100.80", 5000, true);
    /* direct media: leg A's far end becomes phone B, leg B's becomes phone A */
    sip(f, "203.0.113.1", "192.0.2.80", "INVITE sip:a@example.com SIP/2.0", "legA", "t2", "t1",
        "2 INVITE", "198.51.100.80", 5000, NULL);
    sip(f, "203.0.113.1", "198.51.100.80", "INVITE sip:b@example.com SIP/2.0", "legB", "t1", "t2",
        "2 INVITE", "192.0.2.80", 4000, NULL);
    for (uint16_t q = 1; q <= 5; q++) {
        assert_true(rtp(f, "192.0.2.80", 4000, "198.51.100.80", 5000, 0xa, q, 0, q * 20000));
        assert_true(rtp(f, "198.51.100.80", 5000, "192.0.2.80", 4000, 0xb, q, 0, q * 20000));
    }
    assert_string_equal(call_of(f, "legA")->verdict, "two-way");
    assert_string_equal(call_of(f, "legB")->verdict, "two-way");
    assert_int_equal(f->snap.n_media, 2);       /* the streams are counted once */
    assert_int_equal(f->snap.media[0].packets + f->snap.media[1].packets, 10);
}

#define SEC 1000000LL

static void test_caps_evict_and_count(void **st)
{
    struct fx *f = *st;
    char id[16];

    /* 4 calls fit; 6 more evict the oldest, counted */
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof(id), "cap%d", i);
        call(f, id, "192.0.2.70", (int)(8000 + 4 * i), "198.51.100.70", (int)(9000 + 4 * i), true);
        assert_true(rtp(f, "192.0.2.70", (uint16_t)(8000 + 4 * i), "198.51.100.70",
                        (uint16_t)(9000 + 4 * i), (uint32_t)i, 1, 0, 1000));
    }
    assert_int_equal(counter(f, "media.calls.evicted"), 6);
    assert_int_equal(counter(f, "media.streams.evicted"), 4);
    assert_true(counter(f, "media.streams") <= 6);
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media, 6);
    assert_int_equal(f->snap.media_not_shown, 4);       /* evicted ones are said */
    assert_int_equal(f->snap.media_calls_not_shown, 6);
    assert_true(media_evictions(f->m) >= 10);
    assert_int_equal(counter(f, "media.calls.refused"), 0);     /* its strings fit */
    /* a stream outlives its evicted call and still names it (it holds a
     * reference to the interned Call-ID, whose slot the call gave back) */
    for (size_t i = 0; i < f->snap.n_media; i++) {
        snprintf(id, sizeof(id), "cap%u", (unsigned)f->snap.media[i].ssrc);
        assert_string_equal(f->snap.media[i].call_id, id);
    }
}

/* The compact call record (media.c struct mcall): codec names and clocks
 * from each side's interned format list, m= lines at a second c= address,
 * frames as deltas from the call's first, reading back as 0 (unknown)
 * past their range, never as another frame. */
static void test_compact_records(void **st)
{
    struct fx *f = *st;
    struct media_verdict v;
    struct span cid = { "cr", 2 };
    static const char offer[] =
        "m=audio 4100 RTP/AVP 96 101\r\na=rtpmap:96 opus/48000/2\r\n"
        "a=rtpmap:101 telephone-event/48000\r\n"
        "m=video 4102 RTP/AVP 97\r\nc=IN IP4 192.0.2.99\r\na=rtpmap:97 H264/90000";
    static const char answer[] =
        "m=audio 5100 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
        "m=video 5102 RTP/AVP 97\r\na=rtpmap:97 H264/90000";
    const char *want[2] = { "opus", "H264" };     /* latest first seen first */

    f->frame = 1000;
    sip(f, "192.0.2.80", "198.51.100.80", "INVITE sip:b@example.com SIP/2.0", "cr", "t1", NULL,
        "1 INVITE", "192.0.2.80", 0, offer);
    sip(f, "198.51.100.80", "192.0.2.80", "SIP/2.0 200 OK", "cr", "t1", "t2", "1 INVITE",
        "198.51.100.80", 0, answer);
    /* video from the caller's second address, audio to the caller */
    assert_true(rtp(f, "192.0.2.99", 4102, "198.51.100.80", 5102, 0x77, 1, 97, 1 * SEC));
    f->frame += (uint64_t)1 << 32;      /* past the frame deltas' range */
    assert_true(rtp(f, "198.51.100.80", 5100, "192.0.2.80", 4100, 0x78, 1, 96, 2 * SEC));
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(f->snap.media[i].call_id, "cr");
        assert_string_equal(f->snap.media[i].codec, want[i]);
    }
    assert_true(media_call(f->m, cid, &v));
    assert_int_equal(v.state, MEDIA_TWO_WAY);
    assert_int_equal(v.sdp_frame[0], 1001);
    assert_int_equal(v.sdp_frame[1], 1002);
    assert_int_equal(v.answer_frame, 1002);
    assert_int_equal(v.first_frame_to[1], 1003);
    assert_int_equal(v.first_frame_to[0], 0);       /* unknown, not wrong */
    assert_int_equal(v.packets_to[0], 1);
    assert_int_equal(v.sdp_ep[0].port, 4100);
    assert_false(v.moved[0]);       /* 192.0.2.99:4102 is the caller's video line */
    assert_int_equal(counter(f, "media.sdp.addresses_not_kept"), 0);
    assert_int_equal(counter(f, "media.sdp.formats_not_kept"), 0);
}

/* A 200 OK whose body is multipart/mixed (SDP + ISUP, RFC 3204): the SDP
 * part is the answer, so the call is followed and two-way */
static void test_multipart_answer(void **st)
{
    struct fx *f = *st;
    const struct snap_media_call *c;
    static const char body[] =
        "--isup1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n\x06\x01\x11\r\n"
        "--isup1\r\nContent-Type: application/sdp\r\n\r\n"
        "v=0\r\no=- 1 1 IN IP4 198.51.100.30\r\ns=-\r\nc=IN IP4 198.51.100.30\r\nt=0 0\r\n"
        "m=audio 6000 RTP/AVP 8\r\n\r\n--isup1--\r\n";
    char msg[2048];
    struct sip_payload pl;
    struct sip_msg m;

    sip(f, "192.0.2.10", "198.51.100.30", "INVITE sip:b@example.com SIP/2.0", "mp", "t1", NULL,
        "1 INVITE", "192.0.2.10", 4100, NULL);
    snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKmp\r\n"
             "From: <sip:a@example.com>;tag=t1\r\nTo: <sip:b@example.com>;tag=t2\r\n"
             "Call-ID: mp\r\nCSeq: 1 INVITE\r\nContent-Type: multipart/mixed;boundary=isup1\r\n"
             "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    memset(&pl, 0, sizeof(pl));
    pl.frame = ++f->frame;
    pl.ts_us = (int64_t)f->frame * 1000;
    ep(&pl.src, "198.51.100.30", 5060);
    ep(&pl.dst, "192.0.2.10", 5060);
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)msg;
    pl.len = strlen(msg);
    assert_int_equal(sip_parse(f->sp, &pl, &m), SIP_OK);
    media_on_sip(f->m, &m);
    assert_int_equal(counter(f, "media.sdp.multipart"), 1);
    /* the callee's port is known only from the multipart answer */
    for (uint16_t q = 1; q <= 5; q++) {
        assert_true(rtp(f, "192.0.2.10", 4100, "198.51.100.30", 6000, 0x1111, q, 8, q * 20000));
        assert_true(rtp(f, "198.51.100.30", 6000, "192.0.2.10", 4100, 0x2222, q, 8, q * 20000));
    }
    c = call_of(f, "mp");
    assert_non_null(c);
    assert_string_equal(c->verdict, "two-way");
    assert_true(c->have_sdp[1]);
    assert_int_equal(c->sdp[1].port, 6000);
}

/* --rtp-heuristic: RTP on ports no SDP announced is measured apart, marked
 * heuristic, in no call, shown only once it looks like a stream; off by
 * default; well-known ports refused */
static void test_heuristic(void **st)
{
    struct fx *f = *st;
    size_t nh = 0;

    for (uint16_t q = 1; q <= 5; q++)
        assert_false(rtp(f, "192.0.2.50", 7000, "198.51.100.50", 7002, 9, q, 8, q * 20000));
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media, 0);           /* off: counted only */
    assert_int_equal(counter(f, "media.udp.rtp_unannounced"), 5);
    media_set_heuristic(f->m, true);
    call(f, "h1", "192.0.2.10", 4000, "198.51.100.20", 5000, true);
    assert_true(rtp(f, "192.0.2.10", 4000, "198.51.100.20", 5000, 0xaaaa, 1, 0, 1000));
    for (uint16_t q = 1; q <= 3; q++)
        assert_true(rtp(f, "192.0.2.51", 7100, "198.51.100.51", 7102, 10, q, 8, q * 20000));
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media, 1);           /* 3 packets: not yet a stream */
    assert_int_equal(f->snap.n_media_heuristic, 0);
    assert_true(rtp(f, "192.0.2.51", 7100, "198.51.100.51", 7102, 10, 4, 8, 4 * 20000));
    /* DNS-looking ports are refused even when the bytes parse as RTP */
    for (uint16_t q = 1; q <= 6; q++)
        assert_false(rtp(f, "192.0.2.52", 53, "198.51.100.52", 7104, 11, q, 8, q * 20000));
    assert_int_equal(counter(f, "media.heuristic.refused"), 6);
    assert_int_equal(counter(f, "media.heuristic.packets"), 4);
    assert_int_equal(counter(f, "media.heuristic.streams"), 1);
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media, 2);
    assert_int_equal(f->snap.n_media_heuristic, 1);
    for (size_t i = 0; i < f->snap.n_media; i++) {
        const struct snap_media *m = &f->snap.media[i];
        if (!m->heuristic) {
            assert_string_equal(m->call_id, "h1");
            continue;
        }
        nh++;
        assert_int_equal(i, f->snap.n_media - 1);  /* listed after the announced ones */
        assert_string_equal(m->call_id, "");
        assert_int_equal(m->src.port, 7100);
        assert_int_equal(m->packets, 4);
        assert_string_equal(m->codec, "PCMA");
    }
    assert_int_equal(nh, 1);
    /* the call's verdict is untouched by heuristic streams */
    assert_int_equal(call_of(f, "h1")->packets_to[1], 1);
}

static void bye(struct fx *f, const char *id, const char *caller, const char *callee)
{
    sip(f, caller, callee, "BYE sip:b@example.com SIP/2.0", id, "t1", "t2", "2 BYE", NULL, -1,
        NULL);
}

/* What the media kinds see at a BYE (media_judge.h): the call's verdict. */
static enum media_state state_at_bye(struct fx *f, const char *id)
{
    struct media_verdict v;
    struct span s = { id, strlen(id) };
    assert_true(media_call(f->m, s, &v));
    return v.state;
}


/* Twelve answered calls, a failed one and one never answered, a minute
 * apart, through a table of 4 calls and 6 streams: SIP ends each one, so
 * retiring them (64*T1 after the BYE) leaves the cap untouched; the
 * verdicts the kinds read at the BYE and the report's list stay as they
 * were, and RTP after the grace is counted, not unannounced. */
static void test_retire_after_sip(void **st)
{
    struct fx *f = *st;
    static const char *const want[3] = { "two-way", "one-way", "no media" };
    char id[16];
    uint16_t cp, ep_;

    for (int i = 0; i < 12; i++) {
        int64_t t;
        f->t0 = i * 60 * SEC;
        t = f->t0 + (int64_t)f->frame * 1000;
        snprintf(id, sizeof(id), "r%d", i);
        cp = (uint16_t)(8000 + 2 * i);
        ep_ = (uint16_t)(9000 + 2 * i);
        call(f, id, "192.0.2.70", cp, "198.51.100.70", ep_, true);
        for (uint16_t q = 1; q <= 5 && i % 3 != 2; q++) {
            assert_true(rtp(f, "192.0.2.70", cp, "198.51.100.70", ep_, (uint32_t)i, q, 0,
                            t + q * 20000));
            if (i % 3 == 0)
                assert_true(rtp(f, "198.51.100.70", ep_, "192.0.2.70", cp, 100u + (uint32_t)i,
                                q, 0, t + q * 20000));
        }
        f->t0 += (i == 0 ? 30 : 5) * SEC;
        bye(f, id, "192.0.2.70", "198.51.100.70");
        assert_int_equal(state_at_bye(f, id), i % 3 == 0 ? MEDIA_TWO_WAY
                                               : i % 3 == 1 ? MEDIA_ONE_WAY : MEDIA_NONE);
        if (i == 0) {
            /* within the grace (though 50 s after the call began): late RTP and a
             * BYE retransmission still find it */
            f->t0 += 20 * SEC;
            assert_true(rtp(f, "192.0.2.70", cp, "198.51.100.70", ep_, 0, 6, 0,
                            f->t0 + (int64_t)f->frame * 1000));
            bye(f, id, "192.0.2.70", "198.51.100.70");
            assert_int_equal(state_at_bye(f, id), MEDIA_TWO_WAY);
            assert_int_equal(counter(f, "media.calls.retired"), 0);
        }
    }
    /* a failed INVITE (486) and one still ringing, then time passes */
    f->t0 = 12 * 60 * SEC;
    call(f, "busy", "192.0.2.71", 8100, "198.51.100.71", 9100, false);
    sip(f, "198.51.100.71", "192.0.2.71", "SIP/2.0 486 Busy Here", "busy", "t1", "t2",
        "1 INVITE", NULL, -1, NULL);
    call(f, "ring", "192.0.2.72", 8200, "198.51.100.72", 9200, false);
    /* RTP to the first call's port 11 minutes after it retired: counted apart */
    assert_false(rtp(f, "192.0.2.70", 8000, "198.51.100.70", 9000, 0, 7, 0, f->t0));
    assert_int_equal(counter(f, "media.udp.unannounced"), 1);   /* past MEDIA_GONE_US */
    assert_false(rtp(f, "198.51.100.70", 9022, "192.0.2.70", 8022, 111, 6, 0, f->t0));
    assert_int_equal(counter(f, "media.udp.after_retired"), 1);
    assert_int_equal(counter(f, "media.udp.unannounced"), 1);
    f->t0 = 13 * 60 * SEC;
    sip(f, "192.0.2.90", "198.51.100.90", "OPTIONS sip:b@example.com SIP/2.0", "o1", "o", NULL,
        "1 OPTIONS", NULL, -1, NULL);
    assert_int_equal(counter(f, "media.calls.retired"), 13);     /* 64*T1 after its 486 */
    assert_string_equal(call_of(f, "busy")->verdict, "not answered");    /* still listed */
    f->t0 = 17 * 60 * SEC;      /* timer C and the grace after the ringing INVITE */
    sip(f, "192.0.2.90", "198.51.100.90", "OPTIONS sip:b@example.com SIP/2.0", "o2", "o", NULL,
        "1 OPTIONS", NULL, -1, NULL);

    assert_int_equal(counter(f, "media.calls.evicted"), 0);
    assert_int_equal(counter(f, "media.ports.evicted"), 0);
    assert_int_equal(counter(f, "media.streams.evicted"), 0);
    assert_int_equal(media_evictions(f->m), 0);
    assert_int_equal(counter(f, "media.calls.retired"), 14);
    assert_int_equal(counter(f, "media.ports.retired"), 12 * 4 + 2 * 2);  /* RTP + RTCP */
    assert_int_equal(counter(f, "media.streams.retired"), 12);
    assert_int_equal(counter(f, "media.streams"), 12);
    /* the report lists every call, latest first, with the verdict it had */
    media_snapshot(f->m, &f->snap);
    assert_int_equal(f->snap.n_media_calls, 14);
    assert_int_equal(f->snap.media_calls_not_shown, 0);
    assert_string_equal(f->snap.media_calls[0].call_id, "ring");
    assert_string_equal(f->snap.media_calls[0].verdict, "not answered");
    assert_string_equal(f->snap.media_calls[1].call_id, "busy");
    for (int i = 0; i < 12; i++) {
        const struct snap_media_call *c = &f->snap.media_calls[13 - i];
        snprintf(id, sizeof(id), "r%d", i);
        assert_string_equal(c->call_id, id);
        assert_string_equal(c->verdict, want[i % 3]);
    }
    assert_int_equal(f->snap.media_calls[13].packets_to[1], 6);  /* r0: the late packet */
    assert_int_equal(f->snap.n_media, 12);
    assert_int_equal(f->snap.media_not_shown, 0);
    assert_string_equal(f->snap.media[0].call_id, "r10");
    assert_string_equal(f->snap.media[11].call_id, "r0");
}

/* A 407 to the INVITE is a challenge: the retry with credentials may come
 * long after 64*T1 (someone types a password), under the same Call-ID; the
 * call is still the same one. */
static void test_challenge_not_retired(void **st)
{
    struct fx *f = *st;

    call(f, "ch", "192.0.2.73", 8300, "198.51.100.73", 9300, false);
    sip(f, "198.51.100.73", "192.0.2.73", "SIP/2.0 407 Proxy Authentication Required", "ch",
        "t1", "t2", "1 INVITE", NULL, -1, NULL);
    f->t0 = 40 * SEC;
    sip(f, "192.0.2.73", "198.51.100.73", "INVITE sip:b@example.com SIP/2.0", "ch", "t1", NULL,
        "2 INVITE", "192.0.2.73", 8300, NULL);
    assert_int_equal(counter(f, "media.calls.retired"), 0);
    sip(f, "198.51.100.73", "192.0.2.73", "SIP/2.0 200 OK", "ch", "t1", "t2", "2 INVITE",
        "198.51.100.73", 9300, NULL);
    assert_true(rtp(f, "192.0.2.73", 8300, "198.51.100.73", 9300, 5, 1, 0, 41 * SEC));
    assert_string_equal(call_of(f, "ch")->verdict, "one-way");
    /* an answered call without a BYE is up, however long */
    f->t0 = 3600 * SEC;
    sip(f, "192.0.2.90", "198.51.100.90", "OPTIONS sip:b@example.com SIP/2.0", "o1", "o", NULL,
        "1 OPTIONS", NULL, -1, NULL);
    assert_int_equal(counter(f, "media.calls.retired"), 0);
    assert_non_null(call_of(f, "ch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_way_and_symmetric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_way_and_nat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_media_not_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unannounced_and_t38, setup, teardown),
        cmocka_unit_test_setup_teardown(test_b2bua_legs_share_media, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multipart_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heuristic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_evict_and_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retire_after_sip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_challenge_not_retired, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
