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

void corr_start_line(const struct sip_msg *m, char *dst, size_t len)
{
    char a[64], b[96];

    if (m->is_request) {
        corr_copy(a, sizeof(a), m->method_name);
        corr_copy(b, sizeof(b), m->ruri.raw);
        findings_fmt(dst, len, "%s %s", a, b);
    } else {
        corr_copy(b, sizeof(b), m->reason_phrase);
        findings_fmt(dst, len, "SIP/2.0 %d %s", m->status, b);
    }
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
