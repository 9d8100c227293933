/*
 * arena.c — the per-message bump arena (see arena.h). Flow: used by
 * sip_parse for the copies a message needs (unfolding, unquoting); reset at
 * each sip_parse. Thread: the owner's (analysis thread).
 */
#include "arena.h"

#include <stdlib.h>

#include "util/err.h"

int arena_init(struct arena *a, size_t cap)
{
    a->buf = malloc(cap > 0 ? cap : 1);
    if (a->buf == NULL)
        return ERR_NOMEM;
    a->cap = cap;
    a->used = 0;
    a->overflows = 0;
    return 0;
}

void arena_free(struct arena *a)
{
    free(a->buf);
    a->buf = NULL;
    a->cap = a->used = 0;
}

char *arena_alloc(struct arena *a, size_t n)
{
    char *p;

    /* compare before subtracting: used <= cap always holds */
    if (n > a->cap - a->used) {
        a->overflows++;
        return NULL;
    }
    p = a->buf + a->used;
    a->used += n;
    return p;
}
