/*
 * test_hep_out.c — the HEPv3 encoder (src/hep_out.c): what it writes must
 * come back unchanged through sipscope's own HEP decoder (decode_hep.c,
 * itself checked against tshark's HEP dissector on hep-wireshark__hep.pcap),
 * for IPv4 and IPv6, UDP and TCP; and it must refuse what does not fit.
 */
#include "testutil.h"

#include "decode_build.h"
#include "output/hep_out.h"

#define SIP_REQ "OPTIONS sip:trunk@203.0.113.5 SIP/2.0\r\n" \
                "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-1\r\n" \
                "From: <sip:pbx@198.51.100.10>;tag=1\r\nTo: <sip:trunk@203.0.113.5>\r\n" \
                "Call-ID: hep-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

static struct sip_payload out[4];

static struct sip_payload make(const char *src, uint16_t sp, const char *dst, uint16_t dp,
                               enum transport t, int64_t ts)
{
    struct sip_payload pl;
    memset(&pl, 0, sizeof(pl));
    assert_true(addr_parse(src, strlen(src), &pl.src.ip));
    assert_true(addr_parse(dst, strlen(dst), &pl.dst.ip));
    pl.src.port = sp;
    pl.dst.port = dp;
    pl.transport = t;
    pl.ts_us = ts;
    pl.data = (const uint8_t *)SIP_REQ;
    pl.len = strlen(SIP_REQ);
    return pl;
}

/* Encode, wrap in IPv4/UDP to the HEP port, decode; one payload back. */
static const struct sip_payload *roundtrip(const struct sip_payload *in, uint32_t id)
{
    static struct pkt p;
    static uint8_t h[HEP_OUT_MAX];
    struct decoder *d = new_decoder(NULL);
    size_t n = hep_encode(h, sizeof(h), in, id);

    assert_true(n > 0);
    assert_memory_equal(h, "HEP3", 4);
    assert_int_equal(((size_t)h[4] << 8) | h[5], n);
    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 5, out, 4), 1);
    decoder_free(d);
    return &out[0];
}

static void test_ipv4_udp(void **st)
{
    (void)st;
    struct sip_payload in = make("198.51.100.10", 5060, "203.0.113.5", 5061, TRANSPORT_UDP,
                                 1795602000LL * 1000000 + 123456);
    const struct sip_payload *o = roundtrip(&in, 7);
    char b[ADDR_STRLEN];

    assert_string_equal(addr_str(&o->src.ip, b, sizeof(b)), "198.51.100.10");
    assert_string_equal(addr_str(&o->dst.ip, b, sizeof(b)), "203.0.113.5");
    assert_int_equal(o->src.port, 5060);
    assert_int_equal(o->dst.port, 5061);
    assert_int_equal(o->transport, TRANSPORT_UDP);
    assert_int_equal(o->ts_us, in.ts_us);
    assert_int_equal(o->site_id, 7);
    assert_int_equal(o->len, strlen(SIP_REQ));
    assert_memory_equal(o->data, SIP_REQ, o->len);
    assert_true(o->from_hep);
}

/* Plain SIP after HEP in the same output slot is not "from HEP": the
 * pipeline relies on it never to re-send its own HEP as a capture agent. */
static void test_from_hep_flag(void **st)
{
    (void)st;
    static struct pkt p;
    static uint8_t h[HEP_OUT_MAX];
    struct decoder *d = new_decoder(NULL);
    struct sip_payload in = make("198.51.100.10", 5060, "203.0.113.5", 5060, TRANSPORT_UDP, 1);
    size_t n = hep_encode(h, sizeof(h), &in, 0);

    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 5, out, 4), 1);
    assert_true(out[0].from_hep);
    assert_int_equal(out[0].site_id, 0);    /* agent id 0 is still HEP */
    pkt_set(&p, SIP_REQ, strlen(SIP_REQ));
    wrap_udp(&p, 5060, 5060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 2, 6, out, 4), 1);
    assert_false(out[0].from_hep);
    decoder_free(d);
}

static void test_ipv6_tcp(void **st)
{
    (void)st;
    struct sip_payload in = make("2001:db8::10", 5060, "2001:db8::5", 5080, TRANSPORT_TCP,
                                 1000000LL * 1700000000 + 999999);
    const struct sip_payload *o = roundtrip(&in, 4000000000u);
    char b[ADDR_STRLEN];

    assert_string_equal(addr_str(&o->src.ip, b, sizeof(b)), "2001:db8::10");
    assert_string_equal(addr_str(&o->dst.ip, b, sizeof(b)), "2001:db8::5");
    assert_int_equal(o->dst.port, 5080);
    assert_int_equal(o->transport, TRANSPORT_TCP);
    assert_int_equal(o->ts_us, in.ts_us);
    assert_int_equal(o->site_id, 4000000000u);
}

