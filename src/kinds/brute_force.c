/*
 * brute_force.c — kind brute_force: many failed authentications (retries
 * with credentials refused) from one source, or against one username from
 * several addresses, within a short window: BRUTE_FAILS within
 * BRUTE_WINDOW_US. A PBX with a wrong password retrying every minute stays
 * below this and is auth_rejected only. Reads KEV_AUTH_OUTCOME.
 * By source: one population finding per attacked server (by_source); by
 * user: one finding per account attacked from several addresses.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

#define BRUTE_FAILS 10
#define BRUTE_WINDOW_US (60LL * 1000000)

_Static_assert(BRUTE_FAILS <= SOURCE_FAILS && BRUTE_FAILS <= IDENT_FAILS,
               "the failure rings must hold the window");

/* The population's entity and summary once it has more than one source:
 * "12 sources failed authentication ... against 192.0.2.10". */
static void pop_text(struct finding *f, const struct addr *server)
{
    char srv[ADDR_STRLEN], top[200] = "";
    const struct snap_finding *sf = &f->f;
    double span = (double)(sf->last_us - sf->first_us) / 1e6;
    char rate[64] = "";

    addr_str(server, srv, sizeof(srv));
    if (span >= 1)
        findings_fmt(rate, sizeof(rate), " over %.0f s, %.1f/s", span, (double)sf->count / span);
    findings_sample_text(sf, top, sizeof(top));
    findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s sources to %s",
                 (unsigned long long)sf->n_members, sf->members_dropped ? "+" : "", srv);
    finding_summary(f, "%llu%s sources each failed authentication %d or more times within 60 s "
                       "against %s: password guessing (%llu refusals on %llu account(s)%s); "
                       "most: %s",
                    (unsigned long long)(sf->members_dropped ? sf->n_estimate : sf->n_members),
                    sf->members_dropped ? " (estimate)" : "", BRUTE_FAILS, srv,
                    (unsigned long long)sf->count,
                    (unsigned long long)(sf->n_targets_all > sf->n_targets ? sf->n_targets_all
                                                                           : sf->n_targets),
                    rate, top);
}

/* The account a refused retry tried ("1001@pbx.example.com"). */
static void note_target(struct kind_ctx *k, struct finding *f, const struct auth_ex *ax)
{
    char acct[64];

    findings_fmt(acct, sizeof(acct), "%s@%s", ax->username[0] ? ax->username : "?",
                 ax->ruri_host[0] ? ax->ruri_host : ax->realm);
    findings_note_target(k->fs, f, acct);
}

/* The latest BRUTE_FAILS of n refusals (refusal j at ts[j % ring]) within
 * BRUTE_WINDOW_US. */
static bool burst(const int64_t *ts, uint32_t n, uint32_t ring)
{
    uint32_t last = (n - 1) % ring, first = (n - BRUTE_FAILS) % ring;

    return n >= BRUTE_FAILS && ts[last] - ts[first] <= BRUTE_WINDOW_US;
}

/*
 * One finding per attacked server (docs/findings.md "Populations"): its
 * members are the sources that made a burst, each counted with its
 * refusals; its targets the accounts tried. A source becomes a member at its
 * burst (BRUTE_FAILS refusals within BRUTE_WINDOW_US); every later refusal
 * of a member is more of the same attack.
 */
