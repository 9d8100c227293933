/*
 * brute_force.c — kind brute_force: many failed authentications (retries
 * with credentials refused) from one source, or against one username from
 * anywhere, within a short window: BRUTE_FAILS within BRUTE_WINDOW_US.
 * A PBX with a wrong password retrying every minute stays below this and
 * is auth_rejected only. Reads KEV_AUTH_OUTCOME. Thread: analysis.
 */
#include "correlate.h"

#define BRUTE_FAILS 10
#define BRUTE_WINDOW_US (60LL * 1000000)

_Static_assert(BRUTE_FAILS <= SOURCE_FAILS, "the failure ring must hold the window");

static bool burst(const int64_t *ts, uint32_t n)
{
    uint32_t last = (n - 1) % SOURCE_FAILS, first = (n - BRUTE_FAILS) % SOURCE_FAILS;

    return n >= BRUTE_FAILS && ts[last] - ts[first] <= BRUTE_WINDOW_US;
}

static void cite(struct engine *e, struct finding *f, const int64_t *ts, const uint64_t *fr,
                 uint32_t n)
{
    for (uint32_t k = n - BRUTE_FAILS; k < n; k++)
        finding_cite(&e->findings, f, fr[k % SOURCE_FAILS], ts[k % SOURCE_FAILS],
                     "auth refused", NULL);
}

static void on_event(struct engine *e, const struct kind_event *ev)
{
    char who[128];
    struct finding *f;

    if (ev->type != KEV_AUTH_OUTCOME || ev->ax == NULL || ev->ax->state != AUTH_REJECTED)
        return;
    if (ev->source != NULL && burst(ev->source->fail_ts, ev->source->fail_n)) {
        addr_str(&ev->source->ip, who, sizeof(who));
        f = engine_raise(e, "brute_force", SEV_ERROR, who, ev->m->ts_us, ev->peer);
        if (f != NULL) {
            finding_summary(f, "%s failed authentication %u times, %d within 60 s: password "
                               "guessing", who, ev->source->fail_n, BRUTE_FAILS);
            cite(e, f, ev->source->fail_ts, ev->source->fail_frame, ev->source->fail_n);
            finding_cause(f, "an attacker guessing passwords (often after a scan)");
            finding_cause(f, "a misconfigured device retrying a wrong password in a loop");
            finding_fix(f, "Block %s at the firewall; allow SIP only from known addresses",
                        who);
            finding_fix(f, "Use long random SIP passwords; enable fail2ban or the PBX's "
                           "own auth-failure ban");
        }
    }
    if (ev->ident != NULL && burst(ev->ident->fail_ts, ev->ident->fail_n) &&
        ev->ident->n_src > 1) {
        findings_fmt(who, sizeof(who), "user %s", ev->ident->name);
        f = engine_raise(e, "brute_force", SEV_ERROR, who, ev->m->ts_us, ev->peer);
        if (f != NULL) {
            finding_summary(f, "%s failed authentication %u times from %u addresses: "
                               "password guessing against one account", who,
                            ev->ident->fail_n, (unsigned)ev->ident->n_src);
            cite(e, f, ev->ident->fail_ts, ev->ident->fail_frame, ev->ident->fail_n);
            finding_cause(f, "a distributed password-guessing attack on this username");
            finding_fix(f, "Change the password of %s to a long random one; restrict SIP "
                           "to known addresses", ev->ident->name);
        }
    }
}

const struct kind kind_brute_force = { "brute_force", on_event, NULL };
