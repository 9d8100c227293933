/*
 * findings.h — the finding store: one record per (kind, entity), with
 * severity, count, first/last seen, cited evidence frames, causes and fixes.
 *
 * Flow: correlate → kinds (raise findings here) → engine_snapshot → report.
 * Thread: the analysis thread owns the store.
 *
 * Dedup: raising the same kind for the same entity again bumps count and
 * last_seen and can only raise the severity. Bounded: at most caps.findings
 * records; at the cap the oldest of the least severe records goes (a flood
 * of warnings never pushes out an error; a new record less severe than all
 * kept ones is refused: findings_raise returns NULL), each counted; and
 * caps.evidence_per_finding frames
 * each (the first ones are kept: they show how it started; count goes on).
 * Text is copied and truncated; nothing here points into wire buffers.
 */
#ifndef SIPSCOPE_FINDINGS_H
#define SIPSCOPE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ctable.h"
#include "snapshot.h"
#include "kind_meta.h"

struct finding {
    uint64_t peer_key;          /* correlate peer this belongs to, 0 if none */
    uint64_t order;             /* creation order, for stable output */
    uint32_t tag;               /* private to the kind that raised it */
    uint64_t ctx;               /* private to the kind: a table key it re-checks at the end */
    int64_t ctx_us;             /* private to the kind: a time that goes with ctx */
    struct addr ctx_dst;        /* private to the kind: an address that goes with ctx */
    /* Distinct subjects (e.g. usernames) grouped into this finding, by
     * keyed hash; a kind that aggregates uses findings_note_subject. */
#define FINDING_SUBJECTS 16
    uint32_t n_subjects;        /* distinct subjects seen, at most FINDING_SUBJECTS */
    bool subjects_more;         /* another one came past the set: n_subjects is a floor */
    uint64_t subjects[FINDING_SUBJECTS];
    /* HyperLogLog registers over every member noted, kept or not: the
     * estimate of the distinct count once the member budget is spent
     * (snap_finding.n_estimate; Flajolet et al. 2007, 2^8 registers: ~6.5%). */
#define FINDING_HLL 256
    uint8_t hll[FINDING_HLL];
    struct snap_finding f;
};

struct findings {
    struct ctab tab;
    struct ctab members;        /* (finding, role, member) -> attempts: population counts */
    size_t evidence_cap;
    uint64_t created;
    uint64_t evicted;           /* records pushed out at the cap (or refused) */
};

int findings_init(struct findings *fs, size_t cap, size_t evidence_cap);
/* The same with the member budget (distinct members of all population
 * findings, ~150 bytes each; FINDINGS_MEMBERS by default). */
int findings_init_members(struct findings *fs, size_t cap, size_t evidence_cap, size_t members);
void findings_free(struct findings *fs);

/* True on the first occurrence: kinds fill causes and fixes once, not on
 * every repeat (the formatting is the expensive part of a repeat). */
static inline bool finding_new(const struct finding *f)
{
    return f->f.count == 1;
}

/* Find or create the finding (kind, entity) and count one more occurrence
 * at ts. Severity only ever goes up. Never NULL after a successful init. */
struct finding *findings_raise(struct findings *fs, enum kind_id kind, enum severity sev,
                               const char *entity, int64_t ts);
/* Note a subject (a username) of f; true when it is new and kept in the
 * set (a new one past FINDING_SUBJECTS only sets subjects_more). */
bool findings_note_subject(const struct findings *fs, struct finding *f, const char *subject);

/* A population finding (snap_finding.population): count one attempt by the
 * member name ("1001", "198.51.100.7") of population ("users", "sources").
 * Distinct members are counted exactly while the store's member table has
 * room (FINDINGS_MEMBERS), then in members_dropped; f->f.sample keeps the
 * SNAP_MAX_SAMPLE members with the most attempts, most first. True when the
 * member is new to f. */
#define FINDINGS_MEMBERS 131072
bool findings_note_member(struct findings *fs, struct finding *f, const char *population,
                          const char *name);
/* The same, counting `attempts` at once (a burst noticed at its tenth). */
bool findings_note_member_n(struct findings *fs, struct finding *f, const char *population,
                            const char *name, uint64_t attempts);
/* Attempts counted for member name of f, 0 when it is not (or no longer
 * countable as) a member. */
uint64_t findings_member_count(struct findings *fs, struct finding *f, const char *name);
/* An account an attack finding targets ("1001@pbx.example.com"): kept with
 * f's members under role SNAP_MEMBER_TARGET (the JSON "targets" list, every
 * one within the budget) and in f->f.targets while those have room. True
 * when it is new to f. */
bool findings_note_target(struct findings *fs, struct finding *f, const char *account);
/* Existing finding or NULL. */
struct finding *findings_find(const struct findings *fs, enum kind_id kind, const char *entity);
/* Drop a finding (a later message showed it was not one). */
void findings_drop(struct findings *fs, struct finding *f);

void finding_summary(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a cause / fix unless the same text is already there (bounded). */
void finding_cause(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_fix(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cite a frame; the same (frame, role) is cited once. line may be NULL. */
void finding_evidence(struct finding *f, size_t cap, uint64_t frame, int64_t ts,
                      const char *role, const char *line);
static inline void finding_cite(struct findings *fs, struct finding *f, uint64_t frame,
                                int64_t ts, const char *role, const char *line)
{
    finding_evidence(f, fs->evidence_cap, frame, ts, role, line);
}

/* Like finding_cite, but an entry with the same role is replaced ("latest
 * request"), so a long-running finding shows its first and last frames. */
void finding_cite_latest(struct findings *fs, struct finding *f, uint64_t frame, int64_t ts,
                         const char *role, const char *line);

/* Walk findings in creation order. */
struct finding *findings_first(const struct findings *fs);
struct finding *findings_next(const struct findings *fs, const struct finding *f);
size_t findings_count(const struct findings *fs);
uint64_t findings_evictions(const struct findings *fs);

/* Copy into s->findings, worst first then most recent; fills
 * findings_by_severity. Each gets its stable id "F<order>" (order of
 * creation, so the same capture gives the same ids). */
void findings_to_snapshot(const struct findings *fs, struct snapshot *s);
/* Copy every kept member of the population findings into s->members (as
 * far as s->cap_members allows, the rest counted in s->members_not_shown),
 * grouped by finding, most attempts first. */
void findings_members_to_snapshot(const struct findings *fs, struct snapshot *s);

/* snprintf-like into a fixed buffer, always terminated, never overflows. */
void findings_fmt(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "1001 (4), 1002 (2), ...": a population's worst members (its sample). */
void findings_sample_text(const struct snap_finding *sf, char *buf, size_t len);

#endif
