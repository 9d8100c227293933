/*
 * cli.c — command-line parsing (see cli.h; docs/sipscope.1 is the spec).
 *
 * Place: main thread, at start-up, before any capture. Like tcpdump, a BPF
 * filter is either -f 'EXPR' or the arguments left after the options
 * (joined with spaces); GNU getopt permutes, so options may also follow
 * the filter words. Usage errors are one line: getopt's own messages are
 * turned off (opterr = 0) and replaced.
 *
 * Structure: one handler per concern (input, output, monitoring, analysis)
 * takes the options of its concern; then one check per concern looks at
 * the options together. getopt keeps the last of two contradicting flags,
 * so the handlers record what was seen and the checks name both flags of
 * a conflict (docs/sipscope.1, "Conflicting options").
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "capture/ring.h"

enum {
    OPT_REPORT = 256,
    OPT_MESSAGES,
    OPT_TUI,
    OPT_NO_TUI,
    OPT_CAP,
    OPT_SECRETS,
    OPT_TLS_KEYLOG,
    OPT_CONFIG,
    OPT_PROFILES,
    OPT_GEOIP,
    OPT_EVIDENCE,
    OPT_VERIFY_PARSE,
    OPT_ALERTS,
    OPT_SYSLOG,
    OPT_METRICS,
    OPT_METRICS_PEERS,
    OPT_REPORT_FILE,
    OPT_HEP_OUT,
    OPT_HEP_ID,
    OPT_HEP_IN,
    OPT_LADDER,
    OPT_HEP_ALLOW,
    OPT_HEP_KEY_FILE,
    OPT_HEP_TLS_CERT,
    OPT_HEP_TLS_KEY,
    OPT_HEP_TLS_CA,
    OPT_RTP_HEURISTIC,
    OPT_FULL,
    OPT_MEM,
    OPT_HEP_QUIET,
};

static const char short_opts[] = ":r:i:w:f:c:s:B:Z:pnqvhVD";

static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "report", required_argument, NULL, OPT_REPORT },
    { "messages", no_argument, NULL, OPT_MESSAGES },
    { "tui", no_argument, NULL, OPT_TUI },
    { "no-tui", no_argument, NULL, OPT_NO_TUI },
    { "cap", required_argument, NULL, OPT_CAP },
    { "secrets", required_argument, NULL, OPT_SECRETS },
    { "tls-keylog", required_argument, NULL, OPT_TLS_KEYLOG },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "profiles", required_argument, NULL, OPT_PROFILES },
    { "geoip", required_argument, NULL, OPT_GEOIP },
    { "evidence", required_argument, NULL, OPT_EVIDENCE },
    { "verify-parse", no_argument, NULL, OPT_VERIFY_PARSE },
    { "rtp-heuristic", no_argument, NULL, OPT_RTP_HEURISTIC },
    { "alerts", required_argument, NULL, OPT_ALERTS },
    { "syslog", no_argument, NULL, OPT_SYSLOG },
    { "metrics", required_argument, NULL, OPT_METRICS },
    { "metrics-peers", required_argument, NULL, OPT_METRICS_PEERS },
    { "report-file", required_argument, NULL, OPT_REPORT_FILE },
    { "hep-out", required_argument, NULL, OPT_HEP_OUT },
    { "hep-id", required_argument, NULL, OPT_HEP_ID },
    { "hep-in", required_argument, NULL, OPT_HEP_IN },
    { "ladder", required_argument, NULL, OPT_LADDER },
    { "hep-allow", required_argument, NULL, OPT_HEP_ALLOW },
    { "hep-key-file", required_argument, NULL, OPT_HEP_KEY_FILE },
    { "hep-tls-cert", required_argument, NULL, OPT_HEP_TLS_CERT },
    { "hep-tls-key", required_argument, NULL, OPT_HEP_TLS_KEY },
    { "hep-tls-ca", required_argument, NULL, OPT_HEP_TLS_CA },
    { "full", no_argument, NULL, OPT_FULL },
    { "mem", required_argument, NULL, OPT_MEM },
    { "hep-quiet", required_argument, NULL, OPT_HEP_QUIET },
    { NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
    fputs(
"Usage: sipscope [options] -r FILE [FILE ...]|-i IFACE|--hep-in PORT [BPF filter ...]\n"
"Passive SIP trunk analyser: why does a trunk answer 401/403/407, or not at all?\n"
"\n"
"Input:\n"
"  -r FILE              read a pcap or pcapng file (\"-\" = standard input); several\n"
"                       (-r A -r B, or -r A B) are merged by time as mergecap does\n"
"  -i IFACE             capture live on IFACE\n"
"  -f EXPR              BPF capture filter (or give it after the options)\n"
"  -c N                 stop after N packets (that pass the filter)\n"
"  -s SNAPLEN           bytes kept per packet (default 262144; 0 = default)\n"
"  -B KIB               live: kernel capture buffer size in KiB\n"
"  -p                   live: do not put the interface in promiscuous mode\n"
"  -w FILE              also write the captured packets to a new pcap FILE\n"
"                       (mode 0600; an existing file is refused; \"-\" = stdout)\n"
"  -Z USER              drop privileges to USER once the capture is open\n"
"  -n                   accepted for tcpdump habits (nothing is ever resolved)\n"
"  -D                   list the interfaces -i can capture on, then exit\n"
"  --hep-in [udp:|tcp:|tls:][ADDR:]PORT  receive HEP from capture agents instead\n"
"                       (repeatable; a bare PORT is loopback only, 0.0.0.0:PORT all)\n"
"\n"
"HEP receiver (with --hep-in; see docs/monitoring.md):\n"
"  --hep-allow CIDR,... only these agent networks may send (repeatable)\n"
"  --hep-key-file FILE  the HEP authentication key agents must send (first line)\n"
"  --hep-tls-cert FILE  tls: listener certificate (PEM)\n"
"  --hep-tls-key FILE   tls: listener private key (PEM)\n"
"  --hep-tls-ca FILE    tls: require client certificates signed by this CA (PEM)\n"
"  --hep-quiet SECONDS  an agent that sent and then nothing this long is a finding,\n"
"                       hep_agent_quiet (default 300; 0: off)\n"
"\n"
"Output:\n"
"  --report FORMAT      text (default), json, markdown or html\n"
"  --ladder CALL-ID     the call flow of one dialog as a text ladder instead\n"
"  --messages           one tab-separated line per SIP message instead\n"
"  --tui, --no-tui      force the live dashboard on or off (--tui needs a terminal)\n"
"  --evidence FILE      write the frames behind the findings to a new pcapng FILE,\n"
"                       each commented with its input frame number and finding\n"
"                       (needs -r FILE: they are copied from it at the end)\n"
"  -q                   quieter: no informational lines on stderr\n"
"  --full               the whole text report, beyond its ~200-line budget\n"
"  -v                   more detail on stderr (every named counter), and --full\n"
"\n"
"Monitoring (see docs/monitoring.md; no dashboard, no report unless asked):\n"
"  --alerts FILE        one JSON line per new/escalated/recovered finding (\"-\" = stdout)\n"
"  --syslog             the same events to syslog (facility daemon)\n"
"  --metrics FILE       Prometheus textfile, rewritten atomically every 5 s\n"
"  --metrics-peers N    peers with their own label (default 20; the rest \"other\")\n"
"  --report-file FILE   where SIGUSR1 and the end write the report (default stderr/stdout)\n"
"  --hep-out [tcp:]ADDR:PORT  send every SIP message as HEPv3 (UDP by default)\n"
"  --hep-id N           HEP capture-agent id (default 0)\n"
"\n"
"Analysis:\n"
"  --mem SIZE           memory budget of the analysis tables (default 320M)\n"
"  --cap NAME=VALUE     change one limit (ring_bytes, snaplen, dialogs, ...); a table\n"
"                       cap given here overrides its share of --mem\n"
"  --secrets FILE       known passwords, to tell a wrong password from others\n"
"  --tls-keylog FILE    TLS secrets (SSLKEYLOGFILE format): decrypt SIP over TLS\n"
"  --config FILE        configuration file\n"
"  --profiles DIR       provider profiles directory (repeatable)\n"
"  --geoip FILE         MaxMind database (repeatable)\n"
"  --verify-parse       cross-check the SIP parser on every message\n"
"  --rtp-heuristic      also measure RTP on ports no SDP announced (apart)\n"
"\n"
"  -h, --help           this help;  -V, --version  version\n"
"\n"
"Exit status: 0 nothing of severity warning or worse found, 1 findings,\n"
"2 usage or runtime error. See sipscope(1).\n", f);
}

/* Decimal in [min, max]; false on anything else. */
static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Append to a NULL-terminated list that has room for argc entries. */
static void list_add(const char **list, size_t *n, const char *v)
{
    list[(*n)++] = v;
    list[*n] = NULL;
}

