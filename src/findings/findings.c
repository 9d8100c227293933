/*
 * findings.c — the finding store (see findings.h): dedup by (kind, entity),
 * severity that only rises, bounded evidence, causes and fixes, and the
 * worst-first copy into a snapshot.
 *
 * Flow: kinds → findings → engine_snapshot. Thread: the analysis thread.
 */
#include "findings.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void findings_fmt(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;

    if (len == 0)
        return;
    va_start(ap, fmt);
    if (vsnprintf(dst, len, fmt, ap) < 0)
        dst[0] = '\0';
    va_end(ap);
}

void findings_sample_text(const struct snap_finding *sf, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (uint32_t i = 0; i < sf->n_sample && n + 1 < len; i++) {
        findings_fmt(buf + n, len - n, "%s%s (%llu)", i ? ", " : "", sf->sample[i].name,
                     (unsigned long long)sf->sample[i].count);
        n += strlen(buf + n);
    }
}

static uint64_t key_of(const struct ctab *t, enum kind_id kind, const char *entity)
{
    char buf[1 + sizeof(((struct snap_finding *)0)->entity)];
    size_t el = strnlen(entity, 127);

    buf[0] = (char)kind;
    memcpy(buf + 1, entity, el);
    return ctab_hash(t, buf, 1 + el);
}

/* One member of a population finding (findings_note_member), or one
 * account an attack targets (findings_note_target). */
struct member {
    uint64_t order;             /* the finding's creation order */
    uint64_t count;
    uint8_t role;               /* SNAP_MEMBER_* */
    char name[64];
};

int findings_init_members(struct findings *fs, size_t cap, size_t evidence_cap, size_t members)
{
    memset(fs, 0, sizeof(*fs));
    fs->evidence_cap = evidence_cap < SNAP_MAX_EVIDENCE ? evidence_cap : SNAP_MAX_EVIDENCE;
    if (ctab_init(&fs->members, members, sizeof(struct member), NULL, NULL) != 0)
        return ERR_NOMEM;
    return ctab_init(&fs->tab, cap, sizeof(struct finding), NULL, NULL);
}

int findings_init(struct findings *fs, size_t cap, size_t evidence_cap)
{
    return findings_init_members(fs, cap, evidence_cap, FINDINGS_MEMBERS);
}

void findings_free(struct findings *fs)
{
    ctab_free(&fs->tab);
    ctab_free(&fs->members);
}

/* HyperLogLog: register = the top 8 bits of the member's hash, value = the
 * position of the first 1 bit in the rest (at most 57). */
static void hll_add(struct finding *f, uint64_t h)
{
    uint32_t j = (uint32_t)(h >> 56);
    uint64_t w = h << 8;
    uint8_t rho = 1;

    while (rho <= 56 && !(w & (1ull << 63))) {
        rho++;
        w <<= 1;
    }
    if (rho > f->hll[j])
        f->hll[j] = rho;
}

static uint64_t hll_estimate(const struct finding *f)
{
    const double m = FINDING_HLL, alpha = 0.7213 / (1.0 + 1.079 / m);
    double sum = 0, e;
    uint32_t zeros = 0;

    for (uint32_t j = 0; j < FINDING_HLL; j++) {
        sum += 1.0 / (double)(1ull << f->hll[j]);
        zeros += f->hll[j] == 0;
    }
    e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)      /* small range: linear counting */
        e = m * log(m / zeros);
    return (uint64_t)(e + 0.5);
}

/* The (finding, role, name) entry, created when the budget has room; NULL
 * when it is new and the budget is spent. *fresh tells a new one. */
static struct member *member_get(struct findings *fs, struct finding *f, uint8_t role,
                                 const char *name, size_t n, bool *fresh)
{
    char key[8 + 1 + 64];
    uint64_t h;
    struct member *m;

    memcpy(key, &f->order, 8);
    key[8] = (char)role;
    memcpy(key + 9, name, n);
    h = ctab_hash(&fs->members, key, 9 + n);
    *fresh = false;
    m = ctab_find(&fs->members, h);
    if (m != NULL)
        return m;
    if (fs->members.n >= fs->members.cap)
        return NULL;
    m = ctab_insert(&fs->members, h);
    m->order = f->order;
    m->role = role;
    memcpy(m->name, name, n);
    m->name[n] = '\0';
    *fresh = true;
    return m;
}

bool findings_note_member(struct findings *fs, struct finding *f, const char *population,
                          const char *name)
{
    return findings_note_member_n(fs, f, population, name, 1);
}

uint64_t findings_member_count(struct findings *fs, struct finding *f, const char *name)
{
    size_t n = strnlen(name, sizeof(f->f.sample[0].name) - 1);
    char key[8 + 1 + 64];

    memcpy(key, &f->order, 8);
    key[8] = (char)SNAP_MEMBER_POPULATION;
    memcpy(key + 9, name, n);
    const struct member *m = ctab_find(&fs->members, ctab_hash(&fs->members, key, 9 + n));
    return m != NULL ? m->count : 0;
}

