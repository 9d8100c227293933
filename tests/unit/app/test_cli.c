/*
 * test_cli.c — command-line parsing (src/cli.c): defaults, the tcpdump-like
 * filter forms, repeatable options, numbers and their limits, and every
 * usage error being refused with a one-line message.
 */
#include "testutil.h"

#include <string.h>

#include "app/cli.h"
#include "util/err.h"

#define ARGV(...) ((char *[]){ "sipscope", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "sipscope", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, eb, ...) cli_parse(o, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), eb)

static void test_defaults(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(PARSE(&o, eb, "-r", "x.pcap"), 0);
    assert_int_equal(o.action, CLI_RUN);
    assert_string_equal(o.read_file, "x.pcap");
    assert_null(o.iface);
    assert_null(o.filter);
    assert_true(o.promisc);
    assert_int_equal(o.count, 0);
    assert_int_equal(o.report, REPORT_TEXT);
    assert_int_equal(o.tui, CLI_TUI_AUTO);
    assert_int_equal(o.caps.snaplen, 262144);
    assert_null(o.profile_dirs[0]);
    assert_null(o.geoip_files[0]);
    cli_free(&o);
}

static void test_filter_forms(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    /* Trailing words joined; options may follow them (GNU permutation). */
    assert_int_equal(PARSE(&o, eb, "-r", "x", "udp", "and", "port", "5060", "-c", "3"), 0);
    assert_string_equal(o.filter, "udp and port 5060");
    assert_int_equal(o.count, 3);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-i", "eth0", "-f", "host 192.0.2.1", "-p"), 0);
    assert_string_equal(o.filter, "host 192.0.2.1");
    assert_string_equal(o.iface, "eth0");
    assert_false(o.promisc);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-r", "x", "-f", "udp", "tcp"), ERR_INVAL);
    assert_non_null(strstr(eb, "both"));
    cli_free(&o);
}

static void test_repeatable_and_long(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(PARSE(&o, eb, "-r", "-", "--profiles", "a", "--geoip", "g1",
                           "--profiles", "b", "--geoip", "g2", "--secrets", "s",
                           "--config", "c", "--evidence", "e", "--verify-parse",
                           "--messages", "--no-tui", "--report", "json", "-q", "-v", "-v",
                           "-n", "-Z", "nobody", "-w", "out.pcap"), 0);
    assert_string_equal(o.read_file, "-");
    assert_int_equal(o.n_profile_dirs, 2);
    assert_string_equal(o.profile_dirs[0], "a");
    assert_string_equal(o.profile_dirs[1], "b");
    assert_null(o.profile_dirs[2]);
    assert_int_equal(o.n_geoip_files, 2);
    assert_string_equal(o.geoip_files[1], "g2");
    assert_null(o.geoip_files[2]);
    assert_string_equal(o.secrets_file, "s");
    assert_string_equal(o.config_file, "c");
    assert_string_equal(o.evidence_file, "e");
    assert_true(o.verify_parse);
    assert_true(o.messages);
    assert_int_equal(o.tui, CLI_TUI_OFF);
    assert_int_equal(o.report, REPORT_JSON);
    assert_true(o.quiet);
    assert_int_equal(o.verbose, 2);
    assert_true(o.no_resolve);
    assert_string_equal(o.user, "nobody");
    assert_string_equal(o.write_file, "out.pcap");
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "--help"), 0);
    assert_int_equal(o.action, CLI_HELP);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-V"), 0);
    assert_int_equal(o.action, CLI_VERSION);
    cli_free(&o);
}

static void test_numbers(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(PARSE(&o, eb, "-r", "x", "-s", "0", "-B", "4096"), 0);
    assert_int_equal(o.caps.snaplen, 262144);   /* 0 = default, as tcpdump */
    assert_int_equal(o.buffer_bytes, 4096 * 1024);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-r", "x", "-s", "1500", "--cap", "dialogs=10"), 0);
    assert_int_equal(o.caps.snaplen, 1500);
    assert_int_equal(o.caps.dialogs, 10);
    cli_free(&o);
    /* The ring must hold two records of the snaplen: a small ring needs -s. */
    assert_int_equal(PARSE(&o, eb, "-r", "x", "--cap", "ring_bytes=65536"), ERR_INVAL);
    assert_non_null(strstr(eb, "too small"));
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-r", "x", "--cap", "ring_bytes=65536", "-s", "1500"), 0);
    cli_free(&o);
}

static void test_usage_errors(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    static const char *const want[] = {
        "give -r FILE or -i IFACE", "exclusive", "unknown option -x",
        "unknown option '--nope'", "missing argument for option -c", "-c 0", "-c 12x",
        "-c -1", "-s 262145", "-B 0", "--report yaml", "unknown limit", "power of two",
        "empty file name", "-Z: empty",
    };
    int rc[15];
    char msgs[15][ERRBUF_SIZE];
    int i = 0;
#define BAD(...) do { rc[i] = PARSE(&o, eb, __VA_ARGS__); \
        memcpy(msgs[i], eb, sizeof(eb)); cli_free(&o); i++; } while (0)
    BAD("-n");
    BAD("-r", "x", "-i", "y");
    BAD("-x", "-r", "x");
    BAD("--nope", "-r", "x");
    BAD("-r", "x", "-c");
    BAD("-r", "x", "-c", "0");
    BAD("-r", "x", "-c", "12x");
    BAD("-r", "x", "-c", "-1");
    BAD("-r", "x", "-s", "262145");
    BAD("-r", "x", "-B", "0");
    BAD("-r", "x", "--report", "yaml");
    BAD("-r", "x", "--cap", "nosuch=1");
    BAD("-r", "x", "--cap", "ring_bytes=1000000");
    BAD("-r", "");
    BAD("-r", "x", "-Z", "");
#undef BAD
    for (int k = 0; k < i; k++) {
        assert_int_equal(rc[k], ERR_INVAL);
        if (strstr(msgs[k], want[k]) == NULL)
            fail_msg("case %d: '%s' lacks '%s'", k, msgs[k], want[k]);
        assert_null(strchr(msgs[k], '\n'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_filter_forms),
        cmocka_unit_test(test_repeatable_and_long),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
