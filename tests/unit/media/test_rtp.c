/*
 * test_rtp.c — RTP/RTCP headers and receive statistics (src/media/rtp.c).
 *
 * Vectors: RTP headers built by hand from RFC 3550 §5.1 (CSRC list,
 * extension §5.3.1, padding), an RTCP SR+SDES compound (§6.4.1, §6.5), an
 * RFC 4733 §2.3 event; hostile headers (every truncation, lying CSRC count,
 * extension and padding lengths, RTCP length words); statistics: in order,
 * a loss, a sequence wrap (A.1), a duplicate (lost < 0, A.3), a far jump
 * confirmed by the next packet, and jitter (A.8) on a stream with a known
 * delay pattern, computed independently below.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "media/rtp.h"

static size_t rtp_build(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc,
                        size_t payload)
{
    b[0] = 0x80;
    b[1] = pt;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[4] = (uint8_t)(ts >> 24);
    b[5] = (uint8_t)(ts >> 16);
    b[6] = (uint8_t)(ts >> 8);
    b[7] = (uint8_t)ts;
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    memset(b + 12, 0xd5, payload);
    return 12 + payload;
}

static enum rtp_verdict parse(const uint8_t *b, size_t n, struct rtp_hdr *h)
{
    return rtp_parse(cursor_make(b, n), h);
}

static void test_header(void **st)
{
    uint8_t b[256];
    struct rtp_hdr h;
    size_t n = rtp_build(b, 0x80 | 8, 4711, 160000, 0x15D7B1AC, 160);

    (void)st;
    assert_int_equal(parse(b, n, &h), RTP_OK);
    assert_true(h.marker);
    assert_int_equal(h.pt, 8);
    assert_int_equal(h.seq, 4711);
    assert_int_equal(h.ts, 160000);
    assert_int_equal(h.ssrc, 0x15D7B1AC);
    assert_int_equal(h.payload_len, 160);
    /* two CSRCs, an extension of 1 word and 4 bytes of padding */
    b[0] = 0x80 | 0x20 | 0x10 | 2;
    memset(b + 12, 0, 8);                        /* CSRC list */
    b[20] = 0xbe; b[21] = 0xde; b[22] = 0; b[23] = 1;   /* profile, 1 word */
    n = 12 + 8 + 4 + 4 + 20 + 4;
    b[n - 1] = 4;
    assert_int_equal(parse(b, n, &h), RTP_OK);
    assert_int_equal(h.cc, 2);
    assert_int_equal(h.payload_len, 20);
    assert_int_equal(cursor_left(&h.payload), 20);
}

static void test_hostile(void **st)
{
    uint8_t b[64];
    struct rtp_hdr h;
    size_t n = rtp_build(b, 0, 1, 1, 1, 20);

    (void)st;
    for (size_t i = 0; i < 12; i++)
        assert_int_equal(parse(b, i, &h), RTP_SHORT);
    b[0] = 0x40;
    assert_int_equal(parse(b, n, &h), RTP_BAD_VERSION);
    b[0] = 0x8f;                                 /* 15 CSRCs = 60 bytes > 20 */
    assert_int_equal(parse(b, n, &h), RTP_BAD_CSRC);
    b[0] = 0x90;
    b[14] = 0xff; b[15] = 0xff;                  /* extension of 65535 words */
    assert_int_equal(parse(b, n, &h), RTP_BAD_EXT);
    b[0] = 0xa0;
    b[n - 1] = 0;                                /* padding count 0 */
    assert_int_equal(parse(b, n, &h), RTP_BAD_PADDING);
    b[n - 1] = 21;                               /* more than the payload */
    assert_int_equal(parse(b, n, &h), RTP_BAD_PADDING);
    b[0] = 0x80;
    b[1] = 200;                                  /* RTCP SR on a muxed port */
    assert_int_equal(parse(b, n, &h), RTP_IS_RTCP);
    assert_string_equal(rtp_verdict_name(RTP_BAD_EXT), "bad_extension");
}

/* RTCP SR with one report block, then SDES: RFC 3550 §6.4.1 layout. */
static void test_rtcp(void **st)
{
    uint8_t b[128];
    struct rtcp_info ri;
    size_t n = 0;

    (void)st;
    memset(b, 0, sizeof(b));
    b[0] = 0x81; b[1] = 200; b[2] = 0; b[3] = 12;     /* SR, RC=1, 13 words */
    b[4] = 0x38; b[5] = 0xd2; b[6] = 0xeb; b[7] = 0xb2;
    /* NTP 8, RTP ts 4, packets 4, octets 4 = bytes 8..27; report block 28..51 */
    b[32] = 5; b[33] = 0; b[34] = 0; b[35] = 3;       /* fraction 5, cumulative 3 */
    b[40] = 0; b[41] = 0; b[42] = 0; b[43] = 80;      /* jitter 80 */
    n = 52;
    b[n] = 0x81; b[n + 1] = 202; b[n + 2] = 0; b[n + 3] = 1;  /* SDES, 2 words */
    n += 8;
    assert_true(rtcp_parse(cursor_make(b, n), &ri));
    assert_int_equal(ri.ssrc, 0x38d2ebb2);
    assert_true(ri.sr);
    assert_true(ri.sdes);
    assert_int_equal(ri.n_packets, 2);
    assert_int_equal(ri.n_reports, 1);
    assert_int_equal(ri.lost, 3);
    assert_int_equal(ri.jitter, 80);
    /* every truncation is refused or parsed, never read past (ASan) */
    for (size_t i = 0; i < n; i++)
        (void)rtcp_parse(cursor_make(b, i), &ri);
    assert_false(rtcp_parse(cursor_make(b, 51), &ri));
    b[3] = 200;                                        /* length past the datagram */
    assert_false(rtcp_parse(cursor_make(b, n), &ri));
    b[3] = 12;
    b[1] = 202;                                        /* a compound must start SR/RR */
    assert_false(rtcp_parse(cursor_make(b, n), &ri));
}

