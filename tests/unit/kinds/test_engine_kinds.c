/*
 * test_engine_kinds.c — each finding kind (src/kinds/) on real SIP text
 * through sip_parse and the engine: ip_rejected, account_suspended,
 * carrier_rejected (and Twilio 32017), scanner (User-Agent and many
 * usernames), brute_force, source_ip_changed, password_mismatch and
 * password_verified with --secrets, a healthy call, and the findings cap.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "sip/digest.h"
#include "engine_testlib.h"

#define RURI "sip:+15550100@" TRUNK

static void test_ip_rejected(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKi1", "i1@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "INVITE", "z9hG4bKi1", "i1@x", 1,
            "X-Twilio-Error: 32201 Source IP address not in ACL\n");
    tl_req(&t, PBX, "ACK", RURI, "z9hG4bKi1", "i1@x", 1, "1001", "");
    tl_finish(&t);
    f = tl_find(&t, "ip_rejected");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_string_equal(f->entity, PBX " to " TRUNK);
    assert_int_equal(tl_frame(f, "request without credentials"), 1);
    assert_int_equal(tl_frame(f, "403 Forbidden"), 2);
    assert_non_null(strstr(f->evidence[1].line, "32201"));
    assert_null(tl_find(&t, "auth_rejected"));
    assert_null(tl_find(&t, "account_suspended"));
    tl_close(&t);
}

/* Twilio with both an IP ACL and a credential list: 407, the retry, then
 * 403 + 32201: the credentials are not the problem, the address is. */
static void test_ip_rejected_after_auth(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKia1", "ia@x", 1, "1001", "");
    tl_resp(&t, PBX, 407, "Proxy Authentication Required", "INVITE", "z9hG4bKia1", "ia@x", 1,
            PROXY_CH);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKia2", "ia@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 403, "Forbidden", "INVITE", "z9hG4bKia2", "ia@x", 2,
            "X-Twilio-Error: 32201 Source IP address not in ACL\n");
    tl_finish(&t);
    f = tl_find(&t, "ip_rejected");
    assert_non_null(f);
    assert_int_equal(tl_frame(f, "request with credentials"), 3);
    assert_int_equal(tl_frame(f, "403 Forbidden"), 4);
    assert_null(tl_find(&t, "auth_rejected"));
    tl_close(&t);
}

static void test_account_suspended(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKs1", "s1@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Account suspended", "REGISTER", "z9hG4bKs1", "s1@x", 1, "");
    tl_finish(&t);
    f = tl_find(&t, "account_suspended");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_CRITICAL);
    assert_non_null(strstr(f->summary, "403 Account suspended"));
    assert_null(tl_find(&t, "ip_rejected"));
    assert_string_equal(t.snap.findings[0].kind, "account_suspended");  /* worst first */
    tl_close(&t);
}

static void test_carrier_rejected(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKc1", "c1@x", 1, "1001", "");
    tl_resp(&t, PBX, 407, "Proxy Authentication Required", "INVITE", "z9hG4bKc1", "c1@x", 1,
            PROXY_CH);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKc2", "c1@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 403, "Invalid Caller ID", "INVITE", "z9hG4bKc2", "c1@x", 2,
            "X-Twilio-Error: 32204 Invalid Caller ID\n");
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKc3", "c3@x", 1, "1001", "");
    tl_resp(&t, PBX, 503, "Trunk CPS limit exceeded", "INVITE", "z9hG4bKc3", "c3@x", 1, "");
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKc4", "c4@x", 1, "1001", "");
    tl_resp(&t, PBX, 488, "Secure SIP transport required", "INVITE", "z9hG4bKc4", "c4@x", 1,
            "X-Twilio-Error: 32209 Secure SIP transport required\n");
    tl_finish(&t);
    /* the credentials passed: not an auth failure */
    assert_null(tl_find(&t, "auth_rejected"));
    assert_int_equal(t.snap.peers[0].auth_ok, 1);
    size_t n = 0;
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "carrier_rejected") == 0) {
            f = &t.snap.findings[i];
            n++;
            assert_int_equal(f->severity, SEV_ERROR);
            if (strstr(f->entity, "caller_id"))
                assert_int_equal(tl_frame(f, "403 Invalid Caller ID"), 4);
            else if (strstr(f->entity, "cps_limit"))
                assert_int_equal(tl_frame(f, "503 Trunk CPS limit exceeded"), 6);
            else if (strstr(f->entity, "tls"))
                assert_non_null(strstr(f->evidence[1].line, "32209"));
            else
                fail_msg("unexpected entity %s", f->entity);
        }
    assert_int_equal(n, 3);
    tl_close(&t);
}

