/*
 * ctable.h — the bounded hash table every correlation table uses
 * (transactions, dialogs, auth exchanges, peers, sources, identities).
 *
 * Flow: sip_parse → correlate (this) → findings. Thread: the analysis
 * thread that owns the engine; no locking.
 *
 * A ctab holds at most `cap` fixed-size entries, allocated once at start-up
 * (no malloc per message). Keys are byte strings hashed with SipHash
 * under a random per-table seed (SipHash-1-3: wire-derived keys, an attacker cannot aim
 * collisions at one chain). Identity is the 64-bit keyed hash plus the
 * key's length; with 64 bits and a secret seed a false match needs ~2^32
 * live entries, far above every cap.
 *
 * Index: open addressing with linear probing over (32-bit hash tag, index)
 * pairs in one array, a tag match confirmed against the entry's full hash:
 * a lookup costs a cache miss for the index and one for the entry, whose
 * full hash sits just before it (a separate hash array cost more: cachegrind
 * on 150k busy-workload messages, D1 misses -6%, LL misses -1%; the
 * chained buckets before cost three plus the chain walk; a quarter of the
 * busy workload's cycles were ctab_find). Slots are 8 bytes
 * (16 with the whole hash in them: the index is resident in full, and with
 * the string tables' it was 60 MiB of the busy workload's 220). Removal
 * shifts the following run back (no tombstones), so probes stay short
 * however many entries come and go.
 *
 * Eviction policy: entries are kept in insertion order, which is packet-time
 * order because messages arrive in capture order. Inserting into a full table
 * evicts the oldest entry (first seen earliest), calls the owner's evict
 * callback first (so it can conclude what the entry meant) and counts it.
 * With a keep function (ctab_set_keep), the oldest and least-explaining goes
 * first: the oldest entry that explains nothing (a healthy identity, an
 * answered transaction); an oldest one that explains something is moved to
 * the back instead (a second chance, at most CTAB_EVICT_SCAN a time, so the
 * walk order is then only roughly first-seen order); when all of those
 * explain something the oldest goes, counted in evicted_explaining too.
 */
#ifndef SIPSCOPE_CTABLE_H
#define SIPSCOPE_CTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTAB_NONE UINT32_MAX

typedef void (*ctab_evict_fn)(void *ud, void *entry);
/* true: the entry is evidence of a problem (keep it past healthy ones). */
typedef bool (*ctab_keep_fn)(const void *entry);
#define CTAB_EVICT_SCAN 16

/* One slot of the open-addressing index: the low 32 bits of the entry's
 * keyed hash (its home slot and a tag) and its index + 1 (0: empty), 8
 * bytes, eight to a cache line; a tag match is confirmed against the full
 * hash, stored just before the entry (on the cache line the caller reads
 * next). The index is touched all over as keys hash anywhere, so
 * its size is resident whatever the table holds. */
struct ctab_slot {
    uint32_t lo;
    uint32_t idx1;
};

struct ctab {
    size_t cap, n, esize;
    uint32_t nslots;            /* power of two, >= 1.25 x cap (load <= 0.8) */
    struct ctab_slot *slot;     /* linear probing; calloc'd, so only used pages are touched */
    uint32_t *older, *newer;    /* insertion-order list; a free entry's older is the
                                 * next free one (the free list) */
    uint32_t *serial;           /* bumped on each reuse of a slot */
    uint8_t *used;
    uint32_t oldest, newest, free_head;
    uint32_t fresh;             /* entries [fresh, cap) were never used */
    unsigned char *entries;     /* per entry: its keyed hash, then the entry */
    size_t stride;              /* 8 + esize rounded up to 8 */
    uint8_t seed[16];
    uint64_t evictions;
    uint64_t evicted_explaining;    /* of which entries keep() wanted (ctab_set_keep) */
    uint64_t inserts;
    size_t peak;                /* most entries live at once (sizing a cap) */
    ctab_evict_fn on_evict;
    ctab_keep_fn keep;          /* NULL: oldest first */
    void *ud;
};

/* Allocate cap entries of esize bytes; 0 or ERR_NOMEM. */
int ctab_init(struct ctab *t, size_t cap, size_t esize, ctab_evict_fn on_evict, void *ud);
void ctab_free(struct ctab *t);
/* Evict the least-explaining of the oldest entries first (see the policy above). */
void ctab_set_keep(struct ctab *t, ctab_keep_fn keep);
/* Free the entries but keep the counters (evictions, inserts): the table
 * is then empty and stays so (cap 0). For engine_release. */
void ctab_release(struct ctab *t);

/* SipHash-1-3 of (key, klen) under the table's seed (siphash.h). */
uint64_t ctab_hash(const struct ctab *t, const void *key, size_t klen);
/* Entry for this key hash, or NULL. */
void *ctab_find(const struct ctab *t, uint64_t h);
/* New zeroed entry for h (evicting the oldest when full). Never NULL once
 * initialised with cap > 0. Does not check for an existing entry. */
void *ctab_insert(struct ctab *t, uint64_t h);
/* Find, else insert; *created tells which. */
void *ctab_get(struct ctab *t, uint64_t h, bool *created);
void ctab_remove(struct ctab *t, void *entry);

uint32_t ctab_index(const struct ctab *t, const void *entry);
void *ctab_at(const struct ctab *t, uint32_t idx);     /* NULL when unused */
uint32_t ctab_serial(const struct ctab *t, const void *entry);
/* Walk in insertion order: ctab_first gives the oldest, ctab_next the next. */
void *ctab_first(const struct ctab *t);
void *ctab_next(const struct ctab *t, const void *entry);
/* Newest first. */
void *ctab_last(const struct ctab *t);
void *ctab_prev(const struct ctab *t, const void *entry);

/*
 * A deadline queue: (entry index, serial, deadline), popped in deadline
 * order whatever the order of the pushes (a binary heap: O(log n) a push or
 * pop). Bounded; when full, the earliest deadline is dropped and counted.
 */
struct ctab_dlq {
    size_t cap, n;
    struct ctab_dlq_item { uint32_t idx, serial; int64_t deadline; } *items;
    uint64_t dropped;
};

int ctab_dlq_init(struct ctab_dlq *q, size_t cap);
void ctab_dlq_free(struct ctab_dlq *q);
void ctab_dlq_push(struct ctab_dlq *q, const struct ctab *t, const void *entry, int64_t deadline);
/* Pop the next entry whose deadline <= now and that is still the same
 * entry (not evicted and reused); NULL when none is due. */
void *ctab_dlq_pop(struct ctab_dlq *q, const struct ctab *t, int64_t now);

#endif
