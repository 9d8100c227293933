/*
 * no_response.c — kind no_response: requests retransmitted until timer B/F
 * (64*T1 = 32 s of capture time) with no response at all (error), or still
 * unanswered, after retransmissions, when the capture ended (warning: the
 * capture may have stopped early, so these are "unanswered", not
 * timeouts). Scanners' unanswered probes are not counted. Reads
 * KEV_TIMEOUT / KEV_UNANSWERED. Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

/* The host answered other messages of the dialog (before or after this
 * request): say so, cite its answers, and never say "never". f->tag holds
 * the method (low byte) and the copies sent, so on_finish can redo it. */
static void answered_summary(struct kind_ctx *k, struct finding *f, const struct addr *dst,
                             const struct dialog_resp *r)
{
    char s[ADDR_STRLEN];
    bool late = r->last_us > f->ctx_us;

    addr_str(dst, s, sizeof(s));
    finding_summary(f, "%s %s: %s sent %u time(s) got no answer that matched it, although "
                       "%s answered %u message(s) of the same call (frames %llu-%llu)",
                    s, late ? "answers late" : "stopped answering",
                    sip_method_name((enum sip_method)(f->tag & 0xff)), f->tag >> 8, s, r->n,
                    (unsigned long long)r->first_frame, (unsigned long long)r->last_frame);
    finding_cite(k->fs, f, r->first_frame, r->first_us, "answer from the same host",
                 NULL);
    if (r->last_frame != r->first_frame)
        finding_cite_latest(k->fs, f, r->last_frame, r->last_us,
                            "latest answer from the same host", NULL);
}

static void answered_in_dialog(struct kind_ctx *k, struct finding *f, const struct txn *t,
                               const struct dialog_resp *r)
{
    f->tag = (uint32_t)(t->method & 0xff) | (t->retrans + 1) << 8;
    f->ctx_dst = t->dst.ip;
    answered_summary(k, f, &t->dst.ip, r);
    finding_cause(f, "the answer came after the retransmissions, or did not match the request "
                     "(a Via sent-by or branch the far end changed, RFC 3261 §17.1.3)");
    finding_cause(f, "the far end is up and reachable: it answered %u message(s) of this call",
                  r->n);
    finding_fix(f, "Compare the request's Via with the far end's answers in the call flow; "
                   "check for a SIP ALG or SBC that rewrites Via");
}

/* What host dst sent to the other side of peer p: any response means it
 * is alive and reachable from there, so it does not "never answer"
 * (docs/findings.md: never contradict the wire). NULL when none. */
static const struct peer_side *answered_others(const struct peer *p, const struct addr *dst)
{
    const struct peer_side *sd;

    if (p == NULL || (!addr_eq(dst, &p->a) && !addr_eq(dst, &p->b)))
        return NULL;
    sd = &p->side[peer_side_of(p, dst)];
    return sd->responses > 0 ? sd : NULL;
}

static void answered_other_summary(struct kind_ctx *k, struct finding *f,
                                   const struct peer_side *sd)
{
    char s[ADDR_STRLEN], c[ADDR_STRLEN];

    addr_str(&f->ctx_dst, s, sizeof(s));
    addr_str(&f->f.client_ip, c, sizeof(c));
    if (f->f.severity > SEV_WARNING)
        f->f.severity = SEV_WARNING;
    finding_summary(f, "%s did not answer this %s (sent %u time(s)), although it answered %llu "
                       "other message(s) from %s (frames %llu-%llu): lost, late or unmatched, "
                       "not a dead host", s, sip_method_name((enum sip_method)(f->tag & 0xff)),
                    f->tag >> 8, (unsigned long long)sd->responses, c,
                    (unsigned long long)sd->first_resp_frame,
                    (unsigned long long)sd->last_resp_frame);
    finding_cite(k->fs, f, sd->first_resp_frame, sd->first_resp_us, "answer from the same host",
                 NULL);
    if (sd->last_resp_frame != sd->first_resp_frame)
        finding_cite_latest(k->fs, f, sd->last_resp_frame, sd->last_resp_us,
                            "latest answer from the same host", NULL);
    finding_cause(f, "the far end is up and reachable: it answered %llu other message(s) of "
                     "this client", (unsigned long long)sd->responses);
    finding_fix(f, "Compare this request with the ones the far end answered (destination "
                   "port, transport, Via, Request-URI) in the call flow");
}

/* Answers that came after the finding was raised (a timer F expiry is
 * decided at +32 s, the answer may come later): "answers late", with every
 * answer of the call counted. */