static int join_filter(struct cli_opts *o, int argc, char **argv, int first, char *errbuf)
{
    size_t len = 0;
    char *p;

    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    o->filter_buf = malloc(len + 1);
    if (o->filter_buf == NULL) {
        err_set(errbuf, "out of memory");
        return ERR_NOMEM;
    }
    p = o->filter_buf;
    for (int i = first; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (i > first)
            *p++ = ' ';
        memcpy(p, argv[i], l);
        p += l;
    }
    *p = '\0';
    o->filter = o->filter_buf;
    return 0;
}

static int opt_error(char *errbuf, int c, char **argv, const char *what)
{
    if (c == '?' || c == ':') {
        /* optopt is 0 for an unknown long option: name it from argv. */
        const char *arg = argv[optind - 1];
        if (optopt != 0 && optopt < 256)
            err_set(errbuf, "%s option -%c (see sipscope --help)", what, optopt);
        else
            err_set(errbuf, "%s option '%s' (see sipscope --help)", what, arg);
    }
    return ERR_INVAL;
}

/* The --cap names, for the error that rejects an unknown one. */
#define CAP_NAME(name, def, doc) ", " #name
static const char cap_names[] = CAPS_FIELDS(CAP_NAME);
#undef CAP_NAME

/*
 * What was given, beyond the value kept: last-wins getopt parsing would
 * silently drop one of two conflicting flags, so each handler records the
 * flag it saw and the checks below refuse the pairs that contradict.
 */
