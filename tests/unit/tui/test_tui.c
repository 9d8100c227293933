/*
 * test_tui.c — the dashboard's pure helpers, without a terminal: the
 * filter (method/status/addr terms and free text), the hostile-text rules
 * (control bytes, invalid UTF-8, column budgets), wrapping, the ladder's
 * copy of a dialog (bounds on hostile offsets) and columns, message-class
 * roles and the list selection that survives reordering.
 */
#include "testutil.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui_int.h"

static void ep(struct endpoint *e, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    uint8_t v4[4] = { a, b, c, d };
    memset(e, 0, sizeof(*e));
    addr_from_v4(&e->ip, v4);
    e->port = port;
}

static void mk_dialog(struct snap_dialog *d, const char *method, int status, const char *state)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->call_id, sizeof(d->call_id), "a84b4c76e66710@pc33.example.com");
    snprintf(d->method, sizeof(d->method), "%s", method);
    snprintf(d->from, sizeof(d->from), "\"Alice\" <sip:1001@203.0.113.5>");
    snprintf(d->to, sizeof(d->to), "<sip:+15551234567@203.0.113.5>");
    snprintf(d->state, sizeof(d->state), "%s", state);
    d->last_status = status;
    ep(&d->src, 198, 51, 100, 20, 5060);
    ep(&d->dst, 203, 0, 113, 5, 5060);
}

static void test_filter_dialog(void **state)
{
    (void)state;
    struct snap_dialog inv, reg, open;
    mk_dialog(&inv, "INVITE", 403, "rejected 403");
    mk_dialog(&reg, "REGISTER", 200, "answered");
    mk_dialog(&open, "OPTIONS", 0, "unanswered");
    ep(&open.dst, 192, 0, 2, 99, 5080);
    struct tui_filter f;

    tui_filter_set(&f, "");
    assert_true(tui_filter_empty(&f));
    assert_true(tui_filter_dialog(&f, &inv));

    tui_filter_set(&f, "method:invite");
    assert_true(tui_filter_dialog(&f, &inv));
    assert_false(tui_filter_dialog(&f, &reg));

    tui_filter_set(&f, "status:403");
    assert_true(tui_filter_dialog(&f, &inv));
    assert_false(tui_filter_dialog(&f, &reg));
    tui_filter_set(&f, "status:4xx");
    assert_true(tui_filter_dialog(&f, &inv));
    assert_false(tui_filter_dialog(&f, &reg));
    tui_filter_set(&f, "status:2");
    assert_true(tui_filter_dialog(&f, &reg));
    tui_filter_set(&f, "status:none");
    assert_true(tui_filter_dialog(&f, &open));
    assert_false(tui_filter_dialog(&f, &inv));

    tui_filter_set(&f, "addr:192.0.2.99");
    assert_true(tui_filter_dialog(&f, &open));
    assert_false(tui_filter_dialog(&f, &inv));
    tui_filter_set(&f, "ip:198.51.100.20");
    assert_true(tui_filter_dialog(&f, &inv));
    assert_true(tui_filter_dialog(&f, &open));

    /* Free text: any field, case-insensitive; all terms must match. */
    tui_filter_set(&f, "alice");
    assert_true(tui_filter_dialog(&f, &reg));
    tui_filter_set(&f, "ALICE method:REGISTER");
    assert_true(tui_filter_dialog(&f, &reg));
    assert_false(tui_filter_dialog(&f, &inv));
    tui_filter_set(&f, "pc33.example");
    assert_true(tui_filter_dialog(&f, &inv));
    tui_filter_set(&f, "bob");
    assert_false(tui_filter_dialog(&f, &inv));

    /* An empty value is no term; an unknown key is free text. */
    tui_filter_set(&f, "method:");
    assert_true(tui_filter_empty(&f));
    tui_filter_set(&f, "foo:bar");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.term[0].kind, 't');
    assert_false(tui_filter_dialog(&f, &inv));

    /* More terms than fit: the rest are ignored, nothing overflows. */
    char many[400] = "";
    for (int i = 0; i < 40; i++)
        strncat(many, "x ", sizeof(many) - strlen(many) - 1);
    tui_filter_set(&f, many);
    assert_int_equal(f.n, TUI_FILTER_TERMS);
}

