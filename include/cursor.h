/*
 * cursor.h — the one way sipscope reads bytes that came from the wire.
 *
 * Every decoder and the SIP scanner read packet bytes only through a
 * struct cursor: a (pointer, length, offset) triple whose helpers return
 * false instead of reading past the end. A layer hands the next one a
 * sub-cursor clipped to the length it declares (cursor_sub), so padding and
 * lying inner lengths can never widen what a later layer may read.
 *
 * Pointer lifetime: a cursor borrows its bytes; it is valid only as long as
 * the buffer it was made from. Thread: any (no shared state).
 */
#ifndef SIPSCOPE_CURSOR_H
#define SIPSCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const uint8_t *p;   /* first byte */
    size_t len;         /* bytes readable from p */
    size_t off;         /* next byte to read */
};

static inline struct cursor cursor_make(const void *p, size_t len)
{
    struct cursor c = { (const uint8_t *)p, len, 0 };
    return c;
}

/* Bytes left to read. Never negative: off <= len is an invariant. */
static inline size_t cursor_left(const struct cursor *c)
{
    return c->len - c->off;
}

static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
    return c->p + c->off;
}

static inline bool cursor_has(const struct cursor *c, size_t n)
{
    return n <= c->len - c->off;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
    if (!cursor_has(c, n))
        return false;
    c->off += n;
    return true;
}

static inline bool cursor_u8(struct cursor *c, uint8_t *v)
{
    if (!cursor_has(c, 1))
        return false;
    *v = c->p[c->off++];
    return true;
}

static inline bool cursor_be16(struct cursor *c, uint16_t *v)
{
    if (!cursor_has(c, 2))
        return false;
    *v = (uint16_t)((c->p[c->off] << 8) | c->p[c->off + 1]);
    c->off += 2;
    return true;
}

static inline bool cursor_le16(struct cursor *c, uint16_t *v)
{
    if (!cursor_has(c, 2))
        return false;
    *v = (uint16_t)(c->p[c->off] | (c->p[c->off + 1] << 8));
    c->off += 2;
    return true;
}

static inline bool cursor_be32(struct cursor *c, uint32_t *v)
{
    if (!cursor_has(c, 4))
        return false;
    *v = ((uint32_t)c->p[c->off] << 24) | ((uint32_t)c->p[c->off + 1] << 16) |
         ((uint32_t)c->p[c->off + 2] << 8) | (uint32_t)c->p[c->off + 3];
    c->off += 4;
    return true;
}

static inline bool cursor_le32(struct cursor *c, uint32_t *v)
{
    if (!cursor_has(c, 4))
        return false;
    *v = (uint32_t)c->p[c->off] | ((uint32_t)c->p[c->off + 1] << 8) |
         ((uint32_t)c->p[c->off + 2] << 16) | ((uint32_t)c->p[c->off + 3] << 24);
    c->off += 4;
    return true;
}

/* Copy n bytes out (dst may be NULL to only check and skip). */
static inline bool cursor_bytes(struct cursor *c, void *dst, size_t n)
{
    if (!cursor_has(c, n))
        return false;
    if (dst != NULL && n > 0)
        memcpy(dst, c->p + c->off, n);
    c->off += n;
    return true;
}

/* Peek at byte i ahead of the offset without moving. */
static inline bool cursor_peek(const struct cursor *c, size_t i, uint8_t *v)
{
    if (!cursor_has(c, i + 1))
        return false;
    *v = c->p[c->off + i];
    return true;
}

/*
 * A sub-cursor over the next n bytes (clipped to what is left when clip is
 * true, refused otherwise); the parent moves past them on success.
 */
static inline bool cursor_sub(struct cursor *c, size_t n, bool clip, struct cursor *out)
{
    if (!cursor_has(c, n)) {
        if (!clip)
            return false;
        n = cursor_left(c);
    }
    *out = cursor_make(c->p + c->off, n);
    c->off += n;
    return true;
}

/* The rest of the cursor as a new cursor (the parent is left at its end). */
static inline struct cursor cursor_rest(struct cursor *c)
{
    struct cursor r = cursor_make(c->p + c->off, cursor_left(c));
    c->off = c->len;
    return r;
}

#endif
