/*
 * addr.c — address helpers: IPv4-mapped storage, text forms, CIDR matching
 * and the classification NAT diagnosis relies on (RFC 1918, RFC 6598,
 * RFC 4193, RFC 5737/3849 documentation ranges, loopback, link-local).
 * Plain functions on values; any thread.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_from_v4(struct addr *a, const uint8_t v4[4])
{
    memcpy(a->b, v4mapped, 12);
    memcpy(a->b + 12, v4, 4);
}

void addr_from_v6(struct addr *a, const uint8_t v6[16])
{
    memcpy(a->b, v6, 16);
}

bool addr_is_v4(const struct addr *a)
{
    return memcmp(a->b, v4mapped, 12) == 0;
}

bool addr_eq(const struct addr *a, const struct addr *b)
{
    return memcmp(a->b, b->b, 16) == 0;
}

bool addr_is_unset(const struct addr *a)
{
    static const uint8_t zero[16];

    return memcmp(a->b, zero, 16) == 0;
}

char *addr_str(const struct addr *a, char *buf, size_t len)
{
    const char *r;

    /* IPv4 by hand: inet_ntop formats each byte through stdio (~300
     * instructions an address, and addresses are formatted per message for
     * finding keys); the output is the same dotted quad. */
    if (addr_is_v4(a) && len >= 16) {
        char *o = buf;
        for (int i = 12; i < 16; i++) {
            unsigned v = a->b[i];
            if (v >= 100) {
                *o++ = (char)('0' + v / 100);
                v %= 100;
                *o++ = (char)('0' + v / 10);
            } else if (v >= 10) {
                *o++ = (char)('0' + v / 10);
            }
            *o++ = (char)('0' + v % 10);
            if (i < 15)
                *o++ = '.';
        }
        *o = '\0';
        return buf;
    }
    if (addr_is_v4(a))
        r = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
    else
        r = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
    if (r == NULL && len > 0)
        buf[0] = '\0';
    return buf;
}

bool addr_parse(const char *p, size_t n, struct addr *out)
{
    char tmp[ADDR_STRLEN + 2];
    uint8_t raw[16];

    if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
        p++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, raw) == 1) {
        addr_from_v4(out, raw);
        return true;
    }
    if (inet_pton(AF_INET6, tmp, raw) == 1) {
        addr_from_v6(out, raw);
        return true;
    }
    return false;
}

