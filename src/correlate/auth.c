/*
 * auth.c — digest auth exchanges: a request, its 401 (WWW-Authenticate) or
 * 407 (Proxy-Authenticate) challenge, the retry carrying Authorization /
 * Proxy-Authorization for that challenge, and the retry's outcome
 * (RFC 3261 §22.2-§22.3, RFC 7616 §3.3-§3.4, RFC 2617 §3.2).
 *
 * An exchange is keyed by Call-ID + method: §22.2 has the retry reuse the
 * Call-ID with CSeq+1, and REGISTER refreshes keep the Call-ID (§10.2.4),
 * so the nonce they reuse stays attached to its challenge. A stale=true
 * re-challenge (RFC 7616 §3.3) is routine and not a failure; a first
 * challenge is the normal first step and not a failure either. A retry
 * answered by a fresh non-stale 401/407, or by 403, is a rejection.
 *
 * The digest checks here are the ones that need no password: realm,
 * nonce issued by the challenge (or reused from an earlier one), digest
 * uri = Request-URI (RFC 3261 §22.4 item 1 / RFC 7616 §3.4.6), algorithm
 * offered, qop with nc/cnonce (digest.h), nc increasing per nonce.
 *
 * Flow: engine_msg → auth → kinds. Thread: the analysis thread.
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

#include "sip/digest.h"
#include "config/secrets.h"

/* Call-ID + method + the client's address: a proxy relaying the same
 * REGISTER (same Call-ID) to the next hop runs an exchange of its own. */
uint64_t auth_msg_key(const struct engine *e, const struct sip_msg *m)
{
    char buf[300];
    size_t n = m->call_id.len < 256 ? m->call_id.len : 256;
    enum sip_method meth = m->is_request ? m->method : m->cseq_method;
    const struct addr *client = m->is_request ? &m->src.ip : &m->dst.ip;

    if (meth == SIP_ACK || meth == SIP_CANCEL)
        meth = SIP_INVITE;
    if (n > 0)
        memcpy(buf, m->call_id.p, n);
    buf[n] = '\0';
    buf[n + 1] = (char)meth;
    memcpy(buf + n + 2, client->b, 16);
    return ctab_hash(&e->auths, buf, n + 18);
}

static uint64_t nonce_hash(const struct engine *e, struct span nonce)
{
    return ctab_hash(&e->auths, nonce.p ? nonce.p : "", nonce.len);
}

/* ---- the compact record ---- */

_Static_assert(sizeof(struct auth_rec) <= 256, "a live exchange fits in 256 bytes");

#define AUTH_PROXY 1u
#define AUTH_UNANSWERED_DONE 2u
#define AUTH_PREEMPTIVE 4u
#define AUTH_NC_VALID 8u

static void set_flag(struct auth_rec *r, uint8_t f, bool on)
{
    r->flags = (uint8_t)(on ? r->flags | f : r->flags & ~f);
}

/* Replace the interned string *h with s (text already made safe for a
 * terminal by corr_copy / corr_start_line, truncated to its view buffer);
 * cand: a handle that may stand for s already (intern_put_as). */
static void set_text_as(struct engine *e, uint32_t *h, const char *s, uint32_t cand)
{
    uint32_t old = *h;
    size_t n, l = strlen(s);
    const char *cur = intern_get(&e->strings, old, &n);

    if (n == l && memcmp(cur, s, l) == 0)
        return;     /* unchanged (a retry's user, a re-challenge's realm): no hashing */
    *h = intern_put_as(&e->strings, cand, s, l);
    intern_drop(&e->strings, old);
}

static void set_text(struct engine *e, uint32_t *h, const char *s)
{
    set_text_as(e, h, s, INTERN_NONE);
}

/* The transaction's interned request line and final line: the retry's and
 * the challenge's lines are the same text, interned when the transaction
 * saw them (candidates for set_text_as). */
static uint32_t txn_req_h(const struct txn *t)
{
    return t != NULL && t->rec != NULL ? t->rec->req : INTERN_NONE;
}

static uint32_t txn_fin_h(const struct txn *t)
{
    return t != NULL && t->rec != NULL ? t->rec->fin : INTERN_NONE;
}