bool findings_note_member_n(struct findings *fs, struct finding *f, const char *population,
                            const char *name, uint64_t attempts)
{
    size_t n = strnlen(name, sizeof(f->f.sample[0].name) - 1);
    struct member *m;
    struct snap_finding *sf = &f->f;
    bool fresh = false;
    uint32_t i, lo = 0;

    if (sf->population[0] == '\0')
        findings_fmt(sf->population, sizeof(sf->population), "%s", population);
    hll_add(f, ctab_hash(&fs->tab, name, n));
    m = member_get(fs, f, SNAP_MEMBER_POPULATION, name, n, &fresh);
    if (m == NULL) {
        /* the budget is spent: counted, and estimated (marked so) */
        sf->members_dropped++;
        sf->n_estimate = hll_estimate(f);
        if (sf->n_estimate < sf->n_members)
            sf->n_estimate = sf->n_members;
        return false;
    }
    if (fresh) {
        sf->n_members++;
        if (sf->members_dropped > 0) {
            sf->n_estimate = hll_estimate(f);
            if (sf->n_estimate < sf->n_members)
                sf->n_estimate = sf->n_members;
        }
    }
    m->count += attempts;
    /* the worst members: update in place, else take the place of the least */
    for (i = 0; i < sf->n_sample; i++) {
        if (strncmp(sf->sample[i].name, name, sizeof(sf->sample[i].name)) == 0)
            break;
        if (sf->sample[i].count < sf->sample[lo].count)
            lo = i;
    }
    if (i == sf->n_sample) {
        if (sf->n_sample < SNAP_MAX_SAMPLE)
            lo = sf->n_sample++;
        else if (m->count <= sf->sample[lo].count)
            return fresh;
        i = lo;
        findings_fmt(sf->sample[i].name, sizeof(sf->sample[i].name), "%.*s", (int)n, name);
    }
    sf->sample[i].count = m->count;
    for (; i > 0 && sf->sample[i].count > sf->sample[i - 1].count; i--) {
        struct snap_member t = sf->sample[i];
        sf->sample[i] = sf->sample[i - 1];
        sf->sample[i - 1] = t;
    }
    return fresh;
}

bool findings_note_target(struct findings *fs, struct finding *f, const char *account)
{
    size_t n = strnlen(account, sizeof(f->f.targets[0]) - 1);
    struct member *m;
    bool fresh = false, listed = false;

    m = member_get(fs, f, SNAP_MEMBER_TARGET, account, n, &fresh);
    if (m != NULL)
        m->count++;
    for (uint32_t i = 0; i < f->f.n_targets && i < SNAP_MAX_TARGETS; i++)
        listed |= strncmp(f->f.targets[i], account, sizeof(f->f.targets[0])) == 0;
    if (m == NULL && !listed) {
        f->f.members_dropped++;
        return false;
    }
    if (fresh || (m == NULL && !listed))
        f->f.n_targets_all++;
    if (!listed && f->f.n_targets < SNAP_MAX_TARGETS)
        findings_fmt(f->f.targets[f->f.n_targets++], sizeof(f->f.targets[0]), "%.*s", (int)n,
                     account);
    return fresh;
}

static int cmp_member(const void *a, const void *b)
{
    const struct snap_pop_member *x = a, *y = b;

    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->role != y->role)
        return x->role < y->role ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

void findings_members_to_snapshot(const struct findings *fs, struct snapshot *s)
{
    s->n_members = 0;
    s->members_not_shown = 0;
    for (const struct member *m = ctab_first(&fs->members); m;
         m = ctab_next(&fs->members, m)) {
        struct snap_pop_member *o;
        if (s->n_members >= s->cap_members) {
            s->members_not_shown++;
            continue;
        }
        o = &s->members[s->n_members++];
        o->order = m->order;
        o->count = m->count;
        o->role = m->role;
        memcpy(o->name, m->name, sizeof(o->name));
    }
    if (s->n_members > 1)
        qsort(s->members, s->n_members, sizeof(*s->members), cmp_member);
}

struct finding *findings_find(const struct findings *fs, enum kind_id kind, const char *entity)
{
    return ctab_find(&fs->tab, key_of(&fs->tab, kind, entity));
}

/* Make room for a record of severity sev: drop the oldest record of the
 * lowest severity, unless every kept record is more severe than sev. */
static bool make_room(struct findings *fs, enum severity sev)
{
    struct finding *victim = NULL;

    for (struct finding *f = ctab_first(&fs->tab); f; f = ctab_next(&fs->tab, f))
        if (victim == NULL || f->f.severity < victim->f.severity)
            victim = f;
    fs->evicted++;
    if (victim == NULL || victim->f.severity > sev)
        return false;
    ctab_remove(&fs->tab, victim);
    return true;
}

