/*
 * test_diagnosis.c — the diagnosis stage (src/diagnosis/) on snapshots
 * built by hand: every causal rule of docs/findings.md links its two
 * findings only within its scope (the expected list below is written out,
 * so removing a rule fails here), the rules agree with kind_meta and have
 * no cycle, the root cause comes first however the findings are ordered,
 * two independent causes stay two, attacks fold into one, roles come with
 * their reasons, and the differential says "ruled out because" or "cannot
 * tell from this capture because".
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "diagnosis/diag_int.h"
#include "diagnosis/diagnosis.h"
#include "findings/kind_meta.h"

#define PBX "198.51.100.10"
#define PBX2 "198.51.100.77"
#define TRUNK "203.0.113.5"
#define TRUNK2 "203.0.113.9"
#define LAN "192.168.50.10"
#define EVIL "192.0.2.66"

static struct addr ip(const char *s)
{
    struct addr a;

    assert_true(addr_parse(s, strlen(s), &a));
    return a;
}

static struct snapshot snap;

static int setup(void **state)
{
    (void)state;
    return snapshot_init(&snap, 32, 16, 1, 1, 16, 1);
}

static int teardown(void **state)
{
    (void)state;
    snapshot_free(&snap);
    return 0;
}

static void reset(void)
{
    snapshot_clear(&snap);
}

static struct snap_peer *peer(const char *client, const char *server, uint64_t key)
{
    struct snap_peer *p = &snap.peers[snap.n_peers++];

    memset(p, 0, sizeof(*p));
    p->key = key;
    p->local.ip = ip(client);
    p->local.port = 5060;
    p->remote.ip = ip(server);
    p->remote.port = 5060;
    snprintf(p->role, sizeof(p->role), "trunk");
    p->side_local.requests = 4;
    p->requests[SIP_INVITE] = 4;
    p->side_remote.responses = 4;
    p->side_remote.first_resp_frame = 2;
    p->side_remote.last_resp_frame = 8;
    snprintf(p->keepalive, sizeof(p->keepalive), "-");
    return p;
}

static struct snap_finding *finding(enum kind_id k, const char *client, const char *server,
                                    uint64_t peer_key)
{
    struct snap_finding *f = &snap.findings[snap.n_findings++];

    memset(f, 0, sizeof(*f));
    f->kind_id = k;
    snprintf(f->kind, sizeof(f->kind), "%s", kind_name(k));
    f->severity = kind_meta(k)->severity;
    snprintf(f->id, sizeof(f->id), "F%zu", snap.n_findings);
    snprintf(f->summary, sizeof(f->summary), "%s summary", kind_name(k));
    f->count = 2;
    f->first_us = 1000000000LL;
    f->last_us = 1010000000LL;
    f->peer_key = peer_key;
    if (client != NULL)
        f->client_ip = ip(client);
    if (server != NULL)
        f->server_ip = ip(server);
    snprintf(f->fix[0], sizeof(f->fix[0]), "fix %s", kind_name(k));
    f->n_fix = 1;
    return f;
}

/* The rules of docs/findings.md "Diagnosis", written out again on purpose. */
static const struct { enum kind_id cause, effect; enum diag_scope scope; } expected[] = {
    { KIND_ACCOUNT_SUSPENDED, KIND_AUTH_REJECTED, SCOPE_SERVER },
    { KIND_ACCOUNT_SUSPENDED, KIND_IP_REJECTED, SCOPE_SERVER },
    { KIND_ACCOUNT_SUSPENDED, KIND_CARRIER_REJECTED, SCOPE_SERVER },
    { KIND_ACCOUNT_SUSPENDED, KIND_DIGEST_MISMATCH, SCOPE_SERVER },
    { KIND_PASSWORD_MISMATCH, KIND_AUTH_REJECTED, SCOPE_PEER },
    { KIND_PASSWORD_MISMATCH, KIND_DIGEST_MISMATCH, SCOPE_PEER },
    { KIND_BRUTE_FORCE, KIND_AUTH_REJECTED, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_IP_REJECTED, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_DIGEST_MISMATCH, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_CHALLENGE_UNANSWERED, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_NO_RESPONSE, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_PASSWORD_MISMATCH, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_AUTH_REJECTED, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_IP_REJECTED, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_DIGEST_MISMATCH, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_CHALLENGE_UNANSWERED, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_NO_RESPONSE, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_PASSWORD_MISMATCH, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_NAT_REWRITE, SCOPE_CLIENT },
    { KIND_BRUTE_FORCE, KIND_SIP_ALG, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_NAT_REWRITE, SCOPE_CLIENT },
    { KIND_SCANNER, KIND_SIP_ALG, SCOPE_CLIENT },
    { KIND_SOURCE_IP_CHANGED, KIND_IP_REJECTED, SCOPE_PAIR },
    { KIND_WRONG_REGION, KIND_AUTH_REJECTED, SCOPE_PAIR },
    { KIND_WRONG_REGION, KIND_NO_RESPONSE, SCOPE_PAIR },
    { KIND_WRONG_REGION, KIND_DIGEST_MISMATCH, SCOPE_PAIR },
    { KIND_NAT_REWRITE, KIND_NO_RESPONSE, SCOPE_ADVERTISED },
    { KIND_NAT_REWRITE, KIND_CHALLENGE_UNANSWERED, SCOPE_ADVERTISED },
    { KIND_KEEPALIVE_FAILED, KIND_NO_RESPONSE, SCOPE_INTERVAL },
    { KIND_UNEXPECTED_PEER, KIND_NO_RESPONSE, SCOPE_PAIR },
    { KIND_TLS_FAILED, KIND_NO_RESPONSE, SCOPE_PAIR },
    { KIND_TLS_FAILED, KIND_TLS_CERTIFICATE, SCOPE_SERVER },
    { KIND_MEDIA_NAT, KIND_ONE_WAY_MEDIA, SCOPE_ENTITY },
    { KIND_MEDIA_NAT, KIND_NO_MEDIA, SCOPE_ENTITY },
    { KIND_SIP_ALG, KIND_DIGEST_MISMATCH, SCOPE_PEER },
    { KIND_AUTH_REJECTED, KIND_DIGEST_MISMATCH, SCOPE_PEER },
    { KIND_HEP_AGENT_QUIET, KIND_NO_RESPONSE, SCOPE_SITE },
    { KIND_HEP_AGENT_QUIET, KIND_KEEPALIVE_FAILED, SCOPE_SITE },
    { KIND_HEP_AGENT_QUIET, KIND_CHALLENGE_UNANSWERED, SCOPE_SITE },
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* The table, kind_meta's explains bits and the list above agree; no cycle. */
static void test_rules_table(void **state)
{
    (void)state;
    assert_int_equal(diag_n_rules, N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        bool found = false;
        for (size_t j = 0; j < diag_n_rules; j++)
            found |= diag_rules[j].cause == expected[i].cause &&
                     diag_rules[j].effect == expected[i].effect &&
                     diag_rules[j].scope == expected[i].scope;
        assert_true(found);
        assert_true(kind_explains(expected[i].cause, expected[i].effect));
    }
    for (int c = 1; c < KIND_COUNT; c++)
        for (int e = 1; e < KIND_COUNT; e++) {
            bool found = false;
            if (!kind_explains((enum kind_id)c, (enum kind_id)e))
                continue;
            for (size_t j = 0; j < diag_n_rules; j++)
                found |= diag_rules[j].cause == (enum kind_id)c &&
                         diag_rules[j].effect == (enum kind_id)e;
            assert_true(found);     /* a kind_meta bit without its rule */
            /* no cycle of length 2 and, by rank, none longer: a cause that
             * is an effect too ranks above what it explains */
            assert_false(kind_explains((enum kind_id)e, (enum kind_id)c));
        }
}

/* Each expected rule links two findings in its scope, and only there. */
static void test_each_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_EXPECTED; i++) {
        struct snap_finding *c, *e;
        reset();
        peer(PBX, TRUNK, 7);
        c = finding(expected[i].cause, PBX, TRUNK, 7);
        e = finding(expected[i].effect, PBX, TRUNK, 7);
        snprintf(c->entity, sizeof(c->entity), "call a1@x");
        snprintf(e->entity, sizeof(e->entity), "call a1@x");
        if (expected[i].scope == SCOPE_ADVERTISED) {
            c->advertised_ip = ip(LAN);
            e->client_ip = ip(TRUNK);       /* the far end's request to the private address */
            e->server_ip = ip(LAN);
            e->peer_key = 8;
        }
        if (expected[i].scope == SCOPE_SITE) {
            snap.peers[0].site_id = c->site_id = 42;    /* the peer came through agent 42 */
            c->client_ip = ip("192.0.2.40");
            c->server_ip = (struct addr){ 0 };
            c->peer_key = 0;
        }
        diagnosis_run(&snap);
        if (strcmp(e->explained_by, c->id) != 0)
            fail_msg("rule %s -> %s did not link", kind_name(expected[i].cause),
                     kind_name(expected[i].effect));
        assert_int_equal(c->n_explains, 1);
        assert_string_equal(c->explains[0], e->id);
        assert_int_equal(snap.n_diagnosis, 1);
        assert_int_equal(snap.diagnosis[0].root_cause, expected[i].cause);
        assert_int_equal(snap.diagnosis[0].n_explains, 1);
        /* out of scope: another server, another client, another peer */
        reset();
        peer(PBX, TRUNK, 7);
        peer(PBX2, TRUNK2, 9);
        c = finding(expected[i].cause, PBX, TRUNK, 7);
        e = finding(expected[i].effect, PBX2, TRUNK2, 9);
        snprintf(c->entity, sizeof(c->entity), "call a1@x");
        snprintf(e->entity, sizeof(e->entity), "call b2@y");
        diagnosis_run(&snap);
        if (e->explained_by[0] != '\0')
            fail_msg("rule %s -> %s linked out of scope", kind_name(expected[i].cause),
                     kind_name(expected[i].effect));
    }
}

