/*
 * ctable.c — bounded, seeded-SipHash hash tables with oldest-first eviction
 * and deadline queues, for every correlation table (see ctable.h).
 *
 * Flow: correlate. Thread: the analysis thread. Memory: all arrays are
 * allocated in ctab_init; nothing grows afterwards (STYLE.md "Memory").
 * Keys are hashed with the shared SipHash-1-3 (siphash.h), seeded per table;
 * the index is open addressing with linear probing (ctable.h).
 */
#include "ctable.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "siphash.h"

int ctab_init(struct ctab *t, size_t cap, size_t esize, ctab_evict_fn on_evict, void *ud)
{
    memset(t, 0, sizeof(*t));
    if (cap == 0)
        cap = 1;
    if (cap > (1u << 30))       /* the index (1.25 x cap, a power of two) fits 32 bits */
        return ERR_INVAL;
    t->cap = cap;
    t->esize = esize;
    /* each entry follows its keyed hash (ctab_find confirms a tag on the
     * entry's own cache lines, not on a separate array's: one miss fewer) */
    t->stride = sizeof(uint64_t) + (esize + 7) / 8 * 8;
    t->nslots = 1;
    while (t->nslots < cap + cap / 4 + 1)
        t->nslots <<= 1;
    t->slot = calloc(t->nslots, sizeof(*t->slot));
    t->older = malloc(sizeof(uint32_t) * cap);
    t->newer = malloc(sizeof(uint32_t) * cap);
    t->serial = calloc(cap, sizeof(uint32_t));
    t->used = calloc(cap, 1);
    t->entries = calloc(cap, t->stride);
    if (!t->slot || !t->older || !t->newer || !t->serial || !t->used ||
        !t->entries) {
        ctab_free(t);
        return ERR_NOMEM;
    }
    /* no free list yet: entries are taken in index order (t->fresh) until
     * the first removal, so the arrays' unused pages are never touched */
    t->free_head = CTAB_NONE;
    t->fresh = 0;
    t->oldest = t->newest = CTAB_NONE;
    siphash_seed(t->seed);
    t->on_evict = on_evict;
    t->ud = ud;
    return 0;
}

void ctab_free(struct ctab *t)
{
    free(t->slot);
    free(t->older);
    free(t->newer);
    free(t->serial);
    free(t->used);
    free(t->entries);
    memset(t, 0, sizeof(*t));
}

void ctab_release(struct ctab *t)
{
    uint64_t evictions = t->evictions, inserts = t->inserts, lost = t->evicted_explaining;
    size_t peak = t->peak;

    ctab_free(t);       /* cap 0: find/insert return NULL, walks are empty */
    t->evictions = evictions;
    t->evicted_explaining = lost;
    t->inserts = inserts;
    t->peak = peak;
    t->oldest = t->newest = t->free_head = CTAB_NONE;
}

uint64_t ctab_hash(const struct ctab *t, const void *key, size_t klen)
{
    return siphash13(key, klen, t->seed);
}

static inline uint64_t *hash_at(const struct ctab *t, uint32_t i)
{
    return (uint64_t *)(void *)(t->entries + (size_t)i * t->stride);
}

static inline void *entry_at(const struct ctab *t, uint32_t i)
{
    return t->entries + (size_t)i * t->stride + sizeof(uint64_t);
}

uint32_t ctab_index(const struct ctab *t, const void *entry)
{
    return (uint32_t)(((const unsigned char *)entry - sizeof(uint64_t) - t->entries) /
                      t->stride);
}

void *ctab_at(const struct ctab *t, uint32_t idx)
{
    if (idx >= t->cap || !t->used[idx])
        return NULL;
    return entry_at(t, idx);
}

uint32_t ctab_serial(const struct ctab *t, const void *entry)
{
    return t->serial[ctab_index(t, entry)];
}

