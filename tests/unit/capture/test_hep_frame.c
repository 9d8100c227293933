/*
 * test_hep_frame.c — the HEP receiver's gate and TCP framer
 * (src/capture/hep_frame.c): records as sipscope's own --hep-out encoder
 * writes them (hep_encode, itself round-tripped through decode_hep in
 * test_hep_out), with and without an authentication-key chunk; lengths
 * that lie, cut at every offset; several records per read and one record
 * over many reads; an oversize record skipped without losing step.
 */
#include "testutil.h"

#include <string.h>

#include "capture/hep_frame.h"
#include "output/hep_out.h"

#define SIP_REQ "OPTIONS sip:trunk@203.0.113.5 SIP/2.0\r\n" \
                "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-1\r\n" \
                "Call-ID: hep-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

static const uint8_t KEY[] = "s3cret-key";
#define KEYLEN (sizeof(KEY) - 1)

/* A HEPv3 record from hep_encode with capture id `id`; with key != NULL an
 * authentication-key chunk (type 0x000e) appended and the total fixed. */
static size_t record(uint8_t *b, size_t cap, uint32_t id, const uint8_t *key, size_t kl)
{
    struct sip_payload pl;
    size_t n;

    memset(&pl, 0, sizeof(pl));
    assert_true(addr_parse("198.51.100.10", 13, &pl.src.ip));
    assert_true(addr_parse("203.0.113.5", 11, &pl.dst.ip));
    pl.src.port = 5060;
    pl.dst.port = 5060;
    pl.transport = TRANSPORT_UDP;
    pl.ts_us = 1700000000123456;
    pl.data = (const uint8_t *)SIP_REQ;
    pl.len = strlen(SIP_REQ);
    n = hep_encode(b, cap, &pl, id);
    assert_true(n > 0);
    if (key != NULL) {
        uint8_t *c = b + n;
        c[0] = 0; c[1] = 0; c[2] = 0; c[3] = 0x0e;
        c[4] = (uint8_t)((6 + kl) >> 8); c[5] = (uint8_t)(6 + kl);
        memcpy(c + 6, key, kl);
        n += 6 + kl;
        b[4] = (uint8_t)(n >> 8);
        b[5] = (uint8_t)n;
    }
    return n;
}

static void gate_accepts_and_reads_capid(void **state)
{
    uint8_t b[2048];
    struct hep_rec r;
    size_t n = record(b, sizeof(b), 4242, NULL, 0);

    (void)state;
    assert_int_equal(hep_gate(b, n, NULL, 0, 65535, &r), HEP_OK);
    assert_int_equal(r.version, 3);
    assert_true(r.have_capid);
    assert_int_equal(r.capid, 4242);
    assert_int_equal(r.len, n);
    /* Bytes after the record (a UDP datagram padded) do not matter. */
    b[n] = 0xff;
    assert_int_equal(hep_gate(b, n + 1, NULL, 0, 65535, &r), HEP_OK);
}

/* Every cut of a valid record is refused: the total no longer fits. */
static void gate_truncated_every_offset(void **state)
{
    uint8_t b[2048];
    struct hep_rec r;
    size_t n = record(b, sizeof(b), 7, KEY, KEYLEN);

    (void)state;
    for (size_t k = 0; k < n; k++)
        assert_int_equal(hep_gate(b, k, NULL, 0, 65535, &r), HEP_MALFORMED);
}

