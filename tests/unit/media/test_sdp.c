/*
 * test_sdp.c — SDP media descriptions (src/media/sdp.c).
 *
 * Vectors: the offer and answer of RFC 3264 §10.1 (with a=rtpmap for 97
 * iLBC), RFC 4566 §5.14's example (session c=, two m= lines), an IPv6
 * answer with a=rtcp (RFC 3605 §2.1 syntax) and a=rtcp-mux, a T.38
 * re-INVITE (image udptl), a hold (sendonly / c=0.0.0.0) and hostile
 * bodies: every truncation of a real SDP (no crash, no read past the end,
 * checked by ASan), too many m= lines and formats (counted), broken lines.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "media/sdp.h"

static unsigned parse(const char *s, struct sdp *out)
{
    return sdp_parse((const uint8_t *)s, strlen(s), out);
}

static void addr_is(const struct addr *a, const char *want)
{
    char b[ADDR_STRLEN];
    assert_string_equal(addr_str(a, b, sizeof(b)), want);
}

/* RFC 3264 §10.1, the offer (Alice) */
static const char OFFER[] =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
    "s=\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0 97\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:97 iLBC/8000\r\n"
    "m=video 51372 RTP/AVP 31 32\r\n"
    "a=rtpmap:31 H261/90000\r\n"
    "a=rtpmap:32 MPV/90000\r\n";

static void test_offer(void **st)
{
    struct sdp s;
    struct addr a;
    uint32_t clock;

    (void)st;
    assert_int_equal(parse(OFFER, &s), 2);
    assert_int_equal(s.n_media, 2);
    assert_true(s.has_addr);
    addr_is(&s.addr, "192.0.2.101");
    assert_int_equal(s.media[0].type, SDP_M_AUDIO);
    assert_int_equal(s.media[0].port, 49172);
    assert_true(s.media[0].rtp);
    assert_int_equal(s.media[0].n_fmt, 2);
    assert_string_equal(sdp_codec(&s.media[0], 97, &clock), "iLBC");
    assert_int_equal(clock, 8000);
    assert_string_equal(sdp_codec(&s.media[0], 0, &clock), "PCMU");
    assert_int_equal(s.media[1].type, SDP_M_VIDEO);
    assert_string_equal(sdp_codec(&s.media[1], 31, &clock), "H261");
    assert_int_equal(clock, 90000);
    /* session c= applies to both m= lines; direction defaults to sendrecv */
    assert_true(sdp_media_addr(&s, 1, &a));
    addr_is(&a, "192.0.2.101");
    assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDRECV);
    assert_int_equal(s.bad_lines, 0);
}

/* media-level c= overrides the session's; direction attributes at both levels */
static void test_levels_and_direction(void **st)
{
    struct sdp s;
    struct addr a;

    (void)st;
    assert_int_equal(parse("v=0\r\nc=IN IP4 198.51.100.1\r\na=sendonly\r\n"
                           "m=audio 4000 RTP/AVP 8\r\nc=IN IP4 203.0.113.7/127\r\n"
                           "m=audio 4002 RTP/AVP 8\r\na=inactive\r\n"
                           "m=audio 4004 RTP/AVP 8\r\na=RECVONLY\r\n", &s), 3);
    assert_true(sdp_media_addr(&s, 0, &a));
    addr_is(&a, "203.0.113.7");     /* multicast TTL suffix dropped */
    assert_true(sdp_media_addr(&s, 1, &a));
    addr_is(&a, "198.51.100.1");
    assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDONLY);   /* session level */
    assert_int_equal(sdp_media_dir(&s, 1), SDP_DIR_INACTIVE);
    assert_int_equal(sdp_media_dir(&s, 2), SDP_DIR_RECVONLY);
    assert_string_equal(sdp_dir_name(SDP_DIR_INACTIVE), "inactive");
}

static void test_ipv6_rtcp_mux(void **st)
{
    struct sdp s;
    struct addr a;

    (void)st;
    /* LF-only line ends, as some phones send them */
    assert_int_equal(parse("v=0\nc=IN IP6 2001:db8::5\nm=audio 30000 RTP/SAVPF 111 101\n"
                           "a=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\n"
                           "a=rtcp:30011 IN IP6 2001:db8::6\na=rtcp-mux\n", &s), 1);
    assert_true(sdp_media_addr(&s, 0, &a));
    addr_is(&a, "2001:db8::5");
    assert_true(s.media[0].rtp);
    assert_true(s.media[0].rtcp_mux);
    assert_int_equal(s.media[0].rtcp_port, 30011);
    assert_true(s.media[0].has_rtcp_addr);
    addr_is(&s.media[0].rtcp_addr, "2001:db8::6");
    assert_string_equal(s.media[0].fmt[0].name, "opus");
    assert_int_equal(s.media[0].fmt[0].clock, 48000);
    assert_string_equal(s.media[0].fmt[1].name, "telephone-event");
    /* an IP4 line with an IPv6 address is refused, not half-used */
    assert_int_equal(parse("c=IN IP4 2001:db8::5\r\nm=audio 1 RTP/AVP 0\r\n", &s), 1);
    assert_false(s.has_addr);
    assert_int_equal(s.bad_lines, 1);
}

