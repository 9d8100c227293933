/*
 * test_addr_class.c — addr_classify at the edges of each range (RFC 1918,
 * RFC 6598 CGNAT, RFC 5737 / RFC 3849 documentation, loopback, link-local,
 * RFC 4193 ULA, multicast/reserved), for IPv4 (the word-compare fast path)
 * and IPv6 (the prefix walk).
 */
#include "testutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_edges),
        cmocka_unit_test(test_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
