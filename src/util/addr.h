/*
 * addr.h — IP addresses and transport endpoints as the analysis keeps them.
 *
 * IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) so that one
 * 16-byte compare and one hash serve both families. Plain value types; any
 * thread.
 */
#ifndef SIPSCOPE_ADDR_H
#define SIPSCOPE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */

struct addr {
    uint8_t b[16];      /* network order; IPv4 as ::ffff:a.b.c.d */
};

struct endpoint {
    struct addr ip;
    uint16_t port;
};

enum transport {
    TRANSPORT_UNKNOWN = 0,
    TRANSPORT_UDP,
    TRANSPORT_TCP,
    TRANSPORT_TLS,
    TRANSPORT_SCTP,
    TRANSPORT_WS,
    TRANSPORT_WSS,
};

/* Address classes of RFC 1918, 6598, 5735/6890, 4193, 3849/5737. */
enum addr_class {
    ADDR_PUBLIC = 0,
    ADDR_PRIVATE,       /* RFC 1918 */
    ADDR_CGNAT,         /* RFC 6598 100.64.0.0/10 */
    ADDR_LOOPBACK,
    ADDR_LINKLOCAL,
    ADDR_ULA,           /* RFC 4193 fc00::/7 */
    ADDR_DOC,           /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 */
    ADDR_UNSPEC,        /* 0.0.0.0, ::, multicast, reserved */
};

void addr_from_v4(struct addr *a, const uint8_t v4[4]);
void addr_from_v6(struct addr *a, const uint8_t v6[16]);
bool addr_is_v4(const struct addr *a);
bool addr_eq(const struct addr *a, const struct addr *b);
/* All zero: an address never set (:: is never a SIP peer). */
bool addr_is_unset(const struct addr *a);
/* Text form into buf (>= ADDR_STRLEN); returns buf. */
char *addr_str(const struct addr *a, char *buf, size_t len);
/* Parse dotted IPv4 or IPv6 text (not NUL-terminated: p, n). */
bool addr_parse(const char *p, size_t n, struct addr *out);
enum addr_class addr_classify(const struct addr *a);
const char *addr_class_name(enum addr_class c);
/* True for classes that cannot be reached from the internet. */
bool addr_class_is_private(enum addr_class c);
/* CIDR match: prefix bits counted on the IPv6 form (an IPv4 /24 is /120). */
bool addr_in_prefix(const struct addr *a, const struct addr *net, unsigned bits);
/* Parse "a.b.c.d/nn" or "2001:db8::/32" into net + bits (IPv6-form bits). */
bool addr_parse_cidr(const char *s, size_t n, struct addr *net, unsigned *bits);

const char *transport_name(enum transport t);
enum transport transport_from_name(const char *p, size_t n);

#endif
