/*
 * wrong_region.c — kind wrong_region: a request whose Request-URI host names
 * one edge (region) of a provider is sent to an address of another edge
 * (Twilio's localized termination URIs NAME.pstn.EDGE.twilio.com), or whose
 * host is not a termination host of the provider whose address it targets,
 * or (with --config) whose host or edge is not the trunk's. Providers drop
 * such requests silently or route them through the wrong region. Only
 * out-of-dialog requests count (in-dialog ones go to a Contact address).
 * Edges come from the provider profiles (profile.h). Warning while answered,
 * error once such a request goes unanswered.
 * Reads KEV_REQUEST, KEV_TIMEOUT, KEV_UNANSWERED. Thread: the analysis thread.
 */
#include <string.h>

#include "config/config.h"
#include "correlate/correlate.h"
#include "correlate/nat.h"
#include "config/profile.h"

/* The kind's own state: the profile verdict per (destination, Request-URI
 * host), direct-mapped (see judge). */
#define REGION_CACHE 256
struct region_own {
    struct region_cache {
        uint64_t key;
        size_t hlen;
        const struct profile *hp, *ap;
        const struct profile_edge *he, *ae;
    } cache[REGION_CACHE];
};

static bool out_of_dialog(const struct sip_msg *m)
{
    return m->to.tag.len == 0 && m->method != SIP_ACK && m->method != SIP_CANCEL &&
           m->method != SIP_BYE;
}

static bool host_is_ip(struct span h)
{
    struct addr a;

    return h.len > 0 && h.len < ADDR_STRLEN && addr_parse(h.p, h.len, &a);
}

/* "host to address [CC ASn]" (GeoIP when a database knows the address). */
static void entity_of(const struct kind_ctx *k, const char *host, const struct addr *dst,
                      char *buf, size_t len)
{
    char d[ADDR_STRLEN], geo[32];

    findings_fmt(buf, len, "%s to %s%s", host, addr_str(dst, d, sizeof(d)),
                 nat_geo(k->v->geoip, dst, geo, sizeof(geo)));
}

