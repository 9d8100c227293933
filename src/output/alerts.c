/*
 * alerts.c — findings → NDJSON / syslog events (see alerts.h and
 * docs/monitoring.md for the event rules).
 *
 * Place in the flow: a consumer of snapshots (engine → snapshot → alerts),
 * like the reports and the dashboard. Owning thread: whoever owns the
 * struct alerts (main.c's main thread); nothing here touches engine state.
 *
 * State: two open-addressing tables of (kind, entity) → what was last
 * alerted, keyed by seeded SipHash (the entity comes from the wire). Each
 * update fills the other table from the snapshot and swaps, so findings
 * the engine evicted are forgotten and the state never outgrows the
 * snapshot (2 * max_findings slots each, allocated once).
 */
#include "alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "findings/kind_meta.h"
#include "util/err.h"
#include "report.h"
#include "report_fmt.h"
#include "util/siphash.h"

struct astate {
    uint64_t h;
    bool used;
    bool recovered;         /* a recovery was emitted; a new occurrence is "new" again */
    bool ka_down;           /* keepalive_failed: the peer was seen down since last event */
    enum severity sev;
    unsigned level;         /* count threshold reached: 0 (<10), 1 (>=10), 2 (>=100) ... */
    uint64_t count;
    uint64_t ok_mark;       /* peer successes when the finding last occurred */
    enum kind_id kind;
    char entity[128];
    char root[SNAP_ID];     /* id of its root cause when last emitted ("" unknown) */
};

struct alerts {
    struct alerts_opts o;
    char *path;
    FILE *f;
    bool own_file;
    bool syslog_open;
    uint8_t key[16];
    size_t tsize;           /* slots per table, a power of two */
    struct astate *cur, *next;
    size_t psize;           /* peer index slots */
    uint32_t *pidx;         /* snapshot peer index + 1, 0 = empty */
    uint64_t events[ALERT_EVENTS];
    uint64_t write_errors;
};

const char *alert_event_name(enum alert_event ev)
{
    switch (ev) {
    case ALERT_NEW: return "new";
    case ALERT_ESCALATED: return "escalated";
    case ALERT_RECOVERED: return "recovered";
    case ALERT_EXPLAINED: return "explained";
    case ALERT_EVENTS: break;
    }
    return "?";
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n && p < ((size_t)1 << 30))
        p <<= 1;
    return p;
}