static void test_filter_finding_peer(void **state)
{
    (void)state;
    static struct snap_finding x;
    memset(&x, 0, sizeof(x));
    snprintf(x.kind, sizeof(x.kind), "auth_rejected");
    snprintf(x.summary, sizeof(x.summary), "credentials refused");
    x.severity = SEV_ERROR;
    x.n_evidence = 1;
    snprintf(x.evidence[0].line, sizeof(x.evidence[0].line), "SIP/2.0 403 Forbidden");
    struct tui_filter f;
    tui_filter_set(&f, "auth_rej");
    assert_true(tui_filter_finding(&f, &x));
    tui_filter_set(&f, "error");
    assert_true(tui_filter_finding(&f, &x));
    tui_filter_set(&f, "status:403");
    assert_true(tui_filter_finding(&f, &x));
    tui_filter_set(&f, "scanner");
    assert_false(tui_filter_finding(&f, &x));
    /* Address terms made from a peer carry a port separator; findings
     * name bare addresses. */
    snprintf(x.entity, sizeof(x.entity), "1001 from 198.51.100.10 to 203.0.113.5");
    tui_filter_set(&f, "addr:203.0.113.5:");
    assert_true(tui_filter_finding(&f, &x));
    tui_filter_set(&f, "addr:203.0.113.50:");
    assert_false(tui_filter_finding(&f, &x));
    snprintf(x.entity, sizeof(x.entity), "2001:db8::1 to 2001:db8::5");
    tui_filter_set(&f, "addr:[2001:db8::5]");
    assert_true(tui_filter_finding(&f, &x));

    struct snap_peer p;
    memset(&p, 0, sizeof(p));
    snprintf(p.name, sizeof(p.name), "PBX -> trunk");
    snprintf(p.geo, sizeof(p.geo), "US AS14618 Amazon");
    ep(&p.remote, 203, 0, 113, 5, 5060);
    tui_filter_set(&f, "amazon");
    assert_true(tui_filter_peer(&f, &p));
    tui_filter_set(&f, "addr:203.0.113.5");
    assert_true(tui_filter_peer(&f, &p));
    tui_filter_set(&f, "addr:203.0.113.6");
    assert_false(tui_filter_peer(&f, &p));
}

static void test_text_rules(void **state)
{
    (void)state;
    tui_text_init(false);
    assert_int_equal(tui_width("abc", 3), 3);
    /* Control bytes and bytes above 0x7e take one column each (as '.'). */
    assert_int_equal(tui_width("a\x1b[31mb", 7), 7);
    assert_int_equal(tui_width("\xc3\xa9", 2), 2);
    /* A NUL ends the text even when n says more. */
    assert_int_equal(tui_width("ab\0cd", 5), 2);
    assert_int_equal(tui_fit("abcdef", 6, 4), 4);
    assert_int_equal(tui_fit("abc", 3, 10), 3);
    assert_int_equal(tui_fit("abc", 3, 0), 0);

    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        skip();
    tui_text_init(true);
    /* é is one column in two bytes; a CJK glyph two columns in three. */
    assert_int_equal(tui_width("\xc3\xa9t\xc3\xa9", 5), 3);
    assert_int_equal(tui_width("\xe6\x97\xa5", 3), 2);
    /* A wide glyph is never split by the budget. */
    assert_int_equal(tui_fit("a\xe6\x97\xa5", 4, 2), 1);
    assert_int_equal(tui_fit("a\xe6\x97\xa5", 4, 3), 4);
    /* Invalid or truncated UTF-8: one '?' per byte, never a read past n. */
    assert_int_equal(tui_width("\xff\xfe", 2), 2);
    assert_int_equal(tui_width("\xe6\x97", 2), 2);
    assert_int_equal(tui_fit("\xe6\x97\xa5", 2, 10), 2);
    /* Overlong encoding of '/' and a UTF-16 surrogate are invalid. */
    assert_int_equal(tui_width("\xc0\xaf", 2), 2);
    assert_int_equal(tui_width("\xed\xa0\x80", 3), 3);
    /* C1 control (U+009B, CSI) is shown as one '.'. */
    assert_int_equal(tui_width("\xc2\x9b", 2), 1);
    tui_text_init(false);
}