static void test_does_not_fit(void **st)
{
    (void)st;
    static uint8_t h[HEP_OUT_MAX];
    struct sip_payload in = make("192.0.2.1", 1, "192.0.2.2", 2, TRANSPORT_UDP, 1);
    size_t full = hep_encode(h, sizeof(h), &in, 1);

    assert_true(full > in.len);
    /* Every shorter buffer is refused, never overrun (ASan). */
    for (size_t cap = 0; cap < full; cap++)
        assert_int_equal(hep_encode(h, cap, &in, 1), 0);
    assert_int_equal(hep_encode(h, full, &in, 1), full);
    /* A payload HEP3's 16-bit length cannot carry. */
    in.len = HEP_OUT_MAX;
    in.data = h;
    assert_int_equal(hep_encode(h, sizeof(h), &in, 1), 0);
}

/* What --hep-out tcp: sends when its queue coalesces: many HEP records in
 * one TCP segment (SYN first). Every one must come out (the decoder's
 * nesting depth is not a per-segment record count). */
static void test_many_records_one_segment(void **st)
{
    (void)st;
    static struct pkt p;
    static uint8_t seg[20 * 700];
    static struct sip_payload many[32];
    struct decoder *d = new_decoder(NULL);
    struct sip_payload in = make("198.51.100.10", 5060, "203.0.113.5", 5060, TRANSPORT_UDP,
                                 1795602000LL * 1000000);
    size_t n = 0;

    for (int i = 0; i < 20; i++) {
        in.ts_us += 1000;
        n += hep_encode(seg + n, sizeof(seg) - n, &in, 9);
    }
    pkt_set(&p, "", 0);
    wrap_tcp(&p, 40000, 9061, 999, 0x02);
    wrap_ipv4_full(&p, "192.0.2.1", "192.0.2.2", 6, 1, 0, NULL, 0);
    assert_int_equal(run_pkt(d, 12, &p, 1, 1, many, 32), 0);
    pkt_set(&p, seg, n);
    wrap_tcp(&p, 40000, 9061, 1000, 0x18);
    wrap_ipv4_full(&p, "192.0.2.1", "192.0.2.2", 6, 2, 0, NULL, 0);
    assert_int_equal(run_pkt(d, 12, &p, 2, 2, many, 32), 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(many[i].ts_us, 1795602000LL * 1000000 + 1000 * (i + 1));
        assert_int_equal(many[i].site_id, 9);
    }
    decoder_free(d);
}

/* HEPv2 as Kamailio's siptrace sends it (captured from kamailio 5.6 in
 * live_hep_in.sh): the length byte covers the header and addresses (16),
 * not the 12-byte time header that follows; times and capture id are
 * little-endian. */
static void test_kamailio_hepv2(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    char b[ADDR_STRLEN];
    const uint8_t h[28] = { 0x02, 0x10, 0x02, 0x11, 0x13, 0xc4, 0x13, 0xc4,
                            0xc6, 0x33, 0x64, 0x0a, 0xcb, 0x00, 0x71, 0x05,
                            0x91, 0xc5, 0x06, 0x6b, 0x65, 0x30, 0x08, 0x00,
                            0x0c, 0x00, 0x00, 0x00 };

    pkt_set(&p, SIP_REQ, strlen(SIP_REQ));
    pkt_push(&p, h, sizeof(h));
    wrap_udp(&p, 5060, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 5, out, 4), 1);
    assert_string_equal(addr_str(&out[0].src.ip, b, sizeof(b)), "198.51.100.10");
    assert_string_equal(addr_str(&out[0].dst.ip, b, sizeof(b)), "203.0.113.5");
    assert_int_equal(out[0].ts_us, 1795605905LL * 1000000 + 536677);
    assert_int_equal(out[0].site_id, 12);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_memory_equal(out[0].data, SIP_REQ, out[0].len);
    assert_true(out[0].from_hep);
    decoder_free(d);
}

static void test_bad_spec(void **st)
{
    (void)st;
    char eb[256];
    const char *bad[] = { "", "203.0.113.5", "203.0.113.5:", "203.0.113.5:0",
                          "203.0.113.5:65536", "tcp:", "hep.example.com:9060",
                          "2001:db8::1:9060", "[2001:db8::1]9060", "udp:1.2.3:9060", NULL };
    for (int i = 0; bad[i] != NULL; i++) {
        eb[0] = '\0';
        assert_null(hep_out_open(bad[i], 0, eb));
        assert_true(strstr(eb, "--hep-out") != NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_udp),
        cmocka_unit_test(test_ipv6_tcp),
        cmocka_unit_test(test_from_hep_flag),
        cmocka_unit_test(test_does_not_fit),
        cmocka_unit_test(test_many_records_one_segment),
        cmocka_unit_test(test_kamailio_hepv2),
        cmocka_unit_test(test_bad_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