static void gate_lying_lengths(void **state)
{
    uint8_t b[2048], c[2048];
    struct hep_rec r;
    size_t n = record(b, sizeof(b), 7, NULL, 0);

    (void)state;
    /* total under the header, total over the datagram */
    memcpy(c, b, n); c[4] = 0; c[5] = 5;
    assert_int_equal(hep_gate(c, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    memcpy(c, b, n); c[4] = (uint8_t)((n + 1) >> 8); c[5] = (uint8_t)(n + 1);
    assert_int_equal(hep_gate(c, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    /* the first chunk (at 6) longer than the record, then shorter than its header */
    memcpy(c, b, n); c[10] = 0xff; c[11] = 0xff;
    assert_int_equal(hep_gate(c, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    memcpy(c, b, n); c[10] = 0; c[11] = 3;
    assert_int_equal(hep_gate(c, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    /* a total that ends inside a chunk */
    memcpy(c, b, n); c[4] = (uint8_t)((n - 1) >> 8); c[5] = (uint8_t)(n - 1);
    assert_int_equal(hep_gate(c, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    /* not HEP at all */
    assert_int_equal(hep_gate((const uint8_t *)"INVITE sip:", 11, NULL, 0, 65535, &r),
                     HEP_MALFORMED);
    assert_int_equal(hep_gate(b, 0, NULL, 0, 65535, &r), HEP_MALFORMED);
    /* over the allowed size */
    assert_int_equal(hep_gate(b, n, NULL, 0, n - 1, &r), HEP_OVERSIZE);
    assert_int_equal(hep_gate(b, n, NULL, 0, n, &r), HEP_OK);
}

static void gate_key(void **state)
{
    uint8_t b[2048];
    struct hep_rec r;
    size_t n;

    (void)state;
    n = record(b, sizeof(b), 9, KEY, KEYLEN);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_OK);
    assert_int_equal(hep_gate(b, n, NULL, 0, 65535, &r), HEP_OK);   /* no key asked */
    n = record(b, sizeof(b), 9, (const uint8_t *)"s3cret-kez", KEYLEN);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_BAD_KEY);
    assert_int_equal(r.capid, 9);   /* still known, for the agent's counters */
    n = record(b, sizeof(b), 9, KEY, KEYLEN - 1);     /* a prefix of the key */
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_BAD_KEY);
    n = record(b, sizeof(b), 9, (const uint8_t *)"s3cret-key!", KEYLEN + 1);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_BAD_KEY);
    n = record(b, sizeof(b), 9, (const uint8_t *)"", 0);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_BAD_KEY);
    n = record(b, sizeof(b), 9, NULL, 0);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_NO_KEY);
}

/* HEPv2 as captagent/Kamailio write it: capture id little endian at the
 * end of the time header; it cannot carry a key. */
static void gate_v2(void **state)
{
    uint8_t b[256] = { 2, 28, 2, 17, 0x13, 0xc4, 0x13, 0xc4, 198, 51, 100, 10, 203, 0, 113, 5 };
    struct hep_rec r;
    size_t n = 16 + 12;

    (void)state;
    b[16 + 8] = 0x39; b[16 + 9] = 0x30;     /* capture id 12345 */
    memcpy(b + n, SIP_REQ, strlen(SIP_REQ));
    n += strlen(SIP_REQ);
    assert_int_equal(hep_gate(b, n, NULL, 0, 65535, &r), HEP_OK);
    assert_int_equal(r.version, 2);
    assert_true(r.have_capid);
    assert_int_equal(r.capid, 12345);
    assert_int_equal(hep_gate(b, n, KEY, KEYLEN, 65535, &r), HEP_NO_KEY);
    b[2] = 99;      /* unknown family */
    assert_int_equal(hep_gate(b, n, NULL, 0, 65535, &r), HEP_MALFORMED);
    b[2] = 2;
    assert_int_equal(hep_gate(b, 20, NULL, 0, 65535, &r), HEP_MALFORMED);
}

static struct hep_framer fr;

/* Feed s[0..n) in pieces of `step` bytes; collect the records' lengths. */
static size_t feed(const uint8_t *s, size_t n, size_t step, size_t max, size_t *lens,
                   size_t cap, int *oversize, bool *bad)
{
    size_t got = 0, off = 0;

    hep_framer_reset(&fr);
    *oversize = 0;
    *bad = false;
    while (off < n && !*bad) {
        size_t room, k;
        uint8_t *p = hep_frame_room(&fr, &room);
        k = n - off < step ? n - off : step;
        k = k < room ? k : room;
        assert_true(k > 0);
        memcpy(p, s + off, k);
        hep_frame_fill(&fr, k);
        off += k;
        for (;;) {
            const uint8_t *rec;
            size_t rl;
            enum hep_frame_rc rc = hep_frame_next(&fr, max, &rec, &rl);
            if (rc == HEP_FRAME_NEED)
                break;
            if (rc == HEP_FRAME_BAD) {
                *bad = true;
                break;
            }
            if (rc == HEP_FRAME_OVERSIZE) {
                (*oversize)++;
                continue;
            }
            assert_memory_equal(rec, "HEP3", 4);
            assert_int_equal(((size_t)rec[4] << 8) | rec[5], rl);
            if (got < cap)
                lens[got] = rl;
            got++;
        }
    }
    return got;
}

static void framer_every_split(void **state)
{
    static uint8_t s[8192];
    size_t n = 0, want[3], lens[8];
    int ov;
    bool bad;

    (void)state;
    want[0] = record(s, sizeof(s), 1, NULL, 0);
    n = want[0];
    want[1] = record(s + n, sizeof(s) - n, 2, KEY, KEYLEN);
    n += want[1];
    want[2] = record(s + n, sizeof(s) - n, 3, NULL, 0);
    n += want[2];
    for (size_t step = 1; step <= n; step++) {
        assert_int_equal(feed(s, n, step, 65535, lens, 8, &ov, &bad), 3);
        assert_false(bad);
        assert_int_equal(ov, 0);
        for (int i = 0; i < 3; i++)
            assert_int_equal(lens[i], want[i]);
        assert_int_equal(hep_frame_pending(&fr), 0);
    }
}

/* A record over the maximum is skipped by its length: the next is framed. */
static void framer_oversize_keeps_step(void **state)
{
    static uint8_t s[8192];
    size_t a, b, lens[4];
    int ov;
    bool bad;

    (void)state;
    a = record(s, sizeof(s), 1, KEY, KEYLEN);   /* the longer one */
    b = record(s + a, sizeof(s) - a, 2, NULL, 0);
    assert_true(a > b);
    for (size_t step = 1; step <= a + b; step += 7) {
        assert_int_equal(feed(s, a + b, step, a - 1, lens, 4, &ov, &bad), 1);
        assert_false(bad);
        assert_int_equal(ov, 1);
        assert_int_equal(lens[0], b);
    }
}

static void framer_lost_framing(void **state)
{
    uint8_t s[4096];
    size_t n, lens[4];
    int ov;
    bool bad;

    (void)state;
    /* garbage first, even a single byte */
    assert_int_equal(feed((const uint8_t *)"X", 1, 1, 65535, lens, 4, &ov, &bad), 0);
    assert_true(bad);
    /* HEPv2 has no total length: it cannot be framed on a stream */
    assert_int_equal(feed((const uint8_t *)"\x02\x10\x02\x11", 4, 4, 65535, lens, 4, &ov, &bad),
                     0);
    assert_true(bad);
    /* a total under the header */
    assert_int_equal(feed((const uint8_t *)"HEP3\x00\x05", 6, 6, 65535, lens, 4, &ov, &bad), 0);
    assert_true(bad);
    /* a good record then garbage: the record is delivered, then the stream ends */
    n = record(s, sizeof(s), 1, NULL, 0);
    memcpy(s + n, "GARBAGE", 7);
    assert_int_equal(feed(s, n + 7, 64, 65535, lens, 4, &ov, &bad), 1);
    assert_true(bad);
    /* a partial prefix is only waiting */
    assert_int_equal(feed((const uint8_t *)"HEP", 3, 1, 65535, lens, 4, &ov, &bad), 0);
    assert_false(bad);
    assert_int_equal(hep_frame_pending(&fr), 3);
}

/* The largest record (65535 bytes) fits the buffer whatever the reads. */
static void framer_largest_record(void **state)
{
    static uint8_t s[65535 + 100];
    size_t lens[2];
    int ov;
    bool bad;

    (void)state;
    memset(s, 0, sizeof(s));
    memcpy(s, "HEP3\xff\xff", 6);
    memcpy(s + 65535, "HEP3\x00\x06", 6);
    assert_int_equal(feed(s, 65535 + 6, 4000, 65535, lens, 2, &ov, &bad), 2);
    assert_false(bad);
    assert_int_equal(lens[0], 65535);
    assert_int_equal(lens[1], 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gate_accepts_and_reads_capid),
        cmocka_unit_test(gate_truncated_every_offset),
        cmocka_unit_test(gate_lying_lengths),
        cmocka_unit_test(gate_key),
        cmocka_unit_test(gate_v2),
        cmocka_unit_test(framer_every_split),
        cmocka_unit_test(framer_oversize_keeps_step),
        cmocka_unit_test(framer_lost_framing),
        cmocka_unit_test(framer_largest_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
