/*
 * fuzz_auth.c — libFuzzer target for the digest/auth header handling:
 * Authorization and WWW-Authenticate values through sip_parse (quoted
 * strings, escapes, missing or repeated parameters, unterminated quotes —
 * OpenSIPS CVE-2023-28098 was in exactly this kind of code), then every
 * digest.h function on the result: form check, algorithm/qop/nc parsing,
 * digest_alg_offered/digest_qop_offered against the challenge, and
 * digest_verify with a fixed password.
 *
 * Input format: two header values separated by the first '\n' byte:
 *     <Authorization value> '\n' <WWW-Authenticate value>
 * (no '\n': the whole input is the Authorization value and the challenge is
 * a fixed valid one). Bit 0 of the length picks Proxy-Authorization and
 * Proxy-Authenticate instead. The harness wraps them in a REGISTER and a 401.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/digest.h"
#include "fuzz_common.h"
#include "fuzz_sip.h"
#include "sip.h"

static const char REQ_HEAD[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK776asdhds\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: a84b4c76e66710@198.51.100.1\r\n"
    "CSeq: 2 REGISTER\r\n";
static const char RESP_HEAD[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK776asdhds\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "To: <sip:alice@example.com>;tag=37GkEhwl6\r\n"
    "Call-ID: a84b4c76e66710@198.51.100.1\r\n"
    "CSeq: 1 REGISTER\r\n";
static const char TAIL[] = "\r\nContent-Length: 0\r\n\r\n";
static const char DEFAULT_CHAL[] =
    "Digest realm=\"example.com\", qop=\"auth,auth-int\", algorithm=MD5, "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

/* head + name + ": " + value + TAIL into a malloc'd buffer of exact size */
static uint8_t *build(const char *head, const char *name, const uint8_t *v, size_t vlen,
                      size_t *out_len)
{
    size_t hl = strlen(head), nl = strlen(name), tl = sizeof(TAIL) - 1;
    size_t len = hl + nl + 2 + vlen + tl;
    uint8_t *b = malloc(len);
    if (b == NULL)
        return NULL;
    memcpy(b, head, hl);
    memcpy(b + hl, name, nl);
    memcpy(b + hl + nl, ": ", 2);
    if (vlen)
        memcpy(b + hl + nl + 2, v, vlen);
    memcpy(b + hl + nl + 2 + vlen, TAIL, tl);
    *out_len = len;
    return b;
}

static int parse(struct sip_parser *sp, const uint8_t *b, size_t len, struct sip_msg *m)
{
    struct sip_payload in;
    memset(&in, 0, sizeof(in));
    in.frame = 1;
    in.ts_us = 1700000000000000LL;
    in.transport = TRANSPORT_UDP;
    in.data = b;
    in.len = len;
    memset(m, 0, sizeof(*m));
    int r = sip_parse(sp, &in, m);
    if (r == SIP_OK)
        fuzz_touch_msg(m);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caps caps;
    struct sip_parser *sp_req, *sp_resp;
    struct sip_msg req, resp;
    const uint8_t *nl;
    size_t alen, clen, rl, hl;
    const uint8_t *cval;
    int proxy = (int)(size & 1);

    if (size > 20000)
        return 0;
    nl = memchr(data, '\n', size);
    if (nl != NULL) {
        alen = (size_t)(nl - data);
        cval = nl + 1;
        clen = size - alen - 1;
    } else {
        alen = size;
        cval = (const uint8_t *)DEFAULT_CHAL;
        clen = sizeof(DEFAULT_CHAL) - 1;
    }
    fuzz_small_caps(&caps);
    /* two parsers: spans of one message stay valid while the other parses */
    sp_req = sip_parser_new(&caps);
    sp_resp = sip_parser_new(&caps);
    uint8_t *rb = build(REQ_HEAD, proxy ? "Proxy-Authorization" : "Authorization", data, alen, &rl);
    uint8_t *hb = build(RESP_HEAD, proxy ? "Proxy-Authenticate" : "WWW-Authenticate", cval, clen,
                        &hl);
    if (sp_req == NULL || sp_resp == NULL || rb == NULL || hb == NULL)
        goto out;
    int rr = parse(sp_req, rb, rl, &req);
    int hr = parse(sp_resp, hb, hl, &resp);
    if (rr == SIP_OK && req.cred.present) {
        const struct sip_cred *c = &req.cred;
        char hex[DIGEST_HEX_MAX];
        uint32_t ncv;
        enum digest_form f = digest_form_check(c);
        if (digest_form_name(f) == NULL)
            abort();
        enum digest_alg a = digest_alg_parse(c->algorithm);
        if (digest_alg_name(a) == NULL)
            abort();
        (void)digest_alg_hexlen(a);
        (void)digest_qop_parse(c->qop);
        (void)digest_nc_parse(c->nc, &ncv);
        enum digest_check v = digest_verify(c, SPAN_LIT("REGISTER"), SPAN_NULL, "secret");
        if (digest_check_name(v) == NULL)
            abort();
        struct digest_input in = {
            .username = c->username, .realm = c->realm, .password = SPAN_LIT("secret"),
            .method = SPAN_LIT("REGISTER"), .uri = c->uri, .nonce = c->nonce, .nc = c->nc,
            .cnonce = c->cnonce, .qop = c->qop, .algorithm = c->algorithm,
            .body = SPAN_NULL,
        };
        int n = digest_response(&in, hex, sizeof(hex));
        if (n > 0 && (size_t)n >= sizeof(hex))
            abort();
        (void)digest_response(&in, hex, 8);     /* too small: ERR_LIMIT, no overflow */
        if (hr == SIP_OK) {
            for (unsigned i = 0; i < resp.n_challenge && i < SIP_MAX_CHALLENGE; i++) {
                (void)digest_alg_offered(&resp.challenge[i], c);
                (void)digest_qop_offered(&resp.challenge[i], c);
            }
        }
    }
out:
    free(rb);
    free(hb);
    if (sp_req != NULL)
        sip_parser_free(sp_req);
    if (sp_resp != NULL)
        sip_parser_free(sp_resp);
    return 0;
}
