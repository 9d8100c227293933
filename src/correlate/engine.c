/*
 * engine.c — the diagnosis engine: feeds each parsed SIP message through
 * the correlation tables (src/correlate/), turns what happens to them into
 * events for the finding kinds (src/kinds/, table in kinds.c), advances
 * timeouts on packet time, and copies everything into a snapshot.
 *
 * Flow: sip_parse → engine → findings → snapshot → report | tui.
 * Thread: the analysis thread owns a struct engine; other threads only see
 * snapshots. Time is capture time (m->ts_us, engine_tick): replays of the
 * same file give the same findings.
 * RFC 3261 §17 (transactions, timers B/F = 64*T1), §22 (auth), RFC 7616.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "util/err.h"
#include "keepalive.h"
#include "nat.h"

static struct peer *engine_peer(struct engine *e, uint64_t key)
{
    return key ? ctab_find(&e->peers, key) : NULL;
}

/* The view the kinds get, refreshed before each call (the clock moves). */
static struct kind_ctx kind_ctx_of(struct engine *e, size_t i)
{
    e->view.now_us = e->now_us;
    e->view.first_us = e->first_us;
    e->view.finished = e->finished;
    return (struct kind_ctx){ .v = &e->view, .fs = &e->findings, .own = e->kind_own[i] };
}

/* A ping still open at the end counts as lost only when it had time to be
 * answered and was retransmitted (8*T1 = 4 s): a capture cut right after a
 * ping proves nothing. */
#define KA_END_GRACE_US (8 * CORR_T1_US)

/* Feed the OPTIONS keep-alive series (keepalive.h) from an OPTIONS
 * transaction's event; sets ev->ka (and ka_changed when the result opened
 * or closed an outage, or was a failing answer: keepalive_failed reports). */
static void keepalive_of(struct engine *e, struct kind_event *ev)
{
    const struct txn *t = ev->txn;
    struct ka_series *s;
    bool was_down;

    ev->ka = NULL;
    ev->ka_changed = false;
    if (t == NULL || t->method != SIP_OPTIONS || e->ka == NULL)
        return;
    switch (ev->type) {
    case KEV_REQUEST:
        if (ev->m != NULL && ev->m->to.tag.len == 0)
            ka_ping(e->ka, &t->src, &t->dst, t->frame, t->first_us);
        return;
    case KEV_FINAL:
        s = ka_find(e->ka, &t->src.ip, &t->dst.ip);
        if (s == NULL || ev->m == NULL)
            return;
        was_down = s->down;
        ev->ka = s;
        ev->ka_changed = ka_result_of(e->ka, s, t->frame, t->first_us, ev->m->status,
                                      ev->m->frame, ev->m->ts_us) ||
                         (was_down && !s->down) || ev->m->status >= 300;
        return;
    case KEV_TIMEOUT:
    case KEV_UNANSWERED:
        s = ka_find(e->ka, &t->src.ip, &t->dst.ip);
        if (s == NULL)
            return;
        if (ev->type == KEV_UNANSWERED &&
            (t->retrans == 0 || e->now_us - t->first_us < KA_END_GRACE_US))
            return;
        ev->ka = s;
        ev->ka_changed = ka_result_of(e->ka, s, t->frame, t->first_us, 0, 0, e->now_us);
        return;
    default:
        return;
    }
}

/* An address-authenticated call or registration of a known trunk: a
 * provider profile matched the peer, or --config names the host. */
static bool trunk_ok(const struct engine *e, const struct kind_event *ev)
{
    const struct txn *t = ev->txn;

    if (ev->m->status < 200 || ev->m->status >= 300 || t->had_cred ||
        (t->method != SIP_INVITE && t->method != SIP_REGISTER) ||
        (ev->ax != NULL && ev->ax->challenges > 0))
        return false;
    if (ev->peer != NULL && ev->peer->provider[0] != '\0')
        return true;
    return e->config != NULL &&
           config_by_host(e->config, span_make(t->ruri_host, strlen(t->ruri_host))) != NULL;
}

/* Note the site an accepted retry or a known trunk's 2xx came from
 * (sites.c); sets ev->site for multi_site. */
static void site_of(struct engine *e, struct kind_event *ev)
{
    ev->site = NULL;
    if (ev->type == KEV_AUTH_OUTCOME && ev->ax != NULL && ev->ax->state == AUTH_OK &&
        ev->txn != NULL)
        ev->site = sites_on_auth(e, ev->ax, ev->txn);
    else if (ev->type == KEV_FINAL && ev->txn != NULL && ev->m != NULL && trunk_ok(e, ev))
        ev->site = sites_on_trunk(e, ev->txn);
}

/* The correlation an event completes, then every kind reads it. */
static void dispatch(struct engine *e, struct kind_event *ev)
{
    struct kind_ctx k = { .v = &e->view, .fs = &e->findings };

    site_of(e, ev);
    keepalive_of(e, ev);
    /* the view refreshed once per event, not once per kind: this runs
     * several times a message for some 25 kinds */
    e->view.now_us = e->now_us;
    e->view.first_us = e->first_us;
    e->view.finished = e->finished;
    for (size_t j = 0; j < e->ev_n[ev->type]; j++) {
        size_t i = e->ev_kinds[ev->type][j];
        k.own = e->kind_own[i];
        kinds_table[i]->on_event(&k, ev);
    }
}

static size_t n_kinds(void)
{
    size_t n = 0;

    while (kinds_table[n] != NULL)
        n++;
    return n;
}

