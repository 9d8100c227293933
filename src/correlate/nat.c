/*
 * nat.c — NAT and SIP ALG evidence: per (request sender, destination) pair,
 * compare what requests advertise about their sender (top Via sent-by,
 * Contact host, SDP c=/o=) with the packet's source and with received= /
 * rport= in the far end's responses (RFC 3261 §18.2.1, RFC 3581 §4,
 * RFC 4566 §5.2, §5.7), and collect the signs of an ALG rewriting
 * messages: a Content-Length that does not match a UDP body (§18.3), a
 * public address in the headers but a private one in the SDP (or the
 * reverse), a response whose Via sent-by is not the one the request
 * carried (§17.1.3 matching then fails), and ports rewritten to the NAT's.
 *
 * Flow: engine_msg → nat_on_msg → kinds nat_rewrite / sip_alg.
 * Thread: the analysis thread. Bounds: caps.peers records (oldest evicted),
 * NAT_VIAS recent Via per record, 4 ALG signs with their first frames.
 */
#include "nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

bool nat_public_like(enum addr_class c)
{
    return c == ADDR_PUBLIC || c == ADDR_DOC;
}

/* addr_classify for the IPv4 case in a few compares (it is called for
 * every address of every message here; the generic table walk cost ~450
 * instructions a call); IPv6 goes to the table. Same classes. */
enum addr_class nat_classify(const struct addr *a)
{
    const uint8_t *b = a->b + 12;

    if (!addr_is_v4(a))
        return addr_classify(a);
    switch (b[0]) {
    case 10: return ADDR_PRIVATE;
    case 127: return ADDR_LOOPBACK;
    case 0: return ADDR_UNSPEC;
    case 100: return (b[1] & 0xc0) == 64 ? ADDR_CGNAT : ADDR_PUBLIC;
    case 169: return b[1] == 254 ? ADDR_LINKLOCAL : ADDR_PUBLIC;
    case 172: return (b[1] & 0xf0) == 16 ? ADDR_PRIVATE : ADDR_PUBLIC;
    case 192:
        if (b[1] == 168)
            return ADDR_PRIVATE;
        return b[1] == 0 && b[2] == 2 ? ADDR_DOC : ADDR_PUBLIC;
    case 198: return b[1] == 51 && b[2] == 100 ? ADDR_DOC : ADDR_PUBLIC;
    case 203: return b[1] == 0 && b[2] == 113 ? ADDR_DOC : ADDR_PUBLIC;
    default: return b[0] >= 224 ? ADDR_UNSPEC : ADDR_PUBLIC;
    }
}

/* Parse an advertised host; hint (text and value of an address already
 * known, usually the packet's source) skips the parse when it matches,
 * as it does for most messages. */
static bool adv_of(struct span host, uint16_t port, struct nat_adv *a, const char *hint,
                   size_t hint_len, const struct addr *hint_ip, uint8_t hint_cls)
{
    memset(a, 0, sizeof(*a));
    if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
        host.p++;
        host.len -= 2;
    }
    if (hint != NULL && host.len == hint_len && host.len > 0 &&
        memcmp(host.p, hint, hint_len) == 0) {
        a->ip = *hint_ip;
        a->cls = hint_cls;
    } else {
        /* an IP literal starts with a digit, or holds ':' (IPv6): a host
         * name is not worth a parse */
        if (host.len == 0 || host.len >= ADDR_STRLEN ||
            !((host.p[0] >= '0' && host.p[0] <= '9') || memchr(host.p, ':', host.len) != NULL) ||
            !addr_parse(host.p, host.len, &a->ip))
            return false;
        a->cls = (uint8_t)nat_classify(&a->ip);
    }
    a->present = true;
    a->port = port;
    return true;
}

/* addr_str, with dotted IPv4 by hand (inet_ntop cost ~1800 instructions
 * per message here); returns the length. */
