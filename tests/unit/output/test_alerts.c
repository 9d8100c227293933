/*
 * test_alerts.c — finding events (src/alerts.c): one event per state
 * change (new, escalated by severity or count decade, recovered by the
 * peer's keep-alive or successes), nothing repeated for unchanged
 * snapshots, the JSON report's finding fields plus the event fields on
 * every line, SIGHUP-style reopen, and a state bounded by max_findings.
 */
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output/alerts.h"
#include "snapshot.h"

static char path[64];

static int setup(void **st)
{
    (void)st;
    snprintf(path, sizeof(path), "/tmp/h10-alerts-%ld.ndjson", (long)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    unlink(path);
    return 0;
}

static struct snapshot *snap(size_t nf, size_t np)
{
    static struct snapshot s;
    snapshot_free(&s);
    assert_int_equal(snapshot_init(&s, nf, np, 0, 0, 0, 4), 0);
    return &s;
}

static struct snap_finding *add_f(struct snapshot *s, const char *kind, const char *entity,
                                  enum severity sev, uint64_t count, uint64_t peer)
{
    struct snap_finding *f = &s->findings[s->n_findings++];
    memset(f, 0, sizeof(*f));
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    snprintf(f->entity, sizeof(f->entity), "%s", entity);
    snprintf(f->summary, sizeof(f->summary), "%s for %s", kind, entity);
    f->severity = sev;
    f->count = count;
    f->first_us = 1795600000000000LL;
    f->last_us = f->first_us + (int64_t)count * 1000;
    f->peer_key = peer;
    return f;
}

static struct snap_peer *add_p(struct snapshot *s, uint64_t key, const char *ka)
{
    struct snap_peer *p = &s->peers[s->n_peers++];
    memset(p, 0, sizeof(*p));
    p->key = key;
    snprintf(p->name, sizeof(p->name), "PBX 198.51.100.10 -> trunk 203.0.113.5:5060");
    snprintf(p->keepalive, sizeof(p->keepalive), "%s", ka);
    return p;
}

/* Read all lines of the alerts file; returns the count, events in ev[]. */
static size_t read_events(json_object **ev, size_t max)
{
    FILE *f = fopen(path, "r");
    char line[65536];
    size_t n = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL && n < max) {
        assert_non_null(strchr(line, '\n'));    /* one object per line */
        ev[n] = json_tokener_parse(line);
        assert_non_null(ev[n]);
        n++;
    }
    fclose(f);
    return n;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || v == NULL)
        return NULL;
    return json_object_get_string(v);
}

static void put_all(json_object **ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_put(ev[i]);
}

static struct alerts *open_alerts(size_t maxf)
{
    char eb[256];
    struct alerts_opts o = { .path = path, .max_findings = maxf };
    struct alerts *a = alerts_new(&o, eb);
    assert_non_null(a);
    return a;
}

static void test_new_once_then_escalate(void **st)
{
    (void)st;
    struct alerts *a = open_alerts(16);
    struct snapshot *s = snap(16, 4);
    json_object *ev[16];
    size_t n;

    add_f(s, "auth_rejected", "1001 from 198.51.100.10 to 203.0.113.5", SEV_WARNING, 1, 0);
    assert_int_equal(alerts_update(a, s, 1795600000500000LL), 1);
    /* The same state again, many times: nothing (dedup per state change). */
    for (int i = 0; i < 5; i++)
        assert_int_equal(alerts_update(a, s, 1795600001000000LL), 0);
    s->findings[0].count = 9;   /* more occurrences below the next decade */
    assert_int_equal(alerts_update(a, s, 1795600001000000LL), 0);
    s->findings[0].count = 10;
    assert_int_equal(alerts_update(a, s, 1795600002000000LL), 1);
    s->findings[0].severity = SEV_ERROR;
    s->findings[0].count = 11;
    assert_int_equal(alerts_update(a, s, 1795600003000000LL), 1);
    assert_int_equal(alerts_count(a, ALERT_NEW), 1);
    assert_int_equal(alerts_count(a, ALERT_ESCALATED), 2);
    alerts_free(a);

    n = read_events(ev, 16);
    assert_int_equal(n, 3);
    assert_string_equal(str(ev[0], "event"), "new");
    assert_string_equal(str(ev[0], "kind"), "auth_rejected");
    assert_string_equal(str(ev[0], "severity"), "warning");
    /* The JSON report's finding fields are all there. */
    const char *fields[] = { "summary", "entity", "count", "first_seen", "last_seen",
                             "first_seen_utc", "last_seen_utc", "evidence", "causes", "fix",
                             "evidence_time", "emitted", "emitted_utc", NULL };
    for (int i = 0; fields[i] != NULL; i++)
        assert_true(json_object_object_get_ex(ev[0], fields[i], NULL));
    assert_true(json_object_get_double(json_object_object_get(ev[0], "emitted")) >
                1795600000.4);
    assert_string_equal(str(ev[1], "event"), "escalated");
    assert_string_equal(str(ev[1], "reason"), "count");
    assert_string_equal(str(ev[2], "event"), "escalated");
    assert_string_equal(str(ev[2], "reason"), "severity");
    assert_string_equal(str(ev[2], "previous_severity"), "warning");
    assert_string_equal(str(ev[2], "severity"), "error");
    put_all(ev, n);
}

