/*
 * tui_ladder.c — the call-flow ladder (Enter on a dialog): one row per
 * message with its time, frame number and an arrow labelled with the
 * method or status between the two endpoints' columns, and below it the
 * raw text of the selected message (snap_msg.raw_off/raw_len into
 * snapshot.raw), scrollable. The call's RTP streams (snapshot.media with
 * the dialog's Call-ID) are rows too: a band from sender to receiver at
 * the time of its first packet with its addresses, codec, packets, loss
 * and jitter; selected, the pane below shows all its figures and the
 * call's media verdict.
 *
 * The ladder owns copies of the dialog, its messages and their raw text,
 * so it stays readable when the dialog leaves a later snapshot (it is then
 * marked stale). Copies are bounded by the snapshot's own capacities.
 * UI thread only.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/ladder.h"
#include "tui_int.h"

int tui_ladder_init(struct tui_ladder *l, size_t cap_msg, size_t cap_raw)
{
    memset(l, 0, sizeof(*l));
    l->msg = calloc(cap_msg ? cap_msg : 1, sizeof(*l->msg));
    l->raw = malloc(cap_raw ? cap_raw : 1);
    if (l->msg == NULL || l->raw == NULL || tui_text_init_buf(&l->text) != 0) {
        tui_ladder_free(l);
        return -1;
    }
    l->cap_msg = cap_msg;
    l->cap_raw = cap_raw;
    l->text_for = SIZE_MAX;
    return 0;
}

void tui_ladder_free(struct tui_ladder *l)
{
    free(l->msg);
    free(l->raw);
    tui_text_free(&l->text);
    memset(l, 0, sizeof(*l));
}

size_t tui_ladder_column(struct tui_ladder *l, const struct endpoint *e)
{
    for (size_t i = 0; i < l->n_col; i++) {
        if (addr_eq(&l->col[i].ip, &e->ip) && l->col[i].port == e->port)
            return i;
    }
    if (l->n_col < TUI_LADDER_COLS) {
        l->col[l->n_col] = *e;
        return l->n_col++;
    }
    return TUI_LADDER_COLS - 1;
}

size_t tui_ladder_rows(const struct tui_ladder *l)
{
    return l->n_msg + l->n_band;
}

bool tui_ladder_row(const struct tui_ladder *l, size_t r, size_t *msg, size_t *band)
{
    size_t nb = 0;

    *msg = *band = SIZE_MAX;
    for (size_t i = 0; i <= l->n_msg; i++) {
        while (nb < l->n_band && l->band_at[nb] <= i) {
            if (r == 0) {
                *band = nb;
                return false;
            }
            r--, nb++;
        }
        if (i == l->n_msg)
            break;
        if (r == 0) {
            *msg = i;
            return true;
        }
        r--;
    }
    return false;
}

static void load_bands(struct tui_ladder *l, const struct snapshot *s)
{
    l->n_band = l->more_bands = 0;
    l->have_mcall = false;
    for (size_t i = 0; i < s->n_media_calls; i++)
        if (strcmp(s->media_calls[i].call_id, l->d.call_id) == 0) {
            l->mcall = s->media_calls[i];
            l->have_mcall = true;
        }
    for (size_t i = 0; i < s->n_media; i++) {
        const struct snap_media *m = &s->media[i];
        size_t k, at;
        if (m->heuristic || strcmp(m->call_id, l->d.call_id) != 0)
            continue;
        if (l->n_band == TUI_LADDER_BANDS) {
            l->more_bands++;
            continue;
        }
        for (at = 0; at < l->n_msg && l->msg[at].ts_us <= m->first_us; at++)
            ;
        for (k = l->n_band; k > 0 && l->band[k - 1].first_us > m->first_us; k--) {
            l->band[k] = l->band[k - 1];
            l->band_at[k] = l->band_at[k - 1];
        }
        l->band[k] = *m;
        l->band_at[k] = at;
        l->n_band++;
    }
}

void tui_ladder_load(struct tui_ladder *l, const struct snapshot *s, const struct snap_dialog *d)
{
    l->d = *d;
    l->n_msg = 0;
    l->raw_len = 0;
    l->n_col = 0;
    l->stale = false;
    /* The first request's endpoints come first: caller on the left. */
    tui_ladder_column(l, &d->src);
    tui_ladder_column(l, &d->dst);
    size_t first = d->first_msg, n = d->n_msgs;
    if (first > s->n_msgs)
        first = s->n_msgs;
    if (n > s->n_msgs - first)
        n = s->n_msgs - first;
    for (size_t i = 0; i < n && l->n_msg < l->cap_msg; i++) {
        struct snap_msg m = s->msgs[first + i];
        if (m.raw_len > 0 && (size_t)m.raw_off <= s->raw_len &&
            m.raw_len <= s->raw_len - m.raw_off && m.raw_len <= l->cap_raw - l->raw_len) {
            memcpy(l->raw + l->raw_len, s->raw + m.raw_off, m.raw_len);
            m.raw_off = (uint32_t)l->raw_len;
            l->raw_len += m.raw_len;
        } else {
            m.raw_off = m.raw_len = 0;
        }
        l->msg[l->n_msg++] = m;
        tui_ladder_column(l, &m.src);
        tui_ladder_column(l, &m.dst);
    }
    load_bands(l, s);
    if (l->sel >= tui_ladder_rows(l))
        l->sel = tui_ladder_rows(l) > 0 ? tui_ladder_rows(l) - 1 : 0;
    l->text_for = SIZE_MAX;
}

