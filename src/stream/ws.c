/*
 * ws.c — WebSocket frame parsing (RFC 6455 §5.2, §5.3 masking) for
 * SIP over WebSocket (RFC 7118), part of the framer: the frames are cut
 * out of the reassembled TCP stream by frame.c, which calls these pure
 * helpers; a frame's declared length is never trusted beyond the bytes
 * present and the caller's maximum (the SIP message cap). Any thread (no
 * state).
 */
#include "ws.h"

#include <string.h>

#include "cursor.h"

int ws_frame_parse(const uint8_t *p, size_t n, size_t max, struct ws_frame *f)
{
    struct cursor c = cursor_make(p, n);
    uint8_t b0, b1;
    uint64_t len;

    if (!cursor_u8(&c, &b0) || !cursor_u8(&c, &b1))
        return 0;
    /* RSV bits need a negotiated extension (permessage-deflate): we cannot
     * read compressed SIP, so treat it as invalid. */
    if ((b0 & 0x70) != 0)
        return -1;
    f->fin = (b0 & 0x80) != 0;
    f->opcode = b0 & 0x0f;
    f->masked = (b1 & 0x80) != 0;
    len = b1 & 0x7f;
    if (len == 126) {
        uint16_t v;
        if (!cursor_be16(&c, &v))
            return 0;
        len = v;
    } else if (len == 127) {
        uint32_t hi, lo;
        if (!cursor_be32(&c, &hi) || !cursor_be32(&c, &lo))
            return 0;
        len = ((uint64_t)hi << 32) | lo;
    }
    if ((f->opcode >= 3 && f->opcode <= 7) || f->opcode >= 11)
        return -1;
    if (len > max)
        return -1;
    if (f->masked) {
        if (!cursor_bytes(&c, f->mask, 4))
            return 0;
    } else {
        memset(f->mask, 0, 4);
    }
    f->hdr_len = c.off;
    f->payload_len = (size_t)len;
    return cursor_has(&c, f->payload_len) ? 1 : 0;
}

void ws_unmask(uint8_t *payload, size_t n, const struct ws_frame *f)
{
    if (!f->masked)
        return;
    for (size_t i = 0; i < n; i++)
        payload[i] ^= f->mask[i & 3];
}

int ws_join(uint8_t *p, size_t n, size_t max, size_t *used, size_t *msg)
{
    size_t off = 0, total = 0;
    struct ws_frame f;

    /* First pass: is the whole message here? (Nothing is modified.) */
    for (bool first = true;; first = false) {
        int rc = ws_frame_parse(p + off, n - off, max, &f);
        if (rc <= 0)
            return rc;
        if (f.opcode < 8) {
            if (first != (f.opcode != 0))
                return -1;      /* a start inside, or a continuation first */
            total += f.payload_len;
            if (total > max)
                return -1;
        }
        off += f.hdr_len + f.payload_len;
        if (f.opcode < 8 && f.fin)
            break;
    }
    /* Second pass: unmask and compact; the write point never passes the
     * read point because every frame has a header of at least 2 bytes. */
    size_t w = 0, r = 0;
    while (r < off) {
        ws_frame_parse(p + r, off - r, max, &f);
        uint8_t *pl = p + r + f.hdr_len;
        if (f.opcode < 8) {
            ws_unmask(pl, f.payload_len, &f);
            memmove(p + w, pl, f.payload_len);
            w += f.payload_len;
        }
        r += f.hdr_len + f.payload_len;
    }
    *used = off;
    *msg = w;
    return 1;
}

bool ws_is_handshake(const uint8_t *p, size_t n)
{
    return (n >= 4 && memcmp(p, "GET ", 4) == 0) ||
           (n >= 12 && (memcmp(p, "HTTP/1.1 101", 12) == 0 || memcmp(p, "HTTP/1.0 101", 12) == 0));
}
