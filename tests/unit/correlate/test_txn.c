/*
 * test_txn.c — the transaction matcher (src/correlate/txn.c) on real SIP
 * text through sip_parse: RFC 3261 §17 branch matching, retransmissions
 * with timer A doubling, ACK of a non-2xx and CANCEL tied to the INVITE,
 * the RFC 2543 fallback key, 64*T1 timeouts vs "unanswered" at the end,
 * and the transaction cap's eviction counter.
 */
#include "testutil.h"

#include "engine_testlib.h"

/* A copy of the view of the transaction of method m (views are scratch). */
static struct txn view_buf[2];
static int view_next;

static struct txn *only_txn(struct tl *t, enum sip_method m)
{
    for (struct txn_rec *x = ctab_first(&t->e->txns); x; x = ctab_next(&t->e->txns, x))
        if (x->method == m) {
            struct txn *v = &view_buf[view_next++ % 2];
            *v = *txn_view(t->e, x);
            return v;
        }
    return NULL;
}

static void test_retransmissions_doubling(void **state)
{
    struct tl t;
    struct txn *x;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    /* timer A: 0, 0.5, 1.5, 3.5 s (gaps 0.5, 1, 2) */
    int64_t at[] = { 0, 500000, 1500000, 3500000 };
    for (int i = 0; i < 4; i++) {
        t.now = T0 + at[i];
        assert_int_equal(tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKa1", "c1@x",
                                1, "1001", ""), SIP_OK);
    }
    x = only_txn(&t, SIP_INVITE);
    assert_non_null(x);
    assert_int_equal(x->retrans, 3);
    assert_true(x->doubling);
    assert_int_equal(t.e->txns.n, 1);
    assert_int_equal(x->frame, 1);
    assert_int_equal(x->last_frame, 4);
    tl_close(&t);
}

static void test_response_ack_cancel(void **state)
{
    struct tl t;
    struct txn *inv, *can;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKb1", "c2@x", 1, "1001", "");
    tl_resp(&t, PBX, 100, "Trying", "INVITE", "z9hG4bKb1", "c2@x", 1, "");
    tl_req(&t, PBX, "CANCEL", "sip:+15550100@" TRUNK, "z9hG4bKb1", "c2@x", 1, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "CANCEL", "z9hG4bKb1", "c2@x", 1, "");
    tl_resp(&t, PBX, 487, "Request Terminated", "INVITE", "z9hG4bKb1", "c2@x", 1, "");
    tl_resp(&t, PBX, 487, "Request Terminated", "INVITE", "z9hG4bKb1", "c2@x", 1, "");
    tl_req(&t, PBX, "ACK", "sip:+15550100@" TRUNK, "z9hG4bKb1", "c2@x", 1, "1001", "");
    inv = only_txn(&t, SIP_INVITE);
    can = only_txn(&t, SIP_CANCEL);
    assert_non_null(inv);
    assert_non_null(can);
    assert_int_equal(inv->status, 487);
    assert_int_equal(inv->n_prov, 1);
    assert_int_equal(inv->final_frame, 5);
    assert_int_equal(inv->final_retrans, 1);
    assert_int_equal(inv->cancel_frame, 3);
    assert_int_equal(inv->ack_frame, 7);
    assert_int_equal(can->status, 200);
    assert_int_equal(t.e->n_orphan_responses, 0);
    tl_finish(&t);
    assert_int_equal(tl_count_at_least(&t, SEV_WARNING), 0);   /* a cancelled call is normal */
    tl_close(&t);
}

/* A frame more than 4G frames after its request does not fit the record's
 * 32-bit delta: it reads back as unknown (0), never as a wrong frame. */
static void test_frame_past_delta_unknown(void **state)
{
    struct tl t;
    struct txn *inv;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKd1", "d1@x", 1, "1001", "");
    tl_resp(&t, PBX, 100, "Trying", "INVITE", "z9hG4bKd1", "d1@x", 1, "");
    t.frame += 1ull << 32;
    tl_resp(&t, PBX, 486, "Busy Here", "INVITE", "z9hG4bKd1", "d1@x", 1, "");
    inv = only_txn(&t, SIP_INVITE);
    assert_non_null(inv);
    assert_int_equal(inv->status, 486);
    assert_int_equal(inv->first_resp_frame, 2);
    assert_int_equal(inv->final_frame, 0);
    tl_close(&t);
}