/* Keep-alive outages explain the silence of their own interval only. */
static void test_interval(void **state)
{
    struct snap_finding *c, *e;
    (void)state;
    reset();
    peer(PBX, TRUNK, 7);
    c = finding(KIND_KEEPALIVE_FAILED, PBX, TRUNK, 7);
    e = finding(KIND_NO_RESPONSE, PBX, TRUNK, 7);
    e->first_us = e->last_us = c->last_us + 3600 * 1000000LL;     /* an hour later */
    diagnosis_run(&snap);
    assert_string_equal(e->explained_by, "");
    assert_int_equal(snap.n_diagnosis, 2);
}

/* A warning that explains an error heads the verdict, with the error's
 * severity (auth_rejected above wrong_region was the bug). */
static void test_root_first(void **state)
{
    struct snap_finding *a;
    (void)state;
    reset();
    peer(PBX, TRUNK, 7);
    a = finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);    /* listed first, as the store sorts */
    finding(KIND_WRONG_REGION, PBX, TRUNK, 7);
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 1);
    assert_int_equal(snap.diagnosis[0].root_cause, KIND_WRONG_REGION);
    assert_int_equal(snap.diagnosis[0].severity, SEV_ERROR);
    assert_string_equal(snap.diagnosis[0].explains[0], a->id);
    assert_string_equal(snap.diagnosis[0].confidence, "high");
    assert_string_equal(snap.diagnosis[0].fix, "fix wrong_region");
}

