/*
 * digest.c — Digest response computation and checks (see digest.h).
 *
 * RFC 2617 §3.2.2.1-3 and RFC 7616 §3.4.1-3:
 *   A1 = user ":" realm ":" password                 (plain algorithms)
 *   A1 = H(user ":" realm ":" password) ":" nonce ":" cnonce   (-sess)
 *   A2 = method ":" uri            (qop absent or auth)
 *   A2 = method ":" uri ":" H(body) (qop=auth-int)
 *   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))
 *   response = H(H(A1) ":" nonce ":" H(A2))          (no qop, RFC 2069)
 * where H() is the lower-case hex of the algorithm's hash: MD5, SHA-256,
 * or SHA-512/256 (RFC 7616 §3.2, RFC 8760 §2 for SIP). Hashing is
 * nettle's; this file only concatenates.
 *
 * Not on the packet path: the engine calls digest_verify once per
 * credential it holds a password for. Any thread; no state.
 */
#include "digest.h"

#include <stdalign.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha2.h>

#include "util/err.h"

static const struct nettle_hash *alg_hash(enum digest_alg a, bool *sess)
{
    *sess = false;
    switch (a) {
    case DIGEST_ALG_MD5_SESS: *sess = true; /* fall through */
    case DIGEST_ALG_MD5: return &nettle_md5;
    case DIGEST_ALG_SHA256_SESS: *sess = true; /* fall through */
    case DIGEST_ALG_SHA256: return &nettle_sha256;
    case DIGEST_ALG_SHA512_256_SESS: *sess = true; /* fall through */
    case DIGEST_ALG_SHA512_256: return &nettle_sha512_256;
    case DIGEST_ALG_UNKNOWN: break;
    }
    return NULL;
}

static const struct {
    const char *name;
    enum digest_alg alg;
} alg_names[] = {
    { "MD5", DIGEST_ALG_MD5 },
    { "MD5-sess", DIGEST_ALG_MD5_SESS },
    { "SHA-256", DIGEST_ALG_SHA256 },
    { "SHA-256-sess", DIGEST_ALG_SHA256_SESS },
    { "SHA-512-256", DIGEST_ALG_SHA512_256 },
    { "SHA-512-256-sess", DIGEST_ALG_SHA512_256_SESS },
};

/* Quotes are normally removed by the parser; accept them anyway. */
static struct span unquote(struct span s)
{
    s = span_trim(s);
    if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"') {
        s.p++;
        s.len -= 2;
    }
    return s;
}

enum digest_alg digest_alg_parse(struct span s)
{
    s = unquote(s);
    if (s.len == 0)
        return DIGEST_ALG_MD5;
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
        if (span_ieq_cstr(s, alg_names[i].name))
            return alg_names[i].alg;
    return DIGEST_ALG_UNKNOWN;
}

const char *digest_alg_name(enum digest_alg a)
{
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
        if (alg_names[i].alg == a)
            return alg_names[i].name;
    return "unknown";
}

size_t digest_alg_hexlen(enum digest_alg a)
{
    bool sess;
    const struct nettle_hash *h = alg_hash(a, &sess);
    return h != NULL ? 2 * h->digest_size : 0;
}

enum digest_qop digest_qop_parse(struct span s)
{
    s = unquote(s);
    if (s.len == 0)
        return DIGEST_QOP_NONE;
    if (span_ieq_cstr(s, "auth"))
        return DIGEST_QOP_AUTH;
    if (span_ieq_cstr(s, "auth-int"))
        return DIGEST_QOP_AUTH_INT;
    return DIGEST_QOP_UNKNOWN;
}

/* Incremental hash over pieces, producing lower-case hex. */
struct hasher {
    const struct nettle_hash *h;
    alignas(16) uint8_t ctx[sizeof(struct sha512_ctx)];
};

static void h_init(struct hasher *hs, const struct nettle_hash *h)
{
    hs->h = h;
    h->init(hs->ctx);
}

static void h_add(struct hasher *hs, struct span s)
{
    if (s.len > 0)
        hs->h->update(hs->ctx, s.len, (const uint8_t *)s.p);
}

static void h_colon(struct hasher *hs)
{
    h_add(hs, SPAN_LIT(":"));
}

