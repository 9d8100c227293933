/*
 * monitor.h — the unattended mode's main-thread side (docs/monitoring.md):
 * takes the snapshots the analysis thread publishes (snappub) and turns
 * them into alerts (alerts.h), a Prometheus textfile (metrics.h) every
 * METRICS_INTERVAL_MS, and on request (SIGUSR1) the current report.
 *
 * Flow: engine → snappub → monitor → alerts | metrics | report.
 * Thread: the main thread only (never the analysis thread: a slow disk or
 * syslog must not stall the capture). Errors: monitor_new returns NULL with
 * errbuf filled; later write errors are printed once each on stderr and
 * counted, never fatal (a monitor must keep running).
 */
#ifndef SIPSCOPE_MONITOR_H
#define SIPSCOPE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "report.h"
#include "snappub.h"
#include "snapshot.h"

struct monitor_opts {
    const char *alerts_file;    /* --alerts FILE, "-" = stdout, NULL = none */
    bool syslog;                /* --syslog */
    const char *metrics_file;   /* --metrics FILE, NULL = none */
    size_t metrics_peers;       /* --metrics-peers N (0 = METRICS_TOP_PEERS) */
    const char *report_file;    /* --report-file FILE: SIGUSR1 target, else stderr */
    enum report_format report;  /* --report format for SIGUSR1 */
    size_t max_findings;        /* snapshot cap_findings */
};

struct monitor;

struct monitor *monitor_new(const struct monitor_opts *o, char *errbuf);
void monitor_free(struct monitor *m);

/* The snapshot sizes the monitor needs from snappub: findings, peers and
 * counters; no dialogs or messages (they are what makes a snapshot dear). */
void monitor_sizes(const struct caps *caps, struct snappub_sizes *out);

/* Main loop, every few tens of ms: take a newer snapshot if there is one;
 * alerts on it; metrics when due. now_us: wall clock. */
void monitor_poll(struct monitor *m, struct snappub *pub, int64_t now_us);
/* End of input: alerts and metrics from the final snapshot s. */
void monitor_final(struct monitor *m, const struct snapshot *s, int64_t now_us);
/* SIGHUP: reopen the alerts file (logrotate). */
void monitor_reopen(struct monitor *m);
/* SIGUSR1: write the report of the latest snapshot to --report-file
 * (replaced atomically) or stderr. 0 or ERR_IO. */
int monitor_report(struct monitor *m, const struct snapshot *s);
/* The latest snapshot taken by monitor_poll, NULL before the first. */
const struct snapshot *monitor_latest(const struct monitor *m);

#endif
