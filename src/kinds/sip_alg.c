/*
 * sip_alg.c — kind sip_alg: signs that a SIP ALG (a NAT router's SIP
 * "helper") rewrites messages on the way: a Content-Length that does not
 * match the UDP body (RFC 3261 §18.3, §20.14: the body was rewritten and
 * the length was not), the public address in Via/Contact while the SDP
 * keeps the LAN address (or the reverse), a response whose top Via sent-by
 * is not what the request carried (the PBX then cannot match it, §17.1.3),
 * a Via/Contact port rewritten to the NAT's mapped source port. Each sign
 * is cited with its frame; the fix says how to turn the ALG off.
 * Reads KEV_MESSAGE (the NAT record of src/correlate/nat.c).
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"
#include "correlate/nat.h"

static const char *const roles[] = {
    "Content-Length mismatch", "headers and SDP disagree", "response Via changed",
    "port rewritten",
};

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct nat_pair *r = ev->nat;
    char a[ADDR_STRLEN], b[ADDR_STRLEN], entity[128], what[SNAP_TEXT];
    struct finding *f;
    size_t n = 0;
    unsigned cited = 0;

    if (ev->type != KEV_MESSAGE || r == NULL || r->alg == 0 || ev->m == NULL)
        return;
    findings_fmt(entity, sizeof(entity), "%s to %s", addr_str(&r->client.ip, a, sizeof(a)),
                 addr_str(&r->server.ip, b, sizeof(b)));
    f = findings_find(k->fs, KIND_SIP_ALG, entity);
    if (f != NULL) {
        /* only a message that added a sign is news */
        for (unsigned i = 0; i < 4; i++)
            if ((r->alg & (1u << i)) && r->alg_frame[i] == ev->m->frame)
                cited |= 1u << i;
        if (cited == 0)
            return;
    }
    f = kind_raise(k, KIND_SIP_ALG, SEV_WARNING, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    what[0] = '\0';
    for (unsigned i = 0; i < 4; i++) {
        if (!(r->alg & (1u << i)))
            continue;
        finding_cite(k->fs, f, r->alg_frame[i], r->alg_us[i], roles[i], r->alg_text[i]);
        findings_fmt(what + n, sizeof(what) - n, "%s%s", n ? "; " : "", r->alg_text[i]);
        n = strlen(what);
    }
    finding_summary(f, "A SIP ALG seems to rewrite messages between %s and %s: %s", a, b, what);
    finding_cause(f, "the router or firewall in front of the PBX runs a SIP ALG (\"SIP helper\", "
                     "\"SIP fixup\") that rewrites addresses, ports or the body");
    if (r->alg & NAT_ALG_MIXED)
        finding_cause(f, "or the PBX sets its external address for signalling but not for media "
                         "(or the reverse)");
    if (r->alg & NAT_ALG_LENGTH)
        finding_cause(f, "a rewritten body whose Content-Length was not updated is truncated "
                         "or rejected by the far end (RFC 3261 §18.3)");
    finding_fix(f, "Disable the SIP ALG: Cisco IOS \"no ip nat service sip udp port 5060\" (and "
                   "tcp); Juniper SRX \"set security alg sip disable\"; Linux \"modprobe -r "
                   "nf_nat_sip nf_conntrack_sip\"");
    finding_fix(f, "FortiGate: set default-voip-alg-mode kernel-helper-based and delete the sip "
                   "session-helper; on consumer routers untick \"SIP ALG\"");
    finding_fix(f, "Then let the PBX handle NAT itself (external address, rport), or use TLS "
                   "(5061), which an ALG cannot rewrite");
    kind_provider_fix(k, f, ev->peer, KIND_SIP_ALG);
}

const struct kind kind_sip_alg = {
    KIND_SIP_ALG, 0, on_event, NULL,
    KEV_BIT(KEV_MESSAGE)
};
