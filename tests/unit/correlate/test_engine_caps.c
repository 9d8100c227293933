/*
 * test_engine_caps.c — every engine table is bounded (caps.h): the bounded
 * hash table itself (oldest-first eviction, removal, deadline queue), then
 * each correlation table overflowed through the engine with real SIP text:
 * the table never exceeds its cap, evictions are counted and shown in the
 * snapshot, and analysis goes on (no crash, no growth).
 */
#include "testutil.h"

#include "engine_testlib.h"

struct ent { uint64_t key; int v; };

static void test_ctab_eviction_order(void **state)
{
    struct ctab t;
    struct ctab_dlq q;
    struct ent *e;
    int evicted = 0;
    (void)state;

    assert_int_equal(ctab_init(&t, 3, sizeof(struct ent), NULL, NULL), 0);
    for (int i = 0; i < 5; i++) {
        uint64_t h = ctab_hash(&t, &i, sizeof(i));
        e = ctab_insert(&t, h);
        e->v = i;
    }
    assert_int_equal(t.n, 3);
    assert_int_equal(t.evictions, 2);
    e = ctab_first(&t);
    assert_int_equal(e->v, 2);                              /* 0 and 1 went first */
    assert_int_equal(((struct ent *)ctab_last(&t))->v, 4);
    for (int i = 0; i < 5; i++) {
        int k = i;
        struct ent *x = ctab_find(&t, ctab_hash(&t, &k, sizeof(k)));
        evicted += x == NULL;
        if (x != NULL)
            assert_int_equal(x->v, i);
    }
    assert_int_equal(evicted, 2);
    /* removing frees a slot: the next insert evicts nothing */
    ctab_remove(&t, e);
    {
        int k = 9;
        ctab_insert(&t, ctab_hash(&t, &k, sizeof(k)));
    }
    assert_int_equal(t.evictions, 2);
    /* deadline queue: due entries come out in order, reused slots never */
    assert_int_equal(ctab_dlq_init(&q, 2), 0);
    ctab_dlq_push(&q, &t, ctab_last(&t), 20);
    ctab_dlq_push(&q, &t, ctab_first(&t), 10);              /* pushed later, due first */
    ctab_dlq_push(&q, &t, ctab_last(&t), 30);               /* full: earliest dropped */
    assert_int_equal(q.dropped, 1);
    assert_null(ctab_dlq_pop(&q, &t, 15));
    assert_non_null(ctab_dlq_pop(&q, &t, 20));
    ctab_remove(&t, ctab_last(&t));
    assert_null(ctab_dlq_pop(&q, &t, 100));                 /* its entry is gone */
    ctab_dlq_free(&q);
    ctab_free(&t);
}

static void test_every_table_overflows(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char src[32], branch[32], cid[32], user[16];
    (void)state;

    caps_default(&c);
    c.transactions = 8;
    c.auth_exchanges = 4;
    c.dialogs = 4;
    c.peers = 2;
    c.sources = 3;
    c.identities = 3;
    c.findings = 4;
    c.messages_kept = 16;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 200; i++) {
        snprintf(src, sizeof(src), "198.51.100.%d", 1 + i % 50);
        snprintf(branch, sizeof(branch), "z9hG4bKov%d", i);
        snprintf(cid, sizeof(cid), "ov%d@x", i);
        snprintf(user, sizeof(user), "u%d", i);
        t.now = T0 + i * SEC / 10;
        tl_req(&t, src, "REGISTER", "sip:" TRUNK, branch, cid, 1, user, "");
        tl_resp(&t, src, 401, "Unauthorized", "REGISTER", branch, cid, 1, WWW_CH);
        tl_resp(&t, src, 403, "Forbidden", "INVITE", branch, cid, 9, "");   /* orphan */
    }
    assert_true(t.e->txns.n <= 8);
    assert_true(t.e->auths.n <= 4);
    assert_true(t.e->dialogs.n <= 4);
    assert_true(t.e->peers.n <= 2);
    assert_true(t.e->sources.n <= 3);
    assert_true(t.e->idents.n <= 3);
    assert_true(t.e->msgs_n <= 16);
    assert_true(t.e->txns.evictions > 0 && t.e->auths.evictions > 0 &&
                t.e->dialogs.evictions > 0 && t.e->peers.evictions > 0 &&
                t.e->sources.evictions > 0 && t.e->idents.evictions > 0);
    tl_finish(&t);
    assert_true(t.snap.n_findings <= 4);
    assert_true(t.snap.evictions >= t.e->txns.evictions + t.e->peers.evictions);
    assert_true(t.snap.n_peers <= 2);
    assert_true(t.snap.n_dialogs <= 4);
    tl_close(&t);
}

