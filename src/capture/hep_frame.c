/*
 * hep_frame.c — the HEP receiver's framer and gate (see hep_frame.h).
 *
 * Place in the flow: capture (hep_in.c, on the capture thread) → here →
 * the record goes to the ring or is refused and counted. This is admission
 * control, not decoding: only the record's own lengths, its capture id and
 * its key are read (through the cursor); the SIP inside is decode_hep.c's.
 * Refusing here keeps spoofed or malformed records out of the ring, so a
 * flood of them cannot push out the real agents' packets.
 * Thread: whichever calls it (the capture thread); no allocation, no I/O.
 */
#include "hep_frame.h"

#include <nettle/memops.h>
#include <string.h>

#include "cursor.h"

/* HEPv3: every chunk {vendor, type, length >= 6} inside the total, the last
 * ending exactly at it. The walk is bounded by the total (6 bytes a chunk). */
static enum hep_verdict gate3(struct cursor c, size_t n, const uint8_t *key, size_t key_len,
                              size_t max_len, struct hep_rec *out)
{
    uint16_t total;
    struct cursor body;
    bool key_seen = false, key_ok = true;

    out->version = 3;
    cursor_skip(&c, 4);
    if (!cursor_be16(&c, &total) || total < 6)
        return HEP_MALFORMED;
    out->len = total;
    if (total > max_len)
        return HEP_OVERSIZE;
    if (total > n || !cursor_sub(&c, (size_t)total - 6, false, &body))
        return HEP_MALFORMED;
    while (cursor_left(&body) > 0) {
        uint16_t vendor, type, clen;
        struct cursor ch;
        if (!cursor_be16(&body, &vendor) || !cursor_be16(&body, &type) ||
            !cursor_be16(&body, &clen) || clen < 6 ||
            !cursor_sub(&body, (size_t)clen - 6, false, &ch))
            return HEP_MALFORMED;
        if (vendor != 0)
            continue;
        if (type == 0x000c && cursor_be32(&ch, &out->capid)) {
            out->have_capid = true;
        } else if (type == 0x000e) {
            size_t kl = cursor_left(&ch);
            key_seen = true;
            /* Every key chunk must match; the length is not secret. */
            if (key_len > 0 && (kl != key_len || !memeql_sec(cursor_ptr(&ch), key, kl)))
                key_ok = false;
        }
    }
    if (key_len == 0)
        return HEP_OK;
    if (!key_seen)
        return HEP_NO_KEY;
    return key_ok ? HEP_OK : HEP_BAD_KEY;
}

/* HEPv1/v2 (captagent, Kamailio siptrace hep_version 1/2): version, header
 * length, family (AF_INET 2; AF_INET6 10 on Linux, 28/30 on the BSDs),
 * protocol, ports, both addresses, and for v2 a time header whose last
 * field (little endian, as captagent writes it) is the 16-bit capture id.
 * decode_hep.c reads the same layout; the payload is its business. */
static enum hep_verdict gate12(struct cursor c, size_t n, const uint8_t *key, size_t key_len,
                               size_t max_len, struct hep_rec *out)
{
    uint8_t ver, hlen, fam;
    size_t alen;
    uint16_t capid;

    if (!cursor_u8(&c, &ver) || !cursor_u8(&c, &hlen) || !cursor_u8(&c, &fam))
        return HEP_MALFORMED;
    out->version = ver;
    out->len = n;
    if (n > max_len)
        return HEP_OVERSIZE;
    if (fam == 2)
        alen = 4;
    else if (fam == 10 || fam == 28 || fam == 30)
        alen = 16;
    else
        return HEP_MALFORMED;
    if (hlen < 8 + 2 * alen || n < 8 + 2 * alen + (ver == 2 ? 12 : 0))
        return HEP_MALFORMED;
    if (ver == 2 && cursor_skip(&c, 5 + 2 * alen + 8) && cursor_le16(&c, &capid)) {
        out->capid = capid;
        out->have_capid = true;
    }
    return key_len > 0 ? HEP_NO_KEY : HEP_OK;
}

enum hep_verdict hep_gate(const uint8_t *p, size_t n, const uint8_t *key, size_t key_len,
                          size_t max_len, struct hep_rec *out)
{
    struct cursor c = cursor_make(p, n);
    uint8_t b0;

    memset(out, 0, sizeof(*out));
    if (cursor_has(&c, 4) && memcmp(p, "HEP3", 4) == 0)
        return gate3(c, n, key, key_len, max_len, out);
    if (cursor_peek(&c, 0, &b0) && (b0 == 1 || b0 == 2))
        return gate12(c, n, key, key_len, max_len, out);
    out->len = n;
    return HEP_MALFORMED;
}

/* ---- the stream framer --------------------------------------------------- */

void hep_framer_reset(struct hep_framer *f)
{
    f->off = f->len = f->skip = 0;
}

size_t hep_frame_pending(const struct hep_framer *f)
{
    return f->len - f->off;
}

uint8_t *hep_frame_room(struct hep_framer *f, size_t *room)
{
    if (f->off > 0) {
        memmove(f->buf, f->buf + f->off, f->len - f->off);
        f->len -= f->off;
        f->off = 0;
    }
    *room = sizeof(f->buf) - f->len;
    return f->buf + f->len;
}

void hep_frame_fill(struct hep_framer *f, size_t n)
{
    size_t room = sizeof(f->buf) - f->len;

    f->len += n < room ? n : room;
}

/* Drop what is buffered of an oversize record; the bytes still to come. */
static size_t discard(struct hep_framer *f)
{
    size_t k = f->skip < f->len - f->off ? f->skip : f->len - f->off;

    f->off += k;
    f->skip -= k;
    return f->skip;
}

enum hep_frame_rc hep_frame_next(struct hep_framer *f, size_t max_len, const uint8_t **rec,
                                 size_t *rec_len)
{
    struct cursor c;
    uint16_t total;

    if (f->skip > 0 && discard(f) > 0)
        return HEP_FRAME_NEED;
    c = cursor_make(f->buf + f->off, f->len - f->off);
    if (!cursor_has(&c, 6)) {
        /* Even a short prefix that is not "HEP3" has lost the framing. */
        if (memcmp(f->buf + f->off, "HEP3", f->len - f->off < 4 ? f->len - f->off : 4) != 0)
            return HEP_FRAME_BAD;
        return HEP_FRAME_NEED;
    }
    if (memcmp(cursor_ptr(&c), "HEP3", 4) != 0)
        return HEP_FRAME_BAD;
    cursor_skip(&c, 4);
    cursor_be16(&c, &total);
    if (total < 6)
        return HEP_FRAME_BAD;
    if (total > max_len) {
        f->skip = total;
        discard(f);     /* what is here already; the rest as it arrives */
        return HEP_FRAME_OVERSIZE;
    }
    if (f->len - f->off < total)
        return HEP_FRAME_NEED;
    *rec = f->buf + f->off;
    *rec_len = total;
    f->off += total;
    return HEP_FRAME_RECORD;
}
