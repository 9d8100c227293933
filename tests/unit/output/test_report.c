/*
 * test_report.c — the reports (src/report*.c) and the --evidence writer
 * (src/evidence.c) on a snapshot the engine made from real SIP text: the
 * verdict comes first, colour only when asked, the JSON parses (json-c)
 * and has the documented fields (docs/json-schema.md), Markdown escapes
 * table cells, the exit status follows severities, and the evidence pcapng
 * holds exactly the cited frames, each commented with its input frame
 * number and finding, refusing to overwrite or follow links; with two
 * inputs it follows the merged order and names each frame's own file.
 */
#include <json-c/json.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include "testutil.h"

#include "engine_testlib.h"
#include "util/err.h"
#include "output/evidence.h"
#include "diagnosis/diagnosis.h"

#define RURI "sip:+15550100@" TRUNK

static struct tl t;

static int setup(void **state)
{
    (void)state;
    if (tl_open(&t) != 0)
        return -1;
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKr1", "a1@x", 1, "1001", "");
    tl_resp(&t, PBX, 407, "Proxy Authentication Required", "INVITE", "z9hG4bKr1", "a1@x", 1,
            PROXY_CH);
    tl_req(&t, PBX, "ACK", RURI, "z9hG4bKr1", "a1@x", 1, "1001", "");
    tl_req(&t, PBX, "INVITE", RURI, "z9hG4bKr2", "a1@x", 2, "1001",
           CRED("Proxy-Authorization", "1001", "n1", RURI));
    tl_resp(&t, PBX, 403, "Forbidden | odd", "INVITE", "z9hG4bKr2", "a1@x", 2,
            "X-Twilio-Error: 32202 Bad user credentials\n");
    tl_finish(&t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tl_close(&t);
    return 0;
}

static char *render(enum report_format fmt, bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(report_write(f, fmt, &t.snap, color), 0);
    fclose(f);
    return buf;
}

static void test_text(void **state)
{
    char *txt = render(REPORT_TEXT, false), *col;
    const char *verdict, *findings, *peers, *run;
    (void)state;

    verdict = strstr(txt, "Verdict\n  Trunk " TRUNK ": every request with credentials");
    findings = strstr(txt, "Findings (0 critical, 1 error");
    peers = strstr(txt, "Peers\n");
    run = strstr(txt, "Run\n");
    assert_non_null(verdict);
    assert_non_null(findings);
    assert_non_null(peers);
    assert_non_null(run);
    assert_true(verdict < findings && findings < peers && peers < run);
    assert_non_null(strstr(txt, "frame 5"));
    assert_non_null(strstr(txt, "X-Twilio-Error: 32202"));
    assert_non_null(strstr(txt, "auth: 0 accepted, 1 refused (0% success)"));
    assert_null(strchr(txt, '\033'));
    col = render(REPORT_TEXT, true);
    assert_non_null(strchr(col, '\033'));
    free(txt);
    free(col);
}

static void test_json(void **state)
{
    char *txt = render(REPORT_JSON, false);
    json_object *root = json_tokener_parse(txt), *v, *f, *ev, *e0, *p;
    (void)state;

    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "version", &v));
    assert_int_equal(json_object_get_int(v), 1);
    assert_true(json_object_object_get_ex(root, "stats", &v));
    assert_true(json_object_object_get_ex(v, "packets", NULL));
    assert_true(json_object_object_get_ex(v, "evictions", NULL));
    assert_true(json_object_object_get_ex(v, "kernel_drops", NULL));
    assert_true(json_object_object_get_ex(root, "peers", &v));
    assert_int_equal(json_object_array_length(v), 1);
    p = json_object_array_get_idx(v, 0);
    assert_true(json_object_object_get_ex(p, "auth_success_rate", &v));
    assert_int_equal(json_object_get_int(v), 0);
    assert_true(json_object_object_get_ex(p, "requests", &v));
    assert_true(json_object_object_get_ex(v, "INVITE", &v));
    assert_int_equal(json_object_get_int(v), 2);
    assert_true(json_object_object_get_ex(root, "findings", &v));
    assert_int_equal(json_object_array_length(v), 1);
    f = json_object_array_get_idx(v, 0);
    assert_true(json_object_object_get_ex(f, "kind", &v));
    assert_string_equal(json_object_get_string(v), "auth_rejected");
    assert_true(json_object_object_get_ex(f, "severity", &v));
    assert_string_equal(json_object_get_string(v), "error");
    assert_true(json_object_object_get_ex(f, "evidence", &ev));
    e0 = json_object_array_get_idx(ev, 0);
    assert_true(json_object_object_get_ex(e0, "frame", &v));
    assert_int_equal(json_object_get_int(v), 1);
    assert_true(json_object_object_get_ex(e0, "time", &v));
    assert_true(json_object_get_double(v) > 1.6e9);
    assert_true(json_object_object_get_ex(e0, "role", &v));
    assert_string_equal(json_object_get_string(v), "request");
    /* the odd reason phrase with a '|' survived as data, not as syntax */
    assert_non_null(strstr(txt, "Forbidden | odd"));
    json_object_put(root);
    free(txt);
}