static size_t ip_text(const struct addr *a, char *buf, size_t len)
{
    size_t n = 0;

    if (!addr_is_v4(a)) {
        addr_str(a, buf, len);
        return strlen(buf);
    }
    for (int i = 12; i < 16; i++) {
        unsigned x = a->b[i];
        if (i > 12)
            buf[n++] = '.';
        if (x >= 100)
            buf[n++] = (char)('0' + x / 100);
        if (x >= 10)
            buf[n++] = (char)('0' + x / 10 % 10);
        buf[n++] = (char)('0' + x % 10);
    }
    buf[n] = '\0';
    return n;
}

void nat_view_of(const struct sip_msg *m, struct nat_view *v)
{
    char hint[ADDR_STRLEN];
    size_t hl;

    memset(v, 0, sizeof(*v));
    v->src = m->src;
    v->dst = m->dst;
    v->src_cls = (uint8_t)nat_classify(&m->src.ip);
    v->dst_cls = (uint8_t)nat_classify(&m->dst.ip);
    v->rport_val = -1;
    hl = ip_text(&m->src.ip, hint, sizeof(hint));
    if (m->n_via > 0) {
        const struct sip_via *via = &m->via[0];
        adv_of(via->host, via->port ? via->port : 5060, &v->via, hint, hl, &m->src.ip,
               v->src_cls);
        v->rport = via->rport >= 0;
        if (via->rport > 0)
            v->rport_val = via->rport;
        if (via->received.len > 0 && via->received.len < ADDR_STRLEN &&
            addr_parse(via->received.p, via->received.len, &v->received_ip))
            v->received = true;
    }
    if (m->n_contact > 0 && !m->contact[0].star)
        adv_of(m->contact[0].uri.host, m->contact[0].uri.port, &v->contact, hint, hl,
               &m->src.ip, v->src_cls);
    if (m->sdp.present) {
        struct span c = m->sdp.c_addr;
        if (c.len == 0 && m->sdp.n_media > 0)
            c = m->sdp.media[0].c_addr;
        adv_of(c, 0, &v->sdp_c, hint, hl, &m->src.ip, v->src_cls);
        adv_of(m->sdp.o_addr, 0, &v->sdp_o, hint, hl, &m->src.ip, v->src_cls);
    }
}

static bool unreachable(const struct nat_adv *a)
{
    return a->present && addr_class_is_private((enum addr_class)a->cls);
}

unsigned nat_unreachable(const struct nat_view *v)
{
    unsigned bits = 0;
    bool src_pub = nat_public_like((enum addr_class)v->src_cls);
    bool dst_pub = nat_public_like((enum addr_class)v->dst_cls);

    /* Seen on the carrier side (a public source), or on the PBX's own
     * interface sending to a public peer: either way the far end is on the
     * public side and cannot reach a private address. Private to private
     * (a LAN, a VPN) is nobody's NAT problem. */
    if (!src_pub && !dst_pub)
        return 0;
    if (!v->rport && unreachable(&v->via))
        bits |= NAT_F_VIA;
    if (unreachable(&v->contact))
        bits |= NAT_F_CONTACT;
    if (unreachable(&v->sdp_c))
        bits |= NAT_F_SDP_C;
    if (bits != 0 && unreachable(&v->sdp_o))
        bits |= NAT_F_SDP_O;
    /* A private source behind which the headers are private too, but that
     * uses rport and advertises nothing else: works (RFC 3581). */
    return bits;
}

unsigned nat_stale(const struct nat_view *v, const struct addr *seen)
{
    unsigned bits = NAT_F_VIA | NAT_F_CONTACT;

    if (!v->via.present || !v->contact.present ||
        !nat_public_like((enum addr_class)v->via.cls) || !nat_public_like(nat_classify(seen)) ||
        !addr_eq(&v->via.ip, &v->contact.ip) || addr_eq(&v->via.ip, seen))
        return 0;
    if (v->sdp_c.present && addr_eq(&v->sdp_c.ip, &v->via.ip))
        bits |= NAT_F_SDP_C;
    return bits;
}

char *nat_fields(unsigned bits, char *buf, size_t len)
{
    static const char *const names[] = { "Via", "Contact", "SDP c=", "SDP o=" };
    size_t n = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < 4; i++)
        if (bits & (1u << i)) {
            findings_fmt(buf + n, len - n, "%s%s", n ? ", " : "", names[i]);
            n = strlen(buf);
        }
    return buf;
}

