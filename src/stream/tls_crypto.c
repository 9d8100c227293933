/*
 * tls_crypto.c — record protection for the TLS tracker when --tls-keylog
 * gives the secrets: key derivation (TLS 1.3 HKDF-Expand-Label, RFC 8446
 * §7.1/§7.3; TLS 1.2 PRF key expansion, RFC 5246 §5/§6.3) and AEAD record
 * opening (RFC 8446 §5.2-5.4; RFC 5288 AES-GCM and RFC 7905
 * ChaCha20-Poly1305 for TLS 1.2), on nettle's primitives. Only AEAD suites:
 * TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256 and the TLS 1.2 (EC)DHE/RSA AES-GCM and
 * ChaCha20-Poly1305 suites; any other suite is "no key" (counted).
 *
 * Secrets and keys live in struct tls_dkey (tls_int.h), wiped by the
 * owner; derivation scratch is wiped here. Thread: the caller's; no state.
 */
#include <string.h>

#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "tls_int.h"

enum { H_SHA256 = 1, H_SHA384 = 2 };

/* The AEAD and hash of a suite; false for a suite this cannot open. */
static bool suite(uint16_t c, bool v13, uint8_t *alg, uint8_t *hash)
{
    static const struct { uint16_t id; uint8_t alg, hash, v13; } t[] = {
        { 0x1301, TLS_AEAD_AES128GCM, H_SHA256, 1 }, { 0x1302, TLS_AEAD_AES256GCM, H_SHA384, 1 },
        { 0x1303, TLS_AEAD_CHACHA, H_SHA256, 1 },
        { 0xc02b, TLS_AEAD_AES128GCM, H_SHA256, 0 }, { 0xc02c, TLS_AEAD_AES256GCM, H_SHA384, 0 },
        { 0xc02f, TLS_AEAD_AES128GCM, H_SHA256, 0 }, { 0xc030, TLS_AEAD_AES256GCM, H_SHA384, 0 },
        { 0x009c, TLS_AEAD_AES128GCM, H_SHA256, 0 }, { 0x009d, TLS_AEAD_AES256GCM, H_SHA384, 0 },
        { 0x009e, TLS_AEAD_AES128GCM, H_SHA256, 0 }, { 0x009f, TLS_AEAD_AES256GCM, H_SHA384, 0 },
        { 0xcca8, TLS_AEAD_CHACHA, H_SHA256, 0 }, { 0xcca9, TLS_AEAD_CHACHA, H_SHA256, 0 },
        { 0xccaa, TLS_AEAD_CHACHA, H_SHA256, 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].id == c && t[i].v13 == v13) {
            *alg = t[i].alg;
            *hash = t[i].hash;
            return true;
        }
    return false;
}

static size_t key_len(uint8_t alg)
{
    return alg == TLS_AEAD_AES128GCM ? 16 : 32;
}

/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 §7.1). */
static void expand_label(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
                         uint8_t *out, size_t len)
{
    uint8_t info[64];
    size_t ll = strlen(label), n = 0;

    info[n++] = (uint8_t)(len >> 8);
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0;
    if (hash == H_SHA384) {
        struct hmac_sha384_ctx h;
        hmac_sha384_set_key(&h, slen, secret);
        hkdf_expand(&h, (nettle_hash_update_func *)hmac_sha384_update,
                    (nettle_hash_digest_func *)hmac_sha384_digest, SHA384_DIGEST_SIZE, n, info,
                    len, out);
        explicit_bzero(&h, sizeof(h));
    } else {
        struct hmac_sha256_ctx h;
        hmac_sha256_set_key(&h, slen, secret);
        hkdf_expand(&h, (nettle_hash_update_func *)hmac_sha256_update,
                    (nettle_hash_digest_func *)hmac_sha256_digest, SHA256_DIGEST_SIZE, n, info,
                    len, out);
        explicit_bzero(&h, sizeof(h));
    }
}

static void set13(struct tls_dkey *k)
{
    expand_label(k->hash, k->secret, k->secret_len, "key", k->key, key_len(k->alg));
    expand_label(k->hash, k->secret, k->secret_len, "iv", k->iv, 12);
    k->seq = 0;
}

bool tls_keys13(struct tls_dkey *k, uint16_t cipher, const uint8_t *secret, size_t len)
{
    uint8_t alg, hash;

    if (!suite(cipher, true, &alg, &hash) || len != (hash == H_SHA384 ? 48u : 32u))
        return false;
    k->alg = alg;
    k->hash = hash;
    k->v13 = true;
    k->secret_len = (uint8_t)len;
    memcpy(k->secret, secret, len);
    set13(k);
    return true;
}

void tls_key_update13(struct tls_dkey *k)
{
    uint8_t next[48];

    expand_label(k->hash, k->secret, k->secret_len, "traffic upd", next, k->secret_len);
    memcpy(k->secret, next, k->secret_len);
    explicit_bzero(next, sizeof(next));
    set13(k);
}

