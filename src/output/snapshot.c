/*
 * snapshot.c — storage for struct snapshot (see snapshot.h): allocation to
 * fixed capacities at start-up, clearing and deep copy. The engine fills a
 * snapshot; the copy is what crosses to the UI thread.
 */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

const char *severity_name(enum severity s)
{
    switch (s) {
    case SEV_INFO: return "info";
    case SEV_WARNING: return "warning";
    case SEV_ERROR: return "error";
    case SEV_CRITICAL: return "critical";
    }
    return "?";
}

int snapshot_init(struct snapshot *s, size_t findings, size_t peers, size_t dialogs,
                  size_t msgs, size_t raw_bytes, size_t counters)
{
    memset(s, 0, sizeof(*s));
    s->findings = calloc(findings ? findings : 1, sizeof(*s->findings));
    s->peers = calloc(peers ? peers : 1, sizeof(*s->peers));
    s->dialogs = calloc(dialogs ? dialogs : 1, sizeof(*s->dialogs));
    s->msgs = calloc(msgs ? msgs : 1, sizeof(*s->msgs));
    s->raw = malloc(raw_bytes ? raw_bytes : 1);
    s->counters = calloc(counters ? counters : 1, sizeof(*s->counters));
    s->media = calloc(SNAP_MAX_MEDIA, sizeof(*s->media));
    s->media_calls = calloc(SNAP_MAX_MEDIA_CALLS, sizeof(*s->media_calls));
    s->tls = calloc(SNAP_MAX_TLS, sizeof(*s->tls));
    if (!s->tls || !s->findings || !s->peers || !s->dialogs || !s->msgs || !s->raw || !s->counters ||
        !s->media || !s->media_calls) {
        snapshot_free(s);
        return ERR_NOMEM;
    }
    s->cap_findings = findings;
    s->cap_peers = peers;
    s->cap_dialogs = dialogs;
    s->cap_msgs = msgs;
    s->cap_raw = raw_bytes;
    s->cap_counters = counters;
    return 0;
}

void snapshot_free(struct snapshot *s)
{
    free(s->findings);
    free(s->peers);
    free(s->dialogs);
    free(s->msgs);
    free(s->raw);
    free(s->counters);
    free(s->media);
    free(s->media_calls);
    free(s->tls);
    free(s->members);
    memset(s, 0, sizeof(*s));
}

int snapshot_members_init(struct snapshot *s, size_t cap)
{
    free(s->members);
    s->n_members = s->cap_members = 0;
    s->members = calloc(cap ? cap : 1, sizeof(*s->members));
    if (s->members == NULL)
        return ERR_NOMEM;
    s->cap_members = cap;
    return 0;
}

void snapshot_clear(struct snapshot *s)
{
    s->n_findings = s->n_peers = s->n_dialogs = s->n_msgs = s->raw_len = s->n_counters = 0;
    s->evictions = 0;
    s->n_diagnosis = s->diagnosis_dropped = 0;
    s->n_media = s->n_media_calls = 0;
    s->media_not_shown = s->media_calls_not_shown = 0;
    s->n_members = 0;
    s->members_not_shown = 0;
    s->n_tls = 0;
    s->tls_not_shown = 0;
    memset(s->findings_by_severity, 0, sizeof(s->findings_by_severity));
}

#define COPY_ARRAY(field, n, cap) do { \
        dst->n = src->n < dst->cap ? src->n : dst->cap; \
        if (dst->n > 0) \
            memcpy(dst->field, src->field, dst->n * sizeof(*dst->field)); \
    } while (0)

void snapshot_copy(struct snapshot *dst, const struct snapshot *src)
{
    dst->run = src->run;
    dst->run.stats_walk = NULL;
    dst->run.stats_ctx = NULL;
    dst->seq = src->seq;
    dst->evictions = src->evictions;
    memcpy(dst->findings_by_severity, src->findings_by_severity,
           sizeof(dst->findings_by_severity));
    COPY_ARRAY(findings, n_findings, cap_findings);
    dst->n_diagnosis = src->n_diagnosis < SNAP_MAX_DIAGNOSIS ? src->n_diagnosis
                                                             : SNAP_MAX_DIAGNOSIS;
    memcpy(dst->diagnosis, src->diagnosis, dst->n_diagnosis * sizeof(dst->diagnosis[0]));
    dst->diagnosis_dropped = src->diagnosis_dropped;
    COPY_ARRAY(peers, n_peers, cap_peers);
    COPY_ARRAY(dialogs, n_dialogs, cap_dialogs);
    COPY_ARRAY(msgs, n_msgs, cap_msgs);
    COPY_ARRAY(raw, raw_len, cap_raw);
    COPY_ARRAY(counters, n_counters, cap_counters);
    dst->n_media = src->n_media < SNAP_MAX_MEDIA ? src->n_media : SNAP_MAX_MEDIA;
    if (dst->n_media > 0)
        memcpy(dst->media, src->media, dst->n_media * sizeof(*dst->media));
    dst->media_not_shown = src->media_not_shown;
    dst->n_media_calls = src->n_media_calls < SNAP_MAX_MEDIA_CALLS ? src->n_media_calls
                                                                   : SNAP_MAX_MEDIA_CALLS;
    if (dst->n_media_calls > 0)
        memcpy(dst->media_calls, src->media_calls,
               dst->n_media_calls * sizeof(*dst->media_calls));
    dst->media_calls_not_shown = src->media_calls_not_shown;
    COPY_ARRAY(members, n_members, cap_members);
    dst->n_tls = src->n_tls < SNAP_MAX_TLS ? src->n_tls : SNAP_MAX_TLS;
    if (dst->n_tls > 0 && dst->tls != NULL)
        memcpy(dst->tls, src->tls, dst->n_tls * sizeof(*dst->tls));
    dst->tls_not_shown = src->tls_not_shown;
    dst->members_not_shown = src->members_not_shown + (src->n_members - dst->n_members);
}