struct seen {
    bool tui_on, tui_off, report, second_iface;
    const char *report_arg, *other_iface;
};

/* "--hep-key-file" for an option's code, for messages. */
static const char *argv_name(int c)
{
    static char buf[40];

    for (const struct option *l = long_opts; l->name != NULL; l++) {
        if (l->val == c) {
            snprintf(buf, sizeof(buf), "--%s", l->name);
            return buf;
        }
    }
    return "option";
}

/* Option handlers by concern: each returns 0 when it took option c,
 * NOT_MINE when c belongs to another concern, or ERR_INVAL with errbuf. */
#define NOT_MINE 1

/* Input: where packets come from and what is kept of them. */
static int opt_input(struct cli_opts *o, struct seen *s, int c, const char *arg, char *errbuf)
{
    uint64_t v;

    switch (c) {
    case 'r':
        list_add(o->read_files, &o->n_read_files, arg);
        o->read_file = o->read_files[0];
        return 0;
    case 'i':
        if (o->iface != NULL && !s->second_iface) {
            s->second_iface = true;
            s->other_iface = o->iface;
        }
        o->iface = arg;
        return 0;
    case 'f':
        o->filter = arg;
        return 0;
    case 'c':
        if (!parse_u64(arg, 1, UINT64_MAX, &o->count)) {
            err_set(errbuf, "-c %s: expected a positive number of packets", arg);
            return ERR_INVAL;
        }
        return 0;
    case 's':
        if (!parse_u64(arg, 0, 262144, &v)) {
            err_set(errbuf, "-s %s: expected a snapshot length from 0 to 262144", arg);
            return ERR_INVAL;
        }
        o->caps.snaplen = v == 0 ? 262144 : v;
        return 0;
    case 'B':
        if (!parse_u64(arg, 1, 1u << 21, &v)) {
            err_set(errbuf, "-B %s: expected a buffer size in KiB from 1 to 2097152", arg);
            return ERR_INVAL;
        }
        o->buffer_bytes = v * 1024;
        return 0;
    case 'p':
        o->promisc = false;
        return 0;
    case 'w':
        o->write_file = arg;
        return 0;
    case 'Z':
        if (arg[0] == '\0') {
            err_set(errbuf, "-Z: empty user name");
            return ERR_INVAL;
        }
        o->user = arg;
        return 0;
    case 'n':
        o->no_resolve = true;
        return 0;
    }
    return NOT_MINE;
}