char *nat_geo(const struct geoip *geo, const struct addr *a, char *buf, size_t len)
{
    struct geoip_result g;

    if (len > 0)
        buf[0] = '\0';
    if (geo == NULL || !nat_public_like(nat_classify(a)) || !geoip_lookup(geo, a, &g))
        return buf;
    if (g.asn != 0)
        findings_fmt(buf, len, " [%s AS%u]", g.country[0] ? g.country : "??", (unsigned)g.asn);
    else if (g.country[0] != '\0')
        findings_fmt(buf, len, " [%s]", g.country);
    return buf;
}

/* Offset of the body in raw (after the first empty line), or raw.len. */
static size_t body_start(struct span raw)
{
    for (size_t i = 0; i + 1 < raw.len; i++) {
        if (raw.p[i] != '\n')
            continue;
        if (raw.p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < raw.len && raw.p[i + 1] == '\r' && raw.p[i + 2] == '\n')
            return i + 3;
    }
    return raw.len;
}

bool nat_length_mismatch(const struct sip_msg *m, size_t *actual)
{
    size_t start, n;

    *actual = 0;
    if (m->transport != TRANSPORT_UDP || m->content_length < 0 || m->raw.len == 0)
        return false;
    /* Fast path: sip_parse measured the body, clipped to Content-Length.
     * When the header block ends exactly where the last Content-Length
     * bytes begin, the body is exactly as announced; scanning the whole
     * message for the empty line cost ~3k instructions per message. */
    if (m->body_len == (uint64_t)m->content_length && m->body_len <= m->raw.len) {
        size_t h = m->raw.len - m->body_len;
        if ((h >= 3 && memcmp(m->raw.p + h - 3, "\n\r\n", 3) == 0) ||
            (h >= 2 && memcmp(m->raw.p + h - 2, "\n\n", 2) == 0)) {
            *actual = m->body_len;
            return false;
        }
    }
    start = body_start(m->raw);
    n = m->raw.len - start;
    *actual = n;
    if ((uint64_t)m->content_length == n)
        return false;
    if ((uint64_t)m->content_length < n)
        return true;    /* more body than announced: grown by a rewrite */
    /* Shorter than announced: a snaplen cut ends anywhere, a rewrite to a
     * shorter address still ends on a line end. */
    return n > 0 && m->raw.p[m->raw.len - 1] == '\n' &&
           (uint64_t)m->content_length - n < 64;
}

/* ---- the per-pair records ---- */

#define NAT_R_UDP 1u            /* the bad requests went over UDP */
#define NAT_R_OK_SEEN 2u
#define NAT_R_RECEIVED 4u       /* have_received */
#define NAT_R_BAD_RPORT 8u      /* the first bad request asked for rport */
#define NAT_R_LAST_STALE 16u    /* latest request: Via = Contact, public (nat_stale's test) */
#define NAT_R_LAST_SDP 32u      /* ... and SDP c= the same address */

/* Evidence set once, interned as one string each (exact frames and times). */
struct nat_stale_ev {
    struct addr adv, seen;
    struct endpoint src;
    uint64_t frame, resp_frame;
    int64_t us, resp_us;
};

struct nat_resp_ev {
    struct addr received;
    struct endpoint dst;
    int32_t rport_val;
    uint64_t frame;
    int64_t us;
};

struct nat_alg_ev {             /* followed by the sign's text */
    uint64_t frame;
    int64_t us;
};

static void sat_add(uint32_t *c, uint32_t n)
{
    *c = *c > UINT32_MAX - n ? UINT32_MAX : *c + n;
}

static void drop_strings(struct intern *in, struct nat_rec *r)
{
    for (int i = 0; i < 4; i++) {
        intern_drop(in, r->bad_adv[i]);
        intern_drop(in, r->alg_sign[i]);
    }
    intern_drop(in, r->bad_line);
    intern_drop(in, r->stale);
    intern_drop(in, r->stale_line);
    intern_drop(in, r->resp);
    intern_drop(in, r->resp_line);
    intern_drop(in, r->last_req_line);
}