static FILE *open_append(const char *path, char *errbuf)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f;

    if (fd < 0) {
        err_set(errbuf, "--alerts %s: %s", path, strerror(errno));
        return NULL;
    }
    f = fdopen(fd, "a");
    if (f == NULL) {
        err_set(errbuf, "--alerts %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

struct alerts *alerts_new(const struct alerts_opts *o, char *errbuf)
{
    struct alerts *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        err_set(errbuf, "alerts: out of memory");
        return NULL;
    }
    a->o = *o;
    a->tsize = pow2_at_least(2 * (o->max_findings ? o->max_findings : 1));
    a->cur = calloc(a->tsize, sizeof(*a->cur));
    a->next = calloc(a->tsize, sizeof(*a->next));
    if (a->cur == NULL || a->next == NULL) {
        err_set(errbuf, "alerts: out of memory");
        alerts_free(a);
        return NULL;
    }
    siphash_seed(a->key);
    if (o->path != NULL && strcmp(o->path, "-") == 0) {
        a->f = stdout;
    } else if (o->path != NULL) {
        a->path = strdup(o->path);
        if (a->path == NULL) {
            err_set(errbuf, "alerts: out of memory");
            alerts_free(a);
            return NULL;
        }
        a->f = open_append(a->path, errbuf);
        if (a->f == NULL) {
            alerts_free(a);
            return NULL;
        }
        a->own_file = true;
    }
    if (o->syslog) {
        openlog("sipscope", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        a->syslog_open = true;
    }
    return a;
}

void alerts_free(struct alerts *a)
{
    if (a == NULL)
        return;
    if (a->own_file && a->f != NULL)
        fclose(a->f);
    else if (a->f != NULL)
        fflush(a->f);
    if (a->syslog_open)
        closelog();
    free(a->path);
    free(a->cur);
    free(a->next);
    free(a->pidx);
    free(a);
}

int alerts_reopen(struct alerts *a, char *errbuf)
{
    FILE *f;

    if (!a->own_file)
        return 0;
    /* Open the new file before closing the old: a failure keeps writing
     * to the old one (rotated or not) rather than to nothing. */
    f = open_append(a->path, errbuf);
    if (f == NULL)
        return ERR_IO;
    fclose(a->f);
    a->f = f;
    return 0;
}

uint64_t alerts_count(const struct alerts *a, enum alert_event ev)
{
    return (unsigned)ev < ALERT_EVENTS ? a->events[ev] : 0;
}

uint64_t alerts_write_errors(const struct alerts *a)
{
    return a->write_errors;
}

/* ---- tables ---- */

static uint64_t fkey(const struct alerts *a, const struct snap_finding *f)
{
    uint32_t kind = (uint32_t)kind_of_snap(f);
    char buf[sizeof(kind) + sizeof(f->entity)];
    size_t e = strnlen(f->entity, sizeof(f->entity));

    memcpy(buf, &kind, sizeof(kind));
    memcpy(buf + sizeof(kind), f->entity, e);
    return siphash24(buf, sizeof(kind) + e, a->key);
}

static struct astate *slot(struct astate *t, size_t size, uint64_t h,
                           const struct snap_finding *f, bool insert)
{
    size_t mask = size - 1;

    for (size_t i = 0, j = (size_t)h & mask; i < size; i++, j = (j + 1) & mask) {
        struct astate *s = &t[j];
        if (!s->used)
            return insert ? s : NULL;
        if (s->h == h && s->kind == kind_of_snap(f) &&
            strncmp(s->entity, f->entity, sizeof(s->entity)) == 0)
            return s;
    }
    return NULL;
}

static const struct snap_peer *find_peer(struct alerts *a, const struct snapshot *s,
                                         uint64_t key)
{
    size_t mask = a->psize - 1;

    if (key == 0 || a->pidx == NULL)
        return NULL;
    for (size_t i = 0, j = (size_t)(key ^ (key >> 29)) & mask; i < a->psize;
         i++, j = (j + 1) & mask) {
        uint32_t v = a->pidx[j];
        if (v == 0)
            return NULL;
        if (s->peers[v - 1].key == key)
            return &s->peers[v - 1];
    }
    return NULL;
}

static void index_peers(struct alerts *a, const struct snapshot *s)
{
    size_t want = pow2_at_least(2 * (s->n_peers ? s->n_peers : 1));

    if (want > a->psize) {
        uint32_t *p = realloc(a->pidx, want * sizeof(*p));
        if (p == NULL)
            return;     /* keep the old (smaller) index: lookups of the rest miss */
        a->pidx = p;
        a->psize = want;
    }
    if (a->pidx == NULL)
        return;
    memset(a->pidx, 0, a->psize * sizeof(*a->pidx));
    for (size_t i = 0; i < s->n_peers && i < a->psize / 2; i++) {
        uint64_t key = s->peers[i].key;
        size_t mask = a->psize - 1;
        if (key == 0)
            continue;
        for (size_t j = (size_t)(key ^ (key >> 29)) & mask;; j = (j + 1) & mask)
            if (a->pidx[j] == 0) {
                a->pidx[j] = (uint32_t)i + 1;
                break;
            }
    }
}

/* ---- rules ---- */

static unsigned count_level(uint64_t n)
{
    unsigned l = 0;
    while (n >= 10) {
        n /= 10;
        l++;
    }
    return l;
}

static bool is_keepalive(const struct snap_finding *f)
{
    return kind_of_snap(f) == KIND_KEEPALIVE_FAILED;
}

/* Kinds whose cause a later success on the same peer disproves (kind_meta
 * cleared_by_success): a request authenticated or answered 2xx after the
 * last failure. Scanners, floods and path problems (NAT, ALG, region) have
 * no such signal. */
static bool recovers_on_success(const struct snap_finding *f)
{
    return kind_meta(kind_of_snap(f))->cleared_by_success;
}

/* The success counter that disproves a kind: any answer for no_response
 * (success_is_answer); for the rest, authenticated exchanges that
 * succeeded. Not 2xx answers in general: a carrier answers OPTIONS 200
 * while it refuses every INVITE, and that is no recovery. */
static uint64_t peer_ok(const struct snap_finding *f, const struct snap_peer *p)
{
    uint64_t n = 0;

    if (p == NULL)
        return 0;
    if (!kind_meta(kind_of_snap(f))->success_is_answer)
        return p->auth_ok;
    for (int i = 1; i < SNAP_ANSWER_CLASSES; i++)
        n += p->answers[i];
    return n;
}

/* ---- output ---- */

static int syslog_prio(enum alert_event ev, enum severity sev)
{
    if (ev == ALERT_RECOVERED)
        return LOG_NOTICE;
    switch (sev) {
    case SEV_CRITICAL: return LOG_CRIT;
    case SEV_ERROR: return LOG_ERR;
    case SEV_WARNING: return LOG_WARNING;
    default: return LOG_INFO;
    }
}

static json_object *jnum_time(int64_t us)
{
    return us > 0 ? json_object_new_double((double)us / 1e6) : NULL;
}

static const struct snap_finding *finding_by_id(const struct snapshot *s, const char *id)
{
    for (size_t i = 0; id[0] != '\0' && i < s->n_findings; i++)
        if (strcmp(s->findings[i].id, id) == 0)
            return &s->findings[i];
    return NULL;
}

/* The diagnosis entry (1-based) that holds finding id as a root or folds
 * it, 0 if none (an info finding, or past SNAP_MAX_DIAGNOSIS). */
static int diagnosis_of(const struct snapshot *s, const char *id)
{
    for (size_t i = 0; i < s->n_diagnosis && i < SNAP_MAX_DIAGNOSIS; i++) {
        const struct snap_diagnosis *d = &s->diagnosis[i];
        if (strcmp(d->finding, id) == 0)
            return (int)i + 1;
        for (uint32_t k = 0; k < d->n_roots && k < SNAP_MAX_EXPLAINS; k++)
            if (strcmp(d->roots[k], id) == 0)
                return (int)i + 1;
        for (uint32_t k = 0; k < d->n_explains && k < SNAP_MAX_EXPLAINS; k++)
            if (strcmp(d->explains[k], id) == 0)
                return (int)i + 1;
    }
    return 0;
}

/* "root_cause" (docs/json-schema.md "Alerts"): the finding at the end of
 * f's explained_by chain (f itself when nothing explains it), its kind,
 * whether that is f, and the diagnosis entry it is in. Null for a finding
 * without an id (a producer without the diagnosis). */
static const struct snap_finding *root_finding(const struct snapshot *s,
                                               const struct snap_finding *f)
{
    const struct snap_finding *r = f, *up;

    for (size_t n = 0; n < s->n_findings && r->explained_by[0] != '\0'; n++) {
        if ((up = finding_by_id(s, r->explained_by)) == NULL)
            break;
        r = up;
    }
    return r;
}

static json_object *jroot_cause(const struct snapshot *s, const struct snap_finding *f)
{
    const struct snap_finding *r = root_finding(s, f);
    json_object *o;
    int d;

    if (f->id[0] == '\0')
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "is_root", json_object_new_boolean(r == f));
    json_object_object_add(o, "finding", json_object_new_string(r->id));
    json_object_object_add(o, "kind", json_object_new_string(kind_name(kind_of_snap(r))));
    json_object_object_add(o, "summary", r == f ? NULL : json_object_new_string(r->summary));
    d = diagnosis_of(s, r->id);
    json_object_object_add(o, "diagnosis", d > 0 ? json_object_new_int(d) : NULL);
    return o;
}

static uint64_t events_total(const struct alerts *a)
{
    uint64_t n = 0;

    for (int i = 0; i < ALERT_EVENTS; i++)
        n += a->events[i];
    return n;
}

static void emit(struct alerts *a, const struct snapshot *s, enum alert_event ev,
                 const struct snap_finding *f,
                 const struct snap_peer *p, const char *reason, enum severity prev,
                 int64_t evidence_us, int64_t now_us)
{
    json_object *o;
    const char *txt;
    char utc[40];

    a->events[ev]++;
    if (a->syslog_open)
        syslog(syslog_prio(ev, f->severity), "%s %s %s (%s): %s [count %llu]",
               alert_event_name(ev), severity_name(f->severity), f->kind, f->entity,
               f->summary, (unsigned long long)f->count);
    if (a->f == NULL)
        return;
    o = report_json_finding(f);
    if (o == NULL) {
        a->write_errors++;
        return;
    }
    json_object_object_add(o, "event", json_object_new_string(alert_event_name(ev)));
    json_object_object_add(o, "root_cause", jroot_cause(s, f));
    json_object_object_add(o, "reason", reason ? json_object_new_string(reason) : NULL);
    json_object_object_add(o, "previous_severity",
                           ev == ALERT_ESCALATED ? json_object_new_string(severity_name(prev))
                                                 : NULL);
    json_object_object_add(o, "peer", p != NULL ? json_object_new_string(p->name) : NULL);
    json_object_object_add(o, "site_id",
                           json_object_new_int64(p != NULL ? p->site_id : f->site_id));
    json_object_object_add(o, "evidence_time", jnum_time(evidence_us));
    json_object_object_add(o, "emitted", jnum_time(now_us));
    json_object_object_add(o, "emitted_utc",
                           json_object_new_string(report_time_utc(now_us, utc, sizeof(utc))));
    txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    if (txt == NULL || fprintf(a->f, "%s\n", txt) < 0 || fflush(a->f) != 0)
        a->write_errors++;
    json_object_put(o);
}

size_t alerts_update(struct alerts *a, const struct snapshot *s, int64_t now_us)
{
    uint64_t before = events_total(a);
    struct astate *t;

    index_peers(a, s);
    memset(a->next, 0, a->tsize * sizeof(*a->next));
    for (size_t i = 0; i < s->n_findings && i < a->tsize / 2; i++) {
        const struct snap_finding *f = &s->findings[i];
        const struct snap_peer *p = find_peer(a, s, f->peer_key);
        uint64_t h = fkey(a, f), ok = peer_ok(f, p);
        const struct astate *old = slot(a->cur, a->tsize, h, f, false);
        struct astate *n = slot(a->next, a->tsize, h, f, true);
        bool occurred;

        if (n == NULL || n->used)
            continue;   /* a duplicate (kind, entity) in one snapshot: one state */
        if (old == NULL || (old->recovered && f->count > old->count)) {
            /* New, or back after a recovery. */
            memset(n, 0, sizeof(*n));
            n->h = h;
            n->kind = kind_of_snap(f);
            memcpy(n->entity, f->entity, sizeof(n->entity));
            n->entity[sizeof(n->entity) - 1] = '\0';
            n->sev = f->severity;
            n->level = count_level(f->count);
            n->ka_down = is_keepalive(f);
            /* Evidence time: the first occurrence completed the evidence
             * (so emitted - evidence_time is the honest alert latency); a
             * recurrence, the latest. */
            emit(a, s, ALERT_NEW, f, p, old != NULL ? "recurred" : NULL, f->severity,
                 old != NULL ? f->last_us : f->first_us, now_us);
            occurred = true;
        } else {
            *n = *old;
            occurred = f->count > old->count;
            if (!old->recovered && f->severity > old->sev)
                emit(a, s, ALERT_ESCALATED, f, p, "severity", old->sev, f->last_us, now_us);
            else if (!old->recovered && count_level(f->count) > old->level)
                emit(a, s, ALERT_ESCALATED, f, p, "count", old->sev, f->last_us, now_us);
            if (f->severity > n->sev)
                n->sev = f->severity;
            n->level = count_level(f->count);
        }
        {   /* a cause found after the alert: say it (the diagnosis re-runs
             * on every snapshot, so a root can arrive later) */
            const struct snap_finding *r = root_finding(s, f);
            if (old != NULL && !old->recovered && n->root[0] != '\0' &&
                strcmp(n->root, r->id) != 0)
                emit(a, s, ALERT_EXPLAINED, f, p, r == f ? "root cause gone" : NULL,
                     f->severity, r->last_us, now_us);
            memcpy(n->root, r->id, sizeof(n->root));
            n->root[sizeof(n->root) - 1] = '\0';
        }
        n->used = true;
        n->count = f->count;
        if (occurred)
            n->ok_mark = ok;
        /* A kind that lowers its finding to info when the condition ended
         * (hep_agent_quiet: the agent sends again): recovered. */
        if (!n->recovered && f->severity == SEV_INFO && n->sev > SEV_INFO && !occurred) {
            n->recovered = true;
            emit(a, s, ALERT_RECOVERED, f, p, "condition ended", f->severity, f->last_us, now_us);
            continue;
        }
        if (n->recovered || p == NULL)
            continue;
        if (is_keepalive(f)) {
            if (strcmp(p->keepalive, "down") == 0)
                n->ka_down = true;
            else if (strcmp(p->keepalive, "up") == 0 && n->ka_down) {
                n->recovered = true;
                n->ka_down = false;
                emit(a, s, ALERT_RECOVERED, f, p, "keepalive answered", f->severity,
                     s->run.last_ts_us, now_us);
            }
        } else if (recovers_on_success(f) && !occurred && ok > n->ok_mark) {
            n->recovered = true;
            emit(a, s, ALERT_RECOVERED, f, p,
                 kind_meta(kind_of_snap(f))->success_is_answer ? "answered again"
                                                     : "authentication succeeded again",
                 f->severity, s->run.last_ts_us, now_us);
        }
    }
    t = a->cur;
    a->cur = a->next;
    a->next = t;
    return (size_t)(events_total(a) - before);
}