/* A span as the view's buffer of cap bytes would hold it (corr_copy);
 * cand as in set_text_as (the realm is often the Request-URI host). */
static void set_span_as(struct engine *e, uint32_t *h, size_t cap, struct span sp, uint32_t cand)
{
    char buf[CORR_LINE + 16];

    corr_copy(buf, cap < sizeof(buf) ? cap : sizeof(buf), sp);
    set_text_as(e, h, buf, cand);
}

static void set_span(struct engine *e, uint32_t *h, size_t cap, struct span sp)
{
    set_span_as(e, h, cap, sp, INTERN_NONE);
}
static void drop_strings(struct intern *in, struct auth_rec *r)
{
    intern_drop(in, r->client);
    intern_drop(in, r->server);
    intern_drop(in, r->challenge_line);
    intern_drop(in, r->challenged_req_line);
    intern_drop(in, r->retry_line);
    intern_drop(in, r->outcome_line);
    intern_drop(in, r->realm);
    intern_drop(in, r->username);
    intern_drop(in, r->ruri_host);
    intern_drop(in, r->qop);
    intern_drop(in, r->problem);
    intern_drop(in, r->algs);
}

static void on_evict(void *ud, void *entry)
{
    struct engine *e = ud;

    drop_strings(&e->strings, entry);
}

struct auth_ex *auth_view(struct engine *e, struct auth_rec *r)
{
    struct auth_ex *ax = &e->auth_view;
    size_t n, i = 0;
    const char *b;

    memset(ax, 0, sizeof(*ax));
    ax->rec = r;
    ax->key = r->key;
    ax->peer_key = r->peer_key;
    ax->method = (enum sip_method)r->method;
    ax->state = r->state;
    ax->proxy = (r->flags & AUTH_PROXY) != 0;
    ax->unanswered_done = (r->flags & AUTH_UNANSWERED_DONE) != 0;
    ax->preemptive = (r->flags & AUTH_PREEMPTIVE) != 0;
    corr_get_endpoint(&e->strings, r->client, &ax->client);
    corr_get_endpoint(&e->strings, r->server, &ax->server);
    ax->challenge_status = r->challenge_status;
    ax->challenge_frame = r->challenge_frame;
    ax->challenge_us = r->challenge_us;
    corr_get_text(&e->strings, r->challenge_line, ax->challenge_line, sizeof(ax->challenge_line));
    ax->challenged_req_frame = r->challenged_req_frame;
    ax->ack_frame = r->ack_frame;
    ax->ack_us = r->ack_us;
    ax->challenged_req_us = r->challenged_req_us;
    corr_get_text(&e->strings, r->challenged_req_line,
                  ax->challenged_req_line, sizeof(ax->challenged_req_line));
    ax->retry_frame = r->retry_frame;
    ax->retry_us = r->retry_us;
    corr_get_text(&e->strings, r->retry_line, ax->retry_line, sizeof(ax->retry_line));
    ax->outcome_frame = r->outcome_frame;
    ax->outcome_us = r->outcome_us;
    ax->outcome_status = r->outcome_status;
    corr_get_text(&e->strings, r->outcome_line, ax->outcome_line, sizeof(ax->outcome_line));
    corr_get_text(&e->strings, r->realm, ax->realm, sizeof(ax->realm));
    corr_get_text(&e->strings, r->username, ax->username, sizeof(ax->username));
    corr_get_text(&e->strings, r->ruri_host, ax->ruri_host, sizeof(ax->ruri_host));
    ax->n_nonce = r->n_nonce;
    ax->n_old_nonce = r->n_old_nonce;
    memcpy(ax->nonce, r->nonce, sizeof(ax->nonce));
    memcpy(ax->old_nonce, r->old_nonce, sizeof(ax->old_nonce));
    ax->n_alg = r->n_alg;
    b = intern_get(&e->strings, r->algs, &n);
    for (uint8_t k = 0; k < r->n_alg && k < AUTH_NONCES; k++) {
        size_t l = 0;
        while (i + l < n && b[i + l] != '\0')
            l++;
        if (l >= sizeof(ax->alg[0]))
            l = sizeof(ax->alg[0]) - 1;
        memcpy(ax->alg[k], b + i, l);
        ax->alg[k][l] = '\0';
        while (i < n && b[i] != '\0')
            i++;
        i += i < n;
    }
    corr_get_text(&e->strings, r->qop, ax->qop, sizeof(ax->qop));
    ax->last_nonce_used = r->last_nonce_used;
    ax->last_nc = r->last_nc;
    ax->last_nc_valid = (r->flags & AUTH_NC_VALID) != 0;
    ax->challenges = r->challenges;
    ax->stale = r->stale;
    ax->retries = r->retries;
    ax->rejections = r->rejections;
    ax->accepted = r->accepted;
    corr_get_text(&e->strings, r->problem, ax->problem, sizeof(ax->problem));
    ax->pw_verdict = r->pw_verdict;
    return ax;
}