static void on_evict(void *ud, void *entry)
{
    struct nat_state *n = ud;

    drop_strings(n->strings, entry);
}

struct nat_state *nat_new(const struct caps *caps, struct intern *strings)
{
    struct nat_state *n = calloc(1, sizeof(*n));

    if (n == NULL)
        return NULL;
    n->strings = strings;
    /* a pair per direction in which requests flow: a PBX and its phone
     * (REGISTER one way, OPTIONS qualify the other) are one peer, two pairs */
    if (ctab_init(&n->recs, caps->peers ? 2 * caps->peers : 1, sizeof(struct nat_rec),
                  on_evict, n) != 0) {
        free(n);
        return NULL;
    }
    return n;
}

void nat_free(struct nat_state *n)
{
    if (n == NULL)
        return;
    ctab_free(&n->recs);
    free(n);
}

void nat_stats(const struct nat_state *n, stats_fn fn, void *ud)
{
    if (n == NULL)
        return;
    fn(ud, "engine.nat.evicted", n->recs.evictions);
    fn(ud, "engine.nat.peak", n->recs.peak);
}

static uint64_t pair_key(const struct ctab *t, const struct addr *client, const struct addr *server)
{
    uint8_t b[32];

    memcpy(b, client->b, 16);
    memcpy(b + 16, server->b, 16);
    return ctab_hash(t, b, sizeof(b));
}

/* FNV-1a: the branch and host hashes only compare a response's Via with
 * its request's (not table keys), so the keyed SipHash of the tables is not
 * needed here. Never 0 (an unused slot). */
static uint64_t span_hash(const struct ctab *t, struct span s)
{
    uint64_t h = 1469598103934665603ULL;

    (void)t;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (uint8_t)s.p[i];
        h *= 1099511628211ULL;
    }
    return h | 1;
}

/* The Via port, the default filled in (RFC 3261 §18.2.1: 5060, 5061 for TLS). */
static uint16_t via_port(const struct sip_via *v)
{
    if (v->port != 0)
        return v->port;
    return v->transport == TRANSPORT_TLS ? 5061 : 5060;
}

/* Sent-by host and port in 32 bits: equal for the same pair; two others
 * that collide only hide an ALG sign, never make one. */
static uint32_t host_port(const struct ctab *t, const struct sip_via *v)
{
    uint64_t h = (span_hash(t, v->host) ^ via_port(v)) * 0x9e3779b97f4a7c15ULL;

    return (uint32_t)(h >> 32);
}

static uint32_t put_line(struct nat_state *n, const struct sip_msg *m)
{
    char line[sizeof(((struct nat_pair *)0)->bad_line)];
    uint32_t h;

    corr_start_line(m, line, sizeof(line));
    if (n->msg_line == NULL)
        return intern_put(n->strings, line, strlen(line));
    /* the transaction interns the same line next (engine msg_line) */
    h = intern_put_as(n->strings, *n->msg_line, line, strlen(line));
    *n->msg_line = h;
    return h;
}

/* A fixed-size evidence struct back from its string (zeros if refused). */
static void get_ev(const struct intern *in, uint32_t h, void *ev, size_t size)
{
    size_t n;
    const char *b = intern_get(in, h, &n);

    memset(ev, 0, size);
    if (n >= size)
        memcpy(ev, b, size);
}

static void alg_sign(struct nat_state *n, struct nat_rec *r, unsigned sign,
                     const struct sip_msg *m, const char *text)
{
    unsigned i = 0;
    uint8_t b[sizeof(struct nat_alg_ev) + sizeof(((struct nat_pair *)0)->alg_text[0])];
    struct nat_alg_ev ev;
    size_t tl = strnlen(text, sizeof(((struct nat_pair *)0)->alg_text[0]) - 1);

    if (r->alg & sign)
        return;
    while ((1u << i) != sign)
        i++;
    r->alg |= (uint8_t)sign;
    memset(&ev, 0, sizeof(ev));
    ev.frame = m->frame;
    ev.us = m->ts_us;
    memcpy(b, &ev, sizeof(ev));
    memcpy(b + sizeof(ev), text, tl);
    r->alg_sign[i] = intern_put(n->strings, b, sizeof(ev) + tl);
}

