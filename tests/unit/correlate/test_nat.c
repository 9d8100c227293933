/*
 * test_nat.c — the second half of the diagnosis (h9): the NAT comparison
 * (nat_view_of / nat_unreachable / nat_length_mismatch), nat_rewrite and
 * sip_alg on SIP text, the keep-alive outage computation (keepalive.h),
 * profile edge matching in the engine (wrong_region), --config intent
 * (unexpected_peer), and every kind on the lab captures made with real
 * kamailio + sipp (pcaps/lab/, frame numbers from tshark in NAME.expect).
 */
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

#include "engine_testlib.h"
#include "correlate/keepalive.h"
#include "correlate/nat.h"
#include "pcap_engine.h"

#define NATPUB "198.51.100.20"
#define LAN "192.168.50.10"

static const char *const my_kinds[] = {
    "nat_rewrite", "sip_alg", "multi_site", "wrong_region", "unexpected_peer",
    "keepalive_failed", NULL,
};

/* Parse SIP text (LF → CRLF) from src:sport to dst:dport into *m. */
static int parse(struct sip_parser *sp, struct sip_msg *m, char *wire, size_t cap,
                 const char *src, uint16_t sport, const char *dst, uint16_t dport,
                 const char *text)
{
    struct sip_payload pl;
    size_t n = 0;

    for (const char *p = text; *p && n + 2 < cap; p++) {
        if (*p == '\n')
            wire[n++] = '\r';
        wire[n++] = *p;
    }
    memset(&pl, 0, sizeof(pl));
    pl.frame = 1;
    pl.ts_us = T0;
    addr_parse(src, strlen(src), &pl.src.ip);
    addr_parse(dst, strlen(dst), &pl.dst.ip);
    pl.src.port = sport;
    pl.dst.port = dport;
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)wire;
    pl.len = n;
    return sip_parse(sp, &pl, m);
}

#define SDP_BODY(ip) \
    "v=0\no=- 1 1 IN IP4 " ip "\ns=-\nc=IN IP4 " ip "\nt=0 0\nm=audio 40000 RTP/AVP 0\n"

/* An INVITE advertising via/contact/sdp addresses; rport on request. */
static void invite_text(char *buf, size_t len, const char *via, const char *contact,
                        const char *sdp_ip, bool rport, const char *branch)
{
    char body[256];

    snprintf(body, sizeof(body), SDP_BODY("%s"), sdp_ip, sdp_ip);
    /* Content-Length counts CRLF line ends (the LF → CRLF doubling below) */
    size_t lines = 0;
    for (const char *p = body; *p; p++)
        lines += *p == '\n';
    snprintf(buf, len,
             "INVITE sip:+15550100001@" TRUNK " SIP/2.0\n"
             "Via: SIP/2.0/UDP %s:5060;branch=%s%s\n"
             "From: <sip:1001@" TRUNK ">;tag=f1\n"
             "To: <sip:+15550100001@" TRUNK ">\n"
             "Call-ID: nat-%s@x\n"
             "CSeq: 1 INVITE\n"
             "Contact: <sip:1001@%s:5060>\n"
             "Content-Type: application/sdp\n"
             "Content-Length: %zu\n\n%s",
             via, branch, rport ? ";rport" : "", branch, contact, strlen(body) + lines, body);
}

static void test_nat_view(void **state)
{
    struct caps caps;
    struct sip_parser *sp;
    struct sip_msg m;
    struct nat_view v;
    char text[2048], wire[4096], f[64];
    (void)state;

    caps_default(&caps);
    sp = sip_parser_new(&caps);
    assert_non_null(sp);

    /* carrier side: public source, everything private, no rport */
    invite_text(text, sizeof(text), LAN, LAN, LAN, false, "z9hG4bKa");
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 40053, TRUNK, 5060, text), SIP_OK);
    nat_view_of(&m, &v);
    assert_true(v.via.present && v.contact.present && v.sdp_c.present && v.sdp_o.present);
    assert_int_equal(v.via.cls, ADDR_PRIVATE);
    assert_int_equal(v.src_cls, ADDR_DOC);
    assert_true(nat_public_like(ADDR_DOC));
    assert_false(nat_public_like(ADDR_CGNAT));
    assert_int_equal(nat_unreachable(&v), NAT_F_VIA | NAT_F_CONTACT | NAT_F_SDP_C | NAT_F_SDP_O);
    assert_string_equal(nat_fields(nat_unreachable(&v), f, sizeof(f)),
                        "Via, Contact, SDP c=, SDP o=");

    /* the same with rport: the Via no longer counts (RFC 3581) */
    invite_text(text, sizeof(text), LAN, LAN, LAN, true, "z9hG4bKb");
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 40053, TRUNK, 5060, text), SIP_OK);
    nat_view_of(&m, &v);
    assert_true(v.rport);
    assert_int_equal(nat_unreachable(&v), NAT_F_CONTACT | NAT_F_SDP_C | NAT_F_SDP_O);

    /* correctly configured behind NAT: public everywhere, rport */
    invite_text(text, sizeof(text), NATPUB, NATPUB, NATPUB, true, "z9hG4bKc");
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 40053, TRUNK, 5060, text), SIP_OK);
    nat_view_of(&m, &v);
    assert_int_equal(nat_unreachable(&v), 0);

    /* PBX side: private source to a public peer */
    invite_text(text, sizeof(text), LAN, LAN, LAN, false, "z9hG4bKd");
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), LAN, 5060, TRUNK, 5060, text), SIP_OK);
    nat_view_of(&m, &v);
    assert_int_equal(nat_unreachable(&v) & (NAT_F_VIA | NAT_F_CONTACT), NAT_F_VIA | NAT_F_CONTACT);

    /* a LAN call (private to private) is nobody's NAT problem */
    invite_text(text, sizeof(text), LAN, LAN, LAN, false, "z9hG4bKe");
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), LAN, 5060, "192.168.50.1", 5060, text),
                     SIP_OK);
    nat_view_of(&m, &v);
    assert_int_equal(nat_unreachable(&v), 0);

    /* o= alone never counts (it only names the session's origin) */
    invite_text(text, sizeof(text), NATPUB, NATPUB, NATPUB, true, "z9hG4bKf");
    {
        char *o = strstr(text, "o=- 1 1 IN IP4 " NATPUB);
        assert_non_null(o);
        memcpy(o + strlen("o=- 1 1 IN IP4 "), "10.1.2.30    ", 13);    /* same length */
    }
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 40053, TRUNK, 5060, text), SIP_OK);
    nat_view_of(&m, &v);
    assert_true(v.sdp_o.present);
    assert_int_equal(v.sdp_o.cls, ADDR_PRIVATE);
    assert_int_equal(nat_unreachable(&v), 0);

    /* IPv6: a ULA Contact to a public (documentation) peer */
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), "2001:db8::20", 5060, "2001:db8::5", 5060,
                           "OPTIONS sip:[2001:db8::5] SIP/2.0\n"
                           "Via: SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bKg;rport\n"
                           "From: <sip:a@[2001:db8::5]>;tag=1\nTo: <sip:a@[2001:db8::5]>\n"
                           "Call-ID: v6@x\nCSeq: 1 OPTIONS\n"
                           "Contact: <sip:a@[fd00::1]:5060>\nContent-Length: 0\n\n"),
                     SIP_OK);
    nat_view_of(&m, &v);
    assert_int_equal(v.contact.cls, ADDR_ULA);
    assert_int_equal(nat_unreachable(&v), NAT_F_CONTACT);
    sip_parser_free(sp);
}

