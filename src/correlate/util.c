/*
 * util.c — small copying helpers shared by the correlate modules: spans to
 * bounded, printable strings and start lines for evidence.
 * Flow: correlate. Thread: the analysis thread (no state).
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

void corr_copy(char *dst, size_t len, struct span s)
{
    size_t n;

    if (len == 0)
        return;
    n = s.len < len - 1 ? s.len : len - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

/* Append span s (printable) at *n in dst (len bytes); keeps a NUL. */
static void put(char *dst, size_t len, size_t *n, struct span s)
{
    if (*n + 1 >= len)
        return;
    corr_copy(dst + *n, len - *n, s);
    *n += strlen(dst + *n);
}

/* Built by hand: this runs for every transaction, and printf-style
 * formatting was a tenth of the engine's time. */
void corr_start_line(const struct sip_msg *m, char *dst, size_t len)
{
    char code[16];
    size_t n = 0;
    int st = m->status;

    if (len == 0)
        return;
    dst[0] = '\0';
    if (m->is_request) {
        put(dst, len, &n, m->method_name);
        put(dst, len, &n, SPAN_LIT(" "));
        put(dst, len, &n, m->ruri.raw);
        return;
    }
    memcpy(code, "SIP/2.0 000 ", 13);
    if (st < 0 || st > 999)
        st = 0;
    code[8] = (char)('0' + st / 100);
    code[9] = (char)('0' + st / 10 % 10);
    code[10] = (char)('0' + st % 10);
    put(dst, len, &n, span_make(code, 12));
    put(dst, len, &n, m->reason_phrase);
}

const char *corr_ip(const struct addr *a, char *buf, size_t len)
{
    if (len < ADDR_STRLEN) {
        if (len > 0)
            buf[0] = '\0';
        return buf;
    }
    return addr_str(a, buf, len);
}

uint64_t corr_dst_host_key(const struct ctab *t, const struct sip_msg *m)
{
    uint8_t kb[16 + 64];
    size_t hl = m->ruri.host.len < 64 ? m->ruri.host.len : 64;

    memcpy(kb, m->dst.ip.b, 16);
    if (hl > 0)
        memcpy(kb + 16, m->ruri.host.p, hl);
    return ctab_hash(t, kb, 16 + hl) | 1;
}

uint32_t corr_put_endpoint(struct intern *in, const struct endpoint *ep)
{
    uint8_t b[18];

    memcpy(b, ep->ip.b, 16);
    b[16] = (uint8_t)(ep->port >> 8);
    b[17] = (uint8_t)ep->port;
    return intern_put(in, b, sizeof(b));
}

uint32_t corr_put_endpoint_as(struct intern *in, uint32_t *cand, const struct endpoint *ep)
{
    uint8_t b[18];

    memcpy(b, ep->ip.b, 16);
    b[16] = (uint8_t)(ep->port >> 8);
    b[17] = (uint8_t)ep->port;
    return *cand = intern_put_as(in, *cand, b, sizeof(b));
}

void corr_get_endpoint(const struct intern *in, uint32_t h, struct endpoint *ep)
{
    size_t n;
    const uint8_t *b = (const uint8_t *)intern_get(in, h, &n);

    memset(ep, 0, sizeof(*ep));
    if (n == 18) {
        memcpy(ep->ip.b, b, 16);
        ep->port = (uint16_t)(b[16] << 8 | b[17]);
    }
}

uint32_t corr_put_addr(struct intern *in, const struct addr *a)
{
    return intern_put(in, a->b, sizeof(a->b));
}

void corr_get_addr(const struct intern *in, uint32_t h, struct addr *a)
{
    size_t n;
    const char *b = intern_get(in, h, &n);

    memset(a, 0, sizeof(*a));
    if (n == sizeof(a->b))
        memcpy(a->b, b, n);
}

void corr_get_text(const struct intern *in, uint32_t h, char *dst, size_t cap)
{
    size_t n;
    const char *b = intern_get(in, h, &n);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, b, n);
    dst[n] = '\0';
}