static void on_request(struct nat_state *n, struct nat_rec *r, const struct sip_msg *m)
{
    struct nat_view v;
    unsigned bits;
    size_t actual;
    bool retrans = false;
    char a[ADDR_STRLEN], b[ADDR_STRLEN], t[112];

    nat_view_of(m, &v);
    sat_add(&r->requests, 1);
    if (m->n_via > 0) {
        uint64_t br = span_hash(&n->recs, m->via[0].branch);
        for (unsigned i = 0; i < NAT_VIAS; i++)
            if (r->via_branch[i] == br && m->via[0].branch.len > 0)
                retrans = true;
        if (!retrans) {
            unsigned i = r->via_head++ % NAT_VIAS;
            r->via_branch[i] = br;
            r->via_hostport[i] = host_port(&n->recs, &m->via[0]);
        }
    }
    /* Over TCP/TLS/WS the answers use the connection (RFC 3261 §18.2.2):
     * the Via address does not matter there. */
    if (m->transport != TRANSPORT_UDP)
        v.via.present = false;
    bits = nat_unreachable(&v);
    if (bits == 0 && (v.via.present || v.contact.present || v.sdp_c.present))
        r->flags |= NAT_R_OK_SEEN;
    /* the latest request as far as nat_stale will ask on its answers */
    r->last_src = v.src;
    r->flags &= (uint8_t)~(NAT_R_LAST_STALE | NAT_R_LAST_SDP);
    memset(&r->last_via, 0, sizeof(r->last_via));
    if (v.via.present && v.contact.present && nat_public_like((enum addr_class)v.via.cls) &&
        addr_eq(&v.via.ip, &v.contact.ip)) {
        r->flags |= NAT_R_LAST_STALE;
        r->last_via = v.via.ip;
        if (v.sdp_c.present && addr_eq(&v.sdp_c.ip, &v.via.ip))
            r->flags |= NAT_R_LAST_SDP;
    }
    r->last_req_frame = m->frame;
    r->last_req_us = m->ts_us;
    /* the start line is only needed if a response may show a stale
     * public address (nat_stale): Via = Contact, public, not the source */
    if (v.via.present && v.contact.present && addr_eq(&v.via.ip, &v.contact.ip) &&
        !addr_eq(&v.via.ip, &v.src.ip) && nat_public_like((enum addr_class)v.via.cls)) {
        uint32_t h = put_line(n, m);
        intern_drop(n->strings, r->last_req_line);
        r->last_req_line = h;
    }
    if (r->stale_bits == 0 && nat_public_like((enum addr_class)v.src_cls)) {
        unsigned st = nat_stale(&v, &v.src.ip);
        if (st != 0) {
            struct nat_stale_ev ev;
            memset(&ev, 0, sizeof(ev));
            ev.adv = v.via.ip;
            ev.seen = v.src.ip;
            ev.src = v.src;
            ev.frame = m->frame;
            ev.us = m->ts_us;
            r->stale_bits = (uint8_t)st;
            r->stale = intern_put(n->strings, &ev, sizeof(ev));
            r->stale_line = put_line(n, m);
        }
    }
    if (bits != 0) {
        if (r->bad_bits == 0) {
            const struct nat_adv *adv[4] = { &v.via, &v.contact, &v.sdp_c, &v.sdp_o };
            for (int i = 0; i < 4; i++)
                if (adv[i]->present)
                    r->bad_adv[i] = corr_put_addr(n->strings, &adv[i]->ip);
            r->bad_src_port = v.src.port;
            if (v.rport)
                r->flags |= NAT_R_BAD_RPORT;
            r->bad_frame = m->frame;
            r->bad_us = m->ts_us;
            r->bad_line = put_line(n, m);
        }
        r->bad_bits |= (uint8_t)bits;
        sat_add(&r->bad_requests, 1);
        sat_add(&r->bad_retrans, retrans);
        if (m->transport == TRANSPORT_UDP)
            r->flags |= NAT_R_UDP;
        else
            r->flags &= (uint8_t)~NAT_R_UDP;
        r->bad_last_frame = m->frame;
        r->bad_last_us = m->ts_us;
    }
    if (nat_length_mismatch(m, &actual)) {
        findings_fmt(t, sizeof(t), "Content-Length: %lld but the body has %zu bytes",
                     (long long)m->content_length, actual);
        alg_sign(n, r, NAT_ALG_LENGTH, m, t);
    }
    /* Headers name the public source while the SDP stays private (an ALG
     * that rewrites headers only), or the reverse. */
    if (nat_public_like((enum addr_class)v.src_cls) && v.sdp_c.present) {
        bool hdr_pub = (v.via.present && addr_eq(&v.via.ip, &v.src.ip)) ||
                       (v.contact.present && addr_eq(&v.contact.ip, &v.src.ip));
        bool hdr_priv = (v.via.present && unreachable(&v.via)) ||
                        (v.contact.present && unreachable(&v.contact));
        bool sdp_pub = addr_eq(&v.sdp_c.ip, &v.src.ip);
        if (hdr_pub && !hdr_priv && unreachable(&v.sdp_c)) {
            findings_fmt(t, sizeof(t), "Via/Contact %s but SDP c= %s",
                         addr_str(&v.src.ip, a, sizeof(a)), addr_str(&v.sdp_c.ip, b, sizeof(b)));
            alg_sign(n, r, NAT_ALG_MIXED, m, t);
        } else if (sdp_pub && hdr_priv) {
            findings_fmt(t, sizeof(t), "SDP c= %s but Via/Contact %s",
                         addr_str(&v.src.ip, a, sizeof(a)),
                         addr_str(unreachable(&v.contact) ? &v.contact.ip : &v.via.ip, b,
                                  sizeof(b)));
            alg_sign(n, r, NAT_ALG_MIXED, m, t);
        }
        /* A port only the NAT knows (its mapping) in the headers, while the
         * body still carries the LAN address: rewritten on the way. */
        if (unreachable(&v.sdp_c) && v.src.port != 5060 && v.src.port != 5061 &&
            ((v.via.present && addr_eq(&v.via.ip, &v.src.ip) && v.via.port == v.src.port) ||
             (v.contact.present && addr_eq(&v.contact.ip, &v.src.ip) &&
              v.contact.port == v.src.port))) {
            findings_fmt(t, sizeof(t), "Via/Contact port rewritten to the NAT's source port %u",
                         (unsigned)v.src.port);
            alg_sign(n, r, NAT_ALG_PORT, m, t);
        }
    }
}

