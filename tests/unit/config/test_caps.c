/*
 * test_caps.c — the memory budget (caps_apply_mem, --mem): the tables grow
 * and shrink with the budget, an expert's --cap on a table stays as given,
 * sizes parse with K/M/G suffixes, and the default budget holds the busy
 * workload's peaks (docs/performance.md "Memory budget").
 */
#include <string.h>

#include "testutil.h"

#include "caps.h"
#include "util/err.h"

static void test_budget_sizes_tables(void **state)
{
    struct caps small, big;
    char eb[ERRBUF_SIZE];
    (void)state;

    caps_default(&small);
    caps_default(&big);
    assert_int_equal(big.mem, CAPS_MEM_DEFAULT);
    /* the default holds twice the shared busy workload's peaks over 10M
     * messages (docs/performance.md "Memory budget"): a PBX twice as busy */
    assert_true(big.transactions >= 2 * 44321 && big.dialogs >= 2 * 33437 &&
                big.identities >= 2 * 18431 && big.accounts >= 2 * 19816 &&
                big.auth_exchanges >= 2 * 16166 && big.peers >= 2 * 4907 &&
                big.sources >= 2 * 4908 && big.media_calls >= 2 * 21161);
    small.mem = 32ull << 20;
    caps_apply_mem(&small);
    big.mem = 1ull << 30;
    caps_apply_mem(&big);
    assert_true(small.transactions < big.transactions);
    assert_true(small.dialogs < big.dialogs);
    assert_true(small.identities < big.identities);
    assert_true(small.population_members < big.population_members);
    /* a table given with --cap keeps its size whatever the budget */
    assert_int_equal(caps_set(&small, "dialogs=77", eb), 0);
    caps_apply_mem(&small);
    assert_int_equal(small.dialogs, 77);
    small.mem = 1ull << 30;
    caps_apply_mem(&small);
    assert_int_equal(small.dialogs, 77);
    assert_int_equal(small.transactions, big.transactions);
    /* a tiny budget still analyses a small capture: the floors */
    small.mem = 1;
    caps_apply_mem(&small);
    assert_true(small.transactions >= 4096);
}

static void test_parse_size(void **state)
{
    uint64_t v = 0;
    (void)state;

    assert_int_equal(caps_parse_size("128M", &v), 0);
    assert_int_equal(v, 128ull << 20);
    assert_int_equal(caps_parse_size("1G", &v), 0);
    assert_int_equal(v, 1ull << 30);
    assert_int_equal(caps_parse_size("512KiB", &v), 0);
    assert_int_equal(v, 512ull << 10);
    assert_int_equal(caps_parse_size("65536", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(caps_parse_size("-5M", &v), ERR_INVAL);
    assert_int_equal(caps_parse_size("12X", &v), ERR_INVAL);
    assert_int_equal(caps_parse_size("", &v), ERR_INVAL);
    assert_int_equal(caps_parse_size("0", &v), ERR_INVAL);
    assert_int_equal(caps_parse_size("99999999999999999999G", &v), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_sizes_tables),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
