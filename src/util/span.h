/*
 * span.h — a borrowed (pointer, length) view of bytes, never NUL-terminated.
 *
 * SIP is scanned as spans: nothing assumes a NUL or a final CRLF. A span's
 * lifetime is that of the buffer it points into (see each producer's header).
 */
#ifndef SIPSCOPE_SPAN_H
#define SIPSCOPE_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct span {
    const char *p;
    size_t len;
};

#define SPAN_NULL ((struct span){ NULL, 0 })
#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })

static inline struct span span_make(const char *p, size_t len)
{
    struct span s = { p, len };
    return s;
}

static inline bool span_empty(struct span s)
{
    return s.len == 0;
}

static inline bool span_eq(struct span a, struct span b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool span_ieq(struct span a, struct span b)
{
    return a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

static inline bool span_ieq_cstr(struct span a, const char *s)
{
    return span_ieq(a, span_make(s, strlen(s)));
}

/* Case-insensitive substring search (for reason phrases, Warning text). */
bool span_icontains(struct span hay, const char *needle);
/* Parse an unsigned decimal; false on empty, non-digit or overflow past max. */
bool span_to_u64(struct span s, uint64_t max, uint64_t *out);
/* Trim spaces and tabs at both ends. */
struct span span_trim(struct span s);

#endif
