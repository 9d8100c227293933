/*
 * roles.c — who is who: for each peer (an address pair whose local side
 * sent the requests), the role of its sides, inferred from the wire and the
 * configuration, never from who happened to send first, each with the
 * reason it was given (snap_peer.role_why):
 *
 *   attacker  its local side is the subject of an attack finding (scanner,
 *             brute_force) or sent the traffic of a SIP scanner;
 *   phone     its local side registers to the remote one, and the remote
 *             one is a registrar for several devices or itself sends
 *             requests on to a third party: the remote side is the PBX;
 *   trunk     the remote side is the PBX's carrier: a provider profile
 *             matched it, it challenges the PBX's requests (401/407), it is
 *             the PBX's registrar, or it is sent calls to phone numbers;
 *   none      neither side sent a request or an answer of its own.
 *
 * Flow: diagnosis_run → here. Thread: the caller of diagnosis_run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"
#include "findings/kind_meta.h"

static void fmt(char *dst, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t len, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(dst, len, f, ap);
    va_end(ap);
}

/* dst = the concatenation of the n strings, cut at len - 1 bytes as
 * snprintf cuts: the names and roles of every peer (thousands on a busy
 * PBX) were each a vsnprintf of "%s" pieces. */
static void join(char *dst, size_t len, size_t n, const char *const *parts)
{
    size_t at = 0;

    for (size_t i = 0; i < n && at + 1 < len; i++) {
        size_t k = strlen(parts[i]);
        if (k > len - 1 - at)
            k = len - 1 - at;
        memcpy(dst + at, parts[i], k);
        at += k;
    }
    if (len > 0)
        dst[at] = '\0';
}

#define JOIN(dst, ...)                                                             \
    join((dst), sizeof(dst), sizeof((const char *const[]){ __VA_ARGS__ }) /        \
         sizeof(const char *), (const char *const[]){ __VA_ARGS__ })

/* A peer's pair of addresses, sorted by (a, b); a count of the peers with
 * a given a (or a given (a, b)) is two binary searches, so naming n peers
 * costs n log n however many of them share one address (a PBX's phones). */
struct akey {
    struct addr a, b;
};

/* Any total order groups equal addresses: compared as two 64-bit words
 * (cheaper than memcmp's call for the ~n log n comparisons). */