/* The "peers" array is written by report_json itself, not by json-c: the
 * document must be what json-c writes for the same tree (parsed and
 * written again with report_json's flags it is unchanged), escapes
 * included, and a time is json-c's double ("%.17g", ".0" when integral). */
static void test_json_peers_as_json_c(void **state)
{
    struct snapshot s = t.snap;
    struct snap_peer pe[3];
    char *txt, want[160];
    json_object *root, *d;
    const char *again;
    (void)state;

    assert_true(t.snap.n_peers >= 1);
    memset(pe, 0, sizeof(pe));
    pe[0] = t.snap.peers[0];
    snprintf(pe[0].name, sizeof(pe[0].name), "q\"b\\s/t\tn\nr\rb\bf\fc\001\037 \xc3\xa9 end");
    snprintf(pe[0].geo, sizeof(pe[0].geo), "US AS14618 \"Amazon\"");
    pe[0].site_id = 4000000000u;
    pe[0].first_fail_us = 1700000000000000;     /* integral: "1700000000.0" */
    pe[0].last_fail_us = 1700000000123456;
    snprintf(pe[1].name, sizeof(pe[1].name), "empty");
    snprintf(pe[1].role, sizeof(pe[1].role), "none");
    snprintf(pe[1].keepalive, sizeof(pe[1].keepalive), "-");
    pe[1].answers[0] = UINT64_MAX;
    pe[1].auth_failed = 3;                      /* a rate of 0 */
    pe[2] = pe[1];
    pe[2].auth_failed = 0;                      /* no rate: null */
    pe[2].local.port = 65535;
    s.peers = pe;
    s.n_peers = 3;
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(report_write(f, REPORT_JSON, &s, false), 0);
        fclose(f);
        txt = buf;
    }
    root = json_tokener_parse(txt);
    assert_non_null(root);
    again = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
    assert_non_null(again);
    assert_int_equal(strlen(txt), strlen(again) + 1);
    assert_memory_equal(txt, again, strlen(again));
    assert_non_null(strstr(txt, "\"name\":\"q\\\"b\\\\s/t\\tn\\nr\\rb\\bf\\fc\\u0001\\u001f "
                                "\xc3\xa9 end\""));
    d = json_object_new_double(1700000000.123456);
    snprintf(want, sizeof(want), "\"last_failure_epoch\":%s",
             json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    assert_non_null(strstr(txt, want));
    assert_non_null(strstr(txt, "\"first_failure_epoch\":1700000000.0,"));
    assert_non_null(strstr(txt, "\"site_id\":4000000000,"));
    assert_non_null(strstr(txt, "\"unanswered\":18446744073709551615,"));
    assert_non_null(strstr(txt, "\"auth_success_rate\":0,"));
    assert_non_null(strstr(txt, "\"auth_success_rate\":null,"));
    assert_non_null(strstr(txt, "\"requests\":{\n      },"));
    json_object_put(root);
    free(txt);
}

