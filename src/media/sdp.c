/*
 * sdp.c — SDP media descriptions (sdp.h): RFC 4566 §5 c= and m= lines,
 * a=rtpmap (§6), the direction attributes of RFC 3264 §5.1, a=rtcp
 * (RFC 3605) and a=rtcp-mux (RFC 5761 §5.1.1).
 *
 * Place in the flow: media.c calls it on the body of a SIP message whose
 * Content-Type is application/sdp. Thread: any.
 *
 * The body comes from the wire: lines are found with memchr inside a
 * cursor, every field is a bounded token of its line, numbers are checked
 * against their range before use, and nothing is NUL-terminated in place.
 * A line that does not parse is counted (bad_lines) and skipped, so one
 * broken attribute never hides the rest of the description.
 */
#include "sdp.h"

#include <string.h>

#include "cursor.h"

/* A token of a line: bytes up to the next space (or the end). */
struct tok {
    const uint8_t *p;
    size_t n;
};

static bool next_tok(struct cursor *c, struct tok *t)
{
    uint8_t ch;

    while (cursor_peek(c, 0, &ch) && ch == ' ')
        cursor_skip(c, 1);
    t->p = cursor_ptr(c);
    t->n = 0;
    while (cursor_peek(c, 0, &ch) && ch != ' ') {
        cursor_skip(c, 1);
        t->n++;
    }
    return t->n > 0;
}

static bool tok_eq(struct tok t, const char *s)
{
    size_t n = strlen(s);
    return t.n == n && memcmp(t.p, s, n) == 0;
}

