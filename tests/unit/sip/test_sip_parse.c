/*
 * test_sip_parse.c — the SIP scanner/parser (src/sip_parse.c, sip_scan.c)
 * on hand-written messages: every header kind, compact forms, folding,
 * lists, IPv6, auth quoting, malformed and hostile input (truncation at
 * every offset, NUL and non-UTF-8 bytes, 10,000 Vias, a 100 KB line).
 * Expected values are what RFC 3261 / 4566 say the bytes mean; where
 * libosip2 can parse the message too, sip_verify cross-checks it.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "sip.h"
#include "sip/sip_scan.h"

static struct caps caps;
static struct sip_parser *sp;
static struct sip_msg m;
static uint8_t *copy;               /* the bytes parse_n last parsed */

static int setup(void **state)
{
    (void)state;
    caps_default(&caps);
    sp = sip_parser_new(&caps);
    return sp == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    sip_parser_free(sp);
    free(copy);
    return 0;
}

/* Parse exactly len bytes from a heap copy, so ASan sees any over-read. */
static int parse_n(struct sip_parser *p, const char *text, size_t len)
{
    struct sip_payload in = { .frame = 7, .transport = TRANSPORT_UDP };
    int rc;

    free(copy);
    copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    in.data = copy;
    in.len = len;
    rc = sip_parse(p, &in, &m);
    return rc;
}

static int parse(const char *text)
{
    return parse_n(sp, text, strlen(text));
}

/* sip_verify on the message just parsed must agree with libosip2. */
static void agrees_with_osip(const char *text)
{
    char why[512];
    int v = sip_verify(&m, (const uint8_t *)text, strlen(text), why, sizeof why);
    if (v != 0)
        print_message("sip_verify: %s\n", why);
    assert_int_equal(v, 0);
}

#define assert_span(s, lit) do { \
        struct span s_ = (s); \
        if (s_.len != strlen(lit) || (s_.len > 0 && memcmp(s_.p, lit, s_.len) != 0)) \
            fail_msg("span '%.*s' != '%s'", (int)s_.len, s_.p ? s_.p : "", lit); \
    } while (0)

static const char invite[] =
    "INVITE sip:+15551234567@trunk.example.com:5080;transport=udp;user=phone SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport\r\n"
    "Via: SIP/2.0/TCP 198.51.100.7;received=203.0.113.9;rport=40000;branch=z9hG4bK-0\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice \\\"A\\\" Smith\" <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:+15551234567@trunk.example.com>\r\n"
    "Call-ID: abc123@192.0.2.10\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=300\r\n"
    "User-Agent: TestPhone/1.0\r\n"
    "Expires: 180\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 151\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.11\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0\r\n"
    "m=video 51372/2 RTP/AVP 31\r\n"
    "c=IN IP4 198.51.100.20/127\r\n"
    "a=x\r\n";

static void test_request_fields(void **state)
{
    (void)state;
    assert_int_equal(strlen(invite) - (size_t)(strstr(invite, "\r\n\r\n") + 4 - invite), 151);
    assert_int_equal(parse(invite), SIP_OK);
    assert_true(m.is_request);
    assert_int_equal(m.method, SIP_INVITE);
    assert_span(m.method_name, "INVITE");
    assert_span(m.ruri.scheme, "sip");
    assert_span(m.ruri.user, "+15551234567");
    assert_span(m.ruri.host, "trunk.example.com");
    assert_int_equal(m.ruri.port, 5080);
    assert_span(m.ruri.transport, "udp");
    assert_span(m.call_id, "abc123@192.0.2.10");
    assert_int_equal(m.cseq, 314159);
    assert_int_equal(m.cseq_method, SIP_INVITE);
    assert_span(m.from.display, "Alice \"A\" Smith");
    assert_span(m.from.uri.user, "alice");
    assert_span(m.from.tag, "f1");
    assert_int_equal(m.to.tag.len, 0);
    assert_span(m.to.uri.host, "trunk.example.com");
    assert_int_equal(m.via_total, 2);
    assert_int_equal(m.n_via, 2);
    assert_int_equal(m.via[0].transport, TRANSPORT_UDP);
    assert_span(m.via[0].host, "192.0.2.10");
    assert_int_equal(m.via[0].port, 5060);
    assert_span(m.via[0].branch, "z9hG4bK-1");
    assert_int_equal(m.via[0].rport, 0);
    assert_int_equal(m.via[1].transport, TRANSPORT_TCP);
    assert_int_equal(m.via[1].port, 0);
    assert_span(m.via[1].received, "203.0.113.9");
    assert_int_equal(m.via[1].rport, 40000);
    assert_int_equal(m.n_contact, 1);
    assert_span(m.contact[0].uri.host, "192.0.2.10");
    assert_int_equal(m.contact[0].expires, 300);
    assert_span(m.user_agent, "TestPhone/1.0");
    assert_int_equal(m.expires, 180);
    assert_int_equal(m.max_forwards, 70);
    assert_span(m.content_type, "application/sdp");
    assert_int_equal(m.content_length, 151);
    assert_int_equal(m.body_len, 151);
    assert_true(m.sdp.present);
    assert_span(m.sdp.o_addr, "192.0.2.10");
    assert_span(m.sdp.c_addr, "192.0.2.11");
    assert_int_equal(m.sdp.n_media, 2);
    assert_span(m.sdp.media[0].type, "audio");
    assert_int_equal(m.sdp.media[0].port, 49170);
    assert_span(m.sdp.media[0].proto, "RTP/AVP");
    assert_int_equal(m.sdp.media[0].c_addr.len, 0);
    assert_int_equal(m.sdp.media[1].port, 51372);
    assert_span(m.sdp.media[1].c_addr, "198.51.100.20");
    assert_int_equal(m.frame, 7);
    assert_int_equal(m.transport, TRANSPORT_UDP);
    agrees_with_osip(invite);
}