/* Finish into hex (2*digest_size chars + NUL); hex must hold DIGEST_HEX_MAX. */
static void h_hex(struct hasher *hs, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t raw[SHA512_DIGEST_SIZE];
    size_t n = hs->h->digest_size;

    hs->h->digest(hs->ctx, n, raw);
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 15];
    }
    hex[2 * n] = '\0';
    explicit_bzero(raw, sizeof(raw));
    explicit_bzero(hs->ctx, sizeof(hs->ctx));
}

int digest_response(const struct digest_input *in, char *hex, size_t hexlen)
{
    bool sess;
    enum digest_alg alg = digest_alg_parse(in->algorithm);
    const struct nettle_hash *h = alg_hash(alg, &sess);
    enum digest_qop qop = digest_qop_parse(in->qop);
    struct span nonce = unquote(in->nonce), cnonce = unquote(in->cnonce);
    struct span nc = span_trim(in->nc), uri = unquote(in->uri);
    struct hasher hs;
    char ha1[DIGEST_HEX_MAX], ha2[DIGEST_HEX_MAX], hbody[DIGEST_HEX_MAX];

    if (h == NULL || qop == DIGEST_QOP_UNKNOWN)
        return ERR_UNSUPP;
    if (hexlen < 2 * h->digest_size + 1)
        return ERR_LIMIT;
    if (qop != DIGEST_QOP_NONE && (nc.len == 0 || cnonce.len == 0))
        return ERR_INVAL;
    if (sess && cnonce.len == 0)
        return ERR_INVAL;

    /* H(A1) */
    h_init(&hs, h);
    h_add(&hs, unquote(in->username));
    h_colon(&hs);
    h_add(&hs, unquote(in->realm));
    h_colon(&hs);
    h_add(&hs, in->password);
    h_hex(&hs, ha1);
    if (sess) {
        h_init(&hs, h);
        h_add(&hs, span_make(ha1, strlen(ha1)));
        h_colon(&hs);
        h_add(&hs, nonce);
        h_colon(&hs);
        h_add(&hs, cnonce);
        h_hex(&hs, ha1);
    }

    /* H(A2) */
    h_init(&hs, h);
    h_add(&hs, span_trim(in->method));
    h_colon(&hs);
    h_add(&hs, uri);
    if (qop == DIGEST_QOP_AUTH_INT) {
        struct hasher hb;
        h_init(&hb, h);
        h_add(&hb, in->body);
        h_hex(&hb, hbody);
        h_colon(&hs);
        h_add(&hs, span_make(hbody, strlen(hbody)));
    }
    h_hex(&hs, ha2);

    /* response */
    h_init(&hs, h);
    h_add(&hs, span_make(ha1, strlen(ha1)));
    h_colon(&hs);
    h_add(&hs, nonce);
    h_colon(&hs);
    if (qop != DIGEST_QOP_NONE) {
        h_add(&hs, nc);
        h_colon(&hs);
        h_add(&hs, cnonce);
        h_colon(&hs);
        h_add(&hs, qop == DIGEST_QOP_AUTH ? SPAN_LIT("auth") : SPAN_LIT("auth-int"));
        h_colon(&hs);
    }
    h_add(&hs, span_make(ha2, strlen(ha2)));
    h_hex(&hs, hex);
    explicit_bzero(ha1, sizeof(ha1));
    return (int)(2 * h->digest_size);
}

const char *digest_check_name(enum digest_check c)
{
    switch (c) {
    case DIGEST_MATCH: return "match";
    case DIGEST_MISMATCH: return "mismatch";
    case DIGEST_UNSUPPORTED: return "unsupported";
    }
    return "?";
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool all_hex(struct span s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!is_hex(s.p[i]))
            return false;
    return true;
}

