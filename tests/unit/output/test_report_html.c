/*
 * test_report_html.c — the HTML report (src/output/report_html.c) and the
 * text ladder (src/output/ladder.c) on hand-made snapshots: hostile wire
 * strings (<script>, quotes, &, invalid UTF-8, controls) come out escaped
 * everywhere they are shown (titles, tables, SVG, message text); secrets
 * in message text are masked (digest response, Basic, folded header,
 * password parameters) while the rest is kept; a snapshot of 100k dialogs
 * gives a bounded page that counts what it left out; the ladder cap holds;
 * the diagnosis section draws snapshot.diagnosis (root cause, ruled-out
 * causes, fix, linked findings) and populations; the Markdown ticket
 * carries the text ladder of each evidence dialog, bounded and counted.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "testutil.h"

#include "output/ladder.h"
#include "output/report.h"
#include "output/report_html.h"
#include "util/err.h"

static char *escaped(const char *s, size_t n, int keep_nl)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    report_html_escape(f, s, n, keep_nl);
    fclose(f);
    return buf;
}

static void test_escape(void **state)
{
    (void)state;
    const char hostile[] = "<script>alert(\"x\")</script> & 'q' \x1b[31m\xff\xc0\xafok\xc3\xa9";
    char *o = escaped(hostile, sizeof(hostile) - 1, 0);
    assert_string_equal(o, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; "
                           "[31m\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdok\xc3\xa9");
    free(o);
    /* explicit length: a NUL and what follows are not text, and nothing past n */
    o = escaped("a\0<b", 4, 0);
    assert_string_equal(o, "a&lt;b");
    free(o);
    o = escaped("l1\r\nl2\n", 7, 1);
    assert_string_equal(o, "l1\nl2\n");
    free(o);
    o = escaped("l1\nl2", 5, 0);
    assert_string_equal(o, "l1 l2");
    free(o);
    /* a surrogate and a truncated sequence are invalid */
    o = escaped("\xed\xa0\x80|\xe2\x82", 6, 0);
    assert_string_equal(o, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
    free(o);
}

static char *masked(const char *in)
{
    static char out[4096];
    size_t n = report_html_mask(in, strlen(in), out, sizeof(out) - 1);
    out[n] = '\0';
    return out;
}

static void test_mask(void **state)
{
    (void)state;
    const char *m = masked(
        "INVITE sip:a@b SIP/2.0\r\n"
        "Proxy-Authorization: Digest username=\"1001\", realm=\"r\", nonce=\"n1\",\r\n"
        " uri=\"sip:a@b\", response=\"0123456789abcdef0123456789abcdef\", qop=auth\r\n"
        "authorization : Basic dXNlcjpodW50ZXIy\r\n"
        "Authentication-Info: rspauth=feedface, cnonce=\"c\"\r\n"
        "X-Note: response=\"not-a-credential\"\r\n"
        "Contact: <sip:a@b;password=hunter2;transport=udp>\r\n"
        "\r\n"
        "v=0\r\nresponse=keep\r\n");
    assert_null(strstr(m, "0123456789abcdef"));
    assert_null(strstr(m, "dXNlcjpodW50ZXIy"));
    assert_null(strstr(m, "feedface"));
    assert_null(strstr(m, "hunter2"));
    assert_non_null(strstr(m, "response=\"********\", qop=auth"));
    assert_non_null(strstr(m, "Basic ********"));
    assert_non_null(strstr(m, "rspauth=********, cnonce"));
    assert_non_null(strstr(m, "password=********;transport=udp"));
    /* what is not a secret stays: other headers, the nonce, the body */
    assert_non_null(strstr(m, "X-Note: response=\"not-a-credential\""));
    assert_non_null(strstr(m, "nonce=\"n1\""));
    assert_non_null(strstr(m, "\r\n\r\nv=0\r\nresponse=keep\r\n"));
    /* the output is cut at cap, never past it */
    char small[16];
    memset(small, 'Z', sizeof(small));
    assert_int_equal(report_html_mask("Authorization: Digest response=\"abcdefabcdef\"", 46,
                                      small, 10), 10);
    assert_int_equal(small[10], 'Z');
    /* an unterminated quoted value is masked to the end of the line */
    m = masked("Authorization: Digest response=\"abcdef\r\nX: y\r\n");
    assert_null(strstr(m, "abcdef"));
    assert_non_null(strstr(m, "X: y"));
}