/* nat_classify agrees with addr_classify: every first two octets with
 * third/fourth octets around every range edge, and some IPv6. */
static void test_classify(void **state)
{
    static const uint8_t thirds[] = { 0, 1, 2, 3, 99, 100, 101, 112, 113, 114, 255 };
    static const char *const v6[] = { "2001:db8::1", "fd00::1", "fe80::1", "::1", "::",
                                      "ff02::1", "2a00:1450::1", "::ffff:10.0.0.1" };
    (void)state;

    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t c = 0; c < sizeof(thirds); c++) {
                uint8_t v4[4] = { (uint8_t)a, (uint8_t)b, thirds[c], 7 };
                struct addr x;
                addr_from_v4(&x, v4);
                if (nat_classify(&x) != addr_classify(&x))
                    fail_msg("%u.%u.%u.7: %d != %d", a, b, thirds[c], nat_classify(&x),
                             addr_classify(&x));
            }
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
        struct addr x;
        assert_true(addr_parse(v6[i], strlen(v6[i]), &x));
        assert_int_equal(nat_classify(&x), addr_classify(&x));
    }
}

static void test_length_mismatch(void **state)
{
    struct caps caps;
    struct sip_parser *sp;
    struct sip_msg m;
    char wire[4096];
    size_t actual;
    const char *head = "MESSAGE sip:a@" TRUNK " SIP/2.0\n"
                       "Via: SIP/2.0/UDP " NATPUB ":5060;branch=z9hG4bKl\n"
                       "From: <sip:b@" TRUNK ">;tag=1\nTo: <sip:a@" TRUNK ">\n"
                       "Call-ID: len@x\nCSeq: 1 MESSAGE\nContent-Type: text/plain\n";
    char text[1024];
    (void)state;

    caps_default(&caps);
    sp = sip_parser_new(&caps);
    /* exact: "hello\n" is 7 bytes on the wire (CRLF) */
    snprintf(text, sizeof(text), "%sContent-Length: 7\n\nhello\n", head);
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 5060, TRUNK, 5060, text), SIP_OK);
    assert_false(nat_length_mismatch(&m, &actual));
    assert_int_equal(actual, 7);
    /* the body grew (an ALG wrote a longer address) */
    snprintf(text, sizeof(text), "%sContent-Length: 4\n\nhello\n", head);
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 5060, TRUNK, 5060, text), SIP_OK);
    assert_true(nat_length_mismatch(&m, &actual));
    assert_int_equal(actual, 7);
    /* shorter, ending on a line end: rewritten to a shorter address */
    snprintf(text, sizeof(text), "%sContent-Length: 12\n\nhello\n", head);
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 5060, TRUNK, 5060, text), SIP_OK);
    assert_true(nat_length_mismatch(&m, &actual));
    /* shorter and cut mid-line: a snaplen cut, not evidence */
    snprintf(text, sizeof(text), "%sContent-Length: 12\n\nhello", head);
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 5060, TRUNK, 5060, text), SIP_OK);
    assert_false(nat_length_mismatch(&m, &actual));
    sip_parser_free(sp);
}

/* Is any finding of my kinds of at least sev in the snapshot? */
static const struct snap_finding *any_mine(const struct snapshot *s, enum severity sev)
{
    for (size_t i = 0; i < s->n_findings; i++)
        for (int k = 0; my_kinds[k]; k++)
            if (strcmp(s->findings[i].kind, my_kinds[k]) == 0 && s->findings[i].severity >= sev)
                return &s->findings[i];
    return NULL;
}

static void test_nat_rewrite_carrier_text(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    char text[2048];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    invite_text(text, sizeof(text), LAN, LAN, LAN, false, "z9hG4bKn1");
    assert_int_equal(tl_feed(&t, NATPUB, 40053, TRUNK, 5060, "%s", text), SIP_OK);
    t.now += SEC / 1000;
    /* the carrier answers to the Via port (no rport), received= the NAT */
    assert_int_equal(tl_feed(&t, TRUNK, 5060, NATPUB, 5060,
                             "SIP/2.0 407 Proxy Authentication Required\n"
                             "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKn1;received=" NATPUB "\n"
                             "From: <sip:1001@" TRUNK ">;tag=f1\n"
                             "To: <sip:+15550100001@" TRUNK ">;tag=t1\n"
                             "Call-ID: nat-z9hG4bKn1@x\nCSeq: 1 INVITE\n" PROXY_CH
                             "Content-Length: 0\n\n"),
                     SIP_OK);
    tl_finish(&t);
    f = tl_find(&t, "nat_rewrite");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, NATPUB ":40053 to " TRUNK);
    assert_int_equal(tl_frame(f, "request advertising a private address"), 1);
    assert_int_equal(tl_frame(f, "response with received="), 2);
    assert_non_null(strstr(tl_line(f, "response with received="), "received=" NATPUB));
    assert_non_null(strstr(tl_line(f, "response with received="), "sent to " NATPUB ":5060"));
    assert_non_null(strstr(f->summary, LAN));
    assert_non_null(strstr(f->summary, "Via, Contact, SDP c="));
    assert_non_null(strstr(f->summary, "40053"));
    assert_non_null(strstr(f->fix[0], "advertise " NATPUB));
    assert_null(tl_find(&t, "sip_alg"));
    tl_close(&t);
}

/* The PBX's own interface: a private source whose answers come back (the
 * far end latches on the source) with received= naming the public side;
 * with --config the cause compares it with the public IP the user gave. */
static void test_nat_rewrite_pbx_side_config(void **state)
{
    char path[] = "/tmp/sipscope-h9-cfg-XXXXXX";
    struct engine_opts o = { 0 };
    struct tl t;
    const struct snap_finding *f;
    char text[2048];
    FILE *fp;
    int fd, said = 0;
    (void)state;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fprintf(fp, "[trunk main]\npublic_ip = " NATPUB "\npeer = " TRUNK "/32\n");
    fclose(fp);
    o.config_file = path;
    assert_int_equal(tl_open_opts(&t, &o), 0);
    invite_text(text, sizeof(text), LAN, LAN, LAN, true, "z9hG4bKp1");
    assert_int_equal(tl_feed(&t, LAN, 5060, TRUNK, 5060, "%s", text), SIP_OK);
    assert_int_equal(tl_feed(&t, TRUNK, 5060, LAN, 5060,
                             "SIP/2.0 100 Trying\n"
                             "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKp1;rport=40001;"
                             "received=" NATPUB "\n"
                             "From: <sip:1001@" TRUNK ">;tag=f1\n"
                             "To: <sip:+15550100001@" TRUNK ">\n"
                             "Call-ID: nat-z9hG4bKp1@x\nCSeq: 1 INVITE\nContent-Length: 0\n\n"),
                     SIP_OK);
    tl_finish(&t);
    f = tl_find(&t, "nat_rewrite");
    assert_non_null(f);
    /* rport used, answers heard: Contact and SDP still private */
    assert_int_equal(f->severity, SEV_WARNING);
    assert_string_equal(f->entity, LAN ":5060 to " TRUNK);
    assert_int_equal(tl_frame(f, "response with received="), 2);
    {
        char sum[SNAP_TEXT];
        snprintf(sum, sizeof(sum), "%s", f->summary);
        assert_non_null(strstr(sum, "in Contact, SDP c=, SDP o= to public " TRUNK));
        assert_non_null(strstr(sum, "saw " NATPUB " (received=)"));
    }
    for (uint32_t i = 0; i < f->n_causes; i++)
        said |= strstr(f->causes[i], "advertises " LAN " but you said the public IP of trunk "
                                     "main is " NATPUB) != NULL;
    assert_true(said);
    tl_close(&t);
    unlink(path);
}