/* Why this request goes to the wrong place, "" when it does not. */
static bool judge(struct kind_ctx *k, const struct sip_msg *m, char *why, size_t wlen,
                  char *fixbuf, size_t flen)
{
    const struct profile_edge *he = NULL, *ae = NULL;
    const struct profile *hp = NULL, *ap = NULL;
    char host[96], d[ADDR_STRLEN];

    fixbuf[0] = '\0';
    if (k->v->profiles != NULL) {
        /* Matching a host and an address against every profile costs ~8k
         * instructions; a PBX sends to a handful of (address, host) pairs,
         * so the verdict is cached per pair (keyed hash, direct-mapped). */
        uint64_t key = corr_dst_host_key(k->v->peers, m);
        struct region_cache *rc;
        rc = &((struct region_own *)k->own)->cache[key % REGION_CACHE];
        if (rc->key != key || rc->hlen != m->ruri.host.len) {
            rc->key = key;
            rc->hlen = m->ruri.host.len;
            rc->hp = rc->ap = NULL;
            rc->he = rc->ae = NULL;
            if (!host_is_ip(m->ruri.host)) {
                rc->hp = profile_match_host(k->v->profiles, m->ruri.host, &rc->he);
                rc->ap = profile_match_addr(k->v->profiles, &m->dst.ip, &rc->ae);
            }
        }
        hp = rc->hp;
        ap = rc->ap;
        he = rc->he;
        ae = rc->ae;
        if (hp != NULL || ap != NULL) {
            corr_copy(host, sizeof(host), m->ruri.host);
            addr_str(&m->dst.ip, d, sizeof(d));
        }
        if (hp != NULL && hp == ap && he != NULL && ae != NULL && profile_edges_differ(he, ae)) {
            findings_fmt(why, wlen, "%s names %s edge %s (%s) but goes to %s, an address of "
                         "edge %s (%s)", host, profile_id(hp), profile_edge_canonical(he),
                         he->region ? he->region : "?", d, profile_edge_canonical(ae),
                         ae->region ? ae->region : "?");
            findings_fmt(fixbuf, flen, "Send requests for %s to the %s edge's addresses, or use "
                         "the edge of the addresses you send to (%s)", host,
                         profile_edge_canonical(he), profile_edge_canonical(ae));
            return true;
        }
        if (ap != NULL && hp != ap) {
            findings_fmt(why, wlen, "%s is not a termination host of %s, whose address %s "
                         "(edge %s) it is sent to", host, profile_id(ap), d,
                         ae ? profile_edge_canonical(ae) : "?");
            findings_fmt(fixbuf, flen, "Use the trunk's termination URI host (as shown in the "
                         "%s console) in the Request-URI", profile_id(ap));
            return true;
        }
    }
    if (k->v->config != NULL) {
        const struct config_trunk *t;
        corr_copy(host, sizeof(host), m->ruri.host);
        addr_str(&m->dst.ip, d, sizeof(d));
        t = config_match(k->v->config, &m->src.ip, &m->dst.ip,
                                                    span_make("", 0), m->cred.username);
        /* only a trunk this request is known to be for (its provider
         * addresses or its username), not one the PBX merely shares */
        if (t != NULL && !cidr_list_contains(&t->peer, &m->dst.ip, NULL) &&
            !(m->cred.username.len > 0 &&
              span_eq(m->cred.username, span_make(t->username, strlen(t->username)))))
            t = NULL;
        if (t != NULL && t->termination_host[0] != '\0' &&
            config_by_host(k->v->config, m->ruri.host) != t) {
            findings_fmt(why, wlen, "%s is not the termination URI host %s you configured for "
                         "trunk %s (--config)", host, t->termination_host, t->name);
            findings_fmt(fixbuf, flen, "Set the Request-URI host to %s", t->termination_host);
            return true;
        }
        if (t != NULL && t->edge[0] != '\0' && k->v->profiles != NULL) {
            const struct profile *ap2 = profile_match_addr(k->v->profiles, &m->dst.ip, &ae);
            if (ap2 != NULL && ae != NULL && !ae->any &&
                (t->provider[0] == '\0' || strcmp(t->provider, profile_id(ap2)) == 0) &&
                strcmp(profile_edge_canonical(ae), t->edge) != 0) {
                const struct profile_edge *want = NULL;
                want = profile_edge_for_host(ap2, m->ruri.host);
                if (want == NULL || want->any || strcmp(profile_edge_canonical(want),
                                                        profile_edge_canonical(ae)) != 0) {
                    findings_fmt(why, wlen, "%s is an address of edge %s, but trunk %s uses "
                                 "edge %s (--config)", d, profile_edge_canonical(ae), t->name,
                                 t->edge);
                    findings_fmt(fixbuf, flen, "Send to the %s edge's addresses", t->edge);
                    return true;
                }
            }
        }
    }
    return false;
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    char why[SNAP_TEXT], fix[SNAP_TEXT], entity[128], host[96], geo[32], line[160], d[ADDR_STRLEN];
    struct finding *f;
    const struct txn *t = ev->txn;

    if ((ev->type == KEV_TIMEOUT || ev->type == KEV_UNANSWERED) && t != NULL) {
        entity_of(k, t->ruri_host, &t->dst.ip, entity, sizeof(entity));
        f = findings_find(k->fs, KIND_WRONG_REGION, entity);
        if (f != NULL) {
            f = kind_raise(k, KIND_WRONG_REGION, SEV_ERROR, entity, k->v->now_us, ev->peer);
            if (f != NULL) {
                f->f.count--;   /* the same request, now known unanswered */
                finding_cite(k->fs, f, t->frame, t->first_us, "unanswered request",
                             t->req_line);
                finding_cause(f, "the provider drops requests sent to the wrong edge or "
                                 "naming a host it does not serve: this one got no answer");
            }
        }
        return;
    }
    if (ev->type != KEV_REQUEST || ev->m == NULL || t == NULL || !out_of_dialog(ev->m))
        return;
    if (!judge(k, ev->m, why, sizeof(why), fix, sizeof(fix)))
        return;
    corr_copy(host, sizeof(host), ev->m->ruri.host);
    entity_of(k, host, &ev->m->dst.ip, entity, sizeof(entity));
    nat_geo(k->v->geoip, &ev->m->dst.ip, geo, sizeof(geo));
    f = kind_raise(k, KIND_WRONG_REGION, SEV_WARNING, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &ev->m->src.ip, &ev->m->dst.ip);
    findings_fmt(line, sizeof(line), "%s -> %s%s", t->req_line,
                 addr_str(&ev->m->dst.ip, d, sizeof(d)), geo);
    finding_cite(k->fs, f, ev->m->frame, ev->m->ts_us, "request", line);
    if (!finding_new(f))
        return;
    finding_summary(f, "%s%s", why, geo[0] ? geo : "");
    finding_cause(f, "a localized termination URI (one edge) with another edge's addresses: "
                     "stale DNS, a hard-coded IP list or an outbound proxy for another region");
    finding_cause(f, "the provider may drop such requests silently, or route media through a "
                     "distant region");
    finding_fix(f, "%s", fix);
    kind_provider_fix(k, f, ev->peer, KIND_WRONG_REGION);
}

const struct kind kind_wrong_region = {
    KIND_WRONG_REGION, sizeof(struct region_own), on_event,
                                         NULL,
    KEV_BIT(KEV_REQUEST) | KEV_BIT(KEV_TIMEOUT) | KEV_BIT(KEV_UNANSWERED)
};
