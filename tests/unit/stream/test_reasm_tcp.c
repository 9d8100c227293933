/*
 * test_reasm_tcp.c — TCP reassembly and framing (frame.c) through reasm_tcp_feed:
 * several messages per segment, one message over three segments, out of
 * order, retransmission, overlap (first wins), gap, Content-Length forms,
 * keep-alives, the per-stream, stream-count and total-byte caps, non-SIP
 * streams, mid-stream pick-up, RST/FIN, timeout, WebSocket and HEP framing.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "stream/frame.h"
#include "stream/stream.h"
#include "stat_lookup.h"

#include "frame_got.h"

static uint64_t st(const struct reasm_tcp *r, const char *name)
{
    return STAT_GET(reasm_tcp_stats, r, name);
}

static struct reasm_tcp_key key(uint16_t sport)
{
    struct reasm_tcp_key k;
    uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
    memset(&k, 0, sizeof(k));
    addr_from_v4(&k.src, a);
    addr_from_v4(&k.dst, b);
    k.sport = sport;
    k.dport = 5060;
    return k;
}

static struct reasm_tcp *mk(uint64_t stream_bytes, uint64_t streams, uint64_t total)
{
    struct caps c;
    caps_default(&c);
    if (stream_bytes)
        c.tcp_stream_bytes = stream_bytes;
    if (streams)
        c.tcp_streams = streams;
    if (total)
        c.tcp_total_bytes = total;
    struct reasm_tcp *r = reasm_tcp_new(&c);
    assert_non_null(r);
    return r;
}

static void feed(struct reasm_tcp *r, uint16_t sport, uint32_t seq, uint8_t fl, const char *s,
                 size_t n, int64_t t, struct got *g)
{
    struct reasm_tcp_key k = key(sport);
    reasm_tcp_feed(r, &k, seq, fl, (const uint8_t *)s, n, t, collect, g);
}

#define M1 "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 5\r\n\r\nhello"
#define M2 "SIP/2.0 200 OK\r\nCall-ID: 1\r\ncontent-length:   3\r\n\r\nabc"
#define M3 "INVITE sip:x@y SIP/2.0\r\nCall-ID: 3\r\nl: 4\r\n\r\nwxyz"

static void test_two_in_one_and_keepalive(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    const char *seg = "\r\n\r\n" M1 M2 "\r\n";

    feed(r, 1000, 99, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1000, 100, 0, seg, strlen(seg), 1, &g);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.msg[0], M1);
    assert_string_equal(g.msg[1], M2);
    assert_int_equal(g.kind[0], FRAME_SIP);
    assert_true(st(r, "reasm_tcp.keepalives") >= 1);
    reasm_tcp_free(r);
}

static void test_one_in_three_and_out_of_order(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    const char *m = M3;
    size_t n = strlen(m);

    /* In order, picked up without SYN: header, header end, body. */
    feed(r, 1001, 5000, 0, m, 10, 0, &g);
    feed(r, 1001, 5010, 0, m + 10, n - 12, 1, &g);
    assert_int_equal(g.n, 0);
    feed(r, 1001, 5000 + (uint32_t)n - 2, 0, m + n - 2, 2, 2, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M3);

    /* Out of order: the third piece, then the first, then the second. */
    memset(&g, 0, sizeof(g));
    feed(r, 1002, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1002, 1 + 30, 0, m + 30, n - 30, 1, &g);
    feed(r, 1002, 1, 0, m, 10, 2, &g);
    assert_int_equal(g.n, 0);
    feed(r, 1002, 11, 0, m + 10, 20, 3, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M3);
    assert_int_equal(st(r, "reasm_tcp.out_of_order"), 1);
    reasm_tcp_free(r);
}

