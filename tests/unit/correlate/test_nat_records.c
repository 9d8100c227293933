/*
 * test_nat_records.c — the compact records of src/correlate/sites.c (and
 * nat.c, keepalive.c): what a record keeps reads back exactly through its
 * view, a frame it cannot hold exactly is left out rather than shown wrong,
 * and its interned strings go back when the record is evicted (the
 * engine's strings would otherwise fill up and read as "").
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate/correlate.h"
#include "correlate/keepalive.h"
#include "correlate/nat.h"
#include "util/intern.h"
#include "sip.h"

#define SRV "192.0.2.10"

struct fixture {
    struct engine *e;
    struct auth_ex ax;
    struct txn t;
};

static void fx_open(struct fixture *x, size_t accounts)
{
    struct caps c;

    caps_default(&c);
    c.accounts = accounts;
    memset(x, 0, sizeof(*x));
    x->e = calloc(1, sizeof(*x->e));
    assert_non_null(x->e);
    assert_int_equal(intern_init(&x->e->strings, 256), 0);
    x->e->sites = sites_new(&c, &x->e->strings);
    assert_non_null(x->e->sites);
}

static void fx_close(struct fixture *x)
{
    sites_free(x->e->sites);
    intern_free(&x->e->strings);
    free(x->e);
}

/* An accepted retry of user@realm to SRV from src (frame, at us). */
static const struct site_view *accept_from(struct fixture *x, const char *user,
                                           const char *src, uint64_t frame, int64_t us,
                                           const char *line)
{
    memset(&x->ax, 0, sizeof(x->ax));
    memset(&x->t, 0, sizeof(x->t));
    snprintf(x->ax.username, sizeof(x->ax.username), "%s", user);
    snprintf(x->ax.realm, sizeof(x->ax.realm), "sip.example");
    x->ax.retry_frame = frame;
    x->ax.retry_us = us;
    snprintf(x->ax.retry_line, sizeof(x->ax.retry_line), "%s", line);
    assert_true(addr_parse(SRV, strlen(SRV), &x->t.dst.ip));
    assert_true(addr_parse(src, strlen(src), &x->t.effective_src));
    x->t.first_us = us;
    x->t.final_us = us + 20000;
    x->t.frame = frame;
    return sites_on_auth(x->e, &x->ax, &x->t);
}

/* Frames, times and text read back exactly; a frame 2^32 past the
 * record's first is not kept (never shown wrong). */
static void test_site_view_exact(void **state)
{
    struct fixture x;
    const struct site_view *v;
    char ip[ADDR_STRLEN];
    (void)state;

    fx_open(&x, 4);
    assert_null(accept_from(&x, "1001", "198.51.100.10", 7, 1000000, "REGISTER sip:a SIP/2.0"));
    v = accept_from(&x, "1001", "198.51.100.30", 9, 2000000, "REGISTER sip:b SIP/2.0");
    assert_non_null(v);
    assert_string_equal(v->user, "1001");
    assert_string_equal(v->realm, "sip.example");
    assert_string_equal(addr_str(&v->server, ip, sizeof(ip)), SRV);
    assert_int_equal(v->n_src, 2);
    assert_string_equal(addr_str(&v->src[1].ip, ip, sizeof(ip)), "198.51.100.30");
    assert_int_equal(v->src[0].frames[0], 7);
    assert_int_equal(v->src[1].frames[0], 9);
    assert_int_equal(v->src[1].frame_us[0], 2000000);
    assert_int_equal(v->src[1].last_us, 2020000);
    assert_string_equal(v->src[0].line[0], "REGISTER sip:a SIP/2.0");
    /* a frame before the first noted (a transaction that began earlier
     * and ended later) reads back too */
    v = accept_from(&x, "1001", "198.51.100.10", 3, 900000, "REGISTER sip:a SIP/2.0");
    assert_int_equal(v->src[0].n_frames, 2);
    assert_int_equal(v->src[0].frames[1], 3);
    /* 2^32 frames later: left out, the others unchanged */
    v = accept_from(&x, "1001", "198.51.100.10", 7 + (1ull << 32), 3000000, "REGISTER x");
    assert_int_equal(v->src[0].n_frames, 2);
    assert_int_equal(v->src[0].frames[0], 7);
    assert_int_equal(v->src[0].last_us, 3020000);
    /* a long user is cut as the 48-byte buffer before cut it */
    {
        char longu[80];
        memset(longu, 'u', sizeof(longu) - 1);
        longu[sizeof(longu) - 1] = '\0';
        accept_from(&x, longu, "198.51.100.10", 20, 4000000, "REGISTER sip:a SIP/2.0");
        v = accept_from(&x, longu, "198.51.100.31", 21, 4000001, "REGISTER sip:a SIP/2.0");
        assert_non_null(v);
        assert_int_equal(strlen(v->user), 47);
    }
    fx_close(&x);
}