/* Two independent causes are both reported: a real wrong password while a
 * scanner fails from elsewhere; NAT and an address change on one trunk. */
static void test_two_causes(void **state)
{
    struct snap_finding *pbx_auth, *evil_auth;
    (void)state;
    reset();
    peer(PBX, TRUNK, 7);
    peer(EVIL, TRUNK, 9);
    pbx_auth = finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    evil_auth = finding(KIND_AUTH_REJECTED, EVIL, TRUNK, 9);
    finding(KIND_BRUTE_FORCE, EVIL, TRUNK, 9);
    finding(KIND_SCANNER, EVIL, TRUNK, 9);
    diagnosis_run(&snap);
    assert_string_equal(pbx_auth->explained_by, "");
    assert_string_not_equal(evil_auth->explained_by, "");
    assert_int_equal(snap.n_diagnosis, 2);
    /* one attack entry (brute force and scan fold together), one trunk */
    assert_true((snap.diagnosis[0].root_cause == KIND_BRUTE_FORCE &&
                 snap.diagnosis[1].root_cause == KIND_AUTH_REJECTED) ||
                (snap.diagnosis[1].root_cause == KIND_BRUTE_FORCE &&
                 snap.diagnosis[0].root_cause == KIND_AUTH_REJECTED));
    for (size_t i = 0; i < 2; i++)
        if (snap.diagnosis[i].root_cause == KIND_BRUTE_FORCE) {
            assert_string_equal(snap.diagnosis[i].role, "attack");
            assert_int_equal(snap.diagnosis[i].n_explains, 1);     /* its 403s */
            assert_int_equal(snap.diagnosis[i].n_roots, 2);        /* brute force + scan */
        } else {
            assert_string_equal(snap.diagnosis[i].role, "trunk");
        }
    /* the attacker's peer is named as such, with the reason */
    assert_string_equal(snap.peers[1].role, ROLE_ATTACKER);
    assert_non_null(strstr(snap.peers[1].role_why, "brute_force"));
    assert_non_null(strstr(snap.peers[1].name, "attacker " EVIL));

    reset();
    peer(PBX, TRUNK, 7);
    peer(PBX2, TRUNK, 9);
    finding(KIND_NAT_REWRITE, PBX, TRUNK, 7);
    finding(KIND_SOURCE_IP_CHANGED, PBX2, TRUNK, 9);
    finding(KIND_IP_REJECTED, PBX2, TRUNK, 9);
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 2);
    assert_int_equal(snap.diagnosis[0].root_cause, KIND_SOURCE_IP_CHANGED);
    assert_int_equal(snap.diagnosis[1].root_cause, KIND_NAT_REWRITE);
}

