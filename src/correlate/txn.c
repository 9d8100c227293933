/*
 * txn.c — SIP transactions as RFC 3261 §17 defines them: a request, its
 * retransmissions, provisional and final responses, and the ACK of a
 * non-2xx final (same branch as the INVITE, §17.1.1.3).
 *
 * Matching (§17.1.3 / §17.2.3): the top Via branch when it carries the
 * magic cookie z9hG4bK, plus the Via sent-by and the method (CSeq method
 * for responses; ACK counts as INVITE). CANCEL shares the INVITE's branch
 * but is its own transaction (§9.2), linked to the INVITE here. Peers
 * without the cookie (RFC 2543) fall back to Call-ID + CSeq number + method
 * + From tag (§17.2.3 last paragraph).
 *
 * Retransmissions are counted with their gaps: timer A (INVITE) and timer
 * E (non-INVITE) double from T1 (E up to T2 = 4 s), so a doubling gap tells
 * a retransmitting stack from a user pressing redial. A transaction with no
 * final answer 64*T1 (32 s) after its first copy times out (timer B/F); the
 * INVITE stops timer A once a provisional arrives, so it only times out
 * when nothing at all came back.
 *
 * Flow: engine_msg → txn → auth/kinds. Thread: the analysis thread.
 */
#include "correlate.h"

#include <string.h>

struct keybuf {
    char b[640];
    size_t n;
};

static void kb_span(struct keybuf *k, struct span s, size_t max)
{
    size_t n = s.len < max ? s.len : max;

    if (n > sizeof(k->b) - k->n - 1)
        n = sizeof(k->b) - k->n - 1;
    if (n > 0)
        memcpy(k->b + k->n, s.p, n);
    k->n += n;
    k->b[k->n++] = '\0';
}

static void kb_u32(struct keybuf *k, uint32_t v)
{
    if (k->n + 5 > sizeof(k->b))
        return;
    memcpy(k->b + k->n, &v, 4);
    k->n += 4;
    k->b[k->n++] = '\0';
}

static struct span method_span(const struct sip_msg *m)
{
    enum sip_method meth = m->is_request ? m->method : m->cseq_method;
    struct span name = m->is_request ? m->method_name : m->cseq_method_name;

    if (meth == SIP_ACK)
        meth = SIP_INVITE;
    if (meth != SIP_UNKNOWN) {
        const char *s = sip_method_name(meth);
        return span_make(s, strlen(s));
    }
    return name;
}

static uint64_t key_with_method(const struct ctab *t, const struct sip_msg *m, struct span meth,
                                bool *rfc3261)
{
    struct keybuf k = { .n = 0 };
    static const struct span cookie = { "z9hG4bK", 7 };

    if (m->n_via > 0 && m->via[0].branch.len > cookie.len &&
        span_eq(span_make(m->via[0].branch.p, cookie.len), cookie)) {
        *rfc3261 = true;
        kb_span(&k, SPAN_LIT("3261"), 8);
        kb_span(&k, m->via[0].branch, 200);
        kb_span(&k, m->via[0].host, 200);
        kb_u32(&k, m->via[0].port);
        kb_span(&k, meth, 32);
    } else {
        *rfc3261 = false;
        kb_span(&k, SPAN_LIT("2543"), 8);
        kb_span(&k, m->call_id, 256);
        kb_u32(&k, m->cseq);
        kb_span(&k, meth, 32);
        kb_span(&k, m->from.tag, 128);
    }
    return ctab_hash(t, k.b, k.n);
}

uint64_t txn_key(const struct ctab *t, const struct sip_msg *m, bool *rfc3261)
{
    return key_with_method(t, m, method_span(m), rfc3261);
}

/* ---- the compact record ---- */

_Static_assert(sizeof(struct txn_rec) <= 128, "a live transaction fits in 128 bytes");

#define TXN_RFC3261 1u
#define TXN_DOUBLING 2u
#define TXN_HAD_CRED 4u

static uint32_t delta32(uint64_t later, uint64_t first)
{
    return later <= first ? 0 : later - first > UINT32_MAX ? UINT32_MAX : (uint32_t)(later - first);
}

static uint32_t us32(int64_t later, int64_t first)
{
    return later <= first ? 0 : delta32((uint64_t)later, (uint64_t)first);
}

/* "user\0from_user\0ruri_host" of the request, one string: the three go
 * together and repeat together (every transaction of a phone). */