/* An evicted record gives its strings back: with one record's room, a
 * second account of the same shape (the same server, addresses and lines,
 * another user) holds as many strings as the first did, and the shared
 * ones still read. */
static void test_site_evict_drops_strings(void **state)
{
    struct fixture x;
    const struct site_view *v;
    size_t live0, live1;
    (void)state;

    fx_open(&x, 1);
    live0 = intern_live(&x.e->strings);
    accept_from(&x, "1001", "198.51.100.10", 1, 1000000, "REGISTER sip:a SIP/2.0");
    accept_from(&x, "1001", "198.51.100.10", 2, 1100000, "REGISTER sip:b SIP/2.0");
    v = accept_from(&x, "1001", "198.51.100.30", 3, 1200000, "REGISTER sip:a SIP/2.0");
    assert_non_null(v);
    live1 = intern_live(&x.e->strings);
    /* user, realm, server, two addresses, two lines */
    assert_int_equal(live1 - live0, 7);
    accept_from(&x, "1002", "198.51.100.10", 4, 1300000, "REGISTER sip:a SIP/2.0");
    accept_from(&x, "1002", "198.51.100.10", 5, 1400000, "REGISTER sip:b SIP/2.0");
    v = accept_from(&x, "1002", "198.51.100.30", 6, 1500000, "REGISTER sip:a SIP/2.0");
    assert_int_equal(x.e->sites->recs.evictions, 1);
    assert_int_equal(intern_live(&x.e->strings), live1);
    assert_non_null(v);
    assert_string_equal(v->user, "1002");
    assert_string_equal(v->src[0].line[1], "REGISTER sip:b SIP/2.0");
    /* a trunk that shares nothing: back to its own strings only */
    memset(&x.t, 0, sizeof(x.t));
    snprintf(x.t.ruri_host, sizeof(x.t.ruri_host), "trunk.example");
    assert_true(addr_parse("203.0.113.5", 11, &x.t.dst.ip));
    assert_true(addr_parse("203.0.113.6", 11, &x.t.effective_src));
    snprintf(x.t.req_line, sizeof(x.t.req_line), "INVITE sip:1@trunk.example SIP/2.0");
    x.t.frame = 9;
    assert_null(sites_on_trunk(x.e, &x.t));
    assert_int_equal(x.e->sites->recs.evictions, 2);
    /* realm (the host), server, address, line */
    assert_int_equal(intern_live(&x.e->strings) - live0, 4);
    fx_close(&x);
}

/* ---- NAT pairs (nat.c) ---- */

#define NATPUB "198.51.100.20"
#define LAN "192.168.50.10"
#define TRUNK "203.0.113.50"

