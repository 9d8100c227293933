/*
 * test_tls_crypto.c — known answers for the --tls-keylog record protection
 * (stream/tls_crypto.c), from sources other than the code under test:
 *   - RFC 8448 §3 (simple 1-RTT): HKDF-Expand-Label of the server handshake
 *     traffic secret gives the handshake key and IV;
 *   - the TLS 1.2 PRF vectors (P_SHA256 and P_SHA384 over "test label"),
 *     checked with `openssl kdf ... TLS1-PRF`;
 *   - key expansion and record opening on records OpenSSL 3.0 wrote in the
 *     lab (pcaps/tls/, the client's Finished after ChangeCipherSpec, its
 *     master secret or traffic secret from the key log; the key blocks
 *     computed with `openssl kdf`): AES-128-CBC-SHA256 MAC-then-encrypt,
 *     AES-256-CBC-SHA384 encrypt_then_mac (SHA-384 PRF), AES-128-CBC-SHA
 *     encrypt_then_mac, TLS 1.3 AES-128-GCM;
 *   - every such record with one byte changed (MAC, tag, IV, padding), a
 *     wrong sequence number or an oversized fragment does not open, and the
 *     output is wiped.
 * Lab keys for lab traffic; nothing here is a real secret.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "stream/tls_int.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;

    while (h[0] && h[1] && n < cap && sscanf(h, "%2x", &v) == 1) {
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static void assert_hex(const uint8_t *got, const char *want)
{
    uint8_t w[256];
    size_t n = unhex(want, w, sizeof(w));
    assert_memory_equal(got, w, n);
}

/* RFC 8448 §3: {server} derive write traffic keys for handshake data. */
static const char *rfc8448_shts =
    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";

static void test_hkdf_rfc8448(void **st)
{
    uint8_t secret[32], out[16];
    struct tls_dkey k;

    (void)st;
    unhex(rfc8448_shts, secret, sizeof(secret));
    tls_expand_label(TLS_H_SHA256, secret, 32, "key", out, 16);
    assert_hex(out, "3fce516009c21727d0f2e4e86ee403bc");
    tls_expand_label(TLS_H_SHA256, secret, 32, "iv", out, 12);
    assert_hex(out, "5d313eb2671276ee13000b30");
    memset(&k, 0, sizeof(k));
    assert_true(tls_keys13(&k, 0x1301, secret, 32));
    assert_hex(k.key, "3fce516009c21727d0f2e4e86ee403bc");
    assert_hex(k.iv, "5d313eb2671276ee13000b30");
    /* a SHA-384 suite wants a 48-byte secret */
    assert_false(tls_keys13(&k, 0x1302, secret, 32));
    assert_false(tls_keys13(&k, 0x00ff, secret, 32));
}

static void test_prf12_vectors(void **st)
{
    uint8_t secret[16], seed[16], out[148];

    (void)st;
    unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
    unhex("a0ba9f936cda311827a6f796ffd5198c", seed, 16);
    tls_prf12(TLS_H_SHA256, secret, 16, "test label", seed, 16, out, 100);
    assert_hex(out, "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                    "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                    "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                    "87347b66");
    unhex("b80b733d6ceefcdc71566ea48e5567df", secret, 16);
    unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, 16);
    tls_prf12(TLS_H_SHA384, secret, 16, "test label", seed, 16, out, 148);
    assert_hex(out, "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
                    "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
                    "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                    "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
                    "91c8f3a26854308d5eaa3be85e0990703d73e56f");
}

/* One lab record: the connection's randoms, its secret, the client's
 * Finished record as captured, and what opening it gives. */
struct lab {
    const char *name;
    uint16_t cipher;
    bool etm, v13;
    const char *cr, *sr, *secret, *rec;
    const char *key_block;  /* openssl kdf TLS1-PRF "key expansion", or NULL */
    size_t mac_len, key_len;
};