static struct endpoint ep(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    struct endpoint e;
    const uint8_t v4[4] = { a, b, c, d };
    memset(&e, 0, sizeof(e));
    addr_from_v4(&e.ip, v4);
    e.port = port;
    return e;
}

static const char HOSTILE[] = "\"><script>alert(1)</script><svg onload=x>&amp;";

/* One finding citing `cite` dialogs, each dialog with two messages. */
static void fill(struct snapshot *s, size_t n_dialogs, size_t cite, const char *raw)
{
    snapshot_clear(s);
    s->run.source = HOSTILE;
    s->run.first_ts_us = 1700000000000000;
    s->run.last_ts_us = 1700000100000000;
    s->n_findings = 1 + cite / SNAP_MAX_EVIDENCE;
    for (size_t fi = 0; fi < s->n_findings; fi++) {
        struct snap_finding *x = &s->findings[fi];
        memset(x, 0, sizeof(*x));
        snprintf(x->kind, sizeof(x->kind), "auth_rejected");
        x->severity = SEV_ERROR;
        snprintf(x->summary, sizeof(x->summary), "summary %s", HOSTILE);
        snprintf(x->entity, sizeof(x->entity), "%s", HOSTILE);
        snprintf(x->causes[0], SNAP_TEXT, "cause %s", HOSTILE);
        snprintf(x->fix[0], SNAP_TEXT, "fix %s", HOSTILE);
        x->n_causes = x->n_fix = 1;
    }
    for (size_t i = 0; i < cite; i++) {
        struct snap_finding *x = &s->findings[i / SNAP_MAX_EVIDENCE];
        struct snap_evidence *e = &x->evidence[x->n_evidence++];
        e->frame = 2 * i + 2;       /* the answer of dialog i */
        e->ts_us = s->run.first_ts_us;
        snprintf(e->role, sizeof(e->role), "403 \"><b>&'");
        snprintf(e->line, sizeof(e->line), "SIP/2.0 403 %s", HOSTILE);
    }
    s->n_peers = 1;
    memset(&s->peers[0], 0, sizeof(s->peers[0]));
    snprintf(s->peers[0].name, sizeof(s->peers[0].name), "%s", HOSTILE);
    snprintf(s->peers[0].role, sizeof(s->peers[0].role), "trunk");
    snprintf(s->peers[0].verdict, sizeof(s->peers[0].verdict), "verdict %s", HOSTILE);
    s->peers[0].remote = ep(203, 0, 113, 5, 5060);
    s->raw_len = 0;
    for (size_t i = 0; i < n_dialogs; i++) {
        struct snap_dialog *d = &s->dialogs[i];
        memset(d, 0, sizeof(*d));
        snprintf(d->call_id, sizeof(d->call_id), "%zu%s", i, HOSTILE);
        snprintf(d->method, sizeof(d->method), "INVITE");
        snprintf(d->from, sizeof(d->from), "%s", HOSTILE);
        snprintf(d->to, sizeof(d->to), "%s", HOSTILE);
        d->src = ep(198, 51, 100, 10, 5060);
        d->dst = ep(203, 0, 113, 5, 5060);
        d->last_status = 403;
        snprintf(d->state, sizeof(d->state), "rejected 403");
        d->first_msg = (uint32_t)(2 * i);
        d->n_msgs = 2;
        for (int k = 0; k < 2; k++) {
            struct snap_msg *m = &s->msgs[2 * i + (size_t)k];
            memset(m, 0, sizeof(*m));
            m->frame = 2 * i + 1 + (size_t)k;
            m->ts_us = s->run.first_ts_us + (int64_t)m->frame;
            m->src = k ? d->dst : d->src;
            m->dst = k ? d->src : d->dst;
            snprintf(m->label, sizeof(m->label), k ? "403 %s" : "INVITE", HOSTILE);
            if (raw != NULL && s->raw_len + strlen(raw) <= s->cap_raw) {
                memcpy(s->raw + s->raw_len, raw, strlen(raw));
                m->raw_off = (uint32_t)s->raw_len;
                m->raw_len = (uint32_t)strlen(raw);
                s->raw_len += strlen(raw);
            }
        }
    }
    s->n_dialogs = n_dialogs;
    s->n_msgs = 2 * n_dialogs;
}