static int parse(struct sip_parser *sp, struct sip_msg *m, char *wire, size_t cap,
                 const char *src, uint16_t sport, const char *dst, uint16_t dport,
                 uint64_t frame, const char *text)
{
    struct sip_payload pl;
    size_t n = 0;

    for (const char *p = text; *p && n + 2 < cap; p++) {
        if (*p == '\n')
            wire[n++] = '\r';
        wire[n++] = *p;
    }
    memset(&pl, 0, sizeof(pl));
    pl.frame = frame;
    pl.ts_us = 1000000 * (int64_t)frame;
    addr_parse(src, strlen(src), &pl.src.ip);
    addr_parse(dst, strlen(dst), &pl.dst.ip);
    pl.src.port = sport;
    pl.dst.port = dport;
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)wire;
    pl.len = n;
    return sip_parse(sp, &pl, m);
}

static const char invite_lan[] =
    "INVITE sip:+15550100001@" TRUNK " SIP/2.0\n"
    "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKn1\n"
    "From: <sip:1001@" TRUNK ">;tag=f1\n"
    "To: <sip:+15550100001@" TRUNK ">\n"
    "Call-ID: nat-n1@x\nCSeq: 1 INVITE\n"
    "Contact: <sip:1001@" LAN ":5060>\n"
    "Content-Length: 0\n\n";

static const char ok_received[] =
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKn1;received=" NATPUB "\n"
    "From: <sip:1001@" TRUNK ">;tag=f1\n"
    "To: <sip:+15550100001@" TRUNK ">;tag=t1\n"
    "Call-ID: nat-n1@x\nCSeq: 1 INVITE\nContent-Length: 0\n\n";

static const char options_clean[] =
    "OPTIONS sip:" TRUNK " SIP/2.0\n"
    "Via: SIP/2.0/UDP 198.51.100.77:5060;branch=z9hG4bKo1;rport\n"
    "From: <sip:ping@198.51.100.77>;tag=o1\n"
    "To: <sip:" TRUNK ">\n"
    "Call-ID: o1@x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n";

/* The view reads back what the first bad request and the first received=
 * said, exactly; a pair with nothing to report gives no view; evicting a
 * pair gives its strings back (intern_live as before it). */
static void test_nat_pair_view_and_evict(void **state)
{
    struct caps c;
    struct engine *e;
    struct sip_parser *sp;
    struct sip_msg m;
    const struct nat_pair *p;
    char wire[4096], ip[ADDR_STRLEN];
    size_t live0;
    (void)state;

    caps_default(&c);
    c.peers = 1;
    sp = sip_parser_new(&c);
    assert_non_null(sp);
    e = calloc(1, sizeof(*e));
    assert_non_null(e);
    assert_int_equal(intern_init(&e->strings, 64), 0);
    e->nat = nat_new(&c, &e->strings);
    assert_non_null(e->nat);
    live0 = intern_live(&e->strings);

    assert_int_equal(parse(sp, &m, wire, sizeof(wire), NATPUB, 40053, TRUNK, 5060, 5,
                           invite_lan), SIP_OK);
    p = nat_on_msg(e, &m);
    assert_non_null(p);
    assert_int_equal(p->bad_bits, NAT_F_VIA | NAT_F_CONTACT);
    assert_int_equal(p->bad_frame, 5);
    assert_int_equal(p->bad_us, 5000000);
    assert_int_equal(p->bad.src.port, 40053);
    assert_false(p->bad.rport);
    assert_string_equal(addr_str(&p->bad.contact.ip, ip, sizeof(ip)), LAN);
    assert_string_equal(p->bad_line, "INVITE sip:+15550100001@" TRUNK);
    assert_false(p->have_received);
    assert_int_equal(nat_requests(e->nat, &m.src.ip, &m.dst.ip), 1);

    assert_int_equal(parse(sp, &m, wire, sizeof(wire), TRUNK, 5060, NATPUB, 40053, 6,
                           ok_received), SIP_OK);
    p = nat_on_msg(e, &m);
    assert_non_null(p);
    assert_true(p->have_received);
    assert_string_equal(addr_str(&p->received, ip, sizeof(ip)), NATPUB);
    assert_int_equal(p->resp_frame, 6);
    assert_int_equal(p->resp_us, 6000000);
    assert_int_equal(p->resp_dst.port, 40053);
    assert_int_equal(p->rport_val, -1);
    assert_string_equal(p->resp_line, "SIP/2.0 200 OK");
    assert_int_equal(p->responses, 1);
    assert_int_equal(p->answered_2xx, 1);
    assert_true(intern_live(&e->strings) > live0);

    /* two more pairs, clean: no view; the table holds two pairs a peer (one
     * per direction requests flow in), so the third evicts the first and
     * its strings are gone */
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), "198.51.100.77", 5060, TRUNK, 5060, 7,
                           options_clean), SIP_OK);
    assert_null(nat_on_msg(e, &m));
    assert_int_equal(e->nat->recs.evictions, 0);
    assert_int_equal(parse(sp, &m, wire, sizeof(wire), "198.51.100.78", 5060, TRUNK, 5060, 8,
                           options_clean), SIP_OK);
    assert_null(nat_on_msg(e, &m));
    assert_int_equal(e->nat->recs.evictions, 1);
    assert_int_equal(intern_live(&e->strings), live0);

    nat_free(e->nat);
    intern_free(&e->strings);
    free(e);
    sip_parser_free(sp);
}