/* Every alert says its root cause: the finding itself when nothing
 * explains it, else the end of its explained_by chain (id and kind), and
 * the diagnosis entry that holds it. */
static void test_root_cause(void **st)
{
    (void)st;
    struct alerts *a = open_alerts(16);
    struct snapshot *s = snap(16, 4);
    struct snap_finding *f;
    json_object *ev[16], *rc, *v;
    size_t n;

    f = add_f(s, "brute_force", "192.0.2.66", SEV_ERROR, 40, 0);
    f->kind_id = KIND_BRUTE_FORCE;
    snprintf(f->id, sizeof(f->id), "F3");
    f = add_f(s, "auth_rejected", "1001 from 192.0.2.66", SEV_ERROR, 40, 0);
    f->kind_id = KIND_AUTH_REJECTED;
    snprintf(f->id, sizeof(f->id), "F1");
    snprintf(f->explained_by, sizeof(f->explained_by), "F2");
    f = add_f(s, "digest_mismatch", "1001 from 192.0.2.66", SEV_ERROR, 2, 0);
    f->kind_id = KIND_DIGEST_MISMATCH;
    snprintf(f->id, sizeof(f->id), "F2");
    snprintf(f->explained_by, sizeof(f->explained_by), "F3");   /* F1 -> F2 -> F3 */
    s->n_diagnosis = 1;
    snprintf(s->diagnosis[0].finding, SNAP_ID, "F3");
    s->diagnosis[0].n_explains = 2;
    snprintf(s->diagnosis[0].explains[0], SNAP_ID, "F2");
    snprintf(s->diagnosis[0].explains[1], SNAP_ID, "F1");
    assert_int_equal(alerts_update(a, s, 1795600000500000LL), 3);
    alerts_free(a);
    n = read_events(ev, 16);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_true(json_object_object_get_ex(ev[i], "root_cause", &rc));
        assert_non_null(rc);
        assert_string_equal(str(rc, "finding"), "F3");
        assert_string_equal(str(rc, "kind"), "brute_force");
        assert_true(json_object_object_get_ex(rc, "is_root", &v));
        assert_int_equal(json_object_get_boolean(v), strcmp(str(ev[i], "id"), "F3") == 0);
        assert_true(json_object_object_get_ex(rc, "diagnosis", &v));
        assert_int_equal(json_object_get_int(v), 1);
    }
    assert_string_equal(str(ev[1], "id"), "F1");
    assert_string_equal(str(ev[1], "explained_by"), "F2");
    put_all(ev, n);

    /* a cause that arrives after the alert: one "explained" event naming
     * it, then nothing more while it stays */
    unlink(path);
    a = open_alerts(16);
    s = snap(16, 4);
    f = add_f(s, "ip_rejected", "198.51.100.77 to 203.0.113.5", SEV_ERROR, 3, 0);
    f->kind_id = KIND_IP_REJECTED;
    snprintf(f->id, sizeof(f->id), "F1");
    assert_int_equal(alerts_update(a, s, 1795600000500000LL), 1);
    snprintf(s->findings[0].explained_by, SNAP_ID, "F2");
    f = add_f(s, "source_ip_changed", "1001 198.51.100.77", SEV_ERROR, 1, 0);
    f->kind_id = KIND_SOURCE_IP_CHANGED;
    snprintf(f->id, sizeof(f->id), "F2");
    assert_int_equal(alerts_update(a, s, 1795600001000000LL), 2);    /* explained + new */
    assert_int_equal(alerts_update(a, s, 1795600002000000LL), 0);
    assert_int_equal(alerts_count(a, ALERT_EXPLAINED), 1);
    alerts_free(a);
    n = read_events(ev, 16);
    assert_int_equal(n, 3);
    assert_string_equal(str(ev[0], "event"), "new");
    assert_true(json_object_object_get_ex(ev[0], "root_cause", &rc));
    assert_string_equal(str(rc, "finding"), "F1");
    assert_string_equal(str(ev[1], "event"), "explained");
    assert_string_equal(str(ev[1], "id"), "F1");
    assert_true(json_object_object_get_ex(ev[1], "root_cause", &rc));
    assert_string_equal(str(rc, "finding"), "F2");
    assert_string_equal(str(rc, "kind"), "source_ip_changed");
    put_all(ev, n);
}