/* The HEP receiver: listeners and who may send to them. */
static int opt_hep(struct cli_opts *o, struct seen *s, int c, const char *arg, char *errbuf)
{
    char eb[ERRBUF_SIZE];
    const char **file = NULL;

    (void)s;
    switch (c) {
    case OPT_HEP_IN:
        if (hep_in_check_spec(arg, errbuf) != 0)
            return ERR_INVAL;
        if (o->n_hep_listen == HEP_IN_LISTEN_MAX) {
            err_set(errbuf, "--hep-in %s: at most %d listeners", arg, HEP_IN_LISTEN_MAX);
            return ERR_INVAL;
        }
        o->hep_listen[o->n_hep_listen++] = arg;
        if (o->hep_in == NULL)
            o->hep_in = arg;
        return 0;
    case OPT_HEP_ALLOW:
        if (cidr_list_parse(&o->hep_allow, arg, eb) != 0) {
            err_set(errbuf, "--hep-allow %s: %s", arg, eb);
            return ERR_INVAL;
        }
        return 0;
    case OPT_HEP_KEY_FILE: file = &o->hep_key_file; break;
    case OPT_HEP_TLS_CERT: file = &o->hep_tls_cert; break;
    case OPT_HEP_TLS_KEY: file = &o->hep_tls_key; break;
    case OPT_HEP_TLS_CA: file = &o->hep_tls_ca; break;
    case OPT_HEP_QUIET: {
        uint64_t v;
        if (!parse_u64(arg, 0, 7 * 86400, &v)) {
            err_set(errbuf, "--hep-quiet %s: expected seconds from 0 (off) to 604800", arg);
            return ERR_INVAL;
        }
        o->caps.hep_quiet_ms = v * 1000;
        o->hep_cap_given[CONFIG_HEP_QUIET_MS] = true;
        return 0;
    }
    default:
        return NOT_MINE;
    }
    if (arg[0] == '\0') {
        err_set(errbuf, "%s: expected a file name", argv_name(c));
        return ERR_INVAL;
    }
    *file = arg;
    return 0;
}

/* Output: what goes to stdout and stderr, and in which form. */
static int opt_output(struct cli_opts *o, struct seen *s, int c, const char *arg, char *errbuf)
{
    enum report_format f;

    switch (c) {
    case OPT_FULL:
        o->full = true;
        return 0;
    case OPT_REPORT:
        if (report_format_parse(arg, &f) != 0) {
            err_set(errbuf, "--report %s: expected text, json, markdown or html", arg);
            return ERR_INVAL;
        }
        if (s->report && f != o->report) {
            err_set(errbuf, "--report %s and --report %s: give one format", s->report_arg, arg);
            return ERR_INVAL;
        }
        o->report = f;
        o->report_given = s->report = true;
        s->report_arg = arg;
        return 0;
    case OPT_LADDER:
        o->ladder = arg;
        return 0;
    case OPT_MESSAGES:
        o->messages = true;
        return 0;
    case OPT_TUI:
        o->tui = CLI_TUI_ON;
        s->tui_on = true;
        return 0;
    case OPT_NO_TUI:
        o->tui = CLI_TUI_OFF;
        s->tui_off = true;
        return 0;
    case OPT_EVIDENCE:
        if (arg[0] == '\0') {
            err_set(errbuf, "--evidence: empty file name");
            return ERR_INVAL;
        }
        o->evidence_file = arg;
        return 0;
    case 'q':
        o->quiet = true;
        return 0;
    case 'v':
        o->verbose++;
        return 0;
    }
    return NOT_MINE;
}

