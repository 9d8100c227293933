/*
 * test_hep_agent_quiet.c — kind hep_agent_quiet through the engine
 * (engine_hep_agents, as pipeline.c calls it live): an agent that sent and
 * then stopped for hep_quiet_ms is a warning naming its capture id, source,
 * last record and the site whose verdict is incomplete; it is cleared (info,
 * the interval in its summary) when the agent sends again and raised again
 * by a second silence; an agent whose records were all refused (no key) or
 * that has not been silent long enough is not quiet; 0 turns the rule off;
 * the diagnosis puts it under "collection" and a trunk of that site says its
 * verdict cannot be complete, and it is named by its site.
 */
#include "testutil.h"

#include "diagnosis/diagnosis.h"
#include "engine_testlib.h"

#define QUIET_S 30

static void agent(struct run_agent *a, uint32_t capid, const char *ip, int64_t last_ok)
{
    memset(a, 0, sizeof(*a));
    a->capid = capid;
    assert_true(addr_parse(ip, strlen(ip), &a->ip));
    a->transport = TRANSPORT_UDP;
    a->packets = last_ok ? 120 : 0;
    a->first_us = T0;
    a->last_us = last_ok ? last_ok : T0;
    a->last_ok_us = last_ok;
}

static void open_quiet(struct tl *t, uint64_t quiet_ms)
{
    struct caps c;
    struct engine_opts o = { 0 };

    caps_default(&c);
    c.hep_quiet_ms = quiet_ms;
    assert_int_equal(tl_open_caps(t, &c, &o), 0);
}

static void snap(struct tl *t)
{
    struct run_info run = { .source = "unit", .first_ts_us = T0, .last_ts_us = t->now,
                            .live = true };

    engine_snapshot(t->e, &run, &t->snap);
    diagnosis_run(&t->snap);
}

static void test_quiet_then_cleared_then_again(void **state)
{
    struct tl t;
    struct run_agent a[2];
    const struct snap_finding *f;
    (void)state;

    open_quiet(&t, QUIET_S * 1000);
    agent(&a[0], 42, "192.0.2.7", T0 + 5 * SEC);
    agent(&a[1], 44, "192.0.2.8", 0);   /* all it sent was refused (no key) */
    engine_hep_agents(t.e, a, 2, T0 + 20 * SEC);
    engine_hep_agents(t.e, a, 2, T0 + 5 * SEC + QUIET_S * SEC - 1);
    snap(&t);
    assert_null(tl_find(&t, "hep_agent_quiet"));

    engine_hep_agents(t.e, a, 2, T0 + 5 * SEC + QUIET_S * SEC);
    engine_hep_agents(t.e, a, 2, T0 + 60 * SEC);
    snap(&t);
    f = tl_find(&t, "hep_agent_quiet");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->site_id, 42);
    assert_string_equal(f->entity, "HEP agent 42 at 192.0.2.7");
    assert_int_equal(f->first_us, T0 + 5 * SEC);    /* its last record */
    assert_non_null(strstr(f->summary, "quiet for 55 s (threshold 30 s) after 120 record(s)"));
    assert_non_null(strstr(f->summary, "verdict for site 42 is incomplete"));
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 1);    /* not agent 44 */
    assert_int_equal(t.snap.n_diagnosis, 1);
    assert_string_equal(t.snap.diagnosis[0].role, "collection");
    assert_string_equal(t.snap.diagnosis[0].trunk, "HEP agent 42 at 192.0.2.7");
    assert_int_equal(t.snap.diagnosis[0].n_ruled_out, 0);

    /* It sends again: cleared, the interval kept. */
    a[0].last_ok_us = a[0].last_us = T0 + 70 * SEC;
    engine_hep_agents(t.e, a, 2, T0 + 71 * SEC);
    snap(&t);
    f = tl_find(&t, "hep_agent_quiet");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_INFO);
    assert_non_null(strstr(f->summary, "silent for 65 s"));
    assert_non_null(strstr(f->summary, "sending again"));
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);
    assert_int_equal(t.snap.n_diagnosis, 0);

    /* A second silence. */
    engine_hep_agents(t.e, a, 2, T0 + 70 * SEC + QUIET_S * SEC);
    snap(&t);
    f = tl_find(&t, "hep_agent_quiet");
    assert_int_equal(f->severity, SEV_WARNING);
    assert_int_equal(f->count, 2);
    tl_close(&t);
}

static void test_off(void **state)
{
    struct tl t;
    struct run_agent a;
    (void)state;

    open_quiet(&t, 0);
    agent(&a, 42, "192.0.2.7", T0);
    engine_hep_agents(t.e, &a, 1, T0 + 3600 * SEC);
    snap(&t);
    assert_null(tl_find(&t, "hep_agent_quiet"));
    tl_close(&t);
}

