/*
 * test_report_agents.c — the --hep-in agents (run_info.agents) where the
 * report is read: the text, Markdown and HTML reports name each agent with
 * what it sent and what was refused, the JSON report has the documented "agents" fields
 * (docs/json-schema.md), the metrics have a series per agent and the
 * receiver's refusals by reason; and without agents nothing of it shows.
 */
#include <json-c/json.h>
#include <string.h>

#include "testutil.h"

#include "output/metrics.h"
#include "output/report.h"
#include "snapshot.h"

static struct snapshot s;

static void fill(void)
{
    struct run_agent *a = &s.run.agents[0], *b = &s.run.agents[1];

    assert_int_equal(snapshot_init(&s, 1, 1, 1, 1, 1, 4), 0);
    s.run.source = "192.0.2.1:9060, tcp:192.0.2.1:9061";
    s.run.live = true;
    s.run.n_agents = 2;
    s.run.agents_evicted = 3;
    a->capid = 42;
    assert_true(addr_parse("192.0.2.7", 9, &a->ip));
    a->transport = TRANSPORT_TCP;
    a->packets = 16;
    a->bytes = 8453;
    a->first_us = 1795600000000000LL;
    a->last_us = 1795600010000000LL;
    a->last_ok_us = 1795600010000000LL;
    b->capid = 44;
    assert_true(addr_parse("2001:db8::5", 11, &b->ip));
    b->transport = TRANSPORT_UDP;
    b->refused = 16;
    b->malformed = 2;
    b->first_us = b->last_us = 1795600005000000LL;
    strcpy(s.counters[0].name, "hep_in.refused.bad_key");
    s.counters[0].value = 16;
    strcpy(s.counters[1].name, "hep_in.refused.not_allowed");
    s.counters[1].value = 5;
    s.n_counters = 2;
}

static char *render(int (*fn)(FILE *, const struct snapshot *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(fn(f, &s), 0);
    fclose(f);
    return buf;
}

static int text(FILE *f, const struct snapshot *x) { return report_text(f, x, false); }
static int metrics(FILE *f, const struct snapshot *x)
{
    return metrics_render(f, x, 20, 1795600020000000LL);
}

static void test_text(void **state)
{
    char *t;

    (void)state;
    fill();
    t = render(text);
    assert_non_null(strstr(t, "HEP agents (2, most recent first)"));
    assert_non_null(strstr(t, "agent 42 at 192.0.2.7 over TCP: 16 records (8453 bytes), "
                              "0 malformed, 0 refused (key), 0 dropped"));
    assert_non_null(strstr(t, "agent 44 at 2001:db8::5 over UDP: 0 records (0 bytes), "
                              "2 malformed, 16 refused (key), 0 dropped"));
    assert_non_null(strstr(t, "3 agent(s) forgotten at the hep_agents cap"));
    free(t);
    s.run.n_agents = 0;
    t = render(text);
    assert_null(strstr(t, "HEP agents"));
    free(t);
    snapshot_free(&s);
}

static void test_json(void **state)
{
    char *t;
    json_object *root, *ag, *a, *v;

    (void)state;
    fill();
    t = render(report_json);
    root = json_tokener_parse(t);
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "agents", &ag));
    assert_int_equal(json_object_array_length(ag), 2);
    a = json_object_array_get_idx(ag, 1);
    assert_true(json_object_object_get_ex(a, "capture_id", &v));
    assert_int_equal(json_object_get_int(v), 44);
    assert_true(json_object_object_get_ex(a, "address", &v));
    assert_string_equal(json_object_get_string(v), "2001:db8::5");
    assert_true(json_object_object_get_ex(a, "transport", &v));
    assert_string_equal(json_object_get_string(v), "UDP");
    assert_true(json_object_object_get_ex(a, "refused", &v));
    assert_int_equal(json_object_get_int(v), 16);
    assert_true(json_object_object_get_ex(a, "malformed", &v));
    assert_int_equal(json_object_get_int(v), 2);
    assert_true(json_object_object_get_ex(a, "last_seen", &v));
    assert_true(json_object_get_double(v) > 1795600004.9);
    assert_true(json_object_object_get_ex(root, "agents_evicted", &v));
    assert_int_equal(json_object_get_int(v), 3);
    json_object_put(root);
    free(t);
    snapshot_free(&s);
}

static void test_metrics(void **state)
{
    char *t;

    (void)state;
    fill();
    t = render(metrics);
    assert_non_null(strstr(t, "sipscope_hep_agents 2\n"));
    assert_non_null(strstr(t, "sipscope_hep_agent_records_total{agent=\"42@192.0.2.7\","
                              "result=\"admitted\"} 16\n"));
    assert_non_null(strstr(t, "sipscope_hep_agent_records_total{agent=\"44@2001:db8::5\","
                              "result=\"refused\"} 16\n"));
    assert_non_null(strstr(t, "sipscope_hep_agent_last_seen_timestamp_seconds"
                              "{agent=\"42@192.0.2.7\"} 1795600010.000\n"));
    assert_non_null(strstr(t, "sipscope_hep_agent_last_admitted_timestamp_seconds"
                              "{agent=\"42@192.0.2.7\"} 1795600010.000\n"));
    /* agent 44 had every record refused: no admitted time */
    assert_null(strstr(t, "sipscope_hep_agent_last_admitted_timestamp_seconds"
                          "{agent=\"44@"));
    assert_non_null(strstr(t, "sipscope_hep_refused_total{reason=\"bad_key\"} 16\n"));
    assert_non_null(strstr(t, "sipscope_hep_refused_total{reason=\"not_allowed\"} 5\n"));
    free(t);
    s.run.n_agents = 0;
    t = render(metrics);
    assert_null(strstr(t, "sipscope_hep_"));
    free(t);
    snapshot_free(&s);
}

static void test_markdown_html(void **state)
{
    char *t;

    (void)state;
    fill();
    t = render(report_markdown);
    assert_non_null(strstr(t, "## HEP agents (2, most recent first)"));
    assert_non_null(strstr(t, "| 42 | 192.0.2.7 | TCP | 16 | 8453 | 0 | 0 | 0 | "
                              "2026-11-25 09:46:40.000000 | 2026-11-25 09:46:50.000000 | "
                              "2026-11-25 09:46:50.000000 |"));
    assert_non_null(strstr(t, "| 44 | 2001:db8::5 | UDP | 0 | 0 | 2 | 16 | 0 | "));
    assert_non_null(strstr(t, "| - |\n"));     /* 44: nothing admitted */
    assert_non_null(strstr(t, "3 agent(s) forgotten at the hep_agents cap"));
    free(t);
    t = render(report_html);
    assert_non_null(strstr(t, "<h2>HEP agents (2)</h2>"));
    assert_non_null(strstr(t, "<td class=\"mono\">192.0.2.7</td><td>TCP</td><td class=\"n\">16"
                              "</td><td class=\"n\">8453</td>"));
    assert_non_null(strstr(t, "<tr class=\"sev-warning\"><td class=\"n\">44</td>"
                              "<td class=\"mono\">2001:db8::5</td>"));
    assert_non_null(strstr(t, "3 agent(s) forgotten at the hep_agents cap"));
    free(t);
    s.run.n_agents = 0;
    t = render(report_markdown);
    assert_null(strstr(t, "HEP agents"));
    free(t);
    t = render(report_html);
    assert_null(strstr(t, "HEP agents"));
    free(t);
    snapshot_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_markdown_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