static const char challenge401[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>;tag=t9\r\n"
    "Call-ID: reg-1\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Server: Trunk/2.1\r\n"
    "WWW-Authenticate: Digest realm=\"sip.example.com\", nonce=\"n,1\", "
    "algorithm=MD5, qop=\"auth,auth-int\", opaque=\"op\", stale=TRUE\r\n"
    "WWW-Authenticate: Digest realm=\"sip.example.com\",nonce=\"n2\",algorithm=SHA-256,stale=false\r\n"
    "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"p1\", stale=true\r\n"
    "Warning: 399 sip.example.com \"bad password\"\r\n"
    "Reason: SIP;cause=401;text=\"Unauthorized\"\r\n"
    "X-Twilio-Error: 32201 Authentication failure\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static void test_response_challenges(void **state)
{
    (void)state;
    assert_int_equal(parse(challenge401), SIP_OK);
    assert_false(m.is_request);
    assert_int_equal(m.status, 401);
    assert_span(m.reason_phrase, "Unauthorized");
    assert_span(m.server, "Trunk/2.1");
    assert_int_equal(m.cseq_method, SIP_REGISTER);
    assert_span(m.to.tag, "t9");
    assert_int_equal(m.n_challenge, 3);
    assert_false(m.challenge[0].proxy);
    assert_span(m.challenge[0].scheme, "Digest");
    assert_span(m.challenge[0].realm, "sip.example.com");
    assert_span(m.challenge[0].nonce, "n,1");
    assert_span(m.challenge[0].algorithm, "MD5");
    assert_span(m.challenge[0].qop, "auth,auth-int");
    assert_span(m.challenge[0].opaque, "op");
    assert_true(m.challenge[0].stale);
    assert_span(m.challenge[1].algorithm, "SHA-256");
    assert_false(m.challenge[1].stale);
    assert_true(m.challenge[2].proxy);
    assert_true(m.challenge[2].stale);
    assert_span(m.challenge[2].realm, "proxy");
    assert_span(m.warning, "399 sip.example.com \"bad password\"");
    assert_span(m.reason_hdr, "SIP;cause=401;text=\"Unauthorized\"");
    assert_span(m.x_twilio_error, "32201 Authentication failure");
    assert_int_equal(m.content_length, 0);
    assert_int_equal(m.body_len, 0);
    assert_false(m.sdp.present);
    agrees_with_osip(challenge401);
}

static void test_credentials_quoting(void **state)
{
    static const char msg[] =
        "REGISTER sip:example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-2\r\n"
        "From: <sip:alice@example.com>;tag=f1\r\n"
        "To: <sip:alice@example.com>\r\n"
        "Call-ID: reg-1\r\n"
        "CSeq: 3 REGISTER\r\n"
        "Authorization: Digest username=\"al\\\"ice\", realm=\"a, b\",\r\n"
        "  nonce=\"n1\", uri=\"sip:example.com\", response=\"0123abcd\",\r\n"
        "  algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c,n\", opaque=\"\"\r\n"
        "Proxy-Authorization: Digest username=\"other\"\r\n"
        "Content-Length: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_true(m.cred.present);
    assert_false(m.cred.proxy);
    assert_span(m.cred.scheme, "Digest");
    assert_span(m.cred.username, "al\"ice");     /* escape removed */
    assert_span(m.cred.realm, "a, b");
    assert_span(m.cred.nonce, "n1");
    assert_span(m.cred.uri, "sip:example.com");
    assert_span(m.cred.response, "0123abcd");
    assert_span(m.cred.algorithm, "MD5");
    assert_span(m.cred.qop, "auth");
    assert_span(m.cred.nc, "00000001");
    assert_span(m.cred.cnonce, "c,n");
    assert_non_null(m.cred.opaque.p);            /* present but empty */
    assert_int_equal(m.cred.opaque.len, 0);
}

static void test_proxy_credentials(void **state)
{
    static const char msg[] =
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-3\r\n"
        "f: <sip:alice@example.com>;tag=f1\r\n"
        "t: <sip:bob@example.com>\r\n"
        "i: inv-1\r\n"
        "CSeq: 2 INVITE\r\n"
        "Proxy-Authorization: Digest username=\"alice\", realm=\"r\", nonce=\"n\", "
        "uri=\"sip:bob@example.com\", response=\"f00d\"\r\n"
        "l: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_true(m.cred.present);
    assert_true(m.cred.proxy);
    assert_span(m.cred.username, "alice");
    assert_span(m.cred.response, "f00d");
    agrees_with_osip(msg);
}

static void test_compact_forms(void **state)
{
    static const char msg[] =
        "OPTIONS sip:bob@example.com SIP/2.0\r\n"
        "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4\r\n"
        "f: Alice <sip:alice@example.com>;tag=f1\r\n"
        "t: sip:bob@example.com\r\n"
        "i: compact-1@example.com\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "m: <sip:alice@192.0.2.10>\r\n"
        "k: timer\r\n"
        "s: hello\r\n"
        "e: identity\r\n"
        "o: presence\r\n"
        "u: refer\r\n"
        "c: text/plain\r\n"
        "l: 5\r\n"
        "\r\n"
        "hello";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_int_equal(m.method, SIP_OPTIONS);
    assert_span(m.call_id, "compact-1@example.com");
    assert_span(m.from.display, "Alice");
    assert_span(m.from.tag, "f1");
    assert_span(m.to.uri.user, "bob");
    assert_int_equal(m.via_total, 1);
    assert_int_equal(m.n_contact, 1);
    assert_span(m.content_type, "text/plain");
    assert_int_equal(m.content_length, 5);
    assert_int_equal(m.body_len, 5);
    agrees_with_osip(msg);
}

static void test_case_and_lf_only(void **state)
{
    static const char msg[] =
        "BYE sip:bob@example.com SIP/2.0\n"
        "VIA: SIP/2.0/udp 192.0.2.10;BRANCH=z9hG4bK-5\n"
        "fROM: <sip:alice@example.com>;TAG=f1\n"
        "tO: <sip:bob@example.com>;tag=t1\n"
        "cALL-iD: lf-1\n"
        "cseq: 9 BYE\n"
        "\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_span(m.call_id, "lf-1");
    assert_int_equal(m.via[0].transport, TRANSPORT_UDP);
    assert_span(m.via[0].branch, "z9hG4bK-5");
    assert_span(m.from.tag, "f1");
    assert_span(m.to.tag, "t1");
    assert_int_equal(m.cseq, 9);
}

static void test_folding(void **state)
{
    static const char msg[] =
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP\r\n"
        "   192.0.2.10:5062\r\n"
        "\t;branch=z9hG4bK-6\r\n"
        "From:\r\n <sip:alice@example.com>\r\n ;tag=f1\r\n"
        "To: <sip:bob@example.com>\r\n"
        "Subject: I know you're there,\r\n"
        "   pick up the phone\r\n"
        "Call-ID: fold-1\r\n"
        "CSeq: 1\r\n INVITE\r\n"
        "Content-Length: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_int_equal(m.n_via, 1);
    assert_span(m.via[0].host, "192.0.2.10");
    assert_int_equal(m.via[0].port, 5062);
    assert_span(m.via[0].branch, "z9hG4bK-6");
    assert_span(m.from.uri.user, "alice");
    assert_span(m.from.tag, "f1");
    assert_int_equal(m.cseq, 1);
    assert_int_equal(m.cseq_method, SIP_INVITE);
    agrees_with_osip(msg);
}

static void test_via_lists(void **state)
{
    static const char msg[] =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK-a, SIP/2.0/TLS b.example.com:5061"
        ";branch=z9hG4bK-b,SIP / 2.0 / SCTP c.example.com;branch=z9hG4bK-c\r\n"
        "v: SIP/2.0/WS d.invalid;branch=z9hG4bK-d\r\n"
        "Via: SIP/2.0/UDP e1;branch=1, SIP/2.0/UDP e2;branch=2, SIP/2.0/UDP e3;branch=3\r\n"
        "Via: SIP/2.0/UDP f1;branch=1, SIP/2.0/UDP f2;branch=2, SIP/2.0/UDP f3;branch=3\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
        "Call-ID: vias\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_int_equal(m.via_total, 10);
    assert_int_equal(m.n_via, SIP_MAX_VIA);
    assert_span(m.via[0].host, "a.example.com");
    assert_int_equal(m.via[1].transport, TRANSPORT_TLS);
    assert_int_equal(m.via[1].port, 5061);
    assert_span(m.via[1].branch, "z9hG4bK-b");
    assert_int_equal(m.via[2].transport, TRANSPORT_SCTP);
    assert_span(m.via[2].host, "c.example.com");
    assert_int_equal(m.via[3].transport, TRANSPORT_WS);
    assert_span(m.via[7].host, "f1");
}

static void test_contact_lists(void **state)
{
    static const char msg[] =
        "REGISTER sip:example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-7\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n"
        "Call-ID: contacts\r\nCSeq: 5 REGISTER\r\n"
        "Contact: \"A, B\" <sip:a@192.0.2.10;ob>;expires=60, <sip:a@198.51.100.1:5070>;q=0.5\r\n"
        "Contact: sip:a@203.0.113.5;expires=0\r\n"
        "Contact: <sip:a@192.0.2.99>\r\n"
        "Contact: <sip:a@192.0.2.100>\r\n"
        "Content-Length: 0\r\n\r\n";
    static const char star[] =
        "REGISTER sip:example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-8\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n"
        "Call-ID: star\r\nCSeq: 6 REGISTER\r\nContact: *\r\nExpires: 0\r\n"
        "Content-Length: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_int_equal(m.n_contact, SIP_MAX_CONTACT);
    assert_span(m.contact[0].uri.host, "192.0.2.10");
    assert_int_equal(m.contact[0].expires, 60);
    assert_int_equal(m.contact[1].uri.port, 5070);
    assert_int_equal(m.contact[1].expires, -1);
    assert_span(m.contact[2].uri.host, "203.0.113.5");   /* addr-spec: ;expires is the header's */
    assert_int_equal(m.contact[2].expires, 0);
    assert_span(m.contact[3].uri.host, "192.0.2.99");
    assert_int_equal(parse(star), SIP_OK);
    assert_int_equal(m.n_contact, 1);
    assert_true(m.contact[0].star);
    assert_int_equal(m.expires, 0);
    agrees_with_osip(star);
}

static void test_ipv6(void **state)
{
    static const char msg[] =
        "INVITE sip:bob@[2001:db8::3]:5070;transport=tcp SIP/2.0\r\n"
        "Via: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK-9;received=2001:db8::99\r\n"
        "Via: SIP/2.0/UDP [2001:db8::2];branch=z9hG4bK-8\r\n"
        "From: <sip:alice@[2001:db8::1]>;tag=f1\r\n"
        "To: <sip:bob@[2001:db8::3]:5070>\r\n"
        "Call-ID: v6@2001:db8::1\r\nCSeq: 1 INVITE\r\n"
        "Contact: <sip:alice@[2001:db8::1]:5060;transport=tcp>\r\n"
        "Content-Length: 0\r\n\r\n";

    (void)state;
    assert_int_equal(parse(msg), SIP_OK);
    assert_span(m.ruri.host, "2001:db8::3");
    assert_int_equal(m.ruri.port, 5070);
    assert_span(m.ruri.transport, "tcp");
    assert_span(m.via[0].host, "2001:db8::1");
    assert_int_equal(m.via[0].port, 5060);
    assert_span(m.via[0].received, "2001:db8::99");
    assert_span(m.via[1].host, "2001:db8::2");
    assert_int_equal(m.via[1].port, 0);
    assert_span(m.from.uri.host, "2001:db8::1");
    assert_span(m.contact[0].uri.host, "2001:db8::1");
    assert_int_equal(m.contact[0].uri.port, 5060);
    assert_span(m.call_id, "v6@2001:db8::1");
    agrees_with_osip(msg);
    /* addr-spec form: the '[' must not be taken for the start of <uri> */
    assert_int_equal(parse("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
                           "Contact: sip:bob@[2001:db8::5]:5062;expires=30\r\n\r\n"), SIP_OK);
    assert_int_equal(m.n_contact, 1);
    assert_span(m.contact[0].uri.host, "2001:db8::5");
    assert_int_equal(m.contact[0].uri.port, 5062);
    assert_int_equal(m.contact[0].expires, 30);
}

static void test_missing_fields(void **state)
{
    (void)state;
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "CSeq: 1 INVITE\r\n\r\n"), SIP_REJ_no_call_id);
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "Call-ID: x\r\n\r\n"), SIP_REJ_bad_cseq);
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "Call-ID: x\r\nCSeq: INVITE\r\n\r\n"), SIP_REJ_bad_cseq);
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "Call-ID: x\r\nCSeq: 99999999999 INVITE\r\n\r\n"), SIP_REJ_bad_cseq);
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"),
                     SIP_REJ_no_via);
    assert_int_equal(parse("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n"
                           "CSeq: 1 INVITE\r\nFrom: <sip:a@x\r\n\r\n"), SIP_REJ_bad_header);
    /* a response without Via, From, To is still read (RFC says it must
     * have them; an analyser still wants to see the status) */
    assert_int_equal(parse("SIP/2.0 503 Service Unavailable\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"),
                     SIP_OK);
    assert_int_equal(m.status, 503);
    assert_int_equal(m.n_via, 0);
    assert_int_equal(m.from.raw.len, 0);
    assert_int_equal(m.expires, -1);
    assert_int_equal(m.max_forwards, -1);
    assert_int_equal(m.content_length, -1);
    assert_false(m.cred.present);
    assert_int_equal(m.n_challenge, 0);
    assert_null(m.user_agent.p);
}

