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

/* ---- the stored record (struct auth_rec) ---- */

/* One message parsed, not fed to the engine: the auth functions below are
 * driven alone, so the exchange is the only holder of its strings. */
struct one_msg {
    char wire[4096];
    struct sip_msg m;
};

__attribute__((format(printf, 4, 5)))
static const struct sip_msg *parse_one(struct tl *t, struct one_msg *o, uint16_t cport,
                                       const char *fmt, ...)
{
    char text[4096];
    size_t n = 0;
    struct sip_payload pl;
    va_list ap;
    bool req;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (const char *p = text; *p && n + 2 < sizeof(o->wire); p++) {
        if (*p == '\n')
            o->wire[n++] = '\r';
        o->wire[n++] = *p;
    }
    req = strncmp(text, "SIP/2.0", 7) != 0;
    memset(&pl, 0, sizeof(pl));
    pl.frame = ++t->frame;
    pl.ts_us = t->now;
    addr_parse(req ? PBX : TRUNK, strlen(req ? PBX : TRUNK), &pl.src.ip);
    addr_parse(req ? TRUNK : PBX, strlen(req ? TRUNK : PBX), &pl.dst.ip);
    pl.src.port = req ? cport : 5060;
    pl.dst.port = req ? 5060 : cport;
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)o->wire;
    pl.len = n;
    assert_int_equal(sip_parse(t->sp, &pl, &o->m), SIP_OK);
    return &o->m;
}

#define REG_REQ "REGISTER sip:" TRUNK " SIP/2.0\n" \
    "Via: SIP/2.0/UDP " PBX ":%u;branch=z9hG4bK%s\n" \
    "From: <sip:%s@" TRUNK ">;tag=f1\nTo: <sip:%s@" TRUNK ">\n" \
    "Call-ID: %s\nCSeq: %u REGISTER\n%s" "Content-Length: 0\n\n"
#define REG_401 "SIP/2.0 401 Unauthorized\n" \
    "Via: SIP/2.0/UDP " PBX ":%u;branch=z9hG4bK%s\n" \
    "From: <sip:%s@" TRUNK ">;tag=f1\nTo: <sip:%s@" TRUNK ">;tag=t1\n" \
    "Call-ID: %s\nCSeq: %u REGISTER\n" \
    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"n-%s\", algorithm=SHA-256, qop=\"auth\"\n" \
    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"m-%s\", algorithm=MD5, qop=\"auth\"\n" \
    "Content-Length: 0\n\n"

/* REGISTER -> 401 (user and realm of its own, from a port of its own). */
static struct auth_ex *challenged(struct tl *t, const char *user, uint16_t port)
{
    struct one_msg o;
    char cid[64];

    snprintf(cid, sizeof(cid), "rec-%s@x", user);
    return auth_on_challenge(t->e, parse_one(t, &o, port, REG_401, port, user, user, user, cid,
                                             1, user, user, user, user), NULL);
}

/* A 256-byte record read back through the view: the text, the addresses,
 * the algorithms offered, the flags; its strings leave with it when it is
 * retired (64*T1 after its outcome), and when the table evicts it. */
static void test_record_view_and_strings(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts opts = { 0 };
    struct one_msg o;
    struct auth_ex *ax;
    struct txn retry = { 0 };
    size_t live0;
    (void)state;

    assert_true(sizeof(struct auth_rec) <= 256);
    caps_default(&c);
    c.auth_exchanges = 2;
    assert_int_equal(tl_open_caps(&t, &c, &opts), 0);
    live0 = intern_live(&t.e->strings);
    ax = challenged(&t, "alice", 40001);
    assert_non_null(ax);
    assert_string_equal(ax->realm, "alice");
    assert_string_equal(ax->challenge_line, "SIP/2.0 401 Unauthorized");
    assert_int_equal(ax->n_alg, 2);
    assert_string_equal(ax->alg[0], "SHA-256");
    assert_string_equal(ax->alg[1], "MD5");
    assert_string_equal(ax->qop, "auth");
    assert_int_equal(ax->client.port, 40001);
    assert_int_equal(ax->server.port, 5060);
    assert_int_equal(ax->challenge_status, 401);
    assert_int_equal(ax->challenge_frame, 1);
    assert_int_equal(ax->state, AUTH_CHALLENGED);
    assert_false(ax->proxy);
    assert_true(intern_live(&t.e->strings) > live0);

    /* the retry: credentials for a realm the challenge did not name */
    t.now += SEC;
    ax = auth_on_credentials(t.e, parse_one(&t, &o, 40001, REG_REQ, 40001, "a2", "alice",
                                            "alice", "rec-alice@x", 2,
                                            "Authorization: Digest username=\"alice\", "
                                            "realm=\"other\", nonce=\"n-alice\", uri=\"sip:"
                                            TRUNK "\", response=\"0123456789abcdef"
                                            "0123456789abcdef\", algorithm=MD5\n"), NULL);
    assert_non_null(ax);
    assert_string_equal(ax->username, "alice");
    assert_string_equal(ax->retry_line, "REGISTER sip:" TRUNK);
    assert_non_null(strstr(ax->problem, "realm \"other\""));
    assert_int_equal(ax->retry_frame, 2);
    assert_int_equal(ax->retry_us, t.now);
    assert_int_equal(ax->state, AUTH_RETRIED);
    retry.frame = 2;
    t.now += SEC;
    assert_true(auth_on_final(t.e, ax, parse_one(&t, &o, 40001, REG_401, 40001, "a2", "alice",
                                                  "alice", "rec-alice@x", 2, "alice", "x2",
                                                  "alice", "x2"), &retry, NULL));
    assert_int_equal(ax->state, AUTH_REJECTED);
    assert_int_equal(ax->outcome_frame, 3);
    assert_string_equal(ax->outcome_line, "SIP/2.0 401 Unauthorized");
    assert_int_equal(auth_view(t.e, ax->rec)->rejections, 1);

    /* retired 64*T1 after its outcome: every string it held is given back */
    engine_tick(t.e, t.now + 33 * SEC);
    assert_int_equal(t.e->auths.n, 0);
    assert_int_equal(t.e->n_auth_retired, 1);
    assert_int_equal(intern_live(&t.e->strings), live0);

    /* evicted: a full table drops the oldest, and its strings with it */
    t.now += 60 * SEC;
    assert_non_null(challenged(&t, "bob", 40002));
    assert_non_null(challenged(&t, "carol", 40003));
    assert_non_null(challenged(&t, "dave", 40004));
    assert_int_equal(t.e->auths.evictions, 1);
    assert_int_equal(t.e->auths.n, 2);
    engine_tick(t.e, t.now + 400 * SEC);    /* unanswered, then retired */
    assert_int_equal(t.e->auths.n, 0);
    assert_int_equal(intern_live(&t.e->strings), live0);
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
        cmocka_unit_test(test_record_view_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