/* A stale external address: the PBX still advertises 198.51.100.20 but
 * its packets (carrier side) or the far end's received= (PBX side) say
 * 198.51.100.77. */
static void test_nat_stale_public(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    char text[2048];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    invite_text(text, sizeof(text), NATPUB, NATPUB, NATPUB, true, "z9hG4bKs1");
    assert_int_equal(tl_feed(&t, "198.51.100.77", 5060, TRUNK, 5060, "%s", text), SIP_OK);
    tl_finish(&t);
    f = tl_find(&t, "nat_rewrite");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_string_equal(f->entity, "198.51.100.77:5060 to " TRUNK);
    assert_int_equal(tl_frame(f, "request with stale address"), 1);
    {
        char sum[SNAP_TEXT];
        snprintf(sum, sizeof(sum), "%s", f->summary);
        assert_non_null(strstr(sum, "advertises the public address " NATPUB
                                    " in Via, Contact, SDP c=, but the far end sees it as "
                                    "198.51.100.77"));
    }
    tl_close(&t);

    /* PBX side: only the answer's received= shows it */
    assert_int_equal(tl_open(&t), 0);
    invite_text(text, sizeof(text), NATPUB, NATPUB, NATPUB, true, "z9hG4bKs2");
    assert_int_equal(tl_feed(&t, LAN, 5060, TRUNK, 5060, "%s", text), SIP_OK);
    assert_int_equal(tl_feed(&t, TRUNK, 5060, LAN, 5060,
                             "SIP/2.0 100 Trying\n"
                             "Via: SIP/2.0/UDP " NATPUB ":5060;branch=z9hG4bKs2;rport=40001;"
                             "received=198.51.100.77\n"
                             "From: <sip:1001@" TRUNK ">;tag=f1\n"
                             "To: <sip:+15550100001@" TRUNK ">\n"
                             "Call-ID: nat-z9hG4bKs2@x\nCSeq: 1 INVITE\nContent-Length: 0\n\n"),
                     SIP_OK);
    tl_finish(&t);
    f = tl_find(&t, "nat_rewrite");
    assert_non_null(f);
    assert_string_equal(f->entity, LAN ":5060 to " TRUNK);
    assert_int_equal(tl_frame(f, "request with stale address"), 1);
    assert_int_equal(tl_frame(f, "response with received="), 2);
    assert_non_null(strstr(f->fix[0], "external address to 198.51.100.77"));
    tl_close(&t);

    /* a Contact that differs from the Via alone is common and fine */
    assert_int_equal(tl_open(&t), 0);
    invite_text(text, sizeof(text), "198.51.100.77", NATPUB, NATPUB, true, "z9hG4bKs3");
    assert_int_equal(tl_feed(&t, "198.51.100.77", 5060, TRUNK, 5060, "%s", text), SIP_OK);
    tl_finish(&t);
    assert_null(tl_find(&t, "nat_rewrite"));
    tl_close(&t);
}

static void test_nat_correct_text(void **state)
{
    struct tl t;
    char text[2048];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    invite_text(text, sizeof(text), NATPUB, NATPUB, NATPUB, true, "z9hG4bKc1");
    assert_int_equal(tl_feed(&t, NATPUB, 40053, TRUNK, 5060, "%s", text), SIP_OK);
    assert_int_equal(tl_feed(&t, TRUNK, 5060, NATPUB, 40053,
                             "SIP/2.0 200 OK\n"
                             "Via: SIP/2.0/UDP " NATPUB ":5060;branch=z9hG4bKc1;rport=40053;"
                             "received=" NATPUB "\n"
                             "From: <sip:1001@" TRUNK ">;tag=f1\n"
                             "To: <sip:+15550100001@" TRUNK ">;tag=t1\n"
                             "Call-ID: nat-z9hG4bKc1@x\nCSeq: 1 INVITE\n"
                             "Contact: <sip:" TRUNK ":5060>\nContent-Length: 0\n\n"),
                     SIP_OK);
    tl_finish(&t);
    assert_null(any_mine(&t.snap, SEV_INFO));
    tl_close(&t);
}

static void test_sip_alg_text(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    char text[2048];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    /* headers carry the public source and its mapped port, the SDP the
     * LAN address: rewritten on the way, the body not */
    invite_text(text, sizeof(text), NATPUB, NATPUB, LAN, false, "z9hG4bKg1");
    {
        /* Via sent-by port 5060 -> the NAT's 40053 */
        char *v = strstr(text, NATPUB ":5060;branch");
        char rest[2048];
        assert_non_null(v);
        snprintf(rest, sizeof(rest), "%s", v + strlen(NATPUB ":5060"));
        snprintf(v, sizeof(text) - (size_t)(v - text), NATPUB ":40053%s", rest);
    }
    assert_int_equal(tl_feed(&t, NATPUB, 40053, TRUNK, 5060, "%s", text), SIP_OK);
    /* an in-dialog request from the trunk whose answer comes back with
     * another Via port (seen in heplify's erspan capture) */
    assert_int_equal(tl_feed(&t, TRUNK, 5060, NATPUB, 40053,
                             "BYE sip:1001@" NATPUB ":40053 SIP/2.0\n"
                             "Via: SIP/2.0/UDP " TRUNK ":5260;branch=z9hG4bKg2;rport\n"
                             "From: <sip:+15550100001@" TRUNK ">;tag=t1\n"
                             "To: <sip:1001@" TRUNK ">;tag=f1\n"
                             "Call-ID: nat-z9hG4bKg1@x\nCSeq: 1 BYE\nContent-Length: 0\n\n"),
                     SIP_OK);
    assert_int_equal(tl_feed(&t, NATPUB, 40053, TRUNK, 5060,
                             "SIP/2.0 200 OK\n"
                             "Via: SIP/2.0/UDP " TRUNK ":5860;branch=z9hG4bKg2;rport=5260\n"
                             "From: <sip:+15550100001@" TRUNK ">;tag=t1\n"
                             "To: <sip:1001@" TRUNK ">;tag=f1\n"
                             "Call-ID: nat-z9hG4bKg1@x\nCSeq: 1 BYE\nContent-Length: 0\n\n"),
                     SIP_OK);
    tl_finish(&t);
    f = NULL;
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "sip_alg") == 0 &&
            strcmp(t.snap.findings[i].entity, NATPUB " to " TRUNK) == 0)
            f = &t.snap.findings[i];
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_int_equal(tl_frame(f, "headers and SDP disagree"), 1);
    assert_int_equal(tl_frame(f, "port rewritten"), 1);
    assert_non_null(strstr(tl_line(f, "headers and SDP disagree"), "SDP c= " LAN));
    /* the response Via check belongs to the trunk's request direction */
    f = NULL;
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "sip_alg") == 0 &&
            strcmp(t.snap.findings[i].entity, TRUNK " to " NATPUB) == 0)
            f = &t.snap.findings[i];
    assert_non_null(f);
    assert_int_equal(tl_frame(f, "response Via changed"), 3);
    assert_non_null(strstr(tl_line(f, "response Via changed"), TRUNK ":5860"));
    tl_close(&t);
}

/* ---- keep-alive outages (keepalive.h) ---- */

