/*
 * nat_rewrite.c — kind nat_rewrite: a PBX behind NAT advertises an address
 * the far end cannot reach (its LAN address in Via without rport, Contact,
 * SDP c=/o=) while its packets come from, or go to, the public side. Seen
 * from the carrier (a public source with private headers; the carrier's
 * received= names the public address it saw, and without rport it answers
 * to the Via port, which the NAT never mapped) or from the PBX's own
 * interface (a private source advertising itself to a public peer).
 * A PBX that advertises its public address and uses rport is not reported.
 * RFC 3261 §18.2.1/§18.2.2, RFC 3581, RFC 4566 §5.7.
 * Reads KEV_MESSAGE (the NAT record of src/correlate/nat.c).
 * Thread: the analysis thread.
 */
#include <string.h>

#include "config/config.h"
#include "correlate/correlate.h"
#include "correlate/nat.h"

/* Nothing heard back although the PBX kept retransmitting past T2 (4 s,
 * RFC 3261 §17.1.1.2): a first copy still in flight proves nothing. */
static bool silent(const struct nat_pair *r)
{
    return r->responses == 0 && r->bad_retrans >= 2 &&
           r->bad_last_us - r->bad_us >= 8 * CORR_T1_US;
}

/* The public address the far end saw: received=, else a public source. */
static const struct addr *public_of(const struct nat_pair *r)
{
    if (r->have_received && nat_public_like(addr_classify(&r->received)))
        return &r->received;
    if (nat_public_like(addr_classify(&r->client.ip)))
        return &r->client.ip;
    return NULL;
}

/* The private address advertised first (Contact, SDP, Via order of use). */
static const struct addr *advertised(const struct nat_pair *r)
{
    const struct nat_view *v = &r->bad;

    if (r->bad_bits & NAT_F_CONTACT)
        return &v->contact.ip;
    if (r->bad_bits & NAT_F_VIA)
        return &v->via.ip;
    if (r->bad_bits & NAT_F_SDP_C)
        return &v->sdp_c.ip;
    return &v->sdp_o.ip;
}

/* Never contradict the wire: when the far end's own requests reach the
 * advertised private address directly, nothing translates between them (a
 * routed private network, a VPN, an interconnect), so that address is
 * reachable from there and no NAT breaks anything. */
static bool reached_directly(const struct kind_ctx *k, const struct nat_pair *r)
{
    return nat_requests(k->v->nat, &r->server.ip, advertised(r)) > 0;
}

static void config_cause(struct kind_ctx *k, struct finding *f, const struct nat_pair *r,
                         const char *adv)
{
    const struct config_trunk *t;
    char pub[64];

    if (k->v->config == NULL)
        return;
    t = config_match(k->v->config, public_of(r) ? public_of(r) : &r->client.ip, &r->server.ip,
                     span_make("", 0), span_make("", 0));
    if (t == NULL || t->public_ip.n == 0)
        return;
    cidr_str(&t->public_ip.v[0], pub, sizeof(pub));
    finding_cause(f, "the PBX advertises %s but you said the public IP of trunk %s is %s "
                     "(--config)", adv, t->name, pub);
}

