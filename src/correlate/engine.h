/*
 * engine.h — the diagnosis engine: correlation (transactions, dialogs,
 * registrations, auth exchanges, peers, sources) and the findings computed
 * from it. Flow: sip_parse → engine → report | tui.
 * Thread: the analysis thread owns an engine; the TUI reads only snapshots.
 */
#ifndef SIPSCOPE_ENGINE_H
#define SIPSCOPE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "sip.h"
#include "snapshot.h"
#include "stats.h"
#include "tls.h"

struct engine;

struct engine_opts {
    const char *secrets_file;   /* --secrets, may be NULL */
    const char *config_file;    /* --config, may be NULL */
    const char *const *profile_dirs; /* NULL-terminated search path */
    const char *const *geoip_files;  /* NULL-terminated, may be NULL */
    bool verify_parse;          /* --verify-parse: cross-check the parser */
};

struct engine *engine_new(const struct caps *caps, const struct engine_opts *opts,
                          char *errbuf);
void engine_free(struct engine *e);

/* Feed one parsed message (in capture order). */
void engine_msg(struct engine *e, const struct sip_msg *m);
/* A TLS connection's event (tls.h), from the decoder's TLS tracker: raises
 * the tls_* findings. c is read during the call only. */
void engine_tls(struct engine *e, enum tls_event ev, const struct tls_conn *c);
/* --hep-in's agent table (run.h, most recent first) as the receiver saw it at
 * wall-clock now_us: raises and clears hep_agent_quiet (caps.hep_quiet_ms).
 * a is read during the call only. */
void engine_hep_agents(struct engine *e, const struct run_agent *a, uint32_t n, int64_t now_us);
/* Advance time (timeouts) without a message: live idle ticks. */
void engine_tick(struct engine *e, int64_t now_us);
/* End of input: close what is open (open requests become "unanswered"). */
void engine_finish(struct engine *e, int64_t end_us);

void engine_stats(const struct engine *e, stats_fn fn, void *ud);

/*
 * The media stage's tracker (owned by the caller, outliving the engine's
 * use of it), so snapshots carry the call's media and the media kinds can
 * judge it; NULL detaches. engine_stats then reports media.* too.
 */
struct media;
void engine_set_media(struct engine *e, const struct media *m);

/*
 * Fill *out (made with snapshot_init) with the findings (worst first), the
 * peers, recent dialogs and their messages, and the counters. run is copied
 * into out->run. Costs O(size of the snapshot), so the live path calls it at
 * most a few times a second.
 */
void engine_snapshot(const struct engine *e, const struct run_info *run, struct snapshot *out);

/*
 * After the final engine_snapshot of a run: free the correlation tables
 * (transactions, auth exchanges, dialogs, sources, identities, NAT and
 * multi-site records, kept messages) so the report is built in their
 * place and peak RSS is the larger of the two, not their sum. Counters
 * (engine_stats) stay; findings and peers stay; engine_msg must not be
 * called again. Owner thread (main, after pipeline_join).
 */
void engine_release(struct engine *e);

#endif
