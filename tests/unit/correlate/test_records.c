/*
 * test_records.c — the compact correlation records of issue 14 (struct
 * ident, struct dialog, struct source, correlate.h): frames and times
 * stored as deltas read back exact or not at all (a delta out of range is
 * "unknown": frame 0, never cited), and interned strings given back when an
 * entry is retired or evicted, so the string tables empty with the records.
 */
#include "testutil.h"

#include "engine_testlib.h"

static struct addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct addr x;
    uint8_t v4[4] = { a, b, c, d };

    addr_from_v4(&x, v4);
    return x;
}

static void test_ident_stamps_exact_or_unknown(void **state)
{
    struct tl t;
    struct ident *id;
    struct ident_view v;
    struct addr a = ip4(198, 51, 100, 10), b = ip4(198, 51, 100, 11), srv = ip4(203, 0, 113, 5);
    const uint64_t f0 = 7;
    const int64_t ts0 = T0;
    (void)state;

    assert_true(sizeof(struct ident) <= 304);
    assert_int_equal(tl_open(&t), 0);
    id = ident_get(t.e, "1001", "pbx.example.com");
    assert_non_null(id);
    ident_on_request(t.e, id, &srv, true);
    ident_outcome(t.e, id, &a, true, false, f0, ts0);                 /* the base */
    /* 4e9 frames and ~4 years later: still within the deltas, exact */
    ident_outcome(t.e, id, &a, true, false, f0 + 4000000000ull, ts0 + 126000000000000LL);
    /* a refusal from b: 2^32 frames after the base is past the frame delta */
    ident_outcome(t.e, id, &b, false, true, f0 + (1ull << 32), ts0 + SEC);
    /* a refusal earlier than the base (timestamps may step back): exact */
    ident_outcome(t.e, id, &b, false, true, f0 + 10, ts0 - 5 * SEC);
    /* ~5 years after the base: past the 48-bit time delta */
    ident_outcome(t.e, id, &b, false, true, f0 + 11, ts0 + 160000000000000LL);
    ident_read(&t.e->view, id, &v);
    assert_string_equal(v.name, "1001@pbx.example.com");
    assert_true(addr_eq(&v.server, &srv));
    assert_true(v.with_cred && !v.without_cred);
    assert_int_equal(v.n_src, 2);
    assert_true(addr_eq(&v.src[0].ip, &a));
    assert_true(v.src[0].ok && !v.src[0].fail);
    assert_int_equal(v.src[0].ok_first_frame, f0);
    assert_int_equal(v.src[0].ok_first_us, ts0);
    assert_int_equal(v.src[0].first_us, ts0);
    assert_int_equal(v.src[0].ok_frame, f0 + 4000000000ull);
    assert_int_equal(v.src[0].ok_us, ts0 + 126000000000000LL);
    assert_true(addr_eq(&v.src[1].ip, &b));
    assert_true(v.src[1].fail && !v.src[1].ok);
    assert_int_equal(v.src[1].fail_frame, 0);       /* unknown, never a wrong frame */
    assert_int_equal(v.fail_n, 3);
    assert_int_equal(v.fail_frame[0], 0);
    assert_int_equal(v.fail_frame[1], f0 + 10);
    assert_int_equal(v.fail_ts[1], ts0 - 5 * SEC);
    assert_int_equal(v.fail_frame[2], 0);           /* its time is out of range */
    assert_int_equal(v.fail_ts[2], 0);
    /* the counters saturate rather than wrap */
    id->final_total = UINT32_MAX - 1;
    ident_on_final(id, 403);
    ident_on_final(id, 403);
    assert_int_equal(id->final_total, UINT32_MAX);
    tl_close(&t);
}