static void test_t38_and_hold(void **st)
{
    struct sdp s;
    struct addr a;

    (void)st;
    assert_int_equal(parse("c=IN IP4 192.0.2.9\r\nm=image 16756 udptl t38\r\n"
                           "a=T38FaxVersion:0\r\n", &s), 1);
    assert_int_equal(s.media[0].type, SDP_M_IMAGE);
    assert_false(s.media[0].rtp);
    assert_int_equal(s.media[0].n_fmt, 0);
    assert_int_equal(s.bad_lines, 0);
    /* RFC 3264 §8.4 old-style hold: c=0.0.0.0 */
    assert_int_equal(parse("c=IN IP4 0.0.0.0\r\nm=audio 0 RTP/AVP 0\r\n", &s), 1);
    assert_true(sdp_media_addr(&s, 0, &a));
    addr_is(&a, "0.0.0.0");
    assert_int_equal(s.media[0].port, 0);
}

static void test_bounds_counted(void **st)
{
    struct sdp s;
    char body[2048];
    size_t n = 0;

    (void)st;
    n += (size_t)snprintf(body + n, sizeof(body) - n, "c=IN IP4 192.0.2.1\r\n");
    for (int i = 0; i < SDP_MAX_MEDIA + 3; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "m=audio %d RTP/AVP 0 8 9 18 96 97 98 99 100 101 102 103 104 105\r\n"
                              "a=rtpmap:96 X/8000\r\n", 5000 + 2 * i);
    assert_int_equal(parse(body, &s), SDP_MAX_MEDIA + 3);
    assert_int_equal(s.n_media, SDP_MAX_MEDIA);
    assert_int_equal(s.media_dropped, 3);
    assert_int_equal(s.fmt_dropped, SDP_MAX_MEDIA * (14 - SDP_MAX_FMT));
    /* an attribute of a dropped m= line does not land on the last kept one */
    assert_int_equal(s.media[SDP_MAX_MEDIA - 1].port, 5000 + 2 * (SDP_MAX_MEDIA - 1));
}

static void test_malformed(void **st)
{
    struct sdp s;

    (void)st;
    assert_int_equal(parse("garbage\r\nm=audio 99999 RTP/AVP 0\r\nm=audio x RTP/AVP 0\r\n"
                           "m=audio 5004 RTP/AVP 0 200 abc\r\na=rtpmap:0\r\na=rtpmap:0 PCMU\r\n"
                           "a=rtcp:70000\r\nc=IN IP4 not.an.address\r\nx\r\n", &s), 3);
    assert_int_equal(s.n_media, 1);         /* only the valid m= line */
    assert_int_equal(s.media[0].n_fmt, 1);  /* 200 and abc are not payload types */
    assert_true(s.bad_lines >= 8);
    assert_int_equal(parse("", &s), 0);
    /* a NUL inside a line is just a byte */
    assert_int_equal(sdp_parse((const uint8_t *)"m=audio 1\0 RTP/AVP 0", 20, &s), 1);
}

/* Every truncation of a real offer: never a read past the end (ASan). */
static void test_truncations(void **st)
{
    struct sdp s;
    size_t n = sizeof(OFFER) - 1;

    (void)st;
    for (size_t i = 0; i <= n; i++) {
        uint8_t *b = malloc(i ? i : 1);
        assert_non_null(b);
        memcpy(b, OFFER, i);
        (void)sdp_parse(b, i, &s);
        assert_true(s.n_media <= 2);
        free(b);
    }
}

static void test_static_codecs(void **st)
{
    uint32_t clock;

    (void)st;
    assert_string_equal(sdp_static_codec(8, &clock), "PCMA");
    assert_int_equal(clock, 8000);
    assert_string_equal(sdp_static_codec(9, &clock), "G722");
    assert_int_equal(clock, 8000);      /* RFC 3551 §4.5.2: G722's RTP clock is 8000 */
    assert_string_equal(sdp_static_codec(34, &clock), "H263");
    assert_null(sdp_static_codec(96, &clock));
    assert_int_equal(clock, 0);
    assert_null(sdp_codec(NULL, 101, &clock));
}