static void test_keepalive_outage(void **state)
{
    struct caps caps;
    struct ka_state *k;
    struct ka_series *s;
    struct endpoint c = { .port = 5060 }, sv = { .port = 5060 };
    struct intern strs;
    struct ka_outage ob;
    char txt[256];
    uint64_t frame = 0;
    (void)state;

    caps_default(&caps);
    assert_int_equal(intern_init(&strs, 64), 0);
    k = ka_new(&caps, &strs);
    assert_non_null(k);
    addr_parse(PBX, strlen(PBX), &c.ip);
    addr_parse(TRUNK, strlen(TRUNK), &sv.ip);
    /* pings every 4 s at 0, 4, 8 (lost), 12 (lost) ... 40 (answered at 47.5) */
    for (int i = 0; i <= 10; i++) {
        int64_t ts = T0 + i * 4 * SEC;
        s = ka_ping(k, &c, &sv, ++frame, ts);
        assert_non_null(s);
        if (i < 2)
            assert_false(ka_result(k, &c, &sv, frame, ts, 200, frame + 100, ts + 1000));
    }
    s = ka_find(k, &c.ip, &sv.ip);
    assert_string_equal(ka_state_name(s), "up");
    /* timer F of the ping at 8 s fires at 40 s: the outage opens then */
    assert_true(ka_result(k, &c, &sv, 3, T0 + 8 * SEC, 0, 0, T0 + 40 * SEC));
    assert_string_equal(ka_state_name(s), "down");
    assert_false(ka_result(k, &c, &sv, 4, T0 + 12 * SEC, 0, 0, T0 + 44 * SEC));
    assert_false(ka_result(k, &c, &sv, 11, T0 + 40 * SEC, 200, 500, T0 + 47500000));
    assert_string_equal(ka_state_name(s), "up");
    assert_int_equal(s->n_out, 1);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->start_frame, 3);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->start_us, T0 + 8 * SEC);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->detect_us, T0 + 40 * SEC);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->end_us, T0 + 47500000);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->end_frame, 500);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->end_ping_frame, 11);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->pings, 2);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->last_ok_frame, 102);
    assert_int_equal(ka_interval(s), 4 * SEC);
    ka_outages_text(k, s, T0, txt, sizeof(txt));
    assert_string_equal(txt, "8.0-47.5 s (39.5 s)");
    assert_int_equal(s->lost, 2);
    assert_int_equal(s->answered, 3);

    /* a single lost ping while later ones were answered: no outage */
    assert_false(ka_result(k, &c, &sv, 12, T0 + 44 * SEC, 200, 600, T0 + 50 * SEC));
    assert_false(ka_result(k, &c, &sv, 9, T0 + 32 * SEC, 0, 0, T0 + 64 * SEC));
    assert_int_equal(s->n_out, 1);
    assert_string_equal(ka_state_name(s), "up");

    /* a 503 answer fails at once (detected at the answer), a 404 proves life */
    s = ka_ping(k, &c, &sv, 700, T0 + 60 * SEC);
    assert_true(ka_result(k, &c, &sv, 700, T0 + 60 * SEC, 503, 701, T0 + 60 * SEC + 2000));
    assert_int_equal(ka_outage_at(k, s, 1, &ob)->fail_status, 503);
    assert_int_equal(ka_outage_at(k, s, 1, &ob)->detect_us, T0 + 60 * SEC + 2000);
    assert_string_equal(ka_state_name(s), "down");
    s = ka_ping(k, &c, &sv, 702, T0 + 64 * SEC);
    assert_false(ka_result(k, &c, &sv, 702, T0 + 64 * SEC, 404, 703, T0 + 64 * SEC + 2000));
    assert_string_equal(ka_state_name(s), "up");
    assert_int_equal(s->non2xx, 2);
    assert_int_equal(s->non2xx_status, 503);
    ka_outages_text(k, s, T0, txt, sizeof(txt));
    assert_string_equal(txt, "8.0-47.5 s (39.5 s), 60.0-64.0 s (4.0 s)");

    /* fewer than KA_MIN_PINGS pings are not a keep-alive series */
    {
        struct endpoint c2 = c;
        addr_parse("198.51.100.11", 13, &c2.ip);
        s = ka_ping(k, &c2, &sv, 800, T0);
        assert_string_equal(ka_state_name(s), "-");
        assert_null(ka_find(k, &sv.ip, &c2.ip));
    }
    /* the outage list is bounded: later ones only counted */
    for (int i = 0; i < KA_OUTAGES + 3; i++) {
        int64_t ts = T0 + (100 + i * 40) * SEC;
        ka_ping(k, &c, &sv, 900 + 2 * i, ts);
        ka_result(k, &c, &sv, 900 + 2 * i, ts, 0, 0, ts + 32 * SEC);
        ka_ping(k, &c, &sv, 901 + 2 * i, ts + 35 * SEC);
        ka_result(k, &c, &sv, 901 + 2 * i, ts + 35 * SEC, 200, 0, ts + 36 * SEC);
    }
    s = ka_find(k, &c.ip, &sv.ip);
    assert_int_equal(s->n_out, KA_OUTAGES);
    assert_true(s->more_out > 0);
    ka_free(k);
    intern_free(&strs);
}

/* Pings a client gave up on (sipsak, a monitor script: no retransmission
 * to timer F) during an outage shorter than timer F: the answer to a later
 * ping shows the earlier ones were lost; the outage has a start and an end,
 * and their own end-of-input results are not counted twice. */
static void test_keepalive_gave_up(void **state)
{
    struct caps caps;
    struct ka_state *k;
    struct ka_series *s;
    struct endpoint c = { .port = 5060 }, sv = { .port = 5060 };
    struct intern strs;
    struct ka_outage ob;
    char txt[256];
    (void)state;

    caps_default(&caps);
    assert_int_equal(intern_init(&strs, 64), 0);
    k = ka_new(&caps, &strs);
    assert_non_null(k);
    addr_parse(PBX, strlen(PBX), &c.ip);
    addr_parse(TRUNK, strlen(TRUNK), &sv.ip);
    /* 0 and 4 s answered; 8, 12, 16 s never; 20 s answered at 20.05 s */
    for (int i = 0; i <= 5; i++) {
        int64_t ts = T0 + i * 4 * SEC;
        assert_non_null(ka_ping(k, &c, &sv, 10 + (uint64_t)i, ts));
        if (i < 2)
            assert_false(ka_result(k, &c, &sv, 10 + (uint64_t)i, ts, 200, 100 + (uint64_t)i,
                                   ts + 50000));
    }
    assert_true(ka_result(k, &c, &sv, 15, T0 + 20 * SEC, 200, 105, T0 + 20 * SEC + 50000));
    s = ka_find(k, &c.ip, &sv.ip);
    assert_int_equal(s->n_out, 1);
    assert_true(ka_outage_at(k, s, 0, &ob)->by_later_answer);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->start_frame, 12);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->end_frame, 105);
    assert_int_equal(ka_outage_at(k, s, 0, &ob)->pings, 3);
    assert_string_equal(ka_state_name(s), "up");
    ka_outages_text(k, s, T0, txt, sizeof(txt));
    assert_string_equal(txt, "8.0-20.1 s (12.1 s)");
    assert_int_equal(s->lost, 3);
    /* the capture ends: their own results change nothing */
    assert_false(ka_result(k, &c, &sv, 12, T0 + 8 * SEC, 0, 0, T0 + 40 * SEC));
    assert_int_equal(s->lost, 3);
    assert_int_equal(s->n_out, 1);
    /* one lost ping between answered ones is still not an outage */
    ka_ping(k, &c, &sv, 16, T0 + 24 * SEC);
    ka_ping(k, &c, &sv, 17, T0 + 28 * SEC);
    assert_false(ka_result(k, &c, &sv, 17, T0 + 28 * SEC, 200, 107, T0 + 28 * SEC + 50000));
    ka_ping(k, &c, &sv, 18, T0 + 32 * SEC);
    ka_ping(k, &c, &sv, 19, T0 + 36 * SEC);
    assert_false(ka_result(k, &c, &sv, 19, T0 + 36 * SEC, 200, 109, T0 + 36 * SEC + 50000));
    assert_int_equal(s->n_out, 1);
    ka_free(k);
    intern_free(&strs);
}