/* Each kind's own state, zeroed (struct kind.own_size). */
static int kinds_own_new(struct engine *e)
{
    size_t n = n_kinds();

    e->kind_own = calloc(n ? n : 1, sizeof(*e->kind_own));
    if (e->kind_own == NULL)
        return ERR_NOMEM;
    if (n > ENGINE_KINDS_MAX)
        return ERR_INVAL;
    for (size_t i = 0; i < n; i++)
        for (int t = 0; t < KEV_TYPES && kinds_table[i]->on_event != NULL; t++)
            if (kinds_table[i]->events == 0 || (kinds_table[i]->events & KEV_BIT(t)))
                e->ev_kinds[t][e->ev_n[t]++] = (uint8_t)i;
    for (size_t i = 0; i < n; i++)
        if (kinds_table[i]->own_size > 0 &&
            (e->kind_own[i] = calloc(1, kinds_table[i]->own_size)) == NULL)
            return ERR_NOMEM;
    return 0;
}

/* What a full table keeps past its healthy entries (ctab_set_keep): a peer
 * with refused or unanswered requests, an attacking or refused source, an
 * identity that was refused. Healthy ones are summaries of nothing wrong. */
static bool peer_explains(const void *entry)
{
    const struct peer *p = entry;

    return p->auth_failed > 0 || p->answers[0] > 0 || p->answers[4] > 0 ||
           p->answers[5] > 0 || p->answers[6] > 0;
}

static bool source_explains(const void *entry)
{
    const struct source *s = entry;

    return s->auth_fail > 0 || source_is_attacker(s);
}

static bool ident_explains(const void *entry)
{
    const struct ident *id = entry;

    return (id->fail_n > 0 || id->forbidden_total > 0) && !ident_settled(id);
}

struct engine *engine_new(const struct caps *caps, const struct engine_opts *opts, char *errbuf)
{
    struct engine *e = calloc(1, sizeof(*e));
    int rc = 0;

    if (e == NULL) {
        err_set(errbuf, "engine: out of memory");
        return NULL;
    }
    e->caps = *caps;
    /* Each live transaction holds up to 6 strings, most shared (intern.h),
     * a dialog its Call-ID, From, To and endpoints (all but the Call-ID
     * mostly shared), an identity its name and addresses (mostly shared), an
     * account (sites.c) its user and realm (its request lines and addresses
     * are shared with every account at that server), an auth exchange up to
     * 12 (its user and client address mostly its own), a NAT pair (nat.c)
     * the evidence it found (most pairs none or one): a class needs about
     * one slot per live record. A class that is full refuses
     * (engine.strings.refused; the text reads as "", and the report says
     * "analysis incomplete"): none on the busy workload (1M, 10M), nor with
     * every table full at the default budget; at --mem 64M with every table
     * full of unique text (soakgen) the short class is, as the tables are. */
    rc |= intern_init(&e->strings, caps->transactions + caps->dialogs + caps->identities +
                      caps->accounts + caps->auth_exchanges + caps->peers);
    rc |= txn_table_init(e, caps->transactions);
    rc |= auth_table_init(e, caps->auth_exchanges);
    rc |= dialog_table_init(e, caps->dialogs);
    rc |= ctab_init(&e->peers, caps->peers, sizeof(struct peer), NULL, NULL);
    rc |= source_table_init(e, caps->sources);
    rc |= ident_table_init(e, caps->identities);
    ctab_set_keep(&e->peers, peer_explains);
    ctab_set_keep(&e->sources, source_explains);
    ctab_set_keep(&e->idents, ident_explains);
    rc |= findings_init_members(&e->findings, caps->findings, caps->evidence_per_finding,
                                caps->population_members);
    e->nat = nat_new(caps, &e->strings);
    if (e->nat != NULL)
        e->nat->msg_line = &e->msg_line;
    e->sites = sites_new(caps, &e->strings);
    e->ka = ka_new(caps, &e->strings);
    rc |= e->nat == NULL || e->sites == NULL || e->ka == NULL;
    e->msgs_cap = caps->messages_kept;
    e->msgs = calloc(e->msgs_cap ? e->msgs_cap : 1, sizeof(*e->msgs));
    /* ~1 KiB a message (the bench's mean is 568 bytes); a larger one
     * pushes older text out sooner, never past the cap. */
    e->raw_cap = caps->messages_kept * 1024;
    if (e->raw_cap > (16u << 20))
        e->raw_cap = 16u << 20;
    e->raw = malloc(e->raw_cap ? e->raw_cap : 1);
    if (rc != 0 || e->msgs == NULL || e->raw == NULL) {
        err_set(errbuf, "engine: out of memory for the correlation tables (see --cap)");
        engine_free(e);
        return NULL;
    }
    if (opts != NULL && opts->secrets_file != NULL &&
        secrets_load(opts->secrets_file, &e->secrets, errbuf) != 0) {
        engine_free(e);
        return NULL;
    }
    /* --config is kept for kinds that compare intent with the wire; GeoIP
     * names where a peer is (silent when no database is found). */
    if (opts != NULL && opts->config_file != NULL &&
        config_load(opts->config_file, &e->config, errbuf) != 0) {
        engine_free(e);
        return NULL;
    }
    if (geoip_open(opts ? opts->geoip_files : NULL, &e->geoip, errbuf) != 0) {
        engine_free(e);
        return NULL;
    }
    if (profile_set_load(opts ? opts->profile_dirs : NULL, &e->profiles, errbuf) != 0) {
        engine_free(e);
        return NULL;
    }
    if (kinds_own_new(e) != 0) {
        err_set(errbuf, "engine: out of memory for the finding kinds' state");
        engine_free(e);
        return NULL;
    }
    e->view = (struct corr_view){ .config = e->config, .profiles = e->profiles,
                                  .geoip = e->geoip, .peers = &e->peers, .idents = &e->idents,
                                  .strings = &e->strings,
                                  .dialogs = &e->dialogs, .nat = e->nat, .ka = e->ka };
    return e;
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    ctab_free(&e->txns);
    intern_free(&e->strings);
    ctab_free(&e->auths);
    ctab_free(&e->dialogs);
    ctab_free(&e->peers);
    ctab_free(&e->sources);
    ctab_free(&e->idents);
    ctab_free(&e->ident_past);
    ctab_dlq_free(&e->ident_due);
    ctab_dlq_free(&e->txn_due);
    ctab_dlq_free(&e->auth_due);
    ctab_dlq_free(&e->auth_wait);
    ctab_dlq_free(&e->dialog_due);
    findings_free(&e->findings);
    nat_free(e->nat);
    sites_free(e->sites);
    ka_free(e->ka);
    free(e->msgs);
    free(e->raw);
    for (size_t i = 0; e->kind_own != NULL && kinds_table[i] != NULL; i++)
        free(e->kind_own[i]);
    free(e->kind_own);
    secrets_free(e->secrets);
    profile_set_free(e->profiles);
    if (e->config != NULL)
        config_free(e->config);
    if (e->geoip != NULL)
        geoip_close(e->geoip);
    free(e);
}

