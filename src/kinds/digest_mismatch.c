/*
 * digest_mismatch.c — kind digest_mismatch: an Authorization that cannot
 * match its challenge whatever the password: other realm, a nonce never
 * issued or reused from an earlier challenge, digest uri != Request-URI,
 * an algorithm the challenge did not offer, qop without nc/cnonce, nc not
 * increasing (RFC 7616 §3.4, RFC 3261 §22.4). The checks run in auth.c on
 * the retry; this reads KEV_AUTH_OUTCOME and reports refused retries only.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    char entity[128], role[40];
    struct finding *f;

    /* Only when the retry was refused: a server that accepts it computed
     * the digest over what was sent (a proxy that rewrote the Request-URI
     * after the client signed it, as in heplify's tcp_retrans capture). */
    if (ev->type != KEV_AUTH_OUTCOME || ax == NULL || ax->problem[0] == '\0' ||
        ax->state != AUTH_REJECTED)
        return;
    if (ev->peer != NULL && (ev->peer->accepted_problems & auth_problem_class(ax->problem)))
        return;     /* this server accepted the same irregularity elsewhere */
    engine_entity(entity, sizeof(entity), ax->username, &ax->client.ip, &ax->server.ip);
    f = kind_raise(k, KIND_DIGEST_MISMATCH, SEV_ERROR, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &ax->client.ip, &ax->server.ip);
    f->tag |= auth_problem_class(ax->problem);
    finding_summary(f, "The credentials of %s cannot match the challenge: %s",
                    sip_method_name(ax->method), ax->problem);
    if (!ax->preemptive) {
        finding_cite(k->fs, f, ax->challenged_req_frame, ax->challenged_req_us,
                     "request", ax->challenged_req_line);
        finding_cite(k->fs, f, ax->challenge_frame, ax->challenge_us, "challenge",
                     ax->challenge_line);
    }
    finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                 ax->retry_line);
    engine_status_role(ax->outcome_line, role, sizeof(role));
    finding_cite(k->fs, f, ax->outcome_frame, ax->outcome_us, role, ax->outcome_line);
    finding_cause(f, "%s", ax->problem);
    if (!finding_new(f))
        return;
    finding_cause(f, "a SIP ALG, SBC or proxy rewrote the request after the PBX computed "
                     "the digest (Request-URI, realm)");
    finding_cause(f, "the PBX answers an old or another server's challenge (cached nonce, "
                     "several outbound proxies)");
    finding_cause(f, "a PBX bug or misconfigured auth realm/domain setting");
    finding_fix(f, "Disable SIP ALG / SIP helper on the router or firewall in front of "
                   "the PBX");
    finding_fix(f, "Check the trunk's realm/domain and outbound proxy settings; upgrade the "
                   "PBX if it reuses nonces or omits nc/cnonce");
    kind_provider_fix(k, f, ev->peer, KIND_DIGEST_MISMATCH);
}

/* A server that later accepted a retry with the same irregularity does not
 * check it: the refusal had another cause (auth_rejected says which). */
static void on_finish(struct kind_ctx *k)
{
    struct finding *f = findings_first(k->fs), *next;

    for (; f != NULL; f = next) {
        const struct peer *p;
        next = findings_next(k->fs, f);
        if (f->f.kind_id != KIND_DIGEST_MISMATCH || f->tag == 0)
            continue;
        p = corr_peer(k->v, f->peer_key);
        if (p != NULL && (p->accepted_problems & f->tag) == f->tag)
            findings_drop(k->fs, f);
    }
}

const struct kind kind_digest_mismatch = {
    KIND_DIGEST_MISMATCH, 0, on_event, on_finish,
    KEV_BIT(KEV_AUTH_OUTCOME)
};
