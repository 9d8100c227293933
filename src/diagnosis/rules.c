/*
 * rules.c — the causal rules: which finding explains which. Each row is a
 * general rule (never about one capture), documented with its source in
 * docs/findings.md "Diagnosis: what explains what", and each has a test
 * that fails without it (tests/unit/diagnosis/test_diagnosis.c). The kind
 * pairs are the explains bits of findings/kind_meta.c; the scope says which
 * findings of those kinds belong together.
 *
 * Flow: diagnosis.c links findings with diag_rule_for. Constant data; the
 * caller's thread.
 */
#include <string.h>

#include "diag_int.h"

#define R(c, e, sc, w) { KIND_##c, KIND_##e, SCOPE_##sc, w }

const struct diag_rule diag_rules[] = {
    /* The carrier refuses the account itself: every refusal of it follows. */
    R(ACCOUNT_SUSPENDED, AUTH_REJECTED, SERVER, "the carrier refuses the account itself"),
    R(ACCOUNT_SUSPENDED, IP_REJECTED, SERVER, "the carrier refuses the account itself"),
    R(ACCOUNT_SUSPENDED, CARRIER_REJECTED, SERVER, "the carrier refuses the account itself"),
    R(ACCOUNT_SUSPENDED, DIGEST_MISMATCH, SERVER, "the carrier refuses the account itself"),
    /* --secrets settles the credential question. */
    R(PASSWORD_MISMATCH, AUTH_REJECTED, PEER, "--secrets: the digest was computed with "
                                               "another password"),
    R(PASSWORD_MISMATCH, DIGEST_MISMATCH, PEER, "--secrets: the digest was computed with "
                                                 "another password"),
    /* An attacker's failures are the attack's, never the PBX's credentials. */
    R(BRUTE_FORCE, AUTH_REJECTED, CLIENT, "the refused logins come from the password guesser"),
    R(BRUTE_FORCE, IP_REJECTED, CLIENT, "the refused requests come from the password guesser"),
    R(BRUTE_FORCE, DIGEST_MISMATCH, CLIENT, "the attacker's digests"),
    R(BRUTE_FORCE, CHALLENGE_UNANSWERED, CLIENT, "the attacker's unanswered challenges"),
    R(BRUTE_FORCE, NO_RESPONSE, CLIENT, "the attacker's unanswered probes"),
    R(BRUTE_FORCE, PASSWORD_MISMATCH, CLIENT, "the guessed passwords are the attacker's"),
    R(SCANNER, AUTH_REJECTED, CLIENT, "the refused logins come from the scanner"),
    R(SCANNER, IP_REJECTED, CLIENT, "the refused requests come from the scanner"),
    R(SCANNER, DIGEST_MISMATCH, CLIENT, "the scanner's digests"),
    R(SCANNER, CHALLENGE_UNANSWERED, CLIENT, "scanners do not answer challenges"),
    R(SCANNER, NO_RESPONSE, CLIENT, "the scanner's unanswered probes"),
    R(SCANNER, PASSWORD_MISMATCH, CLIENT, "the guessed passwords are the scanner's"),
    /* An attacker's own headers (svmap's Contact 127.0.0.1) are forged, not NAT. */
    R(BRUTE_FORCE, NAT_REWRITE, CLIENT, "the private address is in the attacker's own headers"),
    R(BRUTE_FORCE, SIP_ALG, CLIENT, "the odd headers are the attacker's own"),
    R(SCANNER, NAT_REWRITE, CLIENT, "the private address is in the scanner's own headers"),
    R(SCANNER, SIP_ALG, CLIENT, "the odd headers are the scanner's own"),
    /* A changed source address explains the IP ACL refusals from it. */
    R(SOURCE_IP_CHANGED, IP_REJECTED, PAIR, "the trunk's IP access list still has the old "
                                             "address"),
    /* The wrong regional edge explains what fails on that trunk. */
    R(WRONG_REGION, AUTH_REJECTED, PAIR, "the edge the requests go to is not the one the "
                                          "account or URI belongs to"),
    R(WRONG_REGION, NO_RESPONSE, PAIR, "providers drop requests sent to the wrong edge"),
    R(WRONG_REGION, DIGEST_MISMATCH, PAIR, "the edge's realm is not the account's"),
    /* A private Contact/Via: in-dialog requests and answers towards it are lost. */
    R(NAT_REWRITE, NO_RESPONSE, ADVERTISED, "requests sent to a private address advertised "
                                             "through NAT cannot arrive"),
    R(NAT_REWRITE, CHALLENGE_UNANSWERED, ADVERTISED, "the challenge went to an address the "
                                                      "NAT does not map"),
    /* A keep-alive outage explains the silence in the same interval. */
    R(KEEPALIVE_FAILED, NO_RESPONSE, INTERVAL, "the trunk was unreachable at that time "
                                                "(keep-alive outage)"),
    /* Requests sent to an address that is not the provider's go unanswered. */
    R(UNEXPECTED_PEER, NO_RESPONSE, PAIR, "the requests go to an address that is not the "
                                           "provider's"),
    /* A failed TLS handshake: the SIP inside never got through. */
    R(TLS_FAILED, NO_RESPONSE, PAIR, "the TLS connection the requests needed failed"),
    R(TLS_FAILED, TLS_CERTIFICATE, SERVER, "the certificate problem is why the handshake "
                                            "failed"),
    /* Media sent to a private SDP address: the call's audio is lost. */
    R(MEDIA_NAT, ONE_WAY_MEDIA, ENTITY, "the SDP names a private address the other side "
                                         "cannot send to"),
    R(MEDIA_NAT, NO_MEDIA, ENTITY, "the SDP names a private address the other side cannot "
                                    "send to"),
    /* A SIP ALG that rewrites headers breaks digests computed before it. */
    R(SIP_ALG, DIGEST_MISMATCH, PEER, "a SIP ALG rewrote the request after it was signed"),
    /* The agent that collected the site went quiet: what was not collected
     * is not lost on the wire (hep_agent_quiet, docs/findings.md). */
    R(HEP_AGENT_QUIET, NO_RESPONSE, SITE, "the HEP agent of this site went quiet: the "
                                          "answers were not collected, not lost"),
    R(HEP_AGENT_QUIET, KEEPALIVE_FAILED, SITE, "the HEP agent of this site went quiet: the "
                                               "keep-alive answers were not collected"),
    R(HEP_AGENT_QUIET, CHALLENGE_UNANSWERED, SITE, "the HEP agent of this site went quiet: "
                                                   "the retry was not collected"),
    /* A digest anomaly the server did not act on ranks below a plain refusal. */
    R(AUTH_REJECTED, DIGEST_MISMATCH, PEER, "the refusal is the server's answer; the digest "
                                             "detail is how it was computed"),
};

