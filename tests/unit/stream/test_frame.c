/*
 * test_frame.c — the framer (frame.c) on its own, without reassembly: SIP
 * messages and keep-alives split at every offset, a message too large to
 * hold but of known length, resynchronisation after garbage, the non-SIP
 * verdicts (TLS, bad HEP length), HEP records, a masked WebSocket frame
 * after the upgrade, and the mode changes after a hole (frame_gap).
 */
#include "testutil.h"

#include <string.h>

#include "stream/frame.h"
#include "stream/stream.h"

#define M1 "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a\r\nContent-Length: 4\r\n\r\nv=0\n"
#define M2 "SIP/2.0 100 Trying\r\nCall-ID: a\r\nl: 0\r\n\r\n"

#include "frame_got.h"

/* As reasm_tcp does: frame what is held, drop what was consumed. */
static size_t run(struct framer *f, uint8_t *buf, size_t *held, size_t max,
                  struct frame_counters *c, struct got *g)
{
    size_t used = frame_run(f, buf, *held, max, c, collect, g);
    assert_true(used <= *held);
    memmove(buf, buf + used, *held - used);
    *held -= used;
    return used;
}

static void test_split_at_every_offset(void **s)
{
    (void)s;
    const char *in = "\r\n\r\n" M1 M2;
    size_t total = strlen(in);

    for (size_t k = 0; k <= total; k++) {
        struct framer f = { 0 };
        struct frame_counters c = { 0 };
        struct got g = { 0 };
        uint8_t buf[512];
        size_t held = k, sum = 0;

        memcpy(buf, in, k);
        sum += run(&f, buf, &held, 65536, &c, &g);
        memcpy(buf + held, in + k, total - k);
        held += total - k;
        sum += run(&f, buf, &held, 65536, &c, &g);
        assert_int_equal(sum, total);
        assert_int_equal(held, 0);
        assert_int_equal(g.n, 2);
        assert_string_equal(g.msg[0], M1);
        assert_string_equal(g.msg[1], M2);
        assert_int_equal(g.kind[0], FRAME_SIP);
        assert_int_equal(c.messages, 2);
        assert_int_equal(f.mode, FRAME_MODE_SIP);
        assert_true(c.keepalives >= 1);
    }
}

static void test_too_large_and_resync(void **s)
{
    (void)s;
    struct framer f = { 0 };
    struct frame_counters c = { 0 };
    struct got g = { 0 };
    uint8_t buf[512];
    size_t held;

    /* Content-Length 100 with max 80: the 100 body bytes are skipped, in
     * two calls, and the next message is framed. */
    const char *big = "MESSAGE sip:a SIP/2.0\r\nContent-Length: 100\r\n\r\n";
    held = strlen(big);
    memcpy(buf, big, held);
    memset(buf + held, 'x', 40);
    held += 40;
    run(&f, buf, &held, 80, &c, &g);
    assert_int_equal(c.too_large, 1);
    assert_int_equal(f.skip, 60);
    memset(buf + held, 'x', 60);
    held += 60;
    memcpy(buf + held, M2, strlen(M2));
    held += strlen(M2);
    run(&f, buf, &held, 80, &c, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.msg[0], M2);

    /* Picked up mid-message: the garbage line is passed over. */
    struct framer h = { .mode = FRAME_MODE_SYNC };
    memset(&g, 0, sizeof(g));
    const char *mid = "ntent-Length: 0\r\n\r\n" M2;
    held = strlen(mid);
    memcpy(buf, mid, held);
    run(&h, buf, &held, 65536, &c, &g);
    assert_int_equal(c.resyncs, 1);
    assert_int_equal(g.n, 1);
    assert_int_equal(h.was_sip, 1);
}

