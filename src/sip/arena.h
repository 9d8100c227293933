/*
 * arena.h — a bump allocator for per-message copies (unfolded header values,
 * unquoted auth parameters), reset at the start of every message.
 *
 * The buffer is allocated once (arena_init) and never grows: when a copy
 * does not fit, arena_alloc returns NULL and counts the overflow, and the
 * caller falls back to the raw bytes. So the wire can never make the arena
 * allocate. Pointers it returns are valid until the next arena_reset.
 * Thread: owned by one thread (the analysis thread, via its sip_parser).
 */
#ifndef SIPSCOPE_ARENA_H
#define SIPSCOPE_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena {
    char *buf;
    size_t cap;
    size_t used;
    uint64_t overflows;     /* allocations refused because the arena was full */
};

/* Allocate the buffer; returns 0 or ERR_NOMEM. */
int arena_init(struct arena *a, size_t cap);
void arena_free(struct arena *a);
static inline void arena_reset(struct arena *a)
{
    a->used = 0;
}
/* n bytes (1-byte aligned: the arena holds text only) or NULL when full. */
char *arena_alloc(struct arena *a, size_t n);

#endif
