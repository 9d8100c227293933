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

/* An address with the peer it came from, sorted by address. */
struct akey {
    struct addr ip;
    uint32_t idx;
};

static int by_ip(const void *a, const void *b)
{
    return memcmp(((const struct akey *)a)->ip.b, ((const struct akey *)b)->ip.b, 16);
}

/* Index range [*lo, *hi) of the sorted keys whose address is ip. */
static void range(const struct akey *k, size_t n, const struct addr *ip, size_t *lo, size_t *hi)
{
    size_t a = 0, b = n;

    while (a < b) {     /* first >= ip */
        size_t m = a + (b - a) / 2;
        if (memcmp(k[m].ip.b, ip->b, 16) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    for (b = a; b < n && addr_eq(&k[b].ip, ip); b++)
        ;
    *hi = b;
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

static const char *ep(const struct endpoint *e, char *buf, size_t len)
{
    char ip[ADDR_STRLEN];

    addr_str(&e->ip, ip, sizeof(ip));
    if (addr_is_v4(&e->ip))
        fmt(buf, len, "%s:%u", ip, (unsigned)e->port);
    else
        fmt(buf, len, "[%s]:%u", ip, (unsigned)e->port);
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
        fmt(p->name, sizeof(p->name), "phone %s -> PBX %s", l, r);
        reprefix(p, "Phone", &p->local.ip);
    } else if (strcmp(p->role, ROLE_ATTACKER) == 0) {
        fmt(p->name, sizeof(p->name), "attacker %s -> %s", l, r);
        reprefix(p, "Attacker", &p->local.ip);
    } else {
        fmt(p->name, sizeof(p->name), "PBX %s -> trunk %s", l, r);
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
    fmt(p->role, sizeof(p->role), "%s", ROLE_TRUNK);
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
    size_t n = s->n_peers, nreg = 0;
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
        loc[i] = (struct akey){ p->local.ip, (uint32_t)i };
        if (a != NULL || strcmp(p->role, "source") == 0) {
            att[i] = true;
            fmt(p->role, sizeof(p->role), "%s", ROLE_ATTACKER);
            if (a != NULL)
                fmt(p->role_why, sizeof(p->role_why), "is the subject of %s %s (%s sent that "
                    "traffic)", a->id, kind_name(a->kind_id), l);
            else
                fmt(p->role_why, sizeof(p->role_why), "sends a SIP scanner's traffic (%s: "
                    "scanner User-Agent or many usernames)", l);
            continue;
        }
        if (p->side_local.registers > 0)
            reg[nreg++] = (struct akey){ p->remote.ip, (uint32_t)i };
    }
    qsort(reg, nreg, sizeof(*reg), by_ip);
    qsort(loc, n, sizeof(*loc), by_ip);
    for (size_t i = 0; i < n; i++) {
        struct snap_peer *p = &s->peers[i];
        size_t lo, hi, olo, ohi, onward = 0;
        char r[ADDR_STRLEN];
        if (att[i]) {
            name_peer(p);
            continue;
        }
        if (all_requests(p) == 0 && p->side_local.responses == 0 &&
            p->side_remote.responses == 0) {
            fmt(p->role, sizeof(p->role), "%s", ROLE_NONE);
            fmt(p->role_why, sizeof(p->role_why), "sent no request and no answer of its own, "
                "and neither did the other side");
            {   /* no PBX and no trunk: named by its addresses only */
                char l[ADDR_STRLEN], rr[ADDR_STRLEN + 8];
                addr_str(&p->local.ip, l, sizeof(l));
                ep(&p->remote, rr, sizeof(rr));
                fmt(p->name, sizeof(p->name), "%s <-> %s", l, rr);
            }
            continue;
        }
        addr_str(&p->remote.ip, r, sizeof(r));
        range(reg, nreg, &p->remote.ip, &lo, &hi);
        /* peers where the remote side is itself the requesting side,
         * towards someone else than this peer's local side */
        range(loc, n, &p->remote.ip, &olo, &ohi);
        for (size_t k = olo; k < ohi; k++)
            if (!att[loc[k].idx] && !addr_eq(&s->peers[loc[k].idx].remote.ip, &p->local.ip))
                onward++;
        /* a registrar of several devices is their PBX when it is on a
         * private network or sends on to a third party; a public one
         * without onward traffic is as likely a carrier with several PBXs
         * (or sites: multi_site), and a provider profile settles it */
        if (p->side_local.registers > 0 && p->provider[0] == '\0' &&
            ((hi - lo >= 2 && addr_class_is_private(addr_classify(&p->remote.ip))) ||
             onward > 0)) {
            fmt(p->role, sizeof(p->role), "%s", ROLE_PHONE);
            if (hi - lo >= 2)
                fmt(p->role_why, sizeof(p->role_why), "registers with %s, as %zu device(s) "
                    "do: %s is the PBX", r, hi - lo, r);
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