/* ---- helpers for kinds ---- */

const struct peer *corr_peer(const struct corr_view *v, uint64_t key)
{
    return key ? ctab_find(v->peers, key) : NULL;
}

struct finding *kind_raise(struct kind_ctx *k, enum kind_id kind, enum severity sev,
                           const char *entity, int64_t ts, const struct peer *p)
{
    struct finding *f = findings_raise(k->fs, kind, sev, entity, ts);

    if (f != NULL && p != NULL) {
        if (f->peer_key == 0 && addr_is_unset(&f->f.server_ip)) {
            struct endpoint c, s;
            peer_sides(p, &c, &s);
            f->f.client_ip = c.ip;
            f->f.server_ip = s.ip;
        }
        f->peer_key = p->key;
        if (p->provider[0] != '\0')
            findings_fmt(f->f.provider, sizeof(f->f.provider), "%s", p->provider);
    }
    return f;
}

void engine_attack_key(char *buf, size_t len, enum kind_id kind, const struct addr *server)
{
    char ip[ADDR_STRLEN];

    addr_str(server, ip, sizeof(ip));
    findings_fmt(buf, len, "%s attack on %s", kind_name(kind), ip);
}

void engine_fix_text(struct finding *f, const char *prefix, const char *txt)
{
    char buf[SNAP_TEXT];
    size_t n = 0;

    /* Profile texts wrap lines inside a sentence; a fix line ends where a
     * sentence does (or where the next piece would not fit). */
    buf[0] = '\0';
    while (txt != NULL && *txt != '\0') {
        const char *nl = strchr(txt, '\n');
        size_t len = nl ? (size_t)(nl - txt) : strlen(txt);
        while (len > 0 && (*txt == ' ' || *txt == '\t')) {
            txt++;
            len--;
        }
        if (len > 0) {
            if (n > 0 && n + 1 + len >= sizeof(buf) - 24) {
                finding_fix(f, "%s%s", prefix, buf);
                n = 0;
            }
            findings_fmt(buf + n, sizeof(buf) - n, "%s%.*s", n ? " " : "", (int)len, txt);
            n = strlen(buf);
            if (buf[n - 1] == '.' || buf[n - 1] == '!') {
                finding_fix(f, "%s%s", prefix, buf);
                n = 0;
            }
        }
        txt = nl ? nl + 1 : NULL;
    }
    if (n > 0)
        finding_fix(f, "%s%s", prefix, buf);
}

void kind_provider_fix(const struct kind_ctx *k, struct finding *f, const struct peer *p,
                       enum kind_id kind)
{
    const struct profile *prof;
    char prefix[40];

    if (p == NULL || p->provider[0] == '\0')
        return;
    prof = profile_find(k->v->profiles, p->provider);
    findings_fmt(prefix, sizeof(prefix), "%s: ", profile_id(prof));
    engine_fix_text(f, prefix, profile_fix(prof, kind_name(kind)));
}

void engine_status_role(const char *final_line, char *role, size_t len)
{
    const char *p = final_line;

    if (strncmp(p, "SIP/2.0 ", 8) == 0)
        p += 8;
    findings_fmt(role, len, "%s", p);
}

void engine_entity(char *buf, size_t len, const char *user, const struct addr *client,
                   const struct addr *server)
{
    char c[ADDR_STRLEN], s[ADDR_STRLEN];

    addr_str(client, c, sizeof(c));
    addr_str(server, s, sizeof(s));
    if (user != NULL && user[0] != '\0')
        findings_fmt(buf, len, "%s from %s to %s", user, c, s);
    else
        findings_fmt(buf, len, "%s to %s", c, s);
}

void engine_evidence_line(char *buf, size_t len, const char *final_line,
                          const struct explain *why)
{
    if (why != NULL && why->present && why->quote[0] != '\0' &&
        strstr(final_line, why->quote) == NULL)
        findings_fmt(buf, len, "%s; %s", final_line, why->quote);
    else
        findings_fmt(buf, len, "%s", final_line);
}

/* ---- time ---- */