static void describe(struct kind_ctx *k, struct finding *f, const struct nat_pair *r)
{
    char src[ADDR_STRLEN], dst[ADDR_STRLEN], adv[ADDR_STRLEN], pub[ADDR_STRLEN];
    char fields[64], geo[32], tail[160];
    const struct addr *p = public_of(r);
    bool carrier_side = nat_public_like(addr_classify(&r->client.ip));

    addr_str(&r->client.ip, src, sizeof(src));
    addr_str(&r->server.ip, dst, sizeof(dst));
    addr_str(advertised(r), adv, sizeof(adv));
    nat_fields(r->bad_bits, fields, sizeof(fields));
    if (p != NULL)
        addr_str(p, pub, sizeof(pub));
    tail[0] = '\0';
    if (r->resp_wrong_port > 0 && !r->bad.rport)
        findings_fmt(tail, sizeof(tail), "; answers go to %s:%u, a port the NAT did not map "
                     "(the source port was %u)", pub, (unsigned)r->resp_wrong_dst.port,
                     (unsigned)r->client.port);
    else if (silent(r))
        findings_fmt(tail, sizeof(tail), "; no answer came back while it retransmitted");
    if (carrier_side)
        finding_summary(f, "PBX %s%s advertises the private address %s in %s%s; the far end "
                           "saw %s%s%s",
                        src, nat_geo(k->v->geoip, &r->client.ip, geo, sizeof(geo)), adv, fields,
                        r->bad.rport ? "" : " (no rport)", p != NULL ? pub : src,
                        r->have_received ? " (received=)" : "", tail);
    else if (p != NULL)
        finding_summary(f, "PBX %s advertises its LAN address in %s to public %s%s; the far "
                           "end saw %s (received=)%s",
                        src, fields, dst, r->bad.rport ? "" : " without rport", pub, tail);
    else
        finding_summary(f, "PBX %s advertises its LAN address in %s to public %s%s: the far "
                           "end cannot answer it through the NAT%s",
                        src, fields, dst, r->bad.rport ? "" : " without rport", tail);
    finding_cause(f, "the PBX does not know its public address (no external address or STUN "
                     "configured), so it puts its LAN address %s in %s", adv, fields);
    if (!r->bad.rport)
        finding_cause(f, "no rport in Via (RFC 3581): answers go to the Via address and port, "
                         "not to the NAT's mapping of the source");
    if (r->bad_bits & NAT_F_CONTACT)
        finding_cause(f, "with a private Contact the far end's in-dialog requests (the ACK of "
                         "calls it sends to the PBX, BYE, re-INVITE) cannot reach the PBX: such "
                         "calls drop after about 32 s (RFC 3261 §13.3.1.4)");
    if (r->bad_bits & NAT_F_SDP_C)
        finding_cause(f, "a private SDP address: the far end's media to it never arrives, so "
                         "audio is one-way or missing unless the far end latches on the source "
                         "(symmetric RTP)");
    config_cause(k, f, r, adv);
    finding_cause(f, "a SIP ALG on the router that should rewrite these headers is absent or "
                     "only partly rewrites them (see sip_alg)");
    if (p != NULL)
        finding_fix(f, "Make the PBX advertise %s: Asterisk pjsip external_signaling_address "
                       "and external_media_address (with local_net); FreeSWITCH ext-sip-ip and "
                       "ext-rtp-ip; or STUN", pub);
    else
        finding_fix(f, "Make the PBX advertise its public address (Asterisk pjsip "
                       "external_signaling_address/external_media_address with local_net; "
                       "FreeSWITCH ext-sip-ip/ext-rtp-ip; or STUN)");
    finding_fix(f, "Send rport in Via and listen on the port the requests leave from, so "
                   "answers follow the NAT mapping");
    finding_fix(f, "Keep the NAT mapping open with OPTIONS or CRLF keep-alives, and disable "
                   "SIP ALG on the router");
}

/* The PBX advertises a public address that is not the one it is seen as:
 * its external address setting is out of date (new ISP lease, failover). */
