/*
 * sip_scan.c — the zero-copy SIP scanner: start line and header lines
 * through a bounded cursor, then the small grammars the analysis needs
 * (SIP URI, name-addr, Via, Contact, comma lists, ;params), as spans.
 *
 * Flow: decode → sip_parse → (this) → correlate. Thread: any (no state).
 * RFC 3261 §7.3.1 (folding, LWS), §7.3.3 (compact forms), §7.5 (leading
 * CRLFs), §19.1.1 (SIP URI), §20.10 (name-addr vs addr-spec parameters),
 * §20.42 (Via), §25.1 (quoted-string, escapes).
 *
 * Every function takes (pointer, length) spans: no NUL or final CRLF is
 * assumed, every index is compared against the span length before use, and
 * a malformed value only makes that value's parse fail.
 */
#include "sip_scan.h"

#include <string.h>

/* ---- small helpers ---------------------------------------------------- */

static inline bool is_wsp(char ch)
{
    return ch == ' ' || ch == '\t';
}

static inline bool is_lws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static inline char lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

static struct span trim_lws(struct span s)
{
    while (s.len > 0 && is_lws(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_lws(s.p[s.len - 1]))
        s.len--;
    return s;
}

static inline struct span sub(struct span s, size_t from, size_t to)
{
    /* an empty span may be SPAN_NULL: p + 0 on NULL is undefined */
    if (s.p == NULL)
        return SPAN_NULL;
    return span_make(s.p + from, to - from);
}

/* Byte classes for find_any: one bit per delimiter the grammars need, so a
 * scan is one table load and test per byte (strchr per byte cost ~7k
 * instructions a message). */
enum {
    C_COLON = 1 << 0, C_AT = 1 << 1, C_RBRACK = 1 << 2, C_SEMI = 1 << 3,
    C_QMARK = 1 << 4, C_SLASH = 1 << 5, C_SP = 1 << 6, C_HT = 1 << 7,
    C_LPAREN = 1 << 8, C_LT = 1 << 9, C_GT = 1 << 10, C_EQ = 1 << 11,
    C_CR = 1 << 12, C_LF = 1 << 13, C_DQUOTE = 1 << 14, C_COMMA = 1 << 15,
    C_LBRACK = 1 << 16,
};

static const uint32_t byte_class[256] = {
    [':'] = C_COLON, ['@'] = C_AT, [']'] = C_RBRACK, [';'] = C_SEMI, ['?'] = C_QMARK,
    ['/'] = C_SLASH, [' '] = C_SP, ['\t'] = C_HT, ['('] = C_LPAREN, ['<'] = C_LT,
    ['>'] = C_GT, ['='] = C_EQ, ['\r'] = C_CR, ['\n'] = C_LF, ['"'] = C_DQUOTE,
    [','] = C_COMMA, ['['] = C_LBRACK,
};

/* Index of the first byte of s (from i) in one of the classes, or s.len. */
static inline size_t find_any(struct span s, size_t i, unsigned classes)
{
    for (; i < s.len; i++)
        if (byte_class[(uint8_t)s.p[i]] & classes)
            return i;
    return s.len;
}

/* Index just past the closing quote of the quoted-string opening at i. */
static size_t skip_quoted(struct span s, size_t i)
{
    for (i++; i < s.len; i++) {
        if (s.p[i] == '\\')
            i++;                /* escaped byte (may run past: loop ends) */
        else if (s.p[i] == '"')
            return i + 1;
    }
    return s.len;
}

bool sip_ieq(struct span a, const char *lit, size_t litlen)
{
    if (a.len != litlen)
        return false;
    for (size_t i = 0; i < litlen; i++)
        if (lower(a.p[i]) != lit[i])
            return false;
    return true;
}

uint16_t sip_port(struct span s)
{
    uint32_t v = 0;

    s = trim_lws(s);
    if (s.len == 0 || s.len > 5)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return 0;
        v = v * 10 + (uint32_t)(s.p[i] - '0');
    }
    return v <= 65535 ? (uint16_t)v : 0;
}

