/*
 * run.h — facts about the run as a whole (source, packet counts, drops),
 * gathered by pipeline.c and shown by every report and the TUI header.
 */
#ifndef SIPSCOPE_RUN_H
#define SIPSCOPE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "util/addr.h"

/* One HEP capture agent as --hep-in saw it (capture/hep_in.c), keyed by its
 * capture id and the address it sends from. Counts are records. */
#define RUN_MAX_AGENTS 64
struct run_agent {
    uint32_t capid;             /* HEP capture-agent id, 0 when it sent none */
    struct addr ip;             /* where it sends from */
    enum transport transport;   /* UDP, TCP or TLS: how it reached us (the last one) */
    uint64_t packets, bytes;    /* records admitted to the analysis, and their bytes */
    uint64_t malformed;         /* refused: not HEP, lengths that do not add up, oversize */
    uint64_t refused;           /* refused: missing or wrong authentication key */
    uint64_t dropped;           /* admitted but lost: over the rate limit, full ring */
    int64_t first_us, last_us;  /* wall-clock time of its first and last record */
    int64_t last_ok_us;         /* ...of its last record that passed the gate (key, lengths),
                                 * 0 if none: what the quiet rule (hep_agent_quiet) reads, so
                                 * refused or spoofed records never keep an agent "alive" */
};

struct run_info {
    const char *source;         /* file name, "-" or interface */
    bool live;
    bool truncated;             /* the file was cut short */
    bool failed;                /* a runtime error the run exits 2 for (read error, file
                                 * cut short, --evidence not written): set by the driver
                                 * before the report, so its exit_status is the real one */
    bool report_full;           /* -v / --full: the text report without its length budget */
    int linktype;
    uint32_t n_files;           /* capture files read (merged by time when > 1), 0 live */
    int64_t first_ts_us, last_ts_us;
    uint64_t packets;           /* frames read */
    uint64_t bytes;
    uint64_t sip_messages;      /* parsed SIP messages */
    uint64_t malformed;         /* payloads rejected by sip_parse */
    uint64_t ring_drops;        /* frames lost because the ring was full */
    uint64_t kernel_drops;      /* pcap_stats ps_drop */
    uint64_t if_drops;          /* pcap_stats ps_ifdrop */
    /* --hep-in: the agents (most recent first), and those the table evicted. */
    uint32_t n_agents;
    uint64_t agents_evicted;
    struct run_agent agents[RUN_MAX_AGENTS];
    /* Walk every module's counters (decode, sip, engine) for the report. */
    void (*stats_walk)(const void *ctx, stats_fn fn, void *ud);
    const void *stats_ctx;
};

#endif