static void test_twilio_32017_is_not_auth(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    int said = 0;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKt1", "t1@x", 1, "1001", "");
    tl_resp(&t, PBX, 603, "Decline", "INVITE", "z9hG4bKt1", "t1@x", 1,
            "X-Twilio-Error: 32017 Carrier blocked call\n");
    tl_finish(&t);
    f = tl_find(&t, "carrier_rejected");
    assert_non_null(f);
    for (uint32_t i = 0; i < f->n_causes; i++)
        said |= strstr(f->causes[i], "32017") != NULL && strstr(f->causes[i], "caller-ID");
    assert_true(said);
    assert_null(tl_find(&t, "auth_rejected"));
    tl_close(&t);
}

static void test_scanner_user_agent(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_feed(&t, "192.0.2.66", 5070, TRUNK, 5060,
            "OPTIONS sip:100@" TRUNK " SIP/2.0\n"
            "Via: SIP/2.0/UDP 192.0.2.66:5070;branch=z9hG4bKscan1\n"
            "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=abc\n"
            "To: \"sipvicious\"<sip:100@1.1.1.1>\n"
            "Call-ID: scan1\nCSeq: 1 OPTIONS\n"
            "User-Agent: friendly-scanner\nContent-Length: 0\n\n");
    tl_finish(&t);
    f = tl_find(&t, "scanner");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_string_equal(f->entity, "192.0.2.66");
    assert_string_equal(t.snap.peers[0].role, "source");
    assert_string_equal(t.snap.peers[0].keepalive, "-");
    assert_int_equal(tl_frame(f, "scanner request"), 1);
    assert_non_null(strstr(f->evidence[0].line, "friendly-scanner"));
    tl_close(&t);
}

static void test_scanner_many_usernames(void **state)
{
    struct tl t;
    char ruri[64], branch[32], cid[32], user[16];
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 12; i++) {
        snprintf(ruri, sizeof(ruri), "sip:%d@" TRUNK, 100 + i);
        snprintf(branch, sizeof(branch), "z9hG4bKu%d", i);
        snprintf(cid, sizeof(cid), "u%d@x", i);
        snprintf(user, sizeof(user), "%d", 100 + i);
        tl_feed(&t, "192.0.2.67", 5060, TRUNK, 5060,
                "REGISTER sip:" TRUNK " SIP/2.0\n"
                "Via: SIP/2.0/UDP 192.0.2.67:5060;branch=%s\n"
                "From: <%s>;tag=x%d\nTo: <%s>\nCall-ID: %s\nCSeq: 1 REGISTER\n"
                "Content-Length: 0\n\n", branch, ruri, i, ruri, cid);
        tl_resp(&t, "192.0.2.67", 401, "Unauthorized", "REGISTER", branch, cid, 1, WWW_CH);
        (void)user;
    }
    tl_finish(&t);
    f = tl_find(&t, "scanner");
    assert_non_null(f);
    assert_string_equal(f->entity, "192.0.2.67");
    assert_int_equal(f->n_evidence, 11);      /* 10 usernames tried + the latest request */
    assert_int_equal(tl_frame(f, "latest request"), 23);
    tl_close(&t);
}

static void test_brute_force(void **state)
{
    struct tl t;
    char b1[32], b2[32];
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 12; i++) {
        t.now = T0 + i * 2 * SEC;
        snprintf(b1, sizeof(b1), "z9hG4bKbf%da", i);
        snprintf(b2, sizeof(b2), "z9hG4bKbf%db", i);
        tl_req(&t, "192.0.2.99", "REGISTER", "sip:" TRUNK, b1, "bf@x", (unsigned)(2 * i + 1),
               "1001", "");
        tl_resp(&t, "192.0.2.99", 401, "Unauthorized", "REGISTER", b1, "bf@x",
                (unsigned)(2 * i + 1), WWW_CH);
        tl_req(&t, "192.0.2.99", "REGISTER", "sip:" TRUNK, b2, "bf@x", (unsigned)(2 * i + 2),
               "1001", CRED("Authorization", "1001", "n1", "sip:" TRUNK));
        tl_resp(&t, "192.0.2.99", 403, "Forbidden", "REGISTER", b2, "bf@x",
                (unsigned)(2 * i + 2), "");
    }
    tl_finish(&t);
    f = tl_find(&t, "brute_force");
    assert_non_null(f);
    assert_string_equal(f->entity, "1001 from 192.0.2.99 to " TRUNK);
    assert_int_equal(f->severity, SEV_ERROR);
    /* every refusal still in the ring, then each later one */
    assert_int_equal(tl_frame(f, "retry with credentials"), 3);
    assert_int_equal(tl_frame(f, "auth refused"), 4);
    assert_true(f->n_evidence >= 24);
    assert_non_null(tl_find(&t, "auth_rejected"));
    tl_close(&t);

    /* the same failures spread over an hour are not brute force */
    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 12; i++) {
        t.now = T0 + i * 300 * SEC;
        snprintf(b1, sizeof(b1), "z9hG4bKsl%da", i);
        snprintf(b2, sizeof(b2), "z9hG4bKsl%db", i);
        tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, b1, "sl@x", (unsigned)(2 * i + 1), "1001", "");
        tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", b1, "sl@x", (unsigned)(2 * i + 1),
                WWW_CH);
        tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, b2, "sl@x", (unsigned)(2 * i + 2), "1001",
               CRED("Authorization", "1001", "n1", "sip:" TRUNK));
        tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", b2, "sl@x", (unsigned)(2 * i + 2), "");
    }
    tl_finish(&t);
    assert_null(tl_find(&t, "brute_force"));
    assert_non_null(tl_find(&t, "auth_rejected"));
    tl_close(&t);
}

