/*
 * unexpected_peer.c — kind unexpected_peer: SIP to or from an address that
 * neither a configured trunk (--config) nor a provider profile explains,
 * where the configuration says what to expect:
 *   - the request is for a configured trunk (its termination host) but goes
 *     to an address outside the trunk's peer list and its provider's
 *     signalling ranges (a stale carrier IP, old DNS, a hard-coded address);
 *   - a request for a trunk comes from a public address outside the IP ACL
 *     the user listed for it ("source IP ... is not in the IP ACL you listed");
 *   - the PBX (one of the configured public IPs) talks to, or hears from, an
 *     address no trunk or profile names.
 * Without --config only the provider profiles set an expectation (a request
 * naming a provider's host goes to that provider's addresses), and it is
 * reported only when such a request is never answered by an address that
 * never answers anything, with no NAT problem to explain it.
 * Reads KEV_REQUEST (out-of-dialog requests), KEV_TIMEOUT, KEV_UNANSWERED.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "config/config.h"
#include "correlate/correlate.h"
#include "correlate/nat.h"
#include "config/profile.h"

/* One of the PBX's addresses, as the user configured them. */
static bool is_pbx(const struct kind_ctx *k, const struct addr *a)
{
    return config_by_addr(k->v->config, a) != NULL;
}

/* A trunk peer or a provider signalling address. */
static bool is_provider(const struct kind_ctx *k, const struct addr *a)
{
    for (size_t i = 0; i < config_trunk_count(k->v->config); i++)
        if (cidr_list_contains(&config_trunk_at(k->v->config, i)->peer, a, NULL))
            return true;
    return k->v->profiles != NULL && profile_match_addr(k->v->profiles, a, NULL) != NULL;
}

/* Is a an address of trunk t: its peer list, or its provider's ranges. */
static bool trunk_addr(const struct kind_ctx *k, const struct config_trunk *t, const struct addr *a,
                       bool *known)
{
    const struct profile *p;

    *known = t->peer.n > 0;
    if (cidr_list_contains(&t->peer, a, NULL))
        return true;
    if (t->provider[0] != '\0' && k->v->profiles != NULL) {
        p = profile_match_addr(k->v->profiles, a, NULL);
        if (p != NULL && strcmp(profile_id(p), t->provider) == 0)
            return true;
        /* does the profile know any address at all? (a lab or a custom
         * profile without ranges says nothing) */
        for (size_t i = 0; i < profile_count(k->v->profiles); i++)
            if (strcmp(profile_id(profile_at(k->v->profiles, i)), t->provider) == 0)
                *known = true;
    }
    return false;
}

static void raise_it(struct kind_ctx *k, const struct kind_event *ev, const char *entity,
                     const char *summary, const char *cause, const char *fix)
{
    struct finding *f = kind_raise(k, KIND_UNEXPECTED_PEER, SEV_WARNING, entity, ev->m->ts_us,
                                   ev->peer);

    if (f == NULL)
        return;
    finding_about(f, &ev->m->src.ip, &ev->m->dst.ip);
    finding_cite(k->fs, f, ev->m->frame, ev->m->ts_us, "request",
                 ev->txn ? ev->txn->req_line : NULL);
    if (!finding_new(f))
        return;
    finding_summary(f, "%s", summary);
    finding_cause(f, "%s", cause);
    finding_fix(f, "%s", fix);
    kind_provider_fix(k, f, ev->peer, KIND_UNEXPECTED_PEER);
}

/*
 * Without --config, a provider profile still sets one expectation: a
 * request naming one of its hosts goes to one of its addresses. Broken
 * only when it matters: the request got no answer and that address never
 * answered anything, and no NAT problem explains the silence.
 */