static char *render(const struct snapshot *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(report_write(f, REPORT_HTML, s, false), 0);
    fclose(f);
    return buf;
}

static void test_hostile_page(void **state)
{
    (void)state;
    struct snapshot s;
    size_t len;
    const char *raw = "SIP/2.0 403 <script>x</script>\r\n"
                      "Authorization: Digest username=\"u\", response=\"deadbeefcafe\"\r\n\r\n";

    assert_int_equal(snapshot_init(&s, 8, 4, 8, 16, 4096, 4), 0);
    fill(&s, 3, 2, raw);
    char *h = render(&s, &len);
    /* one <script / <svg onload from the wire would be an injection */
    assert_null(strcasestr(h, "<script"));
    assert_null(strstr(h, "<svg onload"));
    assert_null(strstr(h, "deadbeefcafe"));
    assert_non_null(strstr(h, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;svg onload=x&gt;"
                              "&amp;amp;"));
    assert_non_null(strstr(h, "403 &lt;script&gt;x&lt;/script&gt;"));
    assert_non_null(strstr(h, "response=&quot;********&quot;"));
    /* the page's own structure is there, once */
    assert_non_null(strstr(h, "<!DOCTYPE html>"));
    assert_non_null(strstr(h, "prefers-color-scheme:dark"));
    assert_non_null(strstr(h, "@media print"));
    assert_non_null(strstr(h, "name=\"viewport\""));
    assert_non_null(strstr(h, "<svg xmlns="));
    assert_non_null(strstr(h, "<details id=\"m1-1\">"));
    assert_null(strstr(h, "src=\""));           /* nothing fetched */
    assert_null(strstr(h, "http://e"));
    /* the diagnosis comes before the findings */
    assert_true(strstr(h, "id=\"diagnosis\"") < strstr(h, "id=\"findings\""));
    free(h);

    /* the text ladder: the challenge and failing answer noted, no ESC/'<' */
    char *t = NULL;
    FILE *f = open_memstream(&t, &len);
    assert_non_null(f);
    char call_id[128];
    snprintf(call_id, sizeof(call_id), "1%s", HOSTILE);
    char errbuf[ERRBUF_SIZE];
    assert_int_equal(ladder_print(f, &s, call_id, errbuf), 0);
    assert_int_equal(ladder_print(f, &s, "nosuch", errbuf), ERR_INVAL);
    assert_non_null(strstr(errbuf, "nosuch"));
    fclose(f);
    assert_non_null(strstr(t, "\n22:13:20.000003  3  "));
    assert_non_null(strstr(t, "failing answer"));
    assert_non_null(strstr(t, "B  trunk    203.0.113.5:5060"));
    free(t);
    snapshot_free(&s);
}

/* 100k dialogs, 60 evidence dialogs: at most HTML_MAX_LADDERS are drawn,
 * the page stays small and says what it left out. */
