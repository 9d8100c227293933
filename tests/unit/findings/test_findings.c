/*
 * test_findings.c — the finding store and the kind table: every kind the
 * engine runs has metadata (name, rank), names map back to their enum,
 * findings get stable ids in creation order ("F1", "F2"...) that the
 * snapshot carries, and dedup is by (kind enum, entity).
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "correlate/correlate.h"
#include "findings/findings.h"
#include "findings/kind_meta.h"

static void test_kind_table(void **state)
{
    (void)state;
    for (size_t i = 0; kinds_table[i] != NULL; i++) {
        const struct kind_meta *m = kind_meta(kinds_table[i]->id);
        assert_int_equal(m->id, kinds_table[i]->id);
        assert_true(m->name[0] != '\0');
        assert_true(m->rank > 0);
        assert_int_equal(kind_from_name(m->name), m->id);
    }
    assert_int_equal(kind_from_name("no_such_kind"), KIND_NONE);
    assert_int_equal(kind_from_name(NULL), KIND_NONE);
    assert_string_equal(kind_name((enum kind_id)999), "");
    /* a digest irregularity ranks below a plain credential refusal */
    assert_true(kind_meta(KIND_AUTH_REJECTED)->rank > kind_meta(KIND_DIGEST_MISMATCH)->rank);
    assert_true(kind_explains(KIND_WRONG_REGION, KIND_AUTH_REJECTED));
    assert_false(kind_explains(KIND_AUTH_REJECTED, KIND_WRONG_REGION));
}

static void test_stable_ids(void **state)
{
    struct findings fs;
    struct snapshot s;
    struct finding *a, *b;
    (void)state;

    assert_int_equal(findings_init(&fs, 8, 4), 0);
    assert_int_equal(snapshot_init(&s, 8, 1, 1, 1, 16, 1), 0);
    a = findings_raise(&fs, KIND_NO_RESPONSE, SEV_WARNING, "x to y:5060", 10);
    b = findings_raise(&fs, KIND_AUTH_REJECTED, SEV_ERROR, "x to y:5060", 20);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);     /* same entity, other kind: another finding */
    assert_ptr_equal(findings_raise(&fs, KIND_NO_RESPONSE, SEV_ERROR, "x to y:5060", 30), a);
    assert_ptr_equal(findings_find(&fs, KIND_AUTH_REJECTED, "x to y:5060"), b);
    findings_to_snapshot(&fs, &s);
    assert_int_equal(s.n_findings, 2);
    for (size_t i = 0; i < s.n_findings; i++) {
        const struct snap_finding *f = &s.findings[i];
        if (f->kind_id == KIND_NO_RESPONSE) {
            assert_string_equal(f->id, "F1");
            assert_string_equal(f->kind, "no_response");
        } else {
            assert_int_equal(f->kind_id, KIND_AUTH_REJECTED);
            assert_string_equal(f->id, "F2");
        }
    }
    snapshot_free(&s);
    findings_free(&fs);
}

/* Populations (issue 14): members counted exactly within the budget, every
 * kept one in the snapshot's full list (most attempts first), targets kept
 * apart; past the budget the attempts are counted as dropped and the
 * HyperLogLog estimate (marked) is near the true distinct count. */
static void test_population_members(void **state)
{
    struct findings fs;
    struct snapshot s;
    struct finding *f;
    char name[32];
    (void)state;

    assert_int_equal(findings_init_members(&fs, 8, 4, 100), 0);
    assert_int_equal(snapshot_init(&s, 8, 1, 1, 1, 16, 1), 0);
    assert_int_equal(snapshot_members_init(&s, 1000), 0);
    f = findings_raise(&fs, KIND_AUTH_REJECTED, SEV_ERROR, "pbx", 10);
    assert_true(findings_note_member(&fs, f, "users", "1001"));
    assert_false(findings_note_member(&fs, f, "users", "1001"));
    assert_true(findings_note_member_n(&fs, f, "users", "1002", 5));
    assert_int_equal(findings_member_count(&fs, f, "1002"), 5);
    assert_int_equal(findings_member_count(&fs, f, "1003"), 0);
    assert_true(findings_note_target(&fs, f, "1001@pbx"));
    assert_false(findings_note_target(&fs, f, "1001@pbx"));
    assert_int_equal(f->f.n_members, 2);
    assert_int_equal(f->f.members_dropped, 0);
    assert_int_equal(f->f.n_targets_all, 1);
    assert_string_equal(f->f.sample[0].name, "1002");
    findings_to_snapshot(&fs, &s);
    findings_members_to_snapshot(&fs, &s);
    assert_int_equal(s.n_members, 3);
    assert_string_equal(s.members[0].name, "1002");     /* most attempts first */
    assert_int_equal(s.members[0].role, SNAP_MEMBER_POPULATION);
    assert_string_equal(s.members[2].name, "1001@pbx");
    assert_int_equal(s.members[2].role, SNAP_MEMBER_TARGET);
    /* 2000 distinct members through a budget of 100 (3 used): an estimate */
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), "user%d", i);
        findings_note_member(&fs, f, "users", name);
    }
    assert_int_equal(f->f.n_members, 2 + 97);
    assert_true(f->f.members_dropped >= 2000 - 97);
    assert_true(f->f.n_estimate > 2000 * 80 / 100 && f->f.n_estimate < 2000 * 120 / 100);
    snapshot_free(&s);
    findings_free(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_table),
        cmocka_unit_test(test_stable_ids),
        cmocka_unit_test(test_population_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
