/*
 * keylog.c — the --tls-keylog store (keylog.h): NSS key log lines read
 * from a descriptor opened under the --secrets checks, indexed by client
 * random in an open-addressed table, re-read on a miss as the file grows.
 * Thread: main thread to open, then the analysis thread. Memory holding
 * secrets (entries, read buffers) is wiped before it is freed.
 */
#include "keylog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secrets.h"
#include "util/err.h"

#define KEYLOG_FILE_MAX (256u << 20)
#define KEYLOG_REREAD_US 1000000

struct keylog {
    int fd;
    uint64_t off;               /* bytes of the file read so far */
    struct keylog_secrets *e;
    uint32_t n, cap;
    uint32_t *idx;              /* entry + 1, 0 empty; size idx_n (power of two) */
    uint32_t idx_n;
    char carry[KEYLOG_LINE_MAX + 1]; /* a line not yet ended */
    size_t carry_len;
    bool carry_skip;            /* the current line is too long: skip to its end */
    int64_t last_read_us;
    uint64_t lines_bad, dropped_full, rereads;
};

static uint32_t slot_of(const uint8_t cr[32], uint32_t n)
{
    uint32_t h;
    memcpy(&h, cr, 4);          /* client randoms are random */
    return h & (n - 1);
}

static struct keylog_secrets *lookup(const struct keylog *k, const uint8_t cr[32])
{
    if (k->idx_n == 0)
        return NULL;
    for (uint32_t i = slot_of(cr, k->idx_n), t = 0; t < k->idx_n; i = (i + 1) & (k->idx_n - 1), t++) {
        if (k->idx[i] == 0)
            return NULL;
        if (memcmp(k->e[k->idx[i] - 1].random, cr, 32) == 0)
            return &k->e[k->idx[i] - 1];
    }
    return NULL;
}