/* Monitoring: unattended runs (docs/monitoring.md). */
static int opt_monitoring(struct cli_opts *o, struct seen *s, int c, const char *arg,
                          char *errbuf)
{
    uint64_t v;

    switch (c) {
    case OPT_ALERTS:
        if (arg[0] == '\0') {
            err_set(errbuf, "--alerts: empty file name");
            return ERR_INVAL;
        }
        o->alerts_file = arg;
        return 0;
    case OPT_SYSLOG:
        o->syslog = true;
        return 0;
    case OPT_METRICS:
        if (arg[0] == '\0' || strcmp(arg, "-") == 0) {
            err_set(errbuf, "--metrics %s: expected a file name", arg);
            return ERR_INVAL;
        }
        o->metrics_file = arg;
        return 0;
    case OPT_METRICS_PEERS:
        if (!parse_u64(arg, 1, 1000, &o->metrics_peers)) {
            err_set(errbuf, "--metrics-peers %s: expected a number from 1 to 1000", arg);
            return ERR_INVAL;
        }
        return 0;
    case OPT_REPORT_FILE:
        if (arg[0] == '\0' || strcmp(arg, "-") == 0) {
            err_set(errbuf, "--report-file %s: expected a file name", arg);
            return ERR_INVAL;
        }
        o->report_file = arg;
        return 0;
    case OPT_HEP_OUT:
        o->hep_out = arg;
        return 0;
    case OPT_HEP_ID:
        if (!parse_u64(arg, 0, UINT32_MAX, &v)) {
            err_set(errbuf, "--hep-id %s: expected a number from 0 to 4294967295", arg);
            return ERR_INVAL;
        }
        o->hep_id = (uint32_t)v;
        return 0;
    }
    return NOT_MINE;
}

/* Analysis: limits and what the engine knows beyond the capture. */
static int opt_analysis(struct cli_opts *o, struct seen *s, int c, const char *arg,
                        char *errbuf)
{
    char eb[ERRBUF_SIZE];

    switch (c) {
    case OPT_MEM:
        if (caps_parse_size(arg, &o->caps.mem) != 0 || o->caps.mem < CAPS_MEM_MIN) {
            err_set(errbuf, "--mem %s: expected a size of at least %u MiB (e.g. 128M, 1G)", arg,
                    CAPS_MEM_MIN >> 20);
            return ERR_INVAL;
        }
        o->mem_given = true;
        return 0;
    case OPT_CAP:
        if (caps_set(&o->caps, arg, eb) != 0) {
            /* An unknown name: say which ones exist. */
            if (strstr(eb, "unknown limit") != NULL)
                err_set(errbuf, "%s; valid names: %s", eb, cap_names + 2);
            else
                err_set(errbuf, "%s", eb);
            return ERR_INVAL;
        }
        for (int i = 0; i < CONFIG_HEP_CAPS; i++) {
            const char *n = config_hep_cap_name(i);
            if (strncmp(arg, n, strlen(n)) == 0 && arg[strlen(n)] == '=')
                o->hep_cap_given[i] = true;
        }
        return 0;
    case OPT_SECRETS:
        o->secrets_file = arg;
        return 0;
    case OPT_TLS_KEYLOG:
        if (arg[0] == '\0') {
            err_set(errbuf, "--tls-keylog: expected a file name");
            return ERR_INVAL;
        }
        o->tls_keylog = arg;
        return 0;
    case OPT_CONFIG:
        o->config_file = arg;
        return 0;
    case OPT_PROFILES:
        list_add(o->profile_dirs, &o->n_profile_dirs, arg);
        return 0;
    case OPT_GEOIP:
        list_add(o->geoip_files, &o->n_geoip_files, arg);
        return 0;
    case OPT_VERIFY_PARSE:
        o->verify_parse = true;
        return 0;
    case OPT_RTP_HEURISTIC:
        o->rtp_heuristic = true;
        return 0;
    }
    return NOT_MINE;
}

typedef int (*opt_fn)(struct cli_opts *o, struct seen *s, int c, const char *arg,
                      char *errbuf);
static const opt_fn concerns[] = { opt_input, opt_hep, opt_output, opt_monitoring,
                                   opt_analysis };

/* A path that exists as a regular file (a capture given where a filter goes). */
static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A word named like a capture file: no BPF primitive ends so. */
static bool capture_name(const char *w)
{
    static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz" };
    size_t n = strlen(w);

    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcmp(w + n - e, ext[i]) == 0)
            return true;
    }
    return false;
}

/* The trailing words: files after -r FILE are more capture files to merge
 * (sipscope -r a.pcap b.pcap, as mergecap a.pcap b.pcap), the other words
 * the filter. A file without -r is refused: libpcap would only call it a
 * syntax error. getopt has moved every non-option to argv[optind..]. */