static void test_not_sip_and_bad_start(void **state)
{
    (void)state;
    assert_int_equal(parse_n(sp, "", 0), SIP_REJ_not_sip);
    assert_int_equal(parse("\r\n\r\n\r\n\r\n"), SIP_REJ_not_sip);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), SIP_REJ_not_sip);
    assert_int_equal(parse("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), SIP_REJ_not_sip);
    assert_int_equal(parse("SIP/2.0 20 OK\r\nCall-ID: x\r\nCSeq: 1 A\r\n\r\n"), SIP_REJ_bad_start_line);
    assert_int_equal(parse("SIP/2.0 999 Huh\r\nCall-ID: x\r\nCSeq: 1 A\r\n\r\n"), SIP_REJ_bad_start_line);
    assert_int_equal(parse("SIP/3.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 A\r\n\r\n"), SIP_REJ_bad_start_line);
    assert_int_equal(parse("INV(ITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n"
                           "CSeq: 1 INVITE\r\n\r\n"), SIP_REJ_bad_start_line);
    assert_int_equal(parse("INVITE sip:@ SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n"
                           "CSeq: 1 INVITE\r\n\r\n"), SIP_REJ_bad_start_line);
    /* leading CRLFs (keep-alives before a message) are skipped, RFC 3261 §7.5 */
    assert_int_equal(parse("\r\n\r\nSIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n"), SIP_OK);
    /* an unknown method is a request with SIP_UNKNOWN */
    assert_int_equal(parse("FOO sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n"
                           "CSeq: 1 FOO\r\n\r\n"), SIP_OK);
    assert_int_equal(m.method, SIP_UNKNOWN);
    assert_span(m.method_name, "FOO");
    /* a status line without a reason phrase */
    assert_int_equal(parse("SIP/2.0 180\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"), SIP_OK);
    assert_int_equal(m.status, 180);
    assert_int_equal(m.reason_phrase.len, 0);
}

static void test_content_length(void **state)
{
    static const char head[] =
        "MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-cl\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
        "Call-ID: cl\r\nCSeq: 1 MESSAGE\r\n";
    char buf[1024];

    (void)state;
    /* absent: the body is what the datagram holds */
    snprintf(buf, sizeof buf, "%s\r\nhello world", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, -1);
    assert_int_equal(m.body_len, 11);
    /* shorter than the bytes present: clipped */
    snprintf(buf, sizeof buf, "%sContent-Length: 5\r\n\r\nhello world", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, 5);
    assert_int_equal(m.body_len, 5);
    agrees_with_osip(buf);
    /* lying (longer than present): kept as said, body_len is what is there */
    snprintf(buf, sizeof buf, "%sContent-Length: 500\r\n\r\nhello world", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, 500);
    assert_int_equal(m.body_len, 11);
    /* negative, huge, junk: not a number, treated as absent */
    snprintf(buf, sizeof buf, "%sContent-Length: -5\r\n\r\nhello world", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, -1);
    assert_int_equal(m.body_len, 11);
    snprintf(buf, sizeof buf, "%sContent-Length: 99999999999999999999999\r\n\r\nhi", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, -1);
    assert_int_equal(m.body_len, 2);
    snprintf(buf, sizeof buf, "%sContent-Length: 9223372036854775807\r\n\r\nhi", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, INT64_MAX);
    assert_int_equal(m.body_len, 2);
    snprintf(buf, sizeof buf, "%sl: 0x10\r\n\r\nhi", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.content_length, -1);
}

/* Every prefix of a real message: never a crash or over-read (ASan), and
 * whenever a prefix is accepted, what it reports is the real message's. */
static void test_truncation_every_offset(void **state)
{
    size_t len = strlen(invite), accepted = 0;

    (void)state;
    for (size_t n = 0; n <= len; n++) {
        int rc = parse_n(sp, invite, n);
        if (rc != SIP_OK)
            continue;
        accepted++;
        assert_span(m.call_id, "abc123@192.0.2.10");
        assert_int_equal(m.cseq, 314159);
        assert_true(m.body_len <= 151);
    }
    /* from the end of the Content-Length line on, every prefix is a
     * complete header block (body cut or missing) */
    assert_true(accepted >= 151 + 2);
    /* a prefix of the 401 that cuts a header mid-line drops that line
     * whole: no accepted prefix ever shows a shortened value */
    for (size_t n = 0; n < strlen(challenge401); n++) {
        int rc = parse_n(sp, challenge401, n);
        if (rc != SIP_OK)
            continue;
        assert_span(m.call_id, "reg-1");
        assert_int_equal(m.body_len, 0);
        if (m.n_challenge > 0) {
            assert_span(m.challenge[0].nonce, "n,1");
            assert_span(m.challenge[0].opaque, "op");
        }
        if (m.x_twilio_error.p != NULL)
            assert_span(m.x_twilio_error, "32201 Authentication failure");
        if (m.content_length >= 0)
            assert_int_equal(m.content_length, 0);
    }
    /* cut inside the start line */
    assert_int_equal(parse_n(sp, challenge401, 20), SIP_REJ_truncated);
    assert_true(sip_parser_rejects(sp)[SIP_REJ_truncated] > 0);
    /* PcapPlusPlus__sip_reqs.pcap frame 4 ends in "Content-Lengt" */
    assert_int_equal(parse("BYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "Call-ID: cut\r\nCSeq: 2 BYE\r\nContent-Lengt"), SIP_OK);
    assert_span(m.call_id, "cut");
    assert_int_equal(m.content_length, -1);
    assert_int_equal(parse("BYE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
                           "CSeq: 2 BYE\r\nCall-ID: cu"), SIP_REJ_no_call_id);
}

static void test_nul_and_binary(void **state)
{
    static const char msg[] =
        "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z\r\n"
        "Call-ID: ab\0cd\r\n"
        "User-Agent: \xff\xfe\xc3\x28 phone\0\x01\r\n"
        "X-\0Junk: \x80\x81\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "\r\n";

    (void)state;
    assert_int_equal(parse_n(sp, msg, sizeof msg - 1), SIP_OK);
    assert_int_equal(m.call_id.len, 5);
    assert_memory_equal(m.call_id.p, "ab\0cd", 5);
    assert_int_equal(m.user_agent.len, 12);
    assert_int_equal(m.cseq, 1);
}

static void test_many_vias(void **state)
{
    struct caps big = caps;
    struct sip_parser *p;
    const char *line = "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\n";
    size_t ll = strlen(line), n = 0;
    char *buf = malloc(10000 * ll + 512);

    (void)state;
    assert_non_null(buf);
    n += (size_t)snprintf(buf, 64, "SIP/2.0 200 OK\r\n");
    for (int i = 0; i < 10000; i++) {
        memcpy(buf + n, line, ll);
        n += ll;
    }
    n += (size_t)snprintf(buf + n, 512, "Call-ID: many\r\nCSeq: 1 INVITE\r\n\r\n");
    /* over the default cap: refused as too big */
    assert_int_equal(parse_n(sp, buf, n), SIP_REJ_too_big);
    big.sip_msg_bytes = 1u << 20;
    p = sip_parser_new(&big);
    assert_non_null(p);
    assert_int_equal(parse_n(p, buf, n), SIP_OK);
    assert_int_equal(m.via_total, 10000);
    assert_int_equal(m.n_via, SIP_MAX_VIA);
    assert_span(m.via[7].host, "192.0.2.1");
    sip_parser_free(p);
    free(buf);
}

static void test_long_header_line(void **state)
{
    struct caps big = caps;
    struct sip_parser *p;
    size_t ua = 100 * 1024, n = 0;
    char *buf = malloc(ua + 512);

    (void)state;
    assert_non_null(buf);
    n += (size_t)snprintf(buf, 128, "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nUser-Agent: ");
    memset(buf + n, 'U', ua);
    n += ua;
    n += (size_t)snprintf(buf + n, 512, "\r\nCall-ID: long\r\nCSeq: 1 OPTIONS\r\n\r\n");
    assert_int_equal(parse_n(sp, buf, n), SIP_REJ_too_big);
    assert_true(sip_parser_rejects(sp)[SIP_REJ_too_big] > 0);
    big.sip_msg_bytes = 1u << 20;
    p = sip_parser_new(&big);
    assert_non_null(p);
    assert_int_equal(parse_n(p, buf, n), SIP_OK);
    assert_int_equal(m.user_agent.len, ua);
    assert_span(m.call_id, "long");
    sip_parser_free(p);
    free(buf);
}

static void test_hostile_auth(void **state)
{
    static const char *const values[] = {
        "Digest", "Digest ", "Digest realm", "Digest realm=", "Digest realm=\"",
        "Digest realm=\"abc", "Digest realm=\"a\\", "Digest ,,,,", "Digest =,=,=",
        "Digest realm=\"a\\\"\",nonce=<x,y>,stale=\"TRUE\"", "", "\"", "Basic QWxhZGRpbjpvcGVu",
    };
    char buf[512];

    (void)state;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(buf, sizeof buf, "SIP/2.0 407 Proxy Authentication Required\r\n"
                 "Call-ID: x\r\nCSeq: 1 INVITE\r\nProxy-Authenticate: %s\r\n"
                 "Authorization: %s\r\n\r\n", values[i], values[i]);
        for (size_t n = 0; n <= strlen(buf); n++)
            parse_n(sp, buf, n);
        assert_int_equal(parse(buf), SIP_OK);
    }
    /* the last-but-three: quoted TRUE and a value with a stray '<' */
    snprintf(buf, sizeof buf, "SIP/2.0 407 X\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
             "Proxy-Authenticate: Digest realm=\"a\\\"\",nonce=<x,y>,stale=\"TRUE\"\r\n\r\n");
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.n_challenge, 1);
    assert_span(m.challenge[0].realm, "a\"");
    assert_span(m.challenge[0].nonce, "<x");
    assert_true(m.challenge[0].stale);
}

static void test_scanner_helpers(void **state)
{
    struct span rest = SPAN_LIT("a, \"b,c\" <sip:x,y>, [::1],,d"), item;
    const char *want[] = { "a", "\"b,c\" <sip:x,y>", "[::1]", "d" };
    size_t i = 0;

    (void)state;
    while (sip_list_next(&rest, &item)) {
        assert_true(i < 4);
        assert_span(item, want[i]);
        i++;
    }
    assert_int_equal(i, 4);
    assert_int_equal(sip_hdr_lookup(SPAN_LIT("CALL-ID")), SIP_H_CALL_ID);
    assert_int_equal(sip_hdr_lookup(SPAN_LIT("i")), SIP_H_CALL_ID);
    assert_int_equal(sip_hdr_lookup(SPAN_LIT("k")), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup(SPAN_LIT("Proxy-Authorization")), SIP_H_PROXY_AUTHORIZATION);
    assert_int_equal(sip_port(SPAN_LIT("65535")), 65535);
    assert_int_equal(sip_port(SPAN_LIT("65536")), 0);
    assert_int_equal(sip_port(SPAN_LIT("5x")), 0);
    assert_int_equal(sip_method_from_span(SPAN_LIT("REGISTER")), SIP_REGISTER);
    assert_int_equal(sip_method_from_span(SPAN_LIT("register")), SIP_UNKNOWN);
    assert_string_equal(sip_method_name(SIP_PRACK), "PRACK");
    assert_string_equal(sip_reject_name(SIP_REJ_too_big), "too_big");
    assert_string_equal(sip_reject_name(SIP_OK), "ok");
    assert_string_equal(sip_reject_name(1000), "?");
}

static void test_sdp_edges(void **state)
{
    static const char head[] =
        "SIP/2.0 200 OK\r\nCall-ID: sdp\r\nCSeq: 1 INVITE\r\n"
        "Content-Type: Application/SDP ; charset=utf-8\r\n\r\n";
    char buf[1024];

    (void)state;
    /* IPv6, LF-only lines, more m= lines than kept, c= after the 5th m= */
    snprintf(buf, sizeof buf, "%sv=0\no=- 1 1 IN IP6 2001:db8::1\nc=IN IP6 2001:db8::2\n"
             "m=audio 1000 RTP/AVP 0\nm=audio 1002 RTP/AVP 0\nm=video 1004 RTP/AVP 31\n"
             "m=image 1006 udptl t38\nm=audio 1008 RTP/AVP 0\nc=IN IP4 192.0.2.99\n", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_true(m.sdp.present);
    assert_span(m.sdp.o_addr, "2001:db8::1");
    assert_span(m.sdp.c_addr, "2001:db8::2");
    assert_int_equal(m.sdp.n_media, SIP_MAX_MEDIA);
    assert_span(m.sdp.media[3].type, "image");
    assert_span(m.sdp.media[3].proto, "udptl");
    assert_int_equal(m.sdp.media[3].c_addr.len, 0);  /* the late c= is not the 4th's */
    /* truncated lines and junk: no crash, what is whole is read */
    snprintf(buf, sizeof buf, "%sv=0\r\no=\r\nc=IN\r\nm=audio\r\nm=\r\nx\r\n=\r\nc", head);
    assert_int_equal(parse(buf), SIP_OK);
    assert_int_equal(m.sdp.o_addr.len, 0);
    assert_int_equal(m.sdp.n_media, 2);
    assert_int_equal(m.sdp.media[0].port, 0);
    /* not SDP: the body is not read as SDP */
    assert_int_equal(parse("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
                           "Content-Type: text/plain\r\n\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"),
                     SIP_OK);
    assert_false(m.sdp.present);
}

/* sip_verify must be able to fail: a wrong field, and bytes libosip2 refuses. */
static void test_verify_detects_differences(void **state)
{
    char why[256];
    struct sip_msg good;

    (void)state;
    assert_int_equal(parse(invite), SIP_OK);
    good = m;
    m.from.tag = SPAN_LIT("f2");
    assert_int_equal(sip_verify(&m, (const uint8_t *)invite, strlen(invite), why, sizeof why), 1);
    assert_non_null(strstr(why, "from.tag"));
    m = good;
    m.via_total = 3;
    assert_int_equal(sip_verify(&m, (const uint8_t *)invite, strlen(invite), why, sizeof why), 1);
    assert_non_null(strstr(why, "via count"));
    m = good;
    m.cred.present = true;
    assert_int_equal(sip_verify(&m, (const uint8_t *)invite, strlen(invite), why, sizeof why), 1);
    m = good;
    m.via[1].rport = -1;
    assert_int_equal(sip_verify(&m, (const uint8_t *)invite, strlen(invite), why, sizeof why), 1);
    assert_non_null(strstr(why, "via[1].rport"));
    assert_int_equal(sip_verify(&good, (const uint8_t *)"garbage", 7, why, sizeof why), -1);
}

static void test_arena_full_falls_back(void **state)
{
    struct arena a;
    struct span v = SPAN_LIT("a\r\n b"), out;

    (void)state;
    assert_int_equal(arena_init(&a, 4), 0);
    out = sip_unfold(&a, v);            /* needs 5 bytes: refused, raw kept */
    assert_true(out.p == v.p);
    assert_int_equal(a.overflows, 1);
    arena_reset(&a);
    out = sip_unquote(&a, SPAN_LIT("\"x\\\"y\""));
    assert_span(out, "x\"y");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_fields),
        cmocka_unit_test(test_response_challenges),
        cmocka_unit_test(test_credentials_quoting),
        cmocka_unit_test(test_proxy_credentials),
        cmocka_unit_test(test_compact_forms),
        cmocka_unit_test(test_case_and_lf_only),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_via_lists),
        cmocka_unit_test(test_contact_lists),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_not_sip_and_bad_start),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_nul_and_binary),
        cmocka_unit_test(test_many_vias),
        cmocka_unit_test(test_long_header_line),
        cmocka_unit_test(test_hostile_auth),
        cmocka_unit_test(test_scanner_helpers),
        cmocka_unit_test(test_sdp_edges),
        cmocka_unit_test(test_verify_detects_differences),
        cmocka_unit_test(test_arena_full_falls_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
