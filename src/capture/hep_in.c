/*
 * hep_in.c — the HEP receiver (see hep_in.h): UDP, TCP and TLS listeners
 * whose admitted records become DLT_RAW packets for the ring. The
 * synthesized IP/UDP header only says who sent the HEP to us (the agent)
 * and where it arrived; the SIP's own addresses, ports and time come from
 * inside the HEP (decode_hep.c), which checks every length again itself.
 *
 * Admission, in order: the sender's address against the allow-list (for
 * TCP/TLS once, at accept), the record's framing and lengths, its key
 * (hep_frame.c), the agent's records-per-second budget. Refused records are
 * counted (hep_in.refused.*, and per agent) and never reach the ring.
 *
 * Per agent (capture id, source address; at most hep_agents, the least
 * recently seen evicted and counted): records, bytes, malformed, refused,
 * dropped, first/last seen. A sender the allow-list refuses is counted only
 * in the totals: it is not an agent, and a spoofer must not be able to push
 * the real agents out of the table.
 *
 * Place in the flow: capture (this replaces libpcap) → ring → decode.
 * Owning thread: the capture thread (recv); no parsing beyond the gate, no
 * allocation after open except GnuTLS's per connection, no stdio. The
 * counters are atomics (single writer); the agent table is copied to a
 * published copy under a mutex the capture thread only try-locks.
 */
#include "hep_in.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hep_frame.h"
#include "util/err.h"

#define HDR_MAX (40 + 8)        /* IPv6 + UDP */
#define CONNS_MAX 1024          /* hep_conns above this is clamped */
#define ACCEPTS_PER_CALL 16     /* a connect flood cannot starve the records */
#define PUBLISH_MS 200

#define HEP_IN_COUNTERS(X) \
    X(udp_datagrams,   "hep_in.udp.datagrams") \
    X(tcp_accepted,    "hep_in.tcp.accepted") \
    X(tls_accepted,    "hep_in.tls.accepted") \
    X(tls_handshake_failed, "hep_in.tls.handshake_failed") \
    X(conns_refused_cap, "hep_in.conns.refused_cap") \
    X(conns_idle_closed, "hep_in.conns.idle_closed") \
    X(conns_framing_lost, "hep_in.conns.framing_lost") \
    X(conns_closed,    "hep_in.conns.closed") \
    X(conns_truncated, "hep_in.conns.truncated_record") \
    X(records,         "hep_in.records") \
    X(bytes,           "hep_in.bytes") \
    X(not_allowed,     "hep_in.refused.not_allowed") \
    X(malformed,       "hep_in.refused.malformed") \
    X(oversize,        "hep_in.refused.oversize") \
    X(no_key,          "hep_in.refused.no_key") \
    X(bad_key,         "hep_in.refused.bad_key") \
    X(rate,            "hep_in.dropped.rate") \
    X(ring,            "hep_in.dropped.ring") \
    X(agents_evicted,  "hep_in.agents.evicted")

enum {
#define X(f, n) HC_##f,
    HEP_IN_COUNTERS(X)
#undef X
    HC_COUNT
};

enum proto { P_UDP, P_TCP, P_TLS };

struct listener {
    int fd;
    enum proto proto;
    int family;
    struct sockaddr_storage local;
    char spec[80];
};

struct conn {
    int fd;                     /* -1: free */
    unsigned li;                /* its listener */
    struct sockaddr_storage peer;
    uint8_t local[16];          /* the address it arrived on, for the synthesized header */
    int64_t last_ms;            /* accept, or the last whole record */
    gnutls_session_t tls;       /* NULL for TCP */
    bool handshaking;
    struct hep_framer *fr;
};

struct agent {
    bool used;
    struct run_agent a;
    int64_t win_s;              /* the second the rate budget counts */
    uint64_t win_n;
};

