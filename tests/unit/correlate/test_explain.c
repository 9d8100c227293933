/*
 * test_explain.c — what a carrier says beyond the status line (explain.c):
 * a plain "403 Forbidden" whose Warning (RFC 3261 §20.43) or Reason
 * (RFC 3326) header says the account is suspended is an account_suspended
 * finding, not an IP-ACL refusal; a CANCEL's Reason on 487 is not a cause.
 * Through sip_parse and the engine, as the wire gives it.
 */
#include "testutil.h"
#include "engine_testlib.h"

static void suspended_by_header(const char *hdr)
{
    struct tl t;
    const struct snap_finding *f;

    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKw1", "w1@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKw1", "w1@x", 1, hdr);
    tl_finish(&t);
    f = tl_find(&t, "account_suspended");
    assert_non_null(f);
    assert_null(tl_find(&t, "ip_rejected"));
    tl_close(&t);
}

static void test_warning_says_suspended(void **state)
{
    (void)state;
    suspended_by_header("Warning: 399 203.0.113.5 \"Account suspended\"\n");
}

static void test_reason_says_suspended(void **state)
{
    (void)state;
    suspended_by_header("Reason: SIP;cause=403;text=\"Account suspended\"\n");
}

/* Without the header the same 403 is the IP ACL's (no credentials offered). */
static void test_plain_forbidden_is_not_suspension(void **state)
{
    struct tl t;

    (void)state;
    assert_int_equal(tl_open(&t), 0);
    tl_req(&t, PBX, "REGISTER", "sip:" TRUNK, "z9hG4bKw2", "w2@x", 1, "1001", "");
    tl_resp(&t, PBX, 403, "Forbidden", "REGISTER", "z9hG4bKw2", "w2@x", 1, "");
    tl_finish(&t);
    assert_null(tl_find(&t, "account_suspended"));
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warning_says_suspended),
        cmocka_unit_test(test_reason_says_suspended),
        cmocka_unit_test(test_plain_forbidden_is_not_suspension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
