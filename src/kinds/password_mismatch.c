/*
 * password_mismatch.c — kind password_mismatch: with --secrets, the
 * response of a retry does not match what the configured password gives
 * (checked once per retry in auth.c with digest_verify, RFC 7616 §3.4.1).
 * The password is never shown. Reads KEV_AUTH_RETRY.
 * Thread: the analysis thread.
 */
#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    char entity[128];
    struct finding *f;

    if (ev->type != KEV_AUTH_RETRY || ax == NULL || ax->pw_verdict != AUTH_PW_MISMATCH)
        return;
    findings_fmt(entity, sizeof(entity), "%s@%s", ax->username, ax->realm);
    f = kind_raise(k, KIND_PASSWORD_MISMATCH, SEV_ERROR, entity, ax->retry_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "The digest sent for %s does not match the password in --secrets: "
                       "the PBX uses another password", entity);
    finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                 ax->retry_line);
    finding_cause(f, "the PBX is configured with a different password than the one you "
                     "expect (typo, old password, trailing space)");
    finding_cause(f, "the --secrets entry itself is out of date");
    finding_fix(f, "Set the PBX's trunk password to the one in the secrets file (or fix the "
                   "secrets file if the provider's password changed)");
}

const struct kind kind_password_mismatch = {
    KIND_PASSWORD_MISMATCH, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_RETRY)
};