/* RFC 5621 / RFC 3204-style bodies: SDP next to ISUP or PIDF, nested
 * multipart, quoted boundaries, LF-only lines; every truncation is safe */
static const char MP_SDP[] =
    "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8\r\n";

static void mp_expect(const char *ct, const char *body, bool want)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    bool got = sdp_in_body((const uint8_t *)ct, strlen(ct), (const uint8_t *)body,
                           strlen(body), &p, &n);
    assert_int_equal(got, want);
    if (want) {
        struct sdp s;
        assert_int_equal(sdp_parse(p, n, &s), 1);
        assert_int_equal(s.media[0].port, 40000);
        assert_true(p >= (const uint8_t *)body && p + n <= (const uint8_t *)body + strlen(body));
        assert_int_equal(n, strlen(MP_SDP));
        assert_memory_equal(p, MP_SDP, n);
    }
}

static void test_multipart(void **st)
{
    char b[2048];
    (void)st;
    mp_expect("application/sdp", MP_SDP, true);
    mp_expect(" Application/SDP ; foo=bar", MP_SDP, true);
    mp_expect("text/plain", MP_SDP, false);
    /* SDP + ISUP (RFC 3204), the SDP first */
    snprintf(b, sizeof(b), "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n%s"
             "\r\n--unique-boundary-1\r\nContent-Type: application/ISUP;version=nxv3;base=etsi121"
             "\r\nContent-Disposition: signal;handling=optional\r\n\r\n\x01\x02\x49\xff\x80"
             "\r\n--unique-boundary-1--\r\n", MP_SDP);
    mp_expect("multipart/mixed;boundary=unique-boundary-1", b, true);
    /* PIDF first, SDP second, quoted boundary, compact c: header, preamble */
    snprintf(b, sizeof(b), "preamble\r\n--bx\r\nc: application/pidf+xml\r\n\r\n"
             "<presence/>\r\n--bx\r\nc: application/sdp\r\n\r\n%s\r\n--bx--", MP_SDP);
    mp_expect("multipart/alternative; charset=x; boundary=\"bx\"", b, true);
    /* nested: multipart/mixed holding multipart/alternative holding the SDP, LF only */
    snprintf(b, sizeof(b), "--outer\nContent-Type: multipart/alternative;boundary=inner\n\n"
             "--inner\nContent-Type: application/sdp\n\n%s\n--inner--\n\n--outer--\n", MP_SDP);
    mp_expect("multipart/mixed;boundary=outer", b, true);
    /* no boundary, no SDP part, a part whose headers never end, only a closing delimiter */
    mp_expect("multipart/mixed", b, false);
    mp_expect("multipart/mixed;boundary=", b, false);
    mp_expect("multipart/mixed;boundary=zz", "--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz--", false);
    mp_expect("multipart/mixed;boundary=zz", "--zz\r\nContent-Type: application/sdp\r\n", false);
    mp_expect("multipart/mixed;boundary=zz", "--zz--\r\n", false);
    /* nesting past the bound is refused, not followed */
    {
        char *o = b;
        size_t left = sizeof(b);
        for (int d = 0; d < SDP_MULTIPART_DEPTH; d++) {
            int w = snprintf(o, left, "--l%d\r\nContent-Type: multipart/mixed;boundary=l%d\r\n\r\n",
                             d, d + 1);
            o += w, left -= (size_t)w;
        }
        snprintf(o, left, "--l%d\r\nContent-Type: application/sdp\r\n\r\n%s", SDP_MULTIPART_DEPTH, MP_SDP);
        mp_expect("multipart/mixed;boundary=l0", b, false);
    }
    /* every truncation of a real multipart body: no read past the end (ASan) */
    snprintf(b, sizeof(b), "--unique-boundary-1\r\nContent-Type: application/ISUP\r\n\r\nxx\r\n"
             "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n%s\r\n"
             "--unique-boundary-1--\r\n", MP_SDP);
    for (size_t n = 0; n <= strlen(b); n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        const uint8_t *p;
        size_t pn;
        memcpy(copy, b, n);
        if (sdp_in_body((const uint8_t *)"multipart/mixed;boundary=unique-boundary-1", 42, copy, n,
                        &p, &pn))
            assert_true(p >= copy && p + pn <= copy + n);
        test_free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer),
        cmocka_unit_test(test_levels_and_direction),
        cmocka_unit_test(test_ipv6_rtcp_mux),
        cmocka_unit_test(test_t38_and_hold),
        cmocka_unit_test(test_bounds_counted),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_static_codecs),
        cmocka_unit_test(test_multipart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
