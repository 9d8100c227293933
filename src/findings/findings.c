/*
 * findings.c — the finding store (see findings.h): dedup by (kind, entity),
 * severity that only rises, bounded evidence, causes and fixes, and the
 * worst-first copy into a snapshot.
 *
 * Flow: kinds → findings → engine_snapshot. Thread: the analysis thread.
 */
#include "findings.h"

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

static uint64_t key_of(const struct ctab *t, enum kind_id kind, const char *entity)
{
    char buf[1 + sizeof(((struct snap_finding *)0)->entity)];
    size_t el = strnlen(entity, 127);

    buf[0] = (char)kind;
    memcpy(buf + 1, entity, el);
    return ctab_hash(t, buf, 1 + el);
}

/* One member of a population finding (findings_note_member). */
struct member {
    uint64_t count;
};

int findings_init(struct findings *fs, size_t cap, size_t evidence_cap)
{
    memset(fs, 0, sizeof(*fs));
    fs->evidence_cap = evidence_cap < SNAP_MAX_EVIDENCE ? evidence_cap : SNAP_MAX_EVIDENCE;
    if (ctab_init(&fs->members, FINDINGS_MEMBERS, sizeof(struct member), NULL, NULL) != 0)
        return ERR_NOMEM;
    return ctab_init(&fs->tab, cap, sizeof(struct finding), NULL, NULL);
}

void findings_free(struct findings *fs)
{
    ctab_free(&fs->tab);
    ctab_free(&fs->members);
}

bool findings_note_member(struct findings *fs, struct finding *f, const char *population,
                          const char *name)
{
    char key[96];
    size_t n = strnlen(name, sizeof(f->f.sample[0].name) - 1);
    struct member *m;
    struct snap_finding *sf = &f->f;
    bool fresh = false;
    uint32_t i, lo = 0;

    findings_fmt(sf->population, sizeof(sf->population), "%s", population);
    memcpy(key, &f->order, sizeof(f->order));
    memcpy(key + sizeof(f->order), name, n);
    m = ctab_find(&fs->members, ctab_hash(&fs->members, key, sizeof(f->order) + n));
    if (m == NULL) {
        if (fs->members.n >= fs->members.cap) {
            sf->members_dropped++;      /* the budget is spent: counted, not guessed */
            return false;
        }
        m = ctab_insert(&fs->members, ctab_hash(&fs->members, key, sizeof(f->order) + n));
        sf->n_members++;
        fresh = true;
    }
    m->count++;
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
