/*
 * decode_sctp.c — SIP over SCTP (RFC 4168): the common header and DATA
 * (RFC 9260 §3.3.1) and I-DATA (RFC 8260) chunks. An unfragmented chunk
 * (B and E set) whose user data starts a SIP message is one payload, whatever
 * its PPID. A user message split over several DATA chunks (B ... E, one
 * stream, consecutive TSNs) is joined in one of SCTP_SLOTS fixed slots of at
 * most caps->sip_msg_bytes; a gap in the TSNs drops it (counted), a new
 * message at the slot cap evicts the least recently used slot (counted).
 * Place in the flow: decode_ip → here → sip payloads.
 * Thread: the analysis thread that owns the decoder.
 */
#include "decode_int.h"

#include <stdlib.h>
#include <string.h>

#define SCTP_DATA 0
#define SCTP_IDATA 64
#define SCTP_MAX_CHUNKS 64      /* bound the work per packet */
#define SCTP_SLOTS 16           /* fragmented messages being joined at once */

struct sctp_slot {
    bool used;
    struct endpoint src, dst;
    uint16_t sid;
    uint32_t next_tsn;
    uint64_t busy_frame;        /* completed in this frame: bytes still lent out */
    int64_t last_us;
    size_t len;
    uint8_t *buf;               /* caps.sip_msg_bytes, allocated on first use */
};

bool decode_sctp_init(struct decoder *d)
{
    d->sctp = calloc(SCTP_SLOTS, sizeof(*d->sctp));
    return d->sctp != NULL;
}

void decode_sctp_free(struct decoder *d)
{
    if (d->sctp == NULL)
        return;
    for (unsigned i = 0; i < SCTP_SLOTS; i++)
        free(d->sctp[i].buf);
    free(d->sctp);
    d->sctp = NULL;
}

static bool slot_match(const struct sctp_slot *s, const struct dctx *x, uint16_t sid)
{
    return s->used && s->sid == sid && s->src.port == x->src.port &&
           s->dst.port == x->dst.port && addr_eq(&s->src.ip, &x->src.ip) &&
           addr_eq(&s->dst.ip, &x->dst.ip);
}

/* One fragment of a user message (flags: B=2, E=1). */
static void sctp_fragment(struct dctx *x, uint8_t flags, uint32_t tsn, uint16_t sid,
                          const uint8_t *p, size_t n)
{
    struct decoder *d = x->d;
    struct sctp_slot *s = NULL;
    size_t cap = (size_t)d->caps.sip_msg_bytes;

    dctx_count(x, DC_SCTP_FRAGMENTED);
    for (unsigned i = 0; i < SCTP_SLOTS; i++)
        if (slot_match(&d->sctp[i], x, sid)) {
            s = &d->sctp[i];
            break;
        }
    if (flags & 2) {            /* B: a new message */
        if (s == NULL) {
            struct sctp_slot *victim = NULL;
            for (unsigned i = 0; i < SCTP_SLOTS; i++) {
                struct sctp_slot *c = &d->sctp[i];
                if (c->busy_frame == x->pkt->frame && c->busy_frame != 0)
                    continue;
                if (!c->used) {
                    victim = c;
                    break;
                }
                if (victim == NULL || c->last_us < victim->last_us)
                    victim = c;
            }
            if (victim == NULL)
                return;
            if (victim->used)
                dctx_count(x, DC_SCTP_FRAG_EVICTED);
            s = victim;
        } else {
            dctx_count(x, DC_SCTP_FRAG_LOST);   /* previous one never ended */
        }
        if (s->buf == NULL && (s->buf = malloc(cap)) == NULL)
            return;
        s->used = true;
        s->src = x->src;
        s->dst = x->dst;
        s->sid = sid;
        s->len = 0;
    } else if (s == NULL || tsn != s->next_tsn) {
        if (s != NULL)
            s->used = false;
        dctx_count(x, DC_SCTP_FRAG_LOST);
        return;
    }
    if (n > cap - s->len) {
        s->used = false;
        dctx_count(x, DC_SCTP_FRAG_LOST);
        return;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->next_tsn = tsn + 1;
    s->last_us = x->pkt->ts_us;
    if (flags & 1) {            /* E: complete */
        s->used = false;
        s->busy_frame = x->pkt->frame;
        dctx_count(x, DC_SCTP_REASSEMBLED);
        if (frame_is_sip(s->buf, s->len))
            decode_emit(x, s->buf, s->len, TRANSPORT_SCTP, x->src.port, x->dst.port);
        else
            dctx_count(x, DC_SCTP_NOT_SIP);
    }
}

void decode_sctp(struct dctx *x, struct cursor c)
{
    uint16_t sport = 0, dport = 0;

    if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_skip(&c, 8)) {
        dctx_count(x, DC_SCTP_SHORT);
        return;
    }
    x->src.port = sport;
    x->dst.port = dport;
    for (unsigned i = 0; i < SCTP_MAX_CHUNKS && cursor_left(&c) > 0; i++) {
        uint8_t type = 0, flags = 0;
        uint16_t clen = 0, sid = 0;
        uint32_t tsn = 0;
        struct cursor ch;
        size_t hdr;

        if (!cursor_u8(&c, &type) || !cursor_u8(&c, &flags) || !cursor_be16(&c, &clen) ||
            clen < 4 || !cursor_sub(&c, (size_t)clen - 4, false, &ch)) {
            dctx_count(x, DC_SCTP_CHUNK_BAD);
            return;
        }
        /* Chunks are padded to 4 bytes; the last one may lack its padding. */
        cursor_skip(&c, (4 - (clen & 3)) & 3);
        if (type != SCTP_DATA && type != SCTP_IDATA)
            continue;
        hdr = type == SCTP_DATA ? 12 : 16;  /* TSN, SID, SSN/MID, PPID/FSN */
        if (!cursor_be32(&ch, &tsn) || !cursor_be16(&ch, &sid) || !cursor_skip(&ch, hdr - 6)) {
            dctx_count(x, DC_SCTP_CHUNK_BAD);
            continue;
        }
        if ((flags & 0x03) != 0x03) {
            sctp_fragment(x, flags & 0x03, tsn, sid, cursor_ptr(&ch), cursor_left(&ch));
            continue;
        }
        if (frame_is_sip(cursor_ptr(&ch), cursor_left(&ch)))
            decode_emit(x, cursor_ptr(&ch), cursor_left(&ch), TRANSPORT_SCTP, sport, dport);
        else
            dctx_count(x, DC_SCTP_NOT_SIP);
    }
}