/* The default threshold: 300 s. */
static void test_default(void **state)
{
    struct tl t;
    struct run_agent a;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    agent(&a, 4294967295u, "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", T0);
    a.packets = 18446744073709551615ull;
    engine_hep_agents(t.e, &a, 1, T0 + 299 * SEC);
    snap(&t);
    assert_null(tl_find(&t, "hep_agent_quiet"));
    engine_hep_agents(t.e, &a, 1, T0 + 300 * SEC);
    snap(&t);
    assert_non_null(tl_find(&t, "hep_agent_quiet"));
    /* the longest summary still says it all (SNAP_TEXT cuts the end) */
    assert_non_null(strstr(tl_find(&t, "hep_agent_quiet")->summary,
                           "incomplete from 2023-11-14 22:13:20 UTC, its last record"));
    tl_close(&t);
}

/* The diagnosis of a site's trunk while its agent is quiet: the agent's
 * silence explains the no_response that began after its last record (not
 * one an hour before), and the trunk's differential says its verdict
 * cannot be complete; a trunk of another site is ruled out. */
static void test_site_diagnosis(void **state)
{
    struct snapshot s;
    struct snap_peer *p;
    struct snap_finding *q, *nr, *old;
    const struct snap_diagnosis *trunk = NULL;
    (void)state;

    assert_int_equal(snapshot_init(&s, 8, 4, 1, 1, 1, 1), 0);
    s.run.n_agents = 1;     /* a live receiver's snapshot */
    p = &s.peers[s.n_peers++];
    p->key = 7;
    p->site_id = 42;
    assert_true(addr_parse(PBX, strlen(PBX), &p->local.ip));
    assert_true(addr_parse(TRUNK, strlen(TRUNK), &p->remote.ip));
    p->requests[SIP_INVITE] = p->side_local.requests = 3;
    q = &s.findings[s.n_findings++];
    snprintf(q->kind, sizeof(q->kind), "hep_agent_quiet");
    q->kind_id = KIND_HEP_AGENT_QUIET;
    q->severity = SEV_WARNING;
    snprintf(q->id, sizeof(q->id), "F1");
    snprintf(q->entity, sizeof(q->entity), "HEP agent 42 at 192.0.2.7");
    snprintf(q->summary, sizeof(q->summary), "agent 42 silent: verdict for site 42 incomplete");
    q->site_id = 42;
    q->count = 1;
    q->first_us = T0 + 100 * SEC;   /* its last record */
    q->last_us = T0 + 500 * SEC;
    nr = &s.findings[s.n_findings++];
    snprintf(nr->kind, sizeof(nr->kind), "no_response");
    nr->kind_id = KIND_NO_RESPONSE;
    nr->severity = SEV_ERROR;
    snprintf(nr->id, sizeof(nr->id), "F2");
    snprintf(nr->entity, sizeof(nr->entity), "INVITE to " TRUNK);
    nr->peer_key = 7;
    nr->count = 1;
    nr->first_us = nr->last_us = T0 + 90 * SEC;    /* within timer F of the last record */
    old = &s.findings[s.n_findings++];
    *old = *nr;
    snprintf(old->id, sizeof(old->id), "F3");
    snprintf(old->entity, sizeof(old->entity), "OPTIONS to " TRUNK);
    old->first_us = old->last_us = T0 - 3600 * SEC;
    diagnosis_run(&s);
    assert_string_equal(nr->explained_by, "F1");
    assert_string_equal(old->explained_by, "");
    for (size_t i = 0; i < s.n_diagnosis; i++)
        if (strcmp(s.diagnosis[i].role, "trunk") == 0)
            trunk = &s.diagnosis[i];
    assert_non_null(trunk);
    assert_string_equal(trunk->finding, "F3");
    /* the agent's site names the trunk, in the diagnosis and the peer */
    assert_non_null(strstr(trunk->trunk, "site 42: "));
    assert_non_null(strstr(p->name, "site 42: "));
    {
        bool said = false;
        for (uint32_t i = 0; i < trunk->n_ruled_out; i++)
            if (strcmp(trunk->ruled_out[i].cause, "collection") == 0) {
                assert_non_null(strstr(trunk->ruled_out[i].why, "cannot tell"));
                assert_non_null(strstr(trunk->ruled_out[i].why, "F1"));
                said = true;
            }
        assert_true(said);
    }
    /* Another site: its agent never went quiet. */
    p->site_id = 43;
    diagnosis_run(&s);
    assert_string_equal(nr->explained_by, "");
    for (size_t i = 0; i < s.n_diagnosis; i++)
        for (uint32_t k = 0; strcmp(s.diagnosis[i].role, "trunk") == 0 &&
                             k < s.diagnosis[i].n_ruled_out; k++)
            if (strcmp(s.diagnosis[i].ruled_out[k].cause, "collection") == 0)
                assert_non_null(strstr(s.diagnosis[i].ruled_out[k].why,
                                       "ruled out because the HEP agent of site 43"));
    snapshot_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_then_cleared_then_again),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_site_diagnosis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