/* Roles from the wire, each with its reason. */
static void test_roles(void **state)
{
    struct snap_peer *ph1, *ph2, *tr, *guess;
    (void)state;
    reset();
    ph1 = peer("192.168.1.21", "192.168.1.2", 1);
    ph2 = peer("192.168.1.22", "192.168.1.2", 2);
    ph1->side_local.registers = ph2->side_local.registers = 1;
    tr = peer("192.168.1.2", TRUNK, 3);
    tr->side_remote.challenges = 2;
    guess = peer(PBX2, TRUNK2, 4);
    diagnosis_run(&snap);
    assert_string_equal(ph1->role, ROLE_PHONE);
    assert_non_null(strstr(ph1->role_why, "registers with 192.168.1.2"));
    assert_string_equal(ph1->name, "phone 192.168.1.21 -> PBX 192.168.1.2:5060");
    assert_string_equal(tr->role, ROLE_TRUNK);
    assert_non_null(strstr(tr->role_why, "challenges the requests of 192.168.1.2"));
    assert_string_equal(tr->name, "PBX 192.168.1.2 -> trunk " TRUNK ":5060");
    assert_non_null(strstr(guess->role_why, "a guess"));

    /* a public registrar that sends requests on to a third party is a PBX
     * (its requests back to the registering side itself are not onward);
     * without onward traffic, one public registrar of one device is a trunk */
    reset();
    ph1 = peer(PBX, TRUNK, 1);
    ph1->side_local.registers = 1;
    tr = peer(TRUNK, TRUNK2, 2);
    guess = peer(TRUNK, PBX, 3);
    diagnosis_run(&snap);
    assert_string_equal(ph1->role, ROLE_PHONE);
    assert_non_null(strstr(ph1->role_why, "sends requests on to 1 other address(es)"));
    reset();
    ph1 = peer(PBX, TRUNK, 1);
    ph1->side_local.registers = 1;
    guess = peer(TRUNK, PBX, 2);
    diagnosis_run(&snap);
    assert_string_equal(ph1->role, ROLE_TRUNK);

    /* a public registrar of two PBXs, with a provider profile: a trunk */
    reset();
    ph1 = peer(PBX, TRUNK, 1);
    ph2 = peer(PBX2, TRUNK, 2);
    ph1->side_local.registers = ph2->side_local.registers = 1;
    snprintf(ph1->provider, sizeof(ph1->provider), "twilio");
    snprintf(ph2->provider, sizeof(ph2->provider), "twilio");
    diagnosis_run(&snap);
    assert_string_equal(ph1->role, ROLE_TRUNK);
    assert_non_null(strstr(ph1->role_why, "provider profile twilio"));

    /* nothing sent either way */
    reset();
    tr = peer(PBX, TRUNK, 1);
    tr->side_local.requests = tr->side_remote.responses = 0;
    tr->requests[SIP_INVITE] = 0;
    diagnosis_run(&snap);
    assert_string_equal(tr->role, ROLE_NONE);
}

