/*
 * frame_got.h — the framer's callback for the stream tests: keeps the first
 * FRAME_GOT_MAX framed messages (NUL-terminated copies, their real length and
 * kind) and counts them all.
 */
#ifndef SIPSCOPE_TEST_FRAME_GOT_H
#define SIPSCOPE_TEST_FRAME_GOT_H

#include <string.h>

#include "stream/frame.h"

#define FRAME_GOT_MAX 8

struct got {
    unsigned n;
    char msg[FRAME_GOT_MAX][4096];
    size_t len[FRAME_GOT_MAX];
    enum frame_kind kind[FRAME_GOT_MAX];
};

static inline void collect(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    struct got *g = ud;
    if (g->n < FRAME_GOT_MAX) {
        size_t c = n < sizeof(g->msg[0]) - 1 ? n : sizeof(g->msg[0]) - 1;
        memcpy(g->msg[g->n], p, c);
        g->msg[g->n][c] = '\0';
        g->len[g->n] = n;
        g->kind[g->n] = k;
    }
    g->n++;
}

#endif
