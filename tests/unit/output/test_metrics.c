/*
 * test_metrics.c — the Prometheus textfile (src/metrics.c): every line
 * follows the text exposition format 0.0.4 (HELP/TYPE once per name and
 * before its samples, metric and label names from [a-zA-Z_:][a-zA-Z0-9_:]*,
 * label values escaped, one sample per line), counts add up, the peer
 * labels are bounded (top N + "other"), and the file is replaced
 * atomically (no temporary left behind). The live tests also run
 * `promtool check metrics` on a real file when promtool is installed.
 */
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "output/metrics.h"
#include "snapshot.h"

static struct snapshot s;

static void build(size_t npeers)
{
    snapshot_free(&s);
    assert_int_equal(snapshot_init(&s, 8, npeers, 0, 0, 0, 8), 0);
    s.run.packets = 1000;
    s.run.sip_messages = 900;
    s.run.ring_drops = 3;
    s.evictions = 2;
    for (size_t i = 0; i < npeers; i++) {
        struct snap_peer *p = &s.peers[s.n_peers++];
        char ip[32];
        snprintf(ip, sizeof(ip), "198.51.100.%zu", i + 1);
        assert_true(addr_parse(ip, strlen(ip), &p->local.ip));
        assert_true(addr_parse("203.0.113.5", 11, &p->remote.ip));
        p->local.port = p->remote.port = 5060;
        p->key = 100 + i;
        p->requests[SIP_INVITE] = 10 * (i + 1);     /* the last peers are the busiest */
        p->requests[SIP_OPTIONS] = 1;
        p->answers[2] = i;
        p->auth_failed = 1;
        snprintf(p->keepalive, sizeof(p->keepalive), "%s", i % 2 ? "up" : "down");
    }
    /* A name with characters that must be escaped in a label value. */
    snprintf(s.counters[s.n_counters].name, sizeof(s.counters[0].name),
             "engine.we\"ird\\.evicted");
    s.counters[s.n_counters++].value = 4;
    struct snap_finding *f = &s.findings[s.n_findings++];
    snprintf(f->kind, sizeof(f->kind), "auth_rejected");
    f->severity = SEV_ERROR;
    f->count = 5;
    f->peer_key = 100 + npeers - 1;     /* the busiest peer */
    f = &s.findings[s.n_findings++];
    snprintf(f->kind, sizeof(f->kind), "auth_rejected");
    f->severity = SEV_ERROR;
    f->count = 2;
    f->peer_key = 100;                  /* the quietest: under "other" */
    s.findings_by_severity[SEV_ERROR] = 2;
}

static char *render(size_t top)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(metrics_render(f, &s, top, 1795600000000000LL), 0);
    fclose(f);
    return buf;
}

static bool name_ok(const char *p, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
            return false;
    return true;
}

/* Check the exposition format; returns the number of samples. */
static size_t check_format(const char *text)
{
    char typed[64][80];
    size_t ntyped = 0, samples = 0;
    const char *line = text;

    while (*line) {
        const char *end = strchr(line, '\n');
        size_t n;
        assert_non_null(end);       /* every line ends with \n */
        n = (size_t)(end - line);
        if (strncmp(line, "# HELP ", 7) == 0) {
            /* next line must be TYPE of the same name */
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            const char *nm = line + 7, *sp = memchr(nm, ' ', n - 7);
            assert_non_null(sp);
            assert_true(name_ok(nm, (size_t)(sp - nm)));
            assert_true(strncmp(sp + 1, "counter\n", 8) == 0 || strncmp(sp + 1, "gauge\n", 6) == 0);
            for (size_t i = 0; i < ntyped; i++)     /* TYPE once per name */
                assert_false(strlen(typed[i]) == (size_t)(sp - nm) &&
                             strncmp(typed[i], nm, (size_t)(sp - nm)) == 0);
            assert_true(ntyped < 64);
            snprintf(typed[ntyped++], sizeof(typed[0]), "%.*s", (int)(sp - nm), nm);
        } else {
            const char *p = line, *q;
            size_t nl;
            assert_true(line[0] != '#');
            for (q = p; q < end && *q != '{' && *q != ' '; q++)
                ;
            nl = (size_t)(q - p);
            assert_true(name_ok(p, nl));
            /* samples belong to the last TYPEd name */
            assert_true(ntyped > 0);
            assert_int_equal(strlen(typed[ntyped - 1]), nl);
            assert_memory_equal(typed[ntyped - 1], p, nl);
            if (*q == '{') {
                q++;
                while (*q != '}') {
                    const char *eq = strchr(q, '=');
                    assert_non_null(eq);
                    assert_true(eq < end);
                    assert_true(name_ok(q, (size_t)(eq - q)));
                    assert_int_equal(eq[1], '"');
                    q = eq + 2;
                    while (*q != '"') {
                        assert_true(q < end);
                        if (*q == '\\') {
                            assert_true(q[1] == '\\' || q[1] == '"' || q[1] == 'n');
                            q++;
                        }
                        q++;
                    }
                    q++;
                    if (*q == ',')
                        q++;
                    else
                        assert_int_equal(*q, '}');
                }
                q++;
            }
            assert_int_equal(*q, ' ');
            {
                char *e;
                strtod(q + 1, &e);
                assert_ptr_equal(e, end);   /* one number, nothing after */
            }
            samples++;
        }
        line = end + 1;
    }
    return samples;
}

