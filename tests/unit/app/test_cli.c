/*
 * test_cli.c — command-line parsing (src/cli.c): defaults, the tcpdump-like
 * filter forms, repeatable options, numbers and their limits, and every
 * usage error being refused with a one-line message: conflicting flags
 * named both, a second capture file merged (never taken for a filter), --evidence
 * only with a file it can read again, --cap listing the valid names.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
                           "--config", "c", "--verify-parse",
                           "--no-tui", "--report", "json", "-q", "-v", "-v",
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
    assert_null(o.evidence_file);
    assert_true(o.verify_parse);
    assert_false(o.messages);
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

/* One refused command line: ERR_INVAL, one line, holding every want[]. */
static void refused(int argc, char **argv, const char *want1, const char *want2)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE] = "";
    int rc = cli_parse(&o, argc, argv, eb);
    cli_free(&o);
    if (rc != ERR_INVAL)
        fail_msg("%s ...: rc %d, want ERR_INVAL (%s)", argv[1], rc, eb);
    if (strstr(eb, want1) == NULL || (want2 != NULL && strstr(eb, want2) == NULL))
        fail_msg("'%s' lacks '%s' / '%s'", eb, want1, want2 != NULL ? want2 : "");
    assert_null(strchr(eb, '\n'));
}
#define REFUSED(w1, w2, ...) refused(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), w1, w2)

/* getopt keeps the last of two contradicting flags: each pair is an error
 * that names both. */
static void test_conflicts(void **state)
{
    (void)state;
    REFUSED("--tui", "--no-tui", "-r", "x", "--tui", "--no-tui");
    REFUSED("--tui", "--no-tui", "-r", "x", "--no-tui", "--tui");
    REFUSED("--report json", "--messages", "-r", "x", "--report", "json", "--messages");
    REFUSED("--report text", "--messages", "-r", "x", "--messages", "--report", "text");
    REFUSED("--report html", "--ladder", "-r", "x", "--report", "html", "--ladder", "c1");
    REFUSED("--ladder", "--messages", "-r", "x", "--ladder", "c1", "--messages");
    REFUSED("--tui", "--messages", "-r", "x", "--tui", "--messages");
    REFUSED("--tui", "-w -", "-r", "x", "--tui", "-w", "-");
    REFUSED("--report json", "--report text", "-r", "x", "--report", "json", "--report", "text");
    REFUSED("-i eth0", "-i lo", "-i", "eth0", "-i", "lo");
    REFUSED("--tui", "monitoring", "-r", "x", "--tui", "--syslog");
    /* The same value twice is no conflict. */
    {
        struct cli_opts o;
        char eb[ERRBUF_SIZE];
        assert_int_equal(PARSE(&o, eb, "-r", "x", "--report", "json", "--report", "json"), 0);
        assert_int_equal(o.report, REPORT_JSON);
        cli_free(&o);
        assert_int_equal(PARSE(&o, eb, "-r", "x", "--messages", "--no-tui"), 0);
        assert_true(o.messages);
        cli_free(&o);
    }
}

/* `sipscope -r a.pcap b.pcap` once gave "filter 'b.pcap': can't parse"; then
 * it was refused with a mergecap hint. Now the files are merged, as
 * mergecap would: every form gives the list in the order given, and the
 * words that are not files are still the filter. */