static void test_rfc2543_fallback(void **state)
{
    struct tl t;
    struct txn *x;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    /* branch without the magic cookie: keyed by Call-ID + CSeq + method + From tag */
    tl_req(&t, PBX, "OPTIONS", "sip:" TRUNK, "oldstyle1", "c3@x", 7, "1001", "");
    tl_resp(&t, PBX, 200, "OK", "OPTIONS", "oldstyle1", "c3@x", 7, "");
    x = only_txn(&t, SIP_OPTIONS);
    assert_non_null(x);
    assert_false(x->rfc3261);
    assert_int_equal(x->status, 200);
    /* a response for another CSeq does not match it */
    tl_resp(&t, PBX, 200, "OK", "OPTIONS", "oldstyle1", "c3@x", 8, "");
    assert_int_equal(t.e->n_orphan_responses, 1);
    tl_close(&t);
}

static void test_timeout_vs_unanswered(void **state)
{
    struct tl t;
    const struct snap_finding *f;
    (void)state;

    /* retransmitted until 64*T1 passes: a timeout and an error */
    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 7; i++) {
        t.now = T0 + (int64_t)((1 << i) - 1) * 500000;
        tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKc1", "c4@x", 1, "1001", "");
    }
    engine_tick(t.e, T0 + 33 * SEC);
    t.now = T0 + 33 * SEC;
    assert_int_equal(t.e->n_timeouts, 1);
    tl_finish(&t);
    f = tl_find(&t, "no_response");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_ERROR);
    assert_int_equal(tl_frame(f, "request"), 1);
    assert_int_equal(tl_frame(f, "last retransmission"), 7);
    assert_int_equal(t.e->n_unanswered, 0);
    tl_close(&t);

    /* the capture ends 3.5 s in: unanswered, a warning, not a timeout */
    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 3; i++) {
        t.now = T0 + (int64_t)((1 << i) - 1) * 500000;
        tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKd1", "c5@x", 1, "1001", "");
    }
    tl_finish(&t);
    assert_int_equal(t.e->n_timeouts, 0);
    assert_int_equal(t.e->n_unanswered, 1);
    f = tl_find(&t, "no_response");
    assert_non_null(f);
    assert_int_equal(f->severity, SEV_WARNING);
    tl_close(&t);
}

static void test_provisional_stops_invite_timeout(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKe1", "c6@x", 1, "1001", "");
    tl_resp(&t, PBX, 180, "Ringing", "INVITE", "z9hG4bKe1", "c6@x", 1, "");
    t.now = T0 + 60 * SEC;
    engine_tick(t.e, t.now);
    assert_int_equal(t.e->n_timeouts, 0);
    tl_close(&t);
}

static void test_transaction_cap_evicts_oldest(void **state)
{
    struct tl t;
    struct caps c;
    char branch[32], callid[32];
    (void)state;

    caps_default(&c);
    c.transactions = 4;
    struct engine_opts o = { 0 };
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(branch, sizeof(branch), "z9hG4bKcap%d", i);
        snprintf(callid, sizeof(callid), "cap%d@x", i);
        t.now = T0 + i * SEC;
        tl_req(&t, PBX, "OPTIONS", "sip:" TRUNK, branch, callid, 1, "1001", "");
    }
    assert_int_equal(t.e->txns.n, 4);
    assert_int_equal(t.e->txns.evictions, 6);
    /* the oldest went first: the newest four remain */
    assert_int_equal(((struct txn_rec *)ctab_first(&t.e->txns))->frame, 7);
    tl_finish(&t);
    assert_true(t.snap.evictions >= 6);
    tl_close(&t);
}

/* RFC 3261 §17: a completed transaction stays for its retransmission
 * window (64*T1 after the final on UDP) and then leaves the table; the
 * record it leaves is what kinds saw, text included. */