static void test_retransmission_overlap_gap(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    const char *m = M1;
    size_t n = strlen(m);
    char evil[256];

    feed(r, 1003, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1003, 1, 0, m, n, 1, &g);
    feed(r, 1003, 1, 0, m, n, 2, &g);       /* retransmission */
    assert_int_equal(g.n, 1);
    assert_int_equal(st(r, "reasm_tcp.retransmissions"), 1);

    /* Overlap: the first 20 bytes of M2 are held (out of order after a
     * hole); a later segment with different bytes over them loses. */
    memset(&g, 0, sizeof(g));
    uint32_t b = 1 + (uint32_t)n;
    const char *m2 = M2;
    size_t n2 = strlen(m2);
    feed(r, 1003, b + 10, 0, m2 + 10, 20, 3, &g);           /* hole at 0..9 */
    memcpy(evil, m2, n2);
    memset(evil + 10, 'X', 20);
    feed(r, 1003, b, 0, evil, n2, 4, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M2);
    assert_true(st(r, "reasm_tcp.overlaps") >= 1);

    /* Gap: a segment lost for good leaves the later data unframed. */
    memset(&g, 0, sizeof(g));
    feed(r, 1004, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1004, 1 + 20, 0, m + 20, n - 20, 1, &g);
    assert_int_equal(g.n, 0);
    feed(r, 1004, 1, 0, m, 20, 2, &g);
    assert_int_equal(g.n, 1);
    reasm_tcp_free(r);
}

static void test_content_length_forms(void **s)
{
    (void)s;
    const char *folded = "MESSAGE sip:a SIP/2.0\r\nSubject: x\r\n y\r\nContent-Length:\r\n 2\r\n\r\nhi";
    const char *nocl = "BYE sip:a SIP/2.0\r\nCall-ID: 9\r\n\r\n";
    const char *lying = "BYE sip:a SIP/2.0\r\nl: 99999999999999999999\r\n\r\n";

    assert_int_equal(frame_sip_len((const uint8_t *)M1, strlen(M1), 65536), strlen(M1));
    assert_int_equal(frame_sip_len((const uint8_t *)M2, strlen(M2), 65536), strlen(M2));
    assert_int_equal(frame_sip_len((const uint8_t *)M3, strlen(M3), 65536), strlen(M3));
    assert_int_equal(frame_sip_len((const uint8_t *)M3, strlen(M3) - 1, 65536), 0);
    assert_int_equal(frame_sip_len((const uint8_t *)folded, strlen(folded), 65536),
                     strlen(folded));
    assert_int_equal(frame_sip_len((const uint8_t *)nocl, strlen(nocl), 65536), strlen(nocl));
    assert_int_equal(frame_sip_len((const uint8_t *)lying, strlen(lying), 65536), SIZE_MAX);
    /* No header end within the maximum. */
    assert_int_equal(frame_sip_len((const uint8_t *)M1, 30, 30), SIZE_MAX);
    /* Truncated at every offset: never a length past the bytes given. */
    for (size_t k = 0; k < strlen(folded); k++) {
        size_t l = frame_sip_len((const uint8_t *)folded, k, 65536);
        assert_true(l == 0 || l == SIZE_MAX || l <= k);
    }
}

static void test_stream_cap(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(4096, 0, 0);
    struct got g = { 0 };
    char big[8192];
    int h = snprintf(big, sizeof(big), "NOTIFY sip:a SIP/2.0\r\nContent-Length: 6000\r\n\r\n");
    memset(big + h, 'b', sizeof(big) - (size_t)h);

    feed(r, 1005, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    uint32_t total = 6000 + (uint32_t)h;
    for (uint32_t off = 0; off < total; off += 1000)
        feed(r, 1005, 1 + off, 0, big + off, total - off < 1000 ? total - off : 1000, 1, &g);
    assert_int_equal(g.n, 0);
    assert_true(st(r, "reasm_tcp.msg_too_large") + st(r, "reasm_tcp.stream_cap_resync") >= 1);
    assert_true(reasm_tcp_bytes(r) <= 4096);
    /* The stream recovers at the next message start. */
    uint32_t next = 1 + 6000 + (uint32_t)h;
    feed(r, 1005, next, 0, M1, strlen(M1), 2, &g);
    feed(r, 1005, next + (uint32_t)strlen(M1), 0, M2, strlen(M2), 3, &g);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.msg[0], M1);
    assert_string_equal(g.msg[1], M2);
    assert_int_equal(st(r, "reasm_tcp.msg_too_large"), 1);
    reasm_tcp_free(r);
}