/* The refusal ring keeps the latest IDENT_FAILS, refusal j at j % IDENT_FAILS. */
static void test_ident_fail_ring(void **state)
{
    struct tl t;
    struct ident *id;
    struct ident_view v;
    struct addr a = ip4(198, 51, 100, 10);
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    id = ident_get(t.e, "1001", "pbx.example.com");
    for (uint32_t j = 0; j < IDENT_FAILS + 3; j++)
        ident_outcome(t.e, id, &a, false, true, 100 + j, T0 + (int64_t)j * SEC);
    ident_read(&t.e->view, id, &v);
    assert_int_equal(v.fail_n, IDENT_FAILS + 3);
    for (uint32_t j = 3; j < IDENT_FAILS + 3; j++) {
        assert_int_equal(v.fail_frame[j % IDENT_FAILS], 100 + j);
        assert_int_equal(v.fail_ts[j % IDENT_FAILS], T0 + (int64_t)j * SEC);
    }
    assert_int_equal(v.src[0].fail_frame, 100);     /* the first refusal */
    assert_int_equal(v.src[0].first_us, T0);
    tl_close(&t);
}

/* A quiet identity (nothing refused, one address) leaves to its history
 * 64*T1 after its last outcome, gives back its name, and comes back whole
 * when seen again: the address it was accepted from, its first and last
 * acceptance, its server and credentials. A refused one stays. The history
 * is bounded: its oldest entry is forgotten, counted, its strings given
 * back. */
static void test_quiet_ident_history(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    struct addr a = ip4(198, 51, 100, 10), srv = ip4(203, 0, 113, 5);
    struct ident *id;
    struct ident_view v;
    (void)state;

    caps_default(&c);
    c.identities = 2;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    engine_tick(t.e, T0);
    id = ident_get(t.e, "1001", "trunk.example.com");
    ident_on_request(t.e, id, &srv, false);
    ident_outcome(t.e, id, &a, true, false, 5, T0);
    ident_outcome(t.e, id, &a, true, false, 9, T0 + SEC);
    id = ident_get(t.e, "1002", "trunk.example.com");
    ident_on_request(t.e, id, &srv, true);
    ident_outcome(t.e, id, &a, false, true, 11, T0 + SEC);
    assert_int_equal(intern_live(&t.e->strings), 2 + 2);       /* names, a, srv */
    engine_tick(t.e, T0 + 20 * SEC);                            /* inside 64*T1 */
    assert_int_equal(t.e->idents.n, 2);
    engine_tick(t.e, T0 + 40 * SEC);
    assert_int_equal(t.e->idents.n, 1);                         /* 1002 was refused: stays */
    assert_int_equal(t.e->ident_past.n, 1);
    assert_int_equal(t.e->n_idents_retired, 1);
    assert_int_equal(intern_live(&t.e->strings), 1 + 2);        /* 1001's name went */

    id = ident_get(t.e, "1001", "trunk.example.com");
    assert_int_equal(t.e->n_idents_revived, 1);
    assert_int_equal(t.e->ident_past.n, 0);
    ident_read(&t.e->view, id, &v);
    assert_string_equal(v.name, "1001@trunk.example.com");
    assert_true(addr_eq(&v.server, &srv));
    assert_true(v.without_cred && !v.with_cred);
    assert_int_equal(v.n_src, 1);
    assert_true(addr_eq(&v.src[0].ip, &a));
    assert_true(v.src[0].ok && !v.src[0].fail);
    assert_int_equal(v.src[0].ok_first_frame, 5);
    assert_int_equal(v.src[0].ok_first_us, T0);
    assert_int_equal(v.src[0].first_us, T0);
    assert_int_equal(v.src[0].ok_frame, 9);
    assert_int_equal(v.src[0].ok_us, T0 + SEC);

    /* three more retire into a history of two: the oldest is forgotten */
    engine_tick(t.e, T0 + 80 * SEC);                            /* 1001 again */
    for (int i = 0; i < 2; i++) {
        const char *user = i ? "2001" : "2000";
        engine_tick(t.e, T0 + (120 + 40 * i) * SEC);
        id = ident_get(t.e, user, "trunk.example.com");
        ident_outcome(t.e, id, &a, true, false, 20 + (uint64_t)i, T0 + (120 + 40 * i) * SEC);
    }
    engine_tick(t.e, T0 + 300 * SEC);
    assert_int_equal(t.e->n_idents_retired, 4);
    assert_int_equal(t.e->ident_past.n, 2);
    assert_int_equal(t.e->ident_past.evictions, 1);
    assert_int_equal(t.e->idents.evictions, 0);
    id = ident_get(t.e, "1001", "trunk.example.com");           /* forgotten: new */
    assert_int_equal(id->n_src, 0);
    assert_int_equal(t.e->n_idents_revived, 1);
    tl_close(&t);
}

