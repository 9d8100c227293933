/*
 * tls_int.h — private to the stream stage's TLS tracker (tls.c): the X.509
 * reader it uses for the server's certificate (x509.c) and the record
 * protection it uses with --tls-keylog (tls_crypto.c).
 * Thread: the caller's; no state.
 */
#ifndef SIPSCOPE_TLS_INT_H
#define SIPSCOPE_TLS_INT_H

#include <stdbool.h>

#include "cursor.h"
#include "tls.h"

/* Read one DER certificate (RFC 5280 §4.1) into x's subject, issuer, san,
 * not_before, not_after and self_signed. False when it is malformed (x
 * then holds what was read before the fault). */
bool tls_x509_parse(struct cursor cert, struct tls_conn *x);

/* TLS_CERT_* problems of x's parsed certificate for x->sni at time now_s
 * (Unix seconds). RFC 6125 §6.4: the SNI against each dNSName (a leading
 * "*." matches exactly one label), the CN only when there is no SAN. */
uint8_t tls_x509_problems(const struct tls_conn *x, int64_t now_s);

/* One direction's record protection (keys are secrets: the owner wipes
 * this with explicit_bzero; never printed). */
enum { TLS_AEAD_NONE = 0, TLS_AEAD_AES128GCM, TLS_AEAD_AES256GCM, TLS_AEAD_CHACHA,
       TLS_CBC_AES128, TLS_CBC_AES256 };
/* Hashes: of the PRF / HKDF (tls_dkey.hash) and of the CBC suites' HMAC
 * (tls_dkey.mac). */
enum { TLS_H_SHA1 = 1, TLS_H_SHA256, TLS_H_SHA384 };
struct tls_dkey {
    uint8_t alg;            /* TLS_AEAD_* or TLS_CBC_* */
    uint8_t hash;           /* TLS_H_*: of the suite's PRF / HKDF (key updates) */
    uint8_t mac;            /* TLS_H_*: CBC suites' record MAC */
    bool v13;               /* TLS 1.3 nonce and AAD */
    bool etm;               /* CBC: encrypt_then_mac (RFC 7366) was negotiated */
    uint8_t secret_len;
    uint8_t secret[48];     /* TLS 1.3 traffic secret (key updates) */
    uint8_t key[32], iv[12];
    uint8_t mac_key[48];    /* CBC: HMAC key */
    uint64_t seq;           /* records opened in this key's epoch */
};

/* Largest fragment tls_open takes: TLS 1.2's TLSCiphertext (RFC 5246
 * §6.2.3, 2^14 + 2048); its plaintext output is never longer. */
#define TLS_CIPHERTEXT_MAX (16384 + 2048)

/* TLS 1.3 keys of a traffic secret for cipher; false for a suite or secret
 * length this cannot use. */
bool tls_keys13(struct tls_dkey *k, uint16_t cipher, const uint8_t *secret, size_t len);
/* KeyUpdate: the next generation of a TLS 1.3 traffic secret (§7.2). */
void tls_key_update13(struct tls_dkey *k);
/* TLS 1.2 keys of both directions from the master secret and the randoms
 * (RFC 5246 §6.3 key block: MAC keys, then write keys, then IVs); etm:
 * the ServerHello accepted encrypt_then_mac (only CBC suites use it). */
bool tls_keys12(struct tls_dkey *client, struct tls_dkey *server, uint16_t cipher,
                const uint8_t master[48], const uint8_t cr[32], const uint8_t sr[32], bool etm);
/* True when cipher is a TLS 1.2 suite tls_keys12 can use (v13: a TLS 1.3
 * suite for tls_keys13). */
bool tls_suite_supported(uint16_t cipher, bool v13);
/* TLS 1.2 PRF (RFC 5246 §5) with the suite's hash (TLS_H_SHA256 or
 * TLS_H_SHA384): out = PRF(secret, label, seed)[0..len), len <= 256. */
void tls_prf12(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
               const uint8_t *seed, size_t seedlen, uint8_t *out, size_t len);
/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 §7.1), len <= 48. */
void tls_expand_label(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
                      uint8_t *out, size_t len);
/* Open one record (header hdr, fragment p[0..n)) into out (room for n
 * bytes, n <= TLS_CIPHERTEXT_MAX): the plaintext length and *type (the
 * inner content type in TLS 1.3), or -1 when it does not authenticate or is
 * longer than that (out is then wiped). AEAD: the tag; CBC: the padding
 * and the HMAC (RFC 5246 §6.2.3.2 MAC-then-encrypt, RFC 7366
 * encrypt-then-MAC), compared in constant time. */
int tls_open(struct tls_dkey *k, const uint8_t hdr[5], const uint8_t *p, size_t n, uint8_t *out,
             uint8_t *type);

#endif