static void test_dtmf(void **st)
{
    const uint8_t p[4] = { 5, 0x8a, 0x03, 0x20 };
    struct rtp_dtmf d;

    (void)st;
    assert_true(rtp_dtmf_parse(cursor_make(p, 4), &d));
    assert_int_equal(d.event, 5);
    assert_true(d.end);
    assert_int_equal(d.duration, 800);
    assert_false(rtp_dtmf_parse(cursor_make(p, 3), &d));
}

static void feed(struct rtp_stat *s, uint16_t seq, uint32_t ts, int64_t t_us, uint32_t clock)
{
    struct rtp_hdr h;
    memset(&h, 0, sizeof(h));
    h.seq = seq;
    h.ts = ts;
    h.pt = 0;
    rtp_stat_update(s, &h, t_us, clock);
}

static void test_loss_and_wrap(void **st)
{
    struct rtp_stat s;

    (void)st;
    memset(&s, 0, sizeof(s));
    /* 65530..65535, (65536 lost), 1..4: a wrap and one loss */
    for (uint32_t q = 65530; q <= 65539; q++)
        if (q != 65536)
            feed(&s, (uint16_t)q, q * 160, (int64_t)q * 20000, 8000);
    assert_int_equal(s.received, 9);
    assert_int_equal(s.cycles, 1);
    assert_int_equal(rtp_stat_expected(&s), 10);
    assert_int_equal(rtp_stat_lost(&s), 1);
    /* a duplicate: counted as received, so lost goes negative as in A.3 */
    feed(&s, 3, 3 * 160, 65540LL * 20000, 8000);
    assert_int_equal(s.reordered, 1);
    assert_int_equal(rtp_stat_lost(&s), 0);
    feed(&s, 2, 2 * 160, 65541LL * 20000, 8000);
    assert_int_equal(rtp_stat_lost(&s), -1);
}

static void test_far_jump(void **st)
{
    struct rtp_stat s;

    (void)st;
    memset(&s, 0, sizeof(s));
    feed(&s, 100, 0, 0, 8000);
    feed(&s, 101, 160, 20000, 8000);
    /* one stray packet 10000 ahead is not believed ... */
    feed(&s, 10101, 320, 40000, 8000);
    assert_int_equal(s.max_seq, 101);
    assert_int_equal(s.jumps, 1);
    feed(&s, 102, 480, 60000, 8000);
    assert_int_equal(s.max_seq, 102);
    /* ... a jump confirmed by the next number is, and its gap is loss */
    feed(&s, 20000, 640, 80000, 8000);
    feed(&s, 20001, 800, 100000, 8000);
    assert_int_equal(s.max_seq, 20001);
    assert_int_equal(rtp_stat_expected(&s), 20001 - 100 + 1);
}

/* A.8 on a known pattern: 20 ms packets, every other one 4 ms late. The
 * reference recursion is written out again here, independently. */
static void test_jitter(void **st)
{
    struct rtp_stat s;
    double j = 0, max = 0, mean = 0, prev_arr = 0;
    uint32_t prev_ts = 0;

    (void)st;
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < 50; i++) {
        int64_t arr = (int64_t)i * 20000 + ((i % 2) ? 4000 : 0);
        uint32_t ts = 1000 + (uint32_t)i * 160;
        feed(&s, (uint16_t)(7 + i), ts, arr, 8000);
        if (i > 0) {
            double d = ((double)arr / 1000.0 - prev_arr) - (double)(ts - prev_ts) / 8.0;
            j += (fabs(d) - j) / 16.0;
            if (j > max)
                max = j;
            mean = (mean * (i - 1) + j) / i;
        }
        prev_arr = (double)arr / 1000.0;
        prev_ts = ts;
    }
    assert_true(s.jitter_ms > 3.0 && s.jitter_ms < 4.0);   /* converges towards 4 ms */
    assert_true(fabs(s.jitter_ms - j) < 1e-9);
    assert_true(fabs(s.jitter_max_ms - max) < 1e-9);
    assert_true(fabs(s.jitter_mean_ms - mean) < 1e-9);
    /* a timestamp restart (seconds off the arrival clock) is not jitter */
    feed(&s, 57, prev_ts + 30 * 8000, 50LL * 20000, 8000);
    assert_int_equal(s.ts_jumps, 1);
    assert_true(fabs(s.jitter_ms - j) < 1e-9);
    /* without a clock rate nothing is estimated */
    memset(&s, 0, sizeof(s));
    feed(&s, 1, 0, 0, 0);
    feed(&s, 2, 99999, 20000, 0);
    assert_true(s.jitter_ms == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_rtcp),
        cmocka_unit_test(test_dtmf),
        cmocka_unit_test(test_loss_and_wrap),
        cmocka_unit_test(test_far_jump),
        cmocka_unit_test(test_jitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