struct hep_in {
    struct hep_in_opts o;
    uint8_t key[HEP_KEY_MAX];
    struct cidr_list allow;
    struct listener ls[HEP_IN_LISTEN_MAX];
    size_t n_ls;
    struct conn *conns;
    size_t n_conns, next_conn;
    struct pollfd *pfd;
    gnutls_certificate_credentials_t cred;
    bool have_cred;
    int64_t last_expire_ms, last_publish_ms;

    _Atomic uint64_t c[HC_COUNT];
    struct agent *agents;       /* capture thread's own */
    struct agent *last_agent;   /* of the record last returned */
    size_t last_len;
    size_t n_agents;
    uint64_t agents_evicted;
    pthread_mutex_t pub_lock;
    struct run_agent pub[RUN_MAX_AGENTS];
    uint32_t n_pub;
    uint64_t pub_evicted;
    bool dirty;

    uint8_t pkt[HDR_MAX + HEP_IN_MAX];
};

static void count(struct hep_in *h, int i, uint64_t n)
{
    atomic_store_explicit(&h->c[i], atomic_load_explicit(&h->c[i], memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- listener specs ------------------------------------------------------ */

static bool parse_spec(const char *s, enum proto *proto, struct sockaddr_storage *sa,
                       socklen_t *len)
{
    char host[64] = "127.0.0.1";
    const char *port;
    char *end;
    unsigned long p;
    bool v6 = false;

    *proto = P_UDP;
    if (strncmp(s, "udp:", 4) == 0) {
        s += 4;
    } else if (strncmp(s, "tcp:", 4) == 0) {
        *proto = P_TCP;
        s += 4;
    } else if (strncmp(s, "tls:", 4) == 0) {
        *proto = P_TLS;
        s += 4;
    }
    port = s;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        size_t hl;
        if (rb == NULL || rb[1] != ':')
            return false;
        hl = (size_t)(rb - s - 1);
        if (hl == 0 || hl >= sizeof(host))
            return false;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        port = rb + 2;
        v6 = true;
    } else if (strchr(s, ':') != NULL) {
        const char *c = strrchr(s, ':');
        size_t hl = (size_t)(c - s);
        if (hl == 0 || hl >= sizeof(host) || memchr(s, ':', hl) != NULL)
            return false;
        memcpy(host, s, hl);
        host[hl] = '\0';
        port = c + 1;
    }
    if (*port < '0' || *port > '9')
        return false;
    errno = 0;
    p = strtoul(port, &end, 10);
    if (errno != 0 || *end != '\0' || p == 0 || p > 65535)
        return false;
    memset(sa, 0, sizeof(*sa));
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return false;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return false;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        *len = sizeof(*a);
    }
    return true;
}

int hep_in_check_spec(const char *spec, char *errbuf)
{
    struct sockaddr_storage sa;
    socklen_t len;
    enum proto p;

    if (!parse_spec(spec, &p, &sa, &len)) {
        err_set(errbuf, "--hep-in %s: expected [udp:|tcp:|tls:][ADDRESS:]PORT (numeric, "
                        "IPv6 as [ADDRESS]:PORT, port 1-65535)", spec);
        return ERR_INVAL;
    }
    return 0;
}

static void sa_to_addr(const struct sockaddr_storage *sa, struct addr *a, uint16_t *port)
{
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        addr_from_v4(a, (const uint8_t *)&s4->sin_addr);
        *port = ntohs(s4->sin_port);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        addr_from_v6(a, (const uint8_t *)&s6->sin6_addr);
        *port = ntohs(s6->sin6_port);
    }
}