/* TLS 1.2 P_hash (RFC 5246 §5) of secret over label + seed. */
static void prf12(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
                  const uint8_t *seed, size_t seedlen, uint8_t *out, size_t len)
{
    uint8_t a[48], blk[48], ls[128];
    size_t dl = hash == H_SHA384 ? 48 : 32, ll = strlen(label), lsl = ll + seedlen, done = 0;
    struct hmac_sha256_ctx h256;
    struct hmac_sha384_ctx h384;

    memcpy(ls, label, ll);
    memcpy(ls + ll, seed, seedlen);
#define MAC(dst, n1, p1, n2, p2) do { \
        if (hash == H_SHA384) { hmac_sha384_set_key(&h384, slen, secret); \
            hmac_sha384_update(&h384, n1, p1); if (n2) hmac_sha384_update(&h384, n2, p2); \
            hmac_sha384_digest(&h384, 48, dst); } \
        else { hmac_sha256_set_key(&h256, slen, secret); \
            hmac_sha256_update(&h256, n1, p1); if (n2) hmac_sha256_update(&h256, n2, p2); \
            hmac_sha256_digest(&h256, 32, dst); } } while (0)
    MAC(a, lsl, ls, 0, ls);                     /* A(1) */
    while (done < len) {
        MAC(blk, dl, a, lsl, ls);
        size_t k = len - done < dl ? len - done : dl;
        memcpy(out + done, blk, k);
        done += k;
        MAC(a, dl, a, 0, a);                    /* A(i+1) */
    }
#undef MAC
    explicit_bzero(a, sizeof(a));
    explicit_bzero(blk, sizeof(blk));
    explicit_bzero(&h256, sizeof(h256));
    explicit_bzero(&h384, sizeof(h384));
}

bool tls_keys12(struct tls_dkey *client, struct tls_dkey *server, uint16_t cipher,
                const uint8_t master[48], const uint8_t cr[32], const uint8_t sr[32])
{
    uint8_t alg, hash, seed[64], kb[2 * 32 + 2 * 12];

    if (!suite(cipher, false, &alg, &hash))
        return false;
    size_t kl = key_len(alg), ivl = alg == TLS_AEAD_CHACHA ? 12 : 4;
    memcpy(seed, sr, 32);                       /* server_random + client_random */
    memcpy(seed + 32, cr, 32);
    prf12(hash, master, 48, "key expansion", seed, 64, kb, 2 * kl + 2 * ivl);
    struct tls_dkey *d[2] = { client, server };
    for (int i = 0; i < 2; i++) {
        memset(d[i], 0, sizeof(*d[i]));
        d[i]->alg = alg;
        d[i]->hash = hash;
        d[i]->v13 = false;
        memcpy(d[i]->key, kb + i * kl, kl);
        memcpy(d[i]->iv, kb + 2 * kl + i * ivl, ivl);
    }
    explicit_bzero(kb, sizeof(kb));
    return true;
}

int tls_open(struct tls_dkey *k, const uint8_t hdr[5], const uint8_t *p, size_t n, uint8_t *out,
             uint8_t *type)
{
    uint8_t nonce[12], aad[13], tag[16];
    size_t aadl, clen;
    const uint8_t *c = p;

    if (k->alg == TLS_AEAD_NONE)
        return -1;
    if (!k->v13 && k->alg != TLS_AEAD_CHACHA) {
        /* TLS 1.2 GCM: 4-byte salt + the record's 8-byte explicit nonce. */
        if (n < 8 + 16)
            return -1;
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, p, 8);
        c = p + 8;
        clen = n - 8 - 16;
    } else {
        if (n < 16)
            return -1;
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
        clen = n - 16;
    }
    if (k->v13) {
        memcpy(aad, hdr, 5);
        aadl = 5;
    } else {
        for (int i = 0; i < 8; i++)
            aad[i] = (uint8_t)(k->seq >> (56 - 8 * i));
        aad[8] = hdr[0];
        aad[9] = hdr[1];
        aad[10] = hdr[2];
        aad[11] = (uint8_t)(clen >> 8);
        aad[12] = (uint8_t)clen;
        aadl = 13;
    }
    if (k->alg == TLS_AEAD_CHACHA) {
        struct chacha_poly1305_ctx x;
        chacha_poly1305_set_key(&x, k->key);
        chacha_poly1305_set_nonce(&x, nonce);
        chacha_poly1305_update(&x, aadl, aad);
        chacha_poly1305_decrypt(&x, clen, out, c);
        chacha_poly1305_digest(&x, 16, tag);
        explicit_bzero(&x, sizeof(x));
    } else if (k->alg == TLS_AEAD_AES128GCM) {
        struct gcm_aes128_ctx x;
        gcm_aes128_set_key(&x, k->key);
        gcm_aes128_set_iv(&x, 12, nonce);
        gcm_aes128_update(&x, aadl, aad);
        gcm_aes128_decrypt(&x, clen, out, c);
        gcm_aes128_digest(&x, 16, tag);
        explicit_bzero(&x, sizeof(x));
    } else {
        struct gcm_aes256_ctx x;
        gcm_aes256_set_key(&x, k->key);
        gcm_aes256_set_iv(&x, 12, nonce);
        gcm_aes256_update(&x, aadl, aad);
        gcm_aes256_decrypt(&x, clen, out, c);
        gcm_aes256_digest(&x, 16, tag);
        explicit_bzero(&x, sizeof(x));
    }
    if (!memeql_sec(tag, c + clen, 16)) {
        explicit_bzero(out, clen);
        return -1;
    }
    k->seq++;
    if (!k->v13) {
        *type = hdr[0];
        return (int)clen;
    }
    /* TLSInnerPlaintext: content, type, zero padding (RFC 8446 §5.2). */
    while (clen > 0 && out[clen - 1] == 0)
        clen--;
    if (clen == 0)
        return -1;
    *type = out[--clen];
    return (int)clen;
}
