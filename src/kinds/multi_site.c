/*
 * multi_site.c — kind multi_site: the same credentials (digest username and
 * realm, at one server), or the same address-authenticated trunk (its
 * Request-URI host, when a profile or --config names it), are accepted
 * from two or more addresses in the same period: two sites (or a PBX and a
 * forgotten second one) share an account or trunk. An IP ACL must then
 * list every site, and REGISTERs from one site replace the other's binding
 * (RFC 3261 §10.2.4: inbound calls go to whichever registered last).
 * Reads the site record the engine updated for an accepted retry or a known
 * trunk's 2xx without credentials (ev->site, src/correlate/sites.c).
 * Thread: the analysis thread.
 *
 * Accounts are one population finding per server (members "user@realm"):
 * a PBX whose phones roam (one account from home and office) has hundreds,
 * and one finding each would fill the findings cap. One account reads as
 * before; a trunk (no user) keeps its own finding.
 */
#include <string.h>

#include "config/config.h"
#include "correlate/correlate.h"
#include "correlate/nat.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct site_view *r = ev->site;
    char srv[ADDR_STRLEN], ip[ADDR_STRLEN], geo[32], entity[128], key[160], list[160], line[160];
    struct finding *f;
    int a, b;
    size_t n = 0;

    if (r == NULL || r->n_src < 2 || !sites_overlap(r, &a, &b))
        return;
    addr_str(&r->server, srv, sizeof(srv));
    /* user accounts: one population per server (docs/findings.md
     * "Populations"); a trunk keeps a finding of its own */
    if (r->user[0] != '\0')
        findings_fmt(key, sizeof(key), "accounts at %s", srv);
    else
        findings_fmt(key, sizeof(key), "trunk %s at %s", r->realm, srv);
    f = kind_raise(k, KIND_MULTI_SITE, SEV_WARNING, key, ev->m ? ev->m->ts_us : k->v->now_us,
                   ev->peer);
    if (f == NULL)
        return;
    if (r->user[0] != '\0') {
        char acct[160];
        bool fresh;
        findings_fmt(acct, sizeof(acct), "%s@%s", r->user, r->realm[0] ? r->realm : "?");
        fresh = findings_member_count(k->fs, f, acct) == 0;
        findings_note_member(k->fs, f, "accounts", acct);
        if (f->f.n_members > 1) {
            if (!fresh)
                return;
            findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s accounts at %s",
                         (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "",
                         srv);
            finding_summary(f, "%llu%s accounts are each accepted by %s from two or more "
                               "addresses at the same time (latest: %s)",
                            (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "",
                            srv, acct);
            return;
        }
        findings_fmt(entity, sizeof(entity), "%s to %s", acct, srv);
    } else {
        findings_fmt(entity, sizeof(entity), "%s", key);
    }
    findings_fmt(f->f.entity, sizeof(f->f.entity), "%s", entity);
    list[0] = '\0';
    for (int i = 0; i < r->n_src; i++) {
        const struct site_src *s = &r->src[i];
        addr_str(&s->ip, ip, sizeof(ip));
        findings_fmt(list + n, sizeof(list) - n, "%s%s%s", n ? ", " : "", ip,
                     nat_geo(k->v->geoip, &s->ip, geo, sizeof(geo)));
        n = strlen(list);
        for (int j = 0; j < s->n_frames; j++) {
            findings_fmt(line, sizeof(line), "from %s: %s", ip, s->line[j]);
            finding_cite(k->fs, f, s->frames[j], s->frame_us[j],
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
    kind_provider_fix(k, f, ev->peer, KIND_MULTI_SITE);
}

const struct kind kind_multi_site = {
    KIND_MULTI_SITE, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_OUTCOME) | KEV_BIT(KEV_FINAL)
};