/* A scanner's REGISTER with credentials for user, from ip, answered 401
 * then 403 (frames: request, challenge, retry, refusal). */
static void scan_register(struct tl *t, const char *ip, const char *user, int i)
{
    char b1[32], b2[32], cid[32];

    snprintf(b1, sizeof(b1), "z9hG4bKsc%da", i);
    snprintf(b2, sizeof(b2), "z9hG4bKsc%db", i);
    snprintf(cid, sizeof(cid), "sc%d@x", i);
    tl_feed(t, ip, 5070, TRUNK, 5060,
            "REGISTER sip:" TRUNK " SIP/2.0\n"
            "Via: SIP/2.0/UDP %s:5070;branch=%s\n"
            "From: <sip:%s@" TRUNK ">;tag=s%d\nTo: <sip:%s@" TRUNK ">\n"
            "Call-ID: %s\nCSeq: 1 REGISTER\n"
            "User-Agent: friendly-scanner\nContent-Length: 0\n\n", ip, b1, user, i, user, cid);
    tl_feed(t, TRUNK, 5060, ip, 5070,
            "SIP/2.0 401 Unauthorized\nVia: SIP/2.0/UDP %s:5070;branch=%s\n"
            "From: <sip:%s@" TRUNK ">;tag=s%d\nTo: <sip:%s@" TRUNK ">;tag=t1\n"
            "Call-ID: %s\nCSeq: 1 REGISTER\n" WWW_CH "Content-Length: 0\n\n",
            ip, b1, user, i, user, cid);
    tl_feed(t, ip, 5070, TRUNK, 5060,
            "REGISTER sip:" TRUNK " SIP/2.0\n"
            "Via: SIP/2.0/UDP %s:5070;branch=%s\n"
            "From: <sip:%s@" TRUNK ">;tag=s%d\nTo: <sip:%s@" TRUNK ">\n"
            "Call-ID: %s\nCSeq: 2 REGISTER\n"
            "Authorization: Digest username=\"%s\", realm=\"sip.example\", nonce=\"n1\", "
            "uri=\"sip:" TRUNK "\", response=\"0123456789abcdef0123456789abcdef\", "
            "algorithm=MD5\n"
            "User-Agent: friendly-scanner\nContent-Length: 0\n\n", ip, b2, user, i, user, cid,
            user);
    tl_feed(t, TRUNK, 5060, ip, 5070,
            "SIP/2.0 403 Forbidden\nVia: SIP/2.0/UDP %s:5070;branch=%s\n"
            "From: <sip:%s@" TRUNK ">;tag=s%d\nTo: <sip:%s@" TRUNK ">;tag=t1\n"
            "Call-ID: %s\nCSeq: 2 REGISTER\nContent-Length: 0\n\n", ip, b2, user, i, user, cid);
}

/* Issue 14: scanners are one population finding per attacked server, its
 * members the sources, its targets the accounts they tried. */
static void test_scanner_population(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    size_t n = 0;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    scan_register(&t, "192.0.2.66", "100", 1);
    scan_register(&t, "192.0.2.67", "101", 2);
    scan_register(&t, "192.0.2.67", "102", 3);
    scan_register(&t, "192.0.2.68", "103", 4);
    /* a REGISTER never retried still names the account it tries */
    tl_feed(&t, "192.0.2.68", 5070, TRUNK, 5060,
            "REGISTER sip:" TRUNK " SIP/2.0\n"
            "Via: SIP/2.0/UDP 192.0.2.68:5070;branch=z9hG4bKsc9\n"
            "From: <sip:104@" TRUNK ">;tag=s9\nTo: <sip:104@" TRUNK ">\n"
            "Call-ID: sc9@x\nCSeq: 1 REGISTER\n"
            "User-Agent: friendly-scanner\nContent-Length: 0\n\n");
    tl_finish(&t);
    for (size_t i = 0; i < t.snap.n_findings; i++)
        n += strcmp(t.snap.findings[i].kind, "scanner") == 0;
    assert_int_equal(n, 1);
    f = tl_find(&t, "scanner");
    assert_non_null(f);
    assert_string_equal(f->population, "sources");
    assert_int_equal(f->n_members, 3);
    assert_string_equal(f->entity, "3 sources to " TRUNK);
    assert_non_null(strstr(f->summary, "3 scanners (friendly-scanner)"));
    assert_non_null(strstr(f->summary, "9 REGISTER"));   /* 5 requests, 4 retries */
    assert_string_equal(f->sample[0].name, "192.0.2.67");       /* most requests first */
    assert_int_equal(f->sample[0].count, 4);
    assert_int_equal(f->n_targets, 5);
    assert_string_equal(f->targets[4], "104@" TRUNK);
    assert_null(tl_find(&t, "auth_rejected"));     /* the attack's refusals are not users' */
    tl_close(&t);
}