static void test_markdown(void **state)
{
    char *txt = render(REPORT_MARKDOWN, false);
    (void)state;

    assert_non_null(strstr(txt, "# SIP trunk diagnosis"));
    assert_non_null(strstr(txt, "## Verdict"));
    assert_non_null(strstr(txt, "| frame | time (UTC) | role | message |"));
    assert_non_null(strstr(txt, "Forbidden \\| odd"));
    /* in a table cell a '|' is escaped; in the call flows' indented code
     * block (text, no table syntax) it stays as the wire had it */
    char *flows = strstr(txt, "## Call flows\n");
    assert_non_null(flows);
    *flows = '\0';
    assert_null(strstr(txt, "Forbidden | odd"));
    assert_non_null(strstr(flows + 1, "\n    Call flow: "));
    free(txt);
}

static void test_exit_status(void **state)
{
    struct snapshot s;
    (void)state;

    assert_int_equal(report_exit_status(&t.snap), 1);
    assert_int_equal(snapshot_init(&s, 4, 1, 1, 1, 1, 1), 0);
    assert_int_equal(report_exit_status(&s), 0);
    s.findings[0].severity = SEV_INFO;
    s.n_findings = 1;
    s.findings_by_severity[SEV_INFO] = 1;
    assert_int_equal(report_exit_status(&s), 0);
    s.findings[0].severity = SEV_WARNING;
    s.findings_by_severity[SEV_WARNING] = 1;
    assert_int_equal(report_exit_status(&s), 1);
    snapshot_free(&s);
}

static size_t count_lines(const char *txt)
{
    size_t n = 0;
    for (; *txt; txt++)
        n += *txt == '\n';
    return n;
}

static char *render_as(const struct snapshot *s, enum report_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(report_write(f, fmt, s, false), 0);
    fclose(f);
    return buf;
}

static char *render_snap(const struct snapshot *s)
{
    return render_as(s, REPORT_TEXT);
}

/* Issue 14: a busy capture's default text report stays within 200 lines
 * (the differential of the first root causes, fewer findings, peers and
 * calls; each cut counted), opens with "analysis incomplete" when a table
 * evicted, and --full gives everything. */
