/*
 * kind_meta.h — what the engine and the outputs know about each finding
 * kind, in one table keyed by enum kind_id (snapshot.h): its name, default
 * severity, rank (which one heads a verdict among equals), the kinds it can
 * explain (causal rules, docs/findings.md "Diagnosis"), and whether a later
 * success on the same peer clears it (alerts' "recovered").
 *
 * Flow: used by kinds, findings, the diagnosis and every output; read-only
 * constant data, any thread.
 */
#ifndef SIPSCOPE_KIND_META_H
#define SIPSCOPE_KIND_META_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

#define KIND_BIT(k) (1u << (unsigned)(k))

struct kind_meta {
    enum kind_id id;
    const char *name;           /* as in docs/findings.md and the JSON "kind" */
    enum severity severity;     /* default severity (a kind may raise another) */
    int rank;                   /* higher heads the verdict among equal severities */
    uint32_t explains;          /* KIND_BIT()s of the kinds whose findings it can explain */
    bool cleared_by_success;    /* a later authenticated / answered request disproves it */
    bool success_is_answer;     /* ...where "success" means any answer, not auth accepted */
    bool auth_failure;          /* an authentication or admission failure (metrics) */
    bool attack;                /* attack traffic: its failures are the attacker's */
};

/* Metadata of k; KIND_NONE (or out of range) gives a record named "". */
const struct kind_meta *kind_meta(enum kind_id k);
static inline const char *kind_name(enum kind_id k)
{
    return kind_meta(k)->name;
}
/* The kind named name (profile data, an older snapshot), KIND_NONE if
 * none: the one place where kind names are compared. */
enum kind_id kind_from_name(const char *name);
/* kind_id of a snapshot finding, from its name when a producer left the
 * enum unset. */
enum kind_id kind_of_snap(const struct snap_finding *f);
/* True when a finding of kind cause can explain one of kind effect. */
static inline bool kind_explains(enum kind_id cause, enum kind_id effect)
{
    return (kind_meta(cause)->explains & KIND_BIT(effect)) != 0;
}

#endif