static void on_finish(struct kind_ctx *k)
{
    for (struct finding *f = findings_first(k->fs); f;
         f = findings_next(k->fs, f)) {
        const struct dialog_resp *r;
        if (f->f.kind_id != KIND_NO_RESPONSE || f->ctx == 0)
            continue;
        r = dialog_responder(k->v->dialogs, f->ctx, &f->ctx_dst);
        if (r == NULL) {
            /* the host's answers to this client, counted to the end */
            const struct peer_side *sd = answered_others(corr_peer(k->v, f->peer_key),
                                                         &f->ctx_dst);
            if (sd != NULL)
                answered_other_summary(k, f, sd);
            continue;
        }
        if (r->last_us <= f->ctx_us)
            continue;
        if (f->f.severity > SEV_WARNING)
            f->f.severity = SEV_WARNING;
        answered_summary(k, f, &f->ctx_dst, r);
    }
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    char entity[128], c[ADDR_STRLEN], s[ADDR_STRLEN];
    struct finding *f;
    bool timeout = ev->type == KEV_TIMEOUT;
    const struct dialog_resp *resp;
    const struct peer_side *alive;

    if ((ev->type != KEV_TIMEOUT && ev->type != KEV_UNANSWERED) || t == NULL)
        return;
    if (t->first_resp_frame != 0)
        return;     /* something came back: not silence */
    /* Over UDP a stack that got nothing retransmits (timer A/E); a single
     * copy with no answer is more likely a one-sided capture. Reliable
     * transports do not retransmit, so one copy is enough there. */
    if (ev->source != NULL && ev->source->scanner_ua)
        return;
    addr_str(&t->src.ip, c, sizeof(c));
    addr_str(&t->dst.ip, s, sizeof(s));
    findings_fmt(entity, sizeof(entity), "%s to %s:%u", c, s, (unsigned)t->dst.port);
    /* one copy over TCP/TLS that the capture ended on may simply have had
     * its answer cut off: it counts once the capture outlived it by 8*T1 */
    if (!timeout && t->retrans == 0 && t->transport != TRANSPORT_UDP &&
        t->transport != TRANSPORT_UNKNOWN && k->v->now_us - t->first_us < 8 * CORR_T1_US)
        return;
    if (t->retrans == 0 && (t->transport == TRANSPORT_UDP || t->transport == TRANSPORT_UNKNOWN)) {
        /* alone it proves nothing; next to a server already silent, it is
         * one more request that got nothing back */
        f = findings_find(k->fs, KIND_NO_RESPONSE, entity);
        if (f != NULL)
            finding_cite(k->fs, f, t->frame, t->first_us, "unanswered", t->req_line);
        return;
    }
    /* Never contradict the wire: a host that answered anything in this
     * dialog is alive and reachable; this request's answer was late, lost
     * or did not match it (Via), which is not "never answers". */
    resp = dialog_responder(k->v->dialogs, t->dialog_key, &t->dst.ip);
    alive = answered_others(ev->peer, &t->dst.ip);
    f = kind_raise(k, KIND_NO_RESPONSE,
                   timeout && resp == NULL && alive == NULL ? SEV_ERROR : SEV_WARNING,
                   entity, timeout ? t->first_us + CORR_TIMEOUT_US : t->last_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &t->src.ip, &t->dst.ip);
    if (f->ctx == 0) {
        f->ctx = t->dialog_key;
        f->ctx_us = t->first_us;
        f->ctx_dst = t->dst.ip;
        f->tag = (uint32_t)(t->method & 0xff) | (t->retrans + 1) << 8;
    }
    if (resp != NULL)
        answered_in_dialog(k, f, t, resp);
    else if (alive != NULL)
        answered_other_summary(k, f, alive);
    else if (f->f.severity >= SEV_ERROR)
        finding_summary(f, "%s:%u never answers: %s sent %u time(s)%s with no response at "
                           "all until the 32 s transaction timeout", s, (unsigned)t->dst.port,
                        sip_method_name(t->method), t->retrans + 1,
                        t->doubling ? " (timer doubling: a SIP stack retransmitting)" : "");
    else
        finding_summary(f, "%s:%u did not answer: %s sent %u time(s) with no response "
                           "before the capture ended (unanswered)", s, (unsigned)t->dst.port,
                        sip_method_name(t->method), t->retrans + 1);
    finding_cite(k->fs, f, t->frame, t->first_us, "request", t->req_line);
    for (uint32_t i = 1; i < TXN_COPIES && i <= t->retrans; i++)
        if (t->copies[i] != t->last_frame)
            finding_cite(k->fs, f, t->copies[i], 0, "retransmission", t->req_line);
    if (t->last_frame != t->frame)
        finding_cite(k->fs, f, t->last_frame, t->last_us, "last retransmission",
                     t->req_line);
    if (!finding_new(f) || resp != NULL || alive != NULL)
        return;
    finding_cause(f, "a firewall or security group drops SIP between %s and %s", c, s);
    finding_cause(f, "the carrier silently drops requests it does not recognise (Twilio "
                     "drops requests whose Request-URI host is not the trunk's termination "
                     "URI)");
    finding_cause(f, "wrong destination address, port or transport (UDP vs TCP/TLS)");
    finding_cause(f, "the capture sees only one direction (asymmetric routing, mirror port)");
    finding_fix(f, "Check the trunk's outbound address/port/transport and the Request-URI "
                   "host (\"%s\")", t->ruri_host);
    finding_fix(f, "Allow UDP/TCP 5060 (TLS 5061) to and from the provider's signalling "
                   "addresses in every firewall on the path");
    kind_provider_fix(k, f, ev->peer, KIND_NO_RESPONSE);
}

const struct kind kind_no_response = {
    KIND_NO_RESPONSE, 0, on_event, on_finish,
    KEV_BIT(KEV_TIMEOUT) | KEV_BIT(KEV_UNANSWERED)
};
