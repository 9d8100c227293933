/*
 * password_verified.c — kind password_verified (info): with --secrets, the
 * digest of a retry matches the configured password, so a refusal is not
 * the PBX's password (wrong account, IP rule, suspended...). Reads
 * KEV_AUTH_RETRY. Thread: the analysis thread.
 */
#include "correlate.h"
#include "digest.h"

static void on_event(struct engine *e, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    const struct sip_msg *m = ev->m;
    const char *pw;
    struct span body;
    char entity[128];
    struct finding *f;

    if (ev->type != KEV_AUTH_RETRY || ax == NULL || e->secrets == NULL || m == NULL)
        return;
    pw = secrets_lookup(e->secrets, m->cred.username, m->cred.realm);
    if (pw == NULL)
        return;
    body = span_make(m->raw.p + (m->raw.len - (m->body_len <= m->raw.len ? m->body_len : 0)),
                     m->body_len <= m->raw.len ? m->body_len : 0);
    if (digest_verify(&m->cred, m->method_name, body, pw) != DIGEST_MATCH)
        return;
    findings_fmt(entity, sizeof(entity), "%s@%s", ax->username, ax->realm);
    f = engine_raise(e, "password_verified", SEV_INFO, entity, m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_summary(f, "The digest sent for %s matches the password in --secrets", entity);
    finding_cite(&e->findings, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                 ax->retry_line);
    finding_cause(f, "the PBX's password is the expected one; if the carrier still refuses, "
                     "look at the username, the account or the source address");
}

const struct kind kind_password_verified = { "password_verified", on_event, NULL };