static void run_due(struct engine *e, int64_t now)
{
    struct txn *t;
    struct auth_ex *ax;

    if (now > e->now_us)
        e->now_us = now;
    while ((t = txn_due(e, e->now_us)) != NULL) {
        struct kind_event ev = { .type = KEV_TIMEOUT, .txn = t };
        struct peer *p = engine_peer(e, t->peer_key);
        if (p != NULL && t->method == SIP_OPTIONS)
            p->keepalive = -1;
        ev.source = engine_source(e, &t->src.ip);
        if (p != NULL)
            p->answers[0]++;
        ev.peer = p;
        dispatch(e, &ev);
    }
    while ((ax = auth_due(e, e->now_us)) != NULL) {
        struct kind_event ev = { .type = KEV_CHALLENGE_EXPIRED, .ax = ax };
        ev.peer = engine_peer(e, ax->peer_key);
        ev.source = engine_source(e, &ax->client.ip);
        dispatch(e, &ev);
        auth_retire(e, ax);
    }
    dialog_due(e, e->now_us);
    ident_due(e, e->now_us);
}

void engine_tick(struct engine *e, int64_t now_us)
{
    run_due(e, now_us);
}

/* ---- messages ---- */

static void match_provider(struct engine *e, struct peer *p, const struct sip_msg *m)
{
    struct endpoint c, s;
    const struct profile *prof;

    if (p->prov_checked || e->profiles == NULL)
        return;
    p->prov_checked = true;
    peer_sides(p, &c, &s);
    {
        uint64_t key = corr_dst_host_key(&e->peers, m);
        struct prov_cache *pc;
        pc = &e->prov_cache[key % ENGINE_PROV_CACHE];
        if (pc->key != key) {
            prof = profile_match_peer(e->profiles, &m->dst.ip, m->ruri.host);
            pc->key = key;
            findings_fmt(pc->id, sizeof(pc->id), "%s", profile_id(prof));
        }
        findings_fmt(p->provider, sizeof(p->provider), "%s", pc->id);
    }
}


/* The identities of t: its user's, and its From user's when that differs
 * (else NULL). Creating the second may evict the first from a full table
 * (the oldest goes first): then the first is looked up again, never used
 * as the entry that replaced it. */
static void idents_of(struct engine *e, const struct txn *t, struct ident **id1,
                      struct ident **id2)
{
    uint64_t key;

    *id1 = ident_get(e, t->user, t->ruri_host);
    *id2 = NULL;
    if (strcmp(t->from_user, t->user) == 0)
        return;
    key = *id1 != NULL ? (*id1)->key : 0;
    *id2 = ident_get(e, t->from_user, t->ruri_host);
    if (*id1 != NULL && (*id1)->key != key)
        *id1 = ident_get(e, t->user, t->ruri_host);
}

static void on_request(struct engine *e, const struct sip_msg *m, struct peer *p,
                       struct dialog *d)
{
    bool is_new;
    struct txn *t;
    struct kind_event ev = { .type = KEV_REQUEST, .m = m, .peer = p };
    struct ident *id1, *id2 = NULL;
    struct auth_ex *rax;

    e->n_requests++;
    t = txn_on_request(e, m, &is_new);
    if (m->method == SIP_ACK) {
        if (p != NULL)
            p->requests[SIP_ACK]++;
        if (t != NULL && t->ack_frame == m->frame)
            auth_on_ack(e, m, t);
        return;
    }
    if (!is_new || t == NULL)
        return;     /* retransmission: counted on the transaction */
    txn_link(e, t, p ? p->key : 0, d ? d->key : 0);
    if (p != NULL) {
        if ((unsigned)m->method < SIP_METHOD_COUNT)
            p->requests[m->method]++;
        peer_on_request(p, m);
        match_provider(e, p, m);
    }
    ev.txn = t;
    ev.source = source_on_request(e, m);
    idents_of(e, t, &id1, &id2);
    ev.ident = id1;
    ev.ident2 = id2;
    for (int k = 0; k < 2; k++) {
        struct ident *id = k ? id2 : id1;
        if (id == NULL)
            continue;
        ident_on_request(e, id, &m->dst.ip, m->cred.present);
    }
    dispatch(e, &ev);
    if (m->cred.present) {
        ev.type = KEV_AUTH_RETRY;
        ev.ax = rax = auth_on_credentials(e, m, t);
        if (rax != NULL)
            dispatch(e, &ev);
    }
}