static void test_text_wrap(void **state)
{
    (void)state;
    tui_text_init(false);
    struct tui_text t;
    assert_int_equal(tui_text_init_buf(&t), 0);
    tui_text_add(&t, TR_NORMAL, 0, "short", 5);
    tui_text_add(&t, TR_NORMAL, 2, "the quick brown fox jumps over the lazy dog", 43);
    tui_text_addraw(&t, TR_NORMAL, "INVITE sip:x SIP/2.0\r\nVia: a\r\n\r\n", 32);
    /* Raw text: two lines and one empty line (the final CRLF adds none). */
    assert_int_equal(t.n_lines, 5);
    tui_text_wrap(&t, 20);
    /* Every row fits its width (indent, and 2 more on continuation rows). */
    for (size_t i = 0; i < t.n_rows; i++) {
        const struct tui_tline *l = &t.line[t.row[i].line];
        int ind = l->indent + (t.row[i].off > 0 ? 2 : 0);
        assert_true(tui_width(t.pool + l->off + t.row[i].off, t.row[i].len) + ind <= 20);
    }
    assert_true(t.n_rows > t.n_lines);
    /* All bytes are in some row, in order. */
    size_t covered = 0;
    for (size_t i = 0; i < t.n_rows; i++)
        if (t.row[i].line == 1)
            covered += t.row[i].len;
    assert_int_equal(covered, 43);
    /* Scrolling is clamped to the last page. */
    tui_text_scroll(&t, 1000, 3);
    assert_int_equal(t.top, t.n_rows - 3);
    tui_text_scroll(&t, -1000, 3);
    assert_int_equal(t.top, 0);

    /* Overfilling: cut and counted, never overrun. */
    tui_text_clear(&t);
    static char big[4096];
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < 100; i++)
        tui_text_add(&t, TR_NORMAL, 0, big, sizeof(big));
    assert_true(t.cut);
    assert_true(t.used <= TUI_TEXT_POOL);
    tui_text_wrap(&t, 8);
    assert_true(t.n_rows <= TUI_TEXT_ROWS);
    tui_text_free(&t);
}

