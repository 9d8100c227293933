/*
 * digest.h — HTTP/SIP Digest authentication arithmetic: the expected
 * response for a credential (RFC 2617 §3.2.2, RFC 7616 §3.4.1-§3.4.3,
 * RFC 8760 §2 for SIP), its verification against a password from
 * --secrets, and the consistency checks the engine's digest_mismatch kind
 * needs (algorithm offered, qop without nc/cnonce, nc syntax).
 *
 * Hashes come from nettle (MD5, SHA-256, SHA-512/256): nothing home-made.
 * Algorithms: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256,
 * SHA-512-256-sess. qop: none (RFC 2069 compatibility), auth, auth-int.
 * Not supported: userhash=true (RFC 7616 §3.4.4: the username on the wire
 * is a hash; digest_verify answers UNSUPPORTED only when it cannot know).
 *
 * Pure functions on caller memory; any thread. Spans are only read during
 * the call. Passwords are never copied beyond the stack frame, and the
 * stack copies of H(A1) are wiped before return.
 */
#ifndef SIPSCOPE_DIGEST_H
#define SIPSCOPE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip.h"
#include "util/span.h"

enum digest_alg {
    DIGEST_ALG_UNKNOWN = 0,     /* a token we do not implement */
    DIGEST_ALG_MD5,             /* also when the parameter is absent (RFC 7616 §3.3) */
    DIGEST_ALG_MD5_SESS,
    DIGEST_ALG_SHA256,
    DIGEST_ALG_SHA256_SESS,
    DIGEST_ALG_SHA512_256,
    DIGEST_ALG_SHA512_256_SESS,
};

enum digest_qop {
    DIGEST_QOP_NONE = 0,        /* no qop: RFC 2069 response = H(HA1:nonce:HA2) */
    DIGEST_QOP_AUTH,
    DIGEST_QOP_AUTH_INT,
    DIGEST_QOP_UNKNOWN,         /* a token other than auth / auth-int */
};

/* Longest hex response (SHA-256, SHA-512/256: 64 digits) plus NUL. */
#define DIGEST_HEX_MAX 65

/* Everything the response is computed from. Empty spans are "absent". */
struct digest_input {
    struct span username, realm, password;
    struct span method;         /* request method ("INVITE"); for ACK/CANCEL the INVITE's */
    struct span uri;            /* digest-uri exactly as sent in the credential */
    struct span nonce, nc, cnonce, qop;
    struct span algorithm;      /* empty = MD5 */
    struct span body;           /* message body, hashed for qop=auth-int */
};

/* Parse an algorithm token, case-insensitively; an empty span is MD5. */
enum digest_alg digest_alg_parse(struct span s);
/* Canonical spelling ("SHA-512-256-sess"); "unknown" for DIGEST_ALG_UNKNOWN. */
const char *digest_alg_name(enum digest_alg a);
/* Hex digits of the algorithm's output: 32 or 64; 0 for UNKNOWN. */
size_t digest_alg_hexlen(enum digest_alg a);

/* Parse a credential's qop value (a single token); empty is QOP_NONE. */
enum digest_qop digest_qop_parse(struct span s);

/*
 * Compute the expected response (lower-case hex, NUL-terminated) into hex.
 * Returns the number of hex digits (32 or 64), ERR_UNSUPP for an unknown
 * algorithm or qop, ERR_INVAL when qop is present but nc or cnonce is
 * missing (or a -sess algorithm lacks cnonce), ERR_LIMIT when hexlen is too
 * small (DIGEST_HEX_MAX always suffices).
 */
int digest_response(const struct digest_input *in, char *hex, size_t hexlen);

enum digest_check {
    DIGEST_MATCH = 0,           /* the response is what this password gives */
    DIGEST_MISMATCH,            /* well-formed, but another password (or user/uri) */
    DIGEST_UNSUPPORTED,         /* cannot tell: unknown algorithm/qop, malformed fields */
};

const char *digest_check_name(enum digest_check c);

/*
 * Verify a parsed Authorization/Proxy-Authorization against password.
 * method is the request's method; body its body (used by auth-int only).
 * The response compares case-insensitively (hex). A credential with no
 * response, nonce or username, or qop without nc/cnonce, is UNSUPPORTED:
 * a missing field is a digest_mismatch finding, not a password verdict.
 */
enum digest_check digest_verify(const struct sip_cred *cred, struct span method,
                                struct span body, const char *password);

/*
 * True when the credential's algorithm (absent = MD5) is one the challenge
 * offered (its algorithm parameter, absent = MD5), compared by parsed
 * value so "md5" equals "MD5".
 */
bool digest_alg_offered(const struct sip_challenge *ch, const struct sip_cred *cred);

/*
 * True when the credential's qop is allowed by the challenge: a challenge
 * without qop allows only a credential without qop (RFC 2069 mode); a
 * challenge qop list ("auth,auth-int", quotes already removed) allows any
 * token in it. A credential without qop answering a challenge with qop is
 * accepted (RFC 2617 §3.2.2 lets RFC 2069 clients omit it; RFC 7616 says
 * MUST, and many SIP servers still accept it).
 */
bool digest_qop_offered(const struct sip_challenge *ch, const struct sip_cred *cred);

/* Structural problems in one credential (RFC 7616 §3.4, RFC 2617 §3.2.2). */
enum digest_form {
    DIGEST_FORM_OK = 0,
    DIGEST_FORM_NO_RESPONSE,        /* response, username or nonce missing */
    DIGEST_FORM_QOP_WITHOUT_NC,     /* qop present, nc missing */
    DIGEST_FORM_QOP_WITHOUT_CNONCE, /* qop present, cnonce missing */
    DIGEST_FORM_NC_WITHOUT_QOP,     /* nc or cnonce sent without qop */
    DIGEST_FORM_BAD_NC,             /* nc is not 8 hex digits */
    DIGEST_FORM_BAD_RESPONSE,       /* response is not hex of the algorithm's length */
    DIGEST_FORM_UNKNOWN_QOP,
    DIGEST_FORM_UNKNOWN_ALG,
    DIGEST_FORM_SESS_WITHOUT_CNONCE,/* -sess algorithm without cnonce */
};

/* Check one credential; returns the first problem found, in the order above. */
enum digest_form digest_form_check(const struct sip_cred *cred);
/* One-line English description ("qop=auth without nc"). */
const char *digest_form_name(enum digest_form f);

/*
 * Parse nc: exactly 8 hex digits (RFC 7616 §3.4: nc-value = 8LHEX).
 * Returns false on anything else; *out is set only on success.
 */
bool digest_nc_parse(struct span nc, uint32_t *out);

#endif