/* ---- keep-alive series (keepalive.c) ---- */

/* A past outage reads back exactly from its string; evicting the series
 * gives it back (intern_live as before). */
static void test_ka_past_outages_evict(void **state)
{
    struct caps c;
    struct intern in;
    struct ka_state *k;
    struct ka_series *s;
    struct ka_outage ob;
    const struct ka_outage *o;
    struct endpoint cl = { .port = 5060 }, sv = { .port = 5060 }, other = { .port = 5060 };
    size_t live0;
    (void)state;

    caps_default(&c);
    c.peers = 1;
    assert_int_equal(intern_init(&in, 64), 0);
    k = ka_new(&c, &in);
    assert_non_null(k);
    addr_parse(NATPUB, strlen(NATPUB), &cl.ip);
    addr_parse(TRUNK, strlen(TRUNK), &sv.ip);
    addr_parse("198.51.100.77", 13, &other.ip);
    live0 = intern_live(&in);
    /* two failing answers with an answer between them: two outages */
    s = ka_ping(k, &cl, &sv, 10, 1000000);
    assert_true(ka_result(k, &cl, &sv, 10, 1000000, 503, 11, 1002000));
    ka_ping(k, &cl, &sv, 12, 5000000);
    assert_false(ka_result(k, &cl, &sv, 12, 5000000, 200, 13, 5002000));
    ka_ping(k, &cl, &sv, 14, 9000000);
    assert_true(ka_result(k, &cl, &sv, 14, 9000000, 408, 15, 9002000));
    assert_int_equal(s->n_out, 2);
    assert_int_equal(intern_live(&in), live0 + 1);
    o = ka_outage_at(k, s, 0, &ob);
    assert_int_equal(o->start_frame, 10);
    assert_int_equal(o->start_us, 1000000);
    assert_int_equal(o->fail_status, 503);
    assert_int_equal(o->end_frame, 13);
    assert_int_equal(o->end_us, 5002000);
    assert_int_equal(o->end_ping_frame, 12);
    o = ka_outage_at(k, s, 1, &ob);
    assert_int_equal(o->start_frame, 14);
    assert_int_equal(o->fail_status, 408);
    assert_int_equal(o->end_us, 0);
    assert_int_equal(o->last_ok_frame, 13);
    /* another pair takes the only slot */
    ka_ping(k, &other, &sv, 20, 10000000);
    assert_int_equal(k->series.evictions, 1);
    assert_int_equal(intern_live(&in), live0);
    ka_free(k);
    intern_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_view_exact),
        cmocka_unit_test(test_site_evict_drops_strings),
        cmocka_unit_test(test_nat_pair_view_and_evict),
        cmocka_unit_test(test_ka_past_outages_evict),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