static uint32_t put_who(struct engine *e, const struct sip_msg *m)
{
    char user[48], from[48], host[64], b[sizeof(user) + sizeof(from) + sizeof(host)];
    struct span u = m->from.uri.user;
    size_t n = 0, l;

    if (m->cred.present && m->cred.username.len > 0)
        u = m->cred.username;
    else if (m->method == SIP_REGISTER && m->to.uri.user.len > 0)
        u = m->to.uri.user;
    corr_copy(user, sizeof(user), u);
    corr_copy(from, sizeof(from),
              m->method == SIP_REGISTER && m->to.uri.user.len > 0 ? m->to.uri.user
                                                                   : m->from.uri.user);
    corr_copy(host, sizeof(host), m->ruri.host);
    l = strlen(user) + 1;
    memcpy(b + n, user, l);
    n += l;
    l = strlen(from) + 1;
    memcpy(b + n, from, l);
    n += l;
    l = strlen(host);
    memcpy(b + n, host, l);
    n += l;
    return intern_put(&e->strings, b, n);
}

/* An interned string into a view buffer. The text was made safe for a
 * terminal when it was interned (corr_copy, corr_start_line), so a bounded
 * copy is enough here: the view is made for every event, and re-checking
 * each byte was a twentieth of a message's instructions. */
static void view_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void get_who(const struct engine *e, uint32_t h, struct txn *t)
{
    size_t n, i = 0;
    const char *b = intern_get(&e->strings, h, &n);
    char *dst[3] = { t->user, t->from_user, t->ruri_host };
    size_t cap[3] = { sizeof(t->user), sizeof(t->from_user), sizeof(t->ruri_host) };

    for (int k = 0; k < 3; k++) {
        size_t l = 0;
        while (i + l < n && b[i + l] != '\0')
            l++;
        view_copy(dst[k], cap[k], b + i, l);
        i += l + (i + l < n);
    }
}

static void drop_strings(struct intern *in, struct txn_rec *r)
{
    intern_drop(in, r->src);
    intern_drop(in, r->dst);
    intern_drop(in, r->eff);
    intern_drop(in, r->req);
    intern_drop(in, r->who);
    intern_drop(in, r->fin);
}

static void on_evict(void *ud, void *entry)
{
    struct engine *e = ud;

    drop_strings(&e->strings, entry);
}

/* A transaction answered 1xx/2xx and done is only waiting out its
 * retransmission timers: a full table gives it up before an open one (live
 * state) or a refused one (evidence). */
static bool txn_explains(const void *entry)
{
    const struct txn_rec *r = entry;

    return r->state != TXN_DONE || r->status >= 300;
}

int txn_table_init(struct engine *e, size_t cap)
{
    int rc = ctab_init(&e->txns, cap, sizeof(struct txn_rec), on_evict, e);

    if (rc != 0)
        return rc;
    ctab_set_keep(&e->txns, txn_explains);
    /* Each live record is queued once (txn_due re-queues what it keeps). */
    return ctab_dlq_init(&e->txn_due, cap);
}

static void retire(struct engine *e, struct txn_rec *r)
{
    drop_strings(&e->strings, r);
    ctab_remove(&e->txns, r);
    e->n_txn_retired++;
}

/* The frame a delta stands for; a delta that saturated (4G frames later)
 * is not known: 0, which no evidence cites, never a wrong frame. */
static uint64_t frame_at(const struct txn_rec *r, uint32_t d)
{
    return d == UINT32_MAX ? 0 : r->frame + d;
}

struct txn *txn_view(struct engine *e, struct txn_rec *r)
{
    struct txn *t = &e->txn_view;
    size_t n;
    const char *s;