const size_t diag_n_rules = sizeof(diag_rules) / sizeof(diag_rules[0]);

static bool set(const struct addr *a)
{
    return !addr_is_unset(a);
}

static bool same(const struct addr *a, const struct addr *b)
{
    return set(a) && set(b) && addr_eq(a, b);
}

static bool same_pair(const struct snap_finding *c, const struct snap_finding *e)
{
    return same(&c->client_ip, &e->client_ip) && same(&c->server_ip, &e->server_ip);
}

/* Timer F (32 s) after a lost request, the kind knows it was lost. */
#define TIMER_F_US (32LL * 1000000)

static bool scope_holds(const struct snapshot *s, enum diag_scope sc,
                        const struct snap_finding *c, const struct snap_finding *e)
{
    const struct snap_peer *p;

    switch (sc) {
    case SCOPE_PEER:
        return (c->peer_key != 0 && c->peer_key == e->peer_key) || same_pair(c, e);
    case SCOPE_PAIR:
        return same_pair(c, e);
    case SCOPE_SERVER:
        return same(&c->server_ip, &e->server_ip);
    case SCOPE_CLIENT:
        return same(&c->client_ip, &e->client_ip);
    case SCOPE_ADVERTISED:
        /* sent to the private address itself; or, on the same pair, when
         * nat_rewrite saw the answers go astray (it is an error then: a
         * private Via without rport, answers to an unmapped port) */
        return same(&c->advertised_ip, &e->server_ip) ||
               (c->severity >= SEV_ERROR && same_pair(c, e));
    case SCOPE_ENTITY:
        return c->entity[0] != '\0' && strcmp(c->entity, e->entity) == 0;
    case SCOPE_INTERVAL:
        /* f.first_us is when the outage was known (timer F after its first
         * lost ping), last_us its latest report */
        return same_pair(c, e) && e->last_us >= c->first_us - 2 * TIMER_F_US &&
               e->first_us <= c->last_us + TIMER_F_US;
    case SCOPE_SITE:
        /* e's peer came through the agent c is about (its capture id), and e
         * began at most timer F before the agent's last record (c.first_us:
         * an answer due after it was not collected) and before c's latest
         * report (still silent, or when it sent again) */
        p = diag_peer_of(s, e);
        return c->site_id != 0 && p != NULL && p->site_id == c->site_id &&
               e->first_us >= c->first_us - TIMER_F_US && e->first_us <= c->last_us;
    }
    return false;
}

const struct diag_rule *diag_rule_for(const struct snapshot *s, const struct snap_finding *c,
                                      const struct snap_finding *e)
{
    enum kind_id ck = c->kind_id, ek = e->kind_id;

    if (c == e)
        return NULL;
    for (size_t i = 0; i < diag_n_rules; i++)
        if (diag_rules[i].cause == ck && diag_rules[i].effect == ek &&
            scope_holds(s, diag_rules[i].scope, c, e))
            return &diag_rules[i];
    return NULL;
}