static int addr_order(const struct addr *x, const struct addr *y)
{
    uint64_t a[2], b[2];

    memcpy(a, x->b, 16);
    memcpy(b, y->b, 16);
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int key_cmp(const struct akey *k, const struct addr *a, const struct addr *b)
{
    int c = addr_order(&k->a, a);
    return (c != 0 || b == NULL) ? c : addr_order(&k->b, b);
}

static int by_key(const void *x, const void *y)
{
    const struct akey *k = y;
    return key_cmp(x, &k->a, &k->b);
}

/* How many of the sorted keys have this a (b NULL) or this (a, b). */
static size_t count(const struct akey *k, size_t n, const struct addr *a, const struct addr *b)
{
    size_t lo = 0, hi = n, first;

    while (lo < hi) {   /* first key >= (a, b) */
        size_t m = lo + (hi - lo) / 2;
        if (key_cmp(&k[m], a, b) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    first = lo;
    for (hi = n; lo < hi;) {   /* first key > (a, b) */
        size_t m = lo + (hi - lo) / 2;
        if (key_cmp(&k[m], a, b) <= 0)
            lo = m + 1;
        else
            hi = m;
    }
    return lo - first;
}

static const struct snap_finding *attack_of(const struct snapshot *s, const struct snap_peer *p)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *f = &s->findings[i];
        if (!kind_meta(f->kind_id)->attack)
            continue;
        if ((f->peer_key != 0 && f->peer_key == p->key) ||
            (!addr_is_unset(&f->client_ip) && addr_eq(&f->client_ip, &p->local.ip)))
            return f;
    }
    return NULL;
}

/* "ip:port", "[ip]:port" for IPv6 */
static const char *ep(const struct endpoint *e, char *buf, size_t len)
{
    char ip[ADDR_STRLEN], port[8], *d = port + sizeof(port);
    unsigned v = e->port;

    addr_str(&e->ip, ip, sizeof(ip));
    *--d = '\0';
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (addr_is_v4(&e->ip))
        join(buf, len, 3, (const char *const[]){ ip, ":", d });
    else
        join(buf, len, 4, (const char *const[]){ "[", ip, "]:", d });
    return buf;
}

static uint64_t all_requests(const struct snap_peer *p)
{
    uint64_t n = 0;

    for (int m = 0; m < SIP_METHOD_COUNT; m++)
        n += p->requests[m];
    return n;
}

/* The verdict's "Trunk <remote>: " prefix (fill_peer's) said by role. */
static void reprefix(struct snap_peer *p, const char *who, const struct addr *ip)
{
    char a[ADDR_STRLEN], old[ADDR_STRLEN + 16], body[SNAP_TEXT];
    size_t n;

    if (strncmp(p->verdict, "Trunk ", 6) != 0)
        return;     /* most peers: no verdict, or not this one */
    addr_str(&p->remote.ip, a, sizeof(a));
    fmt(old, sizeof(old), "Trunk %s: ", a);
    n = strlen(old);
    if (strncmp(p->verdict, old, n) != 0)
        return;
    fmt(body, sizeof(body), "%s", p->verdict + n);
    addr_str(ip, a, sizeof(a));
    fmt(p->verdict, sizeof(p->verdict), "%s %s: %s", who, a, body);
}

static void name_peer(struct snap_peer *p)
{
    char l[ADDR_STRLEN], r[ADDR_STRLEN + 8];

    addr_str(&p->local.ip, l, sizeof(l));
    ep(&p->remote, r, sizeof(r));
    if (strcmp(p->role, ROLE_PHONE) == 0) {
        JOIN(p->name, "phone ", l, " -> PBX ", r);
        reprefix(p, "Phone", &p->local.ip);
    } else if (strcmp(p->role, ROLE_ATTACKER) == 0) {
        JOIN(p->name, "attacker ", l, " -> ", r);
        reprefix(p, "Attacker", &p->local.ip);
    } else {
        JOIN(p->name, "PBX ", l, " -> trunk ", r);
    }
    /* Collected by a HEP agent: its site names it too, so the diagnoses of
     * two sites (often with the same private addresses) never read alike. */
    if (p->site_id != 0) {
        char n[sizeof(p->name)];
        fmt(n, sizeof(n), "%s", p->name);
        fmt(p->name, sizeof(p->name), "site %u: %s", (unsigned)p->site_id, n);
    }
}

static void trunk_reason(struct snap_peer *p)
{
    char l[ADDR_STRLEN];
    const struct snap_side *lo = &p->side_local, *re = &p->side_remote;

    addr_str(&p->local.ip, l, sizeof(l));
    JOIN(p->role, ROLE_TRUNK);
    if (p->provider[0] != '\0')
        fmt(p->role_why, sizeof(p->role_why), "matches the provider profile %s (its "
            "address or Request-URI host)", p->provider);
    else if (re->challenges > 0)
        fmt(p->role_why, sizeof(p->role_why), "challenges the requests of %s (401/407, %llu "
            "time(s))", l, (unsigned long long)re->challenges);
    else if (lo->registers > 0)
        fmt(p->role_why, sizeof(p->role_why), "is the registrar %s registers with (%llu "
            "REGISTER)", l, (unsigned long long)lo->registers);
    else if (lo->e164_invites > 0)
        fmt(p->role_why, sizeof(p->role_why), "is sent the calls of %s to phone numbers "
            "(%llu INVITE)", l, (unsigned long long)lo->e164_invites);
    else
        fmt(p->role_why, sizeof(p->role_why), "receives the requests of %s (no challenge, "
            "registration or call to a phone number seen: a guess)", l);
}

void diag_roles(struct snapshot *s)
{
    size_t n = s->n_peers, nreg = 0, nloc = 0;
    struct akey *reg = calloc(n ? n : 1, sizeof(*reg)), *loc = calloc(n ? n : 1, sizeof(*loc));
    bool *att = calloc(n ? n : 1, sizeof(*att));

    if (reg == NULL || loc == NULL || att == NULL) {
        free(reg);
        free(loc);
        free(att);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct snap_peer *p = &s->peers[i];
        const struct snap_finding *a = attack_of(s, p);
        char l[ADDR_STRLEN];
        addr_str(&p->local.ip, l, sizeof(l));
        if (a != NULL || strcmp(p->role, "source") == 0) {
            att[i] = true;
            JOIN(p->role, ROLE_ATTACKER);
            if (a != NULL)
                fmt(p->role_why, sizeof(p->role_why), "is the subject of %s %s (%s sent that "
                    "traffic)", a->id, kind_name(a->kind_id), l);
            else
                fmt(p->role_why, sizeof(p->role_why), "sends a SIP scanner's traffic (%s: "
                    "scanner User-Agent or many usernames)", l);
            continue;
        }
        loc[nloc++] = (struct akey){ p->local.ip, p->remote.ip };
        if (p->side_local.registers > 0)
            reg[nreg++] = (struct akey){ p->remote.ip, p->local.ip };
    }
    qsort(reg, nreg, sizeof(*reg), by_key);
    qsort(loc, nloc, sizeof(*loc), by_key);
    for (size_t i = 0; i < n; i++) {
        struct snap_peer *p = &s->peers[i];
        size_t devices, onward;
        char r[ADDR_STRLEN];
        if (att[i]) {
            name_peer(p);
            continue;
        }
        if (all_requests(p) == 0 && p->side_local.responses == 0 &&
            p->side_remote.responses == 0) {
            JOIN(p->role, ROLE_NONE);
            fmt(p->role_why, sizeof(p->role_why), "sent no request and no answer of its own, "
                "and neither did the other side");
            {   /* no PBX and no trunk: named by its addresses only */
                char l[ADDR_STRLEN], rr[ADDR_STRLEN + 8];
                addr_str(&p->local.ip, l, sizeof(l));
                ep(&p->remote, rr, sizeof(rr));
                JOIN(p->name, l, " <-> ", rr);
            }
            continue;
        }
        addr_str(&p->remote.ip, r, sizeof(r));
        devices = count(reg, nreg, &p->remote.ip, NULL);
        /* peers (not attackers) where the remote side is itself the
         * requesting side, towards someone else than this peer's local side */
        onward = count(loc, nloc, &p->remote.ip, NULL) -
                 count(loc, nloc, &p->remote.ip, &p->local.ip);
        /* a registrar of several devices is their PBX when it is on a
         * private network or sends on to a third party; a public one
         * without onward traffic is as likely a carrier with several PBXs
         * (or sites: multi_site), and a provider profile settles it */
        if (p->side_local.registers > 0 && p->provider[0] == '\0' &&
            ((devices >= 2 && addr_class_is_private(addr_classify(&p->remote.ip))) ||
             onward > 0)) {
            JOIN(p->role, ROLE_PHONE);
            if (devices >= 2)
                fmt(p->role_why, sizeof(p->role_why), "registers with %s, as %zu device(s) "
                    "do: %s is the PBX", r, devices, r);
            else
                fmt(p->role_why, sizeof(p->role_why), "registers with %s, which sends "
                    "requests on to %zu other address(es): %s is the PBX", r, onward, r);
        } else {
            trunk_reason(p);
        }
        name_peer(p);
    }
    free(reg);
    free(loc);
    free(att);
}

const struct snap_peer *diag_peer_of(const struct snapshot *s, const struct snap_finding *f)
{
    for (size_t i = 0; f->peer_key != 0 && i < s->n_peers; i++)
        if (s->peers[i].key == f->peer_key)
            return &s->peers[i];
    for (size_t i = 0; !addr_is_unset(&f->server_ip) && i < s->n_peers; i++)
        if (addr_eq(&s->peers[i].remote.ip, &f->server_ip) &&
            (addr_is_unset(&f->client_ip) || addr_eq(&s->peers[i].local.ip, &f->client_ip)))
            return &s->peers[i];
    return NULL;
}
