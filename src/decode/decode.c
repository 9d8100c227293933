/*
 * decode.c — the decoder object and its entry points (decode.h): owns the
 * counters and the IP and TCP reassembly state, starts each frame at the
 * link layer and collects payloads.
 * Place in the flow: ring → decode (this, decode_link, decode_ip,
 * decode_l4, decode_tunnel, decode_hep, decode_sctp; the stream stage for
 * reassembly and framing) → sip_parse. Thread: the analysis thread that
 * owns it.
 *
 * Per packet the UDP path allocates nothing: payloads point into the
 * packet bytes; only fragments and TCP buffers come from reassembly
 * storage, itself bounded by caps.h.
 */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

#define DECODE_MAX_DEPTH 16     /* hard ceiling whatever --cap tunnel_depth says */

struct decoder *decoder_new(const struct caps *caps)
{
    struct decoder *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->caps = *caps;
    if (d->caps.tunnel_depth > DECODE_MAX_DEPTH)
        d->caps.tunnel_depth = DECODE_MAX_DEPTH;
    d->rip = reasm_ip_new(&d->caps, (unsigned)d->caps.tunnel_depth + 1);
    d->rtcp = reasm_tcp_new(&d->caps);
    d->tls = tls_table_new(&d->caps);
    if (d->rip == NULL || d->rtcp == NULL || d->tls == NULL || !decode_sctp_init(d)) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

void decoder_free(struct decoder *d)
{
    if (d == NULL)
        return;
    reasm_ip_free(d->rip);
    reasm_tcp_free(d->rtcp);
    tls_table_free(d->tls);
    decode_sctp_free(d);
    free(d);
}

bool decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case 0:     /* DLT_NULL */
    case 1:     /* DLT_EN10MB */
    case 9:     /* DLT_PPP */
    case 12:    /* DLT_RAW */
    case 14:    /* DLT_RAW (OpenBSD) */
    case 50:    /* DLT_PPP_SERIAL */
    case 101:   /* LINKTYPE_RAW */
    case 108:   /* DLT_LOOP */
    case 113:   /* DLT_LINUX_SLL */
    case 228:   /* DLT_IPV4 */
    case 229:   /* DLT_IPV6 */
    case 276:   /* DLT_LINUX_SLL2 */
        return true;
    default:
        return false;
    }
}

size_t decode_packet(struct decoder *d, const struct packet *pkt, struct sip_payload *out,
                     size_t max)
{
    struct dctx x;
    uint32_t caplen = pkt->caplen;

    memset(&x, 0, sizeof(x));
    x.d = d;
    x.pkt = pkt;
    x.out = out;
    x.max = max;
    d->ctr[DC_PACKETS]++;
    /* Reassembly timeouts follow packet time; sweep about once a second. */
    if (pkt->ts_us - d->last_expire_us >= 1000000 || pkt->ts_us < d->last_expire_us) {
        decode_expire(d, pkt->ts_us);
    }
    if (pkt->data == NULL)
        caplen = 0;
    decode_link(&x, pkt->linktype, cursor_make(pkt->data, caplen));
    for (size_t i = 0; i < x.n; i++)
        if (!out[i].not_sip)
            d->ctr[DC_PAYLOADS]++;
    return x.n;
}

void decode_set_media(struct decoder *d, bool on)
{
    d->emit_udp = on;
}

void decode_expire(struct decoder *d, int64_t now_us)
{
    d->last_expire_us = now_us;
    reasm_ip_expire(d->rip, now_us);
    reasm_tcp_expire(d->rtcp, now_us);
    tls_expire(d->tls, now_us);
}

void decode_tls_sink(struct decoder *d, tls_sink_fn fn, void *ud)
{
    tls_table_sink(d->tls, fn, ud);
}

bool decode_tls_keylog(struct decoder *d, struct keylog *kl)
{
    return tls_table_keylog(d->tls, kl);
}

void decode_finish(struct decoder *d, int64_t end_us)
{
    tls_finish(d->tls, end_us);
}

void decode_stats(const struct decoder *d, stats_fn fn, void *ud)
{
    static const char *const names[DC_COUNT] = {
#define DECODE_NAME(id, name) name,
        DECODE_COUNTERS(DECODE_NAME)
#undef DECODE_NAME
    };
    for (size_t i = 0; i < DC_COUNT; i++)
        fn(ud, names[i], d->ctr[i]);
    reasm_ip_stats(d->rip, fn, ud);
    reasm_tcp_stats(d->rtcp, fn, ud);
    tls_stats(d->tls, fn, ud);
}

struct sip_payload *decode_emit(struct dctx *x, const uint8_t *p, size_t n, enum transport t,
                                uint16_t sport, uint16_t dport)
{
    struct sip_payload *o;

    if (x->n >= x->max) {
        dctx_count(x, DC_OUT_FULL);
        return NULL;
    }
    o = &x->out[x->n++];
    o->frame = x->pkt->frame;
    o->ts_us = x->pkt->ts_us;
    o->src = x->src;
    o->dst = x->dst;
    o->src.port = sport;
    o->dst.port = dport;
    o->transport = t;
    o->site_id = 0;
    o->from_hep = false;
    o->quoted = x->quoted;
    o->not_sip = false;
    o->data = p;
    o->len = n;
    return o;
}
