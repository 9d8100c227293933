/*
 * brute_force.c — kind brute_force: many failed authentications (retries
 * with credentials refused) from one source, or against one username from
 * several addresses, within a short window: BRUTE_FAILS within
 * BRUTE_WINDOW_US. A PBX with a wrong password retrying every minute stays
 * below this and is auth_rejected only. Reads KEV_AUTH_OUTCOME.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

#define BRUTE_FAILS 10
#define BRUTE_WINDOW_US (60LL * 1000000)

_Static_assert(BRUTE_FAILS <= SOURCE_FAILS, "the failure ring must hold the window");

/* The kind's own state: the entity raised per source (source key), so
 * each later refusal from it is more evidence on the same finding.
 * Direct-mapped; a slot taken by another source falls back to the store
 * (the finding's ctx is its source key). */
#define BRUTE_SLOTS 256
struct brute_own {
    struct brute_slot { uint64_t src_key; char entity[128]; } slot[BRUTE_SLOTS];
};

/* The finding already raised for source s, or NULL; *known tells whether
 * it was raised at all (false: look for a burst). */
static struct finding *raised_for(struct kind_ctx *k, const struct source *s, bool *known)
{
    const struct brute_slot *sl = &((struct brute_own *)k->own)->slot[s->key % BRUTE_SLOTS];

    *known = false;
    if (sl->src_key == s->key) {
        *known = true;
        return findings_find(k->fs, KIND_BRUTE_FORCE, sl->entity);
    }
    if (sl->src_key == 0)
        return NULL;
    for (struct finding *f = findings_first(k->fs); f; f = findings_next(k->fs, f))
        if (f->f.kind_id == KIND_BRUTE_FORCE && f->ctx == s->key) {
            *known = true;
            return f;
        }
    return NULL;
}

static bool burst(const int64_t *ts, uint32_t n)
{
    uint32_t last = (n - 1) % SOURCE_FAILS, first = (n - BRUTE_FAILS) % SOURCE_FAILS;

    return n >= BRUTE_FAILS && ts[last] - ts[first] <= BRUTE_WINDOW_US;
}

static void by_source(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct source *s = ev->source;
    const struct auth_ex *ax = ev->ax;
    char ip[ADDR_STRLEN], role[40];
    struct brute_slot *sl = &((struct brute_own *)k->own)->slot[s->key % BRUTE_SLOTS];
    struct finding *f;
    uint32_t from;
    bool known;

    f = raised_for(k, s, &known);
    if (known) {
        /* already raised: every further refusal is more evidence */
        if (f == NULL)
            return;
        f->f.count++;
        f->f.last_us = ev->m->ts_us;
        finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                     ax->retry_line);
        engine_status_role(ax->outcome_line, role, sizeof(role));
        finding_cite(k->fs, f, ax->outcome_frame, ax->outcome_us, role, ax->outcome_line);
        return;
    }
    if (!burst(s->fail_ts, s->fail_n))
        return;
    sl->src_key = s->key;
    engine_entity(sl->entity, sizeof(sl->entity), ax->username, &s->ip, &ax->server.ip);
    f = kind_raise(k, KIND_BRUTE_FORCE, SEV_ERROR, sl->entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    f->ctx = s->key;
    finding_about(f, &s->ip, &ax->server.ip);
    addr_str(&s->ip, ip, sizeof(ip));
    f->f.count = s->fail_n;
    finding_summary(f, "%s failed authentication %d times within 60 s: password guessing",
                    ip, BRUTE_FAILS);
    /* every failure still in the ring, oldest first */
    from = s->fail_n > SOURCE_FAILS ? s->fail_n - SOURCE_FAILS : 0;
    for (uint32_t j = from; j < s->fail_n; j++) {
        finding_cite(k->fs, f, s->fail_retry[j % SOURCE_FAILS], 0,
                     "retry with credentials", NULL);
        finding_cite(k->fs, f, s->fail_frame[j % SOURCE_FAILS], s->fail_ts[j % SOURCE_FAILS],
                     "auth refused", NULL);
    }
    finding_cause(f, "an attacker guessing passwords (often after a scan)");
    finding_cause(f, "a misconfigured device retrying a wrong password in a tight loop");
    finding_fix(f, "Block %s at the firewall; allow SIP only from known addresses", ip);
    finding_fix(f, "Use long random SIP passwords; enable fail2ban or the PBX's own "
                   "auth-failure ban (on refused credentials, not on first challenges)");
}

static void by_user(struct kind_ctx *k, const struct kind_event *ev)
{
    char who[160];
    struct finding *f;

    if (ev->ident == NULL || ev->ident->n_src < 2 ||
        !burst(ev->ident->fail_ts, ev->ident->fail_n))
        return;
    findings_fmt(who, sizeof(who), "user %s", ev->ident->name);
    f = kind_raise(k, KIND_BRUTE_FORCE, SEV_ERROR, who, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "%s failed authentication %u times from %u addresses: password guessing "
                       "against one account", who, ev->ident->fail_n,
                    (unsigned)ev->ident->n_src);
    for (uint32_t j = ev->ident->fail_n - BRUTE_FAILS; j < ev->ident->fail_n; j++)
        finding_cite(k->fs, f, ev->ident->fail_frame[j % SOURCE_FAILS],
                     ev->ident->fail_ts[j % SOURCE_FAILS], "auth refused", NULL);
    finding_cause(f, "a distributed password-guessing attack on this username");
    finding_fix(f, "Change the password of %s to a long random one; restrict SIP to known "
                   "addresses", ev->ident->name);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    if (ev->type != KEV_AUTH_OUTCOME || ev->ax == NULL || ev->ax->state != AUTH_REJECTED)
        return;
    if (ev->source != NULL)
        by_source(k, ev);
    by_user(k, ev);
}

const struct kind kind_brute_force = { KIND_BRUTE_FORCE, sizeof(struct brute_own), on_event,
                                         NULL };
