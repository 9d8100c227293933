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
    assert_int_equal(count_kind(&t, "auth_rejected"), 2);
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "auth_rejected") == 0 &&
            strstr(t.snap.findings[i].entity, PBX " ") != NULL)
            f = &t.snap.findings[i];
    assert_non_null(f);
    assert_string_equal(f->entity, "1001, 1002, 1003 from " PBX " to " TRUNK);
    assert_int_equal(f->count, 4);
    assert_non_null(strstr(f->summary, "3 users (1001, 1002, 1003)"));
    assert_non_null(strstr(f->summary, "4 time(s)"));
    /* the first refusal's frames are the evidence: request 1, 401 2, retry 3, 403 4 */
    assert_int_equal(tl_frame(f, "request"), 1);
    assert_int_equal(tl_frame(f, "retry with credentials"), 3);
    /* the other client address keeps the single-user wording */
    for (size_t i = 0; i < t.snap.n_findings; i++)
        if (strcmp(t.snap.findings[i].kind, "auth_rejected") == 0 &&
            strstr(t.snap.findings[i].entity, PBX2) != NULL)
            f = &t.snap.findings[i];
    assert_string_equal(f->entity, "2001 from " PBX2 " to " TRUNK);
    assert_non_null(strstr(f->summary, "for user 2001 refused"));
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
    assert_non_null(strstr(f->summary, "16+ users"));
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
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