void *ctab_find(const struct ctab *t, uint64_t h)
{
    uint32_t mask = t->nslots - 1, j;

    if (t->cap == 0)
        return NULL;
    /* at most n probes: the load stays under 0.8, so a run always ends */
    for (j = (uint32_t)h & mask;; j = (j + 1) & mask) {
        const struct ctab_slot *s = &t->slot[j];
        if (s->idx1 == 0)
            return NULL;
        if (s->lo == (uint32_t)h && *hash_at(t, s->idx1 - 1) == h)
            return entry_at(t, s->idx1 - 1);
    }
}

/* Take entry i out of the index: find its slot, then shift back each later
 * slot of the run that may move into the hole (its home is not between the
 * hole and itself), so no tombstone is left (Knuth vol. 3, 6.4 Algorithm R). */
static void slot_remove(struct ctab *t, uint32_t i)
{
    uint32_t mask = t->nslots - 1, j = (uint32_t)*hash_at(t, i) & mask, k;

    while (t->slot[j].idx1 != i + 1) {
        if (t->slot[j].idx1 == 0)
            return;                 /* not indexed (cannot happen) */
        j = (j + 1) & mask;
    }
    for (k = j;;) {
        uint32_t home;
        k = (k + 1) & mask;
        if (t->slot[k].idx1 == 0)
            break;
        home = t->slot[k].lo & mask;
        /* k stays when its home lies cyclically in (j, k] */
        if (j <= k ? (home > j && home <= k) : (home > j || home <= k))
            continue;
        t->slot[j] = t->slot[k];
        j = k;
    }
    t->slot[j].idx1 = 0;
    t->slot[j].lo = 0;
}

static void unlink_entry(struct ctab *t, uint32_t i)
{
    slot_remove(t, i);
    if (t->older[i] != CTAB_NONE)
        t->newer[t->older[i]] = t->newer[i];
    else
        t->oldest = t->newer[i];
    if (t->newer[i] != CTAB_NONE)
        t->older[t->newer[i]] = t->older[i];
    else
        t->newest = t->older[i];
    t->used[i] = 0;
    t->n--;
    t->older[i] = t->free_head;     /* a free entry's older link is the free list's */
    t->free_head = i;
}

void ctab_remove(struct ctab *t, void *entry)
{
    uint32_t i = ctab_index(t, entry);

    if (i < t->cap && t->used[i])
        unlink_entry(t, i);
}

void ctab_set_keep(struct ctab *t, ctab_keep_fn keep)
{
    t->keep = keep;
}

/* Make entry i the newest (a second chance for evidence at the front). */
static void to_newest(struct ctab *t, uint32_t i)
{
    if (i == t->newest)
        return;
    if (t->older[i] != CTAB_NONE)
        t->newer[t->older[i]] = t->newer[i];
    else
        t->oldest = t->newer[i];
    t->older[t->newer[i]] = t->older[i];
    t->older[i] = t->newest;
    t->newer[i] = CTAB_NONE;
    t->newer[t->newest] = i;
    t->newest = i;
}

/* The entry a full table gives up (ctable.h, eviction policy): the oldest
 * that explains nothing; an oldest one that explains something goes to the
 * back (a second chance), CTAB_EVICT_SCAN times at most, so evidence at the
 * front does not shield the healthy entries behind it; when all of those
 * explain something, the oldest. */
static uint32_t pick_victim(struct ctab *t)
{
    uint32_t i = t->oldest;

    if (t->keep == NULL)
        return i;
    for (int n = 0; n < CTAB_EVICT_SCAN; n++, i = t->oldest) {
        if (!t->keep(entry_at(t, i)))
            return i;
        to_newest(t, i);
    }
    t->evicted_explaining++;
    return t->oldest;
}