static const struct lab lab_recs[] = {
    { "dec12_cbc128_sha256_mte", 0xc027, false, false,
      "2efcb83e9302013326fff3ccb8626862cc32169a4193cfc69e7955891eb2ea35",
      "d663c7dde86a8bd82a0d0fcda415dabb5f70670dc1607741444f574e47524401",
      "0cc6cfa65ebf815b2de43a114c21934d9b5a4589e94f4ab0f5d7445af9ce37ba53af6710514cf66b75ae485613cf42ce",
      "1603030050cdb57775e78a3eef5e4edefc857310834e2554e46ee7b5e5e91d5efc94e0416fbb827b69d6fca1"
      "0e7f9816c98c22fdf53903f28df71666e5bc24d7b6fc9547f83f8ef0acebdbd837c5a6a5112b920aa4",
      "9fb658b0178119de2f9dafb0b8e0f8e98304d3a67827a9b50838c788a5854f5dc80248db52dcb19d53c446cc"
      "2fb01a42e098ab9c0e02f02b24043570ff6ef1116f4af1f8a79efb58274764a0c266d0ed71e74ab6c00050e0"
      "c4ebc87afbb232db", 32, 16 },
    { "dec12_cbc256_sha384", 0xc028, true, false,
      "164aedb4a4535688f7e920fb094911e7ea1fc6da14713f4e5dd31fd567cc4b62",
      "81b9f9d6120efd1d3d6599f7e0dd65ffa70832b0b84bb90e444f574e47524401",
      "b9bc5874777e3f8942058d3b6edd2b3052075f9870c006a4982a43da2ee7279584ed4a7eeee9db34893edc277c49c75f",
      "1603030060df495f8d27d96b7274df95e5b399252e571d17ea8e75cd3f05d68b45363984410377e5848cf440"
      "cc7e91e80bd71e338237c23e88b633d35fc1700147f625692cc03fca5f102746d156c2f51bc85d9579c3ccd2"
      "3ffcb97fa64e7f86d8a459039f",
      "2760c215a1f2c9a2615cde21a9075c752e8ebbe537bedb02a26a09732f8ec20056e9ecc4f61f391beb328b2b"
      "5d4c3dbdb4c85460ac2ebd99c4736fe762a0193ec01c01e1b57baac9a11a906a191132cf37e6ea639af00471"
      "e18150642fd4b34c1f2fc1863cf20afc95d14ca7be786a809f560730ed627dccc51c0dd4d4b6bc73730b6793"
      "64dc5b0642684c88162eb036ae7a783ed48dd42cc81e95e27b6daf3b", 48, 32 },
    { "dec12_cbc128_sha", 0xc013, true, false,
      "c22eff3147d3305eaac2c4a6e3d6ce6de2b9dc5826a9b58f9f2b02a1d4d59dfa",
      "dd3e28c90f63a49820a5a4db32e50c8f45f859cbf9f70fbd444f574e47524401",
      "8850569e0934e239684215928c3cec2fd01a82243f0410daca43d1c47412c084fe9fd1baf0cca7b155b8da47fd57da49",
      "1603030044e488363a482b24c4813d871ae1c1d868582a5c85d918da4bda3dd0f5840e18c3a560df4e597ed8"
      "11447d93b92f16d6dc16450aad445e9e8ccefef939c1e2e1dc7cf3cbba", NULL, 20, 16 },
    { "dec13_aes128", 0x1301, false, true,
      "47f512f5c0eb0759e989c5c2222e7ec4eac2213062e03c2bb40e3bd0fe198475",
      "119a9ea3682475429a2427f5cd4af5e0fe41f53a8fa2da3ba506935f4fd14f78",
      "85a70f94bfe21be644a749baf8de7e63028374e3949c77ba23e2a2c908c49c29",
      "170303003502923d639df6c2937135f31ea1cae98ae0ebb3a88b56f48ce5f3761d5fbc5f53d3cb233d3a1a5a"
      "803a1bea1b42c3703581ea3fecad", NULL, 0, 16 },
};

static uint8_t rec[256], out[TLS_CIPHERTEXT_MAX];

/* The client's keys for lab l (TLS 1.2: both directions from the master). */
static void lab_keys(const struct lab *l, struct tls_dkey *c)
{
    uint8_t cr[32], sr[32], secret[48];
    struct tls_dkey s;

    unhex(l->cr, cr, 32);
    unhex(l->sr, sr, 32);
    size_t sl = unhex(l->secret, secret, 48);
    memset(c, 0, sizeof(*c));
    if (l->v13) {
        assert_true(tls_keys13(c, l->cipher, secret, sl));
    } else {
        assert_true(tls_keys12(c, &s, l->cipher, secret, cr, sr, l->etm));
        if (l->key_block != NULL) {
            uint8_t kb[160];
            unhex(l->key_block, kb, sizeof(kb));
            /* RFC 5246 §6.3: client MAC, server MAC, client key, server key */
            assert_memory_equal(c->mac_key, kb, l->mac_len);
            assert_memory_equal(s.mac_key, kb + l->mac_len, l->mac_len);
            assert_memory_equal(c->key, kb + 2 * l->mac_len, l->key_len);
            assert_memory_equal(s.key, kb + 2 * l->mac_len + l->key_len, l->key_len);
        }
    }
}

