/*
 * cidr.c — prefix lists for provider profiles and trunk configs (see
 * cidr.h). Start-up only (main thread); matching is read-only.
 */
#include "cidr.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int cidr_list_parse(struct cidr_list *l, const char *text, char *errbuf)
{
    const char *p = text;

    while (*p != '\0') {
        while (*p != '\0' && is_sep(*p))
            p++;
        if (*p == '\0')
            break;
        const char *start = p;
        while (*p != '\0' && !is_sep(*p))
            p++;
        size_t n = (size_t)(p - start);
        struct cidr c;
        if (!addr_parse_cidr(start, n, &c.net, &c.bits)) {
            err_set(errbuf, "not an address or prefix: '%.*s'", (int)(n > 64 ? 64 : n), start);
            return ERR_INVAL;
        }
        /* Canonicalise: clear host bits so 54.172.60.1/30 means the /30. */
        for (unsigned i = 0; i < 16; i++) {
            unsigned lo = i * 8;
            if (lo >= c.bits)
                c.net.b[i] = 0;
            else if (c.bits - lo < 8)
                c.net.b[i] &= (uint8_t)(0xffu << (8 - (c.bits - lo)));
        }
        if (l->n >= CIDR_LIST_MAX) {
            err_set(errbuf, "more than %d prefixes in one list", CIDR_LIST_MAX);
            return ERR_LIMIT;
        }
        l->v[l->n++] = c;
    }
    return 0;
}

bool cidr_list_contains(const struct cidr_list *l, const struct addr *a, unsigned *bits_out)
{
    bool found = false;
    unsigned best = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (addr_in_prefix(a, &l->v[i].net, l->v[i].bits) && (!found || l->v[i].bits > best)) {
            found = true;
            best = l->v[i].bits;
        }
    }
    if (found && bits_out != NULL)
        *bits_out = best;
    return found;
}

char *cidr_str(const struct cidr *c, char *buf, size_t len)
{
    char a[ADDR_STRLEN];
    unsigned bits = c->bits;

    addr_str(&c->net, a, sizeof(a));
    if (addr_is_v4(&c->net) && bits >= 96)
        bits -= 96;
    snprintf(buf, len, "%s/%u", a, bits);
    return buf;
}
