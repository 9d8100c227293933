/*
 * test_wire_check.c — "never contradict the wire" (issue 13 item 5): a
 * host that answered other messages of the call is not reported as
 * "never answers" (sngrep's aaa.pcap: 100 Trying and 408 from the far
 * end, then an unmatched CANCEL), and a private Contact/Via that the far
 * end's own requests reach directly is no NAT problem (nDPI's FAX-Call
 * capture: frames 27, 62).
 */
#include <string.h>

#include "testutil.h"

#include "engine_testlib.h"

#define RURI "sip:+15550100@" TRUNK

static void cancel_unanswered(struct tl *t, bool trying)
{
    static const double at[] = { 1.0, 1.5, 2.5, 4.5, 8.5, 12.5, 16.5, 20.5 };

    tl_req(t, PBX, "INVITE", RURI, "z9hG4bKw1", "w1@x", 1, "1001", "");
    if (trying) {
        t->now += SEC / 10;
        tl_resp(t, PBX, 100, "Trying", "INVITE", "z9hG4bKw1", "w1@x", 1, "");
    }
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        t->now = T0 + (int64_t)(at[i] * SEC);
        tl_req(t, PBX, "CANCEL", RURI, "z9hG4bKw1", "w1@x", 1, "1001", "");
    }
    t->now = T0 + 60 * SEC;
    tl_finish(t);
}

static void test_answered_call_is_not_never(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    /* control: total silence is "never answers" */
    assert_int_equal(tl_open(&t), 0);
    cancel_unanswered(&t, false);
    f = tl_find(&t, "no_response");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_non_null(strstr(f->summary, "never answers"));
    tl_close(&t);

    /* the same host sent 100 Trying in the call: it answers, late or not */
    assert_int_equal(tl_open(&t), 0);
    cancel_unanswered(&t, true);
    f = tl_find(&t, "no_response");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_null(strstr(f->summary, "never"));
    assert_null(strstr(f->summary, "no response at all"));
    assert_int_equal(tl_frame(f, "answer from the same host"), 2);
    tl_close(&t);
}

#define LAN "192.168.100.219"
#define FAR "138.132.169.101"

static void lan_invite(struct tl *t, bool far_reaches_lan)
{
    if (far_reaches_lan)
        tl_feed(t, FAR, 5060, LAN, 5060,
                "INVITE sip:100@" LAN ":5060 SIP/2.0\n"
                "Via: SIP/2.0/UDP " FAR ":5060;branch=z9hG4bKfar1\n"
                "From: <sip:200@" FAR ">;tag=a1\n"
                "To: <sip:100@" LAN ">\n"
                "Call-ID: far1@x\n"
                "CSeq: 1 INVITE\n"
                "Contact: <sip:200@" FAR ":5060>\n"
                "Content-Length: 0\n\n");
    t->now += SEC;
    tl_feed(t, LAN, 5060, FAR, 5060,
            "INVITE sip:200@" FAR ":5060 SIP/2.0\n"
            "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKlan1\n"
            "From: <sip:100@" LAN ">;tag=b1\n"
            "To: <sip:200@" FAR ">\n"
            "Call-ID: lan1@x\n"
            "CSeq: 1 INVITE\n"
            "Contact: <sip:100@" LAN ":5060>\n"
            "Content-Length: 0\n\n");
    t->now += SEC / 10;
    tl_feed(t, FAR, 5060, LAN, 5060,
            "SIP/2.0 100 Trying\n"
            "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKlan1\n"
            "From: <sip:100@" LAN ">;tag=b1\n"
            "To: <sip:200@" FAR ">\n"
            "Call-ID: lan1@x\n"
            "CSeq: 1 INVITE\n"
            "Content-Length: 0\n\n");
    t->now += SEC;
    tl_finish(t);
}

static void test_far_end_reaches_private_address(void **state)
{
    struct tl t;
    (void)state;

    /* control: a LAN address advertised to a public peer is reported */
    assert_int_equal(tl_open(&t), 0);
    lan_invite(&t, false);
    assert_non_null(tl_find(&t, "nat_rewrite"));
    tl_close(&t);

    /* the far end sends its own requests to that address: no NAT between */
    assert_int_equal(tl_open(&t), 0);
    lan_invite(&t, true);
    assert_null(tl_find(&t, "nat_rewrite"));
    tl_close(&t);
}

#define QCH "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", qop=\"auth\", " \
            "algorithm=MD5\n"
#define QCRED "Authorization: Digest username=\"1001\", realm=\"sip.example\", nonce=\"n1\", " \
              "uri=\"sip:" TRUNK "\", response=\"0123456789abcdef0123456789abcdef\", " \
              "algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c1\"\n"

/* The carrier re-issues the same nonce in its second challenge and the
 * client starts again at nc=00000001, as RFC 7616 clients do: a plain
 * wrong password, not "the credentials cannot match the challenge". */
static void test_nonce_reissued_is_wrong_password(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKn1", "n1@x", 1, "1001", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKn1", "n1@x", 1, QCH);
    t.now += SEC;
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKn2", "n1@x", 2, "1001", QCRED);
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKn2", "n1@x", 2, QCH);
    t.now += SEC;
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKn3", "n1@x", 3, "1001", QCRED);
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKn3", "n1@x", 3, "");
    tl_finish(&t);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_null(tl_find(&t, "digest_mismatch"));
    for (uint32_t i = 0; i < f->n_causes; i++)
        assert_null(strstr(f->causes[i], "cannot match"));
    assert_non_null(strstr(t.snap.peers[0].verdict, "wrong password"));
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answered_call_is_not_never),
        cmocka_unit_test(test_far_end_reaches_private_address),
        cmocka_unit_test(test_nonce_reissued_is_wrong_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