bool addr_in_prefix(const struct addr *a, const struct addr *net, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;

    if (bits > 128)
        return false;
    if (memcmp(a->b, net->b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a->b[whole] & mask) == (net->b[whole] & mask);
}

bool addr_parse_cidr(const char *s, size_t n, struct addr *net, unsigned *bits)
{
    const char *slash = memchr(s, '/', n);
    unsigned long b = 0;
    size_t alen = slash ? (size_t)(slash - s) : n;

    if (!addr_parse(s, alen, net))
        return false;
    if (slash == NULL) {
        *bits = 128;
        return true;
    }
    if ((size_t)(slash - s) + 1 >= n)
        return false;
    for (const char *q = slash + 1; q < s + n; q++) {
        if (*q < '0' || *q > '9' || b > 128)
            return false;
        b = b * 10 + (unsigned long)(*q - '0');
    }
    if (addr_is_v4(net)) {
        if (b > 32)
            return false;
        b += 96;
    } else if (b > 128) {
        return false;
    }
    *bits = (unsigned)b;
    return true;
}

/*
 * The classification table, in binary so that classifying costs a few
 * compares (it runs for several addresses of every message). IPv4 ranges
 * are written in their IPv4-mapped form: bits count on the IPv6 form.
 */
#define V4(a, b, c, d) { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d }

struct class_range {
    uint8_t net[16];
    unsigned bits;
    enum addr_class cls;
};

/* No two ranges overlap, so order does not matter. */
static const struct class_range ranges[] = {
    { V4(10, 0, 0, 0), 96 + 8, ADDR_PRIVATE },
    { V4(172, 16, 0, 0), 96 + 12, ADDR_PRIVATE },
    { V4(192, 168, 0, 0), 96 + 16, ADDR_PRIVATE },
    { V4(100, 64, 0, 0), 96 + 10, ADDR_CGNAT },
    { V4(127, 0, 0, 0), 96 + 8, ADDR_LOOPBACK },
    { V4(169, 254, 0, 0), 96 + 16, ADDR_LINKLOCAL },
    { V4(192, 0, 2, 0), 96 + 24, ADDR_DOC },
    { V4(198, 51, 100, 0), 96 + 24, ADDR_DOC },
    { V4(203, 0, 113, 0), 96 + 24, ADDR_DOC },
    { V4(0, 0, 0, 0), 96 + 8, ADDR_UNSPEC },
    { V4(224, 0, 0, 0), 96 + 3, ADDR_UNSPEC },  /* multicast 224/4 + reserved 240/4 */
    { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, ADDR_LOOPBACK },
    { { 0xfe, 0x80 }, 10, ADDR_LINKLOCAL },
    { { 0xfc }, 7, ADDR_ULA },
    { { 0x20, 0x01, 0x0d, 0xb8 }, 32, ADDR_DOC },
    { { 0 }, 128, ADDR_UNSPEC },                /* :: */
    { { 0xff }, 8, ADDR_UNSPEC },               /* IPv6 multicast */
};

/* The IPv4 rows of ranges as (network, mask) words: every message asks
 * for several classes (source, destination, Via, Contact, SDP), and the
 * generic prefix walk cost ~700 instructions an address. */
static const struct { uint32_t net, mask; enum addr_class cls; } ranges4[] = {
    { 0x0a000000u, 0xff000000u, ADDR_PRIVATE },
    { 0xac100000u, 0xfff00000u, ADDR_PRIVATE },
    { 0xc0a80000u, 0xffff0000u, ADDR_PRIVATE },
    { 0x64400000u, 0xffc00000u, ADDR_CGNAT },
    { 0x7f000000u, 0xff000000u, ADDR_LOOPBACK },
    { 0xa9fe0000u, 0xffff0000u, ADDR_LINKLOCAL },
    { 0xc0000200u, 0xffffff00u, ADDR_DOC },
    { 0xc6336400u, 0xffffff00u, ADDR_DOC },
    { 0xcb007100u, 0xffffff00u, ADDR_DOC },
    { 0x00000000u, 0xff000000u, ADDR_UNSPEC },
    { 0xe0000000u, 0xe0000000u, ADDR_UNSPEC },
};

enum addr_class addr_classify(const struct addr *a)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (memcmp(a->b, mapped, 12) == 0) {
        /* ::ffff:0:0/96: no IPv6 row of ranges can match */
        uint32_t v = (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
                     (uint32_t)a->b[14] << 8 | a->b[15];
        for (size_t i = 0; i < sizeof(ranges4) / sizeof(ranges4[0]); i++)
            if ((v & ranges4[i].mask) == ranges4[i].net)
                return ranges4[i].cls;
        return ADDR_PUBLIC;
    }
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        struct addr net;
        memcpy(net.b, ranges[i].net, 16);
        if (addr_in_prefix(a, &net, ranges[i].bits))
            return ranges[i].cls;
    }
    return ADDR_PUBLIC;
}

const char *addr_class_name(enum addr_class c)
{
    switch (c) {
    case ADDR_PUBLIC: return "public";
    case ADDR_PRIVATE: return "private (RFC 1918)";
    case ADDR_CGNAT: return "carrier-grade NAT (RFC 6598)";
    case ADDR_LOOPBACK: return "loopback";
    case ADDR_LINKLOCAL: return "link-local";
    case ADDR_ULA: return "unique local (RFC 4193)";
    case ADDR_DOC: return "documentation";
    case ADDR_UNSPEC: return "unspecified/reserved";
    }
    return "?";
}

bool addr_class_is_private(enum addr_class c)
{
    return c == ADDR_PRIVATE || c == ADDR_CGNAT || c == ADDR_LOOPBACK ||
           c == ADDR_LINKLOCAL || c == ADDR_ULA;
}

const char *transport_name(enum transport t)
{
    switch (t) {
    case TRANSPORT_UDP: return "UDP";
    case TRANSPORT_TCP: return "TCP";
    case TRANSPORT_TLS: return "TLS";
    case TRANSPORT_SCTP: return "SCTP";
    case TRANSPORT_WS: return "WS";
    case TRANSPORT_WSS: return "WSS";
    default: return "?";
    }
}

enum transport transport_from_name(const char *p, size_t n)
{
    static const struct { const char *name; enum transport t; } names[] = {
        { "UDP", TRANSPORT_UDP }, { "TCP", TRANSPORT_TCP }, { "TLS", TRANSPORT_TLS },
        { "SCTP", TRANSPORT_SCTP }, { "WS", TRANSPORT_WS }, { "WSS", TRANSPORT_WSS },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == n && strncasecmp(p, names[i].name, n) == 0)
            return names[i].t;
    return TRANSPORT_UNKNOWN;
}
