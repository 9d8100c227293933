/*
 * cidr.h — address prefixes and bounded prefix lists, as provider profiles
 * (src/profile.c) and trunk configs (src/config.c) hold them.
 *
 * Not on the packet path: lists are built once at start-up from files a
 * person wrote and are read-only afterwards (any thread). Prefix bits are
 * counted on the IPv6 form (IPv4 /24 is /120), as addr_in_prefix does.
 */
#ifndef SIPSCOPE_CIDR_H
#define SIPSCOPE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

#define CIDR_LIST_MAX 64    /* prefixes per list (a profile edge, a trunk ACL) */

struct cidr {
    struct addr net;
    unsigned bits;          /* 0..128, on the IPv6 form */
};

struct cidr_list {
    size_t n;
    struct cidr v[CIDR_LIST_MAX];
};

/*
 * Append every entry of a comma/space separated list ("54.172.60.0/30,
 * 2001:db8::/32 192.0.2.7") to *l. A bare address is a host prefix.
 * Returns 0, ERR_INVAL (errbuf names the bad entry) or ERR_LIMIT.
 */
int cidr_list_parse(struct cidr_list *l, const char *text, char *errbuf);
/* True when a is inside any prefix; *bits_out (may be NULL) gets the longest match. */
bool cidr_list_contains(const struct cidr_list *l, const struct addr *a, unsigned *bits_out);
/* "54.172.60.0/30" form (IPv4 bits shown as IPv4 bits); returns buf. */
char *cidr_str(const struct cidr *c, char *buf, size_t len);

#endif