struct auth_ex *auth_find(struct engine *e, const struct sip_msg *m)
{
    return auth_find_key(e, auth_msg_key(e, m));
}

struct auth_ex *auth_find_key(struct engine *e, uint64_t key)
{
    struct auth_rec *r = ctab_find(&e->auths, key);

    return r ? auth_view(e, r) : NULL;
}

void auth_on_ack(struct engine *e, const struct sip_msg *m, const struct txn *t)
{
    struct auth_rec *r = ctab_find(&e->auths, auth_msg_key(e, m));

    if (r != NULL && t != NULL && r->challenged_req_frame == t->frame &&
        r->state == AUTH_CHALLENGED) {
        r->ack_frame = m->frame;
        r->ack_us = m->ts_us;
    }
}

void auth_set_answered(struct engine *e, struct auth_ex *ax)
{
    (void)e;
    ax->unanswered_done = true;
    ax->rec->flags |= AUTH_UNANSWERED_DONE;
}

struct auth_ex *auth_on_challenge(struct engine *e, const struct sip_msg *m, struct txn *t)
{
    return auth_on_challenge_key(e, m, t, auth_msg_key(e, m));
}

struct auth_ex *auth_on_challenge_key(struct engine *e, const struct sip_msg *m, struct txn *t,
                                      uint64_t key)
{
    bool created;
    struct auth_rec *ax = ctab_get(&e->auths, key, &created);
    bool stale = false;
    char algs[AUTH_NONCES * 24];
    size_t n_algs = 0;
    char line[CORR_LINE];

    if (ax == NULL)
        return NULL;
    if (created) {
        ax->key = key;
        ax->method = (uint8_t)m->cseq_method;
        ax->client = corr_put_endpoint_as(&e->strings, &e->msg_ep[1], &m->dst);
        ax->server = corr_put_endpoint_as(&e->strings, &e->msg_ep[0], &m->src);
        ax->peer_key = t ? t->peer_key : 0;
        if (t != NULL) {
            set_text(e, &ax->username, t->user);
            set_text(e, &ax->ruri_host, t->ruri_host);
        }
    }
    /* The retry came before this challenge of an earlier request (capture
     * reordering: mirrored ports, merged files): the exchange has moved on,
     * never "challenged and not retried". */
    if (!created && t != NULL && ax->retry_frame > t->frame && ax->state != AUTH_CHALLENGED) {
        e->n_auth_reordered++;
        return auth_view(e, ax);
    }
    /* Remember the previous challenge's nonces: a retry using one of them
     * answers an old challenge ("reused nonce"). */
    for (uint8_t i = 0; i < ax->n_nonce; i++) {
        bool dup = false;
        for (uint8_t j = 0; j < ax->n_old_nonce; j++)
            dup |= ax->old_nonce[j] == ax->nonce[i];
        if (!dup) {
            if (ax->n_old_nonce < AUTH_NONCES)
                ax->old_nonce[ax->n_old_nonce++] = ax->nonce[i];
            else
                ax->old_nonce[(ax->challenges + i) % AUTH_NONCES] = ax->nonce[i];
        }
    }
    ax->n_nonce = 0;
    ax->n_alg = 0;
    /* A new challenge starts a new count: a client answering it starts
     * at nc=00000001 even when the server re-issued the same nonce (RFC
     * 7616 §3.4; baresip, linphone and sipsak do), so that is no
     * "nc did not increase". */
    set_flag(ax, AUTH_NC_VALID, false);
    for (uint8_t i = 0; i < m->n_challenge && i < SIP_MAX_CHALLENGE; i++) {
        const struct sip_challenge *c = &m->challenge[i];
        stale |= c->stale;
        if (ax->n_nonce < AUTH_NONCES)
            ax->nonce[ax->n_nonce++] = nonce_hash(e, c->nonce);
        if (ax->n_alg < AUTH_NONCES) {
            /* "alg0\0alg1...": each as the view's 24-byte buffer holds it */
            corr_copy(algs + n_algs, 24, c->algorithm);
            n_algs += strlen(algs + n_algs) + 1;
            ax->n_alg++;
        }
        if (i == 0) {
            set_span_as(e, &ax->realm, sizeof(e->auth_view.realm), c->realm, ax->ruri_host);
            set_span(e, &ax->qop, sizeof(e->auth_view.qop), c->qop);
            set_flag(ax, AUTH_PROXY, c->proxy);
        }
    }
    {
        uint32_t old = ax->algs;
        ax->algs = intern_put(&e->strings, algs, n_algs > 0 ? n_algs - 1 : 0);
        intern_drop(&e->strings, old);
    }
    if (m->n_challenge == 0)
        set_flag(ax, AUTH_PROXY, m->status == 407);
    ax->state = AUTH_CHALLENGED;
    set_flag(ax, AUTH_UNANSWERED_DONE, false);
    ax->challenge_status = (uint16_t)m->status;
    ax->challenge_frame = m->frame;
    ax->challenge_us = m->ts_us;
    if (t != NULL) {
        ax->challenged_req_frame = t->frame;
        ax->challenged_req_us = t->first_us;
        set_text_as(e, &ax->challenged_req_line, t->req_line, txn_req_h(t));
    }
    corr_start_line(m, line, sizeof(line));
    set_text_as(e, &ax->challenge_line, line, txn_fin_h(t));
    ax->challenges++;
    e->n_challenges++;
    if (stale) {
        ax->stale++;
        e->n_stale++;
    }
    if (created)
        ctab_dlq_push(&e->auth_due, &e->auths, ax, m->ts_us + CORR_TIMEOUT_US);
    return auth_view(e, ax);
}

