/*
 * source_ip_changed.c — kind source_ip_changed: the same identity (user at
 * trunk host) is seen from a new source address (or a new received= in
 * the answers' Via) and its outcomes changed with it: accepted from the
 * first address, refused from the later one, and refused there as an IP
 * access list refuses: a request without credentials answered 403 (never
 * accepted there). A refusal after a challenge is not this: the server let
 * the address in and asked for credentials, so it was the password
 * (auth_rejected), as the diagnosis's ip_acl ruling says too; a capture
 * that only shows such refusals from a second address names no address
 * change (Twilio: "which INVITE got the 403 tells you which cause it is",
 * docs/findings.md). Checked on every refusal (the
 * refusal that proves it is cited with its request; later refusals from the
 * new address are added) and at the end. Thread: the analysis thread.
 */
#include "correlate/correlate.h"

static void entity_of(const struct ident_view *id, char *buf, size_t len)
{
    char s[ADDR_STRLEN];

    findings_fmt(buf, len, "%s to %s", id->name, addr_str(&id->server, s, sizeof(s)));
}

/* The (good, bad) address pair, if the identity shows one: accepted from
 * good first, refused without credentials from bad and never accepted. */
static bool changed(const struct ident_view *id, const struct ident_src_view **good,
                    const struct ident_src_view **bad)
{
    for (uint8_t a = 0; a < id->n_src; a++)
        for (uint8_t b = 0; b < id->n_src; b++) {
            const struct ident_src_view *g = &id->src[a], *x = &id->src[b];
            if (a == b || g->ok == 0 || !x->bare_fail || x->ok != 0 || x->first_us < g->first_us)
                continue;
            *good = g;
            *bad = x;
            return true;
        }
    return false;
}

static struct finding *raise_it(struct kind_ctx *k, const struct ident_view *id,
                                const struct peer *p, const struct ident_src_view *good,
                                const struct ident_src_view *bad)
{
    char ga[ADDR_STRLEN], ba[ADDR_STRLEN], entity[160];
    struct finding *f;

    entity_of(id, entity, sizeof(entity));
    f = kind_raise(k, KIND_SOURCE_IP_CHANGED, SEV_ERROR, entity, bad->fail_us, p);
    if (f == NULL)
        return NULL;
    finding_about(f, &bad->ip, &id->server);    /* the new address, the trunk */
    addr_str(&good->ip, ga, sizeof(ga));
    addr_str(&bad->ip, ba, sizeof(ba));
    finding_summary(f, "%s was accepted from %s but is refused since it comes from %s",
                    id->name, ga, ba);
    finding_cite(k->fs, f, good->ok_first_frame, good->ok_first_us,
                 "accepted from old address", NULL);
    if (good->ok_frame != good->ok_first_frame)
        finding_cite(k->fs, f, good->ok_frame, good->ok_us,
                     "last accepted from old address", NULL);
    finding_cause(f, "the PBX's public address changed (new ISP lease, WAN failover, NAT pool) "
                     "and the trunk's IP access list still has %s", ga);
    finding_cause(f, "a second PBX or site uses the same account from %s", ba);
    finding_fix(f, "Add %s to the trunk's IP access list (or remove the IP rule and use "
                   "credentials)", ba);
    finding_fix(f, "Get a static public address for the PBX, or pin its outbound NAT to one "
                   "address");
    kind_provider_fix(k, f, p, KIND_SOURCE_IP_CHANGED);
    return f;
}

static bool check(struct kind_ctx *k, const struct kind_event *ev, const struct ident *rec)
{
    const struct ident_src_view *good, *bad;
    const struct txn *t = ev->txn;
    char entity[160], role[40], line[160];
    struct finding *f;
    struct ident_view iv;
    const struct ident_view *id = &iv;

    if (rec == NULL || rec->n_src < 2)
        return false;
    ident_read(k->v, rec, &iv);
    if (!changed(id, &good, &bad) || !addr_eq(&bad->ip, &t->effective_src))
        return false;
    entity_of(id, entity, sizeof(entity));
    f = findings_find(k->fs, KIND_SOURCE_IP_CHANGED, entity);
    if (f == NULL)
        f = raise_it(k, id, ev->peer, good, bad);
    else {
        f->f.count++;
        f->f.last_us = ev->m->ts_us;
    }
    if (f == NULL)
        return false;
    finding_cite(k->fs, f, t->frame, t->first_us, "request from new address",
                 t->req_line);
    engine_status_role(t->final_line, role, sizeof(role));
    engine_evidence_line(line, sizeof(line), t->final_line, ev->why);
    finding_cite(k->fs, f, t->final_frame, t->final_us, role, line);
    return true;
}

/* Both identities of the request: the auth username and the From user
 * (a PBX authenticating as "1001" calls as "+15550009999"; whichever one
 * worked from the old address and fails from the new one tells). The
 * first that shows the change is reported. */
static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    if (ev->type != KEV_FINAL || ev->txn == NULL || ev->m == NULL || ev->m->status < 300)
        return;
    if (!check(k, ev, ev->ident))
        check(k, ev, ev->ident2);
}

static void on_finish(struct kind_ctx *k)
{
    const struct ident_src_view *good, *bad;
    char entity[160];

    for (const struct ident *rec = ctab_first(k->v->idents); rec;
         rec = ctab_next(k->v->idents, rec)) {
        struct finding *f;
        struct ident_view iv;
        const struct ident_view *id = &iv;
        if (rec->n_src < 2)
            continue;
        ident_read(k->v, rec, &iv);
        if (!changed(id, &good, &bad))
            continue;
        entity_of(id, entity, sizeof(entity));
        if (findings_find(k->fs, KIND_SOURCE_IP_CHANGED, entity) != NULL)
            continue;
        f = raise_it(k, id, NULL, good, bad);
        if (f != NULL)
            finding_cite(k->fs, f, bad->fail_frame, bad->fail_us,
                         "refused from new address", NULL);
    }
}

const struct kind kind_source_ip_changed = {
    KIND_SOURCE_IP_CHANGED, 0, on_event, on_finish,
    KEV_BIT(KEV_FINAL)
};