/* A refusal followed by an acceptance from the same address (a phone whose
 * password was fixed, a registrar's transient 403) settles an identity: it
 * retires 64*T1 after that acceptance, even though it was queued and
 * passed over while refused. One refused last, or refused from a second
 * address, stays: it is what account_suspended, brute_force and
 * source_ip_changed read at the end. */
static void test_recovered_ident_retires(void **state)
{
    struct tl t;
    struct addr a = ip4(198, 51, 100, 10), b = ip4(198, 51, 100, 11), srv = ip4(203, 0, 113, 5);
    struct ident *id;
    struct ident_view v;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    engine_tick(t.e, T0);
    id = ident_get(t.e, "fixed", "trunk.example.com");         /* refused, then accepted */
    ident_on_request(t.e, id, &srv, true);
    ident_outcome(t.e, id, &a, false, true, 3, T0);
    id = ident_get(t.e, "stale", "trunk.example.com");         /* accepted, then refused */
    ident_outcome(t.e, id, &a, true, false, 4, T0);
    ident_outcome(t.e, id, &a, false, true, 5, T0);
    id = ident_get(t.e, "moved", "trunk.example.com");         /* refused from b, accepted from a */
    ident_outcome(t.e, id, &b, false, true, 6, T0);
    ident_outcome(t.e, id, &a, true, false, 7, T0);
    engine_tick(t.e, T0 + 40 * SEC);            /* all three were refused last or moved */
    assert_int_equal(t.e->idents.n, 3);
    assert_int_equal(t.e->n_idents_retired, 0);

    engine_tick(t.e, T0 + 50 * SEC);
    id = ident_get(t.e, "fixed", "trunk.example.com");
    ident_outcome(t.e, id, &a, true, false, 20, T0 + 50 * SEC);
    engine_tick(t.e, T0 + 70 * SEC);            /* inside 64*T1 of the acceptance */
    assert_int_equal(t.e->idents.n, 3);
    engine_tick(t.e, T0 + 90 * SEC);
    assert_int_equal(t.e->idents.n, 2);
    assert_int_equal(t.e->n_idents_retired, 1);
    assert_non_null(ctab_find(&t.e->idents, ctab_hash(&t.e->idents, "stale@trunk.example.com",
                                                       strlen("stale@trunk.example.com"))));

    /* back from its history: the acceptance kept, the refusal gone */
    id = ident_get(t.e, "fixed", "trunk.example.com");
    assert_int_equal(t.e->n_idents_revived, 1);
    ident_read(&t.e->view, id, &v);
    assert_int_equal(v.fail_n, 0);
    assert_int_equal(v.n_src, 1);
    assert_true(addr_eq(&v.src[0].ip, &a));
    assert_true(v.src[0].ok && !v.src[0].fail);
    assert_int_equal(v.src[0].ok_first_frame, 20);
    assert_true(v.with_cred);
    tl_close(&t);
}

/* Evicted identities give their name and addresses back; strings two
 * identities share stay while either holds them. */