/* ---- lines and header fields ------------------------------------------ */

/* One line without its CRLF or LF; *eol tells whether a LF ended it. */
static struct span next_line(struct cursor *c, bool *eol)
{
    const uint8_t *p = cursor_ptr(c);
    size_t left = cursor_left(c);
    const uint8_t *nl = memchr(p, '\n', left);
    size_t n = nl != NULL ? (size_t)(nl - p) : left;

    *eol = nl != NULL;
    cursor_skip(c, nl != NULL ? n + 1 : n);
    if (*eol && n > 0 && p[n - 1] == '\r')
        n--;
    return span_make((const char *)p, n);
}

bool sip_scan_start_line(struct cursor *c, struct span *line)
{
    uint8_t b;
    bool eol;

    while (cursor_peek(c, 0, &b) && (b == '\r' || b == '\n'))
        cursor_skip(c, 1);
    *line = next_line(c, &eol);
    return eol;
}

enum sip_scan_rc sip_scan_header(struct cursor *c, struct sip_hdr *h)
{
    const char *start = (const char *)cursor_ptr(c);
    struct span line, raw;
    const char *colon;
    uint8_t b;
    bool eol;

    /* The bytes end after a complete header line but without the blank
     * line: a datagram cut by its sender or a capture tool. tshark and
     * libosip2 both take such a message (PcapPlusPlus__sip_reqs.pcap), and
     * so do we: the headers are complete, there is no body. */
    if (cursor_left(c) == 0)
        return SIP_SCAN_EOF;
    line = next_line(c, &eol);
    if (!eol)
        return SIP_SCAN_TRUNC;
    if (line.len == 0)
        return SIP_SCAN_END;
    h->folded = false;
    /* continuation lines start with SP or HT (RFC 3261 §7.3.1) */
    while (cursor_peek(c, 0, &b) && (b == ' ' || b == '\t')) {
        line = next_line(c, &eol);
        if (!eol)
            return SIP_SCAN_TRUNC;
        h->folded = true;
    }
    raw = span_make(start, (size_t)(line.p + line.len - start));
    colon = memchr(raw.p, ':', raw.len);
    if (colon == NULL) {
        h->name = raw;
        h->value = SPAN_NULL;
        return SIP_SCAN_BAD;
    }
    h->name = trim_lws(span_make(raw.p, (size_t)(colon - raw.p)));
    h->value = trim_lws(span_make(colon + 1, (size_t)(raw.p + raw.len - colon - 1)));
    return SIP_SCAN_HEADER;
}