/* Issue 14 item 5: an account a scanner targets that also fails from its
 * own phone is reported for both: a target of the scanner finding, and a
 * user of auth_rejected (for the phone's refusal only). */
static void test_targeted_account_fails_from_own_phone(void **state)
{
    struct tl t;
    const struct snap_finding *sc, *ar;
    bool target = false;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    scan_register(&t, "192.0.2.66", "1001", 1);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKown1", "own@x", 1, "1001", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKown1", "own@x", 1, WWW_CH);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKown2", "own@x", 2, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKown2", "own@x", 2, "");
    tl_finish(&t);
    sc = tl_find(&t, "scanner");
    ar = tl_find(&t, "auth_rejected");
    assert_non_null(sc);
    assert_non_null(ar);
    for (uint32_t i = 0; i < sc->n_targets; i++)
        target |= strcmp(sc->targets[i], "1001@" TRUNK) == 0;
    assert_true(target);
    assert_string_equal(ar->entity, "1001 from " PBX " to " TRUNK);
    assert_int_equal(ar->count, 1);     /* the phone's refusal, not the scanner's */
    assert_null(strstr(ar->summary, "192.0.2.66"));
    tl_close(&t);
}

/* Brute force from several sources at one server: one population finding. */
static void test_brute_force_population(void **state)
{
    struct tl t;
    char b1[32], b2[32], cid[32];
    const struct snap_finding *f = NULL;
    const char *src[2] = { "192.0.2.98", "192.0.2.99" };
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 11 + s; i++) {
            t.now = T0 + i * 2 * SEC;
            snprintf(b1, sizeof(b1), "z9hG4bKbp%d%da", s, i);
            snprintf(b2, sizeof(b2), "z9hG4bKbp%d%db", s, i);
            snprintf(cid, sizeof(cid), "bp%d@x", s);
            tl_req(&t, src[s], "REGISTER", "sip:" TRUNK, b1, cid, (unsigned)(2 * i + 1),
                   s ? "2002" : "1001", "");
            tl_resp(&t, src[s], 401, "Unauthorized", "REGISTER", b1, cid, (unsigned)(2 * i + 1),
                    WWW_CH);
            tl_req(&t, src[s], "REGISTER", "sip:" TRUNK, b2, cid, (unsigned)(2 * i + 2),
                   s ? "2002" : "1001",
                   s ? CRED("Authorization", "2002", "n1", "sip:" TRUNK)
                     : CRED("Authorization", "1001", "n1", "sip:" TRUNK));
            tl_resp(&t, src[s], 403, "Forbidden", "REGISTER", b2, cid, (unsigned)(2 * i + 2),
                    "");
        }
    tl_finish(&t);
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "brute_force") == 0) {
            assert_null(f);     /* one finding for both sources */
            f = &t.snap.findings[i];
        }
    assert_non_null(f);
    assert_string_equal(f->population, "sources");
    assert_int_equal(f->n_members, 2);
    assert_string_equal(f->entity, "2 sources to " TRUNK);
    assert_int_equal(f->count, 23);     /* every refusal of both */
    assert_string_equal(f->sample[0].name, "192.0.2.99");
    assert_int_equal(f->sample[0].count, 12);
    assert_int_equal(f->n_targets, 2);
    tl_close(&t);
}

