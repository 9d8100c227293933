/*
 * test_auth.c — the auth exchange state machine (src/correlate/auth.c) and
 * the auth kinds, on real SIP text through sip_parse: challenge → retry →
 * outcome for 401 and 407, Twilio-style 403 vs re-challenge rejection,
 * stale=true (normal), the digest checks (realm, nonce, uri, algorithm,
 * nc), challenge_unanswered and pre-emptive credentials.
 */
#include "testutil.h"

#include "engine_testlib.h"

#define RURI "sip:+15550100@" TRUNK

static void challenge(struct tl *t, const char *method, int status, const char *hdr)
{
    tl_req(t, PBX, method, RURI, "z9hG4bKr1", "a1@x", 1, "1001", "");
    tl_resp(t, PBX, status, status == 401 ? "Unauthorized" : "Proxy Authentication Required",
            method, "z9hG4bKr1", "a1@x", 1, hdr);
    if (strcmp(method, "INVITE") == 0)
        tl_req(t, PBX, "ACK", RURI, "z9hG4bKr1", "a1@x", 1, "1001", "");
}

static void test_401_retry_200_is_healthy(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "REGISTER", 401, WWW_CH);
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKr2", "a1@x", 2, "");
    tl_finish(&t);
    assert_int_equal(t.e->n_challenges, 1);
    assert_int_equal(t.e->n_auth_ok, 1);
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);
    assert_int_equal(report_exit_status(&t.snap), 0);
    assert_int_equal(t.snap.n_peers, 1);
    assert_int_equal(t.snap.peers[0].auth_ok, 1);
    assert_string_equal(t.snap.peers[0].verdict, "");
    tl_close(&t);
}

static void test_407_retry_403_twilio(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "INVITE", 407, PROXY_CH);                    /* frames 1-3 */
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));   /* frame 4 */
    tl_resp(&t, PBX, 403, "Forbidden", "INVITE", "z9hG4bKr2", "a1@x", 2,
            "X-Twilio-Error: 32202 Bad user credentials\n");   /* frame 5 */
    tl_finish(&t);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, "1001 from " PBX " to " TRUNK);
    assert_int_equal(tl_frame(f, "request"), 1);
    assert_int_equal(tl_frame(f, "challenge"), 2);
    assert_int_equal(tl_frame(f, "retry with credentials"), 4);
    assert_int_equal(tl_frame(f, "403 Forbidden"), 5);
    assert_non_null(strstr(tl_line(f, "403 Forbidden"),
                           "X-Twilio-Error: 32202 Bad user credentials"));
    assert_null(tl_find(&t, "ip_rejected"));
    assert_null(tl_find(&t, "challenge_unanswered"));
    assert_int_equal(report_exit_status(&t.snap), 1);
    assert_non_null(strstr(t.snap.peers[0].verdict, "Trunk " TRUNK ": every request with credentials was refused"));
    assert_int_equal(t.snap.peers[0].auth_failed, 1);
    tl_close(&t);
}

static void test_rechallenge_is_rejection_stale_is_not(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    /* a fresh, non-stale 401 to the retry: the server refused the digest */
    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "REGISTER", 401, WWW_CH);
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKr2", "a1@x", 2,
            "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n2\"\n");
    tl_finish(&t);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_int_equal(tl_frame(f, "401 Unauthorized"), 4);
    /* the client gave up after the refusal: not "challenge unanswered" */
    assert_null(tl_find(&t, "challenge_unanswered"));
    tl_close(&t);

    /* stale=true: a nonce refresh; the retry with the new nonce succeeds */
    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "REGISTER", 401, WWW_CH);
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKr2", "a1@x", 2,
            "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n2\", stale=true\n");
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr3", "a1@x", 3, "1001",
           CRED("Authorization", "1001", "n2", RURI));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKr3", "a1@x", 3, "");
    tl_finish(&t);
    assert_int_equal(t.e->n_stale, 1);
    assert_int_equal(t.e->n_auth_ok, 1);
    assert_int_equal(t.e->n_auth_rejected, 0);
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);
    tl_close(&t);
}