static void test_ident_strings_dropped_on_eviction(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    struct addr srv = ip4(203, 0, 113, 5);
    char user[16];
    (void)state;

    caps_default(&c);
    c.identities = 4;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    /* oldest first, as the counts below assume (refused identities are
     * otherwise kept past healthy ones: test_ctable's test_keep) */
    ctab_set_keep(&t.e->idents, NULL);
    assert_int_equal(intern_live(&t.e->strings), 0);
    for (int i = 0; i < 4; i++) {
        struct ident *id;
        struct addr a = ip4(198, 51, 100, (uint8_t)(10 + i)), b = ip4(192, 0, 2, (uint8_t)i);
        snprintf(user, sizeof(user), "10%02d", i);
        id = ident_get(t.e, user, "pbx.example.com");
        ident_on_request(t.e, id, &srv, false);
        ident_outcome(t.e, id, &a, true, false, 1 + (uint64_t)i, T0);
        ident_outcome(t.e, id, &b, false, true, 10 + (uint64_t)i, T0 + SEC);
    }
    /* 4 names, 8 client addresses, one shared server */
    assert_int_equal(intern_live(&t.e->strings), 4 + 8 + 1);
    for (int i = 0; i < 3; i++) {
        snprintf(user, sizeof(user), "20%02d", i);
        ident_get(t.e, user, "pbx.example.com");
    }
    assert_int_equal(t.e->idents.evictions, 3);
    /* the last old identity still reads its shared server */
    {
        struct ident *id = ident_get(t.e, "1003", "pbx.example.com");
        struct ident_view v;
        ident_read(&t.e->view, id, &v);
        assert_true(addr_eq(&v.server, &srv));
        assert_string_equal(v.name, "1003@pbx.example.com");
    }
    assert_int_equal(intern_live(&t.e->strings), 3 + (1 + 2 + 1));
    snprintf(user, sizeof(user), "2003");
    ident_get(t.e, user, "pbx.example.com");    /* evicts 1003: its server goes too */
    assert_int_equal(t.e->idents.evictions, 4);
    assert_int_equal(intern_live(&t.e->strings), 4);
    for (int i = 0; i < 4; i++) {
        snprintf(user, sizeof(user), "30%02d", i);
        ident_get(t.e, user, "");
    }
    assert_int_equal(t.e->idents.evictions, 8);
    assert_int_equal(intern_live(&t.e->strings), 4);    /* only the live names */
    tl_close(&t);
}

/* Dialogs give their Call-ID, From, To and endpoints back when evicted or
 * retired: a Call-ID only a dialog holds leaves the string table with it. */
static void test_dialog_strings_dropped(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char cid[32], br[32];
    size_t live4;
    (void)state;

    assert_true(sizeof(struct dialog) <= 176);
    caps_default(&c);
    c.dialogs = 4;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(cid, sizeof(cid), "call-%d@pbx", i);
        snprintf(br, sizeof(br), "z9hG4bKd%d", i);
        tl_req(&t, PBX, "OPTIONS", "sip:x@" TRUNK, br, cid, 1, "1001", "");
        if (i == 3)
            live4 = intern_live(&t.e->strings);
    }
    assert_int_equal(t.e->dialogs.n, 4);
    assert_int_equal(t.e->dialogs.evictions, 6);
    /* each new dialog's Call-ID came in as an evicted one's went out */
    assert_int_equal(intern_live(&t.e->strings), live4);
    /* the newest reads back whole */
    engine_snapshot(t.e, NULL, &t.snap);
    assert_true(t.snap.n_dialogs >= 1);
    assert_string_equal(t.snap.dialogs[0].call_id, "call-9@pbx");
    assert_string_equal(t.snap.dialogs[0].from, "1001@" TRUNK);
    assert_string_equal(t.snap.dialogs[0].to, "x@" TRUNK);
    assert_int_equal(t.snap.dialogs[0].src.port, 5060);
    assert_string_equal(t.snap.dialogs[0].method, "OPTIONS");
    /* long after: the transactions retire, and dialogs until two are left
     * (test_dialog_history_quarter has the history rule itself) */
    t.now += 3600 * SEC;
    engine_tick(t.e, t.now);
    engine_tick(t.e, t.now + 3600 * SEC);
    assert_int_equal(t.e->txns.n, 0);
    assert_int_equal(t.e->n_dialogs_retired, 2);
    assert_int_equal(t.e->dialogs.n, 2);
    /* left: the identity's name (the same text as the dialogs' From, so one
     * string) and server, the two dialogs' Call-IDs and their shared To and
     * two endpoints, and the source's User-Agent */
    assert_int_equal(intern_live(&t.e->strings), 2 + 2 + 3 + 1);
    tl_close(&t);
}

/* A finished dialog stays as history only while the table is a quarter
 * full (a snapshot shows the newest 4,096; more kept pages resident for
 * nothing): eight answered OPTIONS in a table of 8 leave one behind. */
