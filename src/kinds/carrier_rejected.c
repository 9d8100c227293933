/*
 * carrier_rejected.c — kind carrier_rejected: a final response the carrier
 * explains with its own code or words and that is not an auth failure:
 * caller ID not allowed, number not E.164, geographic permissions, CPS
 * limit, TLS required, insufficient permissions (X-Twilio-Error, Reason
 * RFC 3326, Warning RFC 3261 §20.43, telling reason phrases). The quote is
 * the evidence. Twilio 32017 is a caller-ID block by a downstream carrier,
 * not an auth failure: the finding says so. Reads KEV_FINAL.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

static const struct { const char *category, *fix; } generic_fix[] = {
    { "caller_id", "Send a caller ID (From/P-Asserted-Identity number) that the provider "
                   "lets you use: a number on the account or a verified caller ID, in E.164" },
    { "number_format", "Send numbers in E.164 form with the leading + (e.g. +14155550100) in "
                       "the Request-URI and From" },
    { "geo_permission", "Enable the destination country in the provider's geographic/"
                        "international calling permissions" },
    { "cps_limit", "Lower the PBX's call rate (calls per second) or ask the provider to raise "
                   "the trunk's CPS limit" },
    { "tls", "Switch the trunk to TLS (port 5061, sips: or transport=tls) as the provider "
             "requires" },
    { "srtp", "Align SRTP settings with the provider (enable or disable secure media)" },
    { "permissions", "Check the account's permissions/features for this kind of call in the "
                     "provider portal" },
    { "blocked", "Contact the provider: the call was blocked by its fraud or regulatory "
                 "rules" },
};

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    const struct explain *why = ev->why;
    char entity[128], base[112], role[40], line[160];
    struct finding *f;

    if (ev->type != KEV_FINAL || t == NULL || why == NULL || !why->present ||
        why->kind != KIND_CARRIER_REJECTED || ev->m->status < 300)
        return;
    engine_entity(base, sizeof(base), t->user, &t->src.ip, &t->dst.ip);
    findings_fmt(entity, sizeof(entity), "%s: %s", base,
                 why->category[0] ? why->category : "rejection");
    f = kind_raise(k, KIND_CARRIER_REJECTED, SEV_ERROR, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "The carrier refused %s: %s (%s)", sip_method_name(t->method),
                    why->meaning[0] ? why->meaning : "see its explanation", why->quote);
    finding_cite(k->fs, f, t->frame, t->first_us, "request", t->req_line);
    engine_status_role(t->final_line, role, sizeof(role));
    engine_evidence_line(line, sizeof(line), t->final_line, why);
    finding_cite(k->fs, f, t->final_frame, t->final_us, role, line);
    if (!finding_new(f))
        return;
    if (why->meaning[0] != '\0')
        finding_cause(f, "the carrier says: %s (%s)", why->meaning, why->quote);
    if (why->code == 32017 || why->note[0] != '\0')
        finding_cause(f, "%s", why->note[0] ? why->note
                      : "Twilio's error catalogue gives 32017 as a caller-ID block by a "
                        "downstream carrier (poor number reputation), although some guides "
                        "call it an authentication failure: it is not an auth problem");
    finding_cause(f, "this is not an authentication failure: the trunk accepted who you are");
    if (why->fix[0] != '\0')
        engine_fix_text(f, "", why->fix);
    for (size_t i = 0; i < sizeof(generic_fix) / sizeof(generic_fix[0]); i++)
        if (strcmp(why->category, generic_fix[i].category) == 0)
            finding_fix(f, "%s", generic_fix[i].fix);
    if (why->code == 32017)
        finding_fix(f, "Register the calling number with the analytics providers "
                       "(e.g. freecallerregistry.com) and check its reputation");
    kind_provider_fix(k, f, ev->peer, KIND_CARRIER_REJECTED);
}

const struct kind kind_carrier_rejected = {
    KIND_CARRIER_REJECTED, 0, on_event, NULL,
    KEV_BIT(KEV_FINAL)
};
