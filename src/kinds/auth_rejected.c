/*
 * auth_rejected.c — kind auth_rejected: a retry with credentials for a
 * challenge was answered by a fresh (not stale) 401/407 or by 403
 * (RFC 3261 §22.2; Twilio answers 403 + X-Twilio-Error 32202, others
 * re-challenge). Reads KEV_AUTH_OUTCOME. Thread: the analysis thread.
 *
 * One finding per server (the trunk, or the PBX its phones register with),
 * not per user or phone: a population (docs/findings.md "Populations") of
 * the users refused, counted exactly with the worst named (sample), so a
 * busy capture does not fill the findings cap with one record per user. The
 * entity and summary name the users of a single client (up to what fits,
 * then "+N more"), or count users and client addresses; the evidence is
 * that of the first refusals. A scanner's refusals are not users' (its
 * attempts fold into its scanner finding as targets).
 */
#include <string.h>

#include "correlate/correlate.h"
#include "findings/findings.h"

/* Length of the user list at the start of the entity ("a, b from X to Y"). */
static size_t users_len(const struct finding *f)
{
    const char *p = strstr(f->f.entity, " from ");
    const char *last = NULL;

    while (p != NULL) {     /* the last " from ": a username may hold one */
        last = p;
        p = strstr(p + 1, " from ");
    }
    return last ? (size_t)(last - f->f.entity) : 0;
}

/* A new user of this peer's refusals: list it in the entity while it fits
 * ("1001, 1002 from 198.51.100.10 to 203.0.113.5"), else count it
 * ("1001, 1002 +3 more from ..."). f->tag holds how many are listed. */
static void add_user(struct finding *f, const struct auth_ex *ax)
{
    char c[ADDR_STRLEN], s[ADDR_STRLEN], list[128], out[128];
    const char *user = ax->username[0] ? ax->username : "?";
    size_t ul = users_len(f), room;
    uint32_t more;

    if (f->f.n_members == 1 || f->tag == 0) {
        engine_entity(f->f.entity, sizeof(f->f.entity), user, &ax->client.ip, &ax->server.ip);
        f->tag = 1;
        return;
    }
    addr_str(&ax->client.ip, c, sizeof(c));
    addr_str(&ax->server.ip, s, sizeof(s));
    /* the listed part, without a "+N more" tail */
    findings_fmt(list, sizeof(list), "%.*s", (int)ul, f->f.entity);
    if (f->f.n_members > f->tag + 1) {
        char *tail = NULL;
        for (char *q = strstr(list, " +"); q != NULL; q = strstr(q + 1, " +"))
            tail = q;   /* the last one: a username may hold " +" */
        if (tail != NULL)
            *tail = '\0';
    }
    room = sizeof(out) - strlen(" from  to ") - strlen(c) - strlen(s) - sizeof(" +9999 more");
    if (strlen(list) + 2 + strlen(user) <= room) {
        findings_fmt(out, sizeof(out), "%s%s%s", list, list[0] ? ", " : "", user);
        findings_fmt(list, sizeof(list), "%s", out);
        f->tag++;
    }
    more = (uint32_t)(f->f.n_members - f->tag);
    if (more > 0)
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%s +%u%s more from %s to %s", list,
                     more, f->f.members_dropped ? "+" : "", c, s);
    else
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%s from %s to %s", list, c, s);
}

/* A scanner's refused attempt: the account it tried is a target of the
 * attack, listed on its scanner finding (kept by the scanner kind). */
