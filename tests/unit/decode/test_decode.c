/*
 * test_decode.c — decode layers with packets built in the test: every link
 * type, VLAN/QinQ, IPv4 options, IPv6 extension headers, IP-in-IP, IPv4/IPv6
 * fragments through decode_packet, tunnels (GRE, ERSPAN II/III, GRE-PPP,
 * PPPoE, GTP-U, VXLAN, MPLS), HEPv3 (with lying lengths) and HEPv2, SCTP
 * DATA, WebSocket over TCP, ICMP-quoted SIP, and truncation at every offset.
 */
#include "testutil.h"

#include "decode_build.h"
#include "stream/stream.h"

static struct sip_payload out[16];

static void udp_sip(struct pkt *p, const char *sip)
{
    pkt_set(p, sip, strlen(sip));
    wrap_udp(p, 5060, 5080);
}

static void test_is_sip(void **st)
{
    (void)st;
    const char *yes[] = { "SIP/2.0 200 OK\r\n", "REGISTER sip:a SIP/2.0\r\n",
                          "INVITEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE sip:x@y SIP/2.0\r\n",
                          "OPTIONS tel:+123 SIP/2.0\n", "SIP/2.0 100 Trying" };
    const char *no[] = { "HTTP/1.1 200 OK\r\n", "GET / HTTP/1.1\r\n", "SIP/2.0 20 OK\r\n",
                         "INVITE  sip:a SIP/2.0\r\n", "INVITE sip:a SIP/2.1\r\n",
                         "\r\n\r\n", "invite", "INVITE sip:a SIP/2.0x\r\n" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(frame_is_sip((const uint8_t *)yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(frame_is_sip((const uint8_t *)no[i], strlen(no[i])));
}

static void test_udp_ethernet(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    char buf[ADDR_STRLEN];

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    wrap_eth(&p, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 7, 1234567, out, 16), 1);
    assert_int_equal(out[0].frame, 7);
    assert_int_equal(out[0].ts_us, 1234567);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_memory_equal(out[0].data, SIP_REQ, strlen(SIP_REQ));
    assert_int_equal(out[0].transport, TRANSPORT_UDP);
    assert_string_equal(addr_str(&out[0].src.ip, buf, sizeof(buf)), "192.0.2.1");
    assert_string_equal(addr_str(&out[0].dst.ip, buf, sizeof(buf)), "198.51.100.2");
    assert_int_equal(out[0].src.port, 5060);
    assert_int_equal(out[0].dst.port, 5080);
    assert_false(out[0].quoted);
    assert_int_equal(out[0].site_id, 0);

    /* Ethernet padding after the IP datagram is not part of the payload. */
    memset(p.b + p.n, 0, 30);
    p.n += 30;
    assert_int_equal(run_pkt(d, 1, &p, 8, 0, out, 16), 1);
    assert_int_equal(out[0].len, strlen(SIP_REQ));

    /* Room for no payload: counted, not written. */
    assert_int_equal(run_pkt(d, 1, &p, 9, 0, out, 0), 0);
    assert_int_equal(dstat(d, "decode.out_full"), 1);

    /* A UDP datagram that is not SIP is counted, not emitted. */
    pkt_set(&p, "hello world, not sip", 20);
    wrap_udp(&p, 5060, 5060);
    wrap_ipv4(&p, 17);
    wrap_eth(&p, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 10, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.udp.not_sip"), 1);
    decoder_free(d);
}

static void test_vlan_qinq(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    uint16_t tags[9] = { 0x88a8, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100,
                         0x8100 };

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    wrap_eth_tags(&p, tags, 1, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 1, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    wrap_eth_tags(&p, tags, 2, 0x0800);     /* QinQ */
    assert_int_equal(run_pkt(d, 1, &p, 2, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    wrap_eth_tags(&p, tags, 9, 0x0800);     /* past the tag bound */
    assert_int_equal(run_pkt(d, 1, &p, 3, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.vlan.too_deep"), 1);
    decoder_free(d);
}

static void test_link_types(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
    uint8_t sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0 };
    uint8_t af_le[4] = { 2, 0, 0, 0 }, af_be[4] = { 0, 0, 0, 2 };
    uint32_t v6afs[3] = { 24, 28, 30 };

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    pkt_push(&p, sll, 16);
    assert_int_equal(run_pkt(d, 113, &p, 1, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    pkt_push(&p, sll2, 20);
    assert_int_equal(run_pkt(d, 276, &p, 1, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    pkt_push(&p, af_le, 4);
    assert_int_equal(run_pkt(d, 0, &p, 1, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    pkt_push(&p, af_be, 4);
    assert_int_equal(run_pkt(d, 0, &p, 1, 0, out, 16), 1);
    assert_int_equal(run_pkt(d, 108, &p, 1, 0, out, 16), 1);

    for (int i = 0; i < 3; i++) {
        uint8_t af[4] = { (uint8_t)v6afs[i], 0, 0, 0 };
        udp_sip(&p, SIP_REQ);
        wrap_ipv6(&p, 17);
        pkt_push(&p, af, 4);
        assert_int_equal(run_pkt(d, 0, &p, 1, 0, out, 16), 1);
        assert_false(addr_is_v4(&out[0].src.ip));
        uint8_t afb[4] = { 0, 0, 0, (uint8_t)v6afs[i] };
        memcpy(p.b, afb, 4);
        assert_int_equal(run_pkt(d, 0, &p, 1, 0, out, 16), 1);
    }
    uint8_t bad_af[4] = { 99, 0, 0, 0 };
    memcpy(p.b, bad_af, 4);
    assert_int_equal(run_pkt(d, 0, &p, 1, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.null.unknown_af"), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 1);
    assert_int_equal(run_pkt(d, 101, &p, 1, 0, out, 16), 1);
    assert_int_equal(run_pkt(d, 228, &p, 1, 0, out, 16), 1);
    assert_int_equal(run_pkt(d, 229, &p, 1, 0, out, 16), 0);   /* IPv4 bytes as IPv6 */
    assert_int_equal(dstat(d, "decode.ipv6.bad_version"), 1);
    udp_sip(&p, SIP_REQ);
    wrap_ipv6(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 1);
    assert_int_equal(run_pkt(d, 229, &p, 1, 0, out, 16), 1);

    assert_int_equal(run_pkt(d, 9999, &p, 1, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.link.unsupported"), 1);
    int lts[] = { 0, 1, 9, 12, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
        assert_true(decode_linktype_supported(lts[i]));
    assert_false(decode_linktype_supported(105));   /* 802.11 */
    assert_false(decode_linktype_supported(9999));
    decoder_free(d);
}

static void test_ipv4_options_ipv6_ext(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    uint8_t opts[8] = { 1, 1, 1, 7, 3, 4, 0, 0 };  /* NOPs, short record-route, EOL */
    uint8_t ah[12] = { 17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 };

    udp_sip(&p, SIP_REQ);
    wrap_ipv4_full(&p, "203.0.113.5", "192.0.2.9", 17, 1, 0, opts, 8);
    wrap_eth(&p, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 1, 0, out, 16), 1);
    assert_int_equal(out[0].len, strlen(SIP_REQ));

    /* IPv6: hop-by-hop → destination options → routing → AH → UDP. */
    udp_sip(&p, SIP_REQ);
    pkt_push(&p, ah, 12);
    wrap_ipv6_ext8(&p, 51);
    wrap_ipv6_ext8(&p, 43);
    wrap_ipv6_ext8(&p, 60);
    wrap_ipv6(&p, 0);
    wrap_eth(&p, 0x86dd);
    assert_int_equal(run_pkt(d, 1, &p, 2, 0, out, 16), 1);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_int_equal(out[0].src.ip.b[15], 1);
    assert_int_equal(out[0].dst.ip.b[15], 2);

    /* An extension header whose length runs past the datagram. */
    udp_sip(&p, SIP_REQ);
    uint8_t bad[8] = { 17, 200, 0, 0, 0, 0, 0, 0 };
    pkt_push(&p, bad, 8);
    wrap_ipv6(&p, 60);
    assert_int_equal(run_pkt(d, 229, &p, 3, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.ipv6.ext_bad"), 1);
    decoder_free(d);
}

static void depth1(struct caps *c)
{
    c->tunnel_depth = 1;
}

static void test_ip_in_ip(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(depth1);
    char buf[ADDR_STRLEN];

    udp_sip(&p, SIP_REQ);
    wrap_ipv4_full(&p, "10.0.0.1", "10.0.0.2", 17, 1, 0, NULL, 0);
    wrap_ipv4(&p, 4);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 1);
    assert_string_equal(addr_str(&out[0].src.ip, buf, sizeof(buf)), "10.0.0.1");

    udp_sip(&p, SIP_REQ);
    wrap_ipv6(&p, 17);
    wrap_ipv4(&p, 41);      /* 6in4 */
    assert_int_equal(run_pkt(d, 12, &p, 2, 0, out, 16), 1);
    assert_false(addr_is_v4(&out[0].src.ip));

    udp_sip(&p, SIP_REQ);
    wrap_ipv4_full(&p, "10.0.0.1", "10.0.0.2", 17, 1, 0, NULL, 0);
    wrap_ipv6(&p, 4);       /* 4in6 */
    assert_int_equal(run_pkt(d, 12, &p, 3, 0, out, 16), 1);
    assert_true(addr_is_v4(&out[0].src.ip));

    /* Two nestings with tunnel_depth 1: refused and counted. */
    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    wrap_ipv4(&p, 4);
    wrap_ipv4(&p, 4);
    assert_int_equal(run_pkt(d, 12, &p, 4, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.tunnel.too_deep"), 1);
    decoder_free(d);
}

/* IPv4 fragments of SIP_REQ over UDP; 3 pieces at 8-byte boundaries. */
static void frag4(struct pkt *p, const uint8_t *dgram, size_t n, size_t off, size_t len,
                  bool more, uint16_t id)
{
    pkt_set(p, dgram + off, len);
    wrap_ipv4_full(p, "192.0.2.1", "198.51.100.2", 17, id,
                   (uint16_t)((more ? 0x2000 : 0) | (off / 8)), NULL, 0);
    wrap_eth(p, 0x0800);
    (void)n;
}

static void test_ipv4_fragments(void **st)
{
    (void)st;
    static struct pkt p, u;
    struct decoder *d = new_decoder(NULL);

    udp_sip(&u, SIP_REQ);
    size_t n = u.n;     /* UDP datagram, fragmented at 64 and 128 */
    /* In order: completes on the third frame. */
    frag4(&p, u.b, n, 0, 64, true, 10);
    assert_int_equal(run_pkt(d, 1, &p, 1, 0, out, 16), 0);
    frag4(&p, u.b, n, 64, 64, true, 10);
    assert_int_equal(run_pkt(d, 1, &p, 2, 0, out, 16), 0);
    frag4(&p, u.b, n, 128, n - 128, false, 10);
    assert_int_equal(run_pkt(d, 1, &p, 3, 0, out, 16), 1);
    assert_int_equal(out[0].frame, 3);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_memory_equal(out[0].data, SIP_REQ, strlen(SIP_REQ));
    assert_int_equal(out[0].src.port, 5060);

    /* Out of order, with a duplicate. */
    frag4(&p, u.b, n, 128, n - 128, false, 11);
    assert_int_equal(run_pkt(d, 1, &p, 4, 0, out, 16), 0);
    frag4(&p, u.b, n, 64, 64, true, 11);
    assert_int_equal(run_pkt(d, 1, &p, 5, 0, out, 16), 0);
    assert_int_equal(run_pkt(d, 1, &p, 6, 0, out, 16), 0);
    assert_int_equal(dstat(d, "reasm_ip.duplicates"), 1);
    frag4(&p, u.b, n, 0, 64, true, 11);
    assert_int_equal(run_pkt(d, 1, &p, 7, 0, out, 16), 1);
    assert_memory_equal(out[0].data, SIP_REQ, strlen(SIP_REQ));

    /* Overlap: a later fragment rewriting bytes 64..127 loses (first wins). */
    static uint8_t evil[2048];
    memcpy(evil, u.b, n);
    memset(evil + 64, 'X', 64);
    frag4(&p, u.b, n, 0, 128, true, 12);
    assert_int_equal(run_pkt(d, 1, &p, 8, 0, out, 16), 0);
    frag4(&p, evil, n, 64, n - 64, false, 12);
    assert_int_equal(run_pkt(d, 1, &p, 9, 0, out, 16), 1);
    assert_memory_equal(out[0].data, SIP_REQ, strlen(SIP_REQ));
    assert_int_equal(dstat(d, "reasm_ip.overlaps"), 1);

    /* Timeout by packet time: the tail arrives 31 s later, alone. */
    frag4(&p, u.b, n, 0, 64, true, 13);
    assert_int_equal(run_pkt(d, 1, &p, 10, 1000000, out, 16), 0);
    frag4(&p, u.b, n, 64, n - 64, false, 13);
    assert_int_equal(run_pkt(d, 1, &p, 11, 32000000, out, 16), 0);
    assert_int_equal(dstat(d, "reasm_ip.timeouts"), 1);
    decoder_free(d);
}

static void two_trackers(struct caps *c)
{
    c->ip_frag_trackers = 2;
}

static void test_ipv4_fragment_cap(void **st)
{
    (void)st;
    static struct pkt p, u;
    struct decoder *d = new_decoder(two_trackers);

    udp_sip(&u, SIP_REQ);
    for (uint16_t id = 1; id <= 3; id++) {
        frag4(&p, u.b, u.n, 0, 64, true, id);
        assert_int_equal(run_pkt(d, 1, &p, id, id, out, 16), 0);
    }
    assert_int_equal(dstat(d, "reasm_ip.evicted_tracker_cap"), 1);
    assert_int_equal(dstat(d, "reasm_ip.trackers_live"), 2);
    /* id 1 was the oldest and is gone; ids 2 and 3 still complete. */
    frag4(&p, u.b, u.n, 64, u.n - 64, false, 1);
    assert_int_equal(run_pkt(d, 1, &p, 4, 4, out, 16), 0);
    frag4(&p, u.b, u.n, 64, u.n - 64, false, 3);
    assert_int_equal(run_pkt(d, 1, &p, 5, 5, out, 16), 1);
    decoder_free(d);
}

static void test_ipv6_fragments(void **st)
{
    (void)st;
    static struct pkt p, u;
    struct decoder *d = new_decoder(NULL);

    udp_sip(&u, SIP_RESP);
    size_t cut = 64;
    for (int order = 0; order < 2; order++) {
        for (int k = 0; k < 2; k++) {
            int part = order == 0 ? k : 1 - k;
            size_t off = part == 0 ? 0 : cut, len = part == 0 ? cut : u.n - cut;
            uint8_t fh[8] = { 17, 0, 0, 0, 0, 0, 0, (uint8_t)(7 + order) };
            put16(fh + 2, (uint16_t)(off | (part == 0 ? 1 : 0)));
            pkt_set(&p, u.b + off, len);
            pkt_push(&p, fh, 8);
            wrap_ipv6(&p, 44);
            size_t got = run_pkt(d, 229, &p, (uint64_t)(10 * order + k + 1), 0, out, 16);
            assert_int_equal(got, k == 1 ? 1 : 0);
        }
        assert_int_equal(out[0].len, strlen(SIP_RESP));
        assert_memory_equal(out[0].data, SIP_RESP, strlen(SIP_RESP));
        assert_int_equal(out[0].frame, 10 * order + 2);
    }
    assert_int_equal(dstat(d, "decode.ipv6.fragments"), 4);

    /* A destination options header after the fragment header travels in
     * the fragmentable part: the chain continues after reassembly. */
    udp_sip(&u, SIP_RESP);
    wrap_ipv6_ext8(&u, 17);
    for (int k = 0; k < 2; k++) {
        size_t off = k == 0 ? 0 : cut, len = k == 0 ? cut : u.n - cut;
        uint8_t fh[8] = { 60, 0, 0, 0, 0, 0, 0, 99 };
        put16(fh + 2, (uint16_t)(off | (k == 0 ? 1 : 0)));
        pkt_set(&p, u.b + off, len);
        pkt_push(&p, fh, 8);
        wrap_ipv6(&p, 44);
        assert_int_equal(run_pkt(d, 229, &p, 30 + (uint64_t)k, 0, out, 16), (size_t)k);
    }
    assert_memory_equal(out[0].data, SIP_RESP, strlen(SIP_RESP));
    decoder_free(d);
}

/* HEPv3 chunk writer. */
static size_t chunk(uint8_t *b, uint16_t type, const void *v, size_t n)
{
    put16(b, 0);
    put16(b + 2, type);
    put16(b + 4, (uint16_t)(n + 6));
    memcpy(b + 6, v, n);
    return n + 6;
}

static size_t hep3_build(uint8_t *b, const char *sip)
{
    size_t o = 6;
    uint8_t fam = 2, proto = 6, src[4] = { 203, 0, 113, 7 }, dst[4] = { 198, 51, 100, 8 };
    uint8_t sp[2], dp[2], sec[4], usec[4], cid[4], pt = 1;
    put16(sp, 5070);
    put16(dp, 5071);
    put32(sec, 1600000000);
    put32(usec, 250);
    put32(cid, 42);
    memcpy(b, "HEP3", 4);
    o += chunk(b + o, 1, &fam, 1);
    o += chunk(b + o, 2, &proto, 1);
    o += chunk(b + o, 3, src, 4);
    o += chunk(b + o, 4, dst, 4);
    o += chunk(b + o, 7, sp, 2);
    o += chunk(b + o, 8, dp, 2);
    o += chunk(b + o, 9, sec, 4);
    o += chunk(b + o, 10, usec, 4);
    o += chunk(b + o, 11, &pt, 1);
    o += chunk(b + o, 12, cid, 4);
    o += chunk(b + o, 15, sip, strlen(sip));
    put16(b + 4, (uint16_t)o);
    return o;
}

static void test_hep3(void **st)
{
    (void)st;
    static struct pkt p;
    static uint8_t h[4096];
    struct decoder *d = new_decoder(NULL);
    char buf[ADDR_STRLEN];
    size_t n = hep3_build(h, SIP_REQ);

    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 5, out, 16), 1);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_string_equal(addr_str(&out[0].src.ip, buf, sizeof(buf)), "203.0.113.7");
    assert_string_equal(addr_str(&out[0].dst.ip, buf, sizeof(buf)), "198.51.100.8");
    assert_int_equal(out[0].src.port, 5070);
    assert_int_equal(out[0].dst.port, 5071);
    assert_int_equal(out[0].transport, TRANSPORT_TCP);
    assert_int_equal(out[0].ts_us, 1600000000LL * 1000000 + 250);
    assert_int_equal(out[0].site_id, 42);

    /* Lying total length (larger than the datagram): clipped, still decoded. */
    put16(h + 4, 65000);
    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 2, 5, out, 16), 1);
    assert_int_equal(out[0].len, strlen(SIP_REQ));

    /* Payload chunk claiming more bytes than exist: malformed, no payload,
     * no read past the end (ASan). */
    put16(h + n - strlen(SIP_REQ) - 2, 60000);
    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 3, 5, out, 16), 0);
    assert_int_equal(dstat(d, "decode.hep.malformed"), 1);

    /* Chunk length below its own header. */
    n = hep3_build(h, SIP_REQ);
    put16(h + 6 + 4, 3);
    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 4, 5, out, 16), 0);
    assert_int_equal(dstat(d, "decode.hep.malformed"), 2);

    /* A compressed payload (chunk 16) is counted, not decoded. */
    n = hep3_build(h, SIP_REQ);
    put16(h + n - strlen(SIP_REQ) - 4, 16);
    pkt_set(&p, h, n);
    wrap_udp(&p, 40000, 9060);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 5, 5, out, 16), 0);
    assert_int_equal(dstat(d, "decode.hep.compressed_payload"), 1);

    /* Truncate the HEP datagram (consistent UDP/IP lengths) at every offset. */
    n = hep3_build(h, SIP_REQ);
    for (size_t k = 0; k < n; k++) {
        pkt_set(&p, h, k);
        wrap_udp(&p, 40000, 9060);
        wrap_ipv4(&p, 17);
        assert_int_equal(run_pkt(d, 12, &p, 5, 5, out, 16), 0);
    }
    decoder_free(d);
}

static void test_hep2(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    char buf[ADDR_STRLEN];
    /* hep_hdr + hep_iphdr (v4) + hep_timehdr (12 with padding) = 28 */
    uint8_t h[28] = { 2, 28, 2, 17, 0x13, 0xc4, 0x13, 0xc5, 192, 0, 2, 10, 192, 0, 2, 11,
                      0x10, 0, 0, 0, 0x20, 0, 0, 0, 7, 0, 0, 0 };

    pkt_set(&p, SIP_RESP, strlen(SIP_RESP));
    pkt_push(&p, h, 28);
    wrap_udp(&p, 40000, 9061);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 1, 5, out, 16), 1);
    assert_string_equal(addr_str(&out[0].src.ip, buf, sizeof(buf)), "192.0.2.10");
    assert_int_equal(out[0].src.port, 5060);
    assert_int_equal(out[0].dst.port, 5061);
    assert_int_equal(out[0].ts_us, 16LL * 1000000 + 32);
    assert_int_equal(out[0].site_id, 7);
    assert_int_equal(out[0].len, strlen(SIP_RESP));
    decoder_free(d);
}

static void inner_eth_udp(struct pkt *p)
{
    udp_sip(p, SIP_REQ);
    wrap_ipv4_full(p, "10.1.1.1", "10.1.1.2", 17, 1, 0, NULL, 0);
    wrap_eth(p, 0x0800);
}

static void test_gre_erspan(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);
    char buf[ADDR_STRLEN];

    /* GRE transparent Ethernet bridging. */
    inner_eth_udp(&p);
    uint8_t teb[4] = { 0, 0, 0x65, 0x58 };
    pkt_push(&p, teb, 4);
    wrap_ipv4(&p, 47);
    wrap_eth(&p, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 1, 0, out, 16), 1);
    assert_string_equal(addr_str(&out[0].src.ip, buf, sizeof(buf)), "10.1.1.1");

    /* ERSPAN type II: GRE with sequence number, 8-byte ERSPAN header. */
    inner_eth_udp(&p);
    uint8_t e2[8] = { 0x10, 0x64, 0x00, 0x01, 0, 0, 0, 0 };
    uint8_t g2[8] = { 0x10, 0, 0x88, 0xbe, 0, 0, 0, 9 };
    pkt_push(&p, e2, 8);
    pkt_push(&p, g2, 8);
    wrap_ipv4(&p, 47);
    wrap_eth(&p, 0x0800);
    assert_int_equal(run_pkt(d, 1, &p, 2, 0, out, 16), 1);

    /* ERSPAN type III with the optional platform subheader (O bit). */
    inner_eth_udp(&p);
    uint8_t e3[20] = { 0x20, 0x64, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01 };
    uint8_t g3[8] = { 0x10, 0, 0x22, 0xeb, 0, 0, 0, 9 };
    pkt_push(&p, e3, 20);
    pkt_push(&p, g3, 8);
    wrap_ipv4(&p, 47);
    assert_int_equal(run_pkt(d, 12, &p, 3, 0, out, 16), 1);

    /* ERSPAN type I: 0x88BE without a sequence number, Ethernet directly. */
    inner_eth_udp(&p);
    uint8_t g1[4] = { 0, 0, 0x88, 0xbe };
    pkt_push(&p, g1, 4);
    wrap_ipv4(&p, 47);
    assert_int_equal(run_pkt(d, 12, &p, 4, 0, out, 16), 1);

    /* Enhanced GRE (v1, PPTP) carrying PPP with address/control bytes. */
    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    uint8_t ppp[4] = { 0xff, 0x03, 0x00, 0x21 };
    uint8_t g4[8] = { 0x20, 0x01, 0x88, 0x0b, 0, 40, 0, 1 };
    pkt_push(&p, ppp, 4);
    pkt_push(&p, g4, 8);
    wrap_ipv4(&p, 47);
    assert_int_equal(run_pkt(d, 12, &p, 5, 0, out, 16), 1);

    /* Wrong ERSPAN version is counted. */
    inner_eth_udp(&p);
    uint8_t bad[8] = { 0x30, 0, 0, 0, 0, 0, 0, 0 };
    pkt_push(&p, bad, 8);
    pkt_push(&p, g2, 8);
    wrap_ipv4(&p, 47);
    assert_int_equal(run_pkt(d, 12, &p, 6, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.erspan.bad_version"), 1);
    decoder_free(d);
}

static void test_pppoe_gtp_vxlan_mpls(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    uint8_t pppoe[8] = { 0x11, 0, 0, 1, 0, 0, 0x00, 0x21 };
    put16(pppoe + 4, (uint16_t)(p.n + 2));
    pkt_push(&p, pppoe, 8);
    wrap_eth(&p, 0x8864);
    assert_int_equal(run_pkt(d, 1, &p, 1, 0, out, 16), 1);

    /* GTP-U G-PDU with a sequence number and one extension header. */
    udp_sip(&p, SIP_REQ);
    wrap_ipv4_full(&p, "10.2.0.1", "10.2.0.2", 17, 1, 0, NULL, 0);
    uint8_t ext[4] = { 1, 0xaa, 0xbb, 0 };
    pkt_push(&p, ext, 4);
    uint8_t gtp[12] = { 0x36, 0xff, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0x85 };
    put16(gtp + 2, (uint16_t)(p.n + 4));
    pkt_push(&p, gtp, 12);
    wrap_udp(&p, 2152, 2152);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 2, 0, out, 16), 1);
    assert_int_equal(out[0].src.ip.b[15], 1);
    assert_int_equal(out[0].src.ip.b[13], 2);

    inner_eth_udp(&p);
    uint8_t vx[8] = { 0x08, 0, 0, 0, 0, 0, 1, 0 };
    pkt_push(&p, vx, 8);
    wrap_udp(&p, 1234, 4789);
    wrap_ipv4(&p, 17);
    assert_int_equal(run_pkt(d, 12, &p, 3, 0, out, 16), 1);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    uint8_t mpls[8] = { 0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40 };  /* two labels */
    pkt_push(&p, mpls, 8);
    wrap_eth(&p, 0x8847);
    assert_int_equal(run_pkt(d, 1, &p, 4, 0, out, 16), 1);
    decoder_free(d);
}

static size_t sctp_data(uint8_t *b, uint8_t flags, uint32_t tsn, const void *data, size_t n)
{
    b[0] = 0;
    b[1] = flags;
    put16(b + 2, (uint16_t)(16 + n));
    put32(b + 4, tsn);
    put16(b + 8, 0);
    put16(b + 10, 0);
    put32(b + 12, 0);
    memcpy(b + 16, data, n);
    size_t t = 16 + n;
    while (t % 4)
        b[t++] = 0;
    return t;
}

static void test_sctp(void **st)
{
    (void)st;
    static struct pkt p;
    static uint8_t b[4096];
    struct decoder *d = new_decoder(NULL);
    uint8_t common[12] = { 0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 1, 0, 0, 0, 0 };

    size_t n = sctp_data(b, 3, 1, SIP_REQ, strlen(SIP_REQ));
    n += sctp_data(b + n, 3, 2, SIP_RESP, strlen(SIP_RESP));     /* bundled */
    pkt_set(&p, b, n);
    pkt_push(&p, common, 12);
    wrap_ipv4(&p, 132);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 2);
    assert_int_equal(out[0].transport, TRANSPORT_SCTP);
    assert_int_equal(out[0].len, strlen(SIP_REQ));
    assert_int_equal(out[1].len, strlen(SIP_RESP));
    assert_int_equal(out[0].src.port, 5060);

    /* One message in two DATA chunks (B, then E) in two packets. */
    n = sctp_data(b, 2, 10, SIP_REQ, 50);
    pkt_set(&p, b, n);
    pkt_push(&p, common, 12);
    wrap_ipv4(&p, 132);
    assert_int_equal(run_pkt(d, 12, &p, 2, 0, out, 16), 0);
    n = sctp_data(b, 1, 11, SIP_REQ + 50, strlen(SIP_REQ) - 50);
    pkt_set(&p, b, n);
    pkt_push(&p, common, 12);
    wrap_ipv4(&p, 132);
    assert_int_equal(run_pkt(d, 12, &p, 3, 0, out, 16), 1);
    assert_int_equal(out[0].frame, 3);
    assert_memory_equal(out[0].data, SIP_REQ, strlen(SIP_REQ));

    /* A chunk length past the packet. */
    n = sctp_data(b, 3, 1, SIP_REQ, strlen(SIP_REQ));
    put16(b + 2, 4000);
    pkt_set(&p, b, n);
    pkt_push(&p, common, 12);
    wrap_ipv4(&p, 132);
    assert_int_equal(run_pkt(d, 12, &p, 4, 0, out, 16), 0);
    assert_int_equal(dstat(d, "decode.sctp.chunk_bad"), 1);
    decoder_free(d);
}

static void tcp_seg(struct pkt *p, const char *src, const char *dst, uint16_t sp, uint16_t dp,
                    uint32_t seq, uint8_t flags, const void *data, size_t n)
{
    pkt_set(p, data, n);
    wrap_tcp(p, sp, dp, seq, flags);
    wrap_ipv4_full(p, src, dst, 6, 1, 0, NULL, 0);
}

static void test_websocket(void **st)
{
    (void)st;
    static struct pkt p;
    static uint8_t fr[2048];
    struct decoder *d = new_decoder(NULL);
    const char *hs = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    const char *ans = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
    size_t sl = strlen(SIP_REQ);
    uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };

    tcp_seg(&p, "192.0.2.1", "192.0.2.2", 40000, 8080, 100, 0x02, NULL, 0);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 0);
    tcp_seg(&p, "192.0.2.1", "192.0.2.2", 40000, 8080, 101, 0x18, hs, strlen(hs));
    assert_int_equal(run_pkt(d, 12, &p, 2, 0, out, 16), 0);
    /* Masked text frame, 16-bit extended length. */
    fr[0] = 0x81;
    fr[1] = 0x80 | 126;
    put16(fr + 2, (uint16_t)sl);
    memcpy(fr + 4, mask, 4);
    for (size_t i = 0; i < sl; i++)
        fr[8 + i] = (uint8_t)(SIP_REQ[i] ^ mask[i & 3]);
    /* Split the frame over two segments. */
    tcp_seg(&p, "192.0.2.1", "192.0.2.2", 40000, 8080, 101 + (uint32_t)strlen(hs), 0x18, fr,
            100);
    assert_int_equal(run_pkt(d, 12, &p, 3, 0, out, 16), 0);
    tcp_seg(&p, "192.0.2.1", "192.0.2.2", 40000, 8080, 201 + (uint32_t)strlen(hs), 0x18,
            fr + 100, 8 + sl - 100);
    assert_int_equal(run_pkt(d, 12, &p, 4, 0, out, 16), 1);
    assert_int_equal(out[0].transport, TRANSPORT_WS);
    assert_int_equal(out[0].frame, 4);
    assert_int_equal(out[0].len, sl);
    assert_memory_equal(out[0].data, SIP_REQ, sl);

    /* Server side picked up mid-way: 101 answer then an unmasked frame. */
    size_t rl = strlen(SIP_RESP);
    size_t al = strlen(ans);
    memcpy(fr, ans, al);
    fr[al] = 0x81;
    fr[al + 1] = 126;
    put16(fr + al + 2, (uint16_t)rl);
    memcpy(fr + al + 4, SIP_RESP, rl);
    tcp_seg(&p, "192.0.2.2", "192.0.2.1", 8080, 40000, 5000, 0x18, fr, al + 4 + rl);
    assert_int_equal(run_pkt(d, 12, &p, 5, 0, out, 16), 1);
    assert_int_equal(out[0].len, rl);
    assert_memory_equal(out[0].data, SIP_RESP, rl);
    decoder_free(d);
}

static void test_icmp_quoted(void **st)
{
    (void)st;
    static struct pkt p;
    struct decoder *d = new_decoder(NULL);

    udp_sip(&p, SIP_REQ);
    wrap_ipv4(&p, 17);
    p.n -= 40;  /* the quote is cut short; inner lengths claim more */
    uint8_t icmp[8] = { 3, 3, 0, 0, 0, 0, 0, 0 };
    pkt_push(&p, icmp, 8);
    wrap_ipv4_full(&p, "198.51.100.2", "192.0.2.1", 1, 9, 0, NULL, 0);
    assert_int_equal(run_pkt(d, 12, &p, 1, 0, out, 16), 1);
    assert_true(out[0].quoted);
    assert_int_equal(out[0].len, strlen(SIP_REQ) - 40);
    assert_int_equal(out[0].src.ip.b[15], 1);   /* the quoted sender */
    decoder_free(d);
}

/* Every frame shape, cut at every offset: no payload, a counter, no crash. */
static void test_truncation_every_offset(void **st)
{
    (void)st;
    static struct pkt shapes[8], p;
    int lts[8];
    size_t ns = 0;
    struct decoder *d = new_decoder(NULL);
    uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00 };
    uint16_t tags[2] = { 0x88a8, 0x8100 };

    udp_sip(&shapes[ns], SIP_REQ);
    wrap_ipv4(&shapes[ns], 17);
    wrap_eth_tags(&shapes[ns], tags, 2, 0x0800);
    lts[ns++] = 1;

    udp_sip(&shapes[ns], SIP_REQ);
    wrap_ipv6_ext8(&shapes[ns], 17);
    wrap_ipv6(&shapes[ns], 60);
    pkt_push(&shapes[ns], sll, 16);
    shapes[ns].b[14] = 0x86;
    shapes[ns].b[15] = 0xdd;
    lts[ns++] = 113;

    tcp_seg(&shapes[ns], "192.0.2.1", "192.0.2.2", 1, 2, 7, 0x18, SIP_REQ, strlen(SIP_REQ));
    lts[ns++] = 12;

    inner_eth_udp(&shapes[ns]);
    uint8_t g2[8] = { 0x10, 0, 0x88, 0xbe, 0, 0, 0, 9 }, e2[8] = { 0x10, 0, 0, 1, 0, 0, 0, 0 };
    pkt_push(&shapes[ns], e2, 8);
    pkt_push(&shapes[ns], g2, 8);
    wrap_ipv4(&shapes[ns], 47);
    wrap_eth(&shapes[ns], 0x0800);
    lts[ns++] = 1;

    static uint8_t h[4096];
    size_t hn = hep3_build(h, SIP_REQ);
    pkt_set(&shapes[ns], h, hn);
    wrap_udp(&shapes[ns], 1, 9060);
    wrap_ipv6(&shapes[ns], 17);
    uint8_t af[4] = { 30, 0, 0, 0 };
    pkt_push(&shapes[ns], af, 4);
    lts[ns++] = 0;

    static uint8_t sc[2048];
    uint8_t common[12] = { 0x13, 0xc4, 0x13, 0xc4, 0, 0, 0, 1, 0, 0, 0, 0 };
    size_t sn = sctp_data(sc, 3, 1, SIP_REQ, strlen(SIP_REQ));
    pkt_set(&shapes[ns], sc, sn);
    pkt_push(&shapes[ns], common, 12);
    wrap_ipv4(&shapes[ns], 132);
    lts[ns++] = 228;

    udp_sip(&shapes[ns], SIP_REQ);
    wrap_ipv4(&shapes[ns], 17);
    uint8_t pppoe[8] = { 0x11, 0, 0, 1, 0, 0, 0x00, 0x21 };
    put16(pppoe + 4, (uint16_t)(shapes[ns].n + 2));
    pkt_push(&shapes[ns], pppoe, 8);
    wrap_eth(&shapes[ns], 0x8864);
    lts[ns++] = 1;

    for (size_t s = 0; s < ns; s++) {
        struct packet full = { 1, 0, (uint32_t)shapes[s].n, (uint32_t)shapes[s].n, lts[s],
                               shapes[s].b };
        assert_int_equal(decode_packet(d, &full, out, 16), 1);
        for (size_t k = 0; k < shapes[s].n; k++) {
            uint64_t before = derrsum(d);
            /* Copy to an exact-size heap buffer so ASan sees any overread. */
            uint8_t *cut = malloc(k > 0 ? k : 1);
            assert_non_null(cut);
            memcpy(cut, shapes[s].b, k);
            struct packet pk = { 2 + k, 0, (uint32_t)k, (uint32_t)shapes[s].n, lts[s], cut };
            assert_int_equal(decode_packet(d, &pk, out, 16), 0);
            free(cut);
            if (derrsum(d) <= before)
                fail_msg("shape %zu cut at %zu: no counter", s, k);
        }
    }
    (void)p;
    decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_sip),
        cmocka_unit_test(test_udp_ethernet),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_ipv4_options_ipv6_ext),
        cmocka_unit_test(test_ip_in_ip),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv4_fragment_cap),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_hep3),
        cmocka_unit_test(test_hep2),
        cmocka_unit_test(test_gre_erspan),
        cmocka_unit_test(test_pppoe_gtp_vxlan_mpls),
        cmocka_unit_test(test_sctp),
        cmocka_unit_test(test_websocket),
        cmocka_unit_test(test_icmp_quoted),
        cmocka_unit_test(test_truncation_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
