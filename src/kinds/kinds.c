/*
 * kinds.c — the table of finding kinds. A kind is one small module in
 * src/kinds/ that reads correlate events (correlate.h struct kind_event)
 * and raises findings; adding one is that file plus one line here.
 * docs/findings.md describes each. Thread: the analysis thread.
 */
#include "correlate/correlate.h"

extern const struct kind kind_auth_rejected, kind_ip_rejected, kind_source_ip_changed,
    kind_account_suspended, kind_challenge_unanswered, kind_digest_mismatch,
    kind_password_mismatch, kind_password_verified, kind_no_response, kind_scanner,
    kind_brute_force, kind_carrier_rejected, kind_nat_rewrite, kind_sip_alg, kind_multi_site,
    kind_wrong_region, kind_unexpected_peer, kind_keepalive_failed, kind_tls_failed,
    kind_tls_certificate, kind_tls_encrypted,
    kind_one_way_media, kind_no_media, kind_media_nat, kind_hep_agent_quiet;

const struct kind *const kinds_table[] = {
    &kind_auth_rejected,
    &kind_ip_rejected,
    &kind_source_ip_changed,
    &kind_account_suspended,
    &kind_challenge_unanswered,
    &kind_digest_mismatch,
    &kind_password_mismatch,
    &kind_password_verified,
    &kind_no_response,
    &kind_scanner,
    &kind_brute_force,
    &kind_carrier_rejected,
    &kind_nat_rewrite,
    &kind_sip_alg,
    &kind_multi_site,
    &kind_wrong_region,
    &kind_unexpected_peer,
    &kind_keepalive_failed,
    &kind_tls_failed,
    &kind_tls_certificate,
    &kind_tls_encrypted,
    &kind_one_way_media,
    &kind_no_media,
    &kind_media_nat,
    &kind_hep_agent_quiet,
    NULL,
};
