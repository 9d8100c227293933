/*
 * pipeline.h — the analysis thread: drains the ring in bounded batches and
 * chains the stages decode → sip_parse → engine (and --messages, -w, the
 * snapshot publication for the dashboard). Only this module chains stages.
 *
 * Threads: pipeline_new/pipeline_start/pipeline_join/pipeline_free and
 * pipeline_run_info on the main thread (the latter after pipeline_join or
 * before pipeline_start); everything else on the analysis thread, which
 * owns the decoder, the parser and the engine while it runs. Errors:
 * pipeline_new returns NULL with errbuf filled.
 */
#ifndef SIPSCOPE_PIPELINE_H
#define SIPSCOPE_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "capture/capture.h"
#include "caps.h"
#include "correlate/engine.h"
#include "capture/ring.h"
#include "run.h"

struct snappub;
struct hep_out;

struct pipeline_opts {
    const struct caps *caps;
    const struct engine_opts *engine;
    bool live;                      /* idle ticks use the wall clock */
    FILE *messages;                 /* --messages: one TSV line per message, or NULL */
    struct capture_writer *writer;  /* -w, or NULL */
    struct snappub *pub;            /* dashboard/monitor publication, or NULL */
    struct hep_out *hep;            /* --hep-out: every SIP message as HEPv3, or NULL */
    bool hep_relay;                 /* also re-send SIP that arrived in HEP (--hep-in);
                                     * else never: a capture that sees our own HEP
                                     * going out would send it again, forever */
    struct keylog *tls_keylog;      /* --tls-keylog secrets for the decoder, or NULL */
    bool rtp_heuristic;             /* --rtp-heuristic: media on unannounced ports too */
    /* For run_info: where packets come from (capture may be NULL in tests). */
    const struct capture *capture;
    const char *source;
    uint32_t n_files;               /* -r files (merged when > 1), 0 for live */
    int linktype;
};

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_opts *o, char *errbuf);
void pipeline_free(struct pipeline *p);
/* Set the -w writer after privileges were dropped (before pipeline_start). */
void pipeline_set_writer(struct pipeline *p, struct capture_writer *w);

/* Drain r until it is closed and empty, then engine_finish (calling thread). */
void pipeline_run(struct pipeline *p, struct ring *r);
/* pipeline_run on its own thread (signals blocked); 0 or ERR_* with errbuf. */
int pipeline_start(struct pipeline *p, struct ring *r, char *errbuf);
void pipeline_join(struct pipeline *p);

/*
 * Fill *run completely: source, link type, time range, packets, bytes, SIP
 * messages, malformed (sip_parse rejects other than "not SIP"), the
 * capture's drop counters and truncation, and stats_walk over the decode,
 * sip, engine and pipeline counters. Analysis thread while running; main
 * thread after pipeline_join.
 */
void pipeline_run_info(const struct pipeline *p, struct run_info *run);

/* The engine, for engine_snapshot after pipeline_join. */
struct engine *pipeline_engine(struct pipeline *p);

/* The --messages header line (without newline handling by the caller). */
#define PIPELINE_MESSAGES_HEADER \
    "frame\ttime\tsrc\tsport\tdst\tdport\ttransport\tmethod\tstatus\tcall_id\tcseq\n"

/* One --messages line for m (exposed for tests). */
void pipeline_print_message(FILE *f, const struct sip_msg *m);

#endif
