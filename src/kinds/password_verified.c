/*
 * password_verified.c — kind password_verified (info): with --secrets, the
 * digest of a retry matches the configured password (auth.c), so a refusal
 * is not the PBX's password (wrong account, IP rule, suspended...). Reads
 * KEV_AUTH_RETRY. Thread: the analysis thread.
 */
#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    char entity[128];
    struct finding *f;

    if (ev->type != KEV_AUTH_RETRY || ax == NULL || ax->pw_verdict != AUTH_PW_MATCH)
        return;
    findings_fmt(entity, sizeof(entity), "%s@%s", ax->username, ax->realm);
    f = kind_raise(k, KIND_PASSWORD_VERIFIED, SEV_INFO, entity, ax->retry_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "The digest sent for %s matches the password in --secrets", entity);
    finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                 ax->retry_line);
    finding_cause(f, "the PBX's password is the expected one; if the carrier still refuses, "
                     "look at the username, the account or the source address");
}

const struct kind kind_password_verified = {
    KIND_PASSWORD_VERIFIED, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_RETRY)
};
