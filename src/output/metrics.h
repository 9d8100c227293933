/*
 * metrics.h — `--metrics FILE`: the state of a snapshot in the Prometheus
 * text exposition format (version 0.0.4), for node_exporter's textfile
 * collector (docs/monitoring.md lists every metric).
 *
 * The file is replaced atomically: written to "FILE.PID.tmp" in the same
 * directory (a name the collector ignores, it reads only *.prom), then
 * renamed over FILE, so a scrape never sees half a file.
 *
 * Label cardinality is bounded: only the top_peers busiest peers (by
 * requests and answers) get a peer="..." label of their own; the rest are
 * summed under peer="other". Kinds, severities, methods and answer classes
 * are fixed sets. A peer that drops out of the top N moves its counts to
 * "other", so per-peer counters may reset (rate() treats that as a reset).
 *
 * Flow: engine → snapshot → metrics. Thread: the caller's (main.c: the main
 * thread). Errors: 0, or ERR_IO / ERR_NOMEM with errbuf filled.
 */
#ifndef SIPSCOPE_METRICS_H
#define SIPSCOPE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

#define METRICS_TOP_PEERS 20        /* default peer labels before "other" */
#define METRICS_INTERVAL_MS 5000    /* main.c rewrites the file this often */

/* Write the exposition text for s to f (now_us: wall clock, for
 * sipscope_last_update_timestamp_seconds). 0 or ERR_IO / ERR_NOMEM. */
int metrics_render(FILE *f, const struct snapshot *s, size_t top_peers, int64_t now_us);

/* metrics_render into path.PID.tmp, then rename over path. */
int metrics_write(const char *path, const struct snapshot *s, size_t top_peers,
                  int64_t now_us, char *errbuf);

#endif
