/*
 * test_engine_perf.c — what the performance work changed in the engine's
 * behaviour: auth_rejected grouped per peer (one finding naming its users,
 * a separate one for another client address), engine_release (tables
 * freed after the final snapshot, counters kept, findings still there),
 * and the hand-built message labels and dialog names.
 */
#include "testutil.h"

#include "engine_testlib.h"

#define RURI "sip:+15550100@" TRUNK
#define PBX2 "198.51.100.77"

/* REGISTER for user from src: 401 challenge, retry with credentials, 403. */
static void refused(struct tl *t, const char *src, const char *user, const char *cred, int n)
{
    char b1[32], b2[32], cid[32];

    snprintf(b1, sizeof(b1), "z9hG4bKa%d", n);
    snprintf(b2, sizeof(b2), "z9hG4bKb%d", n);
    snprintf(cid, sizeof(cid), "reg%d@x", n);
    tl_req(t, src, "REGISTER", "sip:" TRUNK, b1, cid, 1, user, "");
    tl_resp(t, src, 401, "Unauthorized", "REGISTER", b1, cid, 1, WWW_CH);
    t->now += SEC / 10;
    tl_req(t, src, "REGISTER", "sip:" TRUNK, b2, cid, 2, user, cred);
    tl_resp(t, src, 403, "Forbidden", "REGISTER", b2, cid, 2, "");
    t->now += SEC;
}

static size_t count_kind(const struct tl *t, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < t->snap.n_findings; i++)
        n += strcmp(t->snap.findings[i].kind, kind) == 0;
    return n;
}

static void test_auth_rejected_grouped(void **state)
{
    struct tl t;
    const struct snap_finding *f = NULL;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    t.now = T0;
    refused(&t, PBX, "1001", CRED("Authorization", "1001", "n1", "sip:" TRUNK), 1);
    refused(&t, PBX, "1002", CRED("Authorization", "1002", "n1", "sip:" TRUNK), 2);
    refused(&t, PBX, "1001", CRED("Authorization", "1001", "n1", "sip:" TRUNK), 3);
    refused(&t, PBX, "1003", CRED("Authorization", "1003", "n1", "sip:" TRUNK), 4);
    refused(&t, PBX2, "2001", CRED("Authorization", "2001", "n1", "sip:" TRUNK), 5);
    tl_finish(&t);
    /* one finding for the trunk: a population of 4 users from 2 addresses */
    assert_int_equal(count_kind(&t, "auth_rejected"), 1);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_string_equal(f->entity, "4 users from 2 addresses to " TRUNK);
    assert_string_equal(f->population, "users");
    assert_int_equal(f->n_members, 4);
    assert_int_equal(f->members_dropped, 0);
    assert_int_equal(f->count, 5);
    assert_non_null(strstr(f->summary, "4 users from 2 addresses refused by " TRUNK));
    /* the worst first: 1001 was refused twice */
    assert_true(f->n_sample == 4);
    assert_string_equal(f->sample[0].name, "1001");
    assert_int_equal(f->sample[0].count, 2);
    /* the first refusal's frames are the evidence: request 1, 401 2, retry 3, 403 4 */
    assert_int_equal(tl_frame(f, "request"), 1);
    assert_int_equal(tl_frame(f, "retry with credentials"), 3);
    tl_close(&t);

    /* one client, one user: the single-user wording */
    assert_int_equal(tl_open(&t), 0);
    t.now = T0;
    refused(&t, PBX2, "2001", CRED("Authorization", "2001", "n1", "sip:" TRUNK), 5);
    tl_finish(&t);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_string_equal(f->entity, "2001 from " PBX2 " to " TRUNK);
    assert_non_null(strstr(f->summary, "for user 2001 refused"));
    assert_int_equal(f->n_members, 1);
    tl_close(&t);
}

static void test_auth_rejected_many_users(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    char user[16], cred[256];
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    t.now = T0;
    /* one account of this PBX works: it is a PBX, not a scanner trying names */
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKok1", "ok@x", 1, "1000", "");
    tl_resp(&t, PBX, 401, "Unauthorized", "REGISTER", "z9hG4bKok1", "ok@x", 1, WWW_CH);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKok2", "ok@x", 2, "1000",
           CRED("Authorization", "1000", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX, 200, "OK", "REGISTER", "z9hG4bKok2", "ok@x", 2, "");
    for (int i = 0; i < 40; i++) {
        snprintf(user, sizeof(user), "user%03d", i);
        snprintf(cred, sizeof(cred), "Authorization: Digest username=\"%s\", realm=\"sip.example\", "
                 "nonce=\"n1\", uri=\"sip:" TRUNK "\", response=\"0123456789abcdef0123456789abcdef\", "
                 "algorithm=MD5\n", user);
        refused(&t, PBX, user, cred, 100 + i);
    }
    tl_finish(&t);
    assert_int_equal(count_kind(&t, "auth_rejected"), 1);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_int_equal(f->count, 40);
    assert_true(strlen(f->entity) < sizeof(f->entity));
    assert_non_null(strstr(f->entity, "user000, user001"));
    assert_non_null(strstr(f->entity, " more from " PBX " to " TRUNK));
    assert_non_null(strstr(f->summary, "40 users"));      /* counted exactly, past 16 */
    assert_int_equal(f->n_members, 40);
    tl_close(&t);
}

