/*
 * snappub.c — snapshot publication between the analysis thread (producer)
 * and the dashboard's UI thread (consumer); see snappub.h.
 *
 * Place in the flow: engine → snappub → tui_*. The producer fills its own
 * buffer with no lock held, then swaps pointers under a mutex it only ever
 * trylocks; the consumer swaps pointers under the same mutex. Nothing is
 * copied under the lock, so the lock is held for a few instructions and a
 * frozen terminal (UI thread blocked in write()) cannot hold it at all: the
 * UI never draws or writes while holding it.
 */
#include "snappub.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate/engine.h"
#include "diagnosis/diagnosis.h"
#include "util/err.h"

struct snappub {
    struct snapshot bufs[3];
    /* The three roles point into bufs; back is the producer's, front the
     * consumer's, mid is shared and guarded by lock. */
    struct snapshot *back, *mid, *front;
    pthread_mutex_t lock;

    /* Producer-only state. */
    uint64_t seq;
    int64_t last_ms;
    int64_t interval_ms;    /* SNAPPUB_INTERVAL_MS, longer when filling is slow */
    bool pending;           /* a publication was skipped: retry on next call */

    _Atomic uint64_t skipped;
    atomic_bool finished;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t min_sz(uint64_t a, size_t b)
{
    return a < b ? (size_t)a : b;
}

void snappub_sizes_for(const struct caps *caps, struct snappub_sizes *out)
{
    out->findings = min_sz(caps->findings, 4096);
    out->peers = min_sz(caps->peers, 4096);
    out->dialogs = min_sz(caps->dialogs, SNAPPUB_MAX_DIALOGS);
    out->msgs = min_sz(caps->messages_kept, 65536);
    /* A kept message averages well under 1 KiB; the engine drops the raw
     * text of what does not fit (raw_len 0), it never overflows. */
    out->raw_bytes = min_sz(caps->messages_kept * 1024, 32u << 20);
    out->counters = SNAPPUB_MAX_COUNTERS;
}

struct snappub *snappub_new(const struct snappub_sizes *sz, char *errbuf)
{
    struct snappub *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        err_set(errbuf, "snapshot publisher: out of memory");
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        if (snapshot_init(&p->bufs[i], sz->findings, sz->peers, sz->dialogs, sz->msgs,
                          sz->raw_bytes, sz->counters) != 0) {
            for (int j = 0; j < i; j++)
                snapshot_free(&p->bufs[j]);
            free(p);
            err_set(errbuf, "snapshot publisher: out of memory for 3 snapshots");
            return NULL;
        }
    }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        for (int i = 0; i < 3; i++)
            snapshot_free(&p->bufs[i]);
        free(p);
        err_set(errbuf, "snapshot publisher: pthread_mutex_init failed");
        return NULL;
    }
    p->back = &p->bufs[0];
    p->mid = &p->bufs[1];
    p->front = &p->bufs[2];
    atomic_init(&p->skipped, 0);
    atomic_init(&p->finished, false);
    p->last_ms = INT64_MIN / 2;
    p->interval_ms = SNAPPUB_INTERVAL_MS;
    return p;
}

void snappub_free(struct snappub *p)
{
    if (p == NULL)
        return;
    pthread_mutex_destroy(&p->lock);
    for (int i = 0; i < 3; i++)
        snapshot_free(&p->bufs[i]);
    free(p);
}

struct snapshot *snappub_back(struct snappub *p)
{
    return p->back;
}

/* Swap back and mid; the caller holds the lock. */
static void swap_back_locked(struct snappub *p)
{
    struct snapshot *t = p->mid;
    p->back->seq = ++p->seq;
    p->mid = p->back;
    p->back = t;
}

int snappub_commit(struct snappub *p)
{
    if (pthread_mutex_trylock(&p->lock) != 0) {
        atomic_fetch_add_explicit(&p->skipped, 1, memory_order_relaxed);
        return 0;
    }
    swap_back_locked(p);
    pthread_mutex_unlock(&p->lock);
    return 1;
}

int snappub_publish(struct snappub *p, const struct engine *e, const struct run_info *run,
                    bool force)
{
    int64_t now = mono_ms();
    if (!force && !p->pending && now - p->last_ms < p->interval_ms)
        return 0;
    engine_snapshot(e, run, p->back);
    diagnosis_run(p->back);
    /* Filling a snapshot of full tables costs tens of milliseconds: keep
     * it under ~10% of the analysis thread by spacing publications at
     * least SNAPPUB_COST_FACTOR times their cost apart. */
    int64_t cost = mono_ms() - now;
    p->interval_ms = cost * SNAPPUB_COST_FACTOR > SNAPPUB_INTERVAL_MS
                     ? cost * SNAPPUB_COST_FACTOR : SNAPPUB_INTERVAL_MS;
    if (snappub_commit(p)) {
        p->last_ms = now;
        p->pending = false;
        return 1;
    }
    p->pending = true;
    return 0;
}

void snappub_finish(struct snappub *p, const struct engine *e, const struct run_info *run)
{
    if (e != NULL) {
        engine_snapshot(e, run, p->back);
        diagnosis_run(p->back);
    }
    /* Blocking here is safe: the UI holds the lock only for a pointer swap,
     * and this is the end of input, when nothing else waits on us. */
    pthread_mutex_lock(&p->lock);
    swap_back_locked(p);
    pthread_mutex_unlock(&p->lock);
    p->pending = false;
    atomic_store_explicit(&p->finished, true, memory_order_release);
}

const struct snapshot *snappub_fetch(struct snappub *p, uint64_t *seq_seen)
{
    const struct snapshot *r = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->mid->seq > *seq_seen) {
        struct snapshot *t = p->front;
        p->front = p->mid;
        p->mid = t;
        *seq_seen = p->front->seq;
        r = p->front;
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

const struct snapshot *snappub_front(struct snappub *p)
{
    return p->front;
}

bool snappub_finished(struct snappub *p)
{
    return atomic_load_explicit(&p->finished, memory_order_acquire);
}

uint64_t snappub_skipped(struct snappub *p)
{
    return atomic_load_explicit(&p->skipped, memory_order_relaxed);
}