static void test_source_ip_changed(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKip1", "ip1@x", 1, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "INVITE", "z9hG4bKip1", "ip1@x", 1, "");     /* frame 2 */
    t.now += 60 * SEC;
    tl_req(&t, "198.51.100.77", "INVITE", RURI, "z9hG4bKip2", "ip2@x", 1, "1001", "");
    tl_resp(&t, "198.51.100.77", 403, "Forbidden", "INVITE", "z9hG4bKip2", "ip2@x", 1, "");
    /* the identity was quiet for 60 s: it left to its history and came back */
    assert_int_equal(t.e->n_idents_retired, 1);
    assert_int_equal(t.e->n_idents_revived, 1);
    tl_finish(&t);
    f = tl_find(&t, "source_ip_changed");
    assert_non_null(f);
    assert_string_equal(f->entity, "1001@" TRUNK " to " TRUNK);
    assert_int_equal(tl_frame(f, "accepted from old address"), 2);
    assert_int_equal(tl_frame(f, "request from new address"), 3);
    assert_int_equal(tl_frame(f, "403 Forbidden"), 4);
    assert_non_null(strstr(f->summary, "198.51.100.77"));
    tl_close(&t);
}

/* From the new address the server challenged and then refused the
 * credentials: it let that address in, so its access list did not refuse
 * it; the password did (a second phone with a stale password on the same
 * account). That is auth_rejected, never "add the address to the ACL". A
 * request without credentials refused from there afterwards is an address
 * change again. */
static void test_source_ip_changed_not_after_challenge(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    const char *nw = "198.51.100.77";
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKsc1", "sc1@x", 1, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKsc1", "sc1@x", 1, "");
    tl_req(&t, nw, "REGISTER", "sip:" TRUNK, "z9hG4bKsc2", "sc2@x", 1, "1001", "");
    tl_resp(&t, nw, 401, "Unauthorized", "REGISTER", "z9hG4bKsc2", "sc2@x", 1, WWW_CH);
    tl_req(&t, nw, "REGISTER", "sip:" TRUNK, "z9hG4bKsc3", "sc2@x", 2, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, nw, 403, "Forbidden", "REGISTER", "z9hG4bKsc3", "sc2@x", 2, "");
    tl_finish(&t);
    assert_null(tl_find(&t, "source_ip_changed"));
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_string_equal(f != NULL ? f->entity : "", "1001 from 198.51.100.77 to " TRUNK);
    tl_close(&t);

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKsc1", "sc1@x", 1, "1001",
           CRED("Authorization", "1001", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKsc1", "sc1@x", 1, "");
    tl_req(&t, nw, "REGISTER", "sip:" TRUNK, "z9hG4bKsc4", "sc4@x", 1, "1001", "");
    tl_resp(&t, nw, 403, "Forbidden", "REGISTER", "z9hG4bKsc4", "sc4@x", 1, "");
    tl_finish(&t);
    assert_non_null(tl_find(&t, "source_ip_changed"));
    tl_close(&t);
}

/* OPTIONS every 2 s, the ones in [lost_from, lost_to) unanswered. */
static void keepalives(struct tl *t, int n, int lost_from, int lost_to)
{
    char br[32], cid[32];

    for (int i = 0; i < n; i++) {
        t->now = T0 + i * 2 * SEC;
        engine_tick(t->e, t->now);
        snprintf(br, sizeof(br), "z9hG4bKka%d", i);
        snprintf(cid, sizeof(cid), "ka%d@x", i);
        tl_req(t, PBX, "OPTIONS", "sip:" TRUNK, br, cid, 1, "1001", "");
        if (i >= lost_from && i < lost_to)
            continue;
        t->now += 10000;
        tl_resp(t, PBX, 200, "OK", "OPTIONS", br, cid, 1, "");
    }
}

/* Two pings lost between answered ones (4 s): a request sent then was
 * retransmitted and answered within its timer F, so it is a warning that
 * must not outrank a cause of failed calls. Nothing answered for 40 s
 * (timer F fired): requests failed, an error. */
static void test_keepalive_brief_loss_warns(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    keepalives(&t, 40, 10, 12);
    tl_finish(&t);
    f = tl_find(&t, "keepalive_failed");
    assert_non_null(f);
    assert_int_equal(f != NULL ? f->severity : SEV_ERROR, SEV_WARNING);
    tl_close(&t);

    assert_int_equal(tl_open(&t), 0);
    keepalives(&t, 60, 10, 30);
    tl_finish(&t);
    f = tl_find(&t, "keepalive_failed");
    assert_non_null(f);
    assert_int_equal(f != NULL ? f->severity : SEV_WARNING, SEV_ERROR);
    tl_close(&t);
}

/* Ten accounts from one address: an office's phones behind one NAT when
 * they authenticate, a scanner when none does. Only the second's peer is
 * a "source" (the diagnosis names it an attacker): the busy workload named
 * 44 NAT'd phones attackers. */
