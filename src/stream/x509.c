/*
 * x509.c — the little of an X.509 certificate (RFC 5280 §4.1, DER per
 * X.690) a VoIP engineer checks against a trunk: subject and issuer common
 * names, subjectAltName dNSName/iPAddress entries (§4.2.1.6), validity
 * dates (§4.1.2.5), and whether it is self-signed (issuer = subject).
 * Used by tls.c on the server's certificate in a cleartext (TLS <= 1.2)
 * handshake. Thread: the caller's; no state.
 *
 * Every read goes through struct cursor; a DER length is only trusted
 * within its parent (cursor_sub without clipping), tags must be single
 * byte and lengths at most 4 bytes, so hostile input cannot read past the
 * certificate or recurse (the structure is walked at a fixed depth).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tls_int.h"

enum {
    DER_BOOL = 0x01, DER_INT = 0x02, DER_OCTETS = 0x04, DER_OID = 0x06, DER_UTF8 = 0x0c,
    DER_PRINTABLE = 0x13, DER_T61 = 0x14, DER_IA5 = 0x16, DER_UTCTIME = 0x17,
    DER_GENTIME = 0x18, DER_SEQ = 0x30, DER_SET = 0x31,
};

/* One TLV: its tag and a cursor over its value. */
static bool der(struct cursor *c, uint8_t *tag, struct cursor *val)
{
    uint8_t t, l;
    size_t len = 0;

    if (!cursor_u8(c, &t) || (t & 0x1f) == 0x1f || !cursor_u8(c, &l))
        return false;
    if (l < 0x80) {
        len = l;
    } else {
        unsigned nb = l & 0x7f;
        if (nb == 0 || nb > 4)
            return false;
        for (unsigned i = 0; i < nb; i++) {
            uint8_t b;
            if (!cursor_u8(c, &b))
                return false;
            len = (len << 8) | b;
        }
    }
    *tag = t;
    return cursor_sub(c, len, false, val);
}

static bool der_expect(struct cursor *c, uint8_t want, struct cursor *val)
{
    uint8_t tag;
    return der(c, &tag, val) && tag == want;
}

static void text_copy(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    dst[i] = '\0';
}

/* CN of a Name (SEQUENCE OF SET OF {OID, value}), else its O. */
static bool name_text(struct cursor name, char *out, size_t cap)
{
    static const uint8_t cn[3] = { 0x55, 0x04, 0x03 }, org[3] = { 0x55, 0x04, 0x0a };
    bool have_cn = false;

    out[0] = '\0';
    while (cursor_left(&name) > 0) {
        struct cursor set, atv, oid, v;
        uint8_t vt;
        if (!der_expect(&name, DER_SET, &set))
            return false;
        while (cursor_left(&set) > 0) {
            if (!der_expect(&set, DER_SEQ, &atv) || !der_expect(&atv, DER_OID, &oid) ||
                !der(&atv, &vt, &v))
                return false;
            if (cursor_left(&oid) != 3 ||
                (vt != DER_UTF8 && vt != DER_PRINTABLE && vt != DER_IA5 && vt != DER_T61))
                continue;
            bool is_cn = memcmp(cursor_ptr(&oid), cn, 3) == 0;
            if (is_cn || (!have_cn && memcmp(cursor_ptr(&oid), org, 3) == 0)) {
                text_copy(out, cap, cursor_ptr(&v), cursor_left(&v));
                have_cn = have_cn || is_cn;
            }
        }
    }
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const uint8_t *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return true;
}

/* UTCTime YYMMDDHHMMSSZ (§4.1.2.5.1: YY < 50 is 20YY) or GeneralizedTime
 * YYYYMMDDHHMMSSZ, to Unix seconds. */