/* Random but well-formed traffic from small pools (so transactions,
 * exchanges and dialogs collide, retry, re-challenge, go stale, arrive out
 * of order): the engine keeps every cap and its snapshot stays coherent.
 * Deterministic (fixed seed); run under ASan/UBSan by make check. */
static uint32_t rnd(uint32_t *seed, uint32_t n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

#define RND(n) rnd(&seed, (uint32_t)(n))

static void test_random_traffic(void **state)
{
    static const char *methods[] = { "INVITE", "REGISTER", "OPTIONS", "BYE", "ACK", "CANCEL" };
    static const int statuses[] = { 100, 180, 200, 401, 407, 403, 404, 486, 487, 488, 503, 603 };
    static const char *extras[] = {
        "", WWW_CH, PROXY_CH, CRED("Authorization", "1001", "n1", "sip:x@" TRUNK),
        CRED("Proxy-Authorization", "1002", "n9", "sip:y@" TRUNK),
        "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n2\", stale=true\n",
        "X-Twilio-Error: 32201 Source IP address not in ACL\n",
        "X-Twilio-Error: 32017 blocked\n", "Reason: Q.850;cause=16\n",
        "Warning: 399 x \"Account suspended\"\n", "User-Agent: friendly-scanner\n",
    };
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    uint32_t seed = 12345;
    char src[32], branch[32], cid[32];
    size_t total = 0;
    (void)state;

    caps_default(&c);
    c.transactions = 64;
    c.auth_exchanges = 16;
    c.dialogs = 32;
    c.peers = 8;
    c.sources = 8;
    c.findings = 16;
    c.messages_kept = 64;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 5000; i++) {
        const char *m = methods[RND(6)];
        unsigned cseq = 1 + RND(3);
        snprintf(src, sizeof(src), "198.51.100.%u", 1 + RND(12));
        snprintf(branch, sizeof(branch), RND(8) ? "z9hG4bKr%u" : "old%u", RND(40));
        snprintf(cid, sizeof(cid), "r%u@x", RND(30));
        t.now += (int64_t)RND(4000) * 1000;
        if (RND(2))
            tl_req(&t, src, m, "sip:+1555@" TRUNK, branch, cid, cseq, RND(2) ? "1001" : "1002",
                   extras[RND(sizeof(extras) / sizeof(extras[0]))]);
        else
            tl_resp(&t, src, statuses[RND(12)], "Reason Text", m, branch, cid, cseq,
                    extras[RND(sizeof(extras) / sizeof(extras[0]))]);
        if (i % 500 == 0) {
            struct run_info run = { .source = "random" };
            engine_snapshot(t.e, &run, &t.snap);
        }
    }
    assert_true(t.e->txns.n <= 64 && t.e->auths.n <= 16 && t.e->dialogs.n <= 32);
    assert_true(t.e->peers.n <= 8 && t.e->sources.n <= 8 && t.e->idents.n <= 8);
    tl_finish(&t);
    assert_true(t.snap.n_findings <= 16);
    for (size_t i = 0; i < t.snap.n_dialogs; i++) {
        assert_int_equal(t.snap.dialogs[i].first_msg, total);
        total += t.snap.dialogs[i].n_msgs;
    }
    assert_int_equal(total, t.snap.n_msgs);
    for (size_t i = 0; i < t.snap.n_msgs; i++)
        assert_true(t.snap.msgs[i].raw_off + t.snap.msgs[i].raw_len <= t.snap.raw_len);
    for (size_t i = 0; i + 1 < t.snap.n_findings; i++)
        assert_true(t.snap.findings[i].severity >= t.snap.findings[i + 1].severity);
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctab_eviction_order),
        cmocka_unit_test(test_every_table_overflows),
        cmocka_unit_test(test_random_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