static bool span_in(struct span s, const char *buf)
{
    return span_eq(s, span_make(buf, strlen(buf)));
}

/* Digest uri vs Request-URI, case-insensitively (RFC 3261 §19.1.4 compares
 * scheme and host without case; a byte-different but equal URI is rare
 * enough that a client sending one deserves the warning). */
static bool uri_matches(struct span cred_uri, struct span ruri)
{
    if (span_ieq(span_trim(cred_uri), span_trim(ruri)))
        return true;
    /* some stacks quote <sip:...> */
    if (cred_uri.len >= 2 && cred_uri.p[0] == '<' && cred_uri.p[cred_uri.len - 1] == '>')
        return span_ieq(span_make(cred_uri.p + 1, cred_uri.len - 2), ruri);
    return false;
}

uint32_t auth_problem_class(const char *p)
{
    if (p == NULL || p[0] == '\0')
        return 0;
    if (strncmp(p, "digest uri", 10) == 0)
        return AUTH_PROB_URI;
    if (strncmp(p, "realm", 5) == 0)
        return AUTH_PROB_REALM;
    if (strncmp(p, "algorithm", 9) == 0)
        return AUTH_PROB_ALG;
    if (strncmp(p, "nc ", 3) == 0)
        return AUTH_PROB_NC;
    if (strstr(p, "nonce") != NULL)
        return AUTH_PROB_NONCE;
    return AUTH_PROB_FORM;
}