static void test_nonsip_midstream(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    const char *http = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";

    feed(r, 1006, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1006, 1, 0, http, strlen(http), 1, &g);
    assert_int_equal(st(r, "reasm_tcp.nonsip_streams"), 1);
    feed(r, 1006, 1 + (uint32_t)strlen(http), 0, M1, strlen(M1), 2, &g);
    assert_int_equal(g.n, 0);   /* remembered as non-SIP: dropped cheaply */
    assert_int_equal(st(r, "reasm_tcp.nonsip_segments"), 1);
    assert_int_equal(reasm_tcp_bytes(r), 0);

    /* TLS is recognised, counted, and its records handed on whole. */
    feed(r, 1007, 0, 0, "\x16\x03\x01\x00\x05hello", 10, 3, &g);
    assert_int_equal(st(r, "reasm_tcp.tls_streams"), 1);
    assert_int_equal(st(r, "reasm_tcp.tls_records"), 1);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.kind[0], FRAME_TLS);
    assert_int_equal(g.len[0], 10);
    g.n = 0;

    /* Mid-stream pickup inside a body: skipped, then the next message. */
    feed(r, 1008, 700, 0, "body bytes of a message\r\n", 25, 4, &g);
    feed(r, 1008, 725, 0, M2, strlen(M2), 5, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M2);
    reasm_tcp_free(r);
}

static void test_stream_and_byte_caps(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(8192, 2, 8192);
    struct got g = { 0 };

    for (uint16_t p = 1; p <= 3; p++)
        feed(r, p, 10, 0, M1, 20, p, &g);     /* partial messages */
    assert_int_equal(st(r, "reasm_tcp.evicted_stream_cap"), 1);
    assert_int_equal(reasm_tcp_streams(r), 2);
    /* Stream 3 growing past the total evicts the least recently active. */
    static char big[8000];
    int h = snprintf(big, sizeof(big), "NOTIFY sip:a SIP/2.0\r\nContent-Length: 7000\r\n\r\n");
    memset(big + h, 'x', sizeof(big) - (size_t)h);
    feed(r, 4, 10, 0, big, sizeof(big) - 100, 9, &g);
    assert_true(st(r, "reasm_tcp.evicted_byte_cap") >= 1);
    assert_true(reasm_tcp_bytes(r) <= 8192);
    reasm_tcp_free(r);
}

static void test_rst_fin_timeout(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };

    feed(r, 1010, 10, 0, M1, 20, 0, &g);
    assert_int_equal(reasm_tcp_streams(r), 1);
    feed(r, 1010, 30, REASM_TCP_RST, NULL, 0, 1, &g);
    assert_int_equal(reasm_tcp_streams(r), 0);

    /* A message in the FIN segment is framed, then the stream closes; a
     * retransmission after FIN is not reported again. */
    feed(r, 1011, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1011, 1, REASM_TCP_FIN, M1, strlen(M1), 1, &g);
    assert_int_equal(g.n, 1);
    feed(r, 1011, 1, 0, M1, strlen(M1), 2, &g);
    assert_int_equal(g.n, 1);

    feed(r, 1012, 10, 0, M1, 20, 1000000, &g);
    reasm_tcp_expire(r, 1000000 + 301LL * 1000000);
    assert_int_equal(reasm_tcp_streams(r), 0);
    assert_true(st(r, "reasm_tcp.timeouts") >= 1);
    reasm_tcp_free(r);
}

static void test_ws_and_hep_framing(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    const char *hs = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    uint8_t f[256];
    size_t n = strlen(M1);

    /* A masked frame followed by a ping, in one segment with the handshake. */
    memcpy(f, hs, strlen(hs));
    size_t o = strlen(hs);
    f[o++] = 0x81;
    f[o++] = (uint8_t)(0x80 | n);
    uint8_t mask[4] = { 1, 2, 3, 4 };
    memcpy(f + o, mask, 4);
    o += 4;
    for (size_t i = 0; i < n; i++)
        f[o + i] = (uint8_t)(M1[i] ^ mask[i & 3]);
    o += n;
    f[o++] = 0x89;
    f[o++] = 0x00;
    feed(r, 1020, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1020, 1, 0, (const char *)f, o, 1, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.kind[0], FRAME_WS);
    assert_string_equal(g.msg[0], M1);
    assert_int_equal(st(r, "reasm_tcp.ws_control"), 1);

    /* A message in three masked fragments with a ping between them, the
     * last fragment in a later segment. */
    memset(&g, 0, sizeof(g));
    o = 0;
    size_t cuts[4] = { 0, 10, 30, n };
    for (int i = 0; i < 3; i++) {
        size_t len = cuts[i + 1] - cuts[i];
        f[o++] = (uint8_t)((i == 2 ? 0x80 : 0) | (i == 0 ? 1 : 0));
        f[o++] = (uint8_t)(0x80 | len);
        memcpy(f + o, mask, 4);
        o += 4;
        for (size_t j = 0; j < len; j++)
            f[o + j] = (uint8_t)(M1[cuts[i] + j] ^ mask[j & 3]);
        o += len;
        if (i == 0) {
            f[o++] = 0x89;
            f[o++] = 0x00;
        }
    }
    uint32_t base = 1 + (uint32_t)(strlen(hs) + 2 + 4 + n + 2);
    feed(r, 1020, base, 0, (const char *)f, 40, 2, &g);
    assert_int_equal(g.n, 0);
    feed(r, 1020, base + 40, 0, (const char *)f + 40, o - 40, 3, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M1);
    assert_int_equal(st(r, "reasm_tcp.ws_fragmented"), 1);

    /* HEP3 records over TCP are framed by their own length. */
    memset(&g, 0, sizeof(g));
    uint8_t h[64] = { 'H', 'E', 'P', '3', 0, 10, 0, 0, 0, 0 };
    memcpy(h + 10, "HEP3", 4);
    h[15] = 10;
    feed(r, 1021, 0, 0, (const char *)h, 20, 1, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.kind[0], FRAME_HEP);
    assert_int_equal(g.len[1], 10);
    reasm_tcp_free(r);
}