/* ---- provider profiles and --config in the engine ---- */

static void test_wrong_region_profiles(void **state)
{
    const char *dirs[] = { "tests/lab/profiles", NULL };
    struct engine_opts o = { .profile_dirs = dirs };
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    if (access("tests/lab/profiles/twilio-lab.ini", R_OK) != 0)
        skip();
    assert_int_equal(tl_open_opts(&t, &o), 0);
    /* dublin host to an ashburn address (lab profile: 203.0.113.0/25) */
    tl_req(&t, PBX, "INVITE", "sip:+15550100001@mytrunk.pstn.dublin.twilio.com", "z9hG4bKw1",
           "w1@x", 1, "1001", "");
    /* ashburn host to ashburn, global host: fine */
    tl_req(&t, PBX, "INVITE", "sip:+15550100001@mytrunk.pstn.ashburn.twilio.com", "z9hG4bKw2",
           "w2@x", 1, "1001", "");
    tl_req(&t, PBX, "OPTIONS", "sip:mytrunk.pstn.twilio.com", "z9hG4bKw3", "w3@x", 1, "1001", "");
    /* a host that is no termination host of the provider addressed */
    tl_req(&t, PBX, "INVITE", "sip:+15550100001@pbx.example.com", "z9hG4bKw4", "w4@x", 1, "1001",
           "");
    tl_finish(&t);
    f = tl_find(&t, "wrong_region");
    assert_non_null(f);
    size_t n = 0;
    for (size_t i = 0; i < t.snap.n_findings; i++) {
        f = &t.snap.findings[i];
        if (strcmp(f->kind, "wrong_region") != 0)
            continue;
        n++;
        if (strstr(f->entity, "dublin")) {
            assert_string_equal(f->entity, "mytrunk.pstn.dublin.twilio.com to " TRUNK);
            assert_int_equal(tl_frame(f, "request"), 1);
            assert_non_null(strstr(f->summary, "edge dublin"));
            assert_non_null(strstr(f->summary, "edge ashburn"));
            assert_string_equal(f->provider, "twilio");
            /* the first request went unanswered to the end: an error */
            assert_int_equal(f->severity, SEV_ERROR);
        } else {
            assert_string_equal(f->entity, "pbx.example.com to " TRUNK);
            assert_int_equal(tl_frame(f, "request"), 4);
            assert_non_null(strstr(f->summary, "not a termination host of twilio"));
        }
    }
    assert_int_equal(n, 2);
    tl_close(&t);

    /* without the lab profile, 203.0.113.5 is nobody's edge: nothing */
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550100001@mytrunk.pstn.dublin.twilio.com", "z9hG4bKw5",
           "w5@x", 1, "1001", "");
    tl_finish(&t);
    assert_null(tl_find(&t, "wrong_region"));
    tl_close(&t);
}

/* --config intent: the Request-URI host is not the trunk's termination
 * URI; the destination is not in the edge the trunk is configured for. */
static void test_wrong_region_config(void **state)
{
    char path[] = "/tmp/sipscope-h9-cfg-XXXXXX";
    const char *dirs[] = { "tests/lab/profiles", NULL };
    struct engine_opts o = { .profile_dirs = dirs };
    struct tl t;
    const struct snap_finding *f;
    FILE *fp;
    int fd, host = 0, edge = 0;
    (void)state;

    if (access("tests/lab/profiles/twilio-lab.ini", R_OK) != 0)
        skip();
    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fprintf(fp, "[trunk main]\nprovider = twilio\ntermination_uri = sip:mytrunk.pstn.twilio.com\n"
                "peer = " TRUNK "/32\nedge = dublin\n");
    fclose(fp);
    o.config_file = path;
    assert_int_equal(tl_open_opts(&t, &o), 0);
    tl_req(&t, PBX, "INVITE", "sip:+1555@other.pstn.twilio.com", "z9hG4bKx1", "x1@x", 1, "1001",
           "");
    tl_req(&t, PBX, "INVITE", "sip:+1555@mytrunk.pstn.twilio.com", "z9hG4bKx2", "x2@x", 1,
           "1001", "");
    tl_finish(&t);
    for (size_t i = 0; i < t.snap.n_findings; i++) {
        f = &t.snap.findings[i];
        if (strcmp(f->kind, "wrong_region") != 0)
            continue;
        if (strstr(f->entity, "other.pstn")) {
            host++;
            assert_non_null(strstr(f->summary, "is not the termination URI host "
                                               "mytrunk.pstn.twilio.com you configured"));
            assert_int_equal(tl_frame(f, "request"), 1);
        } else {
            edge++;
            assert_string_equal(f->entity, "mytrunk.pstn.twilio.com to " TRUNK);
            assert_non_null(strstr(f->summary, TRUNK " is an address of edge ashburn, but "
                                               "trunk main uses edge dublin"));
            assert_int_equal(tl_frame(f, "request"), 2);
        }
    }
    assert_int_equal(host, 1);
    assert_int_equal(edge, 1);
    tl_close(&t);
    unlink(path);
}

static void test_unexpected_peer_config(void **state)
{
    char path[] = "/tmp/sipscope-h9-cfg-XXXXXX";
    struct engine_opts o = { 0 };
    struct tl t;
    const struct snap_finding *f;
    FILE *fp;
    int fd;
    size_t acl = 0, stale = 0;
    (void)state;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fprintf(fp, "[trunk main]\nprovider = twilio\npublic_ip = " PBX "\n"
                "termination_uri = sip:labtrunk.pstn.twilio.com\n"
                "ip_acl = " PBX "\npeer = " TRUNK "/32\n");
    fclose(fp);
    o.config_file = path;
    assert_int_equal(tl_open_opts(&t, &o), 0);
    /* expected: the PBX to the trunk's peer */
    tl_req(&t, PBX, "INVITE", "sip:+1555@labtrunk.pstn.twilio.com", "z9hG4bKu1", "u1@x", 1,
           "1001", "");
    /* a source outside the ACL */
    tl_req(&t, "198.51.100.77", "INVITE", "sip:+1555@labtrunk.pstn.twilio.com", "z9hG4bKu2",
           "u2@x", 1, "1001", "");
    /* the trunk's requests sent to a stale carrier address */
    tl_feed(&t, PBX, 5060, "203.0.113.99", 5060,
            "INVITE sip:+1555@labtrunk.pstn.twilio.com SIP/2.0\n"
            "Via: SIP/2.0/UDP " PBX ":5060;branch=z9hG4bKu3;rport\n"
            "From: <sip:1001@labtrunk.pstn.twilio.com>;tag=a\n"
            "To: <sip:+1555@labtrunk.pstn.twilio.com>\n"
            "Call-ID: u3@x\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
    tl_finish(&t);
    for (size_t i = 0; i < t.snap.n_findings; i++) {
        f = &t.snap.findings[i];
        if (strcmp(f->kind, "unexpected_peer") != 0)
            continue;
        assert_int_equal(f->severity, SEV_WARNING);
        if (strstr(f->summary, "IP ACL")) {
            acl++;
            assert_string_equal(f->entity, "198.51.100.77 to trunk main");
            assert_non_null(strstr(f->summary, "Source IP 198.51.100.77 is not in the IP ACL "
                                               "you listed for trunk main (" PBX));
            assert_int_equal(tl_frame(f, "request"), 2);
        } else {
            stale++;
            assert_string_equal(f->entity, PBX " to 203.0.113.99 (trunk main)");
            assert_int_equal(tl_frame(f, "request"), 3);
        }
    }
    assert_int_equal(acl, 1);
    assert_int_equal(stale, 1);
    tl_close(&t);
    unlink(path);

    /* the same traffic without --config: no expectations, no noise */
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, "198.51.100.77", "INVITE", "sip:+1555@labtrunk.pstn.twilio.com", "z9hG4bKu2",
           "u2@x", 1, "1001", "");
    tl_finish(&t);
    assert_null(tl_find(&t, "unexpected_peer"));
    tl_close(&t);
}