bool auth_digest_problem(const struct auth_ex *ax, const struct sip_msg *m, char *why,
                         size_t len)
{
    const struct sip_cred *c = &m->cred;
    enum digest_form form = digest_form_check(c);
    char a[64], b[64];

    why[0] = '\0';
    /* nc/cnonce without qop is a wart servers ignore: it does not stop
     * the response from matching, so it is not a mismatch. */
    if (form != DIGEST_FORM_OK && form != DIGEST_FORM_NC_WITHOUT_QOP) {
        findings_fmt(why, len, "%s", digest_form_name(form));
        return true;
    }
    if (ax == NULL || ax->preemptive || ax->challenges == 0)
        return false;
    if (ax->realm[0] != '\0' && !span_in(c->realm, ax->realm)) {
        corr_copy(a, sizeof(a), c->realm);
        findings_fmt(why, len, "realm \"%s\" is not the challenge's \"%s\"", a, ax->realm);
        return true;
    }
    if (c->uri.len > 0 && m->ruri.raw.len > 0 && !uri_matches(c->uri, m->ruri.raw)) {
        corr_copy(a, sizeof(a), c->uri);
        corr_copy(b, sizeof(b), m->ruri.raw);
        findings_fmt(why, len, "digest uri \"%s\" is not the Request-URI \"%s\"", a, b);
        return true;
    }
    if (ax->n_alg > 0) {
        enum digest_alg ca = digest_alg_parse(c->algorithm);
        bool offered = false;
        for (uint8_t i = 0; i < ax->n_alg; i++)
            offered |= digest_alg_parse(span_make(ax->alg[i], strlen(ax->alg[i]))) == ca;
        if (!offered) {
            corr_copy(a, sizeof(a), c->algorithm);
            findings_fmt(why, len, "algorithm %s was not offered (challenge offered %s)",
                     a[0] ? a : "MD5", ax->alg[0][0] ? ax->alg[0] : "MD5");
            return true;
        }
    }
    return false;
}

/* Nonce checks need the table's hash key, so they live apart from the
 * stateless checks above. */
static bool nonce_problem(struct engine *e, const struct auth_ex *ax, const struct sip_msg *m,
                          char *why, size_t len)
{
    uint64_t h;
    bool cur = false, old = false;
    uint32_t nc;

    if (ax->preemptive || ax->challenges == 0 || m->cred.nonce.len == 0)
        return false;
    h = nonce_hash(e, m->cred.nonce);
    for (uint8_t i = 0; i < ax->n_nonce; i++)
        cur |= ax->nonce[i] == h;
    for (uint8_t i = 0; i < ax->n_old_nonce; i++)
        old |= ax->old_nonce[i] == h;
    if (!cur && ax->n_nonce > 0) {
        findings_fmt(why, len, old ? "reuses the nonce of an earlier challenge instead of the "
                                 "latest one"
                               : "nonce was never issued by the challenge");
        return true;
    }
    if (ax->last_nc_valid && ax->last_nonce_used == h && digest_nc_parse(m->cred.nc, &nc) &&
        nc <= ax->last_nc) {
        findings_fmt(why, len, "nc %08x did not increase (last %08x for this nonce)", nc,
                 ax->last_nc);
        return true;
    }
    return false;
}

/* With --secrets: does the response match the configured password? The
 * password stays inside digest_verify; only the verdict is kept. */
static uint8_t password_verdict(const struct engine *e, const struct sip_msg *m)
{
    const char *pw;
    size_t blen = m->body_len <= m->raw.len ? m->body_len : 0;
    struct span body = span_make(m->raw.p + (m->raw.len - blen), blen);

    if (e->secrets == NULL ||
        (pw = secrets_lookup(e->secrets, m->cred.username, m->cred.realm)) == NULL)
        return AUTH_PW_UNKNOWN;
    switch (digest_verify(&m->cred, m->method_name, body, pw)) {
    case DIGEST_MATCH: return AUTH_PW_MATCH;
    case DIGEST_MISMATCH: return AUTH_PW_MISMATCH;
    default: return AUTH_PW_UNKNOWN;
    }
}

struct auth_ex *auth_on_credentials(struct engine *e, const struct sip_msg *m, struct txn *t)
{
    bool created;
    uint64_t key = auth_msg_key(e, m);
    struct auth_rec *r = ctab_get(&e->auths, key, &created);
    struct auth_ex *ax;
    char problem[sizeof(ax->problem)];
    char line[CORR_LINE];
    uint32_t nc;