static int open_listener(struct hep_in *h, struct listener *l, const char *spec, char *errbuf)
{
    socklen_t len;
    int on = 1, rcvbuf = 4 << 20;
    char a[ADDR_STRLEN];
    struct addr ad;
    uint16_t port;

    if (hep_in_check_spec(spec, errbuf) != 0)
        return ERR_INVAL;
    parse_spec(spec, &l->proto, &l->local, &len);
    if (l->proto == P_TLS && !h->have_cred) {
        err_set(errbuf, "--hep-in %s: a TLS listener needs --hep-tls-cert and --hep-tls-key",
                spec);
        return ERR_INVAL;
    }
    l->family = l->local.ss_family;
    sa_to_addr(&l->local, &ad, &port);
    addr_str(&ad, a, sizeof(a));
    /* UDP is the default: named as it is written, without "udp:". */
    snprintf(l->spec, sizeof(l->spec), l->family == AF_INET6 ? "%s[%s]:%u" : "%s%s:%u",
             l->proto == P_UDP ? "" : l->proto == P_TCP ? "tcp:" : "tls:", a, port);
    l->fd = socket(l->family, (l->proto == P_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC |
                                  SOCK_NONBLOCK, 0);
    if (l->fd < 0) {
        err_set(errbuf, "--hep-in %s: socket: %s", spec, strerror(errno));
        return ERR_IO;
    }
    if (l->family == AF_INET6)
        setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (l->proto == P_UDP) {
        /* The arrival address of each datagram, for the synthesized header. */
        if (l->family == AF_INET)
            setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
        else
            setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
        /* Bursts from many agents: a larger buffer (capped by rmem_max). */
        setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    } else {
        setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    }
    if (bind(l->fd, (struct sockaddr *)&l->local, len) != 0 ||
        (l->proto != P_UDP && listen(l->fd, 64) != 0)) {
        err_set(errbuf, "--hep-in %s: %s: %s", spec, l->proto == P_UDP ? "bind" : "listen",
                strerror(errno));
        return ERR_IO;
    }
    return 0;
}

static int open_tls(struct hep_in *h, const struct hep_in_opts *o, char *errbuf)
{
    int rc;

    if (o->tls_cert == NULL && o->tls_key == NULL && o->tls_ca == NULL)
        return 0;
    if (o->tls_cert == NULL || o->tls_key == NULL) {
        err_set(errbuf, "--hep-tls-cert and --hep-tls-key go together");
        return ERR_INVAL;
    }
    if (gnutls_certificate_allocate_credentials(&h->cred) != 0) {
        err_set(errbuf, "--hep-tls-cert: out of memory");
        return ERR_NOMEM;
    }
    h->have_cred = true;
    rc = gnutls_certificate_set_x509_key_file(h->cred, o->tls_cert, o->tls_key,
                                              GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        err_set(errbuf, "--hep-tls-cert %s / --hep-tls-key %s: %s", o->tls_cert, o->tls_key,
                gnutls_strerror(rc));
        return ERR_INVAL;
    }
    if (o->tls_ca != NULL) {
        rc = gnutls_certificate_set_x509_trust_file(h->cred, o->tls_ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            err_set(errbuf, "--hep-tls-ca %s: %s", o->tls_ca,
                    rc == 0 ? "no certificate in the file" : gnutls_strerror(rc));
            return ERR_INVAL;
        }
    }
    return 0;
}

struct hep_in *hep_in_open(const struct hep_in_opts *o, char *errbuf)
{
    struct hep_in *h = calloc(1, sizeof(*h));
    size_t nc;

    if (h == NULL) {
        err_set(errbuf, "--hep-in: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < HEP_IN_LISTEN_MAX; i++)
        h->ls[i].fd = -1;
    pthread_mutex_init(&h->pub_lock, NULL);
    h->o = *o;
    if (o->key_len > sizeof(h->key)) {
        err_set(errbuf, "--hep-key-file: a key of at most %zu bytes", sizeof(h->key));
        goto fail;
    }
    memcpy(h->key, o->key, o->key_len);
    h->o.key = h->key;
    if (o->allow != NULL)
        h->allow = *o->allow;
    h->o.allow = &h->allow;
    /* The synthesized IP header's 16-bit length must hold it too. */
    if (h->o.max_record == 0 || h->o.max_record > HEP_IN_MAX - HDR_MAX)
        h->o.max_record = HEP_IN_MAX - HDR_MAX;
    if (h->o.max_agents == 0 || h->o.max_agents > RUN_MAX_AGENTS)
        h->o.max_agents = RUN_MAX_AGENTS;
    nc = o->max_conns > CONNS_MAX ? CONNS_MAX : (size_t)o->max_conns;
    if (open_tls(h, o, errbuf) != 0)
        goto fail;
    if (o->n_listen == 0 || o->n_listen > HEP_IN_LISTEN_MAX) {
        err_set(errbuf, "--hep-in: between 1 and %d listeners", HEP_IN_LISTEN_MAX);
        goto fail;
    }
    for (size_t i = 0; i < o->n_listen; i++) {
        if (open_listener(h, &h->ls[i], o->listen[i], errbuf) != 0)
            goto fail;
        h->n_ls++;
    }
    h->n_conns = nc;
    h->conns = calloc(nc ? nc : 1, sizeof(*h->conns));
    h->pfd = calloc(HEP_IN_LISTEN_MAX + nc, sizeof(*h->pfd));
    h->agents = calloc(h->o.max_agents, sizeof(*h->agents));
    if (h->conns == NULL || h->pfd == NULL || h->agents == NULL)
        goto nomem;
    for (size_t i = 0; i < nc; i++) {
        h->conns[i].fd = -1;
        /* Allocated now: a connection never allocates its buffer. */
        h->conns[i].fr = malloc(sizeof(*h->conns[i].fr));
        if (h->conns[i].fr == NULL)
            goto nomem;
    }
    h->last_expire_ms = h->last_publish_ms = mono_ms();
    return h;
nomem:
    err_set(errbuf, "--hep-in: out of memory (hep_conns %zu)", nc);
fail:
    hep_in_close(h);
    return NULL;
}

static void conn_close(struct hep_in *h, struct conn *c)
{
    if (c->tls != NULL) {
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    c->fd = -1;
    count(h, HC_conns_closed, 1);
}

void hep_in_close(struct hep_in *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; h->conns != NULL && i < h->n_conns; i++) {
        if (h->conns[i].fd >= 0)
            conn_close(h, &h->conns[i]);
        free(h->conns[i].fr);
    }
    for (size_t i = 0; i < HEP_IN_LISTEN_MAX; i++)
        if (h->ls[i].fd >= 0)
            close(h->ls[i].fd);
    if (h->have_cred)
        gnutls_certificate_free_credentials(h->cred);
    /* The key does not outlive the receiver in freed memory. */
    memset(h->key, 0, sizeof(h->key));
    pthread_mutex_destroy(&h->pub_lock);
    free(h->conns);
    free(h->pfd);
    free(h->agents);
    free(h);
}

const char *hep_in_describe(const struct hep_in *h, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < h->n_ls && off < len; i++) {
        int n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", h->ls[i].spec);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return buf;
}

/* ---- counters and agents --------------------------------------------------- */

void hep_in_stats(const struct hep_in *h, stats_fn fn, void *ud)
{
    static const char *const names[HC_COUNT] = {
#define X(f, n) n,
        HEP_IN_COUNTERS(X)
#undef X
    };

    if (h == NULL)
        return;
    for (int i = 0; i < HC_COUNT; i++)
        fn(ud, names[i], atomic_load_explicit(&h->c[i], memory_order_relaxed));
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The agent (capid, ip); a new one takes a free slot or the least recently
 * seen one's (counted). Linear: hep_agents is at most RUN_MAX_AGENTS. */
static struct agent *agent_get(struct hep_in *h, uint32_t capid, const struct addr *ip,
                               enum transport t, int64_t now_us)
{
    struct agent *free_slot = NULL, *oldest = NULL;

    for (size_t i = 0; i < h->o.max_agents; i++) {
        struct agent *g = &h->agents[i];
        if (!g->used) {
            if (free_slot == NULL)
                free_slot = g;
            continue;
        }
        if (g->a.capid == capid && addr_eq(&g->a.ip, ip)) {
            g->a.transport = t;
            g->a.last_us = now_us;
            return g;
        }
        if (oldest == NULL || g->a.last_us < oldest->a.last_us)
            oldest = g;
    }
    if (free_slot == NULL) {
        free_slot = oldest;
        h->agents_evicted++;
        count(h, HC_agents_evicted, 1);
    } else {
        h->n_agents++;
    }
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = true;
    free_slot->a.capid = capid;
    free_slot->a.ip = *ip;
    free_slot->a.transport = t;
    free_slot->a.first_us = free_slot->a.last_us = now_us;
    return free_slot;
}

static int cmp_recent(const void *a, const void *b)
{
    const struct run_agent *x = a, *y = b;
    return x->last_us < y->last_us ? 1 : x->last_us > y->last_us ? -1 : 0;
}

/* Copy the table for other threads if nobody is reading it right now. */
static void publish(struct hep_in *h, bool wait)
{
    size_t n = 0;

    if (!h->dirty)
        return;
    if (wait ? pthread_mutex_lock(&h->pub_lock) != 0 : pthread_mutex_trylock(&h->pub_lock) != 0)
        return;
    for (size_t i = 0; i < h->o.max_agents; i++)
        if (h->agents[i].used)
            h->pub[n++] = h->agents[i].a;
    h->n_pub = (uint32_t)n;
    h->pub_evicted = h->agents_evicted;
    pthread_mutex_unlock(&h->pub_lock);
    h->dirty = false;
}

void hep_in_publish(struct hep_in *h)
{
    publish(h, true);
}

void hep_in_agents(struct hep_in *h, struct run_info *run)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->pub_lock);
    memcpy(run->agents, h->pub, h->n_pub * sizeof(h->pub[0]));
    run->n_agents = h->n_pub;
    run->agents_evicted = h->pub_evicted;
    pthread_mutex_unlock(&h->pub_lock);
    qsort(run->agents, run->n_agents, sizeof(run->agents[0]), cmp_recent);
}

void hep_in_lost(struct hep_in *h)
{
    count(h, HC_ring, 1);
    if (h->last_agent != NULL) {
        h->last_agent->a.dropped++;
        h->last_agent->a.packets--;
        h->last_agent->a.bytes -= h->last_len;
        h->last_agent = NULL;
    }
}

/* ---- admission and the synthesized header ---------------------------------- */

static bool allowed(const struct hep_in *h, const struct sockaddr_storage *from)
{
    struct addr a;
    uint16_t port;

    if (h->allow.n == 0)
        return true;
    sa_to_addr(from, &a, &port);
    return cidr_list_contains(&h->allow, &a, NULL);
}

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += ((uint32_t)b[i] << 8) | b[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* The IP + UDP header from `from` to `to` in front of the n record bytes
 * already at h->pkt + header size. */
static uint32_t synthesize(struct hep_in *h, int family, const struct sockaddr_storage *from,
                           const struct sockaddr_storage *to, const uint8_t dst[16], size_t n)
{
    size_t hdr = family == AF_INET ? 28 : 48;
    uint8_t *ip = h->pkt;

    memset(ip, 0, hdr);
    if (family == AF_INET) {
        const struct sockaddr_in *f = (const struct sockaddr_in *)from;
        const struct sockaddr_in *l = (const struct sockaddr_in *)to;
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(hdr + n));
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, &f->sin_addr, 4);
        memcpy(ip + 16, dst, 4);
        put16(ip + 10, ip_checksum(ip, 20));
        memcpy(ip + 20, &f->sin_port, 2);
        memcpy(ip + 22, &l->sin_port, 2);
        put16(ip + 24, (uint16_t)(8 + n));
    } else {
        const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
        const struct sockaddr_in6 *l = (const struct sockaddr_in6 *)to;
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(8 + n));
        ip[6] = 17;
        ip[7] = 64;
        memcpy(ip + 8, &f->sin6_addr, 16);
        memcpy(ip + 24, dst, 16);
        memcpy(ip + 40, &f->sin6_port, 2);
        memcpy(ip + 42, &l->sin6_port, 2);
        put16(ip + 44, (uint16_t)(8 + n));
    }
    return (uint32_t)(hdr + n);
}