static void test_recovery_by_success(void **st)
{
    (void)st;
    struct alerts *a = open_alerts(16);
    struct snapshot *s = snap(16, 4);
    struct snap_peer *p;
    json_object *ev[16];
    size_t n;

    p = add_p(s, 77, "-");
    p->auth_ok = 5;
    add_f(s, "password_mismatch", "1001@203.0.113.5", SEV_ERROR, 1, 77);
    assert_int_equal(alerts_update(a, s, 1), 1);
    /* OPTIONS answered 200 while calls are refused: no recovery. */
    s->peers[0].answers[2] += 10;
    assert_int_equal(alerts_update(a, s, 2), 0);
    /* Another failure with a success in the same interval: not recovered. */
    s->findings[0].count = 2;
    s->peers[0].auth_ok = 6;
    assert_int_equal(alerts_update(a, s, 2), 0);
    /* A success and no new failure: recovered, once. */
    s->peers[0].auth_ok = 7;
    assert_int_equal(alerts_update(a, s, 3), 1);
    s->peers[0].auth_ok = 8;
    assert_int_equal(alerts_update(a, s, 4), 0);
    /* Failing again after the recovery is a new event. */
    s->findings[0].count = 3;
    assert_int_equal(alerts_update(a, s, 5), 1);
    alerts_free(a);

    n = read_events(ev, 16);
    assert_int_equal(n, 3);
    assert_string_equal(str(ev[0], "event"), "new");
    assert_string_equal(str(ev[0], "peer"), "PBX 198.51.100.10 -> trunk 203.0.113.5:5060");
    assert_string_equal(str(ev[1], "event"), "recovered");
    assert_string_equal(str(ev[2], "event"), "new");
    assert_string_equal(str(ev[2], "reason"), "recurred");
    put_all(ev, n);
}

static void test_recovery_by_keepalive(void **st)
{
    (void)st;
    struct alerts *a = open_alerts(16);
    struct snapshot *s = snap(16, 4);
    json_object *ev[16];
    size_t n;

    add_p(s, 5, "down");
    add_f(s, "keepalive_failed", "198.51.100.10 to 203.0.113.5", SEV_ERROR, 1, 5);
    /* A finding about no known peer never "recovers". */
    add_f(s, "scanner", "192.0.2.66", SEV_WARNING, 40, 0);
    s->run.last_ts_us = 1795600009000000LL;
    assert_int_equal(alerts_update(a, s, 1), 2);
    assert_int_equal(alerts_update(a, s, 2), 0);
    snprintf(s->peers[0].keepalive, sizeof(s->peers[0].keepalive), "up");
    assert_int_equal(alerts_update(a, s, 3), 1);
    assert_int_equal(alerts_update(a, s, 4), 0);
    alerts_free(a);

    n = read_events(ev, 16);
    assert_int_equal(n, 3);
    assert_string_equal(str(ev[2], "event"), "recovered");
    assert_string_equal(str(ev[2], "kind"), "keepalive_failed");
    /* The recovery's evidence time is the latest capture time. */
    assert_true(json_object_get_double(json_object_object_get(ev[2], "evidence_time")) >
                1795600008.9);
    put_all(ev, n);
}

static void test_reopen(void **st)
{
    (void)st;
    char rotated[80], eb[256];
    struct alerts *a = open_alerts(16);
    struct snapshot *s = snap(16, 4);
    json_object *ev[4];

    add_f(s, "ip_rejected", "198.51.100.77 to 203.0.113.5", SEV_ERROR, 1, 0);
    assert_int_equal(alerts_update(a, s, 1), 1);
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    assert_int_equal(rename(path, rotated), 0);
    assert_int_equal(alerts_reopen(a, eb), 0);
    add_f(s, "ip_rejected", "198.51.100.78 to 203.0.113.5", SEV_ERROR, 1, 0);
    assert_int_equal(alerts_update(a, s, 2), 1);
    alerts_free(a);
    /* The new file has only the event after the rotation. */
    assert_int_equal(read_events(ev, 4), 1);
    assert_string_equal(str(ev[0], "entity"), "198.51.100.78 to 203.0.113.5");
    put_all(ev, 1);
    unlink(rotated);
}

static void test_bounded(void **st)
{
    (void)st;
    struct alerts *a = open_alerts(8);
    struct snapshot *s = snap(1000, 1);
    char e[32];

    /* A snapshot larger than the state: only the state's worth is tracked,
     * no crash, no growth; the same big snapshot again emits nothing. */
    for (int i = 0; i < 1000; i++) {
        snprintf(e, sizeof(e), "192.0.2.%d", i % 250);
        add_f(s, i < 500 ? "scanner" : "brute_force", e, SEV_WARNING, 1, 0);
    }
    size_t first = alerts_update(a, s, 1);
    assert_true(first > 0 && first <= 16);
    assert_int_equal(alerts_update(a, s, 2), 0);
    alerts_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_once_then_escalate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_by_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_by_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    snapshot_free(snap(1, 1));
    return rc;
}