/* An address-authenticated trunk (--config names its host) used from two
 * sites; the same with credentials from two sites; a phone pool at a
 * registrar nobody configured stays quiet. */
static void test_multi_site_trunk(void **state)
{
    char path[] = "/tmp/sipscope-h9-cfg-XXXXXX";
    struct engine_opts o = { 0 };
    struct tl t;
    const struct snap_finding *f;
    FILE *fp;
    int fd;
    (void)state;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fprintf(fp, "[trunk main]\ntermination_uri = sip:trunk.carrier.example\n");
    fclose(fp);
    o.config_file = path;
    assert_int_equal(tl_open_opts(&t, &o), 0);
    tl_req(&t, PBX, "INVITE", "sip:+1555@trunk.carrier.example", "z9hG4bKm1", "m1@x", 1, "a", "");
    tl_resp(&t, PBX, 200, "OK", "INVITE", "z9hG4bKm1", "m1@x", 1, "");
    t.now += 60 * SEC;
    tl_req(&t, "198.51.100.30", "INVITE", "sip:+1555@trunk.carrier.example", "z9hG4bKm2",
           "m2@x", 1, "b", "");
    tl_resp(&t, "198.51.100.30", 200, "OK", "INVITE", "z9hG4bKm2", "m2@x", 1, "");
    tl_finish(&t);
    f = tl_find(&t, "multi_site");
    assert_non_null(f);
    assert_string_equal(f->entity, "trunk trunk.carrier.example at " TRUNK);
    {
        char sum[SNAP_TEXT];    /* a copy: GCC misreads strstr on the snapshot here */
        snprintf(sum, sizeof(sum), "%s", f->summary);
        assert_non_null(strstr(sum, PBX ", 198.51.100.30"));
    }
    assert_int_equal(f->n_evidence, 2);
    assert_string_equal(f->evidence[0].role, "request");
    assert_int_equal(f->evidence[0].frame, 1);
    assert_int_equal(f->evidence[1].frame, 3);
    tl_close(&t);
    unlink(path);

    /* the same traffic, nothing names the trunk: no finding */
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+1555@trunk.carrier.example", "z9hG4bKm1", "m1@x", 1, "a", "");
    tl_resp(&t, PBX, 200, "OK", "INVITE", "z9hG4bKm1", "m1@x", 1, "");
    tl_req(&t, "198.51.100.30", "INVITE", "sip:+1555@trunk.carrier.example", "z9hG4bKm2",
           "m2@x", 1, "b", "");
    tl_resp(&t, "198.51.100.30", 200, "OK", "INVITE", "z9hG4bKm2", "m2@x", 1, "");
    tl_finish(&t);
    assert_null(tl_find(&t, "multi_site"));
    tl_close(&t);

    /* two uses more than an hour apart are not "the same period" */
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKr1", "r1@x", 1, "1001", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKr1", "r1@x", 1, WWW_CH);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKr2", "r1@x", 2, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKr2", "r1@x", 2, "");
    t.now += 2 * 3600 * SEC;
    tl_req(&t, "198.51.100.30", "REGISTER", "sip:" TRUNK, "z9hG4bKr3", "r3@x", 1, "1001", "");
    tl_resp(&t, "198.51.100.30", 401, "Unauthorized", "REGISTER", "z9hG4bKr3", "r3@x", 1,
            WWW_CH);
    tl_req(&t, "198.51.100.30", "REGISTER", "sip:" TRUNK, "z9hG4bKr4", "r3@x", 2, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, "198.51.100.30", 200, "OK", "REGISTER", "z9hG4bKr4", "r3@x", 2, "");
    tl_finish(&t);
    assert_null(tl_find(&t, "multi_site"));
    /* ... and within the hour they are */
    t.now += 10 * SEC;
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKr5", "r5@x", 1, "1001", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKr5", "r5@x", 1, WWW_CH);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKr6", "r5@x", 2, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKr6", "r5@x", 2, "");
    engine_snapshot(t.e, NULL, &t.snap);
    f = tl_find(&t, "multi_site");
    assert_non_null(f);
    assert_string_equal(f->entity, "1001@sip.example to " TRUNK);
    assert_int_equal(tl_frame(f, "retry with credentials"), 3);
    tl_close(&t);
}

struct counter_find {
    const char *name;
    uint64_t value;
    bool found;
};

static void find_counter(void *ud, const char *name, uint64_t value)
{
    struct counter_find *c = ud;

    if (strcmp(name, c->name) == 0) {
        c->value = value;
        c->found = true;
    }
}

/* The NAT records and keep-alive series are bounded by caps.peers, the
 * site records by caps.sources: past the cap the oldest go, counted. */
static void test_tables_overflow(void **state)
{
    struct caps c;
    struct engine_opts o = { 0 };
    struct tl t;
    char src[32], text[2048], br[32], cid[32];
    struct counter_find nat = { "engine.nat.evicted", 0, false };
    struct counter_find ka = { "engine.keepalive.evicted", 0, false };
    (void)state;

    caps_default(&c);
    c.peers = 4;
    c.sources = 4;
    c.findings = 8;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 40; i++) {
        snprintf(src, sizeof(src), "198.51.100.%d", 100 + i);
        snprintf(br, sizeof(br), "z9hG4bKo%d", i);
        snprintf(cid, sizeof(cid), "o%d@x", i);
        invite_text(text, sizeof(text), LAN, LAN, LAN, false, br);
        assert_int_equal(tl_feed(&t, src, 40000, TRUNK, 5060, "%s", text), SIP_OK);
        for (int k = 0; k < 4; k++) {
            snprintf(br, sizeof(br), "z9hG4bKp%d-%d", i, k);
            tl_req(&t, src, "OPTIONS", "sip:" TRUNK, br, cid, (unsigned)k + 1, "1001", "");
            t.now += SEC;
        }
    }
    tl_finish(&t);
    engine_stats(t.e, find_counter, &nat);
    engine_stats(t.e, find_counter, &ka);
    assert_true(nat.found && ka.found);
    assert_true(nat.value >= 32);       /* two pairs a peer: 8 kept */
    assert_true(ka.value >= 36);
    /* and in the snapshot's total of evictions */
    assert_true(t.snap.evictions >= nat.value + ka.value);
    assert_true(t.snap.n_findings <= 8);
    tl_close(&t);
}

/* ---- the lab captures (real kamailio + sipp; frames per tshark) ---- */

struct lab {
    struct snapshot snap;
    bool ok;
};

