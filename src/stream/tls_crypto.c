/*
 * tls_crypto.c — record protection for the TLS tracker when --tls-keylog
 * gives the secrets: key derivation (TLS 1.3 HKDF-Expand-Label, RFC 8446
 * §7.1/§7.3; TLS 1.2 PRF key expansion, RFC 5246 §5/§6.3) and record
 * opening, on nettle's primitives:
 *   AEAD   TLS 1.3 TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 *          TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 §5.2-5.4); TLS 1.2
 *          (EC)DHE/RSA AES-GCM (RFC 5288, RFC 5289) and ChaCha20-Poly1305
 *          (RFC 7905)
 *   CBC    TLS 1.2 (EC)DHE/RSA AES-128/256-CBC with HMAC-SHA1, -SHA256 or
 *          -SHA384 (RFC 5246 §6.2.3.2 MAC-then-encrypt with an explicit IV
 *          per record; RFC 7366 encrypt-then-MAC when the ServerHello
 *          accepted it); padding and MAC checked, the MAC compared in
 *          constant time (memeql_sec).
 * Any other suite (and TLS 1.0/1.1, whose PRF is MD5+SHA-1) is "cannot
 * open" (counted by the caller).
 *
 * Secrets and keys live in struct tls_dkey (tls_int.h), wiped by the
 * owner; derivation scratch is wiped here. Thread: the caller's; no state.
 */
#include <string.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "tls_int.h"

struct suite_info { uint16_t id; uint8_t alg, hash, mac, v13; };

