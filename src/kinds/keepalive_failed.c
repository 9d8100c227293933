/*
 * keepalive_failed.c — kind keepalive_failed: a peer's OPTIONS keep-alives
 * (RFC 3261 §11) went unanswered (timer F, 32 s, §17.1.2.2) or were answered
 * 408/5xx: the trunk was unreachable for a while. The summary gives the
 * ping interval, answer rate, each outage (start, end, duration) and when
 * it was detected; evidence cites the last answer before, the first lost
 * ping and the first answer after each outage. Feeds the keep-alive series
 * of src/correlate/keepalive.c, which the engine feeds from OPTIONS
 * transactions (ev->ka); this kind only reports. Severity: an error when
 * requests sent meanwhile failed (a ping's timer F fired with nothing
 * answered since, or the pings were answered 408/5xx); a warning when
 * every outage was pings lost between answered
 * ones, each shorter than timer F: a request sent then was retransmitted
 * (timers A/E) and answered within its 32 s, so it cost delay, not calls,
 * and must not rank above a cause that does. Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"
#include "correlate/keepalive.h"
#include "correlate/nat.h"

/* Whether requests sent during s's outages failed (see the top). An
 * outage of pings lost between answered ones is shorter than timer F by
 * construction (a later answer came before the first lost ping's timer F;
 * keepalive.c outage_before). */
static enum severity severity_of(const struct ka_series *s)
{
    return s->went_down || s->failed > 0 ? SEV_ERROR : SEV_WARNING;
}

static void report(struct kind_ctx *k, const struct ka_series *s, const struct peer *p, int64_t ts)
{
    char c[ADDR_STRLEN], sv[ADDR_STRLEN], entity[128], outs[SNAP_TEXT], line[160], geo[32];
    int64_t t0 = k->v->first_us;
    struct finding *f;
    uint32_t done = s->answered + s->failed + s->lost;

    if (s->pings < KA_MIN_PINGS || (s->n_out == 0 && s->more_out == 0))
        return;
    addr_str(&s->client.ip, c, sizeof(c));
    addr_str(&s->server.ip, sv, sizeof(sv));
    findings_fmt(entity, sizeof(entity), "%s to %s", c, sv);
    f = kind_raise(k, KIND_KEEPALIVE_FAILED, severity_of(s), entity, ts, p);
    if (f == NULL)
        return;
    finding_about(f, &s->client.ip, &s->server.ip);
    f->f.count = s->n_out + s->more_out;
    ka_outages_text(k->v->ka, s, t0, outs, sizeof(outs));
    finding_summary(f, "OPTIONS keep-alives from %s to %s%s: %u sent, one every %.1f s, %u%% "
                       "answered, %u lost, %u failed; outage%s %s after the capture start; now %s",
                    c, sv, nat_geo(k->v->geoip, &s->server.ip, geo, sizeof(geo)), s->pings,
                    (double)ka_interval(s) / 1e6,
                    done ? (unsigned)((200ull * s->answered + done) / (2ull * done)) : 0,
                    s->lost, s->failed,
                    s->n_out + s->more_out > 1 ? "s" : "", outs, s->down ? "down" : "up");
    finding_cite(k->fs, f, s->first_frame, s->first_us, "first keepalive", NULL);
    for (uint32_t i = 0; i < s->n_out; i++) {
        struct ka_outage ob;
        const struct ka_outage *o = ka_outage_at(k->v->ka, s, i, &ob);
        if (o->last_ok_frame != 0)
            finding_cite(k->fs, f, o->last_ok_frame, o->last_ok_us,
                         "last answer before outage", NULL);
        if (o->fail_status)
            findings_fmt(line, sizeof(line), "outage starts at %.1f s: answered %d",
                         (double)(o->start_us - t0) / 1e6, o->fail_status);
        else if (o->by_later_answer)
            findings_fmt(line, sizeof(line), "outage starts at %.1f s: %u ping(s) got no "
                         "answer before a later one did", (double)(o->start_us - t0) / 1e6,
                         o->pings);
        else
            findings_fmt(line, sizeof(line), "outage starts at %.1f s, detected at %.1f s "
                         "(timer F: 32 s)", (double)(o->start_us - t0) / 1e6,
                         (double)(o->detect_us - t0) / 1e6);
        finding_cite(k->fs, f, o->start_frame, o->start_us,
                     o->fail_status ? "first failed keepalive" : "first unanswered keepalive",
                     line);
        if (o->end_us != 0) {
            findings_fmt(line, sizeof(line), "outage ends at %.1f s after %.1f s",
                         (double)(o->end_us - t0) / 1e6,
                         (double)(o->end_us - o->start_us) / 1e6);
            finding_cite(k->fs, f, o->end_ping_frame, o->end_ping_us,
                         "keepalive answered after outage", NULL);
            finding_cite(k->fs, f, o->end_frame, o->end_us, "answer after outage", line);
        }
    }
    if (s->non2xx_frame != 0) {
        findings_fmt(line, sizeof(line), "OPTIONS answered %d", s->non2xx_status);
        finding_cite(k->fs, f, s->non2xx_frame, 0, "non-2xx answer", line);
    }
    if (!finding_new(f))
        return;
    if (ka_interval(s) > 0 && ka_interval(s) < 10 * 1000000LL)
        finding_cause(f, "the PBX pings every %.1f s: providers limit keep-alive rates (Twilio: "
                         "at most one OPTIONS every 10-15 s) and may block the source",
                      (double)ka_interval(s) / 1e6);
    finding_cause(f, "the trunk or the path to it was down, or a firewall/NAT dropped the "
                     "pings (an expired UDP mapping, a rate limit, a blocked source)");
    finding_cause(f, "the carrier rate-limits or bans sources that ping too often");
    finding_fix(f, "Check the firewall/NAT logs and the carrier's status for the outage times "
                   "above; calls placed then failed or went to another trunk");
    finding_fix(f, "Keep pinging every 15-30 s (not faster) and fail over to a second edge or "
                   "trunk while the peer is down");
    kind_provider_fix(k, f, p, KIND_KEEPALIVE_FAILED);
}

/* The engine fed the series (correlate/engine.c keepalive_of); a result
 * that opened or closed an outage, or a failing answer, is reported. */
static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    if (ev->ka != NULL && ev->ka_changed)
        report(k, ev->ka, ev->peer, ev->type == KEV_FINAL && ev->m != NULL ? ev->m->ts_us
                                                                           : k->v->now_us);
}

/* Series that reached KA_MIN_PINGS only after their outage opened. */
static void on_finish(struct kind_ctx *k)
{
    if (k->v->ka == NULL)
        return;
    for (const struct ka_series *s = ctab_first(&k->v->ka->series); s;
         s = ctab_next(&k->v->ka->series, s))
        if (s->n_out > 0 || s->more_out > 0)
            report(k, s, corr_peer(k->v, peer_key_of(k->v->peers, &s->client.ip, &s->server.ip)),
                   s->last_us);
}

const struct kind kind_keepalive_failed = {
    KIND_KEEPALIVE_FAILED, 0, on_event, on_finish,
    KEV_BIT(KEV_FINAL) | KEV_BIT(KEV_TIMEOUT) | KEV_BIT(KEV_UNANSWERED)
};
