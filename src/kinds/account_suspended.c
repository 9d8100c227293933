/*
 * account_suspended.c — kind account_suspended: the carrier says the
 * account is suspended/disabled/blocked (reason phrase, Warning, Reason or
 * carrier code), or answers 403 to every request from every source
 * whatever the auth (with and without credentials, or from two addresses).
 * Reads KEV_FINAL; the "403 to everything" rule runs at the end.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    char entity[128], role[40], line[160];
    struct finding *f;

    if (ev->type != KEV_FINAL || t == NULL || ev->why == NULL || !ev->why->suspended)
        return;
    /* one finding per PBX/trunk pair: the account, not each user name */
    engine_entity(entity, sizeof(entity), NULL, &t->src.ip, &t->dst.ip);
    f = kind_raise(k, KIND_ACCOUNT_SUSPENDED, SEV_CRITICAL, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "The carrier refuses the account: %s (%s)", ev->why->meaning,
                    ev->why->quote);
    finding_cite(k->fs, f, t->frame, t->first_us, "request", t->req_line);
    engine_status_role(t->final_line, role, sizeof(role));
    engine_evidence_line(line, sizeof(line), t->final_line, ev->why);
    finding_cite(k->fs, f, t->final_frame, t->final_us, role, line);
    if (!finding_new(f))
        return;
    finding_cause(f, "the account or trunk is suspended or disabled at the provider "
                     "(unpaid balance, fraud lock, trial expired)");
    finding_cause(f, "the account was closed or the trunk deleted");
    finding_fix(f, "Log in to the provider portal: check the account status, balance and "
                   "any fraud or compliance hold; contact the provider's support");
    if (ev->why->fix[0] != '\0')
        engine_fix_text(f, "", ev->why->fix);
    kind_provider_fix(k, f, ev->peer, KIND_ACCOUNT_SUSPENDED);
}

static void on_finish(struct kind_ctx *k)
{
    for (const struct ident *rec = ctab_first(k->v->idents); rec;
         rec = ctab_next(k->v->idents, rec)) {
        struct finding *f;
        char entity[128];
        struct ident_view iv;
        const struct ident_view *id = &iv;
        if (rec->final_total < 3 || rec->forbidden_total != rec->final_total)
            continue;
        ident_read(k->v, rec, &iv);
        if (!(id->with_cred && id->without_cred) && id->n_src < 2)
            continue;
        findings_fmt(entity, sizeof(entity), "account %s", id->name);
        f = kind_raise(k, KIND_ACCOUNT_SUSPENDED, SEV_CRITICAL, entity,
                       id->src[0].fail_us, NULL);
        if (f == NULL)
            continue;
        f->f.count = id->forbidden_total;
        finding_summary(f, "Every request for %s was answered 403, with and without "
                           "credentials and from %u address(es): the account itself is "
                           "refused", id->name, (unsigned)id->n_src);
        for (uint8_t i = 0; i < id->n_src; i++)
            finding_cite(k->fs, f, id->src[i].fail_frame, id->src[i].fail_us,
                         "403 Forbidden", NULL);
        finding_cause(f, "the account or trunk is suspended or disabled at the provider");
        finding_cause(f, "the account was closed, or the username belongs to no trunk");
        finding_fix(f, "Check the account status and balance in the provider portal, then "
                       "contact the provider's support");
    }
}

const struct kind kind_account_suspended = {
    KIND_ACCOUNT_SUSPENDED, 0, on_event, on_finish,
    KEV_BIT(KEV_FINAL)
};