static const struct suite_info suites[] = {
    { 0x1301, TLS_AEAD_AES128GCM, TLS_H_SHA256, 0, 1 },
    { 0x1302, TLS_AEAD_AES256GCM, TLS_H_SHA384, 0, 1 },
    { 0x1303, TLS_AEAD_CHACHA, TLS_H_SHA256, 0, 1 },
    /* TLS 1.2 AEAD: ECDHE_ECDSA, ECDHE_RSA, RSA, DHE_RSA */
    { 0xc02b, TLS_AEAD_AES128GCM, TLS_H_SHA256, 0, 0 }, { 0xc02c, TLS_AEAD_AES256GCM, TLS_H_SHA384, 0, 0 },
    { 0xc02f, TLS_AEAD_AES128GCM, TLS_H_SHA256, 0, 0 }, { 0xc030, TLS_AEAD_AES256GCM, TLS_H_SHA384, 0, 0 },
    { 0x009c, TLS_AEAD_AES128GCM, TLS_H_SHA256, 0, 0 }, { 0x009d, TLS_AEAD_AES256GCM, TLS_H_SHA384, 0, 0 },
    { 0x009e, TLS_AEAD_AES128GCM, TLS_H_SHA256, 0, 0 }, { 0x009f, TLS_AEAD_AES256GCM, TLS_H_SHA384, 0, 0 },
    { 0xcca8, TLS_AEAD_CHACHA, TLS_H_SHA256, 0, 0 }, { 0xcca9, TLS_AEAD_CHACHA, TLS_H_SHA256, 0, 0 },
    { 0xccaa, TLS_AEAD_CHACHA, TLS_H_SHA256, 0, 0 },
    /* TLS 1.2 CBC (RFC 5246 App. C, RFC 4492, RFC 5289): the PRF is SHA-256
     * except for the _SHA384 suites (RFC 5289 §3.2) */
    { 0x002f, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* RSA_WITH_AES_128_CBC_SHA */
    { 0x0035, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* RSA_WITH_AES_256_CBC_SHA */
    { 0x003c, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* RSA_WITH_AES_128_CBC_SHA256 */
    { 0x003d, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* RSA_WITH_AES_256_CBC_SHA256 */
    { 0x0033, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* DHE_RSA_WITH_AES_128_CBC_SHA */
    { 0x0039, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* DHE_RSA_WITH_AES_256_CBC_SHA */
    { 0x0067, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* DHE_RSA_WITH_AES_128_CBC_SHA256 */
    { 0x006b, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* DHE_RSA_WITH_AES_256_CBC_SHA256 */
    { 0xc009, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
    { 0xc00a, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
    { 0xc013, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* ECDHE_RSA_WITH_AES_128_CBC_SHA */
    { 0xc014, TLS_CBC_AES256, TLS_H_SHA256, TLS_H_SHA1, 0 },   /* ECDHE_RSA_WITH_AES_256_CBC_SHA */
    { 0xc023, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
    { 0xc024, TLS_CBC_AES256, TLS_H_SHA384, TLS_H_SHA384, 0 }, /* ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
    { 0xc027, TLS_CBC_AES128, TLS_H_SHA256, TLS_H_SHA256, 0 }, /* ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
    { 0xc028, TLS_CBC_AES256, TLS_H_SHA384, TLS_H_SHA384, 0 }, /* ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
};

static const struct suite_info *suite(uint16_t c, bool v13)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == c && suites[i].v13 == v13)
            return &suites[i];
    return NULL;
}

bool tls_suite_supported(uint16_t cipher, bool v13)
{
    return suite(cipher, v13) != NULL;
}

static size_t key_len(uint8_t alg)
{
    return alg == TLS_AEAD_AES128GCM || alg == TLS_CBC_AES128 ? 16 : 32;
}

/* ---- HMAC over the three hashes ------------------------------------- */

union hmac_any {
    struct hmac_sha1_ctx s1;
    struct hmac_sha256_ctx s256;
    struct hmac_sha384_ctx s384;
};

static size_t hm_len(uint8_t hash)
{
    return hash == TLS_H_SHA384 ? SHA384_DIGEST_SIZE
           : hash == TLS_H_SHA1 ? SHA1_DIGEST_SIZE : SHA256_DIGEST_SIZE;
}

static void hm_key(union hmac_any *h, uint8_t hash, const uint8_t *k, size_t n)
{
    if (hash == TLS_H_SHA384)
        hmac_sha384_set_key(&h->s384, n, k);
    else if (hash == TLS_H_SHA1)
        hmac_sha1_set_key(&h->s1, n, k);
    else
        hmac_sha256_set_key(&h->s256, n, k);
}

static void hm_update(union hmac_any *h, uint8_t hash, const uint8_t *p, size_t n)
{
    if (hash == TLS_H_SHA384)
        hmac_sha384_update(&h->s384, n, p);
    else if (hash == TLS_H_SHA1)
        hmac_sha1_update(&h->s1, n, p);
    else
        hmac_sha256_update(&h->s256, n, p);
}

/* The whole digest (hm_len bytes); the context is ready for the same key again. */
static void hm_digest(union hmac_any *h, uint8_t hash, uint8_t *out)
{
    if (hash == TLS_H_SHA384)
        hmac_sha384_digest(&h->s384, SHA384_DIGEST_SIZE, out);
    else if (hash == TLS_H_SHA1)
        hmac_sha1_digest(&h->s1, SHA1_DIGEST_SIZE, out);
    else
        hmac_sha256_digest(&h->s256, SHA256_DIGEST_SIZE, out);
}

/* ---- TLS 1.3 ---------------------------------------------------------- */

void tls_expand_label(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
                      uint8_t *out, size_t len)
{
    uint8_t info[64];
    size_t ll = strlen(label), n = 0;

    if (ll > sizeof(info) - 10)
        ll = sizeof(info) - 10;
    info[n++] = (uint8_t)(len >> 8);
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0;
    if (hash == TLS_H_SHA384) {
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
    tls_expand_label(k->hash, k->secret, k->secret_len, "key", k->key, key_len(k->alg));
    tls_expand_label(k->hash, k->secret, k->secret_len, "iv", k->iv, 12);
    k->seq = 0;
}

bool tls_keys13(struct tls_dkey *k, uint16_t cipher, const uint8_t *secret, size_t len)
{
    const struct suite_info *s = suite(cipher, true);

    if (s == NULL || len != (s->hash == TLS_H_SHA384 ? 48u : 32u))
        return false;
    k->alg = s->alg;
    k->hash = s->hash;
    k->mac = 0;
    k->v13 = true;
    k->etm = false;
    k->secret_len = (uint8_t)len;
    memcpy(k->secret, secret, len);
    set13(k);
    return true;
}

void tls_key_update13(struct tls_dkey *k)
{
    uint8_t next[48];

    tls_expand_label(k->hash, k->secret, k->secret_len, "traffic upd", next, k->secret_len);
    memcpy(k->secret, next, k->secret_len);
    explicit_bzero(next, sizeof(next));
    set13(k);
}

/* ---- TLS 1.2 ---------------------------------------------------------- */

void tls_prf12(uint8_t hash, const uint8_t *secret, size_t slen, const char *label,
               const uint8_t *seed, size_t seedlen, uint8_t *out, size_t len)
{
    uint8_t a[48], blk[48], ls[128];
    size_t ll = strlen(label), done = 0;
    union hmac_any h;

    if (hash != TLS_H_SHA384)
        hash = TLS_H_SHA256;
    size_t dl = hm_len(hash);
    if (ll + seedlen > sizeof(ls))
        seedlen = sizeof(ls) - (ll < sizeof(ls) ? ll : sizeof(ls));
    if (ll > sizeof(ls))
        ll = sizeof(ls);
    size_t lsl = ll + seedlen;
    memcpy(ls, label, ll);
    memcpy(ls + ll, seed, seedlen);
    hm_key(&h, hash, secret, slen);
    hm_update(&h, hash, ls, lsl);               /* A(1) = HMAC(secret, label + seed) */
    hm_digest(&h, hash, a);
    while (done < len) {
        hm_update(&h, hash, a, dl);             /* HMAC(secret, A(i) + label + seed) */
        hm_update(&h, hash, ls, lsl);
        hm_digest(&h, hash, blk);
        size_t k = len - done < dl ? len - done : dl;
        memcpy(out + done, blk, k);
        done += k;
        hm_update(&h, hash, a, dl);             /* A(i+1) = HMAC(secret, A(i)) */
        hm_digest(&h, hash, a);
    }
    explicit_bzero(a, sizeof(a));
    explicit_bzero(blk, sizeof(blk));
    explicit_bzero(ls, sizeof(ls));
    explicit_bzero(&h, sizeof(h));
}

bool tls_keys12(struct tls_dkey *client, struct tls_dkey *server, uint16_t cipher,
                const uint8_t master[48], const uint8_t cr[32], const uint8_t sr[32], bool etm)
{
    const struct suite_info *s = suite(cipher, false);
    uint8_t seed[64], kb[2 * 48 + 2 * 32 + 2 * 12];

    if (s == NULL)
        return false;
    bool cbc = s->alg == TLS_CBC_AES128 || s->alg == TLS_CBC_AES256;
    /* CBC in TLS 1.2: the IV is explicit in each record, the key block's
     * IVs are not used (RFC 5246 §6.2.3.2); GCM: a 4-byte salt; ChaCha: 12. */
    size_t ml = cbc ? hm_len(s->mac) : 0, kl = key_len(s->alg),
           ivl = cbc ? 0 : s->alg == TLS_AEAD_CHACHA ? 12 : 4;
    memcpy(seed, sr, 32);                       /* server_random + client_random */
    memcpy(seed + 32, cr, 32);
    tls_prf12(s->hash, master, 48, "key expansion", seed, 64, kb, 2 * ml + 2 * kl + 2 * ivl);
    struct tls_dkey *d[2] = { client, server };
    for (int i = 0; i < 2; i++) {
        memset(d[i], 0, sizeof(*d[i]));
        d[i]->alg = s->alg;
        d[i]->hash = s->hash;
        d[i]->mac = cbc ? s->mac : 0;
        d[i]->v13 = false;
        d[i]->etm = cbc && etm;
        memcpy(d[i]->mac_key, kb + i * ml, ml);
        memcpy(d[i]->key, kb + 2 * ml + i * kl, kl);
        memcpy(d[i]->iv, kb + 2 * ml + 2 * kl + i * ivl, ivl);
    }
    explicit_bzero(kb, sizeof(kb));
    return true;
}

/* The MAC of a TLS 1.2 CBC record: HMAC(mac_key, seq + type + version +
 * length + data) (RFC 5246 §6.2.3.1; RFC 7366 §3: over IV + ciphertext). */
static void cbc_mac(const struct tls_dkey *k, const uint8_t hdr[5], const uint8_t *p, size_t n,
                    uint8_t *out)
{
    union hmac_any h;
    uint8_t pre[13];

    for (int i = 0; i < 8; i++)
        pre[i] = (uint8_t)(k->seq >> (56 - 8 * i));
    pre[8] = hdr[0];
    pre[9] = hdr[1];
    pre[10] = hdr[2];
    pre[11] = (uint8_t)(n >> 8);
    pre[12] = (uint8_t)n;
    hm_key(&h, k->mac, k->mac_key, hm_len(k->mac));
    hm_update(&h, k->mac, pre, sizeof(pre));
    hm_update(&h, k->mac, p, n);
    hm_digest(&h, k->mac, out);
    explicit_bzero(&h, sizeof(h));
}

static void cbc_decrypt_aes(const struct tls_dkey *k, const uint8_t iv0[16], const uint8_t *c,
                            size_t n, uint8_t *out)
{
    uint8_t iv[16];

    memcpy(iv, iv0, 16);
    if (k->alg == TLS_CBC_AES128) {
        struct aes128_ctx a;
        aes128_set_decrypt_key(&a, k->key);
        cbc_decrypt(&a, (nettle_cipher_func *)aes128_decrypt, 16, iv, n, out, c);
        explicit_bzero(&a, sizeof(a));
    } else {
        struct aes256_ctx a;
        aes256_set_decrypt_key(&a, k->key);
        cbc_decrypt(&a, (nettle_cipher_func *)aes256_decrypt, 16, iv, n, out, c);
        explicit_bzero(&a, sizeof(a));
    }
    explicit_bzero(iv, sizeof(iv));
}

/* A TLS 1.2 AES-CBC record: IV (16) + ciphertext; MAC-then-encrypt:
 * ciphertext = CBC(content + MAC + padding + padding_length); with
 * encrypt_then_mac: IV + CBC(content + padding + padding_length) + MAC. */
static int open_cbc(struct tls_dkey *k, const uint8_t hdr[5], const uint8_t *p, size_t n,
                    uint8_t *out, uint8_t *type)
{
    uint8_t mac[48];
    size_t ml = hm_len(k->mac), clen, plen;

    if (k->etm) {
        if (n < 16 + 16 + ml || (n - ml) % 16 != 0)
            return -1;
        clen = n - ml - 16;
        cbc_mac(k, hdr, p, n - ml, mac);
        bool ok = memeql_sec(mac, p + n - ml, ml);
        explicit_bzero(mac, sizeof(mac));
        if (!ok)
            return -1;
        cbc_decrypt_aes(k, p, p + 16, clen, out);
        uint8_t pad = out[clen - 1], bad = 0;
        if ((size_t)pad + 1 > clen) {
            explicit_bzero(out, clen);
            return -1;
        }
        for (size_t i = 0; i <= pad; i++)
            bad |= (uint8_t)(out[clen - 1 - i] ^ pad);
        if (bad != 0) {
            explicit_bzero(out, clen);
            return -1;
        }
        plen = clen - pad - 1;
    } else {
        if (n < 16 + 16 || (n - 16) % 16 != 0 || n - 16 < ml + 1)
            return -1;
        clen = n - 16;
        cbc_decrypt_aes(k, p, p + 16, clen, out);
        uint8_t pad = out[clen - 1], bad = 0;
        if ((size_t)pad + 1 + ml > clen) {
            explicit_bzero(out, clen);
            return -1;
        }
        for (size_t i = 0; i <= pad; i++)
            bad |= (uint8_t)(out[clen - 1 - i] ^ pad);
        plen = clen - pad - 1 - ml;
        cbc_mac(k, hdr, out, plen, mac);
        bool ok = memeql_sec(mac, out + plen, ml) && bad == 0;
        explicit_bzero(mac, sizeof(mac));
        if (!ok) {
            explicit_bzero(out, clen);
            return -1;
        }
    }
    explicit_bzero(out + plen, clen - plen);    /* MAC and padding */
    k->seq += 1;
    *type = hdr[0];
    return (int)plen;
}

int tls_open(struct tls_dkey *k, const uint8_t hdr[5], const uint8_t *p, size_t n, uint8_t *out,
             uint8_t *type)
{
    uint8_t nonce[12], aad[13], tag[16];
    size_t aadl, clen;
    const uint8_t *c = p;

    if (k->alg == TLS_AEAD_NONE || n > TLS_CIPHERTEXT_MAX)
        return -1;
    if (k->alg == TLS_CBC_AES128 || k->alg == TLS_CBC_AES256)
        return k->v13 ? -1 : open_cbc(k, hdr, p, n, out, type);
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