static void fold_into_attack(struct kind_ctx *k, const struct kind_event *ev,
                             const struct auth_ex *ax)
{
    char key[128], acct[64];
    struct finding *f;

    (void)ev;
    engine_attack_key(key, sizeof(key), KIND_SCANNER, &ax->server.ip);
    f = findings_find(k->fs, KIND_SCANNER, key);
    if (f == NULL)
        return;
    findings_fmt(acct, sizeof(acct), "%s@%s", ax->username[0] ? ax->username : "?",
                 ax->ruri_host[0] ? ax->ruri_host : ax->realm);
    findings_note_target(k->fs, f, acct);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct auth_ex *ax = ev->ax;
    char entity[128], role[40], line[160];
    struct finding *f;
    bool rechallenge;
    const char *status;

    if (ev->type != KEV_AUTH_OUTCOME || ax == NULL || ax->state != AUTH_REJECTED)
        return;
    if (ev->why && (ev->why->suspended || ev->why->kind == KIND_IP_REJECTED))
        return;     /* account_suspended / ip_rejected explain this one */
    if (source_is_attacker(ev->source)) {
        fold_into_attack(k, ev, ax);
        return;
    }
    /* the key: the server side; the entity shown is rewritten below */
    engine_entity(entity, sizeof(entity), NULL, &ax->server.ip, &ax->server.ip);
    f = kind_raise(k, KIND_AUTH_REJECTED, SEV_ERROR, entity, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    finding_about(f, &ax->client.ip, &ax->server.ip);
    rechallenge = ax->outcome_status == 401 || ax->outcome_status == 407;
    status = ax->outcome_line + (strncmp(ax->outcome_line, "SIP/2.0 ", 8) ? 0 : 8);
    {
        char ip[ADDR_STRLEN];
        addr_str(&ax->client.ip, ip, sizeof(ip));
        findings_note_subject(k->fs, f, ip);        /* client addresses */
    }
    if (findings_note_member(k->fs, f, "users", ax->username[0] ? ax->username : "?") &&
        f->n_subjects == 1)
        add_user(f, ax);
    /* Whether "every" retry failed is known only at the end: the peer
     * summary and verdict say it; this sentence stays true as it grows. */
    if (f->n_subjects > 1) {
        char srv[ADDR_STRLEN], top[200];
        addr_str(&ax->server.ip, srv, sizeof(srv));
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s users from %u%s addresses to %s",
                     (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "",
                     f->n_subjects, f->subjects_more ? "+" : "", srv);
        findings_sample_text(&f->f, top, sizeof(top));
        finding_summary(f, "%llu%s users from %u%s addresses refused by %s after digest auth "
                           "(%s), %llu time(s): wrong passwords or usernames? Most refused: %s",
                        (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "",
                        f->n_subjects, f->subjects_more ? "+" : "", srv, status,
                        (unsigned long long)f->f.count, top);
    } else if (f->f.n_members <= 1)
        finding_summary(f, "%s with credentials for user %s refused after digest auth (%s), "
                           "%llu time(s): wrong password or username?",
                        sip_method_name(ax->method), ax->username[0] ? ax->username : "?",
                        status, (unsigned long long)f->f.count);
    else
        finding_summary(f, "Requests with credentials for %u%s users (%.*s) refused after "
                           "digest auth (%s), %llu time(s): wrong passwords or usernames?",
                        (unsigned)f->f.n_members, f->f.members_dropped ? "+" : "",
                        (int)users_len(f), f->f.entity,
                        status, (unsigned long long)f->f.count);
    finding_cite(k->fs, f, ax->challenged_req_frame, ax->challenged_req_us, "request",
                 ax->challenged_req_line);
    finding_cite(k->fs, f, ax->challenge_frame, ax->challenge_us, "challenge",
                 ax->challenge_line);
    finding_cite(k->fs, f, ax->retry_frame, ax->retry_us, "retry with credentials",
                 ax->retry_line);
    engine_status_role(ax->outcome_line, role, sizeof(role));
    engine_evidence_line(line, sizeof(line), ax->outcome_line, ev->why);
    finding_cite(k->fs, f, ax->outcome_frame, ax->outcome_us, role, line);
    if (ax->problem[0] != '\0' && !(ev->peer != NULL && (ev->peer->accepted_problems &
                                                      auth_problem_class(ax->problem))))
        finding_cause(f, "the digest cannot match its challenge: %s", ax->problem);
    if (!finding_new(f))
        return;
    if (ev->why && ev->why->present && ev->why->meaning[0] != '\0')
        finding_cause(f, "the carrier says: %s (%s)", ev->why->meaning, ev->why->quote);
    finding_cause(f, "wrong password for user %s",
                  ax->username[0] ? ax->username : "?");
    finding_cause(f, "wrong auth username: many trunks use an auth ID that differs from "
                     "the caller ID / From user");
    if (rechallenge)
        finding_cause(f, "the server answered the credentials with a new challenge instead "
                         "of 403: it did not accept the digest (not a stale nonce)");
    finding_cause(f, "the credentials belong to another account or realm (\"%s\")",
                  ax->realm);
    if (ev->why && ev->why->note[0] != '\0')
        finding_cause(f, "%s", ev->why->note);
    finding_fix(f, "Re-enter the password for user %s in the PBX's trunk (outbound auth) "
                   "settings, copied from the provider portal (no trailing spaces)",
                ax->username[0] ? ax->username : "?");
    finding_fix(f, "Check the auth username/authorization user field of the trunk");
    finding_fix(f, "Confirm the password with: sipscope -r CAPTURE --secrets FILE "
                   "(a line \"%s@%s PASSWORD\", file mode 0600)",
                ax->username[0] ? ax->username : "USER", ax->realm);
    if (ev->why && ev->why->fix[0] != '\0')
        engine_fix_text(f, "", ev->why->fix);
    kind_provider_fix(k, f, ev->peer, KIND_AUTH_REJECTED);
}

const struct kind kind_auth_rejected = {
    KIND_AUTH_REJECTED, 0, on_event, NULL,
    KEV_BIT(KEV_AUTH_OUTCOME)
};