struct finding *findings_raise(struct findings *fs, enum kind_id kind, enum severity sev,
                               const char *entity, int64_t ts)
{
    bool created;
    uint64_t key = key_of(&fs->tab, kind, entity);
    struct finding *f = ctab_find(&fs->tab, key);

    if (f == NULL && fs->tab.n >= fs->tab.cap && !make_room(fs, sev))
        return NULL;
    f = ctab_get(&fs->tab, key, &created);
    if (f == NULL)
        return NULL;
    if (created) {
        findings_fmt(f->f.kind, sizeof(f->f.kind), "%s", kind_name(kind));
        f->f.kind_id = kind;
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%s", entity);
        f->f.severity = sev;
        f->f.first_us = ts;
        f->order = ++fs->created;
        findings_fmt(f->f.id, sizeof(f->f.id), "F%llu", (unsigned long long)f->order);
    }
    if (sev > f->f.severity)
        f->f.severity = sev;
    f->f.count++;
    if (ts > f->f.last_us)
        f->f.last_us = ts;
    if (ts < f->f.first_us)
        f->f.first_us = ts;
    return f;
}

bool findings_note_subject(const struct findings *fs, struct finding *f, const char *subject)
{
    uint64_t h = ctab_hash(&fs->tab, subject, strnlen(subject, 127));

    for (uint32_t i = 0; i < f->n_subjects && i < FINDING_SUBJECTS; i++)
        if (f->subjects[i] == h)
            return false;
    if (f->n_subjects >= FINDING_SUBJECTS) {
        f->subjects_more = true;    /* cannot tell repeats apart any more */
        return false;
    }
    f->subjects[f->n_subjects++] = h;
    return true;
}

void findings_drop(struct findings *fs, struct finding *f)
{
    ctab_remove(&fs->tab, f);
}

void finding_summary(struct finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(f->f.summary, sizeof(f->f.summary), fmt, ap) < 0)
        f->f.summary[0] = '\0';
    va_end(ap);
}

__attribute__((format(printf, 4, 0)))
static void add_text(char (*arr)[SNAP_TEXT], uint32_t *n, uint32_t max, const char *fmt,
                     va_list ap)
{
    char buf[SNAP_TEXT];

    if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
        return;
    for (uint32_t i = 0; i < *n; i++)
        if (strcmp(arr[i], buf) == 0)
            return;
    if (*n >= max)
        return;
    memcpy(arr[*n], buf, sizeof(buf));
    (*n)++;
}

void finding_cause(struct finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_text(f->f.causes, &f->f.n_causes, SNAP_MAX_CAUSES, fmt, ap);
    va_end(ap);
}

void finding_fix(struct finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_text(f->f.fix, &f->f.n_fix, SNAP_MAX_FIX, fmt, ap);
    va_end(ap);
}

void finding_evidence(struct finding *f, size_t cap, uint64_t frame, int64_t ts,
                      const char *role, const char *line)
{
    struct snap_evidence *ev;

    if (frame == 0)
        return;
    for (uint32_t i = 0; i < f->f.n_evidence; i++)
        if (f->f.evidence[i].frame == frame && strcmp(f->f.evidence[i].role, role) == 0)
            return;
    if (f->f.n_evidence >= cap || f->f.n_evidence >= SNAP_MAX_EVIDENCE)
        return;
    ev = &f->f.evidence[f->f.n_evidence++];
    ev->frame = frame;
    ev->ts_us = ts;
    findings_fmt(ev->role, sizeof(ev->role), "%s", role);
    findings_fmt(ev->line, sizeof(ev->line), "%s", line ? line : "");
}

void finding_cite_latest(struct findings *fs, struct finding *f, uint64_t frame, int64_t ts,
                         const char *role, const char *line)
{
    for (uint32_t i = 0; i < f->f.n_evidence; i++) {
        struct snap_evidence *ev = &f->f.evidence[i];
        if (strcmp(ev->role, role) == 0) {
            ev->frame = frame;
            ev->ts_us = ts;
            findings_fmt(ev->line, sizeof(ev->line), "%s", line ? line : "");
            return;
        }
    }
    finding_evidence(f, fs->evidence_cap, frame, ts, role, line);
}

struct finding *findings_first(const struct findings *fs)
{
    return ctab_first(&fs->tab);
}

struct finding *findings_next(const struct findings *fs, const struct finding *f)
{
    return ctab_next(&fs->tab, f);
}

size_t findings_count(const struct findings *fs)
{
    return fs->tab.n;
}

uint64_t findings_evictions(const struct findings *fs)
{
    return fs->tab.evictions + fs->evicted;
}

static int cmp_snap(const void *a, const void *b)
{
    const struct snap_finding *x = a, *y = b;

    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->last_us != y->last_us)
        return x->last_us > y->last_us ? -1 : 1;
    return strcmp(x->kind, y->kind);
}

void findings_to_snapshot(const struct findings *fs, struct snapshot *s)
{
    s->n_findings = 0;
    memset(s->findings_by_severity, 0, sizeof(s->findings_by_severity));
    for (struct finding *f = findings_first(fs); f; f = findings_next(fs, f)) {
        if ((unsigned)f->f.severity < 4)
            s->findings_by_severity[f->f.severity]++;
        if (s->n_findings < s->cap_findings) {
            s->findings[s->n_findings] = f->f;
            s->findings[s->n_findings++].peer_key = f->peer_key;
        }
    }
    if (s->n_findings > 1)
        qsort(s->findings, s->n_findings, sizeof(*s->findings), cmp_snap);
}
