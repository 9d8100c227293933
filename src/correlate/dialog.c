/*
 * dialog.c — dialogs and registrations keyed by Call-ID (RFC 3261 §12,
 * §10.2: a REGISTER refresh keeps its Call-ID), and the bounded ring of
 * recent messages (with their raw bytes) that the call-flow ladder and the
 * detail views read through the snapshot.
 *
 * Bounds: caps.dialogs records (oldest evicted), caps.messages_kept message
 * records, and a raw byte ring of messages_kept * 2 KiB (at most 16 MiB):
 * old raw text is overwritten and then shown as evicted, never grown. A
 * dialog's text and endpoints are interned (engine strings): it gives them
 * back when it is retired (dialog_due) or evicted (on_evict).
 *
 * Flow: engine_msg → dialog. Thread: the analysis thread.
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

/* Append s to dst[0..len) at *pos, truncating, always terminated. */
static void put_str(char *dst, size_t len, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    if (*pos + 1 >= len)
        return;
    if (n > len - 1 - *pos)
        n = len - 1 - *pos;
    memcpy(dst + *pos, s, n);
    *pos += n;
    dst[*pos] = '\0';
}

/* "user@host" (or "host"). Built by hand, not snprintf: this runs for
 * every new Call-ID, which on a busy capture is most messages. */
static void nameaddr_text(char *dst, size_t len, const struct sip_nameaddr *na)
{
    char u[64], h[64];
    size_t pos = 0;

    if (len == 0)
        return;
    dst[0] = '\0';
    corr_copy(u, sizeof(u), na->uri.user);
    corr_copy(h, sizeof(h), na->uri.host);
    if (u[0] != '\0') {
        put_str(dst, len, &pos, u);
        put_str(dst, len, &pos, "@");
    }
    put_str(dst, len, &pos, h);
}

/* ---- the compact record (struct dialog) ---- */

_Static_assert(sizeof(struct dialog) <= 176, "a dialog fits in 176 bytes");

static void drop_strings(struct intern *in, struct dialog *d)
{
    intern_drop(in, d->call_id);
    intern_drop(in, d->from);
    intern_drop(in, d->to);
    intern_drop(in, d->src);
    intern_drop(in, d->dst);
    d->call_id = d->from = d->to = d->src = d->dst = INTERN_NONE;
}

static void on_evict(void *ud, void *entry)
{
    struct engine *e = ud;

    drop_strings(&e->strings, entry);
}

static uint32_t put_text(struct engine *e, const char *s)
{
    return intern_put(&e->strings, s, strlen(s));
}

int dialog_table_init(struct engine *e, size_t cap)
{
    int rc = ctab_init(&e->dialogs, cap, sizeof(struct dialog), on_evict, e);

    return rc != 0 ? rc : ctab_dlq_init(&e->dialog_due, cap);
}

/* A dialog leaves when it is over and 64*T1 has passed since its last
 * message (the retransmissions it can still see: RFC 3261 §17 timers), or
 * when a confirmed call has been silent for CORR_CALL_IDLE_US (an INVITE
 * without a final answer: CORR_TIMER_C_US). Until the table is a quarter
 * full a finished dialog stays as history (call list, ladders: a snapshot
 * shows at most SNAPPUB_MAX_DIALOGS, a tenth of the default cap's quarter);
 * past that only live dialogs keep the table's pages resident (3/4 was
 * 15 MiB of the busy workload's RSS at 1M). Each dialog is queued once. */
void dialog_due(struct engine *e, int64_t now)
{
    struct dialog *d;

    while ((d = ctab_dlq_pop(&e->dialog_due, &e->dialogs, now)) != NULL) {
        int64_t quiet = d->last_us + CORR_TIMEOUT_US;
        if (quiet > now) {
            ctab_dlq_push(&e->dialog_due, &e->dialogs, d, quiet);
        } else if ((d->phase == DIALOG_CONFIRMED && d->last_us + CORR_CALL_IDLE_US > now) ||
                   (d->phase == DIALOG_EARLY && d->method == SIP_INVITE &&
                    d->last_status == 0 && d->last_us + CORR_TIMER_C_US > now)) {
            /* a call, or an INVITE still ringing (timer C) */
            ctab_dlq_push(&e->dialog_due, &e->dialogs, d, now + CORR_TIMEOUT_US);
        } else if (e->dialogs.n < e->dialogs.cap / 4) {
            /* over, but kept as history (call list, ladders) while the
             * table has room: only live dialogs may need it */
            ctab_dlq_push(&e->dialog_due, &e->dialogs, d, now + CORR_TIMEOUT_US);
        } else {
            drop_strings(&e->strings, d);
            ctab_remove(&e->dialogs, d);
            e->n_dialogs_retired++;
        }
    }
}

struct dialog *dialog_on_msg(struct engine *e, const struct sip_msg *m)
{
    bool created;
    uint64_t key = ctab_hash(&e->dialogs, m->call_id.p ? m->call_id.p : "", m->call_id.len);
    struct dialog *d = ctab_get(&e->dialogs, key, &created);