enum sip_hdr_id sip_hdr_lookup(struct span n)
{
    switch (n.len) {
    case 1:
        /* compact forms (RFC 3261 §7.3.3 and the IANA registry); only the
         * ones the analysis reads map to an id. */
        switch (lower(n.p[0])) {
        case 'v': return SIP_H_VIA;
        case 'f': return SIP_H_FROM;
        case 't': return SIP_H_TO;
        case 'i': return SIP_H_CALL_ID;
        case 'm': return SIP_H_CONTACT;
        case 'l': return SIP_H_CONTENT_LENGTH;
        case 'c': return SIP_H_CONTENT_TYPE;
        default: return SIP_H_OTHER;
        }
    case 2:
        return SIP_IEQ(n, "to") ? SIP_H_TO : SIP_H_OTHER;
    case 3:
        return SIP_IEQ(n, "via") ? SIP_H_VIA : SIP_H_OTHER;
    case 4:
        if (SIP_IEQ(n, "from"))
            return SIP_H_FROM;
        return SIP_IEQ(n, "cseq") ? SIP_H_CSEQ : SIP_H_OTHER;
    case 6:
        if (SIP_IEQ(n, "server"))
            return SIP_H_SERVER;
        return SIP_IEQ(n, "reason") ? SIP_H_REASON : SIP_H_OTHER;
    case 7:
        if (SIP_IEQ(n, "call-id"))
            return SIP_H_CALL_ID;
        if (SIP_IEQ(n, "contact"))
            return SIP_H_CONTACT;
        if (SIP_IEQ(n, "expires"))
            return SIP_H_EXPIRES;
        return SIP_IEQ(n, "warning") ? SIP_H_WARNING : SIP_H_OTHER;
    case 10:
        return SIP_IEQ(n, "user-agent") ? SIP_H_USER_AGENT : SIP_H_OTHER;
    case 12:
        if (SIP_IEQ(n, "max-forwards"))
            return SIP_H_MAX_FORWARDS;
        return SIP_IEQ(n, "content-type") ? SIP_H_CONTENT_TYPE : SIP_H_OTHER;
    case 13:
        return SIP_IEQ(n, "authorization") ? SIP_H_AUTHORIZATION : SIP_H_OTHER;
    case 14:
        if (SIP_IEQ(n, "content-length"))
            return SIP_H_CONTENT_LENGTH;
        return SIP_IEQ(n, "x-twilio-error") ? SIP_H_X_TWILIO_ERROR : SIP_H_OTHER;
    case 16:
        return SIP_IEQ(n, "www-authenticate") ? SIP_H_WWW_AUTHENTICATE : SIP_H_OTHER;
    case 18:
        return SIP_IEQ(n, "proxy-authenticate") ? SIP_H_PROXY_AUTHENTICATE : SIP_H_OTHER;
    case 19:
        return SIP_IEQ(n, "proxy-authorization") ? SIP_H_PROXY_AUTHORIZATION : SIP_H_OTHER;
    default:
        return SIP_H_OTHER;
    }
}

struct span sip_unfold(struct arena *a, struct span v)
{
    char *out = arena_alloc(a, v.len);
    size_t n = 0;

    if (out == NULL)
        return v;               /* arena full: keep the folded bytes */
    for (size_t i = 0; i < v.len;) {
        if (v.p[i] == '\r' || v.p[i] == '\n') {
            while (i < v.len && is_lws(v.p[i]))
                i++;
            while (n > 0 && is_wsp(out[n - 1]))
                n--;
            out[n++] = ' ';
        } else {
            out[n++] = v.p[i++];
        }
    }
    return span_make(out, n);
}

struct span sip_unquote(struct arena *a, struct span v)
{
    struct span in;
    size_t end;
    char *out;
    size_t n = 0;

    v = trim_lws(v);
    if (v.len == 0 || v.p[0] != '"')
        return v;
    end = skip_quoted(v, 0);
    /* no closing quote: take everything after the opening one */
    in = (end > 1 && v.p[end - 1] == '"' && end - 1 > 0) ? sub(v, 1, end - 1) : sub(v, 1, v.len);
    if (memchr(in.p, '\\', in.len) == NULL)
        return in;
    out = arena_alloc(a, in.len);
    if (out == NULL)
        return in;
    for (size_t i = 0; i < in.len; i++) {
        if (in.p[i] == '\\' && i + 1 < in.len)
            i++;
        out[n++] = in.p[i];
    }
    return span_make(out, n);
}

/* ---- lists and parameters --------------------------------------------- */

/* Split at top-level commas; angle says whether <> and [] also group. */
static bool list_next(struct span *rest, struct span *item, bool angle)
{
    struct span r = *rest;
    unsigned stop = C_DQUOTE | C_COMMA | (angle ? C_LT | C_GT | C_LBRACK | C_RBRACK : 0);
    size_t k = 0, i;
    int depth = 0;

    while (k < r.len && (is_lws(r.p[k]) || r.p[k] == ','))
        k++;
    if (k >= r.len) {
        *rest = sub(r, r.len, r.len);
        return false;
    }
    r = sub(r, k, r.len);
    /* common case: one value in the header, nothing to split */
    if (memchr(r.p, ',', r.len) == NULL) {
        *item = trim_lws(r);
        *rest = sub(r, r.len, r.len);
        return true;
    }
    for (i = find_any(r, 0, stop); i < r.len; i = find_any(r, i, stop)) {
        char ch = r.p[i];
        if (ch == '"') {
            i = skip_quoted(r, i);
            continue;
        }
        if (ch == ',' && depth == 0)
            break;
        if (ch == '<' || ch == '[')
            depth++;
        else if ((ch == '>' || ch == ']') && depth > 0)
            depth--;
        i++;
    }
    *item = trim_lws(sub(r, 0, i));
    *rest = sub(r, i < r.len ? i + 1 : i, r.len);
    return true;
}

