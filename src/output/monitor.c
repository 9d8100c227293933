/*
 * monitor.c — main-thread consumer of published snapshots for unattended
 * monitoring (see monitor.h): alerts on every new snapshot, the metrics
 * file every METRICS_INTERVAL_MS, the report on SIGUSR1.
 *
 * Place in the flow: engine → snappub → here → alerts | metrics | report.
 * Owning thread: the main thread. An error writing a file is printed once
 * per kind of failure (not once per attempt: a full disk would flood the
 * journal) and the monitor carries on.
 */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "atomicfile.h"
#include "util/err.h"
#include "metrics.h"

struct monitor {
    struct monitor_opts o;
    struct alerts *alerts;
    uint64_t seq_seen;
    const struct snapshot *latest;
    int64_t metrics_due_us;
    bool metrics_failed;        /* the last write failed: said so once */
};

void monitor_sizes(const struct caps *caps, struct snappub_sizes *out)
{
    snappub_sizes_for(caps, out);
    out->dialogs = 0;
    out->msgs = 0;
    out->raw_bytes = 0;
}

struct monitor *monitor_new(const struct monitor_opts *o, char *errbuf)
{
    struct monitor *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        err_set(errbuf, "monitor: out of memory");
        return NULL;
    }
    m->o = *o;
    if (m->o.metrics_peers == 0)
        m->o.metrics_peers = METRICS_TOP_PEERS;
    if (o->alerts_file != NULL || o->syslog) {
        struct alerts_opts ao = {
            .path = o->alerts_file,
            .syslog = o->syslog,
            .max_findings = o->max_findings,
        };
        m->alerts = alerts_new(&ao, errbuf);
        if (m->alerts == NULL) {
            free(m);
            return NULL;
        }
    }
    return m;
}

void monitor_free(struct monitor *m)
{
    if (m == NULL)
        return;
    alerts_free(m->alerts);
    free(m);
}

static void write_metrics(struct monitor *m, const struct snapshot *s, int64_t now_us)
{
    char errbuf[ERRBUF_SIZE];

    if (m->o.metrics_file == NULL)
        return;
    if (metrics_write(m->o.metrics_file, s, m->o.metrics_peers, now_us, errbuf) != 0) {
        if (!m->metrics_failed)
            fprintf(stderr, "sipscope: %s\n", errbuf);
        m->metrics_failed = true;
    } else {
        m->metrics_failed = false;
    }
}

void monitor_poll(struct monitor *m, struct snappub *pub, int64_t now_us)
{
    const struct snapshot *s = snappub_fetch(pub, &m->seq_seen);

    if (s == NULL)
        return;
    m->latest = s;
    if (m->alerts != NULL)
        alerts_update(m->alerts, s, now_us);
    if (m->o.metrics_file != NULL && now_us >= m->metrics_due_us) {
        write_metrics(m, s, now_us);
        m->metrics_due_us = now_us + (int64_t)METRICS_INTERVAL_MS * 1000;
    }
}

void monitor_final(struct monitor *m, const struct snapshot *s, int64_t now_us)
{
    m->latest = NULL;   /* s is the caller's; the published one may be freed */
    if (m->alerts != NULL)
        alerts_update(m->alerts, s, now_us);
    write_metrics(m, s, now_us);
}

void monitor_reopen(struct monitor *m)
{
    char errbuf[ERRBUF_SIZE];

    if (m->alerts != NULL && alerts_reopen(m->alerts, errbuf) != 0)
        fprintf(stderr, "sipscope: %s\n", errbuf);
}

const struct snapshot *monitor_latest(const struct monitor *m)
{
    return m->latest;
}

struct report_ctx {
    enum report_format fmt;
    const struct snapshot *s;
};

static int report_fill(FILE *f, const void *ctx)
{
    const struct report_ctx *r = ctx;
    return report_write(f, r->fmt, r->s, false);
}

int monitor_report(struct monitor *m, const struct snapshot *s)
{
    char errbuf[ERRBUF_SIZE];
    struct report_ctx r = { m->o.report, s };
    int rc;

    if (s == NULL)
        return 0;
    if (m->o.report_file == NULL) {
        rc = report_write(stderr, m->o.report, s, false);
        fflush(stderr);
        return rc;
    }
    rc = atomicfile_write(m->o.report_file, 0600, report_fill, &r, "--report-file", errbuf);
    if (rc != 0)
        fprintf(stderr, "sipscope: %s\n", errbuf);
    return rc;
}