static void test_several_files(void **state)
{
    char path[] = "/tmp/test_cli_XXXXXX";
    int fd = mkstemp(path);
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(PARSE(&o, eb, "-r", "a.pcap", path), 0);
    assert_int_equal(o.n_read_files, 2);
    assert_string_equal(o.read_files[0], "a.pcap");
    assert_string_equal(o.read_files[1], path);
    assert_string_equal(o.read_file, "a.pcap");
    assert_null(o.filter);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-r", "a.pcap", "udp", path, "port", "5060"), 0);
    assert_int_equal(o.n_read_files, 2);
    assert_string_equal(o.filter, "udp port 5060");
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "-r", "a.pcap", "-r", "b.pcap", "-r", "c.pcap"), 0);
    assert_int_equal(o.n_read_files, 3);
    assert_string_equal(o.read_files[2], "c.pcap");
    assert_null(o.read_files[3]);
    cli_free(&o);
    REFUSED("read with -r", path, path);
    /* a second file that does not exist is not a filter word either */
    REFUSED("nosuch-sipscope.pcapng", "no such capture file", "-r", path,
            "nosuch-sipscope.pcapng");
    REFUSED("-r -", "cannot be merged", "-r", "-", path);
    REFUSED("-r a.pcap", "given twice", "-r", "a.pcap", "-r", "a.pcap");
    REFUSED("-w b.pcap", "the same file as -r", "-r", "a.pcap", "-r", "b.pcap", "-w", "b.pcap");
    REFUSED("--evidence b.pcap", "the same file as -r", "-r", "a.pcap", "-r", "b.pcap",
            "--evidence", "b.pcap");
    /* Words that are not files are still the filter. */
    assert_int_equal(PARSE(&o, eb, "-r", path, "udp", "port", "5060"), 0);
    assert_string_equal(o.filter, "udp port 5060");
    assert_int_equal(o.n_read_files, 1);
    cli_free(&o);
    unlink(path);
}

/* --evidence copies frames from the input at the end: only a file works. */
static void test_evidence_input(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    REFUSED("--evidence e", "standard input", "-r", "-", "--evidence", "e");
    REFUSED("--evidence e", "live capture", "-i", "eth0", "--evidence", "e");
    REFUSED("--evidence e", "live capture", "--hep-in", "9060", "--evidence", "e");
    REFUSED("--evidence x", "same file as -r", "-r", "x", "--evidence", "x");
    REFUSED("--evidence", "empty", "-r", "x", "--evidence", "");
    assert_int_equal(PARSE(&o, eb, "-r", "x", "--evidence", "e"), 0);
    assert_string_equal(o.evidence_file, "e");
    cli_free(&o);
}

static void test_list_and_caps(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(PARSE(&o, eb, "-D"), 0);
    assert_int_equal(o.action, CLI_LIST_IFACES);
    cli_free(&o);
    /* --cap with an unknown name lists every valid one, first to last. */
    REFUSED("--cap foo", "valid names: ring_bytes, snaplen", "-r", "x", "--cap", "foo=1");
    REFUSED("unknown limit", "messages_kept", "-r", "x", "--cap", "foo=1");
}

/* --hep-quiet and the --cap hep_* limits the command line set are marked, so
 * --config [hep_in] fills only the others (main.c); --config alone may name
 * the listeners. */
static void test_hep_limits_given(void **state)
{
    struct cli_opts o;
    char eb[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(PARSE(&o, eb, "--hep-in", "9060", "--hep-quiet", "45", "--cap",
                           "hep_conns=5"), 0);
    assert_int_equal(o.caps.hep_quiet_ms, 45000);
    assert_int_equal(o.caps.hep_conns, 5);
    assert_true(o.hep_cap_given[CONFIG_HEP_QUIET_MS]);
    assert_true(o.hep_cap_given[CONFIG_HEP_CONNS]);
    assert_false(o.hep_cap_given[CONFIG_HEP_IDLE_MS]);
    assert_false(o.hep_cap_given[CONFIG_HEP_AGENTS]);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "--hep-in", "9060", "--hep-quiet", "0"), 0);
    assert_int_equal(o.caps.hep_quiet_ms, 0);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "--hep-in", "9060", "--hep-quiet", "soon"), ERR_INVAL);
    assert_non_null(strstr(eb, "--hep-quiet soon"));
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "--hep-in", "9060", "--hep-quiet", "604801"), ERR_INVAL);
    cli_free(&o);
    /* no input but --config: [hep_in] listen may name it (main.c says if not) */
    assert_int_equal(PARSE(&o, eb, "--config", "c.ini", "--hep-allow", "192.0.2.0/24"), 0);
    assert_null(o.hep_in);
    cli_free(&o);
    assert_int_equal(PARSE(&o, eb, "--no-tui"), ERR_INVAL);
    assert_non_null(strstr(eb, "nothing to read"));
    cli_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_filter_forms),
        cmocka_unit_test(test_repeatable_and_long),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_several_files),
        cmocka_unit_test(test_evidence_input),
        cmocka_unit_test(test_list_and_caps),
        cmocka_unit_test(test_hep_limits_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