static bool lab_run(struct lab *l, const char *name, const char *profiles)
{
    char path[256];
    const char *dirs[] = { profiles, NULL };
    struct engine_opts o = { .profile_dirs = profiles ? dirs : NULL };

    snprintf(path, sizeof(path), "pcaps/lab/%s.pcap", name);
    memset(l, 0, sizeof(*l));
    if (access(path, R_OK) != 0)
        return false;
    assert_int_equal(snapshot_init(&l->snap, 256, 64, 64, 512, 1 << 20, 128), 0);
    assert_int_equal(pe_run(path, &o, &l->snap), 0);
    l->ok = true;
    return true;
}

static const struct snap_finding *lab_find(const struct lab *l, const char *kind)
{
    for (size_t i = 0; i < l->snap.n_findings; i++)
        if (strcmp(l->snap.findings[i].kind, kind) == 0)
            return &l->snap.findings[i];
    return NULL;
}

static bool cites(const struct snap_finding *f, uint64_t frame, const char *role)
{
    for (uint32_t i = 0; i < f->n_evidence; i++)
        if (f->evidence[i].frame == frame && strcmp(f->evidence[i].role, role) == 0)
            return true;
    return false;
}

static void test_lab_nat_rewrite(void **state)
{
    struct lab l;
    const struct snap_finding *f;
    (void)state;

    /* carrier side: frames 1 (INVITE from 198.51.100.20:40053, private
     * Via/Contact/SDP) and 2 (407 with received=198.51.100.20 to :5060) */
    if (!lab_run(&l, "nat_rewrite_carrier", NULL))
        skip();
    f = lab_find(&l, "nat_rewrite");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, "198.51.100.20:40053 to 203.0.113.5");
    assert_true(cites(f, 1, "request advertising a private address"));
    assert_true(cites(f, 2, "response with received="));
    assert_true(cites(f, 13, "latest request"));
    assert_int_equal(f->count, 7);
    assert_non_null(strstr(f->summary, "192.168.50.10 in Via, Contact, SDP c=, SDP o="));
    assert_non_null(strstr(f->summary, "198.51.100.20:5060"));
    assert_null(lab_find(&l, "sip_alg"));
    snapshot_free(&l.snap);

    /* PBX side: seven copies of the INVITE from 192.168.50.10, no answer */
    if (!lab_run(&l, "nat_rewrite_pbx", NULL))
        skip();
    f = lab_find(&l, "nat_rewrite");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, "192.168.50.10:5060 to 203.0.113.5");
    assert_true(cites(f, 1, "request advertising a private address"));
    assert_true(cites(f, 7, "latest request"));
    assert_non_null(strstr(f->summary, "no answer came back"));
    /* the headline is the NAT, not the unanswered INVITE it causes */
    assert_non_null(strstr(l.snap.peers[0].verdict, "advertises its LAN address"));
    snapshot_free(&l.snap);
}

static void test_lab_clean_captures(void **state)
{
    static const char *const clean[] = { "nat_correct", "clean", NULL };
    static const struct { const char *name, *kind; } only[] = {
        { "account_suspended", NULL }, { "auth_rejected_403", NULL },
        { "auth_rejected_rechallenge", NULL }, { "brute_force", NULL },
        { "carrier_rejected", NULL }, { "challenge_unanswered", NULL },
        { "digest_mismatch", NULL }, { "ip_rejected", NULL },
        /* built-in profiles: labtrunk.pstn.twilio.com is Twilio's, 203.0.113.5 is not */
        { "no_response", "unexpected_peer" },
        { "scanner", NULL }, { "source_ip_changed", NULL },
        { "keepalive_failed", "keepalive_failed" }, { "multi_site", "multi_site" },
        { "wrong_region", NULL }, /* built-in profiles: 203.0.113.5 is no Twilio edge */
        { NULL, NULL },
    };
    struct lab l;
    int ran = 0;
    (void)state;

    for (int i = 0; clean[i]; i++) {
        if (!lab_run(&l, clean[i], NULL))
            continue;
        ran++;
        for (size_t k = 0; k < l.snap.n_findings; k++)
            if (l.snap.findings[k].severity >= SEV_WARNING)
                fail_msg("%s: %s %s", clean[i], l.snap.findings[k].kind,
                         l.snap.findings[k].entity);
        assert_null(any_mine(&l.snap, SEV_INFO));
        snapshot_free(&l.snap);
    }
    /* the other lab captures: none of these kinds but their own */
    for (int i = 0; only[i].name; i++) {
        if (!lab_run(&l, only[i].name, NULL))
            continue;
        ran++;
        for (size_t k = 0; k < l.snap.n_findings; k++)
            for (int j = 0; my_kinds[j]; j++)
                if (strcmp(l.snap.findings[k].kind, my_kinds[j]) == 0 &&
                    (only[i].kind == NULL || strcmp(only[i].kind, my_kinds[j]) != 0))
                    fail_msg("%s: unexpected %s %s", only[i].name, my_kinds[j],
                             l.snap.findings[k].entity);
        snapshot_free(&l.snap);
    }
    if (ran == 0)
        skip();
}

static void test_lab_keepalive(void **state)
{
    struct lab l;
    const struct snap_finding *f;
    (void)state;

    /* tshark: pings 1,3 answered (2,4); 5 lost (retransmitted to 14); 15
     * answered by 20 at 47.5 s; 21,23,25 answered */
    if (!lab_run(&l, "keepalive_failed", NULL))
        skip();
    f = lab_find(&l, "keepalive_failed");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, "198.51.100.10 to 203.0.113.5");
    assert_true(cites(f, 1, "first keepalive"));
    assert_true(cites(f, 4, "last answer before outage"));
    assert_true(cites(f, 5, "first unanswered keepalive"));
    assert_true(cites(f, 15, "keepalive answered after outage"));
    assert_true(cites(f, 20, "answer after outage"));
    assert_non_null(strstr(f->summary, "7 sent, one every 4.0 s"));
    assert_non_null(strstr(f->summary, "1 lost"));
    assert_non_null(strstr(f->summary, "outage 8.0-47.5 s (39.5 s)"));
    assert_non_null(strstr(f->summary, "now up"));
    for (uint32_t i = 0; i < f->n_evidence; i++)
        if (f->evidence[i].frame == 5)
            assert_non_null(strstr(f->evidence[i].line, "detected at 40.0 s"));
    assert_int_equal(l.snap.n_peers, 1);
    assert_string_equal(l.snap.peers[0].keepalive, "up");
    snapshot_free(&l.snap);
}

static void test_lab_multi_site(void **state)
{
    struct lab l;
    const struct snap_finding *f;
    (void)state;

    /* tshark: accepted retries from .10 at 3, 12 and from .30 at 7, 22 */
    if (!lab_run(&l, "multi_site", NULL))
        skip();
    f = lab_find(&l, "multi_site");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_string_equal(f->entity, "1001@sip.twilio.com to 203.0.113.5");
    assert_non_null(strstr(f->summary, "198.51.100.10, 198.51.100.30"));
    for (uint64_t fr = 3; fr <= 22; fr++) {
        bool want = fr == 3 || fr == 7 || fr == 12 || fr == 22;
        assert_int_equal(cites(f, fr, "retry with credentials"), want);
    }
    for (uint32_t i = 0; i < f->n_evidence; i++)
        assert_non_null(strstr(f->evidence[i].line,
                               f->evidence[i].frame == 3 || f->evidence[i].frame == 12
                                   ? "from 198.51.100.10:"
                                   : "from 198.51.100.30:"));
    snapshot_free(&l.snap);
}

/* A Twilio host sent to an address that is not Twilio's and never answers
 * (tshark: INVITE frame 1 retransmitted to frame 7, no response). */