static int check_trailing(struct cli_opts *o, int argc, char **argv, char *errbuf)
{
    int w = optind;

    for (int i = optind; i < argc; i++) {
        if (!is_file(argv[i]) && capture_name(argv[i])) {
            /* a typo in a second file name would become a filter error */
            struct stat st;
            err_set(errbuf, "%s: no such capture file (%s)", argv[i],
                    stat(argv[i], &st) != 0 ? strerror(errno) : "not a regular file");
            return ERR_INVAL;
        }
        if (!is_file(argv[i])) {
            argv[w++] = argv[i];
            continue;
        }
        if (o->read_file == NULL) {
            err_set(errbuf, "%s: a capture file is read with -r (sipscope -r %s)", argv[i],
                    argv[i]);
            return ERR_INVAL;
        }
        list_add(o->read_files, &o->n_read_files, argv[i]);
    }
    if (optind < w) {
        if (o->filter != NULL) {
            err_set(errbuf, "a filter was given both with -f and as arguments ('%s')",
                    argv[optind]);
            return ERR_INVAL;
        }
        return join_filter(o, w, argv, optind, errbuf);
    }
    return 0;
}

static int check_input(struct cli_opts *o, const struct seen *s, char *errbuf)
{
    for (size_t i = 0; o->n_read_files > 1 && i < o->n_read_files; i++) {
        if (strcmp(o->read_files[i], "-") == 0) {
            err_set(errbuf, "-r -: standard input cannot be merged with other capture files");
            return ERR_INVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->read_files[i], o->read_files[j]) == 0) {
                err_set(errbuf, "-r %s: given twice (each frame would be read twice)",
                        o->read_files[i]);
                return ERR_INVAL;
            }
    }
    if (o->n_read_files > CLI_MAX_READ_FILES) {
        err_set(errbuf, "-r: %zu capture files; at most %d are merged at once (mergecap "
                "-w all.pcapng the rest first)", o->n_read_files, CLI_MAX_READ_FILES);
        return ERR_INVAL;
    }
    if (s->second_iface) {
        err_set(errbuf, "-i %s -i %s: one interface at a time (-i any captures on all)",
                s->other_iface, o->iface);
        return ERR_INVAL;
    }
    if (o->read_file != NULL && o->iface != NULL) {
        err_set(errbuf, "-r and -i are exclusive: read a file or capture live");
        return ERR_INVAL;
    }
    if (o->hep_in != NULL && (o->read_file != NULL || o->iface != NULL)) {
        err_set(errbuf, "--hep-in and %s are exclusive: one input at a time",
                o->read_file != NULL ? "-r" : "-i");
        return ERR_INVAL;
    }
    /* --config alone may name HEP listeners ([hep_in] listen; main.c checks) */
    if (o->read_file == NULL && o->iface == NULL && o->hep_in == NULL && o->config_file == NULL) {
        err_set(errbuf, "nothing to read: give -r FILE or -i IFACE (see sipscope --help)");
        return ERR_INVAL;
    }
    if (o->read_file != NULL && o->read_file[0] == '\0') {
        err_set(errbuf, "-r: empty file name");
        return ERR_INVAL;
    }
    if (o->iface != NULL && o->iface[0] == '\0') {
        err_set(errbuf, "-i: empty interface name");
        return ERR_INVAL;
    }
    if (o->write_file != NULL && o->write_file[0] == '\0') {
        err_set(errbuf, "-w: empty file name");
        return ERR_INVAL;
    }
    for (size_t i = 0; o->write_file != NULL && i < o->n_read_files; i++)
        if (strcmp(o->write_file, "-") != 0 && strcmp(o->write_file, o->read_files[i]) == 0) {
            err_set(errbuf, "-w %s: the same file as -r", o->write_file);
            return ERR_INVAL;
        }
    return 0;
}