/* Value of the first sample line that starts with prefix, or -1. */
static double value_of(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while ((p = strstr(p, prefix)) != NULL) {
        if (p == text || p[-1] == '\n')
            return strtod(strchr(p, ' ') + 1, NULL);
        p += n;
    }
    return -1;
}

static size_t count_lines(const char *text, const char *needle)
{
    size_t c = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        c++;
    return c;
}

static void test_format_and_values(void **st)
{
    (void)st;
    build(3);
    char *t = render(20);

    assert_true(check_format(t) > 20);
    assert_int_equal(value_of(t, "sipscope_packets_total "), 1000);
    assert_int_equal(value_of(t, "sipscope_drops_total{stage=\"ring\"}"), 3);
    assert_int_equal(
        value_of(t, "sipscope_requests_total{peer=\"198.51.100.3:5060->203.0.113.5:5060\","
                    "method=\"INVITE\"}"), 30);
    assert_int_equal(
        value_of(t, "sipscope_peer_keepalive_up{peer=\"198.51.100.2:5060->203.0.113.5:5060\"}"),
        1);
    assert_int_equal(
        value_of(t, "sipscope_peer_keepalive_up{peer=\"198.51.100.1:5060->203.0.113.5:5060\"}"),
        0);
    assert_int_equal(value_of(t, "sipscope_findings{kind=\"auth_rejected\",severity=\"error\"}"),
                     2);
    assert_int_equal(value_of(t, "sipscope_auth_failures_total{peer=\"198.51.100.3:5060->"
                                 "203.0.113.5:5060\",kind=\"auth_rejected\"}"), 5);
    /* The escaped counter name. */
    assert_non_null(strstr(t, "table=\"engine.we\\\"ird\\\\.evicted\"} 4\n"));
    assert_int_equal(count_lines(t, "peer=\"other\""), 0);
    free(t);
}

static void test_top_n(void **st)
{
    (void)st;
    build(50);
    char *t = render(5);
    double other, sum = 0;

    check_format(t);
    /* 5 labelled peers + other, for a metric every peer has. */
    assert_int_equal(count_lines(t, "sipscope_requests_total{peer=") - 0, 12);
    /* The busiest are the ones labelled. */
    assert_true(value_of(t, "sipscope_requests_total{peer=\"198.51.100.50:5060->"
                            "203.0.113.5:5060\",method=\"INVITE\"}") == 500);
    assert_true(value_of(t, "sipscope_requests_total{peer=\"198.51.100.1:5060->") < 0);
    /* Nothing lost in the aggregation: other = sum of the 45 quietest. */
    other = value_of(t, "sipscope_requests_total{peer=\"other\",method=\"INVITE\"}");
    for (int i = 1; i <= 45; i++)
        sum += 10 * i;
    assert_true(other == sum);
    assert_int_equal(value_of(t, "sipscope_auth_failures_total{peer=\"other\","
                                 "kind=\"auth_rejected\"}"), 2);
    /* Keep-alive per peer only for labelled ones; totals for all. */
    assert_int_equal(count_lines(t, "sipscope_peer_keepalive_up{"), 5);
    assert_int_equal(value_of(t, "sipscope_peers_keepalive{state=\"up\"}"), 25);
    free(t);
}

static void test_atomic_write(void **st)
{
    (void)st;
    char path[64], tmp[96], eb[256];
    struct stat sb;

    snprintf(path, sizeof(path), "/tmp/h10-metrics-%ld.prom", (long)getpid());
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    build(2);
    assert_int_equal(metrics_write(path, &s, 20, 1, eb), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    assert_int_not_equal(stat(tmp, &sb), 0);
    assert_int_equal(metrics_write(path, &s, 20, 2, eb), 0);
    assert_int_not_equal(stat(tmp, &sb), 0);
    unlink(path);
    /* A directory that does not exist: an error naming the file, no crash. */
    assert_int_equal(metrics_write("/nonexistent-h10/x.prom", &s, 20, 1, eb), ERR_IO);
    assert_non_null(strstr(eb, "/nonexistent-h10/x.prom"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_values),
        cmocka_unit_test(test_top_n),
        cmocka_unit_test(test_atomic_write),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    snapshot_free(&s);
    return rc;
}