static void test_dialog_history_quarter(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char cid[32], br[32];
    (void)state;

    caps_default(&c);
    c.dialogs = 8;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    for (int i = 0; i < 8; i++) {
        snprintf(cid, sizeof(cid), "h-%d@pbx", i);
        snprintf(br, sizeof(br), "z9hG4bKh%d", i);
        tl_req(&t, PBX, "OPTIONS", "sip:x@" TRUNK, br, cid, 1, "1001", "");
        tl_resp(&t, PBX, 200, "OK", "OPTIONS", br, cid, 1, "");
    }
    assert_int_equal(t.e->dialogs.n, 8);
    engine_tick(t.e, t.now + 40 * SEC);     /* 64*T1 after their last message */
    assert_int_equal(t.e->dialogs.n, 1);
    assert_int_equal(t.e->n_dialogs_retired, 7);
    assert_int_equal(t.e->dialogs.evictions, 0);
    tl_close(&t);
}

/* A request from ip with User-Agent ua (only what source_on_request reads). */
static struct source *src_req(struct tl *t, struct addr ip, const char *ua, const char *user)
{
    struct sip_msg m;

    memset(&m, 0, sizeof(m));
    m.is_request = true;
    m.method = SIP_REGISTER;
    m.src.ip = ip;
    m.src.port = 5060;
    m.dst.ip = ip4(203, 0, 113, 5);
    m.dst.port = 5060;
    m.frame = ++t->frame;
    m.ts_us = t->now;
    m.user_agent = span_make(ua, strlen(ua));
    m.to.uri.user = span_make(user, strlen(user));
    return source_on_request(t->e, &m);
}

/* The usernames a source keeps answer the scanner rule exactly: ten
 * distinct ones with their frames, then "more than ten"; the refusal ring
 * reads back exact or unknown. */
static void test_source_users_and_fails(void **state)
{
    struct tl t;
    struct source *s;
    struct source_fails sf;
    struct addr a = ip4(198, 51, 100, 7);
    char user[16];
    (void)state;

    assert_true(sizeof(struct source) <= 512);
    assert_int_equal(tl_open(&t), 0);
    for (int i = 0; i < 12; i++) {
        snprintf(user, sizeof(user), "%d", 100 + i % 11);  /* 100..110, then 100 again */
        s = src_req(&t, a, "friendly-scanner", user);
        assert_int_equal(s->n_users, i < SOURCE_USERS ? i + 1 : SOURCE_USERS + 1);
    }
    for (int i = 0; i < SOURCE_USERS; i++)
        assert_int_equal(s->user_frames[i], 1 + (uint64_t)i);
    assert_true(s->scanner_ua);
    assert_int_equal(s->scanner_frame, 1);
    assert_string_equal(source_ua(&t.e->view, s), "friendly-scanner");
    assert_int_equal(s->first_frame, 1);
    for (int i = 0; i < 3; i++)
        source_fail(s, 20 + (uint64_t)i, t.now, 19);
    for (int i = 0; i < SOURCE_FAILS; i++)
        source_fail(s, 100 + (uint64_t)i, t.now + (int64_t)i, 99 + (uint64_t)i);
    source_fails(s, &sf);
    assert_int_equal(s->fail_n, 3 + SOURCE_FAILS);
    assert_int_equal(s->auth_fail, 3 + SOURCE_FAILS);
    for (uint32_t j = 3; j < 3 + SOURCE_FAILS; j++) {
        assert_int_equal(sf.frame[j % SOURCE_FAILS], 100 + j - 3);
        assert_int_equal(sf.retry[j % SOURCE_FAILS], 99 + j - 3);
        assert_int_equal(sf.ts[j % SOURCE_FAILS], t.now + (int64_t)(j - 3));
    }
    tl_close(&t);
}

/* The ring's first entries, before later refusals overwrite them. */
static void test_source_fail_stamps(void **state)
{
    struct tl t;
    struct source *s;
    struct source_fails sf;
    (void)state;

    assert_int_equal(tl_open(&t), 0);
    s = src_req(&t, ip4(198, 51, 100, 7), "x", "100");
    source_fail(s, 20, t.now + SEC, 19);
    source_fail(s, 1 + (1ull << 32), t.now + 2 * SEC, 30);     /* past the frame delta */
    source_fail(s, 40, t.now - 3 * SEC, 0);                     /* earlier; no retry seen */
    source_fails(s, &sf);
    assert_int_equal(sf.frame[0], 20);
    assert_int_equal(sf.retry[0], 19);
    assert_int_equal(sf.ts[0], t.now + SEC);
    assert_int_equal(sf.frame[1], 0);       /* unknown: never cited, never wrong */
    assert_int_equal(sf.retry[1], 0);
    assert_int_equal(sf.frame[2], 40);
    assert_int_equal(sf.ts[2], t.now - 3 * SEC);
    assert_int_equal(sf.retry[2], 0);
    tl_close(&t);
}

