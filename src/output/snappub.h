/*
 * snappub.h — snapshot publication from the analysis thread to the UI
 * thread (the live dashboard, tui.h).
 *
 * Flow: engine → engine_snapshot → snappub → tui_*.
 *
 * Three snapshot buffers rotate by pointer swap (a triple buffer):
 *   - "back"  is owned by the analysis thread, which fills it with
 *     engine_snapshot() outside any lock (the O(snapshot) work);
 *   - "mid"   is the latest published snapshot, guarded by a mutex that is
 *     held only to swap two pointers;
 *   - "front" is owned by the UI thread, which draws from it for as long as
 *     it likes.
 * The analysis thread takes the mutex with trylock only: when the UI holds
 * it (for a pointer swap), that publication is skipped and the next one
 * carries the newer state. So a slow, stopped or frozen terminal can never
 * make the analysis (and therefore the capture) wait.
 *
 * Rate: snappub_publish() publishes at most once per SNAPPUB_INTERVAL_MS of
 * wall-clock time (monotonic clock) unless forced, and no more often than
 * SNAPPUB_COST_FACTOR times what filling the last snapshot took (so full
 * tables cost the analysis at most ~10%); callers may call it as often as
 * they like (once per ring batch is the intended use).
 *
 * Threads: publish/back/commit/finish on the analysis thread;
 * fetch/front/finished on the UI thread; new/free on the main thread while
 * neither runs. Errors: snappub_new returns NULL with errbuf
 * filled.
 */
#ifndef SIPSCOPE_SNAPPUB_H
#define SIPSCOPE_SNAPPUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "run.h"
#include "snapshot.h"

struct engine;
struct snappub;

/* At most ~10 publications a second (STYLE.md §TUI). */
#define SNAPPUB_INTERVAL_MS 100
/* Publications are spaced at least this many times their own cost. */
#define SNAPPUB_COST_FACTOR 9

/* Dialogs a published snapshot holds at most (most recent first). */
#define SNAPPUB_MAX_DIALOGS 4096
/* Named counters a snapshot holds. */
#define SNAPPUB_MAX_COUNTERS 512

struct snappub_sizes {
    size_t findings, peers, dialogs, msgs, raw_bytes, counters;
};

/* The sizes snappub_new uses for caps (bounded by the SNAPPUB_MAX_*). */
void snappub_sizes_for(const struct caps *caps, struct snappub_sizes *out);

/* Allocate the three snapshots; NULL with errbuf filled on failure. */
struct snappub *snappub_new(const struct snappub_sizes *sizes, char *errbuf);
void snappub_free(struct snappub *p);

/*
 * Analysis thread: when SNAPPUB_INTERVAL_MS has passed since the last
 * publication (or force), fill the back buffer with engine_snapshot(e, run)
 * and publish it. Returns 1 when published, 0 when not due or skipped
 * because the UI held the lock (the next call retries). A forced call still
 * never blocks: when the lock is busy it is remembered and the next
 * unforced call publishes regardless of the interval.
 */
int snappub_publish(struct snappub *p, const struct engine *e, const struct run_info *run,
                    bool force);

/* Lower level (tests, other producers): the buffer to fill, then commit it.
 * snappub_commit sets seq and returns 1 if published, 0 if skipped. */
struct snapshot *snappub_back(struct snappub *p);
int snappub_commit(struct snappub *p);

/* Analysis thread, end of input: publish the final state (waiting for the
 * lock, which the UI holds only for a pointer swap, so this one cannot be
 * lost) and mark the publisher finished. e may be NULL to only mark it
 * (the back buffer is then published as the producer left it). */
void snappub_finish(struct snappub *p, const struct engine *e, const struct run_info *run);

/* UI thread: if a snapshot newer than *seq_seen was published, make it the
 * front buffer and return it (updating *seq_seen); else return NULL. The
 * returned pointer stays valid until the next call that returns non-NULL. */
const struct snapshot *snappub_fetch(struct snappub *p, uint64_t *seq_seen);
/* The current front buffer (possibly empty, seq 0). */
const struct snapshot *snappub_front(struct snappub *p);
/* UI thread: true once the analysis called snappub_finish. */
bool snappub_finished(struct snappub *p);

/* Publications skipped because the UI held the lock (for tests/stats). */
uint64_t snappub_skipped(struct snappub *p);

#endif
