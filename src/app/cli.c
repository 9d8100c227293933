/*
 * cli.c — command-line parsing (see cli.h; docs/sipscope.1 is the spec).
 *
 * Place: main thread, at start-up, before any capture. Like tcpdump, a BPF
 * filter is either -f 'EXPR' or the arguments left after the options
 * (joined with spaces); GNU getopt permutes, so options may also follow
 * the filter words. Usage errors are one line: getopt's own messages are
 * turned off (opterr = 0) and replaced.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "capture/ring.h"

enum {
    OPT_REPORT = 256,
    OPT_MESSAGES,
    OPT_TUI,
    OPT_NO_TUI,
    OPT_CAP,
    OPT_SECRETS,
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
};

static const char short_opts[] = ":r:i:w:f:c:s:B:Z:pnqvhV";

static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "report", required_argument, NULL, OPT_REPORT },
    { "messages", no_argument, NULL, OPT_MESSAGES },
    { "tui", no_argument, NULL, OPT_TUI },
    { "no-tui", no_argument, NULL, OPT_NO_TUI },
    { "cap", required_argument, NULL, OPT_CAP },
    { "secrets", required_argument, NULL, OPT_SECRETS },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "profiles", required_argument, NULL, OPT_PROFILES },
    { "geoip", required_argument, NULL, OPT_GEOIP },
    { "evidence", required_argument, NULL, OPT_EVIDENCE },
    { "verify-parse", no_argument, NULL, OPT_VERIFY_PARSE },
    { "alerts", required_argument, NULL, OPT_ALERTS },
    { "syslog", no_argument, NULL, OPT_SYSLOG },
    { "metrics", required_argument, NULL, OPT_METRICS },
    { "metrics-peers", required_argument, NULL, OPT_METRICS_PEERS },
    { "report-file", required_argument, NULL, OPT_REPORT_FILE },
    { "hep-out", required_argument, NULL, OPT_HEP_OUT },
    { "hep-id", required_argument, NULL, OPT_HEP_ID },
    { "hep-in", required_argument, NULL, OPT_HEP_IN },
    { "ladder", required_argument, NULL, OPT_LADDER },
    { NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
    fputs(
"Usage: sipscope [options] -r FILE|-i IFACE|--hep-in PORT [BPF filter ...]\n"
"Passive SIP trunk analyser: why does a trunk answer 401/403/407, or not at all?\n"
"\n"
"Input:\n"
"  -r FILE              read a pcap or pcapng file (\"-\" = standard input)\n"
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
"  --hep-in [ADDR:]PORT receive HEP (v2/v3) from capture agents on a UDP port\n"
"\n"
"Output:\n"
"  --report FORMAT      text (default), json, markdown or html\n"
"  --ladder CALL-ID     the call flow of one dialog as a text ladder instead\n"
"  --messages           one tab-separated line per SIP message instead\n"
"  --tui, --no-tui      force the live dashboard on or off\n"
"  --evidence FILE      write the frames behind the findings to a pcap FILE\n"
"  -q                   quieter: no informational lines on stderr\n"
"  -v                   more detail on stderr (every named counter)\n"
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
"  --cap NAME=VALUE     change a limit (ring_bytes, snaplen, dialogs, ...)\n"
"  --secrets FILE       known passwords, to tell a wrong password from others\n"
"  --config FILE        configuration file\n"
"  --profiles DIR       provider profiles directory (repeatable)\n"
"  --geoip FILE         MaxMind database (repeatable)\n"
"  --verify-parse       cross-check the SIP parser on every message\n"
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

int cli_parse(struct cli_opts *o, int argc, char **argv, char *errbuf)
{
    uint64_t v;
    int c, rc;

    memset(o, 0, sizeof(*o));
    o->promisc = true;
    o->report = REPORT_TEXT;
    caps_default(&o->caps);
    o->profile_dirs = calloc((size_t)argc + 1, sizeof(*o->profile_dirs));
    o->geoip_files = calloc((size_t)argc + 1, sizeof(*o->geoip_files));
    if (o->profile_dirs == NULL || o->geoip_files == NULL) {
        err_set(errbuf, "out of memory");
        return ERR_NOMEM;
    }

    opterr = 0;
    optind = 0;     /* GNU: full re-initialisation (cli_parse may run again) */
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o->read_file = optarg;
            break;
        case 'i':
            o->iface = optarg;
            break;
        case 'w':
            o->write_file = optarg;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case 'Z':
            if (optarg[0] == '\0') {
                err_set(errbuf, "-Z: empty user name");
                return ERR_INVAL;
            }
            o->user = optarg;
            break;
        case 'c':
            if (!parse_u64(optarg, 1, UINT64_MAX, &o->count)) {
                err_set(errbuf, "-c %s: expected a positive number of packets", optarg);
                return ERR_INVAL;
            }
            break;
        case 's':
            if (!parse_u64(optarg, 0, 262144, &v)) {
                err_set(errbuf, "-s %s: expected a snapshot length from 0 to 262144", optarg);
                return ERR_INVAL;
            }
            o->caps.snaplen = v == 0 ? 262144 : v;
            break;
        case 'B':
            if (!parse_u64(optarg, 1, 1u << 21, &v)) {
                err_set(errbuf, "-B %s: expected a buffer size in KiB from 1 to 2097152",
                        optarg);
                return ERR_INVAL;
            }
            o->buffer_bytes = v * 1024;
            break;
        case 'p':
            o->promisc = false;
            break;
        case 'n':
            o->no_resolve = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'h':
            o->action = CLI_HELP;
            return 0;
        case 'V':
            o->action = CLI_VERSION;
            return 0;
        case OPT_REPORT:
            if (report_format_parse(optarg, &o->report) != 0) {
                err_set(errbuf, "--report %s: expected text, json, markdown or html", optarg);
                return ERR_INVAL;
            }
            o->report_given = true;
            break;
        case OPT_LADDER:
            o->ladder = optarg;
            break;
        case OPT_MESSAGES:
            o->messages = true;
            break;
        case OPT_TUI:
            o->tui = CLI_TUI_ON;
            break;
        case OPT_NO_TUI:
            o->tui = CLI_TUI_OFF;
            break;
        case OPT_CAP: {
            char eb[ERRBUF_SIZE];
            if (caps_set(&o->caps, optarg, eb) != 0) {
                err_set(errbuf, "%s", eb);
                return ERR_INVAL;
            }
            break;
        }
        case OPT_SECRETS:
            o->secrets_file = optarg;
            break;
        case OPT_CONFIG:
            o->config_file = optarg;
            break;
        case OPT_EVIDENCE:
            o->evidence_file = optarg;
            break;
        case OPT_PROFILES:
            list_add(o->profile_dirs, &o->n_profile_dirs, optarg);
            break;
        case OPT_GEOIP:
            list_add(o->geoip_files, &o->n_geoip_files, optarg);
            break;
        case OPT_VERIFY_PARSE:
            o->verify_parse = true;
            break;
        case OPT_ALERTS:
            if (optarg[0] == '\0') {
                err_set(errbuf, "--alerts: empty file name");
                return ERR_INVAL;
            }
            o->alerts_file = optarg;
            break;
        case OPT_SYSLOG:
            o->syslog = true;
            break;
        case OPT_METRICS:
            if (optarg[0] == '\0' || strcmp(optarg, "-") == 0) {
                err_set(errbuf, "--metrics %s: expected a file name", optarg);
                return ERR_INVAL;
            }
            o->metrics_file = optarg;
            break;
        case OPT_METRICS_PEERS:
            if (!parse_u64(optarg, 1, 1000, &o->metrics_peers)) {
                err_set(errbuf, "--metrics-peers %s: expected a number from 1 to 1000", optarg);
                return ERR_INVAL;
            }
            break;
        case OPT_REPORT_FILE:
            if (optarg[0] == '\0' || strcmp(optarg, "-") == 0) {
                err_set(errbuf, "--report-file %s: expected a file name", optarg);
                return ERR_INVAL;
            }
            o->report_file = optarg;
            break;
        case OPT_HEP_OUT:
            o->hep_out = optarg;
            break;
        case OPT_HEP_IN:
            if (optarg[0] == '\0') {
                err_set(errbuf, "--hep-in: expected [ADDRESS:]PORT");
                return ERR_INVAL;
            }
            o->hep_in = optarg;
            break;
        case OPT_HEP_ID:
            if (!parse_u64(optarg, 0, UINT32_MAX, &v)) {
                err_set(errbuf, "--hep-id %s: expected a number from 0 to 4294967295", optarg);
                return ERR_INVAL;
            }
            o->hep_id = (uint32_t)v;
            break;
        case ':':
            return opt_error(errbuf, c, argv, "missing argument for");
        default:
            return opt_error(errbuf, c, argv, "unknown");
        }
    }

    if (optind < argc) {
        if (o->filter != NULL) {
            err_set(errbuf, "a filter was given both with -f and as arguments ('%s')",
                    argv[optind]);
            return ERR_INVAL;
        }
        rc = join_filter(o, argc, argv, optind, errbuf);
        if (rc != 0)
            return rc;
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
    if (o->read_file == NULL && o->iface == NULL && o->hep_in == NULL) {
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
    if (o->ladder != NULL && o->messages) {
        err_set(errbuf, "--ladder and --messages are exclusive");
        return ERR_INVAL;
    }
    if (o->write_file != NULL && o->read_file != NULL && strcmp(o->write_file, "-") != 0 &&
        strcmp(o->write_file, o->read_file) == 0) {
        err_set(errbuf, "-w %s: the same file as -r", o->write_file);
        return ERR_INVAL;
    }
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
    }
    if (o->caps.snaplen > 262144) {
        err_set(errbuf, "snaplen %llu: at most 262144", (unsigned long long)o->caps.snaplen);
        return ERR_INVAL;
    }
    {
        uint64_t rb = o->caps.ring_bytes;
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
    }
    return 0;
}

void cli_free(struct cli_opts *o)
{
    free(o->profile_dirs);
    free(o->geoip_files);
    free(o->filter_buf);
    o->profile_dirs = NULL;
    o->geoip_files = NULL;
    o->filter_buf = NULL;
    o->filter = NULL;
}
