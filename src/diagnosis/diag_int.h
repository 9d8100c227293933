/*
 * diag_int.h — private to src/diagnosis/: the causal rule table (rules.c),
 * role inference (roles.c) and the helpers diagnosis.c shares with them.
 * Thread: the caller of diagnosis_run.
 */
#ifndef SIPSCOPE_DIAG_INT_H
#define SIPSCOPE_DIAG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* Which findings a rule connects, besides the kinds. */
enum diag_scope {
    SCOPE_PEER = 0,     /* the same peer (or the same client and server addresses) */
    SCOPE_PAIR,         /* the same client and server addresses */
    SCOPE_SERVER,       /* the same server address (an account / trunk-wide cause) */
    SCOPE_CLIENT,       /* the same client address (an attacker's own failures) */
    SCOPE_ADVERTISED,   /* the effect went to the address the cause's client advertised */
    SCOPE_INTERVAL,     /* the same pair, and the effect happened during the cause */
    SCOPE_ENTITY,       /* the same entity (one call's media: media_judge_entity) */
    SCOPE_SITE,         /* the effect's peer came through the cause's HEP agent (site_id),
                         * from its silence on (hep_agent_quiet) */
};

/* One causal rule: a finding of kind cause explains a finding of kind
 * effect when scope holds. docs/findings.md "Diagnosis" lists them with
 * their sources; kind_meta's explains bits are checked against this table
 * (tests/unit/diagnosis/test_diagnosis.c). */
struct diag_rule {
    enum kind_id cause, effect;
    enum diag_scope scope;
    const char *why;            /* one line, for the report: why cause explains effect */
};

extern const struct diag_rule diag_rules[];
extern const size_t diag_n_rules;

/* The rule by which c explains e, NULL if none holds. */
const struct diag_rule *diag_rule_for(const struct snapshot *s, const struct snap_finding *c,
                                      const struct snap_finding *e);

/* Roles: fill peers[].role, role_why and name (roles.c). */
void diag_roles(struct snapshot *s);
/* The peer a finding is about (by peer_key, else by its addresses), or NULL. */
const struct snap_peer *diag_peer_of(const struct snapshot *s, const struct snap_finding *f);

/* Roles as stored in snap_peer.role (the role of the peer's remote side,
 * seen from the PBX; "attacker" names the local, requesting side). */
#define ROLE_TRUNK "trunk"
#define ROLE_PHONE "phone"
#define ROLE_ATTACKER "attacker"
#define ROLE_NONE "none"        /* no request and no answer of its own */

#endif