static void by_source(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct source *s = ev->source;
    const struct auth_ex *ax = ev->ax;
    struct source_fails sf;
    char ip[ADDR_STRLEN], role[40], key[128];
    struct finding *f;
    uint32_t from;

    addr_str(&s->ip, ip, sizeof(ip));
    engine_attack_key(key, sizeof(key), KIND_BRUTE_FORCE, &ax->server.ip);
    f = findings_find(k->fs, KIND_BRUTE_FORCE, key);
    if (f != NULL && findings_member_count(k->fs, f, ip) > 0) {
        /* already a member: every further refusal is more evidence */
        f->f.count++;
        if (ev->m->ts_us > f->f.last_us)
            f->f.last_us = ev->m->ts_us;
        findings_note_member(k->fs, f, "sources", ip);
        note_target(k, f, ax);
        finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                     ax->retry_line);
        engine_status_role(ax->outcome_line, role, sizeof(role));
        finding_cite(k->fs, f, ax->outcome_frame, ax->outcome_us, role, ax->outcome_line);
        if (f->f.n_members > 1)
            pop_text(f, &ax->server.ip);
        return;
    }
    source_fails(s, &sf);
    /* a refusal whose stamp is unknown (source_fails: frame 0) proves no window */
    if (!burst(sf.ts, s->fail_n, SOURCE_FAILS) || sf.frame[(s->fail_n - 1) % SOURCE_FAILS] == 0 ||
        sf.frame[(s->fail_n - BRUTE_FAILS) % SOURCE_FAILS] == 0)
        return;
    f = kind_raise(k, KIND_BRUTE_FORCE, SEV_ERROR, key, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    if (f->f.n_members == 0)
        f->f.count = 0;         /* kind_raise counted one: the burst counts itself */
    else
        f->f.count--;
    f->f.count += s->fail_n;
    findings_note_member_n(k->fs, f, "sources", ip, s->fail_n);
    note_target(k, f, ax);
    /* every failure still in the ring, oldest first */
    from = s->fail_n > SOURCE_FAILS ? s->fail_n - SOURCE_FAILS : 0;
    for (uint32_t j = from; j < s->fail_n; j++) {
        finding_cite(k->fs, f, sf.retry[j % SOURCE_FAILS], 0, "retry with credentials", NULL);
        finding_cite(k->fs, f, sf.frame[j % SOURCE_FAILS], sf.ts[j % SOURCE_FAILS],
                     "auth refused", NULL);
    }
    if (f->f.n_members > 1) {
        pop_text(f, &ax->server.ip);
        /* the first source's fix speaks for all of them now */
        if (f->f.n_fix > 0)
            findings_fmt(f->f.fix[0], sizeof(f->f.fix[0]), "Block the guessing sources at the "
                         "firewall (--report json lists every one); allow SIP only from known "
                         "addresses");
        return;
    }
    /* the first source of this server: the finding reads as its own */
    f->ctx = s->key;
    finding_about(f, &s->ip, &ax->server.ip);
    engine_entity(f->f.entity, sizeof(f->f.entity), ax->username, &s->ip, &ax->server.ip);
    finding_summary(f, "%s failed authentication %d times within 60 s: password guessing",
                    ip, BRUTE_FAILS);
    finding_cause(f, "an attacker guessing passwords (often after a scan)");
    finding_cause(f, "a misconfigured device retrying a wrong password in a tight loop");
    finding_fix(f, "Block %s at the firewall; allow SIP only from known addresses", ip);
    finding_fix(f, "Use long random SIP passwords; enable fail2ban or the PBX's own "
                   "auth-failure ban (on refused credentials, not on first challenges)");
}

/* A distributed attack on accounts: one finding per attacked server, its
 * members the accounts (user@host) that failed BRUTE_FAILS times within
 * BRUTE_WINDOW_US from several addresses. */
static void by_user(struct kind_ctx *k, const struct kind_event *ev)
{
    char who[160], key[128];
    struct ident_view iv;
    const struct ident_view *id = &iv;
    struct finding *f;
    bool fresh;

    if (ev->ident == NULL || ev->ident->n_src < 2)
        return;
    ident_read(k->v, ev->ident, &iv);
    /* a refusal whose stamp is unknown (ident_read: frame 0) proves no window */
    if (!burst(id->fail_ts, id->fail_n, IDENT_FAILS) ||
        id->fail_frame[(id->fail_n - 1) % IDENT_FAILS] == 0 ||
        id->fail_frame[(id->fail_n - BRUTE_FAILS) % IDENT_FAILS] == 0)
        return;
    {
        char srv[ADDR_STRLEN];
        findings_fmt(key, sizeof(key), "accounts attacked at %s",
                     addr_str(&ev->ax->server.ip, srv, sizeof(srv)));
    }
    f = kind_raise(k, KIND_BRUTE_FORCE, SEV_ERROR, key, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    fresh = findings_member_count(k->fs, f, id->name) == 0;
    findings_note_member(k->fs, f, "accounts", id->name);
    if (!fresh)
        return;
    findings_note_target(k->fs, f, id->name);
    findings_fmt(who, sizeof(who), "user %s", id->name);
    for (uint32_t j = id->fail_n - BRUTE_FAILS; j < id->fail_n; j++)
        finding_cite(k->fs, f, id->fail_frame[j % IDENT_FAILS], id->fail_ts[j % IDENT_FAILS],
                     "auth refused", NULL);
    if (f->f.n_members > 1) {
        char srv[ADDR_STRLEN];
        addr_str(&ev->ax->server.ip, srv, sizeof(srv));
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s accounts at %s",
                     (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "", srv);
        finding_summary(f, "%llu%s accounts each failed authentication %d or more times within "
                           "60 s from several addresses: distributed password guessing "
                           "(latest: %s)", (unsigned long long)f->f.n_members,
                        f->f.members_dropped ? "+" : "", BRUTE_FAILS, id->name);
        finding_fix(f, "Change the passwords of the accounts listed (--report json) to long "
                       "random ones; restrict SIP to known addresses");
        return;
    }
    findings_fmt(f->f.entity, sizeof(f->f.entity), "%s", who);
    finding_summary(f, "%s failed authentication %u times from %u addresses: password guessing "
                       "against one account", who, id->fail_n, (unsigned)id->n_src);
    finding_cause(f, "a distributed password-guessing attack on this username");
    finding_fix(f, "Change the password of %s to a long random one; restrict SIP to known "
                   "addresses", id->name);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    if (ev->type != KEV_AUTH_OUTCOME || ev->ax == NULL || ev->ax->state != AUTH_REJECTED)
        return;
    if (ev->source != NULL)
        by_source(k, ev);
    by_user(k, ev);
}

const struct kind kind_brute_force = {
    KIND_BRUTE_FORCE, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_OUTCOME)
};