bool sip_list_next(struct span *rest, struct span *item)
{
    return list_next(rest, item, true);
}

bool sip_param_next(struct span *rest, struct span *name, struct span *value)
{
    struct span r = *rest;
    size_t i = 0, start, eq;

    /* find the ';' that opens the next parameter, outside quotes */
    for (i = find_any(r, 0, C_SEMI | C_DQUOTE); i < r.len && r.p[i] == '"';
         i = find_any(r, i, C_SEMI | C_DQUOTE))
        i = skip_quoted(r, i);
    if (i >= r.len) {
        *rest = sub(r, r.len, r.len);
        return false;
    }
    start = ++i;
    eq = r.len;
    for (i = find_any(r, i, C_SEMI | C_DQUOTE | C_EQ); i < r.len && r.p[i] != ';';
         i = find_any(r, i, C_SEMI | C_DQUOTE | C_EQ)) {
        if (r.p[i] == '"') {
            i = skip_quoted(r, i);
            continue;
        }
        if (eq == r.len)
            eq = i;
        i++;
    }
    if (eq < i) {
        *name = trim_lws(sub(r, start, eq));
        *value = trim_lws(sub(r, eq + 1, i));
    } else {
        *name = trim_lws(sub(r, start, i));
        *value = SPAN_NULL;     /* no '=' at all (e.g. ;rport, ;lr) */
    }
    *rest = sub(r, i, r.len);
    return true;
}

/* ---- URIs, name-addr, Via, Contact ------------------------------------ */

bool sip_scan_uri(struct span raw, struct sip_uri *u)
{
    struct span rest, hp, params;
    size_t colon, at, i, end;

    memset(u, 0, sizeof *u);
    raw = trim_lws(raw);
    u->raw = raw;
    colon = find_any(raw, 0, C_COLON);
    if (colon == 0 || colon >= raw.len)
        return false;
    for (i = 0; i < colon; i++) {
        char ch = raw.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))
            return false;
    }
    u->scheme = sub(raw, 0, colon);
    rest = sub(raw, colon + 1, raw.len);
    if (SIP_IEQ(u->scheme, "tel")) {
        u->user = sub(rest, 0, find_any(rest, 0, C_SEMI | C_QMARK));
        return u->user.len > 0;
    }
    if (!SIP_IEQ(u->scheme, "sip") && !SIP_IEQ(u->scheme, "sips"))
        return true;            /* other schemes: kept raw */

    at = find_any(rest, 0, C_AT);
    if (at < rest.len) {
        struct span ui = sub(rest, 0, at);
        u->user = sub(ui, 0, find_any(ui, 0, C_COLON));
        hp = sub(rest, at + 1, rest.len);
    } else {
        hp = rest;
    }
    if (hp.len > 0 && hp.p[0] == '[') {
        end = find_any(hp, 1, C_RBRACK);
        if (end >= hp.len)
            return false;
        u->host = sub(hp, 1, end);
        i = end + 1;
    } else {
        i = find_any(hp, 0, C_COLON | C_SEMI | C_QMARK);
        u->host = sub(hp, 0, i);
    }
    if (i < hp.len && hp.p[i] == ':') {
        end = find_any(hp, i + 1, C_SEMI | C_QMARK);
        u->port = sip_port(sub(hp, i + 1, end));
        i = end;
    }
    params = sub(hp, i, find_any(hp, i, C_QMARK));
    {
        struct span name, value;
        while (sip_param_next(&params, &name, &value))
            if (SIP_IEQ(name, "transport"))
                u->transport = value;
    }
    return u->host.len > 0;
}

