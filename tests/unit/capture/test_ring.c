/*
 * test_ring.c — the SPSC capture ring: empty/full/wrap edge cases, refusal
 * of records that can never fit, and a two-thread stress test that checks
 * order and content of millions of variable-size records through a small
 * ring (the producer/consumer protocol of STYLE.md §Threads).
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "capture/ring.h"

static uint8_t pattern[8192];

static void fill_pattern(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sizeof(pattern); i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        pattern[i] = (uint8_t)x;
    }
}

/* Record i: size and content derived from i, so the consumer can check it. */
static uint32_t rec_size(uint64_t i, uint32_t max)
{
    uint64_t x = i * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    return (uint32_t)(x % (max + 1));
}

static struct packet make_pkt(uint64_t i, uint32_t caplen)
{
    struct packet p = {
        .frame = i + 1,
        .ts_us = (int64_t)(i * 7 + 1000),
        .caplen = caplen,
        .len = caplen + (uint32_t)(i % 3),
        .linktype = (int)(i % 5),
        .data = pattern + (i % 2048),
    };
    return p;
}

static void check_pkt(const struct packet *got, uint64_t i, uint32_t caplen)
{
    assert_int_equal(got->frame, i + 1);
    assert_int_equal(got->ts_us, (int64_t)(i * 7 + 1000));
    assert_int_equal(got->caplen, caplen);
    assert_int_equal(got->len, caplen + (uint32_t)(i % 3));
    assert_int_equal(got->linktype, (int)(i % 5));
    assert_true(caplen == 0 || memcmp(got->data, pattern + (i % 2048), caplen) == 0);
}

static void test_new_rejects_bad_sizes(void **state)
{
    char errbuf[ERRBUF_SIZE];
    (void)state;
    assert_null(ring_new(5000, errbuf));
    assert_non_null(strstr(errbuf, "power of two"));
    assert_null(ring_new(1024, errbuf));
    assert_null(ring_new(0, errbuf));
    struct ring *r = ring_new(4096, errbuf);
    assert_non_null(r);
    assert_int_equal(ring_capacity(r), 4096);
    ring_free(r);
}

static void test_empty_and_commit(void **state)
{
    struct ring *r = ring_new(4096, NULL);
    struct packet out;
    (void)state;
    assert_false(ring_peek(r, &out));
    assert_false(ring_closed(r));
    struct packet p = make_pkt(0, 10);
    assert_true(ring_push(r, &p));
    /* Not visible before the producer commits. */
    assert_false(ring_peek(r, &out));
    ring_commit(r);
    assert_true(ring_peek(r, &out));
    check_pkt(&out, 0, 10);
    /* Peek does not consume. */
    assert_true(ring_peek(r, &out));
    check_pkt(&out, 0, 10);
    ring_next(r);
    assert_false(ring_peek(r, &out));
    ring_release(r);
    ring_close(r);
    assert_true(ring_closed(r));
    assert_false(ring_peek(r, &out));
    ring_free(r);
}

static void test_full_then_room(void **state)
{
    struct ring *r = ring_new(4096, NULL);
    struct packet out, p;
    unsigned n = 0;
    (void)state;
    /* 100-byte records take 160 bytes: 25 fit in 4096 (4000), the 26th not. */
    for (;;) {
        p = make_pkt(n, 100);
        if (!ring_push(r, &p))
            break;
        n++;
        assert_true(n < 1000);
    }
    assert_int_equal(n, 4096 / ring_record_bytes(100));
    ring_commit(r);
    /* Consuming without releasing frees nothing for the producer. */
    assert_true(ring_peek(r, &out));
    ring_next(r);
    p = make_pkt(n, 100);
    assert_false(ring_push(r, &p));
    ring_release(r);
    assert_true(ring_push(r, &p));
    ring_commit(r);
    for (unsigned i = 1; i <= n; i++) {
        assert_true(ring_peek(r, &out));
        check_pkt(&out, i, 100);
        ring_next(r);
    }
    assert_false(ring_peek(r, &out));
    ring_free(r);
}

static void test_wrap_marker(void **state)
{
    struct ring *r = ring_new(4096, NULL);
    struct packet out, p;
    (void)state;
    /* 3 x 1000 bytes -> 3 x 1056 = 3168; 928 left before the end. */
    for (uint64_t i = 0; i < 3; i++) {
        p = make_pkt(i, 1000);
        assert_true(ring_push(r, &p));
    }
    ring_commit(r);
    for (uint64_t i = 0; i < 3; i++) {
        assert_true(ring_peek(r, &out));
        check_pkt(&out, i, 1000);
        ring_next(r);
    }
    ring_release(r);
    /* Does not fit in the 928 bytes left: must wrap to offset 0, intact. */
    p = make_pkt(3, 1500);
    assert_true(ring_push(r, &p));
    ring_commit(r);
    assert_true(ring_peek(r, &out));
    check_pkt(&out, 3, 1500);
    assert_ptr_equal(out.data, (const uint8_t *)out.data); /* in bounds: checked by ASan */
    ring_next(r);
    assert_false(ring_peek(r, &out));
    ring_free(r);
}