static void test_text_budget(void **state)
{
    struct snapshot s;
    char *txt;
    (void)state;

    assert_int_equal(snapshot_init(&s, 64, 40, 1, 1, 1, 4), 0);
    s.run.source = "busy";
    s.n_diagnosis = SNAP_MAX_DIAGNOSIS;
    for (size_t i = 0; i < s.n_diagnosis; i++) {
        struct snap_diagnosis *d = &s.diagnosis[i];
        d->root_cause = KIND_AUTH_REJECTED;
        d->severity = SEV_ERROR;
        snprintf(d->trunk, sizeof(d->trunk), "phone 192.0.2.%zu -> PBX 203.0.113.5", i);
        snprintf(d->summary, sizeof(d->summary), "root cause %zu", i);
        snprintf(d->finding, sizeof(d->finding), "F%u", (unsigned)(i + 1) % 1000);
        d->n_ruled_out = SNAP_MAX_RULED_OUT;
        for (uint32_t k = 0; k < d->n_ruled_out; k++) {
            snprintf(d->ruled_out[k].cause, sizeof(d->ruled_out[k].cause), "cause%u", k);
            snprintf(d->ruled_out[k].why, sizeof(d->ruled_out[k].why), "ruled out because %u", k);
        }
    }
    s.n_findings = 60;
    for (size_t i = 0; i < s.n_findings; i++) {
        struct snap_finding *x = &s.findings[i];
        snprintf(x->kind, sizeof(x->kind), "auth_rejected");
        snprintf(x->id, sizeof(x->id), "F%u", (unsigned)(i + 1) % 1000);
        snprintf(x->summary, sizeof(x->summary), "finding number %zu", i + 1);
        x->severity = SEV_ERROR;
        x->n_evidence = 10;
        for (uint32_t k = 0; k < x->n_evidence; k++)
            x->evidence[k].frame = k + 1;
        x->n_causes = 3;
        x->n_fix = 3;
    }
    s.findings_by_severity[SEV_ERROR] = s.n_findings;
    s.n_peers = 40;
    for (size_t i = 0; i < s.n_peers; i++) {
        snprintf(s.peers[i].name, sizeof(s.peers[i].name), "phone 198.51.100.%zu", i);
        s.peers[i].auth_failed = 1;
    }
    s.evictions = 5;
    s.n_counters = 1;
    snprintf(s.counters[0].name, sizeof(s.counters[0].name), "engine.dialogs.evicted");
    s.counters[0].value = 5;

    txt = render_snap(&s);
    assert_true(count_lines(txt) <= 200);
    assert_non_null(strstr(txt, "\n\nanalysis incomplete: 5 dialogs evicted"));
    assert_true(strstr(txt, "analysis incomplete") < strstr(txt, "Diagnosis"));
    assert_non_null(strstr(txt, "-v or --report json"));
    assert_null(strstr(txt, "finding number 60\n"));
    free(txt);
    /* every format says so first: Markdown and HTML above their diagnosis,
     * JSON in stats.incomplete */
    txt = render_as(&s, REPORT_MARKDOWN);
    assert_non_null(strstr(txt, "> **analysis incomplete: 5 dialogs evicted"));
    assert_true(strstr(txt, "analysis incomplete") < strstr(txt, "## Diagnosis"));
    free(txt);
    txt = render_as(&s, REPORT_HTML);
    assert_non_null(strstr(txt, "<p class=\"card sev-warning\" id=\"incomplete\">analysis "
                                "incomplete: 5 dialogs evicted"));
    assert_true(strstr(txt, "id=\"incomplete\"") < strstr(txt, "<h2>Diagnosis</h2>"));
    free(txt);
    txt = render_as(&s, REPORT_JSON);
    assert_non_null(strstr(txt, "\"incomplete\":\"analysis incomplete: 5 dialogs evicted"));
    free(txt);

    s.run.report_full = true;
    txt = render_snap(&s);
    assert_true(count_lines(txt) > 200);
    assert_non_null(strstr(txt, "60. [ERROR] auth_rejected: finding number 60\n"));
    assert_non_null(strstr(txt, "phone 198.51.100.39"));
    free(txt);

    /* nothing evicted: no such line */
    s.evictions = 0;
    s.counters[0].value = 0;
    txt = render_snap(&s);
    assert_null(strstr(txt, "analysis incomplete"));
    free(txt);

    /* a full string table refused text (it reads as ""): lost too */
    snprintf(s.counters[0].name, sizeof(s.counters[0].name), "engine.strings.refused");
    s.counters[0].value = 7;
    txt = render_snap(&s);
    assert_non_null(strstr(txt, "\n\nanalysis incomplete: 7 strings refused: raise --mem\n"));
    free(txt);
    /* HEP output that could not be sent is not the analysis's, and RTP
     * heuristics refuse well-known ports on purpose */
    snprintf(s.counters[0].name, sizeof(s.counters[0].name), "hep_out.dropped");
    txt = render_snap(&s);
    assert_null(strstr(txt, "analysis incomplete"));
    free(txt);
    snprintf(s.counters[0].name, sizeof(s.counters[0].name), "media.heuristic.refused");
    txt = render_snap(&s);
    assert_null(strstr(txt, "analysis incomplete"));
    free(txt);
    snapshot_free(&s);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 16);
    if (f == NULL || buf == NULL) {
        if (f != NULL)
            fclose(f);
        free(buf);
        return NULL;
    }
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void test_evidence_pcap(void **state)
{
    char in[] = "/tmp/sipscope-h5-inXXXXXX", out[64], link[80], errbuf[ERRBUF_SIZE];
    char eb[PCAP_ERRBUF_SIZE], cmt[160];
    size_t blen;
    uint64_t frames[64];
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535), *rd;
    pcap_dumper_t *d;
    struct pcap_pkthdr h = { .caplen = 60, .len = 60 };
    struct pcap_pkthdr *rh;
    const u_char *data;
    u_char pkt[60];
    int fd = mkstemp(in), n = 0;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    d = pcap_dump_open(dead, in);
    assert_non_null(d);
    for (int i = 1; i <= 8; i++) {
        memset(pkt, i, sizeof(pkt));
        h.ts.tv_sec = 1700000000 + i;
        pcap_dump((u_char *)d, &h, pkt);
    }
    pcap_dump_close(d);
    pcap_close(dead);

    /* the snapshot cites frames 1, 2, 4, 5 */
    assert_int_equal(evidence_frames(&t.snap, frames, 64), 4);
    assert_int_equal(frames[0], 1);
    assert_int_equal(frames[3], 5);
    snprintf(out, sizeof(out), "%s.evidence.pcap", in);
    unlink(out);
    const char *inputs[] = { in, in };
    assert_int_equal(evidence_write(&t.snap, inputs, 1, -1, out, errbuf), 4);
    rd = pcap_open_offline(out, eb);
    assert_non_null(rd);
    while (pcap_next_ex(rd, &rh, &data) == 1) {
        static const u_char want[] = { 1, 2, 4, 5 };
        assert_true(n < 4);
        assert_int_equal(data[0], want[n]);
        n++;
    }
    pcap_close(rd);
    assert_int_equal(n, 4);
    assert_int_equal(access(out, F_OK), 0);
    /* pcapng with each packet's comment: its input frame and the finding */
    char *bytes = slurp(out, &blen);
    assert_non_null(bytes);
    assert_int_equal(memcmp(bytes, "\x0a\x0d\x0d\x0a", 4), 0);
    snprintf(cmt, sizeof(cmt), "sipscope evidence: frame 4 of %s; ", in);
    assert_non_null(memmem(bytes, blen, cmt, strlen(cmt)));
    assert_non_null(memmem(bytes, blen, t.snap.findings[0].kind,
                           strlen(t.snap.findings[0].kind)));
    free(bytes);
    unlink(out);
    /* the same file twice: merged by time (a tie goes to the file given
     * last, as in mergecap), so merged frames 1..16 are file frames
     * 1,1,2,2,...; frame 4 is a copy of file frame 2 */
    assert_int_equal(evidence_write(&t.snap, inputs, 2, -1, out, errbuf), 4);
    bytes = slurp(out, &blen);
    assert_non_null(bytes);
    snprintf(cmt, sizeof(cmt), "frame 2 of %s (frame 4 of the merged input)", in);
    assert_non_null(memmem(bytes, blen, cmt, strlen(cmt)));
    snprintf(cmt, sizeof(cmt), "frame 3 of %s (frame 5 of the merged input)", in);
    assert_non_null(memmem(bytes, blen, cmt, strlen(cmt)));
    free(bytes);
    unlink(out);
    /* one finding only */
    assert_true(evidence_write(&t.snap, inputs, 1, 0, out, errbuf) > 0);
    unlink(out);
    assert_int_equal(evidence_write(&t.snap, inputs, 1, 0, out, errbuf),
                     (int)t.snap.findings[0].n_evidence);
    /* no input to read again (live, stdin): the kept SIP messages as
     * exported PDUs (link type 252) that say what they are */
    size_t not_kept = 9;
    unlink(out);
    int kn = evidence_write_kept(&t.snap, -1, out, &not_kept, errbuf);
    assert_int_equal(kn, 4);     /* the 4 cited frames, one message each */
    assert_int_equal(not_kept, 0);
    bytes = slurp(out, &blen);
    assert_non_null(bytes);
    uint32_t shb_len;
    memcpy(&shb_len, bytes + 4, 4);
    assert_int_equal((unsigned char)bytes[shb_len + 8], 252);   /* the IDB's link type */
    assert_non_null(memmem(bytes, blen, "\x00\x0c\x00\x04sip\x00", 8));
    assert_non_null(memmem(bytes, blen, "its link, IP and transport headers were not kept", 48));
    assert_non_null(memmem(bytes, blen, "INVITE " RURI, strlen("INVITE " RURI)));
    free(bytes);
    assert_int_equal(evidence_write_kept(&t.snap, -1, out, &not_kept, errbuf), ERR_IO);

    /* never overwrite, never follow a symlink */
    assert_int_equal(evidence_write(&t.snap, inputs, 1, -1, out, errbuf), ERR_IO);
    snprintf(link, sizeof(link), "%s.link", in);
    unlink(link);
    assert_int_equal(symlink("/tmp/sipscope-h5-nonexistent-target", link), 0);
    assert_int_equal(evidence_write(&t.snap, inputs, 1, -1, link, errbuf), ERR_IO);
    assert_int_equal(access("/tmp/sipscope-h5-nonexistent-target", F_OK), -1);
    unlink(link);
    unlink(out);
    unlink(in);
}

