/*
 * test_tls.c — the TLS tracker (stream/tls.c, x509.c) on hand-built records:
 * a TLS 1.2 ClientHello (SNI, ALPN, GREASE left out) and ServerHello, an
 * alert and which side sent it; a TLS 1.3 handshake that the client refuses
 * (19-byte encrypted record) and one that works; a ClientHello the server
 * closes on; a handshake message split over two records; a real DER
 * certificate (names, dates, problems); truncation of every record at every
 * offset; the connection cap.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "stream/stream.h"
#include "stream/tls_int.h"
#include "stat_lookup.h"

/* openssl req -x509 -newkey ec (P-256) -subj "/O=Lab/CN=sip.example.com"
 * -addext subjectAltName=DNS:sip.example.com,DNS:*.trunk.example.com,IP:192.0.2.5
 * valid 2026-12-03 10:40:05 to 2027-01-02 10:40:05 UTC. */
static const uint8_t cert_der[] = {
    0x30, 0x82, 0x01, 0xde, 0x30, 0x82, 0x01, 0x84, 0xa0, 0x03, 0x02, 0x01,
    0x02, 0x02, 0x14, 0x26, 0xc7, 0x8c, 0x36, 0xa8, 0x8e, 0x7a, 0x14, 0x4b,
    0x58, 0x6e, 0x6d, 0xde, 0x45, 0xe7, 0xad, 0x71, 0x20, 0x84, 0xee, 0x30,
    0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30,
    0x28, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x03,
    0x4c, 0x61, 0x62, 0x31, 0x18, 0x30, 0x16, 0x06, 0x03, 0x55, 0x04, 0x03,
    0x0c, 0x0f, 0x73, 0x69, 0x70, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31,
    0x32, 0x30, 0x33, 0x31, 0x30, 0x34, 0x30, 0x30, 0x35, 0x5a, 0x17, 0x0d,
    0x32, 0x37, 0x30, 0x31, 0x30, 0x32, 0x31, 0x30, 0x34, 0x30, 0x30, 0x35,
    0x5a, 0x30, 0x28, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x0a,
    0x0c, 0x03, 0x4c, 0x61, 0x62, 0x31, 0x18, 0x30, 0x16, 0x06, 0x03, 0x55,
    0x04, 0x03, 0x0c, 0x0f, 0x73, 0x69, 0x70, 0x2e, 0x65, 0x78, 0x61, 0x6d,
    0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x30, 0x59, 0x30, 0x13, 0x06,
    0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
    0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xf3, 0xdf,
    0xb5, 0x68, 0x55, 0xf6, 0x7f, 0x91, 0xd4, 0xa5, 0xec, 0x13, 0xf9, 0x3e,
    0x48, 0xb8, 0x69, 0x3a, 0x44, 0x2d, 0x92, 0x01, 0xda, 0x56, 0xa9, 0x9a,
    0xd8, 0x0b, 0x6b, 0x80, 0x86, 0xbe, 0x7f, 0xdb, 0x76, 0x93, 0x5f, 0x33,
    0xef, 0x6a, 0x3a, 0x1a, 0xef, 0xc8, 0x2c, 0x63, 0xbf, 0xc2, 0xb5, 0x09,
    0x2d, 0xba, 0xc3, 0xa5, 0xe5, 0x6d, 0x7a, 0xa7, 0x97, 0x10, 0xe1, 0xe2,
    0x11, 0x56, 0xa3, 0x81, 0x8b, 0x30, 0x81, 0x88, 0x30, 0x1d, 0x06, 0x03,
    0x55, 0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0xb7, 0x39, 0x27, 0x9b, 0x04,
    0x02, 0x37, 0xac, 0x9b, 0x19, 0x08, 0x89, 0xda, 0x50, 0x2f, 0x63, 0xb8,
    0x4a, 0xb7, 0x8d, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18,
    0x30, 0x16, 0x80, 0x14, 0xb7, 0x39, 0x27, 0x9b, 0x04, 0x02, 0x37, 0xac,
    0x9b, 0x19, 0x08, 0x89, 0xda, 0x50, 0x2f, 0x63, 0xb8, 0x4a, 0xb7, 0x8d,
    0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05,
    0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x35, 0x06, 0x03, 0x55, 0x1d, 0x11,
    0x04, 0x2e, 0x30, 0x2c, 0x82, 0x0f, 0x73, 0x69, 0x70, 0x2e, 0x65, 0x78,
    0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x82, 0x13, 0x2a,
    0x2e, 0x74, 0x72, 0x75, 0x6e, 0x6b, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x87, 0x04, 0xc0, 0x00, 0x02, 0x05,
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x20, 0x71, 0x33, 0xd6, 0xdb, 0xa8,
    0xec, 0xed, 0x11, 0x79, 0xf6, 0xcd, 0x74, 0x1b, 0xec, 0x7a, 0x04, 0x0b,
    0xff, 0x39, 0xa5, 0x2a, 0x14, 0x74, 0x2f, 0xa1, 0xc3, 0x2a, 0xe3, 0xed,
    0x2c, 0x99, 0x19, 0x02, 0x21, 0x00, 0xcb, 0xf3, 0x44, 0x1a, 0x89, 0xa8,
    0x39, 0x89, 0x3d, 0xe6, 0x8a, 0xa7, 0xdd, 0x95, 0xc9, 0x66, 0x77, 0x7a,
    0xb6, 0x2e, 0xc7, 0xe9, 0x7c, 0x96, 0x39, 0xeb, 0x63, 0xb6, 0x06, 0x7b,
    0xca, 0xa9
};
#define CERT_NOT_BEFORE 1796294405
#define CERT_NOT_AFTER 1798886405

