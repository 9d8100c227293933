/*
 * span.c — the non-inline span helpers (see span.h). Any thread.
 */
#include "span.h"

#include <ctype.h>

bool span_icontains(struct span hay, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return true;
    for (size_t i = 0; n <= hay.len && i <= hay.len - n; i++)
        if (strncasecmp(hay.p + i, needle, n) == 0)
            return true;
    return false;
}

bool span_to_u64(struct span s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d;
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        d = (unsigned)(s.p[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

struct span span_trim(struct span s)
{
    while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}
