/*
 * peer.c — peers: the pair of addresses a PBX and a trunk (or a phone and
 * its registrar, or a scanner and its target) talk over, keyed by the
 * unordered address pair so both directions meet in one record.
 *
 * Direction: the side that sends requests is probably the client; the side
 * that sends credentials or receives challenges certainly is (weighted 10
 * to 1), so in-dialog requests from the trunk (BYE, re-INVITE) do not flip
 * who the PBX is.
 *
 * Flow: engine_msg → peer. Thread: the analysis thread.
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

uint64_t peer_key_of(const struct ctab *peers, const struct addr *x, const struct addr *y)
{
    uint8_t buf[32];
    bool swap = memcmp(x->b, y->b, 16) > 0;

    memcpy(buf, swap ? y->b : x->b, 16);
    memcpy(buf + 16, swap ? x->b : y->b, 16);
    return ctab_hash(peers, buf, sizeof(buf));
}

struct peer *peer_on_msg(struct engine *e, const struct sip_msg *m)
{
    bool created;
    uint64_t key = peer_key_of(&e->peers, &m->src.ip, &m->dst.ip);
    struct peer *p = ctab_get(&e->peers, key, &created);
    bool src_is_a;
    int64_t w = 0;

    if (p == NULL)
        return NULL;
    if (created) {
        bool swap = memcmp(m->src.ip.b, m->dst.ip.b, 16) > 0;
        p->key = key;
        p->a = swap ? m->dst.ip : m->src.ip;
        p->b = swap ? m->src.ip : m->dst.ip;
        p->first_us = m->ts_us;
        p->site_id = m->site_id;
    }
    p->last_us = m->ts_us;
    src_is_a = addr_eq(&m->src.ip, &p->a);
    if (src_is_a) {
        p->ep_a = m->src;
        p->ep_b = m->dst;
    } else {
        p->ep_b = m->src;
        p->ep_a = m->dst;
    }
    if (m->is_request) {
        w = m->cred.present ? 10 : 1;
        p->client_score += src_is_a ? w : -w;
        if (m->method != SIP_ACK && m->method != SIP_BYE && p->ruri_host[0] == '\0')
            corr_copy(p->ruri_host, sizeof(p->ruri_host), m->ruri.host);
        if (m->cred.present && p->user[0] == '\0')
            corr_copy(p->user, sizeof(p->user), m->cred.username);
    } else if (m->status == 401 || m->status == 407) {
        p->client_score += src_is_a ? -10 : 10;     /* the receiver is the client */
    }
    return p;
}

void peer_sides(const struct peer *p, struct endpoint *client, struct endpoint *server)
{
    if (p->client_score >= 0) {
        *client = p->ep_a;
        *server = p->ep_b;
    } else {
        *client = p->ep_b;
        *server = p->ep_a;
    }
}

void peer_name(const struct peer *p, char *buf, size_t len)
{
    struct endpoint c, s;
    char ci[ADDR_STRLEN], si[ADDR_STRLEN];

    peer_sides(p, &c, &s);
    addr_str(&c.ip, ci, sizeof(ci));
    addr_str(&s.ip, si, sizeof(si));
    if (addr_is_v4(&s.ip))
        findings_fmt(buf, len, "PBX %s -> trunk %s:%u", ci, si, (unsigned)s.port);
    else
        findings_fmt(buf, len, "PBX %s -> trunk [%s]:%u", ci, si, (unsigned)s.port);
}
