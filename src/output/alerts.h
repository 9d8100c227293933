/*
 * alerts.h — unattended monitoring: turn the engine's findings, as seen in
 * successive snapshots, into events (docs/monitoring.md):
 *
 *   new        a finding appears (or comes back after it had recovered)
 *   escalated  its severity goes up, or its count reaches 10, 100, 1000 ...
 *   recovered  its peer shows the problem gone: keep-alives answered again
 *              (keepalive_failed), any answer again (no_response), or a
 *              successful authentication on the peer and no new occurrence
 *              (the authentication and admission kinds); other kinds
 *              (scanner, NAT, ...) have no recovery signal
 *
 * Each event is one NDJSON line (--alerts FILE, "-" = stdout): the JSON
 * report's finding object (report_json_finding) plus "event", the peer and
 * the two times a latency check needs: "evidence_time" (capture time of the
 * packet that made the event) and "emitted" (wall clock when written).
 * Optionally one syslog line each (--syslog, facility daemon).
 *
 * Deduplicated: one event per state change of a (kind, entity) finding,
 * whatever the number of packets or snapshots in between.
 * Bounded: the state kept is one entry per finding of the last snapshot
 * (at most the snapshot's cap_findings); a finding the engine evicted is
 * forgotten, and comes back as "new" if raised again.
 *
 * Flow: engine → snapshot (snappub) → alerts. Thread: the one that owns
 * the struct alerts (main.c: the main thread, never the analysis thread,
 * so a slow disk or syslog never stalls capture). Errors: alerts_new and
 * alerts_reopen return NULL / ERR_IO with errbuf filled.
 */
#ifndef SIPSCOPE_ALERTS_H
#define SIPSCOPE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

struct alerts_opts {
    const char *path;       /* NDJSON file (appended, 0600 when created), "-" = stdout,
                             * NULL = no file */
    bool syslog;            /* also to syslog(3) */
    size_t max_findings;    /* state entries: the snapshot's cap_findings */
};

struct alerts;

enum alert_event {
    ALERT_NEW = 0,
    ALERT_ESCALATED,
    ALERT_RECOVERED,
    ALERT_EXPLAINED,        /* another finding became its root cause (docs/monitoring.md) */
    ALERT_EVENTS,
};

const char *alert_event_name(enum alert_event ev);

struct alerts *alerts_new(const struct alerts_opts *o, char *errbuf);
void alerts_free(struct alerts *a);

/* SIGHUP (logrotate): close and reopen the file by its name. 0 or ERR_IO. */
int alerts_reopen(struct alerts *a, char *errbuf);

/*
 * Compare s with the state of the previous call and emit one event per
 * change; now_us is the wall clock (microseconds since the epoch) written
 * as "emitted". The first call emits "new" for every finding already
 * present. Returns the number of events emitted.
 */
size_t alerts_update(struct alerts *a, const struct snapshot *s, int64_t now_us);

/* Events emitted so far, by enum alert_event, and lines that failed to be
 * written (disk full ...). */
uint64_t alerts_count(const struct alerts *a, enum alert_event ev);
uint64_t alerts_write_errors(const struct alerts *a);

#endif