/* Gate one record (already at h->pkt + hdr) from an allowed sender: true
 * when it may go to the ring. Every refusal is counted, per agent too. */
static bool admit(struct hep_in *h, const struct sockaddr_storage *from, enum transport t,
                  const uint8_t *rec, size_t n)
{
    struct hep_rec r;
    enum hep_verdict v = hep_gate(rec, n, h->o.key, h->o.key_len, h->o.max_record, &r);
    int64_t now = wall_us();
    struct addr ip;
    uint16_t port;
    struct agent *g;

    sa_to_addr(from, &ip, &port);
    g = agent_get(h, r.have_capid ? r.capid : 0, &ip, t, now);
    h->dirty = true;
    h->last_agent = NULL;
    switch (v) {
    case HEP_OK:
        break;
    case HEP_MALFORMED: count(h, HC_malformed, 1); g->a.malformed++; return false;
    case HEP_OVERSIZE: count(h, HC_oversize, 1); g->a.malformed++; return false;
    case HEP_NO_KEY: count(h, HC_no_key, 1); g->a.refused++; return false;
    case HEP_BAD_KEY: count(h, HC_bad_key, 1); g->a.refused++; return false;
    }
    /* It is sending (even over its rate budget): not quiet. */
    g->a.last_ok_us = now;
    if (h->o.agent_rate > 0) {
        int64_t s = now / 1000000;
        if (s != g->win_s) {
            g->win_s = s;
            g->win_n = 0;
        }
        if (++g->win_n > h->o.agent_rate) {
            count(h, HC_rate, 1);
            g->a.dropped++;
            return false;
        }
    }
    g->a.packets++;
    g->a.bytes += n;
    count(h, HC_records, 1);
    count(h, HC_bytes, n);
    h->last_agent = g;
    h->last_len = n;
    return true;
}

