/*
 * diagnosis.h — from findings to root causes: who is who on the wire
 * (roles, each with its reason), what explains what (causal rules,
 * docs/findings.md "Diagnosis"), and one diagnosis per trunk, one for the
 * phone side and one for attacks, each with a confidence and the
 * differential (what is ruled out, what the capture cannot tell).
 *
 * Flow: engine_snapshot (correlate) → diagnosis_run → output | tui. It reads
 * and rewrites one struct snapshot and nothing else: no engine state, no
 * I/O. Thread: whoever built the snapshot (the analysis thread, or main
 * after the analysis ended), before the snapshot is published.
 */
#ifndef SIPSCOPE_DIAGNOSIS_H
#define SIPSCOPE_DIAGNOSIS_H

#include "snapshot.h"

/*
 * Fill s->peers[].role / role_why (and name the sides by role), the
 * findings' explains / explained_by, and s->diagnosis[] (most important
 * first; roots past SNAP_MAX_DIAGNOSIS are counted in
 * s->diagnosis_dropped). Running it twice gives the same result. Bounded:
 * O(findings² + peers·log peers) per call, no allocation but one scratch
 * array of peers (on failure the roles keep their defaults).
 */
void diagnosis_run(struct snapshot *s);

#endif