static void stale(struct kind_ctx *k, const struct kind_event *ev, const struct nat_pair *r)
{
    char src[ADDR_STRLEN], dst[ADDR_STRLEN], adv[ADDR_STRLEN], seen[ADDR_STRLEN];
    char fields[64], entity[128], line[160];
    struct finding *f;

    addr_str(&r->stale_src.ip, src, sizeof(src));
    addr_str(&r->server.ip, dst, sizeof(dst));
    findings_fmt(entity, sizeof(entity), "%s:%u to %s", src, (unsigned)r->stale_src.port, dst);
    f = kind_raise(k, KIND_NAT_REWRITE, SEV_WARNING, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &r->stale_src.ip, &r->server.ip);
    addr_str(&r->stale_adv, adv, sizeof(adv));
    addr_str(&r->stale_seen, seen, sizeof(seen));
    nat_fields(r->stale_bits, fields, sizeof(fields));
    findings_fmt(line, sizeof(line), "%s (%s %s)", r->stale_line, fields, adv);
    finding_cite(k->fs, f, r->stale_frame, r->stale_us, "request with stale address",
                 line);
    if (r->stale_resp_frame != 0)
        finding_cite(k->fs, f, r->stale_resp_frame, r->stale_resp_us,
                     "response with received=", NULL);
    finding_summary(f, "PBX %s advertises the public address %s in %s, but the far end sees "
                       "it as %s%s", src, adv, fields, seen,
                    r->stale_resp_frame ? " (received=)" : "");
    finding_cause(f, "the PBX's external address setting is out of date: the public address "
                     "changed (new ISP lease, failover link) and is now %s", seen);
    finding_cause(f, "the PBX sends through another link or NAT address than the one it "
                     "advertises");
    config_cause(k, f, r, adv);
    finding_fix(f, "Set the PBX's external address to %s (or use STUN / a DNS name updated "
                   "with the address), and keep rport on", seen);
    kind_provider_fix(k, f, ev->peer, KIND_NAT_REWRITE);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct nat_pair *r = ev->nat;
    char src[ADDR_STRLEN], dst[ADDR_STRLEN], entity[128], line[160], role[48], pub[ADDR_STRLEN];
    struct finding *f;
    enum severity sev = SEV_WARNING;

    if (ev->type != KEV_MESSAGE || r == NULL || ev->m == NULL)
        return;
    if (r->stale_bits != 0 && r->bad_bits == 0 &&
        (ev->m->frame == r->stale_frame || ev->m->frame == r->stale_resp_frame))
        stale(k, ev, r);
    if (r->bad_bits == 0 || reached_directly(k, r))
        return;
    /* Evidence of breakage makes it an error: answers sent where the NAT
     * has no mapping, or nothing heard back while retransmitting (UDP).
     * When the far end answers 2xx and the media address is not private,
     * it copes (it latches on the source, as many SBCs do): info. */
    if (r->udp && ((r->resp_wrong_port > 0 && !r->bad.rport) || silent(r)))
        sev = SEV_ERROR;
    else if (r->answered_2xx > 0 && !(r->bad_bits & NAT_F_SDP_C))
        sev = SEV_INFO;
    addr_str(&r->client.ip, src, sizeof(src));
    addr_str(&r->server.ip, dst, sizeof(dst));
    findings_fmt(entity, sizeof(entity), "%s:%u to %s", src, (unsigned)r->bad.src.port, dst);
    f = findings_find(k->fs, KIND_NAT_REWRITE, entity);
    if (f != NULL && f->f.severity >= sev && ev->m->frame != r->resp_frame) {
        /* nothing new to explain: count the copy, show the latest */
        if (ev->m->is_request && ev->m->frame == r->bad_last_frame) {
            f->f.count = r->bad_requests;
            f->f.last_us = ev->m->ts_us;
            finding_cite_latest(k->fs, f, r->bad_last_frame, r->bad_last_us,
                                "latest request", r->bad_line);
        }
        return;
    }
    f = kind_raise(k, KIND_NAT_REWRITE, sev, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &r->client.ip, &r->server.ip);
    f->f.advertised_ip = *advertised(r);
    f->ctx = r->key;
    f->f.count = r->bad_requests ? r->bad_requests : 1;
    nat_fields(r->bad_bits, role, sizeof(role));
    findings_fmt(line, sizeof(line), "%s (%s %s)", r->bad_line, role,
                 addr_str(advertised(r), pub, sizeof(pub)));
    finding_cite(k->fs, f, r->bad_frame, r->bad_us, "request advertising a private "
                 "address", line);
    if (r->bad_last_frame != r->bad_frame)
        finding_cite_latest(k->fs, f, r->bad_last_frame, r->bad_last_us,
                            "latest request", r->bad_line);
    if (r->have_received) {
        char dst_s[ADDR_STRLEN];
        findings_fmt(line, sizeof(line), "%s; Via received=%s%s, sent to %s:%u", r->resp_line,
                     addr_str(&r->received, pub, sizeof(pub)),
                     r->rport_val > 0 ? "" : " (no rport)",
                     addr_str(&r->resp_dst.ip, dst_s, sizeof(dst_s)),
                     (unsigned)r->resp_dst.port);
        finding_cite(k->fs, f, r->resp_frame, r->resp_us, "response with received=",
                     line);
    }
    describe(k, f, r);
    kind_provider_fix(k, f, ev->peer, KIND_NAT_REWRITE);
}

/* The far end's requests may reach the advertised address only after the
 * finding was raised: drop it then (unless answers demonstrably went
 * astray, which is evidence of its own). */
static void on_finish(struct kind_ctx *k)
{
    struct finding *f = findings_first(k->fs), *next;

    for (; f != NULL; f = next) {
        struct nat_pair r;
        next = findings_next(k->fs, f);
        if (f->f.kind_id != KIND_NAT_REWRITE || f->ctx == 0 || f->f.severity >= SEV_ERROR)
            continue;
        if (nat_pair_get(k->v->nat, f->ctx, &r) && r.bad_bits != 0 && reached_directly(k, &r))
            findings_drop(k->fs, f);
    }
}

const struct kind kind_nat_rewrite = {
    KIND_NAT_REWRITE, 0, on_event, on_finish,
    KEV_BIT(KEV_MESSAGE)
};