    if (d == NULL)
        return NULL;
    if (created) {
        /* the sizes of the buffers the interned text replaced */
        char call_id[128], from[96], to[96];
        d->key = key;
        corr_copy(call_id, sizeof(call_id), m->call_id);
        d->call_id = put_text(e, call_id);
        d->method = (uint8_t)(m->is_request ? m->method : m->cseq_method);
        nameaddr_text(from, sizeof(from), &m->from);
        d->from = put_text(e, from);
        nameaddr_text(to, sizeof(to), &m->to);
        /* a REGISTER's To is its From */
        d->to = intern_put_as(&e->strings, d->from, to, strlen(to));
        /* the request's transaction interns the same two (msg_ep) */
        d->src = corr_put_endpoint_as(&e->strings, &e->msg_ep[m->is_request ? 0 : 1],
                                      m->is_request ? &m->src : &m->dst);
        d->dst = corr_put_endpoint_as(&e->strings, &e->msg_ep[m->is_request ? 1 : 0],
                                      m->is_request ? &m->dst : &m->src);
        d->first_us = m->ts_us;
        ctab_dlq_push(&e->dialog_due, &e->dialogs, d, m->ts_us + CORR_TIMEOUT_US);
    }
    d->last_us = m->ts_us;
    d->n_msgs++;
    if (!m->is_request && m->cseq_method == d->method && m->status >= 200) {
        d->last_status = (uint16_t)m->status;
        if (d->phase == DIALOG_EARLY && d->method == SIP_INVITE && m->status < 300)
            d->phase = DIALOG_CONFIRMED;
    }
    if (m->is_request && m->method == SIP_BYE)
        d->phase = DIALOG_ENDED;
    if (!m->is_request) {
        for (int i = 0; i < DIALOG_RESPONDERS; i++) {
            struct dialog_resp *r = &d->resp[i];
            if (r->n > 0 && !addr_eq(&r->ip, &m->src.ip))
                continue;
            if (r->n++ == 0) {
                r->ip = m->src.ip;
                r->first_frame = m->frame;
                r->first_us = m->ts_us;
            }
            r->last_frame = m->frame;
            r->last_us = m->ts_us;
            break;
        }
    }
    return d;
}

const struct dialog_resp *dialog_responder(const struct ctab *dialogs, uint64_t key,
                                           const struct addr *ip)
{
    const struct dialog *d = key ? ctab_find(dialogs, key) : NULL;

    for (int i = 0; d != NULL && i < DIALOG_RESPONDERS; i++)
        if (d->resp[i].n > 0 && addr_eq(&d->resp[i].ip, ip))
            return &d->resp[i];
    return NULL;
}

void msgs_keep(struct engine *e, const struct sip_msg *m, uint64_t dialog_key)
{
    struct msg_rec *r;
    size_t n = m->raw.len;

    if (e->msgs_cap == 0)
        return;
    if (e->msgs_n == e->msgs_cap) {
        e->msgs_head = (e->msgs_head + 1) % e->msgs_cap;
        e->msgs_n--;
    }
    r = &e->msgs[(e->msgs_head + e->msgs_n) % e->msgs_cap];
    e->msgs_n++;
    memset(r, 0, sizeof(*r));
    r->dialog_key = dialog_key;
    r->frame = m->frame;
    r->ts_us = m->ts_us;
    r->src = m->src;
    r->dst = m->dst;
    r->transport = m->transport;
    if (m->is_request) {
        corr_copy(r->label, sizeof(r->label), m->method_name);
    } else if (m->status >= 100 && m->status <= 999) {
        /* "407 Proxy Authentication Required": every response, so by hand */
        char reason[48];
        size_t pos = 4;
        r->label[0] = (char)('0' + m->status / 100);
        r->label[1] = (char)('0' + m->status / 10 % 10);
        r->label[2] = (char)('0' + m->status % 10);
        r->label[3] = ' ';
        r->label[4] = '\0';
        corr_copy(reason, sizeof(reason), m->reason_phrase);
        put_str(r->label, sizeof(r->label), &pos, reason);
    } else {
        char reason[48];
        corr_copy(reason, sizeof(reason), m->reason_phrase);
        findings_fmt(r->label, sizeof(r->label), "%d %s", m->status, reason);
    }
    if (e->raw_cap == 0 || n == 0 || n > e->raw_cap / 4)
        return;     /* too big to keep without pushing out many others */
    r->raw_pos = e->raw_pos;
    r->raw_len = (uint32_t)n;
    for (size_t done = 0; done < n;) {
        size_t off = (size_t)(e->raw_pos % e->raw_cap);
        size_t chunk = e->raw_cap - off;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(e->raw + off, m->raw.p + done, chunk);
        done += chunk;
        e->raw_pos += chunk;
    }
}