    memset(t, 0, sizeof(*t));
    t->rec = r;
    t->key = r->key;
    t->dialog_key = r->dialog_key;
    t->method = (enum sip_method)r->method;
    corr_get_endpoint(&e->strings, r->src, &t->src);
    corr_get_endpoint(&e->strings, r->dst, &t->dst);
    {
        struct endpoint eff;
        corr_get_endpoint(&e->strings, r->eff, &eff);
        t->effective_src = eff.ip;
    }
    t->peer_key = peer_key_cached(e, &t->src.ip, &t->dst.ip);
    t->transport = (enum transport)r->transport;
    t->frame = r->frame;
    t->last_frame = frame_at(r, r->d_last);
    t->copies[0] = r->frame;
    for (uint32_t i = 1; i < TXN_COPIES && i <= r->retrans; i++)
        t->copies[i] = frame_at(r, r->d_copies[i - 1]);
    t->first_us = r->first_us;
    t->last_us = r->first_us + r->t_last;
    t->last_gap_us = r->t_gap;
    t->retrans = r->retrans;
    t->doubling = (r->flags & TXN_DOUBLING) != 0;
    t->rfc3261 = (r->flags & TXN_RFC3261) != 0;
    t->had_cred = (r->flags & TXN_HAD_CRED) != 0;
    t->state = r->state;
    t->n_prov = r->n_prov;
    t->first_resp_frame = r->d_resp ? frame_at(r, r->d_resp) : 0;
    t->status = r->status;
    t->final_frame = r->status ? frame_at(r, r->d_final) : 0;
    t->final_us = r->status ? r->first_us + r->t_final : 0;
    t->final_retrans = r->final_retrans;
    t->ack_frame = r->d_ack ? frame_at(r, r->d_ack) : 0;
    t->cancel_frame = r->d_cancel ? frame_at(r, r->d_cancel) : 0;
    s = intern_get(&e->strings, r->req, &n);
    view_copy(t->req_line, sizeof(t->req_line), s, n);
    s = intern_get(&e->strings, r->fin, &n);
    view_copy(t->final_line, sizeof(t->final_line), s, n);
    get_who(e, r->who, t);
    return t;
}

void txn_link(struct engine *e, struct txn *t, uint64_t peer_key, uint64_t dialog_key)
{
    (void)e;
    t->peer_key = peer_key;
    t->dialog_key = t->rec->dialog_key = dialog_key;
}

void txn_set_state(struct engine *e, struct txn *t, enum txn_state st)
{
    (void)e;
    t->state = t->rec->state = (uint8_t)st;
}

struct txn *txn_on_request(struct engine *e, const struct sip_msg *m, bool *is_new)
{
    bool rfc;
    uint64_t key = txn_key(&e->txns, m, &rfc);
    struct txn_rec *t = ctab_find(&e->txns, key);
    char line[CORR_LINE];

    *is_new = false;
    if (m->method == SIP_ACK) {
        /* ACK of a non-2xx final: part of the INVITE transaction. ACK of a
         * 2xx has a branch of its own and no transaction (§13.2.2.4). */
        if (t != NULL && t->d_ack == 0 && t->status >= 300) {
            t->d_ack = delta32(m->frame, t->frame);
            e->n_acks_matched++;
        }
        return t ? txn_view(e, t) : NULL;
    }
    if (t != NULL) {
        int64_t last_us = t->first_us + t->t_last;
        int64_t gap = m->ts_us - last_us;
        if (t->retrans > 0 && t->t_gap > 0 && gap > 0) {
            /* timer A/E doubling: the new gap is about twice the last
             * one, or has reached T2 (4 s) for non-INVITE. */
            int64_t lg = t->t_gap;
            if ((gap * 10 >= lg * 16 && gap * 10 <= lg * 24) ||
                (t->method != SIP_INVITE && gap >= 3500000 && gap <= 4500000))
                t->flags |= TXN_DOUBLING;
        }
        if (t->retrans < UINT16_MAX)
            t->retrans++;
        t->t_gap = gap > 0 ? us32(m->ts_us, last_us) : 0;
        t->t_last = us32(m->ts_us, t->first_us);
        t->d_last = delta32(m->frame, t->frame);
        if (t->retrans < TXN_COPIES)
            t->d_copies[t->retrans - 1] = t->d_last;
        e->n_retrans++;
        return txn_view(e, t);
    }
    t = ctab_insert(&e->txns, key);
    if (t == NULL)
        return NULL;
    *is_new = true;
    t->key = key;
    t->flags = (rfc ? TXN_RFC3261 : 0) | (m->cred.present ? TXN_HAD_CRED : 0);
    t->method = (uint8_t)m->method;
    t->src = corr_put_endpoint_as(&e->strings, &e->msg_ep[0], &m->src);
    t->dst = corr_put_endpoint_as(&e->strings, &e->msg_ep[1], &m->dst);
    t->eff = intern_ref(&e->strings, t->src);
    t->transport = (uint8_t)m->transport;
    t->frame = m->frame;
    t->first_us = m->ts_us;
    corr_start_line(m, line, sizeof(line));
    t->req = e->msg_line = intern_put_as(&e->strings, e->msg_line, line, strlen(line));
    t->who = put_who(e, m);
    if (m->method == SIP_CANCEL) {
        bool r2;
        struct txn_rec *inv = ctab_find(&e->txns,
                                        key_with_method(&e->txns, m, SPAN_LIT("INVITE"), &r2));
        if (inv != NULL && inv->d_cancel == 0)
            inv->d_cancel = delta32(m->frame, inv->frame);
    }
    ctab_dlq_push(&e->txn_due, &e->txns, t, m->ts_us + CORR_TIMEOUT_US);
    return txn_view(e, t);
}

