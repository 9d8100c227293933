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

static void fill_user(struct txn *t, const struct sip_msg *m)
{
    struct span u = m->from.uri.user;

    if (m->cred.present && m->cred.username.len > 0)
        u = m->cred.username;
    else if (m->method == SIP_REGISTER && m->to.uri.user.len > 0)
        u = m->to.uri.user;
    corr_copy(t->user, sizeof(t->user), u);
    corr_copy(t->from_user, sizeof(t->from_user),
              m->method == SIP_REGISTER && m->to.uri.user.len > 0 ? m->to.uri.user
                                                                   : m->from.uri.user);
    corr_copy(t->ruri_host, sizeof(t->ruri_host), m->ruri.host);
}

struct txn *txn_on_request(struct engine *e, const struct sip_msg *m, bool *is_new)
{
    bool rfc;
    uint64_t key = txn_key(&e->txns, m, &rfc);
    struct txn *t = ctab_find(&e->txns, key);

    *is_new = false;
    if (m->method == SIP_ACK) {
        /* ACK of a non-2xx final: part of the INVITE transaction. ACK of a
         * 2xx has a branch of its own and no transaction (§13.2.2.4). */
        if (t != NULL && t->ack_frame == 0 && t->status >= 300) {
            t->ack_frame = m->frame;
            e->n_acks_matched++;
        }
        return t;
    }
    if (t != NULL) {
        int64_t gap = m->ts_us - t->last_us;
        if (t->retrans > 0 && t->last_gap_us > 0 && gap > 0) {
            /* timer A/E doubling: the new gap is about twice the last
             * one, or has reached T2 (4 s) for non-INVITE. */
            if ((gap * 10 >= t->last_gap_us * 16 && gap * 10 <= t->last_gap_us * 24) ||
                (t->method != SIP_INVITE && gap >= 3500000 && gap <= 4500000))
                t->doubling = true;
        }
        t->retrans++;
        t->last_gap_us = gap;
        t->last_us = m->ts_us;
        t->last_frame = m->frame;
        if (t->retrans < TXN_COPIES)
            t->copies[t->retrans] = m->frame;
        e->n_retrans++;
        return t;
    }
    t = ctab_insert(&e->txns, key);
    if (t == NULL)
        return NULL;
    *is_new = true;
    t->key = key;
    t->rfc3261 = rfc;
    t->method = m->method;
    t->cseq = m->cseq;
    t->src = m->src;
    t->dst = m->dst;
    t->effective_src = m->src.ip;
    t->transport = m->transport;
    t->frame = t->last_frame = t->copies[0] = m->frame;
    t->first_us = t->last_us = m->ts_us;
    t->had_cred = m->cred.present;
    corr_start_line(m, t->req_line, sizeof(t->req_line));
    fill_user(t, m);
    if (m->method == SIP_CANCEL) {
        bool r2;
        struct txn *inv = ctab_find(&e->txns,
                                    key_with_method(&e->txns, m, SPAN_LIT("INVITE"), &r2));
        if (inv != NULL && inv->cancel_frame == 0)
            inv->cancel_frame = m->frame;
    }
    ctab_dlq_push(&e->txn_due, &e->txns, t, m->ts_us + CORR_TIMEOUT_US);
    return t;
}

struct txn *txn_on_response(struct engine *e, const struct sip_msg *m, bool *is_final_first)
{
    bool rfc;
    struct txn *t = ctab_find(&e->txns, txn_key(&e->txns, m, &rfc));

    *is_final_first = false;
    if (t == NULL) {
        e->n_orphan_responses++;
        return NULL;
    }
    if (t->first_resp_frame == 0)
        t->first_resp_frame = m->frame;
    if (m->status < 200) {
        t->n_prov++;
        return t;
    }
    if (t->status != 0) {
        t->final_retrans++;
        e->n_resp_retrans++;
        return t;
    }
    t->status = m->status;
    t->final_frame = m->frame;
    t->final_us = m->ts_us;
    t->state = TXN_DONE;
    corr_start_line(m, t->final_line, sizeof(t->final_line));
    if (m->n_via > 0 && m->via[0].received.len > 0) {
        struct addr a;
        if (addr_parse(m->via[0].received.p, m->via[0].received.len, &a))
            t->effective_src = a;
    }
    *is_final_first = true;
    return t;
}
