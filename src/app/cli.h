/*
 * cli.h — the command line (tcpdump-like, see docs/sipscope.1, the spec).
 *
 * cli_parse turns argv into a struct cli_opts with getopt_long and checks
 * everything that can be checked without opening anything (numbers,
 * conflicting flags, named both; caps, ring size against snaplen). The one
 * look at the file system: a trailing word that names an existing file is
 * another capture file to merge with -r's, not a filter word. Options are
 * handled by concern (input, output, monitoring, analysis), each with its
 * own handler and checks in cli.c. Main thread only.
 * Errors: ERR_INVAL with one line in errbuf (no program name, no newline);
 * the caller prints it and exits 2.
 */
#ifndef SIPSCOPE_CLI_H
#define SIPSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "caps.h"
#include "capture/hep_in.h"
#include "config/cidr.h"
#include "config/config.h"
#include "output/report.h"

#define SIPSCOPE_VERSION "0.1.0"
/* Capture files merged at once (capture/merge.h PCAP_MERGE_MAX_FILES). */
#define CLI_MAX_READ_FILES 64

enum cli_action {
    CLI_RUN = 0,
    CLI_HELP,
    CLI_VERSION,
    CLI_LIST_IFACES,    /* -D: list the capture interfaces, as tcpdump -D */
};

enum cli_tui {
    CLI_TUI_AUTO = 0,   /* live capture on a terminal */
    CLI_TUI_ON,         /* --tui */
    CLI_TUI_OFF,        /* --no-tui */
};

struct cli_opts {
    enum cli_action action;
    const char *read_file;      /* -r FILE ("-" = stdin): the first of read_files */
    const char **read_files;    /* every capture file (-r, repeatable, or files after
                                 * -r FILE), merged by time; NULL-terminated */
    size_t n_read_files;
    const char *iface;          /* -i IFACE */
    const char *write_file;     /* -w FILE ("-" = stdout) */
    const char *filter;         /* -f EXPR or the trailing arguments joined; NULL if none */
    const char *user;           /* -Z USER */
    uint64_t count;             /* -c N, 0 = no limit */
    uint64_t buffer_bytes;      /* -B KiB, stored in bytes; 0 = libpcap default */
    bool promisc;               /* false with -p */
    bool no_resolve;            /* -n (we never resolve anyway) */
    bool quiet;                 /* -q */
    int verbose;                /* -v, repeatable */
    bool full;                  /* --full (or -v): the text report without its budget */
    bool mem_given;             /* --mem on the command line (over --config's [analysis]) */
    bool messages;              /* --messages */
    const char *ladder;         /* --ladder CALL-ID: that dialog's call flow, not the report */
    bool verify_parse;          /* --verify-parse */
    bool rtp_heuristic;         /* --rtp-heuristic (or [media] rtp_heuristic in --config) */
    enum cli_tui tui;
    enum report_format report;  /* --report, default text */
    bool report_given;          /* --report was given: printed after the dashboard too */
    struct caps caps;           /* defaults, --cap NAME=VALUE, -s */
    const char *secrets_file;   /* --secrets */
    const char *tls_keylog;     /* --tls-keylog: NSS key log of TLS secrets */
    const char *config_file;    /* --config */
    const char *evidence_file;  /* --evidence */
    const char **profile_dirs;  /* --profiles, repeatable; NULL-terminated */
    size_t n_profile_dirs;
    const char **geoip_files;   /* --geoip, repeatable; NULL-terminated */
    size_t n_geoip_files;
    /* Unattended monitoring (docs/monitoring.md). */
    const char *alerts_file;    /* --alerts FILE ("-" = stdout) */
    bool syslog;                /* --syslog */
    const char *metrics_file;   /* --metrics FILE */
    uint64_t metrics_peers;     /* --metrics-peers N, 0 = default */
    const char *report_file;    /* --report-file FILE (SIGUSR1 and the end) */
    const char *hep_out;        /* --hep-out [udp:|tcp:]ADDR:PORT */
    uint32_t hep_id;            /* --hep-id N */
    const char *hep_in;         /* the first --hep-in (instead of -r/-i), NULL if none */
    /* The HEP receiver (capture/hep_in.h, docs/monitoring.md). */
    const char *hep_listen[HEP_IN_LISTEN_MAX];  /* every --hep-in */
    size_t n_hep_listen;
    struct cidr_list hep_allow; /* --hep-allow CIDR,... (repeatable) */
    const char *hep_key_file;   /* --hep-key-file: the HEP authentication key */
    const char *hep_tls_cert, *hep_tls_key, *hep_tls_ca;    /* --hep-tls-* */
    /* The hep_* limits the command line set (--cap, --hep-quiet): --config's
     * [hep_in] sets only the others. */
    bool hep_cap_given[CONFIG_HEP_CAPS];
    char *filter_buf;           /* owned: joined trailing arguments */
};

/* Parse argv; 0 or ERR_INVAL/ERR_NOMEM with errbuf set. Call cli_free after. */
int cli_parse(struct cli_opts *o, int argc, char **argv, char *errbuf);
void cli_free(struct cli_opts *o);
/* The --help text. */
void cli_usage(FILE *f);

#endif
