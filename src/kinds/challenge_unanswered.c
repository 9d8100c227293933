/*
 * challenge_unanswered.c — kind challenge_unanswered: a 401/407 challenge
 * that the client never retried with credentials (within 300 s, or before
 * the capture ended: then a short tail is named as a possible cause). A challenge answered by a retry is
 * the normal first step of digest auth and never a finding. Skipped after
 * a rejected retry (the client gave up: auth_rejected says why) and for
 * scanners. Reads KEV_CHALLENGE_EXPIRED. Thread: the analysis thread.
 */
#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    char entity[160], base[128];
    struct finding *f;

    if (ev->type != KEV_CHALLENGE_EXPIRED || ax == NULL || ax->rejections > 0)
        return;
    if (ev->source != NULL && ev->source->scanner_ua)
        return;
    /* At the end of a capture, a client that does answer challenges (it
     * sent credentials before) was most likely cut off mid-exchange; one
     * that never sent any shows the "no credentials configured" pattern. */
    if (k->v->finished && k->v->now_us - ax->challenge_us < CORR_TIMEOUT_US &&
        ev->source != NULL && ev->source->cred_requests > 0)
        return;
    engine_entity(base, sizeof(base), NULL, &ax->client.ip, &ax->server.ip);
    findings_fmt(entity, sizeof(entity), "%s (%s)", base, sip_method_name(ax->method));
    f = kind_raise(k, KIND_CHALLENGE_UNANSWERED, SEV_WARNING, entity, ax->challenge_us,
                   ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &ax->client.ip, &ax->server.ip);
    finding_summary(f, "%s was challenged (%d) and never retried with credentials",
                    sip_method_name(ax->method), ax->challenge_status);
    finding_cite(k->fs, f, ax->challenged_req_frame, ax->challenged_req_us, "request",
                 ax->challenged_req_line);
    finding_cite(k->fs, f, ax->challenge_frame, ax->challenge_us, "challenge",
                 ax->challenge_line);
    finding_cite(k->fs, f, ax->ack_frame, ax->ack_us, "ACK (no retry follows)", NULL);
    if (!finding_new(f))
        return;
    finding_cause(f, "the PBX has no credentials for this trunk: it expects to be "
                     "authenticated by IP address");
    if (k->v->finished && k->v->now_us - ax->challenge_us < CORR_TIMEOUT_US)
        finding_cause(f, "or the capture stopped too early: it ended %.1f s after the "
                         "challenge, and a retry may have followed",
                      (double)(k->v->now_us - ax->challenge_us) / 1e6);
    finding_cause(f, "the PBX has credentials for another realm than \"%s\"", ax->realm);
    finding_cause(f, "the sender was a probe or scanner, not a configured PBX");
    finding_fix(f, "Configure the trunk's username and password in the PBX (outbound "
                   "registration/auth) for realm \"%s\"", ax->realm);
    finding_fix(f, "Or ask the provider to authenticate this trunk by IP (add the PBX's "
                   "public address to the IP access list)");
    kind_provider_fix(k, f, ev->peer, KIND_CHALLENGE_UNANSWERED);
}

const struct kind kind_challenge_unanswered = {
    KIND_CHALLENGE_UNANSWERED, 0, on_event, NULL,
    KEV_BIT(KEV_CHALLENGE_EXPIRED)
};
