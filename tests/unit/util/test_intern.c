/*
 * test_intern.c — interned strings (src/util/intern.c): one shared copy per
 * distinct string with reference counts, freed at the last drop; binary
 * strings (addresses) and the four size classes; a full class refuses (and
 * counts) instead of evicting a string a live record still holds; overlong
 * strings are cut and counted; intern_put_as takes a candidate handle only
 * when it still stands for the same bytes (never a freed or other string).
 */
#include "testutil.h"

#include <string.h>

#include "util/intern.h"

static void test_shared_and_refcounted(void **state)
{
    struct intern in;
    uint32_t a, b, c;
    size_t n;
    (void)state;

    assert_int_equal(intern_init(&in, 8), 0);
    a = intern_put(&in, "REGISTER sip:pbx", 16);
    b = intern_put(&in, "REGISTER sip:pbx", 16);
    c = intern_put(&in, "REGISTER sip:pbY", 16);
    assert_true(a != INTERN_NONE && a == b && c != a);
    assert_int_equal(intern_live(&in), 2);
    assert_string_equal(intern_get(&in, a, &n), "REGISTER sip:pbx");
    assert_int_equal(n, 16);
    intern_drop(&in, a);
    assert_string_equal(intern_get(&in, b, NULL), "REGISTER sip:pbx");   /* b still holds it */
    intern_drop(&in, b);
    assert_int_equal(intern_live(&in), 1);
    assert_int_equal(intern_ref(&in, c), c);
    intern_drop(&in, c);
    intern_drop(&in, c);
    assert_int_equal(intern_live(&in), 0);
    /* empty and NONE read back as "" */
    assert_int_equal(intern_put(&in, "", 0), INTERN_NONE);
    assert_string_equal(intern_get(&in, INTERN_NONE, &n), "");
    assert_int_equal(n, 0);
    intern_drop(&in, INTERN_NONE);
    /* the most held at once (engine.strings.peak) outlives the strings */
    assert_int_equal(intern_peak(&in), 2);
    intern_release(&in);
    assert_int_equal(intern_peak(&in), 2);
    assert_int_equal(intern_live(&in), 0);
    assert_int_equal(intern_put(&in, "x", 1), INTERN_NONE);
    intern_free(&in);
}

/* intern_put_as: the result and the reference counts are intern_put's
 * whatever the candidate (matching, another string, freed, reused, NONE) */
static void test_put_as(void **state)
{
    struct intern in;
    uint32_t a, b, c, d, f;
    char big[400];
    (void)state;

    assert_int_equal(intern_init(&in, 8), 0);
    a = intern_put(&in, "10.0.0.1:5060", 13);
    b = intern_put_as(&in, a, "10.0.0.1:5060", 13);     /* the same: a reference to a */
    assert_int_equal(b, a);
    c = intern_put_as(&in, a, "10.0.0.2:5060", 13);     /* another string: put */
    assert_true(c != INTERN_NONE && c != a);
    f = intern_put_as(&in, a, "10.0.0.1:506", 12);
    assert_int_equal(intern_put(&in, "10.0.0.1:506", 12), f);
    intern_drop(&in, a);
    assert_string_equal(intern_get(&in, a, NULL), "10.0.0.1:5060");     /* b holds it */
    intern_drop(&in, b);
    /* a is freed: a candidate naming a free slot is never taken, even with
     * its bytes still in the slot */
    d = intern_put_as(&in, a, "10.0.0.1:5060", 13);
    assert_true(d != INTERN_NONE);
    assert_string_equal(intern_get(&in, d, NULL), "10.0.0.1:5060");
    intern_drop(&in, d);
    /* reused by another string: that string's handle is not this one's */
    d = intern_put(&in, "10.0.0.9:5060", 13);
    a = intern_put_as(&in, d, "10.0.0.1:5060", 13);
    assert_true(a != d);
    assert_string_equal(intern_get(&in, a, NULL), "10.0.0.1:5060");
    assert_int_equal(intern_put_as(&in, INTERN_NONE, "10.0.0.9:5060", 13), d);
    assert_int_equal(intern_put_as(&in, d, "", 0), INTERN_NONE);
    /* overlong: cut and counted as intern_put does */
    memset(big, 'x', sizeof(big));
    b = intern_put(&in, big, sizeof(big));
    assert_int_equal(in.truncated, 1);
    assert_int_equal(intern_put_as(&in, b, big, sizeof(big)), b);
    assert_int_equal(in.truncated, 2);
    intern_drop(&in, b);
    intern_drop(&in, b);
    intern_drop(&in, a);
    intern_drop(&in, d);
    intern_drop(&in, d);
    intern_drop(&in, c);
    intern_drop(&in, f);
    intern_drop(&in, f);
    assert_int_equal(intern_live(&in), 0);
    intern_free(&in);
}

static void test_classes_binary_and_limits(void **state)
{
    struct intern in;
    uint8_t ep[18] = { 0 };
    char big[400];
    uint32_t h[3], x;
    size_t n;
    (void)state;

    assert_int_equal(intern_init(&in, 2), 0);
    ep[17] = 0xc4;      /* an address with NULs inside */
    x = intern_put(&in, ep, sizeof(ep));
    assert_true(memcmp(intern_get(&in, x, &n), ep, sizeof(ep)) == 0);
    assert_int_equal(n, 18);
    /* every class has its own slots: 2 of each */
    for (int i = 0; i < 3; i++) {
        char s[60];
        memset(s, 'a' + i, sizeof(s));
        h[i] = intern_put(&in, s, sizeof(s));
    }
    assert_true(h[0] != INTERN_NONE && h[1] != INTERN_NONE);
    assert_int_equal(h[2], INTERN_NONE);     /* full: refused, nothing evicted */
    assert_int_equal(in.refused, 1);
    assert_int_equal(intern_get(&in, h[0], NULL)[0], 'a');
    memset(big, 'z', sizeof(big));
    x = intern_put(&in, big, sizeof(big));
    intern_get(&in, x, &n);
    assert_int_equal(n, INTERN_MAX);
    assert_int_equal(in.truncated, 1);
    intern_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_and_refcounted),
        cmocka_unit_test(test_classes_binary_and_limits),
        cmocka_unit_test(test_put_as),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
