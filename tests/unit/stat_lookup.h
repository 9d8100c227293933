/*
 * stat_lookup.h — find one named counter in a module's stats walk (tests).
 * Use: struct stat_q q = STAT_Q("reasm_ip.timeouts"); X_stats(obj, stat_cb, &q);
 */
#ifndef SIPSCOPE_STAT_LOOKUP_H
#define SIPSCOPE_STAT_LOOKUP_H

#include <stdint.h>
#include <string.h>

struct stat_q {
    const char *name;
    uint64_t v, errsum;
    int found;
};

#define STAT_Q(n) { (n), 0, 0, 0 }

static void stat_cb(void *ud, const char *name, uint64_t v)
{
    struct stat_q *q = ud;
    if (q->name != NULL && strcmp(name, q->name) == 0) {
        q->v = v;
        q->found = 1;
    }
    /* Every decode.* counter but the two totals names a drop reason. */
    if (strncmp(name, "decode.", 7) == 0 && strcmp(name, "decode.packets") != 0 &&
        strcmp(name, "decode.payloads") != 0)
        q->errsum += v;
}

/* The counter's value; fails the test when no counter has that name. */
#define STAT_GET(walk, obj, n)                                  \
    ({                                                          \
        struct stat_q q_ = STAT_Q(n);                           \
        walk((obj), stat_cb, &q_);                              \
        if (!q_.found)                                          \
            fail_msg("no counter named %s", (n));               \
        q_.v;                                                   \
    })

#endif