void tui_ladder_move(struct tui_ladder *l, long delta)
{
    size_t rows = tui_ladder_rows(l);
    if (rows == 0)
        return;
    long sel = (long)l->sel + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= (long)rows)
        sel = (long)rows - 1;
    if ((size_t)sel != l->sel) {
        l->sel = (size_t)sel;
        l->text.top = 0;
    }
}

/* Rows: title, endpoint heads, the ladder (at most half the height, less
 * for a short dialog), a separator, the raw text. */
static int ladder_rows(const struct tui_ladder *l, struct tui_rect r)
{
    int avail = r.h - 3;
    int lr = avail / 2;
    if ((size_t)lr > tui_ladder_rows(l) + l->n_band + 1)     /* a band takes two lines */
        lr = (int)(tui_ladder_rows(l) + l->n_band) + 1;
    if (lr < 3)
        lr = avail > 3 ? 3 : avail;
    return lr < 0 ? 0 : lr;
}

int tui_ladder_raw_rows(const struct tui_ladder *l, struct tui_rect r)
{
    int v = r.h - 3 - ladder_rows(l, r);
    return v < 0 ? 0 : v;
}

#define GUTTER 21   /* "12:00:01.123 #123456 " */

static void draw_arrow(int y, int xa, int xb, const char *label, int attr, bool sel)
{
    bool right = xb > xa;
    int lo = right ? xa + 1 : xb + 1, hi = right ? xb - 1 : xa - 1;
    int len = hi - lo + 1;
    if (len <= 0)
        return;
    tui_hline(y, lo, len, attr);
    const char *head = tui_utf8() ? (right ? "\xe2\x96\xb6" : "\xe2\x97\x80")
                                  : (right ? ">" : "<");
    tui_puts(y, right ? hi : lo, 1, head, attr);
    /* The label sits on the line, centred, with a space either side. */
    int lw = tui_width(label, strlen(label));
    int room = len - 4;
    if (room < 1)
        return;
    if (lw > room)
        lw = room;
    int lx = lo + (len - lw) / 2;
    tui_puts(y, lx - 1, 1, " ", attr);
    tui_put(y, lx, lw, label, strlen(label), attr | (sel ? A_REVERSE : 0));
    tui_puts(y, lx + lw, 1, " ", attr);
}

static bool band_bad(const struct snap_media *m)
{
    return m->lost > 0 && m->expected > 0 && m->lost * 100 >= m->expected;
}

/* A band: a double line from the sender's column to the receiver's with
 * the stream's figures on it. */
