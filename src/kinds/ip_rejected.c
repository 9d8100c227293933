/*
 * ip_rejected.c — kind ip_rejected: 403 to a request that carried no
 * credentials and was never challenged: the carrier authenticates by
 * source address and this one is not allowed (Twilio: 403 + X-Twilio-Error
 * 32201). Also a retry answered 403 with a carrier code saying "source IP
 * not in ACL". Reads KEV_FINAL / KEV_AUTH_OUTCOME. Thread: analysis.
 *
 * One finding per server: a population of the source addresses refused
 * (docs/findings.md "Populations"). A scanner's 403 is the attack working as
 * intended, not an ACL problem: it raises nothing here.
 */
#include <string.h>

#include "correlate/correlate.h"

static void raise_ip(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    char entity[128], role[40], line[160], ip[ADDR_STRLEN], phrase[96];
    struct finding *f;

    if (source_is_attacker(ev->source))
        return;
    engine_entity(entity, sizeof(entity), NULL, &t->dst.ip, &t->dst.ip);     /* the key */
    f = kind_raise(k, KIND_IP_REJECTED, SEV_ERROR, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &t->effective_src, &t->dst.ip);
    addr_str(&t->effective_src, ip, sizeof(ip));
    findings_note_member(k->fs, f, "sources", ip);
    if (f->f.n_members <= 1) {
        engine_entity(f->f.entity, sizeof(f->f.entity), NULL, &t->src.ip, &t->dst.ip);
        finding_summary(f, "%s from %s refused with 403 without any challenge: the trunk does "
                           "not accept this source address", sip_method_name(t->method), ip);
    } else {
        char dst[ADDR_STRLEN];
        addr_str(&t->dst.ip, dst, sizeof(dst));
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s sources to %s",
                     (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "", dst);
        finding_summary(f, "Requests from %llu%s source addresses refused by %s with 403 "
                           "without any challenge (%llu time(s), most from %s): it does not "
                           "accept these addresses",
                        (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "", dst,
                        (unsigned long long)f->f.count, f->f.sample[0].name);
    }
    finding_cite(k->fs, f, t->frame, t->first_us,
                 t->had_cred ? "request with credentials" : "request without credentials",
                 t->req_line);
    engine_status_role(t->final_line, role, sizeof(role));
    engine_evidence_line(line, sizeof(line), t->final_line, ev->why);
    finding_cite(k->fs, f, t->final_frame, t->final_us, role, line);
    if (!finding_new(f))
        return;
    if (ev->why && ev->why->present && ev->why->meaning[0] != '\0')
        finding_cause(f, "the carrier says: %s (%s)", ev->why->meaning, ev->why->quote);
    finding_cause(f, "the trunk authenticates by IP access list and %s is not in it", ip);
    finding_cause(f, "the PBX's public address changed (see source_ip_changed) or NAT sends "
                     "it from another address");
    finding_cause(f, "the request went to the wrong trunk or termination URI (%s)",
                  t->ruri_host);
    if (ev->why && ev->why->present && ev->why->kind == KIND_NONE) {
        corr_copy(phrase, sizeof(phrase), ev->m->reason_phrase);
        finding_cause(f, "the reason phrase \"%s\" may name another cause", phrase);
    }
    finding_fix(f, "Add %s/32 (the address the carrier sees) to the trunk's IP access "
                   "control list", ip);
    finding_fix(f, "Or give the trunk credentials (digest) and configure them in the PBX");
    finding_fix(f, "Check that the Request-URI host is the trunk's termination URI");
    kind_provider_fix(k, f, ev->peer, KIND_IP_REJECTED);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;

    if (t == NULL || ev->m == NULL || ev->m->status != 403)
        return;
    if (ev->why && ev->why->suspended)
        return;
    if (ev->type == KEV_AUTH_OUTCOME) {
        if (ev->why && ev->why->kind == KIND_IP_REJECTED)
            raise_ip(k, ev);
        return;
    }
    if (ev->type != KEV_FINAL || t->had_cred)
        return;
    if (ev->ax != NULL && ev->ax->challenges > 0)
        return;     /* challenged before: an auth problem, not an IP one */
    if (ev->why && ev->why->kind != KIND_NONE && ev->why->kind != KIND_IP_REJECTED)
        return;     /* the carrier names another reason */
    raise_ip(k, ev);
}

const struct kind kind_ip_rejected = {
    KIND_IP_REJECTED, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_OUTCOME) | KEV_BIT(KEV_FINAL)
};