    if (r == NULL)
        return NULL;
    if (created) {
        r->key = key;
        r->method = (uint8_t)m->method;
        r->client = corr_put_endpoint_as(&e->strings, &e->msg_ep[0], &m->src);
        r->server = corr_put_endpoint_as(&e->strings, &e->msg_ep[1], &m->dst);
        r->flags |= AUTH_PREEMPTIVE;
        set_span(e, &r->realm, sizeof(ax->realm), m->cred.realm);
        ctab_dlq_push(&e->auth_due, &e->auths, r, m->ts_us + CORR_TIMEOUT_US);
    }
    if (t != NULL)
        r->peer_key = t->peer_key;
    /* the checks read the exchange as it stands before this retry */
    ax = auth_view(e, r);
    if (!auth_digest_problem(ax, m, problem, sizeof(problem)))
        nonce_problem(e, ax, m, problem, sizeof(problem));
    set_text(e, &r->problem, problem);
    if (m->cred.nonce.len > 0) {
        r->last_nonce_used = nonce_hash(e, m->cred.nonce);
        set_flag(r, AUTH_NC_VALID, digest_nc_parse(m->cred.nc, &nc));
        if (r->flags & AUTH_NC_VALID)
            r->last_nc = nc;
    }
    r->pw_verdict = password_verdict(e, m);
    set_span(e, &r->username, sizeof(ax->username), m->cred.username);
    set_span_as(e, &r->ruri_host, sizeof(ax->ruri_host), m->ruri.host, r->realm);
    set_flag(r, AUTH_PROXY, m->cred.proxy);
    r->state = AUTH_RETRIED;
    r->retry_frame = m->frame;
    r->retry_us = m->ts_us;
    corr_start_line(m, line, sizeof(line));
    set_text_as(e, &r->retry_line, line, txn_req_h(t));
    r->retries++;
    /* the view made for the checks, brought up to date with this retry */
    ax->peer_key = r->peer_key;
    corr_get_text(&e->strings, r->problem, ax->problem, sizeof(ax->problem));
    ax->last_nonce_used = r->last_nonce_used;
    ax->last_nc_valid = (r->flags & AUTH_NC_VALID) != 0;
    ax->last_nc = r->last_nc;
    ax->pw_verdict = r->pw_verdict;
    corr_get_text(&e->strings, r->username, ax->username, sizeof(ax->username));
    corr_get_text(&e->strings, r->ruri_host, ax->ruri_host, sizeof(ax->ruri_host));
    ax->proxy = (r->flags & AUTH_PROXY) != 0;
    ax->state = r->state;
    ax->retry_frame = r->retry_frame;
    ax->retry_us = r->retry_us;
    corr_get_text(&e->strings, r->retry_line, ax->retry_line, sizeof(ax->retry_line));
    ax->retries = r->retries;
    return ax;
}

bool auth_on_final(struct engine *e, struct auth_ex *ax, const struct sip_msg *m,
                   const struct txn *t, const struct explain *why)
{
    bool rejected;
    struct auth_rec *r;
    char line[CORR_LINE];

    if (ax == NULL || ax->state != AUTH_RETRIED || t == NULL || t->frame != ax->retry_frame)
        return false;
    r = ax->rec;
    if (m->status == 401 || m->status == 407) {
        bool stale = false;
        for (uint8_t i = 0; i < m->n_challenge && i < SIP_MAX_CHALLENGE; i++)
            stale |= m->challenge[i].stale;
        /* stale=true, or a phrase saying the nonce expired ("401 nonce has
         * changed"): a routine nonce refresh, the retry starts again. */
        if (stale || span_icontains(m->reason_phrase, "nonce") ||
            span_icontains(m->reason_phrase, "stale"))
            return false;
        rejected = true;
    } else if (m->status == 403) {
        /* A 403 the carrier explains as something other than auth (caller
         * ID, geo permissions...) means the credentials passed. */
        rejected = !(why && why->present && !why->auth_failure &&
                     why->kind == KIND_CARRIER_REJECTED);
    } else {
        rejected = false;   /* 2xx or any other answer: the server accepted who we are */
    }
    r->outcome_frame = m->frame;
    r->outcome_us = m->ts_us;
    r->outcome_status = (uint16_t)m->status;
    corr_start_line(m, line, sizeof(line));
    set_text_as(e, &r->outcome_line, line, txn_fin_h(t));
    if (rejected) {
        r->state = AUTH_REJECTED;
        r->rejections++;
        e->n_auth_rejected++;
    } else {
        r->state = AUTH_OK;
        r->accepted++;
        e->n_auth_ok++;
    }
    /* the caller's view follows the record */
    ax->outcome_frame = r->outcome_frame;
    ax->outcome_us = r->outcome_us;
    ax->outcome_status = r->outcome_status;
    corr_get_text(&e->strings, r->outcome_line, ax->outcome_line, sizeof(ax->outcome_line));
    ax->state = r->state;
    ax->rejections = r->rejections;
    ax->accepted = r->accepted;
    return true;
}