static void draw_band(struct tui_ladder *l, int y, const int *colx, size_t ncol,
                      const struct snap_media *m, bool sel)
{
    bool to_callee = strcmp(m->direction, "caller->callee") == 0;
    size_t a = ladder_band_col(l->col, l->n_col, &m->src, to_callee ? 0 : 1),
           b = ladder_band_col(l->col, l->n_col, &m->dst, to_callee ? 1 : 0);
    char src[64], dst[64], lab[200];
    int attr = tui_attr(band_bad(m) ? TR_SEV_WARNING : TR_MSG_2XX);

    if (a == b)
        a = to_callee ? 0 : 1, b = to_callee ? 1 : 0;
    if (a >= ncol)
        a = ncol - 1;
    if (b >= ncol)
        b = ncol - 1;
    bool right = colx[b] > colx[a];
    int lo = right ? colx[a] + 1 : colx[b] + 1, hi = right ? colx[b] - 1 : colx[a] - 1;
    for (int x = lo; x <= hi; x++)
        tui_puts(y, x, 1, tui_utf8() ? "\xe2\x95\x90" : "=", attr);
    tui_puts(y, right ? hi : lo, 1, tui_utf8() ? (right ? "\xe2\x96\xb6" : "\xe2\x97\x80")
                                              : (right ? ">" : "<"), attr);
    tui_fmt_endpoint(src, sizeof(src), &m->src);
    tui_fmt_endpoint(dst, sizeof(dst), &m->dst);
    char first[16], last[16];
    tui_fmt_time(first, sizeof(first), m->first_us, true);
    tui_fmt_time(last, sizeof(last), m->last_us, true);
    (void)first, (void)last;
    snprintf(lab, sizeof(lab), "RTP %s, %llu pkt, %lld lost, jitter %.2f ms",
             m->codec[0] ? m->codec : "?", (unsigned long long)m->packets, (long long)m->lost,
             m->jitter_ms);
    int len = hi - lo + 1, room = len - 4;
    if (room < 1)
        return;
    int lw = tui_width(lab, strlen(lab));
    if (lw > room)
        lw = room;
    int lx = lo + (len - lw) / 2;
    tui_puts(y, lx - 1, 1, " ", attr);
    tui_put(y, lx, lw, lab, strlen(lab), attr | (sel ? A_REVERSE : 0));
    tui_puts(y, lx + lw, 1, " ", attr);
}

/* The line under a band: its addresses centred between the two columns,
 * and the time of its last packet in the gutter. */
static void band_second(struct tui_ladder *l, int y, struct tui_rect r, const int *colx,
                        size_t ncol, const struct snap_media *m, bool sel)
{
    bool to_callee = strcmp(m->direction, "caller->callee") == 0;
    size_t a = ladder_band_col(l->col, l->n_col, &m->src, to_callee ? 0 : 1),
           b = ladder_band_col(l->col, l->n_col, &m->dst, to_callee ? 1 : 0);
    char src[64], dst[64], last[16], lab[160];

    if (a == b)
        a = to_callee ? 0 : 1, b = to_callee ? 1 : 0;
    if (a >= ncol)
        a = ncol - 1;
    if (b >= ncol)
        b = ncol - 1;
    int lo = (colx[a] < colx[b] ? colx[a] : colx[b]) + 1;
    int hi = (colx[a] < colx[b] ? colx[b] : colx[a]) - 1;
    tui_fmt_time(last, sizeof(last), m->last_us, true);
    tui_printf(y, r.x, GUTTER, sel ? A_BOLD : 0, "..%-12s", last);
    tui_fmt_endpoint(src, sizeof(src), &m->src);
    tui_fmt_endpoint(dst, sizeof(dst), &m->dst);
    snprintf(lab, sizeof(lab), "%s > %s", src, dst);
    int len = hi - lo + 1, lw = tui_width(lab, strlen(lab));
    if (len < 1)
        return;
    if (lw > len)
        lw = len;
    tui_put(y, lo + (len - lw) / 2, lw, lab, strlen(lab), tui_attr(TR_DIM));
}

/* The pane below a selected band: every figure of the stream, and the
 * call's verdict. */
static void band_text(struct tui_ladder *l, const struct snap_media *m)
{
    char src[64], dst[64], first[16], last[16];

    tui_fmt_endpoint(src, sizeof(src), &m->src);
    tui_fmt_endpoint(dst, sizeof(dst), &m->dst);
    tui_fmt_time(first, sizeof(first), m->first_us, true);
    tui_fmt_time(last, sizeof(last), m->last_us, true);
    tui_text_addf(&l->text, TR_COLHEAD, 0, "RTP stream %s > %s (%s)", src, dst, m->direction);
    tui_text_addf(&l->text, TR_NORMAL, 2, "SSRC 0x%08x, payload type %u %s", (unsigned)m->ssrc,
                  (unsigned)m->payload_type, m->codec);
    tui_text_addf(&l->text, band_bad(m) ? TR_SEV_WARNING : TR_NORMAL, 2,
                  "%llu packets of %lld expected, %lld lost (%.1f%%)",
                  (unsigned long long)m->packets, (long long)m->expected, (long long)m->lost,
                  m->expected > 0 ? 100.0 * (double)m->lost / (double)m->expected : 0.0);
    tui_text_addf(&l->text, TR_NORMAL, 2, "jitter %.2f ms (max %.2f, mean %.2f; RFC 3550 A.8)",
                  m->jitter_ms, m->jitter_max_ms, m->jitter_mean_ms);
    tui_text_addf(&l->text, TR_NORMAL, 2, "first %s (frame %llu), last %s UTC, %.1f s", first,
                  (unsigned long long)m->first_frame, last,
                  (double)(m->last_us - m->first_us) / 1e6);
    if (m->dtmf_events)
        tui_text_addf(&l->text, TR_NORMAL, 2, "%u DTMF event(s) (RFC 4733)", m->dtmf_events);
    if (l->have_mcall) {
        tui_text_add(&l->text, TR_NORMAL, 0, "", 0);
        tui_text_addf(&l->text, TR_COLHEAD, 0, "Call media: %s", l->mcall.verdict);
        if (l->mcall.note[0] != '\0')
            tui_text_addf(&l->text, TR_NORMAL, 2, "%s", l->mcall.note);
    }
}