static void on_response(struct nat_state *n, struct nat_rec *r, const struct sip_msg *m)
{
    struct nat_view v;
    size_t actual;
    char t[112];

    /* A response only tells what the far end saw: received= and rport= of
     * its top Via (its Contact and SDP are the far end's own). */
    memset(&v, 0, sizeof(v));
    v.rport_val = -1;
    if (m->n_via > 0) {
        const struct sip_via *via = &m->via[0];
        if (via->rport > 0)
            v.rport_val = via->rport;
        if (via->received.len > 0 && via->received.len < ADDR_STRLEN &&
            addr_parse(via->received.p, via->received.len, &v.received_ip))
            v.received = true;
    }
    sat_add(&r->responses, 1);
    if (m->status >= 200 && m->status < 300)
        sat_add(&r->answered_2xx, 1);
    if (v.received && r->stale_bits == 0 && nat_public_like(nat_classify(&v.received_ip)) &&
        r->last_src.port != 0) {
        /* the PBX side: what it advertises against what the far end saw */
        struct nat_view last;
        unsigned st;
        memset(&last, 0, sizeof(last));
        last.src = r->last_src;
        if (r->flags & NAT_R_LAST_STALE) {
            last.via.present = last.contact.present = true;
            last.via.cls = last.contact.cls = ADDR_PUBLIC;
            last.via.ip = last.contact.ip = r->last_via;
            if (r->flags & NAT_R_LAST_SDP) {
                last.sdp_c.present = true;
                last.sdp_c.ip = r->last_via;
            }
        }
        st = nat_stale(&last, &v.received_ip);
        if (st != 0) {
            struct nat_stale_ev ev;
            memset(&ev, 0, sizeof(ev));
            ev.adv = last.via.ip;
            ev.seen = v.received_ip;
            ev.src = last.src;
            ev.frame = r->last_req_frame;
            ev.us = r->last_req_us;
            ev.resp_frame = m->frame;
            ev.resp_us = m->ts_us;
            r->stale_bits = (uint8_t)st;
            r->stale = intern_put(n->strings, &ev, sizeof(ev));
            r->stale_line = intern_ref(n->strings, r->last_req_line);
        }
    }
    if (v.received && !(r->flags & NAT_R_RECEIVED)) {
        struct nat_resp_ev ev;
        memset(&ev, 0, sizeof(ev));
        ev.received = v.received_ip;
        ev.rport_val = v.rport_val;
        ev.frame = m->frame;
        ev.us = m->ts_us;
        ev.dst = m->dst;
        r->flags |= NAT_R_RECEIVED;
        r->resp = intern_put(n->strings, &ev, sizeof(ev));
        r->resp_line = put_line(n, m);
    }
    /* The answer goes to another port than the request came from: without
     * rport the far end uses the Via port, which the NAT did not map. */
    if (r->client.port != 0 && m->dst.port != r->client.port) {
        if (r->resp_wrong_port == 0) {
            r->resp_wrong_frame = m->frame;
            r->resp_wrong_dst = m->dst;
        }
        sat_add(&r->resp_wrong_port, 1);
    }
    if (m->n_via > 0 && m->via[0].branch.len > 0) {
        uint64_t br = span_hash(&n->recs, m->via[0].branch);
        uint32_t hp = host_port(&n->recs, &m->via[0]);
        for (unsigned i = 0; i < NAT_VIAS; i++) {
            if (r->via_branch[i] != br || br == 0)
                continue;
            if (r->via_hostport[i] != hp) {
                char h[64];
                corr_copy(h, sizeof(h), m->via[0].host);
                findings_fmt(t, sizeof(t), "response Via sent-by %s:%u is not the request's",
                             h, (unsigned)m->via[0].port);
                alg_sign(n, r, NAT_ALG_VIA, m, t);
            }
            break;
        }
    }
    if (nat_length_mismatch(m, &actual)) {
        findings_fmt(t, sizeof(t), "Content-Length: %lld but the body has %zu bytes",
                     (long long)m->content_length, actual);
        alg_sign(n, r, NAT_ALG_LENGTH, m, t);
    }
}

