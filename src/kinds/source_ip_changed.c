/*
 * source_ip_changed.c — kind source_ip_changed: the same identity (user at
 * trunk host) is seen from a new source address (or a new received= in
 * the answers' Via) and its outcomes changed with it: accepted from the
 * first address, refused from the later one. Checked on every refusal and
 * at the end. Thread: the analysis thread.
 */
#include "correlate.h"

static void check(struct engine *e, struct ident *id, const struct peer *p)
{
    for (uint8_t a = 0; a < id->n_src; a++) {
        for (uint8_t b = 0; b < id->n_src; b++) {
            const struct ident_src *good = &id->src[a], *bad = &id->src[b];
            char ga[ADDR_STRLEN], ba[ADDR_STRLEN];
            struct finding *f;
            if (a == b || good->ok == 0 || bad->fail == 0 || bad->ok != 0 ||
                bad->first_us < good->first_us)
                continue;
            addr_str(&good->ip, ga, sizeof(ga));
            addr_str(&bad->ip, ba, sizeof(ba));
            if (findings_find(&e->findings, "source_ip_changed", id->name) != NULL)
                return;
            f = engine_raise(e, "source_ip_changed", SEV_ERROR, id->name, bad->fail_us, p);
            if (f == NULL)
                return;
            finding_summary(f, "%s was accepted from %s but is refused since it comes from %s",
                            id->name, ga, ba);
            finding_cite(&e->findings, f, good->ok_frame, good->ok_us, "accepted from old "
                         "address", NULL);
            finding_cite(&e->findings, f, bad->fail_frame, bad->fail_us, "refused from new "
                         "address", NULL);
            finding_cause(f, "the PBX's public address changed (new ISP lease, WAN failover, "
                             "NAT pool) and the trunk's IP access list still has %s", ga);
            finding_cause(f, "a second PBX or site uses the same account from %s", ba);
            finding_fix(f, "Add %s to the trunk's IP access list (or remove the IP rule and "
                           "use credentials)", ba);
            finding_fix(f, "Get a static public address for the PBX, or pin its outbound "
                           "NAT to one address");
            engine_provider_fix(e, f, p, "source_ip_changed");
            return;
        }
    }
}

static void on_event(struct engine *e, const struct kind_event *ev)
{
    if (ev->type == KEV_FINAL && ev->ident != NULL && ev->ident->n_src > 1 &&
        ev->m != NULL && ev->m->status >= 300)
        check(e, ev->ident, ev->peer);
}

static void on_finish(struct engine *e)
{
    for (struct ident *id = ctab_first(&e->idents); id; id = ctab_next(&e->idents, id))
        if (id->n_src > 1)
            check(e, id, NULL);
}

const struct kind kind_source_ip_changed = { "source_ip_changed", on_event, on_finish };
