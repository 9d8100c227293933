/*
 * fuzz_tls.h — what fuzz_tls and fuzz_tls_decrypt share: TCP payload chunks
 * (format in fuzz_tls.c) through the framer's TLS record cutting into a
 * TLS table, with or without a key log. Every event's strings and every
 * decrypted message are read in full (ASan checks their bounds).
 */
#ifndef SIPSCOPE_FUZZ_TLS_H
#define SIPSCOPE_FUZZ_TLS_H

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "config/keylog.h"
#include "stream/frame.h"
#include "stream/stream.h"

struct dirbuf {
    struct framer fr;
    uint8_t buf[32768];
    size_t held;
};

struct ctx {
    struct tls_table *t;
    struct reasm_tcp_key k;
    uint64_t frame;
    volatile uint8_t plain_acc;
};

static void on_event(void *ud, enum tls_event ev, const struct tls_conn *c)
{
    volatile size_t *acc = ud;
    *acc += (size_t)ev + strlen(c->sni) + strlen(c->alpn) + strlen(c->subject) +
            strlen(c->issuer) + strlen(c->san) + strlen(c->alpn_chosen);
}

/* Decrypted SIP: read it all (ASan checks its bounds). */
static void on_plain(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    volatile uint8_t *acc = ud;
    for (size_t i = 0; i < n; i++)
        *acc ^= p[i];
    *acc ^= (uint8_t)k;
}

static void on_frame(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    struct ctx *x = ud;
    if (k == FRAME_TLS)
        tls_record(x->t, &x->k, p, n, x->frame, (int64_t)x->frame * 100000, on_plain,
                   (void *)&x->plain_acc);
}

static struct reasm_tcp_key key_of(unsigned conn, unsigned dir)
{
    struct reasm_tcp_key k;
    uint8_t a[4] = { 198, 51, 100, 10 }, b[4] = { 203, 0, 113, 5 };
    memset(&k, 0, sizeof(k));
    addr_from_v4(dir ? &k.dst : &k.src, a);
    addr_from_v4(dir ? &k.src : &k.dst, b);
    k.sport = dir ? 5061 : (uint16_t)(40000 + conn);
    k.dport = dir ? (uint16_t)(40000 + conn) : 5061;
    return k;
}

/* Drive the chunks of data through per-direction framers into a TLS
 * table (with the key log kl, or none). */
static void fuzz_tls_run(struct keylog *kl, const uint8_t *data, size_t size)
{
    struct caps caps;
    struct dirbuf *d;
    struct frame_counters fc = { 0 };
    volatile size_t acc = 0;
    size_t off = 0;
    struct ctx x;

    fuzz_small_caps(&caps);
    caps.tls_conns = 2;
    caps.tls_handshake_bytes = 65536;
    x.t = tls_table_new(&caps);
    d = calloc(8, sizeof(*d));
    if (x.t == NULL || d == NULL || !tls_table_keylog(x.t, kl)) {
        tls_table_free(x.t);
        free(d);
        return;
    }
    tls_table_sink(x.t, on_event, (void *)&acc);
    x.frame = 0;
    while (off + 3 <= size) {
        uint8_t c = data[off];
        size_t n = ((size_t)data[off + 1] << 8) | data[off + 2];
        off += 3;
        if (n > size - off)
            n = size - off;
        unsigned conn = (c >> 3) & 3, dir = c & 1;
        struct dirbuf *b = &d[conn * 2 + dir];
        x.k = key_of(conn, dir);
        x.frame++;
        if (b->fr.mode != FRAME_MODE_NONSIP) {
            size_t room = sizeof(b->buf) - b->held, k = n < room ? n : room;
            memcpy(b->buf + b->held, data + off, k);
            b->held += k;
            size_t used = frame_run(&b->fr, b->buf, b->held, sizeof(b->buf), &fc, on_frame, &x);
            if (used > b->held)
                abort();
            memmove(b->buf, b->buf + used, b->held - used);
            b->held -= used;
            if (b->held == sizeof(b->buf))
                b->held = 0;    /* stuck: start over, as reasm_tcp's resync would */
        }
        off += n;
        if (c & 6)
            tls_tcp_close(x.t, &x.k, (c & 4) != 0, x.frame, (int64_t)x.frame * 100000);
        if ((x.frame & 15) == 0)
            tls_expire(x.t, (int64_t)x.frame * 100000);
    }
    tls_finish(x.t, (int64_t)(x.frame + 100) * 100000);
    tls_table_free(x.t);
    free(d);
}

#endif