bool sip_scan_nameaddr(struct span v, struct sip_nameaddr *na, struct span *params)
{
    struct span uri, after;
    size_t lt, gt;

    memset(na, 0, sizeof *na);
    v = trim_lws(v);
    na->raw = v;
    *params = SPAN_NULL;
    if (v.len == 0)
        return false;
    if (v.p[0] == '"') {
        size_t q = skip_quoted(v, 0);
        na->display = q >= 2 && v.p[q - 1] == '"' ? sub(v, 1, q - 1) : sub(v, 1, q);
        lt = find_any(v, q, C_LT);
        if (lt >= v.len)
            return false;
    } else {
        lt = find_any(v, 0, C_LT);
        if (lt < v.len)
            na->display = trim_lws(sub(v, 0, lt));
    }
    if (lt < v.len) {
        gt = find_any(v, lt + 1, C_GT);
        if (gt >= v.len)
            return false;
        uri = sub(v, lt + 1, gt);
        after = sub(v, gt + 1, v.len);
    } else {
        /* addr-spec: parameters after the URI belong to the header (§20.10) */
        size_t semi = find_any(v, 0, C_SEMI);
        uri = sub(v, 0, semi);
        after = sub(v, semi, v.len);
    }
    *params = after;
    {
        struct span name, value, p = after;
        while (sip_param_next(&p, &name, &value))
            if (SIP_IEQ(name, "tag") && na->tag.len == 0)
                na->tag = value;
    }
    return sip_scan_uri(uri, &na->uri);
}

/* Skip optional LWS then expect ch; returns the new index or s.len on failure. */
static size_t expect(struct span s, size_t i, char ch)
{
    while (i < s.len && is_lws(s.p[i]))
        i++;
    if (i < s.len && s.p[i] == ch)
        return i + 1;
    return s.len + 1;
}

static size_t skip_lws(struct span s, size_t i)
{
    while (i < s.len && is_lws(s.p[i]))
        i++;
    return i;
}

bool sip_scan_via(struct span s, struct sip_via *v)
{
    size_t i, j, end;
    struct span params, name, value;

    memset(v, 0, sizeof *v);
    v->rport = -1;
    s = trim_lws(s);
    /* sent-protocol: "SIP" / "2.0" / transport, LWS allowed around '/' */
    i = find_any(s, 0, C_SLASH | C_SP | C_HT);
    if (i == 0 || i >= s.len)
        return false;
    i = expect(s, i, '/');
    if (i > s.len)
        return false;
    i = skip_lws(s, i);
    i = find_any(s, i, C_SLASH | C_SP | C_HT);
    i = expect(s, i, '/');
    if (i > s.len)
        return false;
    i = skip_lws(s, i);
    j = find_any(s, i, C_SP | C_HT | C_SEMI);
    if (j == i)
        return false;
    v->transport = transport_from_name(s.p + i, j - i);
    /* sent-by */
    i = skip_lws(s, j);
    if (i >= s.len)
        return false;
    if (s.p[i] == '[') {
        end = find_any(s, i + 1, C_RBRACK);
        if (end >= s.len)
            return false;
        v->host = sub(s, i + 1, end);
        i = end + 1;
    } else {
        end = find_any(s, i, C_COLON | C_SEMI | C_SP | C_HT | C_LPAREN);
        v->host = sub(s, i, end);
        i = end;
    }
    i = skip_lws(s, i);
    if (i < s.len && s.p[i] == ':') {
        i = skip_lws(s, i + 1);
        end = find_any(s, i, C_SEMI | C_SP | C_HT | C_LPAREN);
        v->port = sip_port(sub(s, i, end));
        i = end;
    }
    params = sub(s, i, s.len);
    while (sip_param_next(&params, &name, &value)) {
        if (SIP_IEQ(name, "branch"))
            v->branch = value;
        else if (SIP_IEQ(name, "received"))
            v->received = value;
        else if (SIP_IEQ(name, "rport"))
            v->rport = value.len > 0 ? sip_port(value) : 0;
    }
    return v->host.len > 0;
}