static int lab_open(struct tls_dkey *k, size_t n, uint8_t *type)
{
    return tls_open(k, rec, rec + 5, n - 5, out, type);
}

static void test_lab_records(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(lab_recs) / sizeof(lab_recs[0]); i++) {
        const struct lab *l = &lab_recs[i];
        struct tls_dkey k;
        uint8_t type = 0;
        size_t n = unhex(l->rec, rec, sizeof(rec));

        lab_keys(l, &k);
        int m = lab_open(&k, n, &type);
        if (m < 0)
            fail_msg("%s: the client's Finished does not open", l->name);
        /* Finished: handshake type 20, then verify_data (12 bytes in TLS
         * 1.2, the hash length in TLS 1.3) */
        assert_int_equal(type, 22);
        assert_int_equal(m, l->v13 ? 36 : 16);
        assert_int_equal(out[0], 20);
        assert_int_equal(out[3], l->v13 ? 32 : 12);
        assert_int_equal(k.seq, 1);
    }
}

/* Any change to a record, a wrong sequence number or an oversized fragment:
 * it does not open and nothing of the plaintext is left. */
static void test_lab_tampered(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(lab_recs) / sizeof(lab_recs[0]); i++) {
        const struct lab *l = &lab_recs[i];
        size_t n = unhex(l->rec, rec, sizeof(rec));
        /* the last byte (MAC, tag), the first of the fragment (IV, or the
         * first ciphertext byte), the one before the MAC (padding, in
         * encrypt_then_mac) and a byte of the header (authenticated) */
        size_t at[] = { n - 1, 5, l->etm ? n - 1 - l->mac_len : n - 17, 2 };
        for (size_t j = 0; j < sizeof(at) / sizeof(at[0]); j++) {
            struct tls_dkey k;
            uint8_t type = 0;
            unhex(l->rec, rec, sizeof(rec));
            rec[at[j]] ^= 0x01;
            lab_keys(l, &k);
            memset(out, 0xa5, sizeof(out));
            if (lab_open(&k, n, &type) >= 0)
                fail_msg("%s: opened with byte %zu changed", l->name, at[j]);
            for (size_t b = 0; b < n; b++)
                if (out[b] != 0 && out[b] != 0xa5)
                    fail_msg("%s: plaintext left after a failed open", l->name);
            assert_int_equal(k.seq, 0);
        }
        struct tls_dkey k;
        uint8_t type;
        unhex(l->rec, rec, sizeof(rec));
        lab_keys(l, &k);
        k.seq = 1;
        if (lab_open(&k, n, &type) >= 0)
            fail_msg("%s: opened with the wrong sequence number", l->name);
        /* longer than any TLS record may be: refused before anything is
         * written (a caller's buffer holds TLS_CIPHERTEXT_MAX) */
        static uint8_t big_in[TLS_CIPHERTEXT_MAX + 64], big_out[TLS_CIPHERTEXT_MAX + 64];
        lab_keys(l, &k);
        memset(big_out, 0xa5, sizeof(big_out));
        assert_int_equal(tls_open(&k, rec, big_in, TLS_CIPHERTEXT_MAX + 32, big_out, &type), -1);
        for (size_t b = 0; b < sizeof(big_out); b++)
            if (big_out[b] != 0xa5)
                fail_msg("%s: an oversized record was decrypted into the buffer", l->name);
    }
}

static void test_suites(void **st)
{
    (void)st;
    /* the CBC suites of the issue, both PRFs; TLS 1.3 suites only as 1.3 */
    const uint16_t yes12[] = { 0xc013, 0xc014, 0xc027, 0xc028, 0x002f, 0x0035, 0x003c, 0x003d,
                               0xc02f, 0xc030, 0xcca8, 0x009c };
    for (size_t i = 0; i < sizeof(yes12) / sizeof(yes12[0]); i++)
        assert_true(tls_suite_supported(yes12[i], false));
    assert_true(tls_suite_supported(0x1303, true));
    assert_false(tls_suite_supported(0x1301, false));
    assert_false(tls_suite_supported(0x000a, false));   /* 3DES */
    assert_false(tls_suite_supported(0x0005, false));   /* RC4 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_rfc8448),
        cmocka_unit_test(test_prf12_vectors),
        cmocka_unit_test(test_lab_records),
        cmocka_unit_test(test_lab_tampered),
        cmocka_unit_test(test_suites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