static void test_record_too_big_refused(void **state)
{
    struct ring *r = ring_new(4096, NULL);
    struct packet p, out;
    (void)state;
    static uint8_t big[8192];
    p = make_pkt(0, 4096 - 32 + 1);
    p.data = big;
    assert_false(ring_fits(r, p.caplen));
    assert_false(ring_push(r, &p));
    ring_commit(r);
    assert_false(ring_peek(r, &out));
    /* Exactly the capacity fits, even when the ring is not at offset 0. */
    assert_true(ring_fits(r, 4096 - 32));
    p = make_pkt(1, 40);
    assert_true(ring_push(r, &p));
    ring_commit(r);
    assert_true(ring_peek(r, &out));
    ring_next(r);
    ring_release(r);
    p = make_pkt(2, 4096 - 32);
    p.data = big;
    /* First try lays the wrap marker, but the record needs the whole ring. */
    assert_false(ring_push(r, &p));
    ring_commit(r);
    assert_false(ring_peek(r, &out));   /* skips the marker, nothing else */
    ring_release(r);
    assert_true(ring_push(r, &p));
    ring_commit(r);
    assert_true(ring_peek(r, &out));
    assert_int_equal(out.caplen, 4096 - 32);
    assert_int_equal(out.frame, 3);
    ring_next(r);
    ring_release(r);
    ring_free(r);
}

/* ---- two-thread stress ------------------------------------------------- */

#define STRESS_RECORDS 2000000ull
#define STRESS_MAX 2000u   /* record sizes 0..2000 bytes */

struct stress {
    struct ring *r;
    uint64_t n;
    uint64_t producer_waits;
};

/* Back off: yield first (the other side is usually about to move), then
 * sleep, so a loaded 2-core machine does not starve either thread. */
static void nap(unsigned spins)
{
    struct timespec ts = { 0, 20000 };
    if (spins < 256)
        sched_yield();
    else
        nanosleep(&ts, NULL);
}

static void *stress_producer(void *arg)
{
    struct stress *s = arg;
    unsigned batch = 0;
    for (uint64_t i = 0; i < s->n; i++) {
        struct packet p = make_pkt(i, rec_size(i, STRESS_MAX));
        unsigned spins = 0;
        while (!ring_push(s->r, &p)) {
            ring_commit(s->r);
            batch = 0;
            s->producer_waits++;
            if (++spins > 64)
                nap(spins);
        }
        if (++batch == 16) {
            ring_commit(s->r);
            batch = 0;
        }
    }
    ring_close(s->r);
    return NULL;
}

static void test_stress_two_threads(void **state)
{
    struct stress s = { .n = STRESS_RECORDS };
    pthread_t t;
    struct packet out;
    uint64_t i = 0, bad = 0;
    unsigned batch = 0, spins = 0;
    (void)state;

    s.r = ring_new(64 * 1024, NULL);
    assert_non_null(s.r);
    assert_int_equal(pthread_create(&t, NULL, stress_producer, &s), 0);
    for (;;) {
        if (ring_peek(s.r, &out)) {
            uint32_t want = rec_size(i, STRESS_MAX);
            /* Count instead of asserting here: cmocka must not longjmp out
             * while the producer thread is still running. */
            if (out.frame != i + 1 || out.caplen != want ||
                out.ts_us != (int64_t)(i * 7 + 1000) ||
                out.len != want + (uint32_t)(i % 3) ||
                (want > 0 && memcmp(out.data, pattern + (i % 2048), want) != 0))
                bad++;
            ring_next(s.r);
            i++;
            spins = 0;
            if (++batch == 32) {
                ring_release(s.r);
                batch = 0;
            }
            continue;
        }
        ring_release(s.r);
        batch = 0;
        if (ring_closed(s.r) && !ring_peek(s.r, &out))
            break;
        if (++spins > 64)
            nap(spins);
    }
    pthread_join(t, NULL);
    assert_int_equal(bad, 0);
    assert_int_equal(i, STRESS_RECORDS);
    /* The ring was really full at times (64 KiB against ~2 GB of records). */
    assert_true(s.producer_waits > 0);
    ring_free(s.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_sizes),
        cmocka_unit_test(test_empty_and_commit),
        cmocka_unit_test(test_full_then_room),
        cmocka_unit_test(test_wrap_marker),
        cmocka_unit_test(test_record_too_big_refused),
        cmocka_unit_test(test_stress_two_threads),
    };
    fill_pattern();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