static bool der_time(struct cursor *c, int64_t *out)
{
    uint8_t tag;
    struct cursor v;
    unsigned y, mo, d, h, mi, s;

    if (!der(c, &tag, &v))
        return false;
    const uint8_t *p = cursor_ptr(&v);
    size_t n = cursor_left(&v), yl = tag == DER_UTCTIME ? 2 : 4;
    if ((tag != DER_UTCTIME && tag != DER_GENTIME) || n != yl + 11 || p[n - 1] != 'Z' ||
        !digits(p, yl, &y) || !digits(p + yl, 2, &mo) || !digits(p + yl + 2, 2, &d) ||
        !digits(p + yl + 4, 2, &h) || !digits(p + yl + 6, 2, &mi) || !digits(p + yl + 8, 2, &s))
        return false;
    if (tag == DER_UTCTIME)
        y += y < 50 ? 2000 : 1900;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

/* subjectAltName (OID 2.5.29.17): GeneralNames, keep dNSName [2] and
 * iPAddress [7]. */
static bool san_parse(struct cursor octets, struct tls_conn *x)
{
    struct cursor names, v;
    uint8_t tag;

    if (!der_expect(&octets, DER_SEQ, &names))
        return false;
    while (cursor_left(&names) > 0) {
        char item[64];
        if (!der(&names, &tag, &v))
            return false;
        if (tag == 0x82) {
            text_copy(item, sizeof(item), cursor_ptr(&v), cursor_left(&v));
        } else if (tag == 0x87 && (cursor_left(&v) == 4 || cursor_left(&v) == 16)) {
            struct addr a;
            if (cursor_left(&v) == 4)
                addr_from_v4(&a, cursor_ptr(&v));
            else
                addr_from_v6(&a, cursor_ptr(&v));
            addr_str(&a, item, sizeof(item));
        } else {
            continue;
        }
        size_t o = strlen(x->san), il = strlen(item);
        if (o + (o > 0) + il + 1 > sizeof(x->san)) {
            x->san_more = true;
            continue;
        }
        snprintf(x->san + o, sizeof(x->san) - o, "%s%s", o ? "," : "", item);
    }
    return true;
}

bool tls_x509_parse(struct cursor c, struct tls_conn *x)
{
    static const uint8_t san_oid[3] = { 0x55, 0x1d, 0x11 };
    struct cursor cert, tbs, v, issuer, validity, subject;
    uint8_t tag;

    x->subject[0] = x->issuer[0] = x->san[0] = '\0';
    x->san_more = false;
    x->not_before = x->not_after = 0;
    if (!der_expect(&c, DER_SEQ, &cert) || !der_expect(&cert, DER_SEQ, &tbs))
        return false;
    if (!der(&tbs, &tag, &v))
        return false;
    if (tag == 0xa0 && !der_expect(&tbs, DER_INT, &v))     /* [0] version, then serial */
        return false;
    if ((tag != 0xa0 && tag != DER_INT) || !der_expect(&tbs, DER_SEQ, &v) ||
        !der_expect(&tbs, DER_SEQ, &issuer) || !der_expect(&tbs, DER_SEQ, &validity) ||
        !der_expect(&tbs, DER_SEQ, &subject))
        return false;
    if (!name_text(issuer, x->issuer, sizeof(x->issuer)) ||
        !name_text(subject, x->subject, sizeof(x->subject)) ||
        !der_time(&validity, &x->not_before) || !der_time(&validity, &x->not_after))
        return false;
    x->self_signed = cursor_left(&issuer) == cursor_left(&subject) &&
                     memcmp(cursor_ptr(&issuer), cursor_ptr(&subject), cursor_left(&issuer)) == 0;
    if (!der_expect(&tbs, DER_SEQ, &v))                    /* subjectPublicKeyInfo */
        return false;
    while (cursor_left(&tbs) > 0) {
        if (!der(&tbs, &tag, &v))
            return false;
        if (tag != 0xa3)                                    /* [3] extensions */
            continue;
        struct cursor exts, ext, oid, val;
        if (!der_expect(&v, DER_SEQ, &exts))
            return false;
        while (cursor_left(&exts) > 0) {
            if (!der_expect(&exts, DER_SEQ, &ext) || !der_expect(&ext, DER_OID, &oid) ||
                !der(&ext, &tag, &val))
                return false;
            if (tag == DER_BOOL && !der(&ext, &tag, &val))  /* critical */
                return false;
            if (tag == DER_OCTETS && cursor_left(&oid) == 3 &&
                memcmp(cursor_ptr(&oid), san_oid, 3) == 0 && !san_parse(val, x))
                return false;
        }
    }
    return true;
}

/* One name of the certificate against the host (case-insensitive). */
static bool name_matches(const char *pat, size_t pl, const char *host)
{
    size_t hl = strlen(host);

    if (pl >= 2 && pat[0] == '*' && pat[1] == '.') {
        const char *dot = strchr(host, '.');
        if (dot == NULL || dot == host)
            return false;
        return (size_t)(host + hl - dot) == pl - 1 && strncasecmp(dot, pat + 1, pl - 1) == 0;
    }
    return pl == hl && strncasecmp(pat, host, pl) == 0;
}

uint8_t tls_x509_problems(const struct tls_conn *x, int64_t now_s)
{
    uint8_t p = 0;

    if (x->not_after != 0 && now_s > x->not_after)
        p |= TLS_CERT_EXPIRED;
    if (x->not_before != 0 && now_s < x->not_before)
        p |= TLS_CERT_NOT_YET;
    if (x->self_signed)
        p |= TLS_CERT_SELF_SIGNED;
    if (x->sni[0] != '\0') {
        bool match = false;
        if (x->san[0] != '\0') {
            for (const char *q = x->san; *q != '\0' && !match;) {
                const char *e = strchr(q, ',');
                size_t l = e ? (size_t)(e - q) : strlen(q);
                match = name_matches(q, l, x->sni);
                q += l + (e != NULL);
            }
        } else {
            match = name_matches(x->subject, strlen(x->subject), x->sni);
        }
        if (!match && !x->san_more)
            p |= TLS_CERT_NAME;
    }
    return p;
}