static void on_response(struct engine *e, const struct sip_msg *m, struct peer *p)
{
    bool first_final;
    struct txn *t;
    struct explain why;
    struct kind_event ev = { .type = KEV_FINAL, .m = m, .peer = p, .why = &why };
    bool decided = false, ok = false, fail = false;
    struct source *src;
    struct ident *id1, *id2 = NULL;
    struct auth_ex *ax;
    uint64_t akey;

    e->n_responses++;
    t = txn_on_response(e, m, &first_final);
    if (t == NULL && m->status >= 200) {
        /* A final answer to a request the capture lost: if it belongs to
         * a challenged exchange, the client did retry (we just did not see
         * it), so the challenge is not "unanswered". */
        struct auth_ex *cx = auth_find(e, m);
        if (cx != NULL && cx->state == AUTH_CHALLENGED && m->status != 401 && m->status != 407)
            auth_set_answered(e, cx);
    }
    if (t == NULL || !first_final)
        return;
    if (p != NULL && m->status / 100 < SNAP_ANSWER_CLASSES)
        p->answers[m->status / 100]++;
    if (p != NULL && t->method == SIP_OPTIONS)
        p->keepalive = 1;       /* any final answer: the far end is alive */
    explain_response(e, m, p, &why);
    ev.txn = t;
    ev.source = src = engine_source(e, &t->src.ip);
    idents_of(e, t, &id1, &id2);
    ev.ident = id1;
    ev.ident2 = id2;
    akey = auth_msg_key(e, m);
    ev.ax = ax = auth_find_key(e, akey);
    if (t->had_cred && ax != NULL)
        decided = auth_on_final(e, ax, m, t, &why);
    if (decided) {
        fail = ax->state == AUTH_REJECTED;
        ok = !fail;
        if (p != NULL) {
            if (fail) {
                p->auth_failed++;
                if (p->first_fail_us == 0)
                    p->first_fail_us = m->ts_us;
                p->last_fail_us = m->ts_us;
            } else {
                p->auth_ok++;
                /* the server took a retry despite this "problem": it does
                 * not check that (e.g. digest uri vs Request-URI) */
                p->accepted_problems |= auth_problem_class(ax->problem);
            }
        }
        if (fail && src != NULL)
            source_fail(src, m->frame, m->ts_us, t->frame);
        if (ok && src != NULL)
            src->auth_ok++;
    } else if (m->status >= 200 && m->status < 300) {
        ok = true;
    } else if (m->status == 403) {
        fail = true;
        if (p != NULL) {
            if (p->first_fail_us == 0)
                p->first_fail_us = m->ts_us;
            p->last_fail_us = m->ts_us;
        }
    }
    /* Identity outcomes come from requests that stand on their own; a BYE
     * or re-INVITE answer says nothing about whether the account works. */
    if (t->method == SIP_INVITE || t->method == SIP_REGISTER || t->method == SIP_OPTIONS ||
        t->method == SIP_SUBSCRIBE || t->method == SIP_MESSAGE || t->method == SIP_PUBLISH) {
        for (int k = 0; k < 2; k++) {
            struct ident *id = k ? id2 : id1;
            if (id == NULL)
                continue;
            ident_on_final(id, m->status);
            if (ok || fail)
                ident_outcome(e, id, &t->effective_src, ok, fail, m->frame, m->ts_us);
            if (fail && !t->had_cred)
                ident_bare_refusal(e, id, &t->effective_src);
        }
    }
    if (decided) {
        ev.type = KEV_AUTH_OUTCOME;
        dispatch(e, &ev);
        ev.type = KEV_FINAL;
    }
    if ((m->status == 401 || m->status == 407) && m->cseq_method != SIP_ACK)
        ev.ax = auth_on_challenge_key(e, m, t, akey);
    dispatch(e, &ev);
}

void engine_msg(struct engine *e, const struct sip_msg *m)
{
    struct dialog *d;
    struct peer *p;

    e->n_msgs++;
    if (e->first_us == 0)
        e->first_us = m->ts_us;
    run_due(e, m->ts_us);
    e->msg_ep[0] = e->msg_ep[1] = e->msg_line = INTERN_NONE;
    d = dialog_on_msg(e, m);
    msgs_keep(e, m, d ? d->key : 0);
    p = peer_on_msg(e, m);
    {
        struct kind_event ev = { .type = KEV_MESSAGE, .m = m, .peer = p };
        ev.nat = nat_on_msg(e, m);
        dispatch(e, &ev);
    }
    if (m->is_request)
        on_request(e, m, p, d);
    else
        on_response(e, m, p);
}

void engine_tls(struct engine *e, enum tls_event ev, const struct tls_conn *c)
{
    struct kind_event kev = { .type = KEV_TLS, .tls = c, .tls_ev = ev };

    tls_rows_update(e, ev, c);
    if (e->finished)
        return;
    e->n_tls_events++;
    dispatch(e, &kev);
}

void engine_hep_agents(struct engine *e, const struct run_agent *a, uint32_t n, int64_t now_us)
{
    struct kind_event kev = { .type = KEV_HEP_AGENTS, .agents = a, .n_agents = n,
                              .agents_now_us = now_us,
                              .quiet_us = (int64_t)e->caps.hep_quiet_ms * 1000 };

    if (e->finished || n == 0)
        return;
    dispatch(e, &kev);
}

void engine_finish(struct engine *e, int64_t end_us)
{
    if (e->finished)
        return;
    e->finished = true;
    run_due(e, end_us);
    for (struct txn_rec *r = ctab_first(&e->txns); r; r = ctab_next(&e->txns, r)) {
        struct kind_event ev = { .type = KEV_UNANSWERED };
        struct txn *t;
        if (r->state != TXN_OPEN)
            continue;
        ev.txn = t = txn_view(e, r);
        txn_set_state(e, t, TXN_UNANSWERED);
        e->n_unanswered++;
        struct peer *p = engine_peer(e, t->peer_key);
        ev.source = engine_source(e, &t->src.ip);
        if (p != NULL && t->status == 0)
            p->answers[0]++;
        ev.peer = p;
        dispatch(e, &ev);
    }
    for (struct auth_rec *r = ctab_first(&e->auths); r; r = ctab_next(&e->auths, r)) {
        struct kind_event ev = { .type = KEV_CHALLENGE_EXPIRED };
        struct auth_ex *ax;
        /* What the capture shows is a challenge left unanswered; when the
         * capture ended soon after, the kind says the retry may be cut off. */
        if (r->state != AUTH_CHALLENGED)
            continue;
        ev.ax = ax = auth_view(e, r);
        if (ax->unanswered_done)
            continue;
        auth_set_answered(e, ax);
        ev.peer = engine_peer(e, ax->peer_key);
        ev.source = engine_source(e, &ax->client.ip);
        dispatch(e, &ev);
    }
    for (size_t i = 0; kinds_table[i] != NULL; i++)
        if (kinds_table[i]->on_finish != NULL) {
            struct kind_ctx k = kind_ctx_of(e, i);
            kinds_table[i]->on_finish(&k);
        }
}

