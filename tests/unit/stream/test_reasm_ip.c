/*
 * test_reasm_ip.c — IP fragment reassembly through reasm_ip_feed: order,
 * first-wins overlap, duplicates, inconsistent total length, bad fragment
 * sizes, timeout, and the tracker and byte caps with their counters.
 */
#include "testutil.h"

#include <string.h>

#include "caps.h"
#include "stream/stream.h"
#include "stat_lookup.h"

static uint64_t st(const struct reasm_ip *r, const char *name)
{
    return STAT_GET(reasm_ip_stats, r, name);
}

static struct reasm_ip *mk(uint64_t trackers, uint64_t bytes)
{
    struct caps c;
    caps_default(&c);
    if (trackers)
        c.ip_frag_trackers = trackers;
    if (bytes)
        c.ip_frag_bytes = bytes;
    struct reasm_ip *r = reasm_ip_new(&c, 2);
    assert_non_null(r);
    return r;
}

static struct reasm_ip_key k4(uint32_t id)
{
    struct reasm_ip_key k;
    uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
    memset(&k, 0, sizeof(k));
    addr_from_v4(&k.src, a);
    addr_from_v4(&k.dst, b);
    k.id = id;
    k.family = 4;
    k.proto = 17;
    return k;
}

static uint8_t data[4000];
static const uint8_t *o;
static size_t on;
static uint8_t op;

static bool fd(struct reasm_ip *r, uint32_t id, uint32_t off, bool more, const uint8_t *p,
               size_t n, int64_t t)
{
    struct reasm_ip_key k = k4(id);
    return reasm_ip_feed(r, &k, off, more, 17, p, n, t, 0, &o, &on, &op);
}

static void setup_data(void)
{
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
}

static void test_orders(void **s)
{
    (void)s;
    struct reasm_ip *r = mk(0, 0);
    setup_data();
    /* Reverse order, 5 pieces of 800. */
    for (int i = 4; i >= 0; i--) {
        bool done = fd(r, 1, (uint32_t)i * 800, i != 4, data + i * 800, 800, 0);
        assert_int_equal(done, i == 0);
    }
    assert_int_equal(on, 4000);
    assert_int_equal(op, 17);
    assert_memory_equal(o, data, 4000);
    assert_int_equal(reasm_ip_trackers(r), 0);
    assert_int_equal(reasm_ip_bytes(r), 0);
    reasm_ip_free(r);
}

static void test_overlap_duplicate_total(void **s)
{
    (void)s;
    struct reasm_ip *r = mk(0, 0);
    uint8_t other[4000];
    setup_data();
    memset(other, 0xee, sizeof(other));

    /* [800,2400) first; then [0,1600) from "other": only [0,800) is taken. */
    assert_false(fd(r, 2, 800, true, data + 800, 1600, 0));
    assert_false(fd(r, 2, 0, true, other, 1600, 0));
    assert_false(fd(r, 2, 800, true, data + 800, 1600, 0));  /* duplicate */
    assert_true(fd(r, 2, 2400, false, data + 2400, 800, 0));
    assert_memory_equal(o + 800, data + 800, 2400);
    assert_memory_equal(o, other, 800);
    assert_int_equal(st(r, "reasm_ip.overlaps"), 1);
    assert_int_equal(st(r, "reasm_ip.duplicates"), 1);

    /* Two last fragments with different ends: dropped. */
    assert_false(fd(r, 3, 800, false, data, 800, 0));
    assert_false(fd(r, 3, 1600, false, data, 800, 0));
    assert_int_equal(st(r, "reasm_ip.inconsistent_total"), 1);
    assert_int_equal(reasm_ip_trackers(r), 0);
    /* A fragment past a known end. */
    assert_false(fd(r, 4, 800, false, data, 800, 0));
    assert_false(fd(r, 4, 1600, true, data, 800, 0));
    assert_int_equal(st(r, "reasm_ip.inconsistent_total"), 2);

    /* Non-final fragment not a multiple of 8; datagram over 65535. */
    assert_false(fd(r, 5, 0, true, data, 801, 0));
    assert_int_equal(st(r, "reasm_ip.bad_fragment_len"), 1);
    assert_false(fd(r, 6, 65000, false, data, 1000, 0));
    assert_int_equal(st(r, "reasm_ip.too_big"), 1);
    reasm_ip_free(r);
}

static void test_timeout_and_caps(void **s)
{
    (void)s;
    struct reasm_ip *r = mk(3, 0);
    setup_data();

    assert_false(fd(r, 7, 0, true, data, 800, 0));
    reasm_ip_expire(r, 29LL * 1000000);
    assert_int_equal(reasm_ip_trackers(r), 1);
    reasm_ip_expire(r, 31LL * 1000000);
    assert_int_equal(reasm_ip_trackers(r), 0);
    assert_int_equal(st(r, "reasm_ip.timeouts"), 1);

    for (uint32_t id = 10; id < 14; id++)
        assert_false(fd(r, id, 0, true, data, 800, id));
    assert_int_equal(reasm_ip_trackers(r), 3);
    assert_int_equal(st(r, "reasm_ip.evicted_tracker_cap"), 1);
    assert_false(fd(r, 10, 800, false, data + 800, 800, 20));  /* 10 was evicted */
    reasm_ip_free(r);

    /* Byte cap: 3000 bytes hold one 1600-byte piece plus overhead only. */
    r = mk(0, 3000);
    assert_false(fd(r, 20, 0, true, data, 1600, 0));
    assert_false(fd(r, 21, 0, true, data, 1600, 1));
    assert_int_equal(st(r, "reasm_ip.evicted_byte_cap"), 1);
    assert_true(reasm_ip_bytes(r) <= 3000);
    /* A piece that cannot fit even alone with its datagram drops it. */
    assert_false(fd(r, 21, 1600, true, data + 1600, 1600, 2));
    assert_int_equal(reasm_ip_trackers(r), 0);
    assert_int_equal(reasm_ip_bytes(r), 0);
    reasm_ip_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_overlap_duplicate_total),
        cmocka_unit_test(test_timeout_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