bool sip_scan_contact(struct span item, struct sip_contact *ct)
{
    struct sip_nameaddr na;
    struct span params, name, value;
    uint64_t e;

    memset(ct, 0, sizeof *ct);
    ct->expires = -1;
    item = trim_lws(item);
    if (item.len == 1 && item.p[0] == '*') {
        ct->star = true;
        return true;
    }
    if (!sip_scan_nameaddr(item, &na, &params)) {
        ct->uri = na.uri;
        return false;
    }
    ct->uri = na.uri;
    while (sip_param_next(&params, &name, &value))
        if (SIP_IEQ(name, "expires") && span_to_u64(value, INT64_MAX, &e))
            ct->expires = (int64_t)e;
    return true;
}

/* ---- Digest credentials and challenges (RFC 3261 §25.1, RFC 7616) ------ */

/* Scheme token, then the auth-param list; calls fn for each name=value. */
typedef void (*auth_param_fn)(void *ud, struct span name, struct span value);

static bool auth_params(struct arena *a, struct span v, struct span *scheme,
                        auth_param_fn fn, void *ud)
{
    size_t i;

    v = trim_lws(v);
    i = find_any(v, 0, C_SP | C_HT | C_CR | C_LF);
    *scheme = sub(v, 0, i);
    if (scheme->len == 0)
        return false;
    /* One pass over the auth-param list: an item runs to the next comma
     * outside quotes (angle brackets do not group: a stray '<' must not
     * swallow), its name to its first '=' (even one inside quotes, as a
     * junk item has it); an item without '=' (Basic token68, junk) is
     * skipped. A credentials header is ~10 such params in every retry. */
    while (i < v.len) {
        size_t start, eq = SIZE_MAX;
        struct span item;
        while (i < v.len && (is_lws(v.p[i]) || v.p[i] == ','))
            i++;
        if (i >= v.len)
            break;
        start = i;
        for (i = find_any(v, i, C_DQUOTE | C_COMMA | C_EQ); i < v.len;
             i = find_any(v, i, C_DQUOTE | C_COMMA | C_EQ)) {
            if (v.p[i] == ',')
                break;
            if (v.p[i] == '=') {
                if (eq == SIZE_MAX)
                    eq = i;
                i++;
                continue;
            }
            {
                size_t q = skip_quoted(v, i);
                if (eq == SIZE_MAX) {
                    const char *e = memchr(v.p + i, '=', q - i);
                    if (e != NULL)
                        eq = (size_t)(e - v.p);
                }
                i = q;
            }
        }
        if (eq == SIZE_MAX)
            continue;
        item = trim_lws(sub(v, start, i));
        /* item starts at start (LWS skipped above), so eq keeps its place */
        fn(ud, trim_lws(sub(item, 0, eq - start)),
           sip_unquote(a, sub(item, eq - start + 1, item.len)));
    }
    return true;
}

static void cred_param(void *ud, struct span n, struct span v)
{
    struct sip_cred *cr = ud;
    struct span *dst = NULL;

    switch (n.len) {
    case 2:
        if (SIP_IEQ(n, "nc"))
            dst = &cr->nc;
        break;
    case 3:
        if (SIP_IEQ(n, "uri"))
            dst = &cr->uri;
        else if (SIP_IEQ(n, "qop"))
            dst = &cr->qop;
        break;
    case 5:
        if (SIP_IEQ(n, "realm"))
            dst = &cr->realm;
        else if (SIP_IEQ(n, "nonce"))
            dst = &cr->nonce;
        break;
    case 6:
        if (SIP_IEQ(n, "cnonce"))
            dst = &cr->cnonce;
        else if (SIP_IEQ(n, "opaque"))
            dst = &cr->opaque;
        break;
    case 8:
        if (SIP_IEQ(n, "username"))
            dst = &cr->username;
        else if (SIP_IEQ(n, "response"))
            dst = &cr->response;
        break;
    case 9:
        if (SIP_IEQ(n, "algorithm"))
            dst = &cr->algorithm;
        break;
    default:
        break;
    }
    if (dst != NULL && dst->p == NULL)
        *dst = v;
}