static void test_verdicts_and_hep(void **s)
{
    (void)s;
    struct frame_counters c = { 0 };
    struct got g = { 0 };
    uint8_t buf[64] = { 0x16, 0x03, 0x01, 0x00, 0x10 };
    size_t held = 5;

    /* TLS: a record is handed on whole once all of it is there (here a
     * 16-byte one arrives in two pieces), then a header no TLS record has
     * (content type 0x30) ends the framing. */
    struct framer tls = { 0 };
    run(&tls, buf, &held, 65536, &c, &g);
    assert_int_equal(tls.mode, FRAME_MODE_TLS);
    assert_int_equal(c.tls, 1);
    assert_int_equal(g.n, 0);
    assert_int_equal(held, 5);
    memset(buf + 5, 0xab, 16);
    buf[21] = 0x30;
    memcpy(buf + 22, "\x03\x03\x00\x01", 4);
    held = 26;
    run(&tls, buf, &held, 65536, &c, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.kind[0], FRAME_TLS);
    assert_int_equal(g.len[0], 21);
    assert_int_equal(c.tls_records, 1);
    assert_int_equal(tls.mode, FRAME_MODE_NONSIP);
    assert_int_equal(c.tls_bad, 1);
    g.n = 0;

    /* A server that answers with an alert first is TLS too. */
    struct framer alert = { 0 };
    memcpy(buf, "\x15\x03\x03\x00\x02\x02\x28", 7);
    held = 7;
    run(&alert, buf, &held, 65536, &c, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.kind[0], FRAME_TLS);
    g.n = 0;

    /* Two HEP3 records, then one whose length is below its own header. */
    struct framer hep = { 0 };
    uint8_t h[] = { 'H', 'E', 'P', '3', 0, 8, 1, 2, 'H', 'E', 'P', '3', 0, 6,
                    'H', 'E', 'P', '3', 0, 5 };
    memcpy(buf, h, sizeof(h));
    held = sizeof(h);
    run(&hep, buf, &held, 65536, &c, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.kind[1], FRAME_HEP);
    assert_int_equal(g.len[0], 8);
    assert_int_equal(hep.mode, FRAME_MODE_NONSIP);
    assert_int_equal(c.hep_bad, 1);
}

static void test_websocket(void **s)
{
    (void)s;
    struct framer f = { 0 };
    struct frame_counters c = { 0 };
    struct got g = { 0 };
    const char *hs = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    uint8_t buf[256], mask[4] = { 9, 8, 7, 6 };
    size_t o = strlen(hs), n = strlen(M2);

    memcpy(buf, hs, o);
    buf[o++] = 0x81;
    buf[o++] = (uint8_t)(0x80 | n);
    memcpy(buf + o, mask, 4);
    o += 4;
    for (size_t i = 0; i < n; i++)
        buf[o + i] = (uint8_t)(M2[i] ^ mask[i & 3]);
    o += n;
    size_t held = o;
    run(&f, buf, &held, 65536, &c, &g);
    assert_int_equal(held, 0);
    assert_int_equal(f.mode, FRAME_MODE_WS);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.kind[0], FRAME_WS);
    assert_string_equal(g.msg[0], M2);
    assert_int_equal(c.ws_frames, 1);
}

static void test_gap(void **s)
{
    (void)s;
    static const struct { uint8_t from, to; } t[] = {
        { FRAME_MODE_START, FRAME_MODE_SYNC }, { FRAME_MODE_SYNC, FRAME_MODE_SYNC },
        { FRAME_MODE_SIP, FRAME_MODE_SYNC },   { FRAME_MODE_WS_HS, FRAME_MODE_NONSIP },
        { FRAME_MODE_WS, FRAME_MODE_NONSIP },  { FRAME_MODE_HEP, FRAME_MODE_NONSIP },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct framer f = { .mode = t[i].from, .skip = 7, .was_sip = 1 };
        frame_gap(&f);
        assert_int_equal(f.mode, t[i].to);
        assert_int_equal(f.skip, 0);
        assert_int_equal(f.was_sip, 1);
    }
    struct framer f = { .mode = FRAME_MODE_NONSIP, .tries = 3, .was_sip = 1 };
    frame_resync(&f);
    assert_int_equal(f.mode, FRAME_MODE_SYNC);
    assert_int_equal(f.tries, 0);
    assert_int_equal(f.was_sip, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_at_every_offset),
        cmocka_unit_test(test_too_large_and_resync),
        cmocka_unit_test(test_verdicts_and_hep),
        cmocka_unit_test(test_websocket),
        cmocka_unit_test(test_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