void tui_ladder_draw(struct tui_ladder *l, struct tui_rect r)
{
    if (r.h < 4 || r.w < 40)
        return;
    int ta = tui_attr(TR_TITLE_FOCUS);
    tui_fill(r.y, r.x, r.w, ta);
    char media[64] = "";
    if (l->have_mcall)
        snprintf(media, sizeof(media), "  media: %s, %zu stream(s)", l->mcall.verdict,
                 l->n_band + l->more_bands);
    tui_printf(r.y, r.x, r.w, ta, " Call flow: %s  %s  %s > %s  [%s]%s%s", l->d.method,
               l->d.call_id, l->d.from, l->d.to, l->d.state, media,
               l->stale ? "  (no longer in the latest snapshot)" : "");

    int lw = r.w - GUTTER;
    size_t ncol = l->n_col;
    size_t fit = 1 + (size_t)((lw - 8) / 18);
    if (fit > TUI_LADDER_COLS)
        fit = TUI_LADDER_COLS;
    if (ncol > fit)
        ncol = fit;
    if (ncol < 2)
        ncol = 2;
    int colx[TUI_LADDER_COLS];
    int margin = lw / (int)(ncol * 2);
    for (size_t i = 0; i < ncol; i++)
        colx[i] = r.x + GUTTER + margin + (int)i * (lw - 2 * margin) / (int)(ncol - 1);
    colx[ncol - 1] = r.x + r.w - margin - 1;

    /* Endpoint heads, centred on their column. */
    int ha = tui_attr(TR_COLHEAD);
    tui_fill(r.y + 1, r.x, r.w, tui_attr(TR_NORMAL));
    tui_puts(r.y + 1, r.x, GUTTER, "TIME         FRAME", ha);
    for (size_t i = 0; i < ncol && i < l->n_col; i++) {
        char ep[64];
        tui_fmt_endpoint(ep, sizeof(ep), &l->col[i]);
        if (i == ncol - 1 && l->n_col > ncol)
            snprintf(ep, sizeof(ep), "(%zu more)", l->n_col - ncol + 1);
        int ew = tui_width(ep, strlen(ep));
        int span = i + 1 < ncol ? colx[i + 1] - colx[i] - 1 : r.x + r.w - colx[i];
        int room = 2 * (colx[i] - (i > 0 ? colx[i - 1] : r.x + GUTTER)) - 2;
        if (span * 2 < room)
            room = span * 2;
        if (ew > room)
            ew = room;
        int ex = colx[i] - ew / 2;
        if (ex < r.x + GUTTER)
            ex = r.x + GUTTER;
        if (ex + ew > r.x + r.w)
            ex = r.x + r.w - ew;
        tui_put(r.y + 1, ex, ew, ep, strlen(ep), ha);
    }

    int lr = ladder_rows(l, r);
    if (l->sel < l->top)
        l->top = l->sel;
    /* lines from top to the selected row must fit (a band takes two) */
    while (l->top < l->sel) {
        int need = 0;
        size_t mi, bi;
        for (size_t k = l->top; k <= l->sel; k++)
            need += tui_ladder_row(l, k, &mi, &bi) ? 1 : 2;
        if (need <= lr)
            break;
        l->top++;
    }
    const char *vbar = tui_utf8() ? "\xe2\x94\x82" : "|";
    size_t ri = l->top;
    bool second = false;        /* the second line of a band */
    for (int i = 0; i < lr; i++, ri += second ? 0 : 1) {
        int y = r.y + 2 + i;
        size_t mi, bi;
        for (size_t c = 0; c < ncol; c++)
            tui_puts(y, colx[c], 1, vbar, tui_attr(TR_DIM));
        if (second) {
            /* under the band: where from, where to, until when */
            second = false;
            size_t pbi;
            (void)tui_ladder_row(l, ri, &mi, &pbi);
            band_second(l, y, r, colx, ncol, &l->band[pbi], l->sel == ri);
            continue;
        }
        if (ri >= tui_ladder_rows(l)) {
            if (ri == 0)
                tui_puts(y, r.x, r.w, "  (no messages kept for this dialog)", tui_attr(TR_DIM));
            continue;
        }
        bool sel = ri == l->sel;
        if (!tui_ladder_row(l, ri, &mi, &bi)) {
            char ts[16];
            tui_fmt_time(ts, sizeof(ts), l->band[bi].first_us, true);
            tui_printf(y, r.x, GUTTER, sel ? A_REVERSE | A_BOLD : 0, "%-12s RTP    ", ts);
            draw_band(l, y, colx, ncol, &l->band[bi], sel);
            second = true;
            continue;
        }
        const struct snap_msg *m = &l->msg[mi];
        char ts[16];
        tui_fmt_time(ts, sizeof(ts), m->ts_us, true);
        tui_printf(y, r.x, GUTTER, sel ? A_REVERSE | A_BOLD : 0, "%-12s #%-6llu", ts,
                   (unsigned long long)m->frame);
        size_t a = tui_ladder_column(l, &m->src), b = tui_ladder_column(l, &m->dst);
        if (a >= ncol)
            a = ncol - 1;
        if (b >= ncol)
            b = ncol - 1;
        int attr = tui_attr(tui_role_label(m->label, 0));
        if (a == b) {
            char lab[80];
            snprintf(lab, sizeof(lab), " %s %s", tui_utf8() ? "\xe2\x86\xba" : "*", m->label);
            tui_puts(y, colx[a] + 1, r.x + r.w - colx[a] - 1, lab, attr | (sel ? A_REVERSE : 0));
        } else {
            draw_arrow(y, colx[a], colx[b], m->label, attr, sel);
        }
    }

    /* Separator with what the raw pane shows. */
    int sy = r.y + 2 + lr;
    tui_hline(sy, r.x, r.w, tui_attr(TR_DIM));
    size_t smi = SIZE_MAX, sbi = SIZE_MAX;
    if (tui_ladder_rows(l) > 0)
        (void)tui_ladder_row(l, l->sel, &smi, &sbi);
    const struct snap_msg *m = smi < l->n_msg ? &l->msg[smi] : NULL;
    if (sbi < l->n_band) {
        char src[64], dst[64];
        tui_fmt_endpoint(src, sizeof(src), &l->band[sbi].src);
        tui_fmt_endpoint(dst, sizeof(dst), &l->band[sbi].dst);
        tui_printf(sy, r.x + 2, r.w - 4, tui_attr(TR_COLHEAD), " RTP stream  %s > %s  frame %llu ",
                   src, dst, (unsigned long long)l->band[sbi].first_frame);
    }
    if (m != NULL) {
        char src[64], dst[64];
        tui_fmt_endpoint(src, sizeof(src), &m->src);
        tui_fmt_endpoint(dst, sizeof(dst), &m->dst);
        tui_printf(sy, r.x + 2, r.w - 4, tui_attr(TR_COLHEAD),
                   " frame %llu  %s > %s  %s  %u bytes ", (unsigned long long)m->frame, src,
                   dst, transport_name(m->transport), m->raw_len);
    }
    if (l->text_for != l->sel) {
        size_t keep = l->text.top;
        tui_text_clear(&l->text);
        if (sbi < l->n_band)
            band_text(l, &l->band[sbi]);
        else if (m != NULL && m->raw_len > 0)
            tui_text_addraw(&l->text, TR_NORMAL, l->raw + m->raw_off, m->raw_len);
        else if (m != NULL)
            tui_text_addf(&l->text, TR_DIM, 0, "(raw text of this message was not kept)");
        l->text.top = l->text_for == SIZE_MAX ? keep : 0;
        l->text_for = l->sel;
    }
    tui_text_draw(&l->text, sy + 1, r.x, tui_ladder_raw_rows(l, r), r.w);
}
