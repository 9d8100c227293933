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

uint64_t peer_key_cached(struct engine *e, const struct addr *x, const struct addr *y)
{
    if (e->view_pk_ok && ((addr_eq(&e->view_pk_a, x) && addr_eq(&e->view_pk_b, y)) ||
                          (addr_eq(&e->view_pk_a, y) && addr_eq(&e->view_pk_b, x))))
        return e->view_pk;
    e->view_pk = peer_key_of(&e->peers, x, y);
    e->view_pk_a = *x;
    e->view_pk_b = *y;
    e->view_pk_ok = true;
    return e->view_pk;
}

struct peer *peer_on_msg(struct engine *e, const struct sip_msg *m)
{
    bool created;
    uint64_t key = peer_key_cached(e, &m->src.ip, &m->dst.ip);
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
    } else {
        struct peer_side *sd = &p->side[src_is_a ? 0 : 1];
        if (m->status == 401 || m->status == 407) {
            p->client_score += src_is_a ? -10 : 10;     /* the receiver is the client */
            sd->challenges++;
        } else {
            p->client_score += src_is_a ? -1 : 1;       /* the answerer is the server */
        }
        if (sd->responses++ == 0) {
            sd->first_resp_frame = m->frame;
            sd->first_resp_us = m->ts_us;
        }
        sd->last_resp_frame = m->frame;
        sd->last_resp_us = m->ts_us;
        if (m->status < 200)
            sd->provisional++;
    }
    return p;
}

/* "+14155550100", "0097239287044": a phone number as a Request-URI user
 * (E.164 with or without +, national forms with a trunk prefix). */
static bool phone_number(struct span u)
{
    size_t i = u.len > 0 && u.p[0] == '+' ? 1 : 0, digits = 0;

    for (; i < u.len; i++) {
        if (u.p[i] >= '0' && u.p[i] <= '9')
            digits++;
        else if (u.p[i] != '-' && u.p[i] != '.')
            return false;
    }
    return digits >= 7 && digits <= 16;
}

void peer_on_request(struct peer *p, const struct sip_msg *m)
{
    struct peer_side *sd = &p->side[peer_side_of(p, &m->src.ip)];

    if (m->method == SIP_ACK)
        return;
    sd->requests++;
    if (m->method == SIP_REGISTER)
        sd->registers++;
    else if (m->method == SIP_INVITE && m->to.tag.len == 0 && phone_number(m->ruri.user))
        sd->e164_invites++;
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
    /* "PBX %s -> trunk %s:%u" ("[%s]:%u" for IPv6) cut at len - 1 bytes as
     * findings_fmt cuts it, without vsnprintf: every peer of a snapshot */
    char port[8], *d = port + sizeof(port);
    unsigned v = s.port;
    bool v4 = addr_is_v4(&s.ip);
    const char *part[7] = { "PBX ", ci, v4 ? " -> trunk " : " -> trunk [", si,
                            v4 ? ":" : "]:", NULL, NULL };
    size_t at = 0;

    if (len == 0)
        return;
    addr_str(&c.ip, ci, sizeof(ci));
    addr_str(&s.ip, si, sizeof(si));
    *--d = '\0';
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    part[5] = d;
    for (int i = 0; part[i] != NULL && at + 1 < len; i++) {
        size_t k = strlen(part[i]);
        if (k > len - 1 - at)
            k = len - 1 - at;
        memcpy(buf + at, part[i], k);
        at += k;
    }
    buf[at] = '\0';
}
