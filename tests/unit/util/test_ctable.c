/*
 * test_ctable.c — the bounded table's open-addressing index (ctable.h):
 * under heavy churn (inserts, removals, evictions at the cap, hash values
 * chosen to collide on the home slot) every live entry is found, no
 * removed one is, and walks see exactly the live entries in insertion
 * order. The reference is a plain array scanned linearly.
 */
#include <string.h>

#include "testutil.h"

#include "util/ctable.h"

#define CAP 257
#define KEYS 2048

struct ent { uint64_t key; };

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check(const struct ctab *t, const bool *live)
{
    size_t n = 0;

    for (uint64_t k = 1; k <= KEYS; k++) {
        /* low bits shared by many keys: long runs that wrap and shift back */
        uint64_t h = (k << 20) | (k % 7);
        struct ent *e = ctab_find(t, h);
        if (live[k]) {
            assert_non_null(e);
            assert_int_equal(e->key, k);
            n++;
        } else {
            assert_null(e);
        }
    }
    assert_int_equal(n, t->n);
    n = 0;
    for (struct ent *e = ctab_first(t); e; e = ctab_next(t, e))
        n++;
    assert_int_equal(n, t->n);
}

static void on_evict(void *ud, void *entry)
{
    ((bool *)ud)[((struct ent *)entry)->key] = false;
}

static void test_churn(void **state)
{
    static bool live[KEYS + 1];
    struct ctab t;
    (void)state;

    memset(live, 0, sizeof(live));
    assert_int_equal(ctab_init(&t, CAP, sizeof(struct ent), on_evict, live), 0);
    for (int step = 0; step < 200000; step++) {
        uint64_t k = 1 + next() % KEYS, h = (k << 20) | (k % 7);
        struct ent *e = ctab_find(&t, h);
        if (e != NULL && next() % 2) {
            ctab_remove(&t, e);
            live[k] = false;
        } else if (e == NULL) {
            e = ctab_insert(&t, h);
            assert_non_null(e);
            e->key = k;
            live[k] = true;
        }
        if (step % 997 == 0)
            check(&t, live);
    }
    check(&t, live);
    assert_true(t.evictions > 0);
    ctab_free(&t);
}

/* Keep what explains: a full table gives up the oldest entry that explains
 * nothing among its CTAB_EVICT_SCAN oldest, the oldest only when all of them
 * explain something (and counts that). */
static bool odd_explains(const void *entry)
{
    return ((const struct ent *)entry)->key % 2 == 1;
}

static void test_keep(void **state)
{
    struct ctab t;
    struct ent *e;
    (void)state;

    assert_int_equal(ctab_init(&t, 4, sizeof(struct ent), NULL, NULL), 0);
    ctab_set_keep(&t, odd_explains);
    for (uint64_t k = 1; k <= 4; k++)
        ((struct ent *)ctab_insert(&t, k))->key = k;
    ((struct ent *)ctab_insert(&t, 5))->key = 5;       /* evicts 2, not 1 */
    assert_non_null(ctab_find(&t, 1));
    assert_null(ctab_find(&t, 2));
    ((struct ent *)ctab_insert(&t, 7))->key = 7;       /* evicts 4 */
    assert_null(ctab_find(&t, 4));
    assert_int_equal(t.evicted_explaining, 0);
    ((struct ent *)ctab_insert(&t, 9))->key = 9;       /* all explain: the oldest, 1 */
    assert_null(ctab_find(&t, 1));
    e = ctab_find(&t, 3);
    assert_non_null(e);
    assert_int_equal(t.evictions, 3);
    assert_int_equal(t.evicted_explaining, 1);
    ctab_free(&t);

    /* evidence at the front (20 explaining, the oldest) does not shield the
     * healthy entries behind it: it goes to the back, and healthy ones are
     * given up (at most one piece of evidence lost, when 16 in a row at the
     * front all explain something) */
    assert_int_equal(ctab_init(&t, 40, sizeof(struct ent), NULL, NULL), 0);
    ctab_set_keep(&t, odd_explains);
    for (uint64_t k = 1; k <= 40; k++)
        ((struct ent *)ctab_insert(&t, k <= 20 ? 2 * k - 1 : 2 * k))->key = k <= 20 ? 2 * k - 1 : 2 * k;
    for (uint64_t k = 100; k < 120; k++)
        ((struct ent *)ctab_insert(&t, 2 * k))->key = 2 * k;
    assert_int_equal(t.evictions, 20);
    assert_true(t.evicted_explaining <= 1);
    {
        int kept = 0;
        for (uint64_t k = 1; k <= 39; k += 2)
            kept += ctab_find(&t, k) != NULL;
        assert_true(kept >= 19);
    }
    ctab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_churn),
        cmocka_unit_test(test_keep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
