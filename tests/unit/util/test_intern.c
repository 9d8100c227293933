/*
 * test_intern.c — interned strings (src/util/intern.c): one shared copy per
 * distinct string with reference counts, freed at the last drop; binary
 * strings (addresses) and the four size classes; a full class refuses (and
 * counts) instead of evicting a string a live record still holds; overlong
 * strings are cut and counted.
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