/* ---- lifetime ---- */

/* An exchange that was refused, or whose challenge still waits, is
 * evidence; an accepted one is done (ctab_set_keep: evicted first). */
static bool auth_explains(const void *entry)
{
    const struct auth_rec *r = entry;

    return r->state != AUTH_OK || r->rejections > 0;
}

int auth_table_init(struct engine *e, size_t cap)
{
    int rc = ctab_init(&e->auths, cap, sizeof(struct auth_rec), on_evict, e);

    ctab_set_keep(&e->auths, auth_explains);

    /* Each live exchange is in one queue once: the 64*T1 queue while it is
     * busy, the challenge-wait queue while a challenge waits for a person. */
    if (rc == 0)
        rc = ctab_dlq_init(&e->auth_due, cap);
    if (rc == 0)
        rc = ctab_dlq_init(&e->auth_wait, cap);
    return rc;
}

static void retire(struct engine *e, struct auth_rec *r)
{
    drop_strings(&e->strings, r);
    ctab_remove(&e->auths, r);
    e->n_auth_retired++;
}

void auth_retire(struct engine *e, struct auth_ex *ax)
{
    retire(e, ax->rec);
}

/* When the exchange's latest step is 64*T1 old (the retransmissions it can
 * get are over), or 0 while the step may still be answered. */
static int64_t step_done_us(const struct auth_rec *ax)
{
    switch (ax->state) {
    case AUTH_CHALLENGED: return ax->challenge_us + CORR_TIMEOUT_US;
    case AUTH_RETRIED:
        /* an INVITE retry in Proceeding waits until timer C */
        return ax->retry_us + (ax->method == SIP_INVITE ? CORR_TIMER_C_US : CORR_TIMEOUT_US);
    case AUTH_OK:
    case AUTH_REJECTED: return ax->outcome_us + CORR_TIMEOUT_US;
    default: return 0;
    }
}

struct auth_ex *auth_due(struct engine *e, int64_t now)
{
    struct auth_rec *ax;

    /* Busy exchanges: retired 64*T1 after their outcome; a challenge still
     * unanswered then moves to the challenge-wait queue. RFC 3261 gives a
     * decided exchange nothing more to match: a refresh that reuses its
     * nonce starts a pre-emptive exchange, checked as one. */
    while ((ax = ctab_dlq_pop(&e->auth_due, &e->auths, now)) != NULL) {
        int64_t done = step_done_us(ax);
        if (done > now) {
            ctab_dlq_push(&e->auth_due, &e->auths, ax, done < now + CORR_TIMEOUT_US ? done
                                                             : now + CORR_TIMEOUT_US);
        } else if (ax->state == AUTH_CHALLENGED && !(ax->flags & AUTH_UNANSWERED_DONE)) {
            ctab_dlq_push(&e->auth_wait, &e->auths, ax,
                          ax->challenge_us + CORR_CHALLENGE_WAIT_US);
        } else {
            retire(e, ax);
        }
    }
    /* Challenges waiting for a retry: unanswered after CORR_CHALLENGE_WAIT_US
     * (the caller dispatches the event, then retires the exchange). */
    while ((ax = ctab_dlq_pop(&e->auth_wait, &e->auths, now)) != NULL) {
        if (ax->state == AUTH_CHALLENGED && !(ax->flags & AUTH_UNANSWERED_DONE)) {
            if (ax->challenge_us + CORR_CHALLENGE_WAIT_US > now) {     /* challenged again */
                ctab_dlq_push(&e->auth_wait, &e->auths, ax,
                              ax->challenge_us + CORR_CHALLENGE_WAIT_US);
                continue;
            }
            ax->flags |= AUTH_UNANSWERED_DONE;
            return auth_view(e, ax);
        }
        /* retried meanwhile: back to the 64*T1 queue */
        ctab_dlq_push(&e->auth_due, &e->auths, ax, now + CORR_TIMEOUT_US);
    }
    return NULL;
}