static bool grow(struct keylog *k)
{
    uint32_t ncap = k->cap ? k->cap * 2 : 256;
    if (ncap > KEYLOG_MAX)
        ncap = KEYLOG_MAX;
    struct keylog_secrets *ne = calloc(ncap, sizeof(*ne));
    uint32_t *ni = calloc((size_t)ncap * 2, sizeof(*ni));
    if (ne == NULL || ni == NULL) {
        free(ne);
        free(ni);
        return false;
    }
    if (k->n > 0)
        memcpy(ne, k->e, k->n * sizeof(*ne));
    if (k->e != NULL) {
        explicit_bzero(k->e, k->cap * sizeof(*k->e));
        free(k->e);
    }
    free(k->idx);
    k->e = ne;
    k->cap = ncap;
    k->idx = ni;
    k->idx_n = ncap * 2;
    for (uint32_t j = 0; j < k->n; j++) {
        uint32_t i = slot_of(k->e[j].random, k->idx_n);
        while (k->idx[i] != 0)
            i = (i + 1) & (k->idx_n - 1);
        k->idx[i] = j + 1;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex p[0..n) into out (n even, n/2 <= cap); the byte count or -1. */
static int unhex(const char *p, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int a = hexval(p[i]), b = hexval(p[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (uint8_t)(a << 4 | b);
    }
    return (int)(n / 2);
}

static void add_line(struct keylog *k, const char *l, size_t n)
{
    static const struct { const char *label; uint8_t bit; } labels[] = {
        { "CLIENT_RANDOM", KEYLOG_MASTER },
        { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CHTS },
        { "SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SHTS },
        { "CLIENT_TRAFFIC_SECRET_0", KEYLOG_CATS },
        { "SERVER_TRAFFIC_SECRET_0", KEYLOG_SATS },
    };
    const char *f[3];
    size_t fl[3], nf = 0, i = 0;
    uint8_t cr[32], sec[KEYLOG_SECRET_MAX];
    uint8_t bit = 0;

    while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
        n--;
    if (n == 0 || l[0] == '#')
        return;
    while (i < n && nf < 3) {
        while (i < n && (l[i] == ' ' || l[i] == '\t'))
            i++;
        size_t s = i;
        while (i < n && l[i] != ' ' && l[i] != '\t')
            i++;
        if (i > s) {
            f[nf] = l + s;
            fl[nf++] = i - s;
        }
    }
    if (nf != 3 || i < n) {
        k->lines_bad++;
        return;
    }
    for (size_t j = 0; j < sizeof(labels) / sizeof(labels[0]); j++)
        if (strlen(labels[j].label) == fl[0] && memcmp(labels[j].label, f[0], fl[0]) == 0)
            bit = labels[j].bit;
    if (bit == 0)
        return;     /* EXPORTER_SECRET, EARLY_TRAFFIC_SECRET...: not needed */
    int sl = unhex(f[2], fl[2], sec, sizeof(sec));
    if (unhex(f[1], fl[1], cr, sizeof(cr)) != 32 || sl <= 0 ||
        (bit == KEYLOG_MASTER ? sl != 48 : (sl != 32 && sl != 48))) {
        k->lines_bad++;
        explicit_bzero(sec, sizeof(sec));
        return;
    }
    struct keylog_secrets *e = lookup(k, cr);
    if (e == NULL) {
        if (k->n == KEYLOG_MAX || (k->n == k->cap && !grow(k))) {
            k->dropped_full++;
            explicit_bzero(sec, sizeof(sec));
            return;
        }
        e = &k->e[k->n++];
        memset(e, 0, sizeof(*e));
        memcpy(e->random, cr, 32);
        uint32_t s = slot_of(cr, k->idx_n);
        while (k->idx[s] != 0)
            s = (s + 1) & (k->idx_n - 1);
        k->idx[s] = k->n;
    }
    uint8_t *dst = bit == KEYLOG_MASTER ? e->master : bit == KEYLOG_CHTS ? e->chts
                 : bit == KEYLOG_SHTS ? e->shts : bit == KEYLOG_CATS ? e->cats : e->sats;
    memcpy(dst, sec, (size_t)sl);
    if (bit != KEYLOG_MASTER)
        e->len13 = (uint8_t)sl;
    e->have |= bit;
    explicit_bzero(sec, sizeof(sec));
}

/* Read what the file has past k->off, line by line. */
static int read_more(struct keylog *k, char *errbuf)
{
    char buf[16384];
    ssize_t r;

    while ((r = pread(k->fd, buf, sizeof(buf), (off_t)k->off)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err_set(errbuf, "key log: %s", strerror(errno));
            explicit_bzero(buf, sizeof(buf));
            return ERR_IO;
        }
        if (k->off + (uint64_t)r > KEYLOG_FILE_MAX) {
            err_set(errbuf, "key log larger than %u bytes", KEYLOG_FILE_MAX);
            explicit_bzero(buf, sizeof(buf));
            return ERR_LIMIT;
        }
        k->off += (uint64_t)r;
        for (ssize_t i = 0; i < r; i++) {
            char c = buf[i];
            if (c == '\n') {
                if (!k->carry_skip)
                    add_line(k, k->carry, k->carry_len);
                else
                    k->lines_bad++;
                k->carry_len = 0;
                k->carry_skip = false;
            } else if (k->carry_len < KEYLOG_LINE_MAX) {
                k->carry[k->carry_len++] = c;
            } else {
                k->carry_skip = true;
            }
        }
    }
    explicit_bzero(buf, sizeof(buf));
    return 0;
}

int keylog_open(const char *path, struct keylog **out, char *errbuf)
{
    size_t size;
    struct keylog *k;
    int fd = secrets_open(path, KEYLOG_FILE_MAX, &size, errbuf);

    *out = NULL;
    if (fd < 0)
        return fd;
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        close(fd);
        err_set(errbuf, "%s: out of memory", path);
        return ERR_NOMEM;
    }
    k->fd = fd;
    int rc = read_more(k, errbuf);
    if (rc != 0) {
        keylog_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

void keylog_free(struct keylog *k)
{
    if (k == NULL)
        return;
    if (k->fd >= 0)
        close(k->fd);
    if (k->e != NULL)
        explicit_bzero(k->e, k->cap * sizeof(*k->e));
    explicit_bzero(k->carry, sizeof(k->carry));
    free(k->e);
    free(k->idx);
    free(k);
}

const struct keylog_secrets *keylog_find(struct keylog *k, const uint8_t cr[32], int64_t now_us)
{
    const struct keylog_secrets *e = lookup(k, cr);
    char errbuf[ERRBUF_SIZE];

    if (e != NULL || (k->rereads > 0 && now_us - k->last_read_us < KEYLOG_REREAD_US &&
                      now_us >= k->last_read_us))
        return e;
    k->last_read_us = now_us;
    k->rereads++;
    if (read_more(k, errbuf) != 0)
        return NULL;
    return lookup(k, cr);
}

void keylog_stats(const struct keylog *k, stats_fn fn, void *ud)
{
    fn(ud, "keylog.entries", k->n);
    fn(ud, "keylog.lines_bad", k->lines_bad);
    fn(ud, "keylog.dropped_full", k->dropped_full);
    fn(ud, "keylog.rereads", k->rereads);
}