static void chal_param(void *ud, struct span n, struct span v)
{
    struct sip_challenge *ch = ud;
    struct span *dst = NULL;

    if (SIP_IEQ(n, "realm"))
        dst = &ch->realm;
    else if (SIP_IEQ(n, "nonce"))
        dst = &ch->nonce;
    else if (SIP_IEQ(n, "algorithm"))
        dst = &ch->algorithm;
    else if (SIP_IEQ(n, "qop"))
        dst = &ch->qop;
    else if (SIP_IEQ(n, "opaque"))
        dst = &ch->opaque;
    else if (SIP_IEQ(n, "stale"))
        ch->stale = SIP_IEQ(v, "true");
    if (dst != NULL && dst->p == NULL)
        *dst = v;
}

bool sip_scan_cred(struct arena *a, struct span v, struct sip_cred *cr)
{
    bool proxy = cr->proxy;

    memset(cr, 0, sizeof *cr);
    cr->proxy = proxy;
    cr->present = auth_params(a, v, &cr->scheme, cred_param, cr);
    return cr->present;
}

bool sip_scan_challenge(struct arena *a, struct span v, struct sip_challenge *ch)
{
    bool proxy = ch->proxy;

    memset(ch, 0, sizeof *ch);
    ch->proxy = proxy;
    return auth_params(a, v, &ch->scheme, chal_param, ch);
}

/* ---- SDP (RFC 4566 §5.2 o=, §5.7 c=, §5.14 m=) ------------------------- */

/* The n-th (0-based) space-separated field of s. */
static struct span field(struct span s, unsigned n)
{
    size_t i = 0;

    for (;;) {
        size_t start, end;
        while (i < s.len && is_wsp(s.p[i]))
            i++;
        start = i;
        end = find_any(s, i, C_SP | C_HT);
        if (start >= s.len)
            return SPAN_NULL;
        if (n-- == 0)
            return sub(s, start, end);
        i = end;
    }
}

static struct span c_address(struct span val)
{
    struct span addr = field(val, 2);

    return sub(addr, 0, find_any(addr, 0, C_SLASH));   /* drop /ttl and /count */
}

void sip_scan_sdp(struct span body, struct sip_sdp *sdp)
{
    struct cursor c = cursor_make(body.p, body.len);

    memset(sdp, 0, sizeof *sdp);
    while (cursor_left(&c) > 0) {
        bool eol;
        struct span line = next_line(&c, &eol);
        struct span val;

        if (line.len < 2 || line.p[1] != '=')
            continue;
        val = sub(line, 2, line.len);
        switch (line.p[0]) {
        case 'v':
            sdp->present = true;
            break;
        case 'o':
            sdp->present = true;
            sdp->o_addr = field(val, 5);
            break;
        case 'c':
            if (sdp->n_media > 0)
                sdp->media[sdp->n_media - 1].c_addr = c_address(val);
            else
                sdp->c_addr = c_address(val);
            break;
        case 'm':
            if (sdp->n_media < SIP_MAX_MEDIA) {
                struct sip_sdp_media *m = &sdp->media[sdp->n_media++];
                struct span port = field(val, 1);
                m->type = field(val, 0);
                m->port = sip_port(sub(port, 0, find_any(port, 0, C_SLASH)));
                m->proto = field(val, 2);
                m->c_addr = SPAN_NULL;
            } else {
                /* further media are not kept; a later c= must not be
                 * attributed to the last kept one */
                return;
            }
            break;
        default:
            break;
        }
    }
}