/* ---- counters and snapshot ---- */

/* What the deadline queues dropped (engine_release keeps the sum in
 * txn_due's counter, the others' go with them). */
static uint64_t queues_dropped(const struct engine *e)
{
    return e->txn_due.dropped + e->auth_due.dropped + e->auth_wait.dropped +
           e->dialog_due.dropped + e->ident_due.dropped;
}

static uint64_t all_evictions(const struct engine *e)
{
    return e->txns.evictions + e->auths.evictions + e->dialogs.evictions +
           e->peers.evictions + e->sources.evictions + e->idents.evictions +
           findings_evictions(&e->findings) + (e->nat ? e->nat->recs.evictions : 0) +
           (e->ka ? e->ka->series.evictions : 0) + (e->sites ? e->sites->recs.evictions : 0) +
           (e->media ? media_evictions(e->media) : 0);
}

void engine_set_media(struct engine *e, const struct media *m)
{
    e->media = m;
    e->view.media = m;
}

void engine_stats(const struct engine *e, stats_fn fn, void *ud)
{
    fn(ud, "engine.messages", e->n_msgs);
    fn(ud, "engine.tls_events", e->n_tls_events);
    fn(ud, "engine.requests", e->n_requests);
    fn(ud, "engine.responses", e->n_responses);
    fn(ud, "engine.retransmissions", e->n_retrans);
    fn(ud, "engine.response_retransmissions", e->n_resp_retrans);
    fn(ud, "engine.orphan_responses", e->n_orphan_responses);
    fn(ud, "engine.acks_matched", e->n_acks_matched);
    fn(ud, "engine.timeouts", e->n_timeouts);
    fn(ud, "engine.transactions.retired", e->n_txn_retired);
    fn(ud, "engine.transactions.abandoned", e->n_txn_abandoned);
    fn(ud, "engine.auth_exchanges.retired", e->n_auth_retired);
    fn(ud, "engine.dialogs.retired", e->n_dialogs_retired);
    /* settled identities kept as their history (struct ident_past), taken back */
    fn(ud, "engine.identities.retired", e->n_idents_retired);
    fn(ud, "engine.identities.revived", e->n_idents_revived);
    fn(ud, "engine.auth_exchanges.challenge_after_retry", e->n_auth_reordered);
    fn(ud, "engine.strings.refused", e->strings.refused);
    fn(ud, "engine.unanswered", e->n_unanswered);
    fn(ud, "engine.challenges", e->n_challenges);
    fn(ud, "engine.stale_challenges", e->n_stale);
    fn(ud, "engine.auth_accepted", e->n_auth_ok);
    fn(ud, "engine.auth_rejected", e->n_auth_rejected);
    fn(ud, "engine.transactions.evicted", e->txns.evictions);
    fn(ud, "engine.auth_exchanges.evicted", e->auths.evictions);
    fn(ud, "engine.dialogs.evicted", e->dialogs.evictions);
    fn(ud, "engine.peers.evicted", e->peers.evictions);
    fn(ud, "engine.sources.evicted", e->sources.evictions);
    fn(ud, "engine.identities.evicted", e->idents.evictions);
    /* of those, entries that were evidence of a problem (ctab_set_keep) */
    fn(ud, "engine.transactions.evicted_explaining", e->txns.evicted_explaining);
    fn(ud, "engine.auth_exchanges.evicted_explaining", e->auths.evicted_explaining);
    fn(ud, "engine.peers.evicted_explaining", e->peers.evicted_explaining);
    fn(ud, "engine.sources.evicted_explaining", e->sources.evicted_explaining);
    fn(ud, "engine.identities.evicted_explaining", e->idents.evicted_explaining);
    fn(ud, "engine.findings.evicted", findings_evictions(&e->findings));
    /* the most entries each table held at once: what a cap must hold */
    fn(ud, "engine.transactions.peak", e->txns.peak);
    fn(ud, "engine.auth_exchanges.peak", e->auths.peak);
    fn(ud, "engine.dialogs.peak", e->dialogs.peak);
    fn(ud, "engine.peers.peak", e->peers.peak);
    fn(ud, "engine.sources.peak", e->sources.peak);
    fn(ud, "engine.identities.peak", e->idents.peak);
    fn(ud, "engine.identity_history.peak", e->ident_past.peak);
    /* the oldest history the bound forgot (not evidence: nothing refused since
     * its last acceptance) */
    fn(ud, "engine.identity_history.forgotten", e->ident_past.evictions);
    fn(ud, "engine.strings.peak", intern_peak(&e->strings));
    fn(ud, "engine.timeout_queue.dropped", queues_dropped(e));
    nat_stats(e->nat, fn, ud);
    sites_stats(e->sites, fn, ud);
    ka_stats(e->ka, fn, ud);
    if (e->media != NULL)
        media_stats(e->media, fn, ud);
}

static void add_counter(void *ud, const char *name, uint64_t value)
{
    struct snapshot *s = ud;

    if (s->n_counters >= s->cap_counters)
        return;
    findings_fmt(s->counters[s->n_counters].name, sizeof(s->counters[0].name), "%s", name);
    s->counters[s->n_counters++].value = value;
}

/* Among findings of equal severity, the headline names the most specific
 * diagnosis (a digest that cannot match explains an auth_rejected; a
 * changed address explains an ip_rejected): kind_meta's rank. */
static int specificity(enum kind_id kind)
{
    return kind_meta(kind)->rank;
}