static void test_completed_retired_after_window(void **state)
{
    struct tl t;
    struct txn *x;
    (void)state;

    assert_true(sizeof(struct txn_rec) <= 128);
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "OPTIONS", "sip:" TRUNK, "z9hG4bKr1", "r1@x", 1, "1001", "");
    t.now = T0 + 10 * SEC;      /* a late final: the window counts from it */
    tl_resp(&t, PBX, 404, "Not Here", "OPTIONS", "z9hG4bKr1", "r1@x", 1, "");
    x = only_txn(&t, SIP_OPTIONS);
    assert_non_null(x);
    assert_string_equal(x->req_line, "OPTIONS sip:" TRUNK);
    assert_string_equal(x->final_line, "SIP/2.0 404 Not Here");
    assert_string_equal(x->user, "1001");
    assert_int_equal(x->src.port, 5060);
    engine_tick(t.e, T0 + 33 * SEC);    /* 64*T1 after the request, not after the final */
    assert_int_equal(t.e->txns.n, 1);
    /* a retransmitted final inside the window still matches */
    t.now = T0 + 20 * SEC;
    tl_resp(&t, PBX, 404, "Not Here", "OPTIONS", "z9hG4bKr1", "r1@x", 1, "");
    assert_int_equal(t.e->n_orphan_responses, 0);
    engine_tick(t.e, T0 + 43 * SEC);
    assert_int_equal(t.e->txns.n, 0);
    assert_int_equal(t.e->n_txn_retired, 1);
    /* its strings went with it: what is left is the identity's (1001@trunk,
     * also the dialog's From, and the server it was sent to: the identity
     * was quiet, so 64*T1 after its answer it left to its history, which
     * keeps the server), the dialog's, kept as history (its Call-ID, To and
     * two endpoints), the NAT pair's first received= (its evidence and
     * start line) and the source's User-Agent */
    assert_int_equal(t.e->idents.n, 0);
    assert_int_equal(t.e->ident_past.n, 1);
    assert_int_equal(t.e->n_idents_retired, 1);
    assert_int_equal(t.e->dialogs.n, 1);
    assert_int_equal(intern_live(&t.e->strings), 2 + 4 + 2 + 1);
    assert_int_equal(t.e->txns.evictions, 0);
    tl_close(&t);
}

/* An INVITE in Proceeding waits for its final as long as timer C allows,
 * then is given up without a verdict (no timeout, no finding). */
static void test_proceeding_invite_until_timer_c(void **state)
{
    struct tl t;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bKc9", "c9@x", 1, "1001", "");
    tl_resp(&t, PBX, 180, "Ringing", "INVITE", "z9hG4bKc9", "c9@x", 1, "");
    engine_tick(t.e, T0 + 120 * SEC);
    assert_int_equal(t.e->txns.n, 1);
    t.now = T0 + 121 * SEC;     /* a late 486 still matches */
    tl_resp(&t, PBX, 486, "Busy Here", "INVITE", "z9hG4bKc9", "c9@x", 1, "");
    assert_int_equal(t.e->n_orphan_responses, 0);
    tl_req(&t, PBX, "INVITE", "sip:+15550101@" TRUNK, "z9hG4bKc10", "c10@x", 1, "1001", "");
    tl_resp(&t, PBX, 183, "Progress", "INVITE", "z9hG4bKc10", "c10@x", 1, "");
    engine_tick(t.e, T0 + 400 * SEC);
    assert_int_equal(t.e->txns.n, 0);
    assert_int_equal(t.e->n_txn_abandoned, 1);
    assert_int_equal(t.e->n_timeouts, 0);
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retransmissions_doubling),
        cmocka_unit_test(test_response_ack_cancel),
        cmocka_unit_test(test_frame_past_delta_unknown),
        cmocka_unit_test(test_rfc2543_fallback),
        cmocka_unit_test(test_timeout_vs_unanswered),
        cmocka_unit_test(test_provisional_stops_invite_timeout),
        cmocka_unit_test(test_transaction_cap_evicts_oldest),
        cmocka_unit_test(test_completed_retired_after_window),
        cmocka_unit_test(test_proceeding_invite_until_timer_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