bool digest_nc_parse(struct span nc, uint32_t *out)
{
    uint32_t v = 0;

    nc = unquote(nc);
    if (nc.len != 8 || !all_hex(nc))
        return false;
    for (size_t i = 0; i < 8; i++) {
        char c = nc.p[i];
        unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

enum digest_form digest_form_check(const struct sip_cred *cred)
{
    struct span qop = unquote(cred->qop);
    struct span nc = unquote(cred->nc), cnonce = unquote(cred->cnonce);
    struct span resp = unquote(cred->response);
    enum digest_alg alg = digest_alg_parse(cred->algorithm);
    bool sess;
    uint32_t ncv;

    if (resp.len == 0 || unquote(cred->username).len == 0 || unquote(cred->nonce).len == 0)
        return DIGEST_FORM_NO_RESPONSE;
    if (qop.len > 0 && nc.len == 0)
        return DIGEST_FORM_QOP_WITHOUT_NC;
    if (qop.len > 0 && cnonce.len == 0)
        return DIGEST_FORM_QOP_WITHOUT_CNONCE;
    if (qop.len == 0 && nc.len > 0)
        return DIGEST_FORM_NC_WITHOUT_QOP;
    if (nc.len > 0 && !digest_nc_parse(nc, &ncv))
        return DIGEST_FORM_BAD_NC;
    if (alg != DIGEST_ALG_UNKNOWN && (resp.len != digest_alg_hexlen(alg) || !all_hex(resp)))
        return DIGEST_FORM_BAD_RESPONSE;
    if (digest_qop_parse(qop) == DIGEST_QOP_UNKNOWN)
        return DIGEST_FORM_UNKNOWN_QOP;
    if (alg == DIGEST_ALG_UNKNOWN)
        return DIGEST_FORM_UNKNOWN_ALG;
    if (alg_hash(alg, &sess) != NULL && sess && cnonce.len == 0)
        return DIGEST_FORM_SESS_WITHOUT_CNONCE;
    return DIGEST_FORM_OK;
}

const char *digest_form_name(enum digest_form f)
{
    switch (f) {
    case DIGEST_FORM_OK: return "well-formed";
    case DIGEST_FORM_NO_RESPONSE: return "response, username or nonce missing";
    case DIGEST_FORM_QOP_WITHOUT_NC: return "qop without nc";
    case DIGEST_FORM_QOP_WITHOUT_CNONCE: return "qop without cnonce";
    case DIGEST_FORM_NC_WITHOUT_QOP: return "nc/cnonce without qop";
    case DIGEST_FORM_BAD_NC: return "nc is not 8 hex digits";
    case DIGEST_FORM_BAD_RESPONSE: return "response is not a hex digest of the algorithm's length";
    case DIGEST_FORM_UNKNOWN_QOP: return "unknown qop";
    case DIGEST_FORM_UNKNOWN_ALG: return "unknown algorithm";
    case DIGEST_FORM_SESS_WITHOUT_CNONCE: return "-sess algorithm without cnonce";
    }
    return "?";
}

enum digest_check digest_verify(const struct sip_cred *cred, struct span method,
                                struct span body, const char *password)
{
    char hex[DIGEST_HEX_MAX];
    struct span resp = unquote(cred->response);

    if (password == NULL || !cred->present)
        return DIGEST_UNSUPPORTED;
    if (digest_form_check(cred) != DIGEST_FORM_OK)
        return DIGEST_UNSUPPORTED;
    if (cred->scheme.len > 0 && !span_ieq_cstr(span_trim(cred->scheme), "Digest"))
        return DIGEST_UNSUPPORTED;

    struct digest_input in = {
        .username = cred->username,
        .realm = cred->realm,
        .password = span_make(password, strlen(password)),
        .method = method,
        .uri = cred->uri,
        .nonce = cred->nonce,
        .nc = cred->nc,
        .cnonce = cred->cnonce,
        .qop = cred->qop,
        .algorithm = cred->algorithm,
        .body = body,
    };
    int n = digest_response(&in, hex, sizeof(hex));
    if (n < 0)
        return DIGEST_UNSUPPORTED;
    bool eq = resp.len == (size_t)n && strncasecmp(resp.p, hex, (size_t)n) == 0;
    explicit_bzero(hex, sizeof(hex));
    return eq ? DIGEST_MATCH : DIGEST_MISMATCH;
}

bool digest_alg_offered(const struct sip_challenge *ch, const struct sip_cred *cred)
{
    return digest_alg_parse(ch->algorithm) == digest_alg_parse(cred->algorithm);
}

bool digest_qop_offered(const struct sip_challenge *ch, const struct sip_cred *cred)
{
    struct span want = unquote(cred->qop);
    struct span list = unquote(ch->qop);

    if (list.len == 0)
        return want.len == 0;
    if (want.len == 0)
        return true;    /* RFC 7616 §3.4 requires qop when offered; RFC 2617 clients omit it */
    size_t i = 0;
    while (i < list.len) {
        size_t j = i;
        while (j < list.len && list.p[j] != ',')
            j++;
        if (span_ieq(span_trim(span_make(list.p + i, j - i)), want))
            return true;
        i = j + 1;
    }
    return false;
}