static void test_ladder_load(void **state)
{
    (void)state;
    struct snapshot s;
    assert_int_equal(snapshot_init(&s, 1, 1, 4, 8, 256, 1), 0);
    struct tui_ladder l;
    assert_int_equal(tui_ladder_init(&l, 8, 256), 0);

    mk_dialog(&s.dialogs[0], "INVITE", 407, "challenged");
    const char *raw = "INVITE sip:a SIP/2.0\r\n\r\nSIP/2.0 407 Proxy Authentication Required\r\n\r\n";
    memcpy(s.raw, raw, strlen(raw));
    s.raw_len = strlen(raw);
    s.n_msgs = 3;
    for (int i = 0; i < 3; i++) {
        memset(&s.msgs[i], 0, sizeof(s.msgs[i]));
        s.msgs[i].frame = (uint64_t)i + 1;
    }
    s.msgs[0].src = s.dialogs[0].src;
    s.msgs[0].dst = s.dialogs[0].dst;
    snprintf(s.msgs[0].label, sizeof(s.msgs[0].label), "INVITE");
    s.msgs[0].raw_off = 0;
    s.msgs[0].raw_len = 24;
    s.msgs[1].src = s.dialogs[0].dst;
    s.msgs[1].dst = s.dialogs[0].src;
    snprintf(s.msgs[1].label, sizeof(s.msgs[1].label), "407 Proxy Authentication Required");
    s.msgs[1].raw_off = 24;
    s.msgs[1].raw_len = (uint32_t)(strlen(raw) - 24);
    /* A hostile offset past the raw buffer is dropped, not read. */
    s.msgs[2].src = s.dialogs[0].src;
    ep(&s.msgs[2].dst, 192, 0, 2, 1, 5060);
    s.msgs[2].raw_off = 200;
    s.msgs[2].raw_len = 4000;
    /* And the dialog claims more messages than the snapshot has. */
    s.dialogs[0].first_msg = 0;
    s.dialogs[0].n_msgs = 50;
    s.n_dialogs = 1;

    tui_ladder_load(&l, &s, &s.dialogs[0]);
    assert_int_equal(l.n_msg, 3);
    assert_int_equal(l.raw_len, strlen(raw));
    assert_int_equal(l.msg[2].raw_len, 0);
    assert_int_equal(memcmp(l.raw + l.msg[1].raw_off, "SIP/2.0 407", 11), 0);
    /* Caller left, callee right, the third party after them. */
    assert_int_equal(l.n_col, 3);
    assert_int_equal(tui_ladder_column(&l, &s.dialogs[0].src), 0);
    assert_int_equal(tui_ladder_column(&l, &s.dialogs[0].dst), 1);
    assert_int_equal(tui_ladder_column(&l, &s.msgs[2].dst), 2);

    /* More endpoints than columns: the last column takes the rest. */
    for (int i = 0; i < 20; i++) {
        struct endpoint e;
        ep(&e, 192, 0, 2, (uint8_t)(10 + i), 5060);
        assert_true(tui_ladder_column(&l, &e) < TUI_LADDER_COLS);
    }
    assert_int_equal(l.n_col, TUI_LADDER_COLS);

    /* Selection moves are clamped. */
    tui_ladder_move(&l, 10);
    assert_int_equal(l.sel, 2);
    tui_ladder_move(&l, -10);
    assert_int_equal(l.sel, 0);

    /* A first_msg past the end gives an empty ladder, not a read. */
    s.dialogs[0].first_msg = 100;
    tui_ladder_load(&l, &s, &s.dialogs[0]);
    assert_int_equal(l.n_msg, 0);
    tui_ladder_free(&l);
    snapshot_free(&s);
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(tui_role_label("INVITE", 0), TR_MSG_REQUEST);
    assert_int_equal(tui_role_label("100 Trying", 0), TR_MSG_1XX);
    assert_int_equal(tui_role_label("200 OK", 0), TR_MSG_2XX);
    assert_int_equal(tui_role_label("302 Moved", 0), TR_MSG_3XX);
    assert_int_equal(tui_role_label("407 Proxy Authentication Required", 0), TR_MSG_4XX);
    assert_int_equal(tui_role_label("SIP/2.0 403 Forbidden", 0), TR_MSG_4XX);
    assert_int_equal(tui_role_label("503 Service Unavailable", 0), TR_MSG_56XX);
    assert_int_equal(tui_role_label("603 Decline", 0), TR_MSG_56XX);
    assert_int_equal(tui_role_label(NULL, 486), TR_MSG_4XX);
    assert_int_equal(tui_role_label("", 0), TR_NORMAL);
    assert_int_equal(tui_role_severity(SEV_CRITICAL), TR_SEV_CRITICAL);
}