struct txn *txn_on_response(struct engine *e, const struct sip_msg *m, bool *is_final_first)
{
    bool rfc;
    struct txn_rec *t = ctab_find(&e->txns, txn_key(&e->txns, m, &rfc));
    char line[CORR_LINE];

    *is_final_first = false;
    if (t == NULL) {
        e->n_orphan_responses++;
        return NULL;
    }
    /* an answer usually goes back the way its request came: the request's
     * endpoints are the candidates for this message's (auth_on_challenge) */
    if (e->msg_ep[0] == INTERN_NONE && e->msg_ep[1] == INTERN_NONE) {
        e->msg_ep[0] = t->dst;
        e->msg_ep[1] = t->src;
    }
    if (t->d_resp == 0)
        t->d_resp = delta32(m->frame, t->frame) ? delta32(m->frame, t->frame) : 1;
    if (m->status < 200) {
        if (t->n_prov < UINT16_MAX)
            t->n_prov++;
        return txn_view(e, t);
    }
    if (t->status != 0) {
        if (t->final_retrans < UINT16_MAX)
            t->final_retrans++;
        e->n_resp_retrans++;
        return txn_view(e, t);
    }
    t->status = (uint16_t)m->status;
    t->d_final = delta32(m->frame, t->frame);
    t->t_final = us32(m->ts_us, t->first_us);
    t->state = TXN_DONE;
    corr_start_line(m, line, sizeof(line));
    t->fin = e->msg_line = intern_put_as(&e->strings, e->msg_line, line, strlen(line));
    if (m->n_via > 0 && m->via[0].received.len > 0) {
        struct addr a;
        if (addr_parse(m->via[0].received.p, m->via[0].received.len, &a)) {
            struct endpoint ep = { .ip = a };
            intern_drop(&e->strings, t->eff);
            t->eff = corr_put_endpoint(&e->strings, &ep);
        }
    }
    *is_final_first = true;
    return txn_view(e, t);
}

struct txn *txn_due(struct engine *e, int64_t now)
{
    struct txn_rec *t;

    while ((t = ctab_dlq_pop(&e->txn_due, &e->txns, now)) != NULL) {
        int64_t final_us = t->first_us + t->t_final;
        int64_t wait = t->transport == TRANSPORT_UDP || t->transport == TRANSPORT_UNKNOWN
                           ? CORR_TIMEOUT_US : CORR_T4_US;
        if (t->state == TXN_DONE) {
            /* Completed: kept for the retransmissions of its request and
             * final answer (timers D/H/I/J/K after the final), then freed so
             * the table holds live transactions, not history. */
            if (final_us + wait <= now)
                retire(e, t);
            else
                ctab_dlq_push(&e->txn_due, &e->txns, t, final_us + wait);
            continue;
        }
        if (t->state != TXN_OPEN) {
            retire(e, t);       /* timed out 64*T1 ago: late answers had their chance */
            continue;
        }
        /* Timer A stops at the first provisional; an INVITE in Proceeding
         * waits for its final answer until timer C, then it is given up
         * without a verdict (engine.transactions.abandoned). */
        if (t->method == SIP_INVITE && t->d_resp != 0) {
            if (now - t->first_us >= CORR_TIMER_C_US) {
                e->n_txn_abandoned++;
                retire(e, t);
            } else {
                ctab_dlq_push(&e->txn_due, &e->txns, t, now + CORR_TIMEOUT_US);
            }
            continue;
        }
        t->state = TXN_TIMEOUT;
        e->n_timeouts++;
        ctab_dlq_push(&e->txn_due, &e->txns, t, now + CORR_TIMEOUT_US);
        return txn_view(e, t);
    }
    return NULL;
}