/* A scanner's refused guesses are the attack's: no auth_rejected blames a
 * user's password for them; the accounts tried are the scanner's targets. */
static void test_scanner_refusals_are_the_attack(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    t.now = T0;
    tl_feed(&t, PBX2, 5070, TRUNK, 5060,
            "REGISTER sip:" TRUNK " SIP/2.0\nVia: SIP/2.0/UDP " PBX2 ":5060;branch=z9hG4bKs1\n"
            "From: <sip:admin@" TRUNK ">;tag=s1\nTo: <sip:admin@" TRUNK ">\nCall-ID: s1@x\n"
            "CSeq: 1 REGISTER\nUser-Agent: friendly-scanner\nContent-Length: 0\n\n");
    tl_resp(&t, PBX2, 401, "Unauthorized", "REGISTER", "z9hG4bKs1", "s1@x", 1, WWW_CH);
    tl_feed(&t, PBX2, 5070, TRUNK, 5060,
            "REGISTER sip:" TRUNK " SIP/2.0\nVia: SIP/2.0/UDP " PBX2 ":5060;branch=z9hG4bKs2\n"
            "From: <sip:admin@" TRUNK ">;tag=s1\nTo: <sip:admin@" TRUNK ">\nCall-ID: s1@x\n"
            "CSeq: 2 REGISTER\nUser-Agent: friendly-scanner\n%s"
            "Content-Length: 0\n\n", CRED("Authorization", "admin", "n1", "sip:" TRUNK));
    tl_resp(&t, PBX2, 403, "Forbidden", "REGISTER", "z9hG4bKs2", "s1@x", 2, "");
    /* and a phone of the PBX with a wrong password, for contrast */
    refused(&t, PBX, "1001", CRED("Authorization", "1001", "n1", "sip:" TRUNK), 1);
    tl_finish(&t);
    f = tl_find(&t, "auth_rejected");
    assert_non_null(f);
    assert_int_equal(f->n_members, 1);
    assert_null(strstr(f->entity, PBX2));
    f = tl_find(&t, "scanner");
    assert_non_null(f);
    assert_int_equal(f->n_targets, 1);
    assert_string_equal(f->targets[0], "admin@" TRUNK);
    tl_close(&t);
}

static void count_evicted(void *ud, const char *name, uint64_t v)
{
    if (strcmp(name, "engine.transactions.evicted") == 0)
        *(uint64_t *)ud = v;
}

static void test_release(void **state)
{
    struct tl t;
    struct caps c;
    uint64_t evicted = 0;
    struct run_info run = { .source = "unit" };
    (void)state;

    caps_default(&c);
    c.transactions = 4;
    assert_int_equal(tl_open_caps(&t, &c, NULL), 0);
    t.now = T0;
    for (int i = 0; i < 6; i++)
        refused(&t, PBX, "1001", CRED("Authorization", "1001", "n1", "sip:" TRUNK), 200 + i);
    tl_finish(&t);
    assert_non_null(tl_find(&t, "auth_rejected"));
    assert_true(t.snap.n_dialogs > 0);
    engine_stats(t.e, count_evicted, &evicted);
    assert_true(evicted > 0);
    engine_release(t.e);
    evicted = 0;
    engine_stats(t.e, count_evicted, &evicted);
    assert_true(evicted > 0);      /* counters survive */
    engine_snapshot(t.e, &run, &t.snap);
    assert_non_null(tl_find(&t, "auth_rejected"));     /* findings too */
    assert_int_equal(t.snap.n_dialogs, 0);             /* the tables are gone */
    engine_release(t.e);                               /* twice is harmless */
    tl_close(&t);
}

/* Labels and dialog names are built by hand (no snprintf per message):
 * the same text as "%d %s" and "%s@%s" would give. */
static void test_labels(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    t.now = T0;
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKl1", "l1@x", 1, "1001", "");
    tl_resp(&t, PBX, 407, "Proxy Authentication Required", "INVITE", "z9hG4bKl1", "l1@x", 1,
            PROXY_CH);
    tl_finish(&t);
    assert_int_equal(t.snap.n_dialogs, 1);
    assert_string_equal(t.snap.dialogs[0].from, "1001@" TRUNK);
    assert_string_equal(t.snap.dialogs[0].to, "+15550100@" TRUNK);
    assert_int_equal(t.snap.n_msgs, 2);
    assert_string_equal(t.snap.msgs[0].label, "INVITE");
    assert_string_equal(t.snap.msgs[1].label, "407 Proxy Authentication Required");
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_rejected_grouped),
        cmocka_unit_test(test_auth_rejected_many_users),
        cmocka_unit_test(test_scanner_refusals_are_the_attack),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