void *ctab_insert(struct ctab *t, uint64_t h)
{
    uint32_t i, j, mask = t->nslots - 1;

    if (t->cap == 0)
        return NULL;
    if (t->free_head == CTAB_NONE && t->fresh < t->cap) {
        t->older[t->fresh] = CTAB_NONE;
        t->free_head = t->fresh++;
    } else if (t->free_head == CTAB_NONE) {
        uint32_t victim = pick_victim(t);
        if (t->on_evict)
            t->on_evict(t->ud, entry_at(t, victim));
        unlink_entry(t, victim);
        t->evictions++;
    }
    i = t->free_head;
    t->free_head = t->older[i];
    memset(entry_at(t, i), 0, t->esize);
    t->used[i] = 1;
    t->serial[i]++;
    *hash_at(t, i) = h;
    for (j = (uint32_t)h & mask; t->slot[j].idx1 != 0; j = (j + 1) & mask)
        ;
    t->slot[j].lo = (uint32_t)h;
    t->slot[j].idx1 = i + 1;
    t->older[i] = t->newest;
    t->newer[i] = CTAB_NONE;
    if (t->newest != CTAB_NONE)
        t->newer[t->newest] = i;
    else
        t->oldest = i;
    t->newest = i;
    t->n++;
    if (t->n > t->peak)
        t->peak = t->n;
    t->inserts++;
    return entry_at(t, i);
}

void *ctab_get(struct ctab *t, uint64_t h, bool *created)
{
    void *e = ctab_find(t, h);

    *created = (e == NULL);
    return e ? e : ctab_insert(t, h);
}

void *ctab_first(const struct ctab *t)
{
    return t->oldest == CTAB_NONE ? NULL : entry_at(t, t->oldest);
}

void *ctab_next(const struct ctab *t, const void *entry)
{
    uint32_t n = t->newer[ctab_index(t, entry)];
    return n == CTAB_NONE ? NULL : entry_at(t, n);
}

void *ctab_last(const struct ctab *t)
{
    return t->newest == CTAB_NONE ? NULL : entry_at(t, t->newest);
}

void *ctab_prev(const struct ctab *t, const void *entry)
{
    uint32_t o = t->older[ctab_index(t, entry)];
    return o == CTAB_NONE ? NULL : entry_at(t, o);
}

int ctab_dlq_init(struct ctab_dlq *q, size_t cap)
{
    memset(q, 0, sizeof(*q));
    q->cap = cap ? cap : 1;
    q->items = calloc(q->cap, sizeof(*q->items));
    return q->items ? 0 : ERR_NOMEM;
}

void ctab_dlq_free(struct ctab_dlq *q)
{
    free(q->items);
    memset(q, 0, sizeof(*q));
}

/* A binary min-heap on deadline: items[0] is due first. */
static void sift_up(struct ctab_dlq_item *h, size_t i)
{
    struct ctab_dlq_item it = h[i];

    while (i > 0 && h[(i - 1) / 2].deadline > it.deadline) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = it;
}

static void pop_root(struct ctab_dlq *q)
{
    struct ctab_dlq_item *h = q->items, it;
    size_t i = 0;

    it = h[--q->n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n)
            break;
        if (c + 1 < q->n && h[c + 1].deadline < h[c].deadline)
            c++;
        if (h[c].deadline >= it.deadline)
            break;
        h[i] = h[c];
        i = c;
    }
    if (q->n > 0)
        h[i] = it;
}

void ctab_dlq_push(struct ctab_dlq *q, const struct ctab *t, const void *entry, int64_t deadline)
{
    struct ctab_dlq_item *it;

    if (q->n == q->cap) {           /* full: forget the earliest deadline */
        pop_root(q);
        q->dropped++;
    }
    it = &q->items[q->n];
    it->idx = ctab_index(t, entry);
    it->serial = t->serial[it->idx];
    it->deadline = deadline;
    sift_up(q->items, q->n++);
}

void *ctab_dlq_pop(struct ctab_dlq *q, const struct ctab *t, int64_t now)
{
    while (q->n > 0) {
        struct ctab_dlq_item it = q->items[0];
        if (it.deadline > now)
            return NULL;
        pop_root(q);
        if (it.idx < t->cap && t->used[it.idx] && t->serial[it.idx] == it.serial)
            return entry_at(t, it.idx);
    }
    return NULL;
}