/* ---- UDP ------------------------------------------------------------------- */

/* One datagram from listener l: 1 when admitted (h->pkt), 0 otherwise. */
static int udp_recv(struct hep_in *h, struct listener *l, uint32_t *len)
{
    struct sockaddr_storage from;
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    size_t hdr = l->family == AF_INET ? 28 : 48;
    struct iovec iov = { h->pkt + hdr, HEP_IN_MAX };
    struct msghdr mh = { 0 };
    uint8_t dst[16] = { 0 };
    ssize_t n;

    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    n = recvmsg(l->fd, &mh, MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : ERR_IO;
    count(h, HC_udp_datagrams, 1);
    if (from.ss_family != l->family)
        return 0;
    if (!allowed(h, &from)) {
        count(h, HC_not_allowed, 1);
        return 0;
    }
    if (!admit(h, &from, TRANSPORT_UDP, h->pkt + hdr, (size_t)n))
        return 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
            memcpy(dst, &pi.ipi_addr, 4);
        } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
            memcpy(dst, &pi.ipi6_addr, 16);
        }
    }
    *len = synthesize(h, l->family, &from, &l->local, dst, (size_t)n);
    return 1;
}

/* ---- TCP and TLS ----------------------------------------------------------- */

static ssize_t tls_push(gnutls_transport_ptr_t p, const void *b, size_t n)
{
    /* A peer gone mid-handshake is EPIPE here, never SIGPIPE. */
    return send((int)(intptr_t)p, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void accept_some(struct hep_in *h, unsigned li)
{
    struct listener *l = &h->ls[li];

    for (int k = 0; k < ACCEPTS_PER_CALL; k++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        struct conn *c = NULL;
        int fd = accept4(l->fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
            return;     /* EAGAIN, or a connection that died in the queue */
        if (!allowed(h, &from)) {
            count(h, HC_not_allowed, 1);
            close(fd);
            continue;
        }
        for (size_t i = 0; i < h->n_conns && c == NULL; i++)
            if (h->conns[i].fd < 0)
                c = &h->conns[i];
        if (c == NULL) {
            count(h, HC_conns_refused_cap, 1);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->li = li;
        c->peer = from;
        memset(c->local, 0, sizeof(c->local));
        {
            struct sockaddr_storage me;
            socklen_t ml = sizeof(me);
            if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0) {
                if (me.ss_family == AF_INET)
                    memcpy(c->local, &((struct sockaddr_in *)&me)->sin_addr, 4);
                else
                    memcpy(c->local, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
            }
        }
        c->last_ms = mono_ms();
        c->tls = NULL;
        c->handshaking = false;
        hep_framer_reset(c->fr);
        if (l->proto == P_TLS) {
            if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) != 0 ||
                gnutls_set_default_priority(c->tls) != 0 ||
                gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, h->cred) != 0) {
                count(h, HC_tls_handshake_failed, 1);
                conn_close(h, c);
                continue;
            }
            if (h->o.tls_ca != NULL) {
                gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
                gnutls_session_set_verify_cert(c->tls, NULL, 0);
            }
            gnutls_transport_set_int(c->tls, fd);
            gnutls_transport_set_push_function(c->tls, tls_push);
            c->handshaking = true;
            count(h, HC_tls_accepted, 1);
        } else {
            count(h, HC_tcp_accepted, 1);
        }
    }
}

/* Framing lost or an oversize record: counted against the connection's
 * sender (its capture id is not known: 0). */
static void conn_malformed(struct hep_in *h, struct conn *c)
{
    struct addr ip;
    uint16_t port;

    sa_to_addr(&c->peer, &ip, &port);
    agent_get(h, 0, &ip, c->tls != NULL ? TRANSPORT_TLS : TRANSPORT_TCP, wall_us())
        ->a.malformed++;
    h->dirty = true;
}

/* Read what the connection has: false when it was closed. */
static bool conn_read(struct hep_in *h, struct conn *c)
{
    size_t room;
    uint8_t *p;
    ssize_t n;

    if (c->handshaking) {
        int rc = gnutls_handshake(c->tls);
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
            return true;
        if (rc < 0) {
            count(h, HC_tls_handshake_failed, 1);
            conn_close(h, c);
            return false;
        }
        c->handshaking = false;
    }
    p = hep_frame_room(c->fr, &room);
    if (room == 0)
        return true;    /* a whole record waits to be framed first */
    if (c->tls != NULL) {
        n = gnutls_record_recv(c->tls, p, room);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            return true;
    } else {
        n = recv(c->fd, p, room, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
    }
    if (n <= 0) {
        if (hep_frame_pending(c->fr) > 0)
            count(h, HC_conns_truncated, 1);
        conn_close(h, c);
        return false;
    }
    hep_frame_fill(c->fr, (size_t)n);
    return true;
}

/* The next whole record of any connection (round robin), admitted into
 * h->pkt: 1, or 0 when none is complete. */
static int conn_next(struct hep_in *h, uint32_t *len)
{
    for (size_t k = 0; k < h->n_conns; k++) {
        size_t i = (h->next_conn + k) % h->n_conns;
        struct conn *c = &h->conns[i];
        struct listener *l;
        const uint8_t *rec;
        size_t n, hdr;

        if (c->fd < 0)
            continue;
        l = &h->ls[c->li];
        for (;;) {
            enum hep_frame_rc rc = hep_frame_next(c->fr, h->o.max_record, &rec, &n);
            if (rc == HEP_FRAME_NEED) {
                /* TLS may hold decrypted bytes the socket no longer signals. */
                if (c->tls != NULL && !c->handshaking &&
                    gnutls_record_check_pending(c->tls) > 0 && conn_read(h, c))
                    continue;
                break;
            }
            if (rc == HEP_FRAME_BAD) {
                count(h, HC_conns_framing_lost, 1);
                count(h, HC_malformed, 1);
                conn_malformed(h, c);
                conn_close(h, c);
                break;
            }
            if (rc == HEP_FRAME_OVERSIZE) {
                count(h, HC_oversize, 1);
                conn_malformed(h, c);
                continue;
            }
            c->last_ms = mono_ms();
            hdr = l->family == AF_INET ? 28 : 48;
            memcpy(h->pkt + hdr, rec, n);
            if (!admit(h, &c->peer, l->proto == P_TLS ? TRANSPORT_TLS : TRANSPORT_TCP,
                       h->pkt + hdr, n))
                continue;
            *len = synthesize(h, l->family, &c->peer, &l->local, c->local, n);
            h->next_conn = i + 1;
            return 1;
        }
    }
    return 0;
}

/* Close connections that completed no record within hep_idle_ms (checked at
 * most every 100 ms). */
static void expire(struct hep_in *h, int64_t now)
{
    if (h->o.idle_ms == 0 || now - h->last_expire_ms < 100)
        return;
    h->last_expire_ms = now;
    for (size_t i = 0; i < h->n_conns; i++) {
        struct conn *c = &h->conns[i];
        if (c->fd >= 0 && now - c->last_ms >= (int64_t)h->o.idle_ms) {
            count(h, HC_conns_idle_closed, 1);
            if (hep_frame_pending(c->fr) > 0)
                count(h, HC_conns_truncated, 1);
            conn_close(h, c);
        }
    }
}

int hep_in_recv(struct hep_in *h, int timeout_ms, struct timeval *ts, const uint8_t **pkt,
                uint32_t *len)
{
    size_t np = 0, first_conn;
    int64_t now = mono_ms();
    int rc;

    if (now - h->last_publish_ms >= PUBLISH_MS) {
        publish(h, false);
        h->last_publish_ms = now;
    }
    expire(h, now);
    rc = conn_next(h, len);
    if (rc == 0) {
        for (size_t i = 0; i < h->n_ls; i++)
            h->pfd[np++] = (struct pollfd){ h->ls[i].fd, POLLIN, 0 };
        first_conn = np;
        for (size_t i = 0; i < h->n_conns; i++) {
            const struct conn *c = &h->conns[i];
            short ev = POLLIN;
            /* A handshake may wait to write (its reply did not fit). */
            if (c->fd >= 0 && c->handshaking && gnutls_record_get_direction(c->tls) == 1)
                ev |= POLLOUT;
            h->pfd[np++] = (struct pollfd){ c->fd, ev, 0 };     /* fd -1: ignored */
        }
        rc = poll(h->pfd, np, timeout_ms);
        if (rc < 0)
            return errno == EINTR ? 0 : ERR_IO;
        if (rc == 0)
            return 0;
        for (size_t i = first_conn; i < np; i++)
            if (h->pfd[i].revents != 0 && h->conns[i - first_conn].fd >= 0)
                conn_read(h, &h->conns[i - first_conn]);
        rc = 0;
        for (size_t i = 0; i < h->n_ls; i++) {
            if (h->pfd[i].revents == 0)
                continue;
            if (h->ls[i].proto != P_UDP) {
                accept_some(h, (unsigned)i);
            } else if (rc == 0) {
                rc = udp_recv(h, &h->ls[i], len);
                if (rc < 0)
                    return rc;
            }
        }
        if (rc == 0)
            rc = conn_next(h, len);
    }
    if (rc == 1) {
        int64_t us = wall_us();
        ts->tv_sec = us / 1000000;
        ts->tv_usec = us % 1000000;
        *pkt = h->pkt;
    }
    return rc;
}