/* With the diagnosis run (as main does before the final report), Markdown
 * and text lead with it: root cause, confidence, evidence frames, the
 * differential and the fix; a peer with nothing of its own (role none) is
 * left out of the text and Markdown peer lists and kept in the JSON, with
 * its role and reason. */
static void test_diagnosis_first(void **state)
{
    struct snap_peer *idle;
    char *md, *txt, *js;
    const char *d, *fd;
    (void)state;

    assert_true(t.snap.n_peers < t.snap.cap_peers);
    idle = &t.snap.peers[t.snap.n_peers++];
    memset(idle, 0, sizeof(*idle));
    idle->key = 424242;
    assert_true(addr_parse("192.0.2.99", 10, &idle->local.ip));
    assert_true(addr_parse("192.0.2.98", 10, &idle->remote.ip));
    idle->local.port = idle->remote.port = 5060;
    diagnosis_run(&t.snap);
    assert_true(t.snap.n_diagnosis >= 1);
    assert_string_equal(idle->role, "none");
    assert_non_null(strstr(idle->name, "192.0.2.99"));

    md = render(REPORT_MARKDOWN, false);
    d = strstr(md, "\n## Diagnosis\n");
    fd = strstr(md, "\n## Findings\n");
    assert_non_null(d);
    assert_non_null(fd);
    assert_true(d < fd);
    assert_null(strstr(md, "## Verdict"));
    assert_non_null(strstr(d, "### Root cause 1: auth_rejected on trunk PBX " PBX " -\\> trunk "
                              TRUNK));
    assert_non_null(strstr(d, "- Severity: error, confidence: "));
    assert_non_null(strstr(d, "- Root finding: F1"));
    assert_non_null(strstr(d, "- Evidence frames: 1, 2, 4, 5\n"));
    assert_non_null(strstr(d, "| ip\\_acl | ruled out because " TRUNK " challenged"));
    assert_non_null(strstr(d, "\nFix: "));
    assert_non_null(strstr(fd, "- Id: F1\n"));
    assert_null(strstr(md, "192.0.2.99"));
    assert_non_null(strstr(md, "1 peer(s) with no request and no answer of their own are not "
                               "listed"));
    txt = render(REPORT_TEXT, false);
    assert_non_null(strstr(txt, "Diagnosis (1 root cause(s), most important first)\n"
                                "  1. [ERROR] auth_rejected on trunk: "));
    assert_non_null(strstr(txt, "     evidence frames 1 2 4 5\n"));
    assert_null(strstr(txt, "192.0.2.99"));
    assert_non_null(strstr(txt, "1 peer(s) with no request and no answer of their own not "
                                "listed"));
    js = render(REPORT_JSON, false);
    assert_non_null(strstr(js, "192.0.2.99"));
    assert_non_null(strstr(js, "\"role\":\"none\""));
    assert_non_null(strstr(js, "\"role_reason\":\"sent no request and no answer"));
    free(md);
    free(txt);
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_peers_as_json_c),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_text_budget),
        cmocka_unit_test(test_evidence_pcap),
        cmocka_unit_test(test_diagnosis_first),     /* last: it runs the diagnosis */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