static void test_lab_unexpected_peer_profile(void **state)
{
    struct lab l;
    const struct snap_finding *f;
    (void)state;

    if (access("profiles/twilio.ini", R_OK) != 0 || !lab_run(&l, "no_response", NULL))
        skip();
    f = lab_find(&l, "unexpected_peer");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_string_equal(f->entity,
                        "198.51.100.10 to 203.0.113.5 (twilio host labtrunk.pstn.twilio.com)");
    assert_true(cites(f, 1, "unanswered request"));
    assert_non_null(lab_find(&l, "no_response"));
    snapshot_free(&l.snap);
    /* the lab profile places 203.0.113.0/24 at Twilio: expected, no finding */
    if (!lab_run(&l, "no_response", "tests/lab/profiles"))
        skip();
    assert_null(lab_find(&l, "unexpected_peer"));
    snapshot_free(&l.snap);
}

static void test_lab_wrong_region(void **state)
{
    struct lab l;
    const struct snap_finding *f;
    (void)state;

    if (access("tests/lab/profiles/twilio-lab.ini", R_OK) != 0 ||
        !lab_run(&l, "wrong_region", "tests/lab/profiles"))
        skip();
    f = lab_find(&l, "wrong_region");
    assert_non_null(f);
    assert_string_equal(f->entity, "mytrunk.pstn.dublin.twilio.com to 203.0.113.5");
    assert_true(cites(f, 1, "request"));
    assert_true(cites(f, 4, "request"));
    assert_non_null(strstr(f->summary, "edge dublin"));
    assert_non_null(strstr(f->summary, "edge ashburn"));
    /* the lab carrier answered: a warning, not an error */
    assert_int_equal(f->severity, SEV_WARNING);
    snapshot_free(&l.snap);
}

/* GeoIP beside public addresses: the tiny documentation-range databases
 * of tests/geoip/make-test-mmdb.pl (203.0.113/24 XB AS64501, 192.0.2/24 XC). */
static void test_lab_geoip(void **state)
{
    char dir[] = "/tmp/h9-geoip-XXXXXX", cmd[256], country[128], asn[128];
    const char *files[] = { country, asn, NULL };
    const char *dirs[] = { "tests/lab/profiles", NULL };
    struct engine_opts o = { .geoip_files = files, .profile_dirs = dirs };
    struct snapshot snap;
    const struct snap_finding *f = NULL;
    bool have;
    (void)state;

    if (access("pcaps/lab/wrong_region.pcap", R_OK) != 0 || mkdtemp(dir) == NULL)
        skip();
    snprintf(cmd, sizeof(cmd), "perl tests/geoip/make-test-mmdb.pl '%s' >/dev/null 2>&1", dir);
    have = system(cmd) == 0;
    snprintf(country, sizeof(country), "%s/test-country.mmdb", dir);
    snprintf(asn, sizeof(asn), "%s/test-asn.mmdb", dir);
    if (have) {
        assert_int_equal(snapshot_init(&snap, 256, 64, 64, 512, 1 << 20, 128), 0);
        assert_int_equal(pe_run("pcaps/lab/wrong_region.pcap", &o, &snap), 0);
        for (size_t i = 0; i < snap.n_findings; i++)
            if (strcmp(snap.findings[i].kind, "wrong_region") == 0)
                f = &snap.findings[i];
        assert_non_null(f);
        assert_string_equal(f->entity,
                            "mytrunk.pstn.dublin.twilio.com to 203.0.113.5 [XB AS64501]");
        assert_non_null(strstr(f->evidence[0].line, "-> 203.0.113.5 [XB AS64501]"));
        assert_non_null(strstr(snap.peers[0].geo, "XB AS64501"));
        snapshot_free(&snap);
        if (access("pcaps/lab/scanner.pcap", R_OK) == 0) {
            o.profile_dirs = NULL;
            f = NULL;
            assert_int_equal(snapshot_init(&snap, 256, 64, 64, 512, 1 << 20, 128), 0);
            assert_int_equal(pe_run("pcaps/lab/scanner.pcap", &o, &snap), 0);
            for (size_t i = 0; i < snap.n_findings; i++)
                if (strcmp(snap.findings[i].kind, "scanner") == 0)
                    f = &snap.findings[i];
            assert_non_null(f);
            assert_non_null(strstr(f->summary, "192.0.2.66 [XC]"));
            snapshot_free(&snap);
        }
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    if (!have)
        skip();
}

/* A real capture (heplify's erspan_sip_ipv4_udp, port mirror in GRE):
 * tshark shows a phone behind NAT at 180.173.83.248:53221 whose SUBSCRIBE
 * (frame 1) carries Via/Contact 192.168.8.53, answered 202 with
 * received=180.173.83.248 (frame 4), and which answers the server's NOTIFY
 * sent with Via 101.231.48.19:5260 (frame 6) with Via port 5860 (frame 7). */
static void test_shared_erspan(void **state)
{
    char path[512];
    struct snapshot snap;
    struct engine_opts o = { 0 };
    const struct snap_finding *nat = NULL, *alg = NULL;
    (void)state;

    snprintf(path, sizeof(path), "%s/heplify__erspan_sip_ipv4_udp.pcapng",
             testutil_shared_pcaps());
    if (access(path, R_OK) != 0)
        skip();
    assert_int_equal(snapshot_init(&snap, 256, 64, 64, 512, 1 << 20, 128), 0);
    assert_int_equal(pe_run(path, &o, &snap), 0);
    for (size_t i = 0; i < snap.n_findings; i++) {
        if (strcmp(snap.findings[i].kind, "nat_rewrite") == 0)
            nat = &snap.findings[i];
        if (strcmp(snap.findings[i].kind, "sip_alg") == 0)
            alg = &snap.findings[i];
    }
    assert_non_null(nat);
    assert_string_equal(nat->entity, "180.173.83.248:53221 to 101.231.48.19");
    assert_int_equal(tl_frame(nat, "request advertising a private address"), 1);
    assert_int_equal(tl_frame(nat, "response with received="), 4);
    assert_non_null(strstr(tl_line(nat, "request advertising a private address"),
                           "Via, Contact 192.168.8.53"));
    assert_non_null(alg);
    assert_string_equal(alg->entity, "101.231.48.19 to 180.173.83.248");
    assert_int_equal(tl_frame(alg, "response Via changed"), 7);
    assert_non_null(strstr(tl_line(alg, "response Via changed"), "101.231.48.19:5860"));
    snapshot_free(&snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nat_view),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_length_mismatch),
        cmocka_unit_test(test_nat_rewrite_carrier_text),
        cmocka_unit_test(test_nat_rewrite_pbx_side_config),
        cmocka_unit_test(test_nat_stale_public),
        cmocka_unit_test(test_nat_correct_text),
        cmocka_unit_test(test_sip_alg_text),
        cmocka_unit_test(test_keepalive_outage),
        cmocka_unit_test(test_keepalive_gave_up),
        cmocka_unit_test(test_wrong_region_profiles),
        cmocka_unit_test(test_wrong_region_config),
        cmocka_unit_test(test_unexpected_peer_config),
        cmocka_unit_test(test_multi_site_trunk),
        cmocka_unit_test(test_tables_overflow),
        cmocka_unit_test(test_lab_nat_rewrite),
        cmocka_unit_test(test_lab_clean_captures),
        cmocka_unit_test(test_lab_keepalive),
        cmocka_unit_test(test_lab_multi_site),
        cmocka_unit_test(test_lab_unexpected_peer_profile),
        cmocka_unit_test(test_lab_wrong_region),
        cmocka_unit_test(test_lab_geoip),
        cmocka_unit_test(test_shared_erspan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