/* Pairs of output flags of which getopt would silently keep one. */
static int check_output(struct cli_opts *o, const struct seen *s, char *errbuf)
{
    bool w_stdout = o->write_file != NULL && strcmp(o->write_file, "-") == 0;

    if (s->tui_on && s->tui_off) {
        err_set(errbuf, "--tui and --no-tui are exclusive");
        return ERR_INVAL;
    }
    if (o->ladder != NULL && o->messages) {
        err_set(errbuf, "--ladder and --messages are exclusive");
        return ERR_INVAL;
    }
    if (s->report && o->messages) {
        err_set(errbuf, "--report %s and --messages are exclusive: --messages prints one line "
                "per message instead of a report", s->report_arg);
        return ERR_INVAL;
    }
    if (s->report && o->ladder != NULL) {
        err_set(errbuf, "--report %s and --ladder are exclusive: --ladder prints one call "
                "flow instead of a report", s->report_arg);
        return ERR_INVAL;
    }
    if (s->tui_on && o->messages) {
        err_set(errbuf, "--tui and --messages are exclusive: the dashboard or one line per "
                "message");
        return ERR_INVAL;
    }
    if (s->tui_on && w_stdout) {
        err_set(errbuf, "--tui and -w - are exclusive: both want standard output");
        return ERR_INVAL;
    }
    /* --evidence copies the cited frames from the input file once the
     * analysis ends: a pipe or a live capture cannot be read again, and
     * the run would end with nothing written and nothing said. */
    if (o->evidence_file != NULL) {
        if (o->read_file == NULL) {
            err_set(errbuf, "--evidence %s: needs -r FILE: a live capture has no file to copy "
                    "the frames from (capture with -w FILE, then -r FILE --evidence)",
                    o->evidence_file);
            return ERR_INVAL;
        }
        if (strcmp(o->read_file, "-") == 0) {
            err_set(errbuf, "--evidence %s: needs -r FILE: standard input cannot be read "
                    "again to copy the frames (save it to a file first)", o->evidence_file);
            return ERR_INVAL;
        }
        for (size_t i = 0; i < o->n_read_files; i++)
            if (strcmp(o->evidence_file, o->read_files[i]) == 0) {
                err_set(errbuf, "--evidence %s: the same file as -r", o->evidence_file);
                return ERR_INVAL;
            }
        if (o->write_file != NULL && strcmp(o->evidence_file, o->write_file) == 0) {
            err_set(errbuf, "--evidence %s: the same file as -w", o->evidence_file);
            return ERR_INVAL;
        }
    }
    return 0;
}

static int check_monitoring(struct cli_opts *o, const struct seen *s, char *errbuf)
{
    bool mon = o->alerts_file != NULL || o->syslog || o->metrics_file != NULL ||
               o->report_file != NULL;

    if (mon && o->messages) {
        err_set(errbuf, "--messages and the monitoring flags (--alerts, --syslog, "
                        "--metrics, --report-file) are exclusive");
        return ERR_INVAL;
    }
    if (mon && o->tui == CLI_TUI_ON) {
        err_set(errbuf, "--tui and the monitoring flags (--alerts, --syslog, --metrics, "
                        "--report-file) are exclusive: a monitor runs without the dashboard");
        return ERR_INVAL;
    }
    if (o->alerts_file != NULL && strcmp(o->alerts_file, "-") == 0 &&
        o->write_file != NULL && strcmp(o->write_file, "-") == 0) {
        err_set(errbuf, "--alerts - and -w - both want standard output");
        return ERR_INVAL;
    }
    return 0;
}

/* The limits together: the ring must hold two records of the snaplen. */
static int check_analysis(struct cli_opts *o, const struct seen *s, char *errbuf)
{
    uint64_t rb = o->caps.ring_bytes;

    if (o->caps.snaplen > 262144) {
        err_set(errbuf, "snaplen %llu: at most 262144", (unsigned long long)o->caps.snaplen);
        return ERR_INVAL;
    }
    if (rb < RING_MIN_BYTES || rb > (1ull << 30) || (rb & (rb - 1)) != 0) {
        err_set(errbuf, "ring_bytes %llu: must be a power of two from %u to %llu",
                (unsigned long long)rb, RING_MIN_BYTES, 1ull << 30);
        return ERR_INVAL;
    }
    /* Two of the largest records at least, so capture and analysis overlap. */
    if (rb < 2 * ring_record_bytes(o->caps.snaplen)) {
        err_set(errbuf, "ring_bytes %llu: too small for snaplen %llu (need at least %llu)",
                (unsigned long long)rb, (unsigned long long)o->caps.snaplen,
                (unsigned long long)(2 * ring_record_bytes(o->caps.snaplen)));
        return ERR_INVAL;
    }
    return 0;
}