/* dst = s cut at len - 1 bytes, as findings_fmt(dst, len, "%s", s) would
 * write it without vsnprintf (a snapshot fills thousands of peers) */
static void text_set(char *dst, size_t len, const char *s)
{
    size_t n = strnlen(s, len - 1);

    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void fill_peer(const struct engine *e, const struct peer *p, struct snap_peer *sp)
{
    const struct finding *worst = NULL;
    char ip[ADDR_STRLEN];

    memset(sp, 0, sizeof(*sp));
    sp->key = p->key;
    peer_name(p, sp->name, sizeof(sp->name));
    text_set(sp->role, sizeof(sp->role), "trunk");
    text_set(sp->provider, sizeof(sp->provider), p->provider);
    sp->site_id = p->site_id;
    peer_sides(p, &sp->local, &sp->remote);
    memcpy(sp->requests, p->requests, sizeof(sp->requests));
    memcpy(sp->answers, p->answers, sizeof(sp->answers));
    sp->auth_ok = p->auth_ok;
    sp->auth_failed = p->auth_failed;
    sp->first_fail_us = p->first_fail_us;
    sp->last_fail_us = p->last_fail_us;
    {
        int l = peer_side_of(p, &sp->local.ip);
        const struct peer_side *sl = &p->side[l], *sr = &p->side[1 - l];
        sp->side_local = (struct snap_side){ sl->requests, sl->registers, sl->e164_invites,
                                             sl->challenges, sl->responses, sl->provisional,
                                             sl->first_resp_frame, sl->last_resp_frame,
                                             sl->first_resp_us, sl->last_resp_us };
        sp->side_remote = (struct snap_side){ sr->requests, sr->registers, sr->e164_invites,
                                              sr->challenges, sr->responses, sr->provisional,
                                              sr->first_resp_frame, sr->last_resp_frame,
                                              sr->first_resp_us, sr->last_resp_us };
        /* answers are per transaction's final class; 1xx counts the
         * provisional responses either side sent (never 0 by construction) */
        sp->answers[1] = sl->provisional + sr->provisional;
    }
    text_set(sp->keepalive, sizeof(sp->keepalive),
             p->keepalive > 0 ? "up" : p->keepalive < 0 ? "down" : "-");
    {
        /* a keep-alive series (keepalive.h: outages, not just the last ping) */
        const struct ka_series *ks = ka_find(e->ka, &sp->local.ip, &sp->remote.ip);
        if (ks == NULL)     /* the trunk pings the PBX */
            ks = ka_find(e->ka, &sp->remote.ip, &sp->local.ip);
        if (ks != NULL && ks->pings >= KA_MIN_PINGS)
            text_set(sp->keepalive, sizeof(sp->keepalive), ka_state_name(ks));
    }
    {
        /* a peer whose client is a scanner is a source, not a trunk: the
         * kinds' rule (source_is_attacker), so an office NAT with ten
         * phones' accounts that authenticate is not named an attacker */
        const struct source *src = ctab_find(&e->sources,
                                             ctab_hash(&e->sources, sp->local.ip.b, 16));
        if (source_is_attacker(src))
            text_set(sp->role, sizeof(sp->role), "source");
    }
    if (e->geoip != NULL) {
        struct geoip_result g;
        if (geoip_lookup(e->geoip, &sp->remote.ip, &g))
            geoip_format(&g, sp->geo, sizeof(sp->geo));
    }
    for (const struct finding *f = findings_first(&e->findings); f;
         f = findings_next(&e->findings, f))
        if (f->peer_key == p->key && f->f.severity >= SEV_WARNING &&
            (worst == NULL || f->f.severity > worst->f.severity ||
             (f->f.severity == worst->f.severity &&
              specificity(f->f.kind_id) > specificity(worst->f.kind_id))))
            worst = f;
    addr_str(&sp->remote.ip, ip, sizeof(ip));
    if (worst != NULL && p->auth_failed > 0 && p->auth_ok == 0 &&
        worst->f.kind_id == KIND_AUTH_REJECTED)
        findings_fmt(sp->verdict, sizeof(sp->verdict), "Trunk %s: every request with "
                     "credentials was refused after digest auth (%llu refused, none accepted) "
                     "- wrong password or username for user %s", ip,
                     (unsigned long long)p->auth_failed, p->user[0] ? p->user : "?");
    else if (worst != NULL)
        findings_fmt(sp->verdict, sizeof(sp->verdict), "Trunk %s: %s", ip, worst->f.summary);
}

static void fill_dialogs(const struct engine *e, struct snapshot *out)
{
    struct engine *me = (struct engine *)e;     /* scratch fields only (owner thread) */
    uint32_t gen = ++me->snap_gen;
    size_t total = 0;

    for (struct dialog *d = ctab_last(&e->dialogs); d && out->n_dialogs < out->cap_dialogs;
         d = ctab_prev(&e->dialogs, d)) {
        struct snap_dialog *sd = &out->dialogs[out->n_dialogs];
        memset(sd, 0, sizeof(*sd));
        findings_fmt(sd->call_id, sizeof(sd->call_id), "%s",
                     intern_get(&e->strings, d->call_id, NULL));
        findings_fmt(sd->method, sizeof(sd->method), "%s",
                     sip_method_name((enum sip_method)d->method));
        findings_fmt(sd->from, sizeof(sd->from), "%s", intern_get(&e->strings, d->from, NULL));
        findings_fmt(sd->to, sizeof(sd->to), "%s", intern_get(&e->strings, d->to, NULL));
        corr_get_endpoint(&e->strings, d->src, &sd->src);
        corr_get_endpoint(&e->strings, d->dst, &sd->dst);
        sd->last_status = d->last_status;
        if (d->last_status == 0)
            findings_fmt(sd->state, sizeof(sd->state), "unanswered");
        else if (d->last_status < 300)
            findings_fmt(sd->state, sizeof(sd->state), "answered %d", d->last_status);
        else
            findings_fmt(sd->state, sizeof(sd->state), "rejected %d", d->last_status);
        sd->first_us = d->first_us;
        sd->last_us = d->last_us;
        d->snap_gen = gen;
        d->snap_idx = (uint32_t)out->n_dialogs++;
    }
    /* pass 1: count kept messages per listed dialog */
    for (size_t i = 0; i < e->msgs_n; i++) {
        const struct msg_rec *r = &e->msgs[(e->msgs_head + i) % e->msgs_cap];
        struct dialog *d = ctab_find(&e->dialogs, r->dialog_key);
        if (d != NULL && d->snap_gen == gen)
            out->dialogs[d->snap_idx].n_msgs++;
    }
    for (size_t i = 0; i < out->n_dialogs; i++) {
        struct snap_dialog *sd = &out->dialogs[i];
        if (total + sd->n_msgs > out->cap_msgs)
            sd->n_msgs = (uint32_t)(out->cap_msgs - total);
        sd->first_msg = (uint32_t)total;
        total += sd->n_msgs;
        sd->n_msgs = 0;     /* refilled below, up to the room given */
    }
    /* pass 2: place them, with raw text while it is still in the ring */
    for (size_t i = 0; i < e->msgs_n; i++) {
        const struct msg_rec *r = &e->msgs[(e->msgs_head + i) % e->msgs_cap];
        struct dialog *d = ctab_find(&e->dialogs, r->dialog_key);
        struct snap_dialog *sd;
        struct snap_msg *sm;
        size_t room;
        if (d == NULL || d->snap_gen != gen)
            continue;
        sd = &out->dialogs[d->snap_idx];
        room = (d->snap_idx + 1 < out->n_dialogs ? out->dialogs[d->snap_idx + 1].first_msg
                                                  : total) - sd->first_msg;
        if (sd->n_msgs >= room)
            continue;
        sm = &out->msgs[sd->first_msg + sd->n_msgs++];
        memset(sm, 0, sizeof(*sm));
        sm->frame = r->frame;
        sm->ts_us = r->ts_us;
        sm->src = r->src;
        sm->dst = r->dst;
        sm->transport = r->transport;
        findings_fmt(sm->label, sizeof(sm->label), "%s", r->label);
        if (r->raw_len > 0 && e->raw_pos - r->raw_pos <= e->raw_cap &&
            out->raw_len + r->raw_len <= out->cap_raw) {
            for (uint32_t k = 0; k < r->raw_len;) {
                size_t off = (size_t)((r->raw_pos + k) % e->raw_cap);
                size_t chunk = e->raw_cap - off;
                if (chunk > r->raw_len - k)
                    chunk = r->raw_len - k;
                memcpy(out->raw + out->raw_len + k, e->raw + off, chunk);
                k += (uint32_t)chunk;
            }
            sm->raw_off = (uint32_t)out->raw_len;
            sm->raw_len = r->raw_len;
            out->raw_len += r->raw_len;
        }
    }
    out->n_msgs = total;
}

void engine_snapshot(const struct engine *e, const struct run_info *run, struct snapshot *out)
{
    snapshot_clear(out);
    if (run != NULL)
        out->run = *run;
    out->seq++;
    out->evictions = all_evictions(e);
    findings_to_snapshot(&e->findings, out);
    if (out->cap_members > 0)
        findings_members_to_snapshot(&e->findings, out);
    for (const struct peer *p = ctab_first(&e->peers); p && out->n_peers < out->cap_peers;
         p = ctab_next(&e->peers, p))
        fill_peer(e, p, &out->peers[out->n_peers++]);
    fill_dialogs(e, out);
    if (e->media != NULL)
        media_snapshot(e->media, out);
    if (out->tls != NULL) {
        out->n_tls = e->n_tls_rows;
        memcpy(out->tls, e->tls_rows, e->n_tls_rows * sizeof(*out->tls));
        out->tls_not_shown = e->tls_rows_dropped;
    }
    if (run != NULL && run->stats_walk != NULL)
        run->stats_walk(run->stats_ctx, add_counter, out);     /* includes engine_stats */
    else
        engine_stats(e, add_counter, out);
}

void engine_release(struct engine *e)
{
    if (e == NULL)
        return;
    ctab_release(&e->txns);
    intern_release(&e->strings);
    ctab_release(&e->auths);
    ctab_release(&e->dialogs);
    ctab_release(&e->sources);
    ctab_release(&e->idents);
    ctab_release(&e->ident_past);
    {
        /* engine_stats still reports what the queues dropped */
        uint64_t dropped = queues_dropped(e);
        ctab_dlq_free(&e->ident_due);
        ctab_dlq_free(&e->txn_due);
        ctab_dlq_free(&e->auth_due);
        ctab_dlq_free(&e->auth_wait);
        ctab_dlq_free(&e->dialog_due);
        e->txn_due.dropped = dropped;
    }
    if (e->nat != NULL)
        ctab_release(&e->nat->recs);
    if (e->sites != NULL)
        ctab_release(&e->sites->recs);
    free(e->msgs);
    free(e->raw);
    e->msgs = NULL;
    e->raw = NULL;
    e->msgs_n = e->msgs_head = e->msgs_cap = 0;
    e->raw_cap = 0;
}
