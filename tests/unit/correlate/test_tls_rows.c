/*
 * test_tls_rows.c — the per-connection TLS table (correlate/tls_text.c,
 * snapshot "tls"): one row per connection, updated by each of its events;
 * at most SNAP_MAX_TLS rows; a failed connection replaces the oldest that
 * did not fail; every connection that does not fit is counted once.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "correlate/correlate.h"

static void conn(struct tls_conn *c, uint64_t id, enum tls_fail fail)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->client.port = (uint16_t)(40000 + id);
    c->server.port = 5061;
    snprintf(c->sni, sizeof(c->sni), "sip%llu.example.com", (unsigned long long)id);
    c->version = TLS_V_13;
    c->sh_frame = 2;
    c->cipher = 0x1301;
    c->fail = fail;
    if (fail != TLS_FAIL_NONE) {
        c->alert = true;
        c->alert_desc = 48;
        c->alert_from = TLS_SIDE_CLIENT;
    }
}

static void test_rows(void **st)
{
    struct engine *e = calloc(1, sizeof(*e));
    struct tls_conn c;

    (void)st;
    assert_non_null(e);
    for (uint64_t id = 1; id <= SNAP_MAX_TLS; id++) {
        conn(&c, id, TLS_FAIL_NONE);
        tls_rows_update(e, TLS_EV_ESTABLISHED, &c);
        c.decrypted = 3;
        tls_rows_update(e, TLS_EV_DONE, &c);
    }
    assert_int_equal(e->n_tls_rows, SNAP_MAX_TLS);
    assert_int_equal(e->tls_rows_dropped, 0);
    assert_true(e->tls_rows[0].established && e->tls_rows[0].done);
    assert_int_equal(e->tls_rows[0].decrypted, 3);
    assert_string_equal(e->tls_rows[0].sni, "sip1.example.com");

    /* full: another working connection is counted, once, at its end */
    conn(&c, 100, TLS_FAIL_NONE);
    tls_rows_update(e, TLS_EV_ESTABLISHED, &c);
    assert_int_equal(e->tls_rows_dropped, 0);
    tls_rows_update(e, TLS_EV_DONE, &c);
    assert_int_equal(e->tls_rows_dropped, 1);

    /* a failure takes the row of the oldest that did not fail */
    conn(&c, 101, TLS_FAIL_ALERT);
    tls_rows_update(e, TLS_EV_FAILED, &c);
    tls_rows_update(e, TLS_EV_DONE, &c);
    assert_int_equal(e->tls_rows_dropped, 2);
    assert_int_equal(e->tls_rows[0].id, 101);
    assert_int_equal(e->tls_rows[0].fail, TLS_FAIL_ALERT);
    assert_int_equal(e->tls_rows[0].alert_desc, 48);
    assert_false(e->tls_rows[0].established);
    for (size_t i = 1; i < SNAP_MAX_TLS; i++)
        assert_int_not_equal(e->tls_rows[i].id, 101);

    /* all rows failed: a further failure is counted, the rows stay */
    for (uint64_t id = 200; id < 200 + SNAP_MAX_TLS - 1; id++) {
        conn(&c, id, TLS_FAIL_NO_SERVER_HELLO);
        tls_rows_update(e, TLS_EV_FAILED, &c);
        tls_rows_update(e, TLS_EV_DONE, &c);
    }
    uint64_t before = e->tls_rows_dropped;
    conn(&c, 999, TLS_FAIL_CLOSED);
    tls_rows_update(e, TLS_EV_FAILED, &c);
    tls_rows_update(e, TLS_EV_DONE, &c);
    assert_int_equal(e->tls_rows_dropped, before + 1);
    for (size_t i = 0; i < SNAP_MAX_TLS; i++) {
        assert_int_not_equal(e->tls_rows[i].fail, TLS_FAIL_NONE);
        assert_int_not_equal(e->tls_rows[i].id, 999);
    }
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
