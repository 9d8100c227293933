/*
 * test_pipeline.c — the analysis loop (src/pipeline.c): frames pushed into
 * a ring come out as --messages lines and run_info counts; the message
 * line format (escaping, negative times, IPv6) on its own.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "util/err.h"
#include "app/pipeline.h"
#include "capture/ring.h"

/* Ethernet/IPv4/UDP around payload; returns the frame length. */
static size_t make_udp_frame(uint8_t *f, const char *payload, const uint8_t src[4],
                             const uint8_t dst[4], uint16_t sport, uint16_t dport)
{
    size_t plen = strlen(payload), ip_len = 20 + 8 + plen, udp_len = 8 + plen;
    uint32_t sum = 0;
    memset(f, 0, 14 + ip_len);
    memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = (uint8_t)(dport >> 8);
    udp[3] = (uint8_t)dport;
    udp[4] = (uint8_t)(udp_len >> 8);
    udp[5] = (uint8_t)udp_len;
    memcpy(udp + 8, payload, plen);
    return 14 + ip_len;
}

static const char reg[] =
    "REGISTER sip:198.51.100.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:100@198.51.100.1>;tag=a\r\n"
    "To: <sip:100@198.51.100.1>\r\n"
    "Call-ID: pipe-1@203.0.113.9\r\n"
    "CSeq: 7 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";
static const char unauth[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:100@198.51.100.1>;tag=a\r\n"
    "To: <sip:100@198.51.100.1>;tag=b\r\n"
    "Call-ID: pipe-1@203.0.113.9\r\n"
    "CSeq: 7 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n"
    "Content-Length: 0\r\n\r\n";

static void test_ring_to_messages(void **state)
{
    static const uint8_t pbx[4] = { 203, 0, 113, 9 }, trunk[4] = { 198, 51, 100, 1 };
    struct caps caps;
    struct engine_opts eo;
    struct pipeline_opts po;
    struct run_info run;
    char errbuf[ERRBUF_SIZE], *buf = NULL;
    size_t blen = 0;
    uint8_t frame[2048];
    (void)state;

    caps_default(&caps);
    memset(&eo, 0, sizeof(eo));
    memset(&po, 0, sizeof(po));
    FILE *mf = open_memstream(&buf, &blen);
    assert_non_null(mf);
    po.caps = &caps;
    po.engine = &eo;
    po.messages = mf;
    po.source = "unit";
    po.linktype = 1;
    struct pipeline *p = pipeline_new(&po, errbuf);
    assert_non_null(p);
    struct ring *r = ring_new(1 << 16, errbuf);
    assert_non_null(r);

    /* frame 1: REGISTER, frame 2: junk (not SIP), frame 3: 401 */
    struct packet pkt = { .frame = 1, .ts_us = 1700000000123456, .linktype = 1, .data = frame };
    pkt.caplen = pkt.len = (uint32_t)make_udp_frame(frame, reg, pbx, trunk, 5060, 5060);
    assert_true(ring_push(r, &pkt));
    pkt.frame = 2;
    pkt.ts_us += 1000;
    pkt.caplen = pkt.len = (uint32_t)make_udp_frame(frame, "\x80\x00rtp-ish", pbx, trunk, 4000, 4002);
    assert_true(ring_push(r, &pkt));
    pkt.frame = 3;
    pkt.ts_us += 1000;
    pkt.caplen = pkt.len = (uint32_t)make_udp_frame(frame, unauth, trunk, pbx, 5060, 5060);
    assert_true(ring_push(r, &pkt));
    ring_close(r);

    pipeline_run(p, r);
    fclose(mf);
    pipeline_run_info(p, &run);
    assert_int_equal(run.packets, 3);
    assert_int_equal(run.sip_messages, 2);
    assert_int_equal(run.malformed, 0);
    assert_int_equal(run.first_ts_us, 1700000000123456);
    assert_int_equal(run.last_ts_us, 1700000000125456);
    assert_string_equal(run.source, "unit");
    assert_non_null(run.stats_walk);
    assert_string_equal(buf,
        "1\t1700000000.123456\t203.0.113.9\t5060\t198.51.100.1\t5060\tUDP\tREGISTER\t\t"
        "pipe-1@203.0.113.9\t7 REGISTER\n"
        "3\t1700000000.125456\t198.51.100.1\t5060\t203.0.113.9\t5060\tUDP\t\t401\t"
        "pipe-1@203.0.113.9\t7 REGISTER\n");
    free(buf);
    ring_free(r);
    pipeline_free(p);
}

static void test_message_line_format(void **state)
{
    struct sip_msg m;
    char *buf = NULL;
    size_t blen = 0;
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    static const uint8_t v4[4] = { 192, 0, 2, 7 };
    (void)state;

    memset(&m, 0, sizeof(m));
    m.frame = 42;
    m.ts_us = -1500000;     /* 1.5 s before the epoch: -2.500000 */
    addr_from_v6(&m.src.ip, v6);
    addr_from_v4(&m.dst.ip, v4);
    m.src.port = 5061;
    m.dst.port = 5060;
    m.transport = TRANSPORT_TCP;
    m.is_request = true;
    m.method_name = span_make("INVITE", 6);
    m.call_id = span_make("a\tb\\c\r", 6);
    m.cseq = 4294967295u;
    m.cseq_method_name = span_make("INVITE", 6);
    FILE *f = open_memstream(&buf, &blen);
    pipeline_print_message(f, &m);
    fclose(f);
    assert_string_equal(buf, "42\t-2.500000\t2001:db8::1\t5061\t192.0.2.7\t5060\tTCP\tINVITE\t\t"
                             "a\\x09b\\x5cc\\x0d\t4294967295 INVITE\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_to_messages),
        cmocka_unit_test(test_message_line_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