static bool tok_ieq(struct tok t, const char *s)
{
    size_t n = strlen(s);
    if (t.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = t.p[i], b = (uint8_t)s[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* Decimal of at most 10 digits, <= max. */
static bool tok_num(struct tok t, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (t.n == 0 || t.n > 10)
        return false;
    for (size_t i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(t.p[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* The prefix of t before the first byte equal to sep. */
static struct tok tok_until(struct tok t, uint8_t sep)
{
    const uint8_t *e = memchr(t.p, sep, t.n);
    if (e != NULL)
        t.n = (size_t)(e - t.p);
    return t;
}

/* "IN IP4 192.0.2.1" / "IN IP6 2001:db8::1" / a multicast "224.2.1.1/127/3". */
static bool parse_conn(struct cursor *c, struct addr *out)
{
    struct tok net, type, a;

    if (!next_tok(c, &net) || !next_tok(c, &type) || !next_tok(c, &a))
        return false;
    if (!tok_eq(net, "IN") || !(tok_eq(type, "IP4") || tok_eq(type, "IP6")))
        return false;
    a = tok_until(a, '/');
    if (!addr_parse((const char *)a.p, a.n, out))
        return false;
    /* the address must be of the family the line names */
    return addr_is_v4(out) == tok_eq(type, "IP4");
}

static enum sdp_mtype mtype(struct tok t)
{
    if (tok_eq(t, "audio"))
        return SDP_M_AUDIO;
    if (tok_eq(t, "video"))
        return SDP_M_VIDEO;
    if (tok_eq(t, "image"))
        return SDP_M_IMAGE;
    return SDP_M_OTHER;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static bool parse_m(struct cursor *c, struct sdp *s)
{
    struct tok type, port, proto, fmt;
    uint32_t v;
    struct sdp_media *m;

    if (!next_tok(c, &type) || !next_tok(c, &port) || !next_tok(c, &proto))
        return false;
    if (!tok_num(tok_until(port, '/'), 65535, &v))
        return false;
    if (s->n_media >= SDP_MAX_MEDIA) {
        s->media_dropped++;
        return true;
    }
    m = &s->media[s->n_media++];
    memset(m, 0, sizeof(*m));
    m->type = mtype(type);
    m->port = (uint16_t)v;
    m->rtp = proto.n >= 4 && memcmp(proto.p, "RTP/", 4) == 0;
    while (next_tok(c, &fmt)) {
        if (!m->rtp)
            continue;       /* udptl t38, TCP/MSRP ...: formats are not payload types */
        if (!tok_num(fmt, 127, &v)) {
            s->bad_lines++;
            continue;
        }
        if (m->n_fmt >= SDP_MAX_FMT) {
            s->fmt_dropped++;
            continue;
        }
        m->fmt[m->n_fmt].pt = (uint8_t)v;
        m->fmt[m->n_fmt].name[0] = '\0';
        m->fmt[m->n_fmt].clock = 0;
        m->n_fmt++;
    }
    return true;
}

/* a=rtpmap:<pt> <name>/<clock>[/<channels>] */
static bool parse_rtpmap(struct cursor *c, struct sdp_media *m)
{
    struct tok pt, enc, name, clock;
    uint32_t v, hz;

    if (!next_tok(c, &pt) || !next_tok(c, &enc) || !tok_num(pt, 127, &v))
        return false;
    name = tok_until(enc, '/');
    if (name.n == 0 || name.n == enc.n)
        return false;
    clock.p = name.p + name.n + 1;
    clock.n = enc.n - name.n - 1;
    if (!tok_num(tok_until(clock, '/'), 10000000, &hz))
        return false;
    for (unsigned i = 0; i < m->n_fmt; i++) {
        struct sdp_fmt *f = &m->fmt[i];
        if (f->pt != v)
            continue;
        size_t k = name.n < SDP_CODEC_LEN - 1 ? name.n : SDP_CODEC_LEN - 1;
        for (size_t j = 0; j < k; j++) {
            uint8_t ch = name.p[j];
            f->name[j] = (char)(ch >= 0x21 && ch < 0x7f ? ch : '?');
        }
        f->name[k] = '\0';
        f->clock = hz;
    }
    return true;    /* an rtpmap for a format not listed is harmless */
}

/* a=rtcp:<port> [IN IP4 <addr>] */
static bool parse_rtcp(struct cursor *c, struct sdp_media *m)
{
    struct tok port;
    uint32_t v;

    if (!next_tok(c, &port) || !tok_num(port, 65535, &v))
        return false;
    m->rtcp_port = (uint16_t)v;
    if (cursor_left(c) > 0)
        m->has_rtcp_addr = parse_conn(c, &m->rtcp_addr);
    return true;
}

static bool parse_dir(struct tok name, enum sdp_dir *d)
{
    if (tok_ieq(name, "sendrecv"))
        *d = SDP_DIR_SENDRECV;
    else if (tok_ieq(name, "sendonly"))
        *d = SDP_DIR_SENDONLY;
    else if (tok_ieq(name, "recvonly"))
        *d = SDP_DIR_RECVONLY;
    else if (tok_ieq(name, "inactive"))
        *d = SDP_DIR_INACTIVE;
    else
        return false;
    return true;
}

/* a=<attribute>[:<value>], at session level when m is NULL. */
static bool parse_a(struct cursor *c, struct sdp *s, struct sdp_media *m)
{
    const uint8_t *p = cursor_ptr(c);
    size_t n = cursor_left(c);
    const uint8_t *colon = memchr(p, ':', n);
    struct tok name = { p, colon != NULL ? (size_t)(colon - p) : n };
    enum sdp_dir d;

    if (colon != NULL)
        cursor_skip(c, name.n + 1);
    else
        cursor_skip(c, n);
    if (parse_dir(name, &d)) {
        if (m != NULL) {
            m->has_dir = true;
            m->dir = d;
        } else {
            s->has_dir = true;
            s->dir = d;
        }
        return true;
    }
    if (m == NULL)
        return true;
    if (tok_eq(name, "rtpmap"))
        return parse_rtpmap(c, m);
    if (tok_eq(name, "rtcp"))
        return parse_rtcp(c, m);
    if (tok_eq(name, "rtcp-mux"))
        m->rtcp_mux = true;
    return true;
}

unsigned sdp_parse(const uint8_t *p, size_t n, struct sdp *out)
{
    struct cursor body = cursor_make(p, n);
    unsigned seen = 0;

    memset(out, 0, sizeof(*out));
    while (cursor_left(&body) > 0) {
        const uint8_t *lp = cursor_ptr(&body);
        const uint8_t *nl = memchr(lp, '\n', cursor_left(&body));
        size_t len = nl != NULL ? (size_t)(nl - lp) : cursor_left(&body);
        struct cursor line = cursor_make(lp, 0);
        uint8_t key, eq;
        struct sdp_media *cur = out->n_media > 0 && out->media_dropped == 0
                                    ? &out->media[out->n_media - 1] : NULL;
        bool ok = true;

        cursor_sub(&body, len, false, &line);
        if (nl != NULL)
            cursor_skip(&body, 1);
        if (len > 0 && lp[len - 1] == '\r')
            line.len--;
        if (line.len == 0)
            continue;
        if (!cursor_u8(&line, &key) || !cursor_u8(&line, &eq) || eq != '=') {
            out->bad_lines++;
            continue;
        }
        switch (key) {
        case 'c': {
            struct addr a;
            ok = parse_conn(&line, &a);
            if (!ok)
                break;
            if (out->n_media == 0) {
                out->has_addr = true;
                out->addr = a;
            } else if (cur != NULL) {
                cur->has_addr = true;
                cur->addr = a;
            }
            break;
        }
        case 'm':
            seen++;
            ok = parse_m(&line, out);
            break;
        case 'a':
            /* attributes of a dropped m= line must not land on the last kept one */
            if (out->n_media > 0 && cur == NULL)
                break;
            ok = parse_a(&line, out, cur);
            break;
        default:
            break;
        }
        if (!ok)
            out->bad_lines++;
    }
    return seen;
}

bool sdp_media_addr(const struct sdp *s, unsigned i, struct addr *out)
{
    if (i >= s->n_media)
        return false;
    if (s->media[i].has_addr) {
        *out = s->media[i].addr;
        return true;
    }
    if (s->has_addr) {
        *out = s->addr;
        return true;
    }
    return false;
}

enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned i)
{
    if (i < s->n_media && s->media[i].has_dir)
        return s->media[i].dir;
    return s->has_dir ? s->dir : SDP_DIR_SENDRECV;
}

/* RFC 3551 §6 Table 4 and 5 (audio and video payload types assigned statically). */
const char *sdp_static_codec(uint8_t pt, uint32_t *clock)
{
    static const struct { uint8_t pt; const char *name; uint32_t clock; } t[] = {
        { 0, "PCMU", 8000 },   { 3, "GSM", 8000 },    { 4, "G723", 8000 },
        { 5, "DVI4", 8000 },   { 6, "DVI4", 16000 },  { 7, "LPC", 8000 },
        { 8, "PCMA", 8000 },   { 9, "G722", 8000 },   { 10, "L16", 44100 },
        { 11, "L16", 44100 },  { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
        { 14, "MPA", 90000 },  { 15, "G728", 8000 },  { 16, "DVI4", 11025 },
        { 17, "DVI4", 22050 }, { 18, "G729", 8000 },  { 25, "CelB", 90000 },
        { 26, "JPEG", 90000 }, { 28, "nv", 90000 },   { 31, "H261", 90000 },
        { 32, "MPV", 90000 },  { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (t[i].pt == pt) {
            *clock = t[i].clock;
            return t[i].name;
        }
    }
    *clock = 0;
    return NULL;
}

const char *sdp_codec(const struct sdp_media *m, uint8_t pt, uint32_t *clock)
{
    if (m != NULL) {
        for (unsigned i = 0; i < m->n_fmt; i++) {
            if (m->fmt[i].pt == pt && m->fmt[i].name[0] != '\0') {
                *clock = m->fmt[i].clock;
                return m->fmt[i].name;
            }
        }
    }
    return sdp_static_codec(pt, clock);
}

const char *sdp_dir_name(enum sdp_dir d)
{
    switch (d) {
    case SDP_DIR_SENDRECV: return "sendrecv";
    case SDP_DIR_SENDONLY: return "sendonly";
    case SDP_DIR_RECVONLY: return "recvonly";
    case SDP_DIR_INACTIVE: return "inactive";
    }
    return "?";
}

/* ---- the SDP part of a SIP body (RFC 3261 §7.4, RFC 2046 §5.1, RFC 5621) -- */

static uint8_t lower(uint8_t ch)
{
    return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch - 'A' + 'a') : ch;
}

static bool ws(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* p[0..n) case-insensitively starts with s */
static bool starts_ci(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != (uint8_t)s[i])
            return false;
    return true;
}

/* The media type of a Content-Type value without its parameters, trimmed:
 * true when it is exactly `want` (case-insensitive). */
static bool type_is(const uint8_t *p, size_t n, const char *want, size_t *type_end)
{
    size_t a = 0, e = 0, k = strlen(want);

    while (e < n && p[e] != ';')
        e++;
    if (type_end != NULL)
        *type_end = e;
    while (a < e && ws(p[a]))
        a++;
    while (e > a && ws(p[e - 1]))
        e--;
    return e - a == k && starts_ci(p + a, e - a, want);
}

/* The boundary parameter of a multipart Content-Type (RFC 2046 §5.1.1:
 * 1..70 characters, optionally quoted); false when absent or too long. */
static bool boundary_of(const uint8_t *p, size_t n, const uint8_t **b, size_t *bn)
{
    size_t i = 0;

    while (i < n && p[i] != ';')
        i++;
    while (i < n) {
        size_t s, e;
        i++;                                    /* past ';' */
        while (i < n && ws(p[i]))
            i++;
        s = i;
        while (i < n && p[i] != ';' && p[i] != '=')
            i++;
        e = i;
        while (e > s && ws(p[e - 1]))
            e--;
        if (i < n && p[i] == '=' && e - s == 8 && starts_ci(p + s, 8, "boundary")) {
            size_t vs, ve;
            i++;
            while (i < n && ws(p[i]))
                i++;
            if (i < n && p[i] == '"') {
                vs = ++i;
                while (i < n && p[i] != '"')
                    i++;
                ve = i;
            } else {
                vs = i;
                while (i < n && p[i] != ';' && !ws(p[i]))
                    i++;
                ve = i;
            }
            if (ve <= vs || ve - vs > 70)
                return false;
            *b = p + vs;
            *bn = ve - vs;
            return true;
        }
        while (i < n && p[i] != ';')
            i++;
    }
    return false;
}

/* The first occurrence of "--" boundary at the start of a line in p[0..n),
 * from offset `from`; n when none. */
static size_t find_delim(const uint8_t *p, size_t n, size_t from, const uint8_t *b, size_t bn)
{
    for (size_t i = from; i < n && n - i >= bn + 2; i++) {
        if ((i == 0 || p[i - 1] == '\n') && p[i] == '-' && p[i + 1] == '-' &&
            memcmp(p + i + 2, b, bn) == 0)
            return i;
    }
    return n;
}

/* The Content-Type of a part's headers p[0..n) (full or compact "c" form);
 * no header means text/plain (RFC 2046 §5.1), so false. */
static bool part_type(const uint8_t *p, size_t n, const uint8_t **ct, size_t *ctn)
{
    size_t i = 0;

    while (i < n) {
        size_t e = i, c;
        while (e < n && p[e] != '\n')
            e++;
        c = i;
        while (c < e && p[c] != ':')
            c++;
        if (c < e) {
            size_t ne = c;
            while (ne > i && ws(p[ne - 1]))
                ne--;
            if ((ne - i == 12 && starts_ci(p + i, 12, "content-type")) ||
                (ne - i == 1 && lower(p[i]) == 'c')) {
                *ct = p + c + 1;
                *ctn = e - c - 1;
                return true;
            }
        }
        i = e + 1;
    }
    return false;
}

static bool find_sdp(const uint8_t *ct, size_t ctn, const uint8_t *p, size_t n,
                     unsigned depth, const uint8_t **out, size_t *out_n)
{
    const uint8_t *b;
    size_t bn, at;
    unsigned parts = 0;

    if (type_is(ct, ctn, "application/sdp", NULL)) {
        *out = p;
        *out_n = n;
        return true;
    }
    while (ctn > 0 && ws(ct[0]))
        ct++, ctn--;
    if (depth >= SDP_MULTIPART_DEPTH || !starts_ci(ct, ctn, "multipart/") ||
        !boundary_of(ct, ctn, &b, &bn))
        return false;
    at = find_delim(p, n, 0, b, bn);
    while (at < n && parts++ < SDP_MULTIPART_PARTS) {
        size_t hs = at + 2 + bn, he, cs, next, ce;
        const uint8_t *pct;
        size_t pctn;

        /* "--boundary--" closes the body */
        if (n - hs >= 2 && p[hs] == '-' && p[hs + 1] == '-')
            return false;
        while (hs < n && p[hs] != '\n')         /* transport padding, RFC 2046 */
            hs++;
        if (hs >= n)
            return false;
        hs++;
        /* headers end at the first empty line */
        he = hs;
        cs = n;
        for (size_t i = hs; i < n; i++) {
            if (p[i] != '\n')
                continue;
            if (i + 1 < n && p[i + 1] == '\n') {
                he = i;
                cs = i + 2;
                break;
            }
            if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
                he = i;
                cs = i + 3;
                break;
            }
        }
        if (hs < n && (p[hs] == '\n' || (p[hs] == '\r' && hs + 1 < n && p[hs + 1] == '\n'))) {
            he = hs;                            /* no headers at all */
            cs = hs + (p[hs] == '\n' ? 1 : 2);
        }
        if (cs >= n)
            return false;
        next = find_delim(p, n, cs, b, bn);
        /* the CRLF before the delimiter belongs to it (RFC 2046 §5.1.1) */
        ce = next;
        if (ce > cs && p[ce - 1] == '\n')
            ce--;
        if (ce > cs && p[ce - 1] == '\r')
            ce--;
        if (part_type(p + hs, he - hs, &pct, &pctn) &&
            find_sdp(pct, pctn, p + cs, ce - cs, depth + 1, out, out_n))
            return true;
        at = next;
    }
    return false;
}

bool sdp_in_body(const uint8_t *ct, size_t ctn, const uint8_t *body, size_t n,
                 const uint8_t **sdp, size_t *sdp_n)
{
    if (ct == NULL || body == NULL || n == 0)
        return false;
    return find_sdp(ct, ctn, body, n, 0, sdp, sdp_n);
}