static void test_many_accounts_one_address(void **state)
{
    static const char *addr[2] = { "198.51.100.30", "198.51.100.31" };
    (void)state;

    for (int ok = 0; ok < 2; ok++) {
        struct tl t;
        const char *role = NULL;
        assert_int_equal(tl_open(&t), 0);
        for (int u = 0; u < 10; u++) {
            char user[16], b1[32], b2[32], cid[32], cred[256];
            snprintf(user, sizeof(user), "%d", 2000 + u);
            snprintf(b1, sizeof(b1), "z9hG4bKma%da", u);
            snprintf(b2, sizeof(b2), "z9hG4bKma%db", u);
            snprintf(cid, sizeof(cid), "ma%d@x", u);
            snprintf(cred, sizeof(cred), CRED("Authorization", "%s", "n1", "sip:" TRUNK), user);
            tl_req(&t, addr[ok], "REGISTER", "sip:" TRUNK, b1, cid, 1, user, "");
            tl_resp(&t, addr[ok], 401, "Unauthorized", "REGISTER", b1, cid, 1, WWW_CH);
            tl_req(&t, addr[ok], "REGISTER", "sip:" TRUNK, b2, cid, 2, user, cred);
            tl_resp(&t, addr[ok], ok ? 200 : 403, ok ? "OK" : "Forbidden", "REGISTER", b2, cid,
                    2, "");
        }
        tl_finish(&t);
        for (size_t i = 0; i < t.snap.n_peers; i++) {
            char a[ADDR_STRLEN];
            addr_str(&t.snap.peers[i].local.ip, a, sizeof(a));
            if (strcmp(a, addr[ok]) == 0)
                role = t.snap.peers[i].role;
        }
        assert_non_null(role);
        if (ok)
            assert_string_not_equal(role != NULL ? role : "source", "source");
        else
            assert_string_equal(role != NULL ? role : "", "source");
        tl_close(&t);
    }
}

/* Behind NAT the PBX's own address stays 192.168.1.10; the carrier's
 * Via received= shows the public address it sees, and that changed. */
static void test_source_ip_changed_by_received(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    static const char *pub[2] = { "198.51.100.20", "198.51.100.21" };
    static const int status[2] = { 200, 403 };
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 2; i++) {
        t.now = T0 + i * 600 * SEC;
        tl_feed(&t, "192.168.1.10", 5060, TRUNK, 5060,
                "OPTIONS sip:" TRUNK " SIP/2.0\n"
                "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKnat%d;rport\n"
                "From: <sip:1001@" TRUNK ">;tag=a%d\nTo: <sip:" TRUNK ">\n"
                "Call-ID: nat%d@x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n", i, i, i);
        tl_feed(&t, TRUNK, 5060, "192.168.1.10", 5060,
                "SIP/2.0 %d %s\n"
                "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKnat%d;rport=40000;received=%s\n"
                "From: <sip:1001@" TRUNK ">;tag=a%d\nTo: <sip:" TRUNK ">;tag=b\n"
                "Call-ID: nat%d@x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n",
                status[i], i ? "Forbidden" : "OK", i, pub[i], i, i);
    }
    tl_finish(&t);
    f = tl_find(&t, "source_ip_changed");
    assert_non_null(f);
    const char *sum = f != NULL ? f->summary : "";
    assert_non_null(strstr(sum, "accepted from 198.51.100.20"));
    assert_non_null(strstr(sum, "comes from 198.51.100.21"));
    assert_int_equal(tl_frame(f, "accepted from old address"), 2);
    assert_int_equal(tl_frame(f, "403 Forbidden"), 4);
    tl_close(&t);
}

/* 403 to everything, with and without credentials, plain "Forbidden". */
static void test_account_suspended_everything_403(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe1", "e1@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKe1", "e1@x", 1, "");
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe2", "e2@x", 1, "1001",
           CRED("Authorization", "1001", "cached", "sip:" TRUNK));
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKe2", "e2@x", 1, "");
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe3", "e3@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKe3", "e3@x", 1, "");
    tl_finish(&t);
    f = tl_find(&t, "account_suspended");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_CRITICAL);
    assert_int_equal(f->count, 3);
    assert_string_equal(t.snap.findings[0].kind, "account_suspended");
    tl_close(&t);

    /* one 200 among them: not the account */
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe1", "e1@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKe1", "e1@x", 1, "");
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe2", "e2@x", 1, "1001",
           CRED("Authorization", "1001", "cached", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKe2", "e2@x", 1, "");
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKe3", "e3@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKe3", "e3@x", 1, "");
    tl_finish(&t);
    assert_null(tl_find(&t, "account_suspended"));
    tl_close(&t);
}