/* The record's view (what the kinds read). */
static void fill_pair(const struct nat_state *n, const struct nat_rec *r, struct nat_pair *p)
{
    const struct intern *in = n->strings;
    struct addr *adv[4];

    memset(p, 0, sizeof(*p));
    p->key = r->key;
    p->client = r->client;
    p->server = r->server;
    p->first_us = r->first_us;
    p->last_us = r->last_us;
    p->requests = r->requests;
    p->responses = r->responses;
    p->bad_bits = r->bad_bits;
    p->bad.src.port = r->bad_src_port;
    p->bad.rport = (r->flags & NAT_R_BAD_RPORT) != 0;
    p->bad.rport_val = -1;
    adv[0] = &p->bad.via.ip;
    adv[1] = &p->bad.contact.ip;
    adv[2] = &p->bad.sdp_c.ip;
    adv[3] = &p->bad.sdp_o.ip;
    for (int i = 0; i < 4; i++)
        corr_get_addr(in, r->bad_adv[i], adv[i]);
    p->bad_frame = r->bad_frame;
    p->bad_last_frame = r->bad_last_frame;
    p->bad_us = r->bad_us;
    p->bad_last_us = r->bad_last_us;
    p->bad_requests = r->bad_requests;
    p->bad_retrans = r->bad_retrans;
    p->udp = (r->flags & NAT_R_UDP) != 0;
    corr_get_text(in, r->bad_line, p->bad_line, sizeof(p->bad_line));
    p->ok_seen = (r->flags & NAT_R_OK_SEEN) != 0;
    p->stale_bits = r->stale_bits;
    if (r->stale_bits != 0) {
        struct nat_stale_ev ev;
        get_ev(in, r->stale, &ev, sizeof(ev));
        p->stale_adv = ev.adv;
        p->stale_seen = ev.seen;
        p->stale_src = ev.src;
        p->stale_frame = ev.frame;
        p->stale_resp_frame = ev.resp_frame;
        p->stale_us = ev.us;
        p->stale_resp_us = ev.resp_us;
        corr_get_text(in, r->stale_line, p->stale_line, sizeof(p->stale_line));
    }
    p->have_received = (r->flags & NAT_R_RECEIVED) != 0;
    if (p->have_received) {
        struct nat_resp_ev ev;
        get_ev(in, r->resp, &ev, sizeof(ev));
        p->received = ev.received;
        p->rport_val = ev.rport_val;
        p->resp_frame = ev.frame;
        p->resp_us = ev.us;
        p->resp_dst = ev.dst;
        corr_get_text(in, r->resp_line, p->resp_line, sizeof(p->resp_line));
    }
    p->answered_2xx = r->answered_2xx;
    p->resp_wrong_port = r->resp_wrong_port;
    p->resp_wrong_frame = r->resp_wrong_frame;
    p->resp_wrong_dst = r->resp_wrong_dst;
    p->alg = r->alg;
    for (unsigned i = 0; i < 4; i++) {
        size_t len;
        const char *b;
        struct nat_alg_ev ev;
        if (!(r->alg & (1u << i)))
            continue;
        b = intern_get(in, r->alg_sign[i], &len);
        memset(&ev, 0, sizeof(ev));
        if (len >= sizeof(ev)) {
            memcpy(&ev, b, sizeof(ev));
            b += sizeof(ev);
            len -= sizeof(ev);
        } else {
            len = 0;
        }
        p->alg_frame[i] = ev.frame;
        p->alg_us[i] = ev.us;
        if (len >= sizeof(p->alg_text[i]))
            len = sizeof(p->alg_text[i]) - 1;
        memcpy(p->alg_text[i], b, len);
        p->alg_text[i][len] = '\0';
    }
}

