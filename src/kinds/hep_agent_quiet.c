/*
 * hep_agent_quiet.c — kind hep_agent_quiet: a --hep-in capture agent that
 * was sending stopped: no record of it passed the gate (lengths, key) for
 * caps.hep_quiet_ms (--hep-quiet, [hep_in] quiet; default 300 s). Not a
 * fault of the SIP: of the collection. What the agent's site exchanged
 * from then on is missing, so every verdict about that site is incomplete
 * from the agent's last record; the finding says so and names it (capture
 * id and source address, transport, records sent, last seen, how long
 * silent). It is the collector's own keep-alive of its agents: HEP has none,
 * so the silence of SIP itself is the signal, and the threshold must exceed
 * the quietest site's normal gap (its registration refresh or OPTIONS
 * interval; docs/findings.md).
 *
 * Cleared when the agent sends again: the finding stays, as history (the
 * verdict for the site misses that interval), lowered to info with the
 * interval in its summary, so neither the exit status nor the diagnosis
 * counts it any more, and alerts emit "recovered". A second silence raises
 * it again (warning, count 2).
 *
 * Only records that passed the gate count as sending (run_agent.last_ok_us):
 * a keyless or spoofed record carrying the agent's capture id and address
 * cannot keep a dead agent "alive" when a key is set.
 *
 * Flow: pipeline.c (live --hep-in, about once a second) → engine_hep_agents
 * → KEV_HEP_AGENTS → here. Clock: the collector's wall clock (the agents'
 * clocks may be skewed). Thread: the analysis thread. State: the agents
 * currently quiet, at most RUN_MAX_AGENTS (the receiver's table size).
 */
#include <string.h>
#include <time.h>

#include "correlate/correlate.h"

struct quiet_agent {
    bool used;
    uint32_t capid;
    struct addr ip;
    int64_t since_us;       /* its last record before the silence */
};

struct quiet_own {
    struct quiet_agent q[RUN_MAX_AGENTS];
};

static void hms(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        findings_fmt(buf, len, "%lld s", (long long)(us / 1000000));
}

static void entity_of(const struct run_agent *a, char *buf, size_t len)
{
    char ip[ADDR_STRLEN];

    addr_str(&a->ip, ip, sizeof(ip));
    findings_fmt(buf, len, "HEP agent %u at %s", (unsigned)a->capid, ip);
}

static struct quiet_agent *find(struct quiet_own *o, const struct run_agent *a)
{
    for (size_t i = 0; i < RUN_MAX_AGENTS; i++)
        if (o->q[i].used && o->q[i].capid == a->capid && addr_eq(&o->q[i].ip, &a->ip))
            return &o->q[i];
    return NULL;
}

/* A free slot, else the one quiet longest (an agent the receiver's table
 * evicted while silent keeps its finding; only this record is reused). */
static struct quiet_agent *slot(struct quiet_own *o)
{
    struct quiet_agent *old = &o->q[0];

    for (size_t i = 0; i < RUN_MAX_AGENTS; i++) {
        if (!o->q[i].used)
            return &o->q[i];
        if (o->q[i].since_us < old->since_us)
            old = &o->q[i];
    }
    return old;
}

static void quiet(struct kind_ctx *k, const struct run_agent *a, int64_t now, int64_t quiet_us,
                  bool fresh)
{
    char entity[128], last[40];
    struct finding *f;

    entity_of(a, entity, sizeof(entity));
    if (fresh)
        f = kind_raise(k, KIND_HEP_AGENT_QUIET, SEV_WARNING, entity, a->last_ok_us, NULL);
    else
        f = findings_find(k->fs, KIND_HEP_AGENT_QUIET, entity);
    if (f == NULL)
        return;
    if (now > f->f.last_us)
        f->f.last_us = now;
    finding_about(f, &a->ip, NULL);
    f->f.site_id = a->capid;
    hms(a->last_ok_us, last, sizeof(last));
    /* the verdict first after the name: SNAP_TEXT cuts the end (IPv6) */
    finding_summary(f, "%s (%s) quiet for %lld s (threshold %lld s) after %llu record(s): "
                       "the verdict for site %u is incomplete from %s, its last record",
                    entity, transport_name(a->transport),
                    (long long)((now - a->last_ok_us) / 1000000),
                    (long long)(quiet_us / 1000000), (unsigned long long)a->packets,
                    (unsigned)a->capid, last);
    if (!fresh || f->f.count > 1)
        return;
    finding_cause(f, "what the site exchanged since its last record is not in this "
                     "collector: the agent stopped (Kamailio, Asterisk, heplify or captagent "
                     "down, or restarted without its HEP set-up)");
    finding_cause(f, "the path from the agent is broken (a firewall, a route, a TLS "
                     "certificate that no longer verifies, a key that was changed)");
    finding_cause(f, "the site has no SIP at all right now: no calls, no registrations, no "
                     "keep-alives (then raise the threshold above its quietest gap)");
    finding_fix(f, "Check %s: is it running and still sending HEP to this collector, with "
                   "the key --hep-key-file expects?", entity);
    finding_fix(f, "The refusals per agent (hep_in.refused.*, the agents table) tell a wrong "
                   "key or an address outside --hep-allow from a silent agent");
}

static void resumed(struct kind_ctx *k, const struct run_agent *a, const struct quiet_agent *q)
{
    char entity[128], from[40], to[40];
    struct finding *f;

    entity_of(a, entity, sizeof(entity));
    f = findings_find(k->fs, KIND_HEP_AGENT_QUIET, entity);
    if (f == NULL)
        return;
    hms(q->since_us, from, sizeof(from));
    hms(a->last_ok_us, to, sizeof(to));
    finding_summary(f, "%s (%s) was silent for %lld s, from %s to %s, and is sending again: "
                       "the verdict for site %u misses that interval",
                    entity, transport_name(a->transport),
                    (long long)((a->last_ok_us - q->since_us) / 1000000), from, to,
                    (unsigned)a->capid);
    /* cleared: history, not a present fault (kind_meta: info once resumed) */
    f->f.severity = SEV_INFO;
    if (a->last_ok_us > f->f.last_us)
        f->f.last_us = a->last_ok_us;
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    struct quiet_own *o = k->own;

    if (ev->type != KEV_HEP_AGENTS)
        return;
    for (uint32_t i = 0; i < ev->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *a = &ev->agents[i];
        struct quiet_agent *q = find(o, a);

        if (q != NULL) {
            if (a->last_ok_us > q->since_us) {
                resumed(k, a, q);
                q->used = false;
            } else {
                quiet(k, a, ev->agents_now_us, ev->quiet_us, false);
            }
            continue;
        }
        /* It must have sent (a record that passed the gate), then nothing. */
        if (ev->quiet_us <= 0 || a->last_ok_us == 0 ||
            ev->agents_now_us - a->last_ok_us < ev->quiet_us)
            continue;
        q = slot(o);
        *q = (struct quiet_agent){ true, a->capid, a->ip, a->last_ok_us };
        quiet(k, a, ev->agents_now_us, ev->quiet_us, true);
    }
}

const struct kind kind_hep_agent_quiet = {
    KIND_HEP_AGENT_QUIET, sizeof(struct quiet_own),
                                           on_event, NULL,
    KEV_BIT(KEV_HEP_AGENTS)
};