static void secrets_test(const char *password, const char *want, const char *not_want)
{
    struct tl t;
    char path[] = "/tmp/sipscope-h5-secretsXXXXXX", hex[DIGEST_HEX_MAX], cred[512];
    struct engine_opts o = { 0 };
    struct digest_input in = {
        .username = SPAN_LIT("1001"), .realm = SPAN_LIT("sip.example"),
        .password = SPAN_LIT("right-horse"), .method = SPAN_LIT("REGISTER"),
        .uri = SPAN_LIT("sip:" TRUNK), .nonce = SPAN_LIT("n1"),
    };
    int fd = mkstemp(path);
    char *buf;
    size_t len;
    FILE *mf;

    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, 0600), 0);
    dprintf(fd, "1001@sip.example %s\n", password);
    close(fd);
    assert_int_equal(digest_response(&in, hex, sizeof(hex)), 32);
    snprintf(cred, sizeof(cred), "Authorization: Digest username=\"1001\", "
             "realm=\"sip.example\", nonce=\"n1\", uri=\"sip:" TRUNK "\", response=\"%s\", "
             "algorithm=MD5\n", hex);
    o.secrets_file = path;
    assert_int_equal(tl_open_opts(&t, &o), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKpw1", "pw@x", 1, "1001", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKpw1", "pw@x", 1, WWW_CH);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKpw2", "pw@x", 2, "1001", cred);
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKpw2", "pw@x", 2, "");
    tl_finish(&t);
    unlink(path);
    assert_non_null(tl_find(&t, want));
    assert_null(tl_find(&t, not_want));
    assert_int_equal(tl_frame(tl_find(&t, want), "retry with credentials"), 3);
    /* no report format may show the password */
    for (int fmt = REPORT_TEXT; fmt <= REPORT_MARKDOWN; fmt++) {
        mf = open_memstream(&buf, &len);
        assert_non_null(mf);
        assert_int_equal(report_write(mf, (enum report_format)fmt, &t.snap, false), 0);
        fclose(mf);
        assert_null(strstr(buf, password));
        free(buf);
    }
    tl_close(&t);
}

static void test_password_mismatch_and_verified(void **state)
{
    (void)state;
    secrets_test("wrong-battery", "password_mismatch", "password_verified");
    secrets_test("right-horse", "password_verified", "password_mismatch");
}

static void test_healthy_call(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "OPTIONS", "sip:" TRUNK, "z9hG4bKh0", "h0@x", 1, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "OPTIONS", "z9hG4bKh0", "h0@x", 1, "");
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKh1", "h1@x", 1, "1001", "");
    tl_resp(&t, PBX, 407, "Proxy Authentication Required", "INVITE", "z9hG4bKh1", "h1@x", 1,
            PROXY_CH);
    tl_req(&t, PBX, "ACK", RURI, "z9hG4bKh1", "h1@x", 1, "1001", "");
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKh2", "h1@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 100, "Trying", "INVITE", "z9hG4bKh2", "h1@x", 2, "");
    tl_resp(&t, PBX, 180, "Ringing", "INVITE", "z9hG4bKh2", "h1@x", 2, "");
    tl_resp(&t, PBX, 200, "OK", "INVITE", "z9hG4bKh2", "h1@x", 2, "");
    tl_req(&t, PBX, "ACK", RURI, "z9hG4bKh3", "h1@x", 2, "1001", "");
    t.now += 60 * SEC;
    tl_req(&t, PBX, "BYE", RURI, "z9hG4bKh4", "h1@x", 3, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "BYE", "z9hG4bKh4", "h1@x", 3, "");
    tl_finish(&t);
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);
    assert_int_equal(report_exit_status(&t.snap), 0);
    assert_int_equal(t.snap.n_peers, 1);
    assert_int_equal(t.snap.peers[0].requests[SIP_INVITE], 2);
    assert_int_equal(t.snap.peers[0].requests[SIP_ACK], 2);
    assert_int_equal(t.snap.peers[0].answers[2], 3);
    assert_int_equal(t.snap.peers[0].answers[4], 1);
    assert_int_equal(t.snap.peers[0].auth_ok, 1);
    assert_string_equal(t.snap.peers[0].name, "PBX " PBX " -> trunk " TRUNK ":5060");
    assert_string_equal(t.snap.peers[0].role, "trunk");
    assert_string_equal(t.snap.peers[0].keepalive, "up");     /* OPTIONS answered */
    /* the ladder: dialog h1@x with its 10 messages (INVITE 407 ACK INVITE 100 180 200
     * ACK BYE 200) */
    assert_true(t.snap.n_dialogs >= 2);
    assert_string_equal(t.snap.dialogs[0].call_id, "h1@x");
    assert_int_equal(t.snap.dialogs[0].n_msgs, 10);
    assert_string_equal(t.snap.msgs[t.snap.dialogs[0].first_msg].label, "INVITE");
    tl_close(&t);
}