static void test_list_keeps_selection(void **state)
{
    (void)state;
    struct snapshot s;
    assert_int_equal(snapshot_init(&s, 8, 1, 8, 1, 1, 1), 0);
    const char *kinds[] = { "auth_rejected", "ip_rejected", "scanner", "no_response" };
    s.n_findings = 4;
    for (int i = 0; i < 4; i++) {
        memset(&s.findings[i], 0, sizeof(s.findings[i]));
        snprintf(s.findings[i].kind, sizeof(s.findings[i].kind), "%s", kinds[i]);
    }
    struct tui_filter f;
    tui_filter_set(&f, "");
    struct tui_list l;
    memset(&l, 0, sizeof(l));
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.n, 4);
    tui_list_move(&l, 2, 10);
    tui_list_sync_key(&l, TP_FINDINGS, &s);
    assert_int_equal(l.sel, 2);     /* scanner */

    /* A new snapshot puts scanner first: the cursor follows it. */
    struct snap_finding tmp = s.findings[2];
    s.findings[2] = s.findings[0];
    s.findings[0] = tmp;
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.sel, 0);
    assert_string_equal(s.findings[l.idx[l.sel]].kind, "scanner");

    /* The filter narrows the list; the index maps to snapshot rows. */
    tui_filter_set(&f, "rejected");
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.n, 2);
    for (size_t i = 0; i < l.n; i++)
        assert_non_null(strstr(s.findings[l.idx[i]].kind, "rejected"));
    tui_list_end(&l, 1);
    assert_int_equal(l.sel, 1);
    assert_int_equal(l.top, 1);
    tui_list_home(&l);
    assert_int_equal(l.sel, 0);

    /* Filtered to its last item, then cleared: the rebuild keeps that item
     * where it was on the screen (the top row); fitting to a panel of 5
     * rows scrolls back so all 4 show (the dashboard once left blanks). */
    tui_filter_set(&f, "");
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    tui_list_end(&l, 5);
    tui_list_sync_key(&l, TP_FINDINGS, &s);
    tui_filter_set(&f, "no_response");
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.n, 1);
    tui_filter_set(&f, "");
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.sel, 3);
    tui_list_fit(&l, 5);
    assert_int_equal(l.top, 0);
    assert_int_equal(l.sel, 3);
    /* a panel of 2 rows: the last two, the selection still on screen */
    l.top = 3;
    tui_list_fit(&l, 2);
    assert_int_equal(l.top, 2);
    tui_list_home(&l);
    tui_list_fit(&l, 2);
    assert_int_equal(l.top, 0);

    /* The peers list knows whether any listed peer has GeoIP text: the
     * GEO column is drawn only then. */
    struct snapshot ps;
    struct tui_list pl;
    assert_int_equal(snapshot_init(&ps, 1, 4, 1, 1, 1, 1), 0);
    memset(&pl, 0, sizeof(pl));
    ps.n_peers = 2;
    memset(ps.peers, 0, 2 * sizeof(ps.peers[0]));
    snprintf(ps.peers[0].name, sizeof(ps.peers[0].name), "PBX alpha");
    snprintf(ps.peers[1].name, sizeof(ps.peers[1].name), "PBX omega");
    tui_list_rebuild(&pl, TP_PEERS, &ps, &f);
    assert_false(pl.any_geo);
    snprintf(ps.peers[1].geo, sizeof(ps.peers[1].geo), "US AS14618 Amazon");
    tui_list_rebuild(&pl, TP_PEERS, &ps, &f);
    assert_true(pl.any_geo);
    tui_filter_set(&f, "alpha");   /* the peer with GeoIP data filtered out */
    tui_list_rebuild(&pl, TP_PEERS, &ps, &f);
    assert_false(pl.any_geo);
    tui_filter_set(&f, "");
    free(pl.idx);
    snapshot_free(&ps);

    /* Nothing left: selection at 0, no index read. */
    s.n_findings = 0;
    tui_list_rebuild(&l, TP_FINDINGS, &s, &f);
    assert_int_equal(l.n, 0);
    tui_list_move(&l, 1, 5);
    assert_int_equal(l.sel, 0);
    free(l.idx);
    snapshot_free(&s);
}

static void test_formats(void **state)
{
    (void)state;
    char b[64];
    tui_fmt_time(b, sizeof(b), 0, true);
    assert_string_equal(b, "-");
    /* 2023-11-14 22:13:20.123456 UTC */
    tui_fmt_time(b, sizeof(b), 1700000000123456LL, true);
    assert_string_equal(b, "22:13:20.123");
    tui_fmt_time(b, sizeof(b), 1700000000123456LL, false);
    assert_string_equal(b, "22:13:20");
    tui_fmt_duration(b, sizeof(b), 12345678);
    assert_string_equal(b, "12.3s");
    tui_fmt_duration(b, sizeof(b), 3723000000LL);
    assert_string_equal(b, "1h02m03s");
    tui_fmt_count(b, sizeof(b), 99999);
    assert_string_equal(b, "99999");
    tui_fmt_count(b, sizeof(b), 1234567);
    assert_string_equal(b, "1.2M");
    tui_fmt_count(b, sizeof(b), 123456);
    assert_string_equal(b, "123.5k");
    struct endpoint e;
    ep(&e, 203, 0, 113, 5, 5060);
    tui_fmt_endpoint(b, sizeof(b), &e);
    assert_string_equal(b, "203.0.113.5:5060");
    uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    addr_from_v6(&e.ip, v6);
    tui_fmt_endpoint(b, sizeof(b), &e);
    assert_string_equal(b, "[2001:db8::1]:5060");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_dialog),
        cmocka_unit_test(test_filter_finding_peer),
        cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_text_wrap),
        cmocka_unit_test(test_ladder_load),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_list_keeps_selection),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