/* The HEP receiver's options need it, and a tls: listener its certificate. */
static int check_hep(struct cli_opts *o, const struct seen *s, char *errbuf)
{
    const int opts[] = { OPT_HEP_KEY_FILE, OPT_HEP_TLS_CERT, OPT_HEP_TLS_KEY, OPT_HEP_TLS_CA };
    const char *vals[] = { o->hep_key_file, o->hep_tls_cert, o->hep_tls_key, o->hep_tls_ca };
    bool tls = false;
    /* no input but --config: its [hep_in] may name the listeners (main.c) */
    bool hep_in = o->hep_in != NULL || (o->read_file == NULL && o->iface == NULL &&
                                        o->config_file != NULL);

    (void)s;
    for (size_t i = 0; i < o->n_hep_listen; i++)
        tls |= strncmp(o->hep_listen[i], "tls:", 4) == 0;
    if (o->hep_key_file != NULL && !hep_in && o->hep_out == NULL) {
        err_set(errbuf, "--hep-key-file needs --hep-in or --hep-out");
        return ERR_INVAL;
    }
    for (size_t i = 1; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (vals[i] != NULL && !hep_in) {
            err_set(errbuf, "%s needs --hep-in", argv_name(opts[i]));
            return ERR_INVAL;
        }
    }
    if (o->hep_allow.n > 0 && !hep_in) {
        err_set(errbuf, "--hep-allow needs --hep-in");
        return ERR_INVAL;
    }
    if (tls && (o->hep_tls_cert == NULL || o->hep_tls_key == NULL)) {
        err_set(errbuf, "--hep-in tls:...: needs --hep-tls-cert and --hep-tls-key");
        return ERR_INVAL;
    }
    if (!tls && o->hep_in != NULL &&
        (o->hep_tls_cert != NULL || o->hep_tls_key != NULL || o->hep_tls_ca != NULL)) {
        err_set(errbuf, "--hep-tls-cert, --hep-tls-key and --hep-tls-ca need a --hep-in "
                        "tls:ADDR:PORT listener");
        return ERR_INVAL;
    }
    return 0;
}

typedef int (*check_fn)(struct cli_opts *o, const struct seen *s, char *errbuf);
static const check_fn checks[] = { check_input, check_hep, check_output, check_monitoring,
                                   check_analysis };

int cli_parse(struct cli_opts *o, int argc, char **argv, char *errbuf)
{
    struct seen s;
    int c, rc;

    memset(o, 0, sizeof(*o));
    memset(&s, 0, sizeof(s));
    o->promisc = true;
    o->report = REPORT_TEXT;
    caps_default(&o->caps);
    o->profile_dirs = calloc((size_t)argc + 1, sizeof(*o->profile_dirs));
    o->geoip_files = calloc((size_t)argc + 1, sizeof(*o->geoip_files));
    o->read_files = calloc((size_t)argc + 1, sizeof(*o->read_files));
    if (o->profile_dirs == NULL || o->geoip_files == NULL || o->read_files == NULL) {
        err_set(errbuf, "out of memory");
        return ERR_NOMEM;
    }

    opterr = 0;
    optind = 0;     /* GNU: full re-initialisation (cli_parse may run again) */
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            o->action = CLI_HELP;
            return 0;
        case 'V':
            o->action = CLI_VERSION;
            return 0;
        case 'D':
            o->action = CLI_LIST_IFACES;
            return 0;
        case ':':
            return opt_error(errbuf, c, argv, "missing argument for");
        case '?':
            return opt_error(errbuf, c, argv, "unknown");
        }
        rc = NOT_MINE;
        for (size_t k = 0; k < sizeof(concerns) / sizeof(concerns[0]) && rc == NOT_MINE; k++)
            rc = concerns[k](o, &s, c, optarg, errbuf);
        if (rc == NOT_MINE)
            return opt_error(errbuf, '?', argv, "unknown");
        if (rc != 0)
            return rc;
    }

    caps_apply_mem(&o->caps);   /* after every --cap: those stay as given */
    rc = check_trailing(o, argc, argv, errbuf);
    for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]) && rc == 0; k++)
        rc = checks[k](o, &s, errbuf);
    return rc;
}

void cli_free(struct cli_opts *o)
{
    free(o->profile_dirs);
    free(o->geoip_files);
    free(o->read_files);
    free(o->filter_buf);
    o->profile_dirs = NULL;
    o->geoip_files = NULL;
    o->read_files = NULL;
    o->read_file = NULL;
    o->filter_buf = NULL;
    o->filter = NULL;
}
