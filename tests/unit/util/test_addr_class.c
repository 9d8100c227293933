/*
 * test_addr_class.c — addr_classify at the edges of each range (RFC 1918,
 * RFC 6598 CGNAT, RFC 5737 / RFC 3849 documentation, loopback, link-local,
 * RFC 4193 ULA, multicast/reserved), for IPv4 (the word-compare fast path)
 * and IPv6 (the prefix walk).
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"

static enum addr_class cls(const char *s)
{
    struct addr a;
    assert_true(addr_parse(s, strlen(s), &a));
    return addr_classify(&a);
}

static void test_v4_edges(void **state)
{
    (void)state;
    assert_int_equal(cls("9.255.255.255"), ADDR_PUBLIC);
    assert_int_equal(cls("10.0.0.0"), ADDR_PRIVATE);
    assert_int_equal(cls("10.255.255.255"), ADDR_PRIVATE);
    assert_int_equal(cls("11.0.0.0"), ADDR_PUBLIC);
    assert_int_equal(cls("172.15.255.255"), ADDR_PUBLIC);
    assert_int_equal(cls("172.16.0.1"), ADDR_PRIVATE);
    assert_int_equal(cls("172.31.255.255"), ADDR_PRIVATE);
    assert_int_equal(cls("172.32.0.0"), ADDR_PUBLIC);
    assert_int_equal(cls("192.168.255.1"), ADDR_PRIVATE);
    assert_int_equal(cls("192.169.0.1"), ADDR_PUBLIC);
    assert_int_equal(cls("100.63.255.255"), ADDR_PUBLIC);
    assert_int_equal(cls("100.64.0.0"), ADDR_CGNAT);
    assert_int_equal(cls("100.127.255.255"), ADDR_CGNAT);
    assert_int_equal(cls("100.128.0.0"), ADDR_PUBLIC);
    assert_int_equal(cls("127.0.0.1"), ADDR_LOOPBACK);
    assert_int_equal(cls("169.254.1.1"), ADDR_LINKLOCAL);
    assert_int_equal(cls("192.0.2.10"), ADDR_DOC);
    assert_int_equal(cls("192.0.3.10"), ADDR_PUBLIC);
    assert_int_equal(cls("198.51.100.255"), ADDR_DOC);
    assert_int_equal(cls("203.0.113.5"), ADDR_DOC);
    assert_int_equal(cls("0.0.0.0"), ADDR_UNSPEC);
    assert_int_equal(cls("223.255.255.255"), ADDR_PUBLIC);
    assert_int_equal(cls("224.0.0.1"), ADDR_UNSPEC);
    assert_int_equal(cls("255.255.255.255"), ADDR_UNSPEC);
    assert_int_equal(cls("8.8.8.8"), ADDR_PUBLIC);
}

static void test_v6(void **state)
{
    (void)state;
    assert_int_equal(cls("::1"), ADDR_LOOPBACK);
    assert_int_equal(cls("::"), ADDR_UNSPEC);
    assert_int_equal(cls("fe80::1"), ADDR_LINKLOCAL);
    assert_int_equal(cls("fd00::1"), ADDR_ULA);
    assert_int_equal(cls("2001:db8::5"), ADDR_DOC);
    assert_int_equal(cls("ff02::1"), ADDR_UNSPEC);
    assert_int_equal(cls("2600::1"), ADDR_PUBLIC);
    /* an IPv4-compatible (not mapped) address is IPv6, not 10/8 */
    assert_int_equal(cls("::a00:1"), ADDR_PUBLIC);
}

/* addr_str formats IPv4 by hand: the same text as inet_ntop for every
 * byte value in every position, and "" past a buffer too small. */
static void test_str_v4_as_inet_ntop(void **state)
{
    struct addr a;
    char got[ADDR_STRLEN], want[INET_ADDRSTRLEN], small[8];
    (void)state;

    for (unsigned v = 0; v < 256; v++)
        for (int pos = 0; pos < 4; pos++) {
            char txt[20];
            uint8_t q[4] = { 1, 22, 203, 9 };
            q[pos] = (uint8_t)v;
            snprintf(txt, sizeof(txt), "%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
            assert_true(addr_parse(txt, strlen(txt), &a));
            inet_ntop(AF_INET, q, want, sizeof(want));
            assert_string_equal(addr_str(&a, got, sizeof(got)), want);
        }
    assert_true(addr_parse("255.255.255.255", 15, &a));
    addr_str(&a, small, sizeof(small));
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_edges),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_str_v4_as_inet_ntop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