/* One refused retry whose credentials carry `cred`; returns the finding. */
static const struct snap_finding *mismatch(struct tl *t, const char *cred)
{
    assert_int_equal(tl_open(t), 0);
    challenge(t, "REGISTER", 401, WWW_CH);
    tl_req(t, PBX, "REGISTER", RURI, "z9hG4bKr2", "a1@x", 2, "1001", cred);
    tl_resp(t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKr2", "a1@x", 2, "");
    tl_finish(t);
    return tl_find(t, "digest_mismatch");
}

static void test_digest_mismatch_checks(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    f = mismatch(&t, CRED("Authorization", "1001", "bogus", RURI));
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "never issued"));
    assert_int_equal(tl_frame(f, "challenge"), 2);
    assert_int_equal(tl_frame(f, "retry with credentials"), 3);
    tl_close(&t);

    f = mismatch(&t, CRED("Authorization", "1001", "n1", "sip:other@" TRUNK));
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "is not the Request-URI"));
    tl_close(&t);

    f = mismatch(&t, "Authorization: Digest username=\"1001\", realm=\"other.example\", "
                     "nonce=\"n1\", uri=\"" RURI "\", "
                     "response=\"0123456789abcdef0123456789abcdef\"\n");
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "realm"));
    tl_close(&t);

    f = mismatch(&t, "Authorization: Digest username=\"1001\", realm=\"sip.example\", "
                     "nonce=\"n1\", uri=\"" RURI "\", algorithm=SHA-256, "
                     "response=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n");
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "not offered"));
    tl_close(&t);

    f = mismatch(&t, "Authorization: Digest username=\"1001\", realm=\"sip.example\", "
                     "nonce=\"n1\", uri=\"" RURI "\", qop=auth, "
                     "response=\"0123456789abcdef0123456789abcdef\"\n");
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "qop"));
    tl_close(&t);

    /* a well-formed retry that is refused: auth_rejected only */
    f = mismatch(&t, CRED("Authorization", "1001", "n1", RURI));
    assert_null(f);
    assert_non_null(tl_find(&t, "auth_rejected"));
    tl_close(&t);
}

static void test_nc_must_increase(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;
#define QCRED(nc) "Authorization: Digest username=\"1001\", realm=\"sip.example\", " \
    "nonce=\"n1\", uri=\"" RURI "\", qop=auth, nc=" nc ", cnonce=\"c0ffee\", " \
    "response=\"0123456789abcdef0123456789abcdef\"\n"

    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "REGISTER", 401,
              "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", qop=\"auth\"\n");
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr2", "a1@x", 2, "1001", QCRED("00000001"));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKr2", "a1@x", 2, "");
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKr3", "a1@x", 3, "1001", QCRED("00000001"));
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKr3", "a1@x", 3, "");
    tl_finish(&t);
    f = tl_find(&t, "digest_mismatch");
    assert_non_null(f);
    assert_non_null(strstr(f->summary, "nc 00000001 did not increase"));
    tl_close(&t);
}

static void test_challenge_unanswered(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    /* INVITE → 407 → ACK, then the PBX never retries; the capture goes on */
    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "INVITE", 407, PROXY_CH);
    t.now = T0 + 40 * SEC;
    tl_req(&t, PBX, "OPTIONS", "sip:" TRUNK, "z9hG4bKo1", "o1@x", 1, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "OPTIONS", "z9hG4bKo1", "o1@x", 1, "");
    tl_finish(&t);
    f = tl_find(&t, "challenge_unanswered");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_int_equal(tl_frame(f, "request"), 1);
    assert_int_equal(tl_frame(f, "challenge"), 2);
    tl_close(&t);

    /* a softphone taking 33 s to retry (sngrep aaa.pcap does) is fine */
    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "INVITE", 407, PROXY_CH);
    t.now = T0 + 33 * SEC;
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 200, "OK", "INVITE", "z9hG4bKr2", "a1@x", 2, "");
    t.now = T0 + 400 * SEC;
    engine_tick(t.e, t.now);
    tl_finish(&t);
    assert_null(tl_find(&t, "challenge_unanswered"));
    tl_close(&t);

    /* the capture ends 2 s after the challenge: reported (that is what the
     * capture shows), naming the short tail as a possible cause */
    assert_int_equal(tl_open(&t), 0);
    challenge(&t, "INVITE", 407, PROXY_CH);
    t.now = T0 + 2 * SEC;
    tl_finish(&t);
    f = tl_find(&t, "challenge_unanswered");
    assert_non_null(f);
    int said = 0;
    for (uint32_t i = 0; i < f->n_causes; i++)
        said |= strstr(f->causes[i], "capture stopped too early") != NULL;
    assert_true(said);
    tl_close(&t);
}

static void test_preemptive_credentials(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", RURI, "z9hG4bKp1", "p1@x", 5, "1001",
           CRED("Authorization", "1001", "cached", RURI));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKp1", "p1@x", 5, "");
    tl_finish(&t);
    assert_int_equal(t.e->n_auth_ok, 1);
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_401_retry_200_is_healthy),
        cmocka_unit_test(test_407_retry_403_twilio),
        cmocka_unit_test(test_rechallenge_is_rejection_stale_is_not),
        cmocka_unit_test(test_digest_mismatch_checks),
        cmocka_unit_test(test_nc_must_increase),
        cmocka_unit_test(test_challenge_unanswered),
        cmocka_unit_test(test_preemptive_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
