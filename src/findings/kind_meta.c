/*
 * kind_meta.c — the table of finding kinds (kind_meta.h). The rank keeps
 * the order the engine's headline used (most specific diagnosis first);
 * "explains" holds the causal rules documented in docs/findings.md
 * ("Diagnosis: what explains what"). Constant data, any thread.
 */
#include "kind_meta.h"

#include <string.h>

#define B KIND_BIT

static const struct kind_meta table[KIND_COUNT] = {
    [KIND_NONE] = { KIND_NONE, "", SEV_INFO, 0, 0, false, false, false, false },
    [KIND_ACCOUNT_SUSPENDED] = { KIND_ACCOUNT_SUSPENDED, "account_suspended", SEV_CRITICAL, 100,
                                 B(KIND_AUTH_REJECTED) | B(KIND_IP_REJECTED) |
                                     B(KIND_CARRIER_REJECTED) | B(KIND_DIGEST_MISMATCH),
                                 true, false, true, false },
    [KIND_PASSWORD_MISMATCH] = { KIND_PASSWORD_MISMATCH, "password_mismatch", SEV_ERROR, 99,
                                 B(KIND_AUTH_REJECTED) | B(KIND_DIGEST_MISMATCH), true, false,
                                 true, false },
    [KIND_BRUTE_FORCE] = { KIND_BRUTE_FORCE, "brute_force", SEV_ERROR, 98,
                           B(KIND_AUTH_REJECTED) | B(KIND_IP_REJECTED) | B(KIND_DIGEST_MISMATCH) |
                               B(KIND_CHALLENGE_UNANSWERED) | B(KIND_NO_RESPONSE) |
                               B(KIND_PASSWORD_MISMATCH) | B(KIND_NAT_REWRITE) | B(KIND_SIP_ALG),
                           false, false, true, true },
    [KIND_SOURCE_IP_CHANGED] = { KIND_SOURCE_IP_CHANGED, "source_ip_changed", SEV_ERROR, 96,
                                 B(KIND_IP_REJECTED), true, false, true, false },
    [KIND_WRONG_REGION] = { KIND_WRONG_REGION, "wrong_region", SEV_WARNING, 95,
                            B(KIND_AUTH_REJECTED) | B(KIND_NO_RESPONSE) | B(KIND_DIGEST_MISMATCH),
                            false, false, false, false },
    [KIND_NAT_REWRITE] = { KIND_NAT_REWRITE, "nat_rewrite", SEV_WARNING, 94,
                           B(KIND_NO_RESPONSE) | B(KIND_CHALLENGE_UNANSWERED), false, false,
                           false, false },
    [KIND_KEEPALIVE_FAILED] = { KIND_KEEPALIVE_FAILED, "keepalive_failed", SEV_ERROR, 93,
                                B(KIND_NO_RESPONSE), false, false, false, false },
    [KIND_SIP_ALG] = { KIND_SIP_ALG, "sip_alg", SEV_WARNING, 92, B(KIND_DIGEST_MISMATCH), false,
                       false, false, false },
    [KIND_CARRIER_REJECTED] = { KIND_CARRIER_REJECTED, "carrier_rejected", SEV_ERROR, 91, 0,
                                true, false, true, false },
    [KIND_IP_REJECTED] = { KIND_IP_REJECTED, "ip_rejected", SEV_ERROR, 90, 0, true, false, true,
                           false },
    [KIND_AUTH_REJECTED] = { KIND_AUTH_REJECTED, "auth_rejected", SEV_ERROR, 89,
                             B(KIND_DIGEST_MISMATCH), true, false, true, false },
    /* a digest irregularity the server did not act on ranks below a plain
     * credential refusal (docs/findings.md) */
    [KIND_DIGEST_MISMATCH] = { KIND_DIGEST_MISMATCH, "digest_mismatch", SEV_ERROR, 88, 0, true,
                               false, true, false },
    [KIND_UNEXPECTED_PEER] = { KIND_UNEXPECTED_PEER, "unexpected_peer", SEV_WARNING, 87,
                               B(KIND_NO_RESPONSE), false, false, false, false },
    [KIND_MULTI_SITE] = { KIND_MULTI_SITE, "multi_site", SEV_WARNING, 86, 0, false, false, false,
                          false },
    [KIND_NO_RESPONSE] = { KIND_NO_RESPONSE, "no_response", SEV_ERROR, 85, 0, true, true, false,
                           false },
    [KIND_CHALLENGE_UNANSWERED] = { KIND_CHALLENGE_UNANSWERED, "challenge_unanswered",
                                    SEV_WARNING, 84, 0, true, false, true, false },
    [KIND_SCANNER] = { KIND_SCANNER, "scanner", SEV_WARNING, 83,
                       B(KIND_AUTH_REJECTED) | B(KIND_IP_REJECTED) | B(KIND_DIGEST_MISMATCH) |
                           B(KIND_CHALLENGE_UNANSWERED) | B(KIND_NO_RESPONSE) |
                           B(KIND_PASSWORD_MISMATCH) | B(KIND_NAT_REWRITE) | B(KIND_SIP_ALG),
                       false, false, false, true },
    /* A failed TLS handshake explains why the trunk's SIP never got through. */
    [KIND_TLS_FAILED] = { KIND_TLS_FAILED, "tls_failed", SEV_ERROR, 97,
                          B(KIND_NO_RESPONSE) | B(KIND_TLS_CERTIFICATE), false, false, false,
                          false },
    [KIND_TLS_CERTIFICATE] = { KIND_TLS_CERTIFICATE, "tls_certificate", SEV_WARNING, 82, 0,
                               false, false, false, false },
    /* Not a fault: what sipscope could not see. A warning so that neither the
     * verdict nor the exit status calls an unseen trunk healthy. */
    [KIND_TLS_ENCRYPTED] = { KIND_TLS_ENCRYPTED, "tls_encrypted", SEV_WARNING, 11, 0, false,
                             false, false, false },
    /* media (src/media/): below the signalling failures, which stop a call
     * before media could flow; media_nat explains the audio symptoms */
    [KIND_MEDIA_NAT] = { KIND_MEDIA_NAT, "media_nat", SEV_WARNING, 82,
                         B(KIND_ONE_WAY_MEDIA) | B(KIND_NO_MEDIA), false, false, false, false },
    [KIND_ONE_WAY_MEDIA] = { KIND_ONE_WAY_MEDIA, "one_way_media", SEV_ERROR, 81, 0, false,
                             false, false, false },
    [KIND_NO_MEDIA] = { KIND_NO_MEDIA, "no_media", SEV_ERROR, 80, 0, false, false, false,
                        false },
    /* Not a SIP fault: the collection itself. An agent that stopped sending
     * leaves its site's verdict incomplete; a warning while it is silent,
     * info once it sends again (src/kinds/hep_agent_quiet.c). It explains
     * the silence of its site's peers from then on; it heads the warnings. */
    [KIND_HEP_AGENT_QUIET] = { KIND_HEP_AGENT_QUIET, "hep_agent_quiet", SEV_WARNING, 96,
                               B(KIND_NO_RESPONSE) | B(KIND_KEEPALIVE_FAILED) |
                                   B(KIND_CHALLENGE_UNANSWERED),
                               false, false, false, false },
    [KIND_PASSWORD_VERIFIED] = { KIND_PASSWORD_VERIFIED, "password_verified", SEV_INFO, 10, 0,
                                 false, false, false, false },
};

const struct kind_meta *kind_meta(enum kind_id k)
{
    if ((unsigned)k >= KIND_COUNT || table[k].name == NULL)
        return &table[KIND_NONE];
    return &table[k];
}

enum kind_id kind_from_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return KIND_NONE;
    for (int k = 1; k < KIND_COUNT; k++)
        if (table[k].name != NULL && strcmp(table[k].name, name) == 0)
            return (enum kind_id)k;
    return KIND_NONE;
}

enum kind_id kind_of_snap(const struct snap_finding *f)
{
    if ((unsigned)f->kind_id > KIND_NONE && (unsigned)f->kind_id < KIND_COUNT)
        return f->kind_id;
    return kind_from_name(f->kind);
}
