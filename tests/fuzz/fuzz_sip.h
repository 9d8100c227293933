/*
 * fuzz_sip.h — read every span a parsed struct sip_msg holds, so a span
 * that points outside the payload or the parser's arena is an ASan report
 * in the fuzz targets rather than a silent wrong answer. Also checks the
 * invariants sip.h promises (counts within their arrays).
 */
#ifndef SIPSCOPE_FUZZ_SIP_H
#define SIPSCOPE_FUZZ_SIP_H

#include <stdlib.h>

#include "sip.h"

static inline void fuzz_touch_span(struct span s)
{
    volatile char sink = 0;
    for (size_t i = 0; i < s.len; i++)
        sink ^= s.p[i];
    (void)sink;
}

static inline void fuzz_touch_uri(const struct sip_uri *u)
{
    fuzz_touch_span(u->raw);
    fuzz_touch_span(u->scheme);
    fuzz_touch_span(u->user);
    fuzz_touch_span(u->host);
    fuzz_touch_span(u->transport);
}

static inline void fuzz_touch_msg(const struct sip_msg *m)
{
    fuzz_touch_span(m->method_name);
    fuzz_touch_uri(&m->ruri);
    fuzz_touch_span(m->reason_phrase);
    fuzz_touch_span(m->call_id);
    fuzz_touch_span(m->cseq_method_name);
    const struct sip_nameaddr *na[2] = { &m->from, &m->to };
    for (int i = 0; i < 2; i++) {
        fuzz_touch_span(na[i]->raw);
        fuzz_touch_span(na[i]->display);
        fuzz_touch_uri(&na[i]->uri);
        fuzz_touch_span(na[i]->tag);
    }
    if (m->n_via > SIP_MAX_VIA || m->n_contact > SIP_MAX_CONTACT ||
        m->n_challenge > SIP_MAX_CHALLENGE || m->sdp.n_media > SIP_MAX_MEDIA ||
        (m->via_total < m->n_via))
        abort();    /* sip.h: counts never exceed their arrays */
    for (unsigned i = 0; i < m->n_via; i++) {
        fuzz_touch_span(m->via[i].host);
        fuzz_touch_span(m->via[i].branch);
        fuzz_touch_span(m->via[i].received);
    }
    for (unsigned i = 0; i < m->n_contact; i++)
        fuzz_touch_uri(&m->contact[i].uri);
    fuzz_touch_span(m->user_agent);
    fuzz_touch_span(m->server);
    const struct sip_cred *c = &m->cred;
    struct span cs[] = { c->scheme, c->username, c->realm, c->nonce, c->uri, c->response,
                         c->algorithm, c->qop, c->nc, c->cnonce, c->opaque };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
        fuzz_touch_span(cs[i]);
    for (unsigned i = 0; i < m->n_challenge; i++) {
        const struct sip_challenge *h = &m->challenge[i];
        fuzz_touch_span(h->scheme);
        fuzz_touch_span(h->realm);
        fuzz_touch_span(h->nonce);
        fuzz_touch_span(h->algorithm);
        fuzz_touch_span(h->qop);
        fuzz_touch_span(h->opaque);
    }
    fuzz_touch_span(m->reason_hdr);
    fuzz_touch_span(m->warning);
    fuzz_touch_span(m->x_twilio_error);
    fuzz_touch_span(m->content_type);
    fuzz_touch_span(m->sdp.o_addr);
    fuzz_touch_span(m->sdp.c_addr);
    for (unsigned i = 0; i < m->sdp.n_media; i++) {
        fuzz_touch_span(m->sdp.media[i].type);
        fuzz_touch_span(m->sdp.media[i].proto);
        fuzz_touch_span(m->sdp.media[i].c_addr);
    }
    fuzz_touch_span(m->raw);
    if (m->body_len > m->raw.len)
        abort();    /* the body lies inside the message */
}

#endif