#define B2 "SIP/2.0 200 OK\r\nCall-ID: 1\r\nContent-Length: 5\r\n\r\nv=0\r\n"
#define B3 "INVITE sip:x@y SIP/2.0\r\nCall-ID: 3\r\nl: 5\r\n\r\nv=0\r\n"

static void test_gap_skip_resync_retry(void **s)
{
    (void)s;
    struct reasm_tcp *r = mk(0, 0, 0);
    struct got g = { 0 };
    size_t n1 = strlen(M1), n2 = strlen(B2), n3 = strlen(B3);

    /* Bodies end in CRLF here, as SDP does: resync looks for a start line
     * after a line break. M1 complete; M2's first 10 bytes never arrive (capture drop); the
     * rest of M2 and M3 wait behind the hole until it is 2 s old, then the
     * hole is skipped and M3 (the next message start) is framed. */
    feed(r, 1030, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1030, 1, 0, M1, n1, 0, &g);
    uint32_t b = 1 + (uint32_t)n1;
    feed(r, 1030, b + 10, 0, &B2[10], n2 - 10, 100000, &g);
    feed(r, 1030, b + (uint32_t)n2, 0, B3, n3, 200000, &g);
    assert_int_equal(g.n, 1);
    feed(r, 1030, b + (uint32_t)(n2 + n3), 0, M1, n1, 2500000, &g);
    assert_int_equal(st(r, "reasm_tcp.gaps_skipped"), 1);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.msg[1], B3);
    assert_string_equal(g.msg[2], M1);

    /* Mid-stream pick-up: the segment ends one message and starts another. */
    memset(&g, 0, sizeof(g));
    const char *seg = "a=rtpmap:0 PCMU/8000\r\n" M2;
    feed(r, 1031, 777, 0, seg, strlen(seg), 0, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M2);
    assert_int_equal(st(r, "reasm_tcp.resyncs"), 2);

    /* A non-SIP verdict is reconsidered a minute later. */
    memset(&g, 0, sizeof(g));
    feed(r, 1032, 0, REASM_TCP_SYN, NULL, 0, 0, &g);
    feed(r, 1032, 1, 0, "SSH-2.0-x\r\n", 11, 0, &g);
    feed(r, 1032, 12, 0, M1, n1, 1000000, &g);
    assert_int_equal(g.n, 0);
    feed(r, 1032, 12 + (uint32_t)n1, 0, M2, n2, 62000000, &g);
    assert_int_equal(st(r, "reasm_tcp.nonsip_retries"), 1);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M2);
    reasm_tcp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_in_one_and_keepalive),
        cmocka_unit_test(test_one_in_three_and_out_of_order),
        cmocka_unit_test(test_retransmission_overlap_gap),
        cmocka_unit_test(test_content_length_forms),
        cmocka_unit_test(test_stream_cap),
        cmocka_unit_test(test_nonsip_midstream),
        cmocka_unit_test(test_stream_and_byte_caps),
        cmocka_unit_test(test_rst_fin_timeout),
        cmocka_unit_test(test_ws_and_hep_framing),
        cmocka_unit_test(test_gap_skip_resync_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
