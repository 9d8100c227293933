/*
 * explain.c — what a carrier says about a final response: its own error
 * header (X-Twilio-Error: <code> <text>), Reason (RFC 3326), Warning
 * (RFC 3261 §20.43) and telling reason phrases ("403 Invalid Caller ID",
 * "503 Trunk CPS limit exceeded", "488 Secure SIP transport required").
 *
 * Code tables are provider DATA (profile INI files, asked through
 * profile.h). What is here is provider-neutral: a short list of words
 * whose meaning does not depend on the carrier (suspended, caller ID, CPS,
 * TLS...), used when no profile knows the code or phrase.
 *
 * Flow: correlate → kinds. Thread: the analysis thread.
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

#include "config/profile.h"

struct phrase_rule {
    const char *needle;
    enum kind_id kind;
    const char *category;
    const char *meaning;
    bool auth_failure;
    bool suspended;
};

/* Order matters: the first match wins ("Authentication failure - source IP
 * Address not in ACL" is an IP rejection, not a credential one). */
static const struct phrase_rule rules[] = {
    { "suspend", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is suspended", false, true },
    { "deactivat", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is deactivated", false, true },
    { "account disabled", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is disabled", false, true },
    { "account is disabled", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is disabled", false, true },
    { "calling disabled", KIND_ACCOUNT_SUSPENDED, "suspended", "calling is disabled for the account", false, true },
    { "account blocked", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is blocked", false, true },
    { "account is blocked", KIND_ACCOUNT_SUSPENDED, "suspended", "the account is blocked", false, true },
    { "not in acl", KIND_IP_REJECTED, "acl", "the source IP address is not in the trunk's ACL", true, false },
    { "source ip", KIND_IP_REJECTED, "acl", "the source IP address is not allowed", true, false },
    { "ip address not allowed", KIND_IP_REJECTED, "acl", "the source IP address is not allowed", true, false },
    { "credential", KIND_AUTH_REJECTED, "credentials", "the credentials were refused", true, false },
    { "bad password", KIND_AUTH_REJECTED, "credentials", "the password was refused", true, false },
    { "wrong password", KIND_AUTH_REJECTED, "credentials", "the password was refused", true, false },
    { "authentication fail", KIND_AUTH_REJECTED, "credentials", "authentication failed", true, false },
    { "caller id", KIND_CARRIER_REJECTED, "caller_id", "the caller ID (From number) is not allowed", false, false },
    { "callerid", KIND_CARRIER_REJECTED, "caller_id", "the caller ID (From number) is not allowed", false, false },
    { "caller-id", KIND_CARRIER_REJECTED, "caller_id", "the caller ID (From number) is not allowed", false, false },
    { "calling number", KIND_CARRIER_REJECTED, "caller_id", "the calling number is not allowed", false, false },
    { "from number", KIND_CARRIER_REJECTED, "caller_id", "the From number is not allowed", false, false },
    { "not verified", KIND_CARRIER_REJECTED, "caller_id", "the caller ID is not verified", false, false },
    { "unverified", KIND_CARRIER_REJECTED, "caller_id", "the number is not verified", false, false },
    { "e.164", KIND_CARRIER_REJECTED, "number_format", "the number is not in E.164 form", false, false },
    { "e164", KIND_CARRIER_REJECTED, "number_format", "the number is not in E.164 form", false, false },
    { "invalid phone number", KIND_CARRIER_REJECTED, "number_format", "the dialled number is invalid", false, false },
    { "geo", KIND_CARRIER_REJECTED, "geo_permission", "geographic permissions forbid this destination", false, false },
    { "international", KIND_CARRIER_REJECTED, "geo_permission", "international calling is not permitted", false, false },
    { "cps", KIND_CARRIER_REJECTED, "cps_limit", "the calls-per-second limit was exceeded", false, false },
    { "calls per second", KIND_CARRIER_REJECTED, "cps_limit", "the calls-per-second limit was exceeded", false, false },
    { "rate limit", KIND_CARRIER_REJECTED, "cps_limit", "a rate limit was exceeded", false, false },
    { "secure sip", KIND_CARRIER_REJECTED, "tls", "the carrier requires SIP over TLS", false, false },
    { "secure transport", KIND_CARRIER_REJECTED, "tls", "the carrier requires SIP over TLS", false, false },
    { "tls", KIND_CARRIER_REJECTED, "tls", "the carrier requires SIP over TLS", false, false },
    { "secure media", KIND_CARRIER_REJECTED, "srtp", "the carrier's secure media (SRTP) policy refused the call", false, false },
    { "srtp", KIND_CARRIER_REJECTED, "srtp", "the carrier's secure media (SRTP) policy refused the call", false, false },
    { "insufficient permission", KIND_CARRIER_REJECTED, "permissions", "the account lacks the permission for this call", false, false },
    { "fraud", KIND_CARRIER_REJECTED, "blocked", "the carrier blocked the call (fraud or regulatory rule)", false, false },
};

/* Standard reason phrases of RFC 3261 §21 for the statuses that matter: a
 * phrase equal to these says nothing beyond the code. */
static bool standard_phrase(int status, struct span p)
{
    static const struct { int s; const char *p; } std[] = {
        { 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
        { 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
        { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
        { 408, "Request Timeout" }, { 480, "Temporarily Unavailable" },
        { 486, "Busy Here" }, { 487, "Request Terminated" }, { 488, "Not Acceptable Here" },
        { 500, "Server Internal Error" }, { 503, "Service Unavailable" },
        { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
    };
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++)
        if (std[i].s == status && span_ieq_cstr(span_trim(p), std[i].p))
            return true;
    return p.len == 0;
}

static const struct phrase_rule *match_rules(struct span text)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (span_icontains(text, rules[i].needle))
            return &rules[i];
    return NULL;
}

static void set_from_rule(struct explain *x, const struct phrase_rule *r)
{
    x->kind = r->kind;
    findings_fmt(x->category, sizeof(x->category), "%s", r->category);
    findings_fmt(x->meaning, sizeof(x->meaning), "%s", r->meaning);
    x->auth_failure = r->auth_failure;
    x->suspended = r->suspended;
}

/* Profile values wrap over lines: one line of text, single spaces. */
static void flat_copy(char *dst, size_t len, const char *src)
{
    size_t n = 0;
    bool space = false;

    for (; src != NULL && *src != '\0' && n + 1 < len; src++) {
        if (*src == '\n' || *src == '\r' || *src == '\t' || *src == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < len)
            dst[n++] = ' ';
        space = false;
        dst[n++] = *src;
    }
    if (len > 0)
        dst[n] = '\0';
}

static void set_from_code(struct explain *x, const struct profile_code *c)
{
    x->kind = kind_from_name(c->kind);     /* profile data names its kind */
    findings_fmt(x->category, sizeof(x->category), "%s", c->category ? c->category : "");
    flat_copy(x->meaning, sizeof(x->meaning), c->meaning);
    findings_fmt(x->fix, sizeof(x->fix), "%s", c->fix ? c->fix : "");
    flat_copy(x->note, sizeof(x->note), c->note);
    x->auth_failure = c->auth_failure;
    x->suspended = x->kind == KIND_ACCOUNT_SUSPENDED;
}

static int leading_code(struct span v)
{
    uint64_t code = 0;
    size_t n = 0;

    v = span_trim(v);
    while (n < v.len && n < 9 && v.p[n] >= '0' && v.p[n] <= '9')
        n++;
    if (n == 0 || !span_to_u64(span_make(v.p, n), 999999999, &code))
        return 0;
    return (int)code;
}

void explain_response(const struct engine *e, const struct sip_msg *m, const struct peer *p,
                      struct explain *x)
{
    const struct profile *prof = NULL;
    const struct phrase_rule *r;
    char v[96];

    memset(x, 0, sizeof(*x));
    if (m->is_request || m->status < 300)
        return;
    if (p != NULL && p->provider[0] != '\0')
        prof = profile_find(e->profiles, p->provider);
    if (prof == NULL && m->x_twilio_error.len > 0)
        prof = profile_find(e->profiles, "twilio");
    if (prof != NULL)
        findings_fmt(x->provider, sizeof(x->provider), "%s", profile_id(prof));

    /* 1. the carrier's own code */
    if (m->x_twilio_error.len > 0) {
        int code = 0;
        const struct profile_code *c =
            prof != NULL ? profile_code_from_header(prof, m->x_twilio_error, &code) : NULL;
        x->present = true;
        x->code = code ? code : leading_code(m->x_twilio_error);
        corr_copy(v, sizeof(v), m->x_twilio_error);
        findings_fmt(x->quote, sizeof(x->quote), "X-Twilio-Error: %s", v);
        if (c != NULL) {
            set_from_code(x, c);
            return;
        }
        if ((r = match_rules(m->x_twilio_error)) != NULL) {
            set_from_rule(x, r);
            return;
        }
        if (x->code == 32017) {
            /* Known trap: guides call 32017 an auth failure; Twilio's own
             * error catalogue says caller-ID block by a downstream carrier. */
            x->kind = KIND_CARRIER_REJECTED;
            findings_fmt(x->category, sizeof(x->category), "caller_id");
            findings_fmt(x->meaning, sizeof(x->meaning),
                     "a downstream carrier blocked the call because of the calling number");
            return;
        }
    }
    /* 2. a telling reason phrase */
    if (!standard_phrase(m->status, m->reason_phrase)) {
        const struct profile_reason *pr = profile_reason(prof, m->status, m->reason_phrase);
        if (!x->present) {
            corr_copy(v, sizeof(v), m->reason_phrase);
            findings_fmt(x->quote, sizeof(x->quote), "%d %s", m->status, v);
        }
        x->present = true;
        if (x->kind == KIND_NONE && pr != NULL) {
            x->kind = kind_from_name(pr->kind);
            findings_fmt(x->category, sizeof(x->category), "%s", pr->category ? pr->category : "");
            flat_copy(x->meaning, sizeof(x->meaning), pr->meaning);
            x->suspended = x->kind == KIND_ACCOUNT_SUSPENDED;
            return;
        }
        if (x->kind == KIND_NONE && (r = match_rules(m->reason_phrase)) != NULL) {
            set_from_rule(x, r);
            return;
        }
    }
    /* 3. Reason and Warning headers (not on 487: a CANCEL's Reason is normal) */
    if (m->status != 487) {
        struct span hv[2] = { m->reason_hdr, m->warning };
        const char *hn[2] = { "Reason", "Warning" };
        for (int i = 0; i < 2; i++) {
            if (hv[i].len == 0)
                continue;
            r = match_rules(hv[i]);
            if (!x->present || (r != NULL && x->kind == KIND_NONE)) {
                corr_copy(v, sizeof(v), hv[i]);
                findings_fmt(x->quote, sizeof(x->quote), "%s: %s", hn[i], v);
                x->present = true;
            }
            if (r != NULL && x->kind == KIND_NONE) {
                set_from_rule(x, r);
                return;
            }
        }
    }
}