/* The differential: each cause is ruled out with a reason, or the capture
 * cannot tell, never silently skipped; the root's own cause is not listed. */
static void test_differential(void **state)
{
    const struct snap_diagnosis *d;
    struct snap_peer *p;
    bool acl = false, keep = false;
    (void)state;
    reset();
    p = peer(PBX, TRUNK, 7);
    p->side_remote.challenges = 3;
    finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    diagnosis_run(&snap);
    d = &snap.diagnosis[0];
    assert_int_equal(d->n_ruled_out, 11);
    for (uint32_t i = 0; i < d->n_ruled_out; i++) {
        const char *w = d->ruled_out[i].why;
        assert_true(strncmp(w, "ruled out because ", 18) == 0 ||
                    strncmp(w, "cannot tell from this capture because ", 38) == 0);
        assert_string_not_equal(d->ruled_out[i].cause, "credentials");
        if (strcmp(d->ruled_out[i].cause, "ip_acl") == 0) {
            acl = true;
            assert_non_null(strstr(w, "ruled out because " TRUNK " challenged"));
        }
        if (strcmp(d->ruled_out[i].cause, "keepalive_outage") == 0) {
            keep = true;
            assert_non_null(strstr(w, "cannot tell"));     /* no OPTIONS in the capture */
        }
    }
    assert_true(acl && keep);
}

static void evidence(struct snap_finding *f, uint64_t a, uint64_t b)
{
    f->evidence[0].frame = a;
    f->evidence[1].frame = b;
    f->n_evidence = 2;
}

/* Roots of one cause fold into one entry with every root and evidence
 * frame: one kind on one trunk; for the client's own set-up (TLS, NAT),
 * one client towards many servers (nDPI__webex: 11 failed handshakes were
 * 11 root causes) or many clients against one server. Other kinds on two
 * trunks stay two: a wrong password on each is two accounts to fix. */