const struct nat_pair *nat_on_msg(struct engine *e, const struct sip_msg *m)
{
    struct nat_state *n = e->nat;
    struct nat_rec *r;
    bool created;
    uint64_t key;

    if (n == NULL)
        return NULL;
    /* Keyed by the request direction: a response travels back. */
    if (m->is_request)
        key = pair_key(&n->recs, &m->src.ip, &m->dst.ip);
    else
        key = pair_key(&n->recs, &m->dst.ip, &m->src.ip);
    if (m->is_request) {
        r = ctab_get(&n->recs, key, &created);
        if (r == NULL)
            return NULL;
        if (created) {
            r->key = key;
            r->client = m->src;
            r->server = m->dst;
            r->first_us = m->ts_us;
        }
        r->last_us = m->ts_us;
        on_request(n, r, m);
    } else {
        r = ctab_find(&n->recs, key);
        if (r == NULL)
            return NULL;    /* a response to nothing we saw sent */
        r->last_us = m->ts_us;
        on_response(n, r, m);
    }
    /* the kinds (nat_rewrite, sip_alg) have nothing to say otherwise */
    if ((r->bad_bits | r->stale_bits | r->alg) == 0)
        return NULL;
    fill_pair(n, r, &n->view);
    return &n->view;
}

uint32_t nat_requests(const struct nat_state *n, const struct addr *client,
                      const struct addr *server)
{
    const struct nat_rec *r;

    if (n == NULL)
        return 0;
    r = ctab_find(&n->recs, pair_key(&n->recs, client, server));
    return r != NULL ? r->requests : 0;
}

bool nat_pair_get(const struct nat_state *n, uint64_t key, struct nat_pair *out)
{
    const struct nat_rec *r;

    if (n == NULL || (r = ctab_find(&n->recs, key)) == NULL)
        return false;
    fill_pair(n, r, out);
    return true;
}