static void test_findings_cap(void **state)
{
    const struct snap_finding *f;
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char src[32], branch[32], cid[32];
    (void)state;

    caps_default(&c);
    c.findings = 3;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 8; i++) {
        snprintf(src, sizeof(src), "198.51.100.%d", 100 + i);
        snprintf(branch, sizeof(branch), "z9hG4bKf%d", i);
        snprintf(cid, sizeof(cid), "f%d@x", i);
        tl_req(&t, src, "INVITE", RURI, branch, cid, 1, "1001", "");
        tl_resp(&t, src, 403, "Forbidden", "INVITE", branch, cid, 1, "");
    }
    tl_finish(&t);
    assert_true(t.snap.n_findings <= 3);
    /* eight refused sources of one trunk are one population finding, so the
     * cap of 3 keeps it (they used to push each other out) */
    f = tl_find(&t, "ip_rejected");
    assert_non_null(f);
    assert_string_equal(f->population, "sources");
    assert_int_equal(f->n_members, 8);
    assert_int_equal(f->count, 8);
    assert_string_equal(f->entity, "8 sources to " TRUNK);
    tl_close(&t);
}

/* A PBX qualifying its phones (OPTIONS to many users, each at its own
 * address or NAT port, answered 200) is not a scanner; OPTIONS to many users
 * at one server without answers is an enumeration. */
static void test_scanner_options_qualify_vs_enumeration(void **state)
{
    struct tl t;
    char phone[32], branch[32], cid[32];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 14; i++) {
        snprintf(phone, sizeof(phone), "192.168.1.%d", 20 + i);
        snprintf(branch, sizeof(branch), "z9hG4bKq%d", i);
        snprintf(cid, sizeof(cid), "q%d@pbx", i);
        tl_feed(&t, PBX, 5060, phone, (uint16_t)(5060 + i),
                "OPTIONS sip:%d@%s:%d SIP/2.0\n"
                "Via: SIP/2.0/UDP " PBX ":5060;branch=%s\n"
                "From: <sip:pbx@" PBX ">;tag=q%d\nTo: <sip:%d@%s>\nCall-ID: %s\n"
                "CSeq: 1 OPTIONS\nUser-Agent: Asterisk PBX\nContent-Length: 0\n\n",
                200 + i, phone, 5060 + i, branch, i, 200 + i, phone, cid);
        tl_feed(&t, phone, (uint16_t)(5060 + i), PBX, 5060,
                "SIP/2.0 200 OK\n"
                "Via: SIP/2.0/UDP " PBX ":5060;branch=%s\n"
                "From: <sip:pbx@" PBX ">;tag=q%d\nTo: <sip:%d@%s>;tag=p\nCall-ID: %s\n"
                "CSeq: 1 OPTIONS\nContent-Length: 0\n\n", branch, i, 200 + i, phone, cid);
    }
    for (int i = 0; i < 12; i++) {
        snprintf(branch, sizeof(branch), "z9hG4bKe%d", i);
        snprintf(cid, sizeof(cid), "e%d@x", i);
        tl_feed(&t, "192.0.2.68", 5070, TRUNK, 5060,
                "OPTIONS sip:%d@" TRUNK " SIP/2.0\n"
                "Via: SIP/2.0/UDP 192.0.2.68:5070;branch=%s\n"
                "From: <sip:%d@" TRUNK ">;tag=e%d\nTo: <sip:%d@" TRUNK ">\nCall-ID: %s\n"
                "CSeq: 1 OPTIONS\nContent-Length: 0\n\n", 300 + i, branch, 300 + i, i, 300 + i,
                cid);
    }
    tl_finish(&t);
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "scanner") == 0)
            assert_string_equal(t.snap.findings[i].entity, "192.0.2.68");
    assert_non_null(tl_find(&t, "scanner"));
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_rejected),
        cmocka_unit_test(test_ip_rejected_after_auth),
        cmocka_unit_test(test_account_suspended),
        cmocka_unit_test(test_carrier_rejected),
        cmocka_unit_test(test_twilio_32017_is_not_auth),
        cmocka_unit_test(test_scanner_user_agent),
        cmocka_unit_test(test_scanner_many_usernames),
        cmocka_unit_test(test_scanner_options_qualify_vs_enumeration),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_scanner_population),
        cmocka_unit_test(test_targeted_account_fails_from_own_phone),
        cmocka_unit_test(test_brute_force_population),
        cmocka_unit_test(test_source_ip_changed),
        cmocka_unit_test(test_source_ip_changed_by_received),
        cmocka_unit_test(test_source_ip_changed_not_after_challenge),
        cmocka_unit_test(test_keepalive_brief_loss_warns),
        cmocka_unit_test(test_many_accounts_one_address),
        cmocka_unit_test(test_account_suspended_everything_403),
        cmocka_unit_test(test_password_mismatch_and_verified),
        cmocka_unit_test(test_healthy_call),
        cmocka_unit_test(test_findings_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