static void test_bounded(void **state)
{
    (void)state;
    struct snapshot s;
    size_t len;
    const size_t n = 100000;
    static const char raw[] = "SIP/2.0 403 Forbidden\r\nCSeq: 1 INVITE\r\n\r\n";

    assert_int_equal(snapshot_init(&s, 8, 4, n, 2 * n, 2 * n * sizeof(raw), 4), 0);
    fill(&s, n, 60, raw);
    char *h = render(&s, &len);
    assert_true(len < 1u << 20);
    assert_non_null(strstr(h, "40 call flow(s) drawn (evidence dialogs only) of 100000 dialog(s) "
                              "kept; 99960 dialog(s) left out, including 20 evidence dialog(s) "
                              "over the page's limit of 40 call flows"));
    assert_non_null(strstr(h, "id=\"d40\""));
    assert_null(strstr(h, "id=\"d41\""));
    free(h);
    snapshot_free(&s);
}

static char *render_md(const struct snapshot *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(report_write(f, REPORT_MARKDOWN, s, false), 0);
    fclose(f);
    return buf;
}

/* The diagnosis the diagnosis stage put in the snapshot is what leads the
 * page: each root cause with its evidence, what was ruled out and the fix;
 * ids link to the findings; population findings say how many and who. */
static void test_diagnosis(void **state)
{
    (void)state;
    struct snapshot s;
    size_t len;

    assert_int_equal(snapshot_init(&s, 8, 4, 8, 16, 4096, 4), 0);
    fill(&s, 3, 34, NULL);      /* two findings: 32 + 2 evidence frames */
    snprintf(s.findings[0].id, SNAP_ID, "F7");
    snprintf(s.findings[1].id, SNAP_ID, "F9");
    snprintf(s.findings[1].explained_by, SNAP_ID, "F7");
    snprintf(s.findings[0].explains[0], SNAP_ID, "F9");
    s.findings[0].n_explains = 1;
    snprintf(s.findings[1].population, sizeof(s.findings[1].population), "users");
    s.findings[1].n_members = 412;
    s.findings[1].members_dropped = 3;
    s.findings[1].n_sample = 2;
    snprintf(s.findings[1].sample[0].name, 64, "1001%s", HOSTILE);
    s.findings[1].sample[0].count = 50;
    snprintf(s.findings[1].sample[1].name, 64, "1002");
    s.findings[1].sample[1].count = 7;
    s.n_diagnosis = 1;
    struct snap_diagnosis *d = &s.diagnosis[0];
    memset(d, 0, sizeof(*d));
    snprintf(d->trunk, sizeof(d->trunk), "PBX a -> trunk %s", HOSTILE);
    snprintf(d->role, sizeof(d->role), "trunk");
    d->root_cause = KIND_IP_REJECTED;
    d->severity = SEV_CRITICAL;
    snprintf(d->confidence, sizeof(d->confidence), "high");
    snprintf(d->summary, sizeof(d->summary), "the carrier refuses the source %s", HOSTILE);
    snprintf(d->finding, SNAP_ID, "F7");
    snprintf(d->explains[0], SNAP_ID, "F9");
    d->n_explains = 1;
    d->n_ruled_out = 2;
    snprintf(d->ruled_out[0].cause, 32, "password_mismatch");
    snprintf(d->ruled_out[0].why, SNAP_TEXT, "the digest matches --secrets %s", HOSTILE);
    snprintf(d->ruled_out[1].cause, 32, "no_response");
    snprintf(d->ruled_out[1].why, SNAP_TEXT, "frame 2 answers");
    snprintf(d->fix, sizeof(d->fix), "ask the carrier to allow 198.51.100.10");

    char *h = render(&s, &len);
    const char *sec = strstr(h, "<section id=\"diagnosis\">");
    const char *end = strstr(h, "<section id=\"findings\">");
    assert_non_null(sec);
    assert_non_null(end);
    char *diag = strndup(sec, (size_t)(end - sec));
    assert_non_null(strstr(diag, "id=\"dg1\" class=\"card sev-critical rootcause\""));
    assert_non_null(strstr(diag, "trunk: PBX a -&gt; trunk &quot;&gt;&lt;script&gt;"));
    assert_non_null(strstr(diag, "the carrier refuses the source &quot;&gt;&lt;script"));
    assert_non_null(strstr(diag, "ip_rejected (<a href=\"#f1\">F7</a>)"));
    assert_non_null(strstr(diag, "<dt>confidence</dt><dd>high</dd>"));
    assert_non_null(strstr(diag, "<dt>explains</dt><dd><a href=\"#f2\">F9</a></dd>"));
    assert_non_null(strstr(diag, "<li><b>password_mismatch</b>: the digest matches --secrets "
                                 "&quot;&gt;&lt;script&gt;"));
    assert_non_null(strstr(diag, "<li><b>no_response</b>: frame 2 answers</li>"));
    assert_non_null(strstr(diag, "ask the carrier to allow 198.51.100.10"));
    /* the root cause's evidence frames, linked to its evidence table */
    assert_non_null(strstr(diag, "<a href=\"#f1-e0\">frame 2</a>"));
    /* the fallback (peer verdicts) is not shown when there is a diagnosis */
    assert_null(strstr(diag, "verdict &quot;"));
    free(diag);
    /* findings: ids, causal links, the population */
    assert_non_null(strstr(h, "<dt>explained by</dt><dd><a href=\"#f1\">F7</a></dd>"));
    assert_non_null(strstr(h, "412 users (and 3 more a budget could not count)"));
    assert_non_null(strstr(h, "1001&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(h, "1002 (7) and 410 more"));
    assert_null(strcasestr(h, "<script"));
    free(h);

    /* no diagnosis: the peers' verdicts and the top findings */
    s.n_diagnosis = 0;
    h = render(&s, &len);
    assert_non_null(strstr(h, "<li class=\"verdict\">verdict &quot;&gt;"));
    assert_null(strstr(h, "id=\"dg1\""));
    free(h);
    snapshot_free(&s);
}

/* The Markdown ticket carries the text ladder of each evidence dialog
 * once, as an indented block (nothing in it can end the block), at most
 * MD_MAX_LADDERS of them, the rest counted. */
static void test_markdown_ladders(void **state)
{
    (void)state;
    struct snapshot s;
    size_t len;

    assert_int_equal(snapshot_init(&s, 8, 4, 16, 32, 4096, 4), 0);
    fill(&s, 12, 12, NULL);
    /* a second citation of dialog 0 draws nothing more */
    s.findings[0].evidence[s.findings[0].n_evidence++] = s.findings[0].evidence[0];
    char *m = render_md(&s, &len);
    const char *cf = strstr(m, "## Call flows\n");
    assert_non_null(cf);
    assert_true(cf < strstr(m, "## Peers"));
    assert_non_null(strstr(cf, "Evidence of finding 1 (auth\\_rejected), frame 2:\n\n"
                               "    Call flow: INVITE  Call-ID 0\"><script>"));
    assert_non_null(strstr(cf, "\n    22:13:20.000002  2   "));
    assert_non_null(strstr(cf, "failing answer"));
    size_t n = 0;
    for (const char *p = cf; (p = strstr(p, "    Call flow: ")) != NULL; p++)
        n++;
    assert_int_equal(n, 8);
    assert_non_null(strstr(cf, "4 more evidence dialog(s) not drawn (limit 8)"));
    /* every line of a ladder is indented: none starts a Markdown construct */
    const char *stop = strstr(cf, "4 more evidence");
    for (const char *p = cf + strlen("## Call flows\n\n"); p < stop;) {
        const char *e = strchr(p, '\n');
        assert_true(e == p || strncmp(p, "Evidence of finding ", 20) == 0 ||
                    strncmp(p, "    ", 4) == 0);
        p = e + 1;
    }
    free(m);
    snapshot_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_hostile_page),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_diagnosis),
        cmocka_unit_test(test_markdown_ladders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