static void test_fold(void **state)
{
    const struct snap_diagnosis *d;
    struct snap_finding *f;
    (void)state;
    reset();
    for (int i = 0; i < 5; i++) {
        char sv[32];
        snprintf(sv, sizeof(sv), "203.0.113.%d", 20 + i);
        f = finding(KIND_TLS_FAILED, PBX, sv, 0);
        snprintf(f->entity, sizeof(f->entity), "%s to %s:5061", PBX, sv);
        evidence(f, (uint64_t)(50 - 10 * i), (uint64_t)(51 - 10 * i));
    }
    evidence(f, 10, 40);    /* frames shared with another root: listed once */
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 1);
    d = &snap.diagnosis[0];
    assert_int_equal(d->root_cause, KIND_TLS_FAILED);
    assert_int_equal(d->n_roots, 5);
    assert_string_equal(d->roots[0], d->finding);
    assert_string_equal(d->trunk, PBX " to 5 servers");
    assert_non_null(strstr(d->summary, "(and 4 more like it)"));
    assert_int_equal(d->n_explains, 0);
    assert_int_equal(d->n_frames, 9);
    static const uint64_t want[] = { 10, 20, 21, 30, 31, 40, 41, 50, 51 };
    for (uint32_t k = 0; k < d->n_frames; k++)
        assert_int_equal(d->frames[k], want[k]);

    /* many phones failing TLS against one server: that server's cause */
    reset();
    for (int i = 0; i < 3; i++) {
        char cl[32];
        snprintf(cl, sizeof(cl), "192.168.1.%d", 30 + i);
        f = finding(KIND_TLS_FAILED, cl, TRUNK, 0);
        snprintf(f->entity, sizeof(f->entity), "%s to " TRUNK ":5061", cl);
    }
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 1);
    assert_string_equal(snap.diagnosis[0].trunk, "3 clients to " TRUNK);

    /* the PBX's NAT set-up (its LAN address in Contact) towards two
     * trunks, and a SIP ALG on its way to both: one cause each */
    for (int k = 0; k < 2; k++) {
        enum kind_id kind = k == 0 ? KIND_NAT_REWRITE : KIND_SIP_ALG;
        reset();
        peer(PBX, TRUNK, 7);
        peer(PBX, TRUNK2, 9);
        finding(kind, PBX, TRUNK, 7);
        finding(kind, PBX, TRUNK2, 9);
        diagnosis_run(&snap);
        assert_int_equal(snap.n_diagnosis, 1);
        assert_int_equal(snap.diagnosis[0].n_roots, 2);
        assert_string_equal(snap.diagnosis[0].trunk, PBX " to 2 servers");
    }

    /* a wrong password on two trunks: two diagnoses */
    reset();
    peer(PBX, TRUNK, 7);
    peer(PBX, TRUNK2, 9);
    finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    finding(KIND_AUTH_REJECTED, PBX, TRUNK2, 9);
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 2);
    assert_int_equal(snap.diagnosis[0].n_roots, 1);

    /* two users refused on one trunk: one diagnosis, both roots */
    reset();
    peer(PBX, TRUNK, 7);
    f = finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    snprintf(f->entity, sizeof(f->entity), "1001");
    f = finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    snprintf(f->entity, sizeof(f->entity), "1002");
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 1);
    assert_int_equal(snap.diagnosis[0].n_roots, 2);
    assert_string_equal(snap.diagnosis[0].roots[1], f->id);

    /* a population of sources is named by its entity, not by the peer of
     * the source that raised it last (one of 50); a population of users
     * keeps its peer's roles */
    reset();
    peer("192.0.2.66", TRUNK, 7);
    f = finding(KIND_BRUTE_FORCE, "192.0.2.66", TRUNK, 7);
    snprintf(f->entity, sizeof(f->entity), "50 sources to " TRUNK);
    snprintf(f->population, sizeof(f->population), "sources");
    f->n_members = 50;
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, 1);
    assert_string_equal(snap.diagnosis[0].trunk, "50 sources to " TRUNK);
    reset();
    peer(PBX, TRUNK, 7);
    f = finding(KIND_AUTH_REJECTED, PBX, TRUNK, 7);
    snprintf(f->entity, sizeof(f->entity), "1001, 1002 from " PBX " to " TRUNK);
    snprintf(f->population, sizeof(f->population), "users");
    f->n_members = 2;
    diagnosis_run(&snap);
    assert_null(strstr(snap.diagnosis[0].trunk, "1001"));
}

/* More roots than entries: counted, never silently dropped. */
static void test_dropped(void **state)
{
    (void)state;
    reset();
    for (int i = 0; i < SNAP_MAX_DIAGNOSIS + 3; i++) {
        char c[32];
        snprintf(c, sizeof(c), "198.51.100.%d", 100 + i);
        peer(c, TRUNK, (uint64_t)(i + 1));
        finding(KIND_IP_REJECTED, c, TRUNK, (uint64_t)(i + 1));
        if (snap.n_peers == snap.cap_peers)
            break;
    }
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, SNAP_MAX_DIAGNOSIS);
    assert_int_equal(snap.n_diagnosis + snap.diagnosis_dropped, snap.n_peers);
    /* running it again gives the same */
    diagnosis_run(&snap);
    assert_int_equal(snap.n_diagnosis, SNAP_MAX_DIAGNOSIS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_table),
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_root_first),
        cmocka_unit_test(test_two_causes),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_dropped),
        cmocka_unit_test(test_fold),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
