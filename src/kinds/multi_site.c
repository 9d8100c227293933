/*
 * multi_site.c — kind multi_site: the same credentials (digest username and
 * realm, at one server), or the same address-authenticated trunk (its
 * Request-URI host, when a profile or --config names it), are accepted
 * from two or more addresses in the same period: two sites (or a PBX and a
 * forgotten second one) share an account or trunk. An IP ACL must then
 * list every site, and REGISTERs from one site replace the other's binding
 * (RFC 3261 §10.2.4: inbound calls go to whichever registered last).
 * Reads KEV_AUTH_OUTCOME (accepted retries) and KEV_FINAL (2xx without
 * credentials); state in src/correlate/sites.c. Thread: the analysis thread.
 */
#include <string.h>

#include "config/config.h"
#include "correlate/correlate.h"
#include "correlate/nat.h"

/* An address-authenticated call or registration of a known trunk: a
 * provider profile matched the peer, or --config names the host. */
static bool trunk_ok(const struct engine *e, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;

    if (ev->m->status < 200 || ev->m->status >= 300 || t->had_cred ||
        (t->method != SIP_INVITE && t->method != SIP_REGISTER) ||
        (ev->ax != NULL && ev->ax->challenges > 0))
        return false;
    if (ev->peer != NULL && ev->peer->provider[0] != '\0')
        return true;
    return e->config != NULL &&
           config_by_host(e->config, span_make(t->ruri_host, strlen(t->ruri_host))) != NULL;
}

static void on_event(struct engine *e, const struct kind_event *ev)
{
    struct site_rec *r;
    char srv[ADDR_STRLEN], ip[ADDR_STRLEN], geo[32], entity[128], list[160], line[160];
    struct finding *f;
    int a, b;
    size_t n = 0;

    if (ev->type == KEV_AUTH_OUTCOME && ev->ax != NULL && ev->ax->state == AUTH_OK &&
        ev->txn != NULL)
        r = sites_on_auth(e, ev->ax, ev->txn);
    else if (ev->type == KEV_FINAL && ev->txn != NULL && ev->m != NULL && trunk_ok(e, ev))
        r = sites_on_trunk(e, ev->txn);
    else
        return;
    if (r == NULL || r->n_src < 2 || !sites_overlap(r, &a, &b))
        return;
    addr_str(&r->server, srv, sizeof(srv));
    if (r->user[0] != '\0')
        findings_fmt(entity, sizeof(entity), "%s@%s to %s", r->user,
                     r->realm[0] ? r->realm : "?", srv);
    else
        findings_fmt(entity, sizeof(entity), "trunk %s at %s", r->realm, srv);
    f = engine_raise(e, KIND_MULTI_SITE, SEV_WARNING, entity, ev->m ? ev->m->ts_us : e->now_us,
                     ev->peer);
    if (f == NULL)
        return;
    list[0] = '\0';
    for (int i = 0; i < r->n_src; i++) {
        const struct site_src *s = &r->src[i];
        addr_str(&s->ip, ip, sizeof(ip));
        findings_fmt(list + n, sizeof(list) - n, "%s%s%s", n ? ", " : "", ip,
                     nat_geo(e, &s->ip, geo, sizeof(geo)));
        n = strlen(list);
        for (int k = 0; k < s->n_frames; k++) {
            findings_fmt(line, sizeof(line), "from %s: %s", ip, s->line[k]);
            finding_cite(&e->findings, f, s->frames[k], s->frame_us[k],
                         r->user[0] ? "retry with credentials" : "request", line);
        }
    }
    if (r->user[0] != '\0')
        finding_summary(f, "User %s (realm %s) is accepted by %s from %d addresses at the same "
                           "time: %s%s", r->user, r->realm[0] ? r->realm : "?", srv, r->n_src,
                        list, r->more_src ? " and more" : "");
    else
        finding_summary(f, "Trunk %s at %s is used from %d addresses at the same time: %s%s",
                        r->realm, srv, r->n_src, list, r->more_src ? " and more" : "");
    if (!finding_new(f))
        return;
    if (r->user[0] == '\0')
        finding_cause(f, "the trunk authenticates by source address: every site's address must "
                         "be in its IP ACL");
    finding_cause(f, "two sites (or a second PBX, a test box, a softphone) use the same account "
                     "or trunk");
    finding_cause(f, "the PBX sends from two public addresses (dual WAN, a NAT pool)");
    finding_fix(f, "List every site's public address in the trunk's IP access control list, or "
                   "give each site its own credentials or sub-account");
    finding_fix(f, "If both REGISTER: only the last registration receives inbound calls; use one "
                   "registration per site");
    engine_provider_fix(e, f, ev->peer, KIND_MULTI_SITE);
}

const struct kind kind_multi_site = { KIND_MULTI_SITE, on_event, NULL };