static void profile_only(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    const struct profile *hp, *ap;
    char s[ADDR_STRLEN], d[ADDR_STRLEN], gd[32], entity[128], sum[SNAP_TEXT];
    char cause[SNAP_TEXT], fix[SNAP_TEXT];
    struct finding *f;

    if (k->v->profiles == NULL || t == NULL || ev->peer == NULL || t->ruri_host[0] == '\0' ||
        t->method == SIP_ACK || t->method == SIP_BYE || t->method == SIP_CANCEL)
        return;
    if (ev->type == KEV_UNANSWERED && t->retrans == 0)
        return;     /* one copy at the end of a capture proves nothing */
    for (int i = 1; i < SNAP_ANSWER_CLASSES; i++)
        if (ev->peer->answers[i] > 0)
            return; /* the address answers: it is alive and speaks SIP */
    hp = profile_match_host(k->v->profiles, span_make(t->ruri_host, strlen(t->ruri_host)), NULL);
    if (hp == NULL)
        return;
    ap = profile_match_addr(k->v->profiles, &t->dst.ip, NULL);
    if (ap == hp)
        return;
    for (f = findings_first(k->fs); f; f = findings_next(k->fs, f))
        if (f->peer_key == ev->peer->key && f->f.kind_id == KIND_NAT_REWRITE)
            return; /* the NAT explains why nothing comes back */
    addr_str(&t->src.ip, s, sizeof(s));
    addr_str(&t->dst.ip, d, sizeof(d));
    nat_geo(k->v->geoip, &t->dst.ip, gd, sizeof(gd));
    findings_fmt(entity, sizeof(entity), "%s to %s (%s host %s)", s, d, profile_id(hp),
                 t->ruri_host);
    findings_fmt(sum, sizeof(sum), "Requests for %s (a %s host) go to %s%s, which is not a %s "
                 "signalling address%s, and nothing ever answers there", t->ruri_host,
                 profile_id(hp), d, gd, profile_id(hp),
                 ap != NULL ? " (the profiles place it at another provider)" : "");
    findings_fmt(cause, sizeof(cause), "the PBX sends to a stale or wrong carrier address (an old "
                 "DNS answer, a hard-coded IP, another provider's proxy)");
    findings_fmt(fix, sizeof(fix), "Resolve %s in public DNS and send there, or use %s's "
                 "current signalling addresses", t->ruri_host, profile_id(hp));
    f = kind_raise(k, KIND_UNEXPECTED_PEER, SEV_WARNING, entity, k->v->now_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &t->src.ip, &t->dst.ip);
    finding_cite(k->fs, f, t->frame, t->first_us, "unanswered request", t->req_line);
    if (!finding_new(f))
        return;
    finding_summary(f, "%s", sum);
    finding_cause(f, "%s", cause);
    finding_fix(f, "%s", fix);
    kind_provider_fix(k, f, ev->peer, KIND_UNEXPECTED_PEER);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct sip_msg *m = ev->m;
    const struct config_trunk *t;
    char s[ADDR_STRLEN], d[ADDR_STRLEN], gs[32], gd[32], host[96], acl[64];
    char entity[128], sum[SNAP_TEXT], cause[SNAP_TEXT], fix[SNAP_TEXT];
    bool known;

    if ((ev->type == KEV_TIMEOUT || ev->type == KEV_UNANSWERED) && k->v->config == NULL) {
        profile_only(k, ev);
        return;
    }
    if (ev->type != KEV_REQUEST || k->v->config == NULL || m == NULL || m->to.tag.len > 0 ||
        m->method == SIP_ACK || m->method == SIP_CANCEL)
        return;
    addr_str(&m->src.ip, s, sizeof(s));
    addr_str(&m->dst.ip, d, sizeof(d));
    nat_geo(k->v->geoip, &m->src.ip, gs, sizeof(gs));
    nat_geo(k->v->geoip, &m->dst.ip, gd, sizeof(gd));
    corr_copy(host, sizeof(host), m->ruri.host);
    t = config_by_host(k->v->config, m->ruri.host);
    if (t != NULL) {
        if (!trunk_addr(k, t, &m->dst.ip, &known) && known && !is_pbx(k, &m->dst.ip)) {
            findings_fmt(entity, sizeof(entity), "%s to %s (trunk %s)", s, d, t->name);
            findings_fmt(sum, sizeof(sum), "Requests for trunk %s (%s) go to %s%s, which is "
                         "neither in the trunk's peer list nor a %s signalling address",
                         t->name, host, d, gd, t->provider[0] ? t->provider : "provider");
            findings_fmt(cause, sizeof(cause), "the PBX sends to a stale carrier address (old "
                         "DNS answer, a hard-coded IP, an outbound proxy) instead of %s's",
                         t->provider[0] ? t->provider : "the trunk");
            findings_fmt(fix, sizeof(fix), "Point the trunk at %s (DNS) or at the provider's "
                         "current signalling addresses; update the peer list", host);
            raise_it(k, ev, entity, sum, cause, fix);
            return;
        }
        if (config_has_acl(t) && nat_public_like(addr_classify(&m->src.ip)) &&
            !config_acl_contains(t, &m->src.ip) && !is_provider(k, &m->src.ip)) {
            cidr_str(&t->ip_acl.v[0], acl, sizeof(acl));
            findings_fmt(entity, sizeof(entity), "%s to trunk %s", s, t->name);
            findings_fmt(sum, sizeof(sum), "Source IP %s%s is not in the IP ACL you listed for "
                         "trunk %s (%s%s)", s, gs, t->name, acl, t->ip_acl.n > 1 ? ", ..." : "");
            findings_fmt(cause, sizeof(cause), "a new or second site, a changed public address, "
                         "or NAT sending from another address than configured");
            findings_fmt(fix, sizeof(fix), "Add %s/32 to the trunk's IP ACL at the provider "
                         "(and to --config), or send from an address already listed", s);
            raise_it(k, ev, entity, sum, cause, fix);
        }
        return;
    }
    /* No trunk named: the PBX talking to an address nothing explains. */
    if (is_pbx(k, &m->src.ip) && nat_public_like(addr_classify(&m->dst.ip)) &&
        !is_provider(k, &m->dst.ip) && !is_pbx(k, &m->dst.ip)) {
        findings_fmt(entity, sizeof(entity), "%s to %s", s, d);
        findings_fmt(sum, sizeof(sum), "The PBX %s sends SIP to %s%s (%s), which no configured "
                     "trunk or provider profile explains", s, d, gd, host);
        findings_fmt(cause, sizeof(cause), "a stale or unconfigured trunk, or a provider without "
                     "a profile");
        findings_fmt(fix, sizeof(fix), "Add the trunk to --config (peer = %s) or remove the "
                     "stale trunk from the PBX", d);
        raise_it(k, ev, entity, sum, cause, fix);
    } else if (is_pbx(k, &m->dst.ip) && nat_public_like(addr_classify(&m->src.ip)) &&
               !is_provider(k, &m->src.ip) && !is_pbx(k, &m->src.ip)) {
        findings_fmt(entity, sizeof(entity), "%s to %s", s, d);
        findings_fmt(sum, sizeof(sum), "%s%s sends SIP to the PBX %s, and no configured trunk "
                     "or provider profile explains it", s, gs, d);
        findings_fmt(cause, sizeof(cause), "a carrier address missing from the trunk's peer list, "
                     "or an unsolicited source (scanner)");
        findings_fmt(fix, sizeof(fix), "Allow SIP only from the trunks' addresses; add %s to "
                     "the trunk's peer list if it is the carrier", s);
        raise_it(k, ev, entity, sum, cause, fix);
    }
}

const struct kind kind_unexpected_peer = {
    KIND_UNEXPECTED_PEER, 0, on_event, NULL,
    KEV_BIT(KEV_REQUEST) | KEV_BIT(KEV_TIMEOUT) | KEV_BIT(KEV_UNANSWERED)
};