/* Evicted sources give their User-Agent back; a scanner's replaces the
 * first one's. */
static void test_source_ua_dropped_on_eviction(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char ua[32];
    struct source *s;
    (void)state;

    caps_default(&c);
    c.sources = 2;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    ctab_set_keep(&t.e->sources, NULL);     /* oldest first */
    s = src_req(&t, ip4(198, 51, 100, 1), "Phone/1", "100");
    s = src_req(&t, ip4(198, 51, 100, 1), "sipvicious", "100");
    assert_string_equal(source_ua(&t.e->view, s), "sipvicious");
    assert_int_equal(intern_live(&t.e->strings), 1);    /* Phone/1 went */
    for (int i = 2; i < 10; i++) {
        snprintf(ua, sizeof(ua), "Phone/%d", i);
        src_req(&t, ip4(198, 51, 100, (uint8_t)i), ua, "100");
    }
    assert_int_equal(t.e->sources.evictions, 7);
    assert_int_equal(intern_live(&t.e->strings), 2);    /* the two live sources' */
    tl_close(&t);
}

/* A request whose credentials name another user than its From: creating the
 * From user's identity may evict the credentials' one (a full table, oldest
 * first), which must then be looked up again, not written through a pointer
 * to the entry that replaced it. */
static bool has_ident(struct tl *t, const char *name)
{
    for (struct ident *id = ctab_first(&t->e->idents); id; id = ctab_next(&t->e->idents, id)) {
        struct ident_view v;
        ident_read(&t->e->view, id, &v);
        if (strcmp(v.name, name) == 0)
            return true;
    }
    return false;
}

static void test_ident_pair_survives_eviction(void **state)
{
    struct tl t;
    struct caps c;
    struct engine_opts o = { 0 };
    char br[32], cid[32], user[16];
    (void)state;

    caps_default(&c);
    c.identities = 4;
    assert_int_equal(tl_open_caps(&t, &c, &o), 0);
    ctab_set_keep(&t.e->idents, NULL);
    for (int i = 0; i < 4; i++) {
        snprintf(br, sizeof(br), "z9hG4bK-p%d", i);
        snprintf(cid, sizeof(cid), "pair-%d", i);
        snprintf(user, sizeof(user), i == 0 ? "victim" : "u%d", i);
        tl_req(&t, PBX, "OPTIONS", "sip:x@" TRUNK, br, cid, 1, user, "");
    }
    assert_true(has_ident(&t, "victim@" TRUNK));
    tl_req(&t, PBX, "INVITE", "sip:+15550100@" TRUNK, "z9hG4bK-p9", "pair-9", 1, "caller",
           "Authorization: Digest username=\"victim\", realm=\"x\", nonce=\"n\", "
           "uri=\"sip:+15550100@" TRUNK "\", response=\"00\"\n");
    assert_true(has_ident(&t, "victim@" TRUNK));
    assert_true(has_ident(&t, "caller@" TRUNK));
    tl_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident_stamps_exact_or_unknown),
        cmocka_unit_test(test_ident_fail_ring),
        cmocka_unit_test(test_quiet_ident_history),
        cmocka_unit_test(test_recovered_ident_retires),
        cmocka_unit_test(test_ident_strings_dropped_on_eviction),
        cmocka_unit_test(test_dialog_strings_dropped),
        cmocka_unit_test(test_dialog_history_quarter),
        cmocka_unit_test(test_source_users_and_fails),
        cmocka_unit_test(test_source_fail_stamps),
        cmocka_unit_test(test_source_ua_dropped_on_eviction),
        cmocka_unit_test(test_ident_pair_survives_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