struct seen {
    unsigned n, cert, failed, established;
    struct tls_conn last;
};

static void sink(void *ud, enum tls_event ev, const struct tls_conn *c)
{
    struct seen *s = ud;
    s->n++;
    s->cert += ev == TLS_EV_CERT;
    s->failed += ev == TLS_EV_FAILED;
    s->established += ev == TLS_EV_ESTABLISHED;
    s->last = *c;
}

static uint64_t st(const struct tls_table *t, const char *name)
{
    return STAT_GET(tls_stats, t, name);
}

static struct reasm_tcp_key key(bool from_client, uint16_t cport)
{
    struct reasm_tcp_key k;
    uint8_t a[4] = { 198, 51, 100, 10 }, b[4] = { 203, 0, 113, 5 };
    memset(&k, 0, sizeof(k));
    addr_from_v4(from_client ? &k.src : &k.dst, a);
    addr_from_v4(from_client ? &k.dst : &k.src, b);
    k.sport = from_client ? cport : 5061;
    k.dport = from_client ? 5061 : cport;
    return k;
}

/* A byte builder with 16/24-bit length prefixes filled in afterwards. */
struct bld { uint8_t b[4096]; size_t n; };
static void u8(struct bld *w, unsigned v) { w->b[w->n++] = (uint8_t)v; }
static void u16(struct bld *w, unsigned v) { u8(w, v >> 8); u8(w, v & 0xff); }
static void raw(struct bld *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }
static size_t mark(struct bld *w, size_t width) { size_t at = w->n; w->n += width; return at; }
static void fill(struct bld *w, size_t at, size_t width)
{
    size_t v = w->n - at - width;
    for (size_t i = 0; i < width; i++)
        w->b[at + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* One record of type ct around the bytes p[0..n). */
static size_t record(uint8_t *out, uint8_t ct, const uint8_t *p, size_t n)
{
    out[0] = ct;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    memcpy(out + 5, p, n);
    return n + 5;
}

/* ClientHello: legacy 1.2, ciphers {GREASE, 1301, c02f}, SNI, ALPN "sip",
 * and supported_versions {1.3, 1.2} when v13. */
static size_t client_hello(uint8_t *out, const char *sni, bool v13)
{
    struct bld w = { .n = 0 };
    u8(&w, 1);
    size_t hl = mark(&w, 3);
    u16(&w, 0x0303);
    for (int i = 0; i < 32; i++)
        u8(&w, i);
    u8(&w, 0);
    u16(&w, 6);
    u16(&w, 0x2a2a);
    u16(&w, 0x1301);
    u16(&w, 0xc02f);
    u8(&w, 1);
    u8(&w, 0);
    size_t el = mark(&w, 2);
    u16(&w, 0);                     /* server_name */
    size_t x = mark(&w, 2), l = mark(&w, 2);
    u8(&w, 0);
    u16(&w, (unsigned)strlen(sni));
    raw(&w, sni, strlen(sni));
    fill(&w, l, 2);
    fill(&w, x, 2);
    u16(&w, 16);                    /* ALPN */
    x = mark(&w, 2);
    l = mark(&w, 2);
    u8(&w, 3);
    raw(&w, "sip", 3);
    fill(&w, l, 2);
    fill(&w, x, 2);
    if (v13) {
        u16(&w, 43);
        u16(&w, 5);
        u8(&w, 4);
        u16(&w, 0x0304);
        u16(&w, 0x0303);
    }
    fill(&w, el, 2);
    fill(&w, hl, 3);
    return record(out, 22, w.b, w.n);
}

static size_t server_hello(uint8_t *out, uint16_t cipher, bool v13, bool with_cert)
{
    struct bld w = { .n = 0 };
    u8(&w, 2);
    size_t hl = mark(&w, 3);
    u16(&w, 0x0303);
    for (int i = 0; i < 32; i++)
        u8(&w, 0x80 + i);
    u8(&w, 0);
    u16(&w, cipher);
    u8(&w, 0);
    size_t el = mark(&w, 2);
    if (v13) {
        u16(&w, 43);
        u16(&w, 2);
        u16(&w, 0x0304);
    }
    fill(&w, el, 2);
    fill(&w, hl, 3);
    if (with_cert) {                /* Certificate: one certificate */
        u8(&w, 11);
        size_t ml = mark(&w, 3), ll = mark(&w, 3), cl = mark(&w, 3);
        raw(&w, cert_der, sizeof(cert_der));
        fill(&w, cl, 3);
        fill(&w, ll, 3);
        fill(&w, ml, 3);
    }
    return record(out, 22, w.b, w.n);
}

static struct tls_table *mk(size_t conns, struct seen *s)
{
    struct caps c;
    caps_default(&c);
    if (conns)
        c.tls_conns = conns;
    struct tls_table *t = tls_table_new(&c);
    assert_non_null(t);
    tls_table_sink(t, sink, s);
    return t;
}

static const int64_t T0 = (int64_t)CERT_NOT_BEFORE * 1000000 + 3600000000LL;

static void test_tls12_alert(void **st_)
{
    (void)st_;
    struct seen s = { 0 };
    struct tls_table *t = mk(0, &s);
    struct reasm_tcp_key kc = key(true, 40000), ks = key(false, 40000);
    uint8_t rec[4096];
    size_t n;

    n = client_hello(rec, "sip.example.com", false);
    tls_record(t, &kc, rec, n, 4, T0, NULL, NULL);
    n = server_hello(rec, 0xc02f, false, true);
    tls_record(t, &ks, rec, n, 6, T0 + 1000, NULL, NULL);
    assert_int_equal(s.cert, 1);
    assert_string_equal(s.last.subject, "sip.example.com");
    assert_string_equal(s.last.issuer, "sip.example.com");
    assert_true(s.last.self_signed);
    assert_string_equal(s.last.san, "sip.example.com,*.trunk.example.com,192.0.2.5");
    assert_int_equal(s.last.not_before, CERT_NOT_BEFORE);
    assert_int_equal(s.last.not_after, CERT_NOT_AFTER);
    assert_int_equal(s.last.cert_problems, TLS_CERT_SELF_SIGNED);
    /* The client refuses it: a cleartext fatal alert unknown_ca. */
    tls_record(t, &kc, (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x30", 7, 8, T0 + 2000, NULL,
               NULL);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.last.fail, TLS_FAIL_ALERT);
    assert_int_equal(s.last.alert_desc, 48);
    assert_int_equal(s.last.alert_from, TLS_SIDE_CLIENT);
    assert_int_equal(s.last.alert_frame, 8);
    assert_string_equal(s.last.sni, "sip.example.com");
    assert_string_equal(s.last.alpn, "sip");
    assert_int_equal(s.last.n_ciphers, 2);      /* GREASE left out */
    assert_int_equal(s.last.ciphers[0], 0x1301);
    assert_int_equal(s.last.version, 0x0303);
    assert_int_equal(s.last.cipher, 0xc02f);
    assert_true(s.last.legacy_offer);
    assert_int_equal(s.last.ch_frame, 4);
    assert_int_equal(s.last.sh_frame, 6);
    assert_int_equal(s.last.cert_frame, 6);
    char b[16];
    assert_string_equal(tls_alert_name(48, b, sizeof(b)), "unknown_ca");
    assert_string_equal(tls_alert_name(201, b, sizeof(b)), "alert 201");
    assert_string_equal(tls_cipher_name(0xc02f, b, sizeof(b)),
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    /* The close after it changes nothing: one failure per connection. */
    tls_tcp_close(t, &ks, false, 9, T0 + 3000);
    tls_tcp_close(t, &kc, false, 10, T0 + 3000);
    assert_int_equal(s.failed, 1);
    assert_int_equal(tls_conns_live(t), 0);
    tls_table_free(t);
}

static void test_tls13_refused_and_working(void **st_)
{
    (void)st_;
    struct seen s = { 0 };
    struct tls_table *t = mk(0, &s);
    struct reasm_tcp_key kc = key(true, 40001), ks = key(false, 40001);
    uint8_t rec[4096], enc[64] = { 0 };
    size_t n;

    n = client_hello(rec, "sip.example.com", true);
    tls_record(t, &kc, rec, n, 1, T0, NULL, NULL);
    n = server_hello(rec, 0x1302, true, false);
    tls_record(t, &ks, rec, n, 2, T0, NULL, NULL);
    tls_record(t, &ks, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6, 2, T0, NULL, NULL);
    n = record(rec, 23, enc, 60);           /* the server's encrypted flight */
    tls_record(t, &ks, rec, n, 2, T0, NULL, NULL);
    assert_int_equal(s.failed, 0);
    n = record(rec, 23, enc, 19);           /* the client: an alert, not Finished */
    tls_record(t, &kc, rec, n, 3, T0 + 10, NULL, NULL);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.last.fail, TLS_FAIL_ENC_ALERT);
    assert_int_equal(s.last.version, TLS_V_13);
    assert_int_equal(s.last.offered, TLS_VBIT(TLS_V_12) | TLS_VBIT(TLS_V_13));
    assert_false(s.last.legacy_offer);
    assert_int_equal(s.last.fail_frame, 3);

    /* Another connection: Finished (53 bytes), then SIP. */
    struct reasm_tcp_key kc2 = key(true, 40002), ks2 = key(false, 40002);
    n = client_hello(rec, "sip.example.com", true);
    tls_record(t, &kc2, rec, n, 11, T0, NULL, NULL);
    n = server_hello(rec, 0x1301, true, false);
    tls_record(t, &ks2, rec, n, 12, T0, NULL, NULL);
    n = record(rec, 23, enc, 60);
    tls_record(t, &ks2, rec, n, 12, T0, NULL, NULL);
    n = record(rec, 23, enc, 53);
    tls_record(t, &kc2, rec, n, 13, T0, NULL, NULL);
    assert_int_equal(s.established, 0);     /* only when data flows */
    n = record(rec, 23, enc, 40);
    tls_record(t, &kc2, rec, n, 14, T0, NULL, NULL);
    assert_int_equal(s.established, 0);     /* the server's first record could refuse it */
    uint8_t big[300] = { 0 };
    n = record(rec, 23, big, 250);          /* the server's answer (or a ticket) */
    tls_record(t, &ks2, rec, n, 15, T0, NULL, NULL);
    assert_int_equal(s.established, 1);
    assert_int_equal(s.last.est_frame, 13);
    assert_int_equal(s.last.cipher, 0x1301);
    assert_int_equal(st(t, "tls.handshakes_established"), 1);

    /* Mutual TLS refused: after the client's Finished and data, the
     * server's first record has the size of an alert, then it closes. */
    struct reasm_tcp_key kc3 = key(true, 40003), ks3 = key(false, 40003);
    n = client_hello(rec, "sip.example.com", true);
    tls_record(t, &kc3, rec, n, 21, T0, NULL, NULL);
    n = server_hello(rec, 0x1301, true, false);
    tls_record(t, &ks3, rec, n, 22, T0, NULL, NULL);
    n = record(rec, 23, enc, 60);
    tls_record(t, &ks3, rec, n, 22, T0, NULL, NULL);
    n = record(rec, 23, enc, 53);
    tls_record(t, &kc3, rec, n, 23, T0, NULL, NULL);
    n = record(rec, 23, big, 250);          /* the client's REGISTER */
    tls_record(t, &kc3, rec, n, 24, T0, NULL, NULL);
    n = record(rec, 23, enc, 19);
    tls_record(t, &ks3, rec, n, 25, T0, NULL, NULL);
    tls_tcp_close(t, &ks3, false, 26, T0);
    assert_int_equal(s.failed, 2);
    assert_int_equal(s.last.fail, TLS_FAIL_REFUSED);
    assert_int_equal(s.last.alert_frame, 25);
    assert_int_equal(s.last.alert_from, TLS_SIDE_SERVER);
    assert_int_equal(s.established, 1);

    /* The client's data and then the end of input, no server record: it
     * worked as far as the capture shows. */
    struct reasm_tcp_key kc4 = key(true, 40004), ks4 = key(false, 40004);
    n = client_hello(rec, "sip.example.com", true);
    tls_record(t, &kc4, rec, n, 31, T0, NULL, NULL);
    n = server_hello(rec, 0x1301, true, false);
    tls_record(t, &ks4, rec, n, 32, T0, NULL, NULL);
    n = record(rec, 23, enc, 60);
    tls_record(t, &ks4, rec, n, 32, T0, NULL, NULL);
    n = record(rec, 23, enc, 53);
    tls_record(t, &kc4, rec, n, 33, T0, NULL, NULL);
    n = record(rec, 23, big, 250);
    tls_record(t, &kc4, rec, n, 34, T0, NULL, NULL);
    assert_int_equal(s.established, 1);
    tls_finish(t, T0 + 60000000);
    assert_int_equal(s.established, 2);
    assert_int_equal(s.failed, 2);
    tls_table_free(t);
}

static void test_no_server_hello_and_split(void **st_)
{
    (void)st_;
    struct seen s = { 0 };
    struct tls_table *t = mk(0, &s);
    struct reasm_tcp_key kc = key(true, 40003), ks = key(false, 40003);
    uint8_t rec[4096], a[4096], b[4096];
    size_t n = client_hello(rec, "sip.example.com", false);

    /* The ClientHello split over two records. */
    size_t body = n - 5, h1 = body / 2;
    size_t n1 = record(a, 22, rec + 5, h1), n2 = record(b, 22, rec + 5 + h1, body - h1);
    tls_record(t, &kc, a, n1, 1, T0, NULL, NULL);
    assert_string_equal(s.last.sni, "");    /* nothing yet */
    tls_record(t, &kc, b, n2, 2, T0, NULL, NULL);
    tls_tcp_close(t, &ks, false, 3, T0 + 5000);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.last.fail, TLS_FAIL_NO_SERVER_HELLO);
    assert_int_equal(s.last.ch_frame, 2);
    assert_string_equal(s.last.sni, "sip.example.com");
    assert_int_equal(s.last.closed_by, 2);

    /* A ClientHello left unanswered: failed at the end only when the
     * server had time (2 s) to answer. */
    struct reasm_tcp_key k2 = key(true, 40004), k3 = key(true, 40005);
    n = client_hello(rec, "a.example.com", false);
    tls_record(t, &k2, rec, n, 10, T0, NULL, NULL);
    tls_record(t, &k3, rec, n, 11, T0 + 2500000, NULL, NULL);
    tls_finish(t, T0 + 3000000);
    assert_int_equal(s.failed, 2);
    assert_int_equal(tls_conns_live(t), 0);
    tls_table_free(t);
}

/* Every prefix of every record, and every single-byte corruption of the
 * ClientHello: counted, never a crash (ASan/UBSan build). */
static void test_truncation(void **st_)
{
    (void)st_;
    struct seen s = { 0 };
    struct tls_table *t = mk(4, &s);
    uint8_t rec[4096], cut[4096];
    size_t lens[2];
    uint8_t recs[2][4096];
    lens[0] = client_hello(recs[0], "sip.example.com", true);
    lens[1] = server_hello(recs[1], 0xc02f, false, true);
    for (int r = 0; r < 2; r++) {
        for (size_t i = 0; i <= lens[r]; i++) {
            struct reasm_tcp_key k = key(r == 0, (uint16_t)(1000 + i));
            memcpy(cut, recs[r], i);
            if (i >= 5) {   /* keep the record header honest about the cut */
                cut[3] = (uint8_t)((i - 5) >> 8);
                cut[4] = (uint8_t)(i - 5);
            }
            tls_record(t, &k, cut, i, i, T0, NULL, NULL);
        }
    }
    for (size_t i = 5; i < lens[1]; i++) {
        struct reasm_tcp_key k = key(false, (uint16_t)(30000 + i));
        memcpy(rec, recs[1], lens[1]);
        rec[i] ^= 0xff;
        tls_record(t, &k, rec, lens[1], i, T0, NULL, NULL);
    }
    assert_true(st(t, "tls.handshake_malformed") > 0);
    assert_true(st(t, "tls.certificate_malformed") > 0);
    assert_true(st(t, "tls.evicted") > 0);      /* 4 connections at most */
    assert_true(tls_conns_live(t) <= 4);
    tls_table_free(t);
}

static void test_cert_problems(void **st_)
{
    (void)st_;
    struct tls_conn x;
    memset(&x, 0, sizeof(x));
    assert_true(tls_x509_parse(cursor_make(cert_der, sizeof(cert_der)), &x));
    snprintf(x.sni, sizeof(x.sni), "b.trunk.example.com");
    assert_int_equal(tls_x509_problems(&x, CERT_NOT_BEFORE + 10), TLS_CERT_SELF_SIGNED);
    snprintf(x.sni, sizeof(x.sni), "a.b.trunk.example.com"); /* '*' is one label */
    assert_int_equal(tls_x509_problems(&x, CERT_NOT_BEFORE + 10),
                     TLS_CERT_SELF_SIGNED | TLS_CERT_NAME);
    snprintf(x.sni, sizeof(x.sni), "SIP.Example.COM");
    assert_int_equal(tls_x509_problems(&x, CERT_NOT_AFTER + 1),
                     TLS_CERT_SELF_SIGNED | TLS_CERT_EXPIRED);
    assert_int_equal(tls_x509_problems(&x, CERT_NOT_BEFORE - 1),
                     TLS_CERT_SELF_SIGNED | TLS_CERT_NOT_YET);
    for (size_t i = 0; i < sizeof(cert_der); i++) {
        struct tls_conn y;
        memset(&y, 0, sizeof(y));
        tls_x509_parse(cursor_make(cert_der, i), &y);   /* must not read past i */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls12_alert),
        cmocka_unit_test(test_tls13_refused_and_working),
        cmocka_unit_test(test_no_server_hello_and_split),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_cert_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
