/*
 * tui_ladder.c — the call-flow ladder (Enter on a dialog): one row per
 * message with its time, frame number and an arrow labelled with the
 * method or status between the two endpoints' columns, and below it the
 * raw text of the selected message (snap_msg.raw_off/raw_len into
 * snapshot.raw), scrollable.
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
    if (l->sel >= l->n_msg)
        l->sel = l->n_msg > 0 ? l->n_msg - 1 : 0;
    l->text_for = SIZE_MAX;
}

void tui_ladder_move(struct tui_ladder *l, long delta)
{
    if (l->n_msg == 0)
        return;
    long sel = (long)l->sel + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= (long)l->n_msg)
        sel = (long)l->n_msg - 1;
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
    if ((size_t)lr > l->n_msg + 1)
        lr = (int)l->n_msg + 1;
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

void tui_ladder_draw(struct tui_ladder *l, struct tui_rect r)
{
    if (r.h < 4 || r.w < 40)
        return;
    int ta = tui_attr(TR_TITLE_FOCUS);
    tui_fill(r.y, r.x, r.w, ta);
    tui_printf(r.y, r.x, r.w, ta, " Call flow: %s  %s  %s > %s  [%s]%s", l->d.method,
               l->d.call_id, l->d.from, l->d.to, l->d.state,
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
    if (lr > 0 && l->sel >= l->top + (size_t)lr)
        l->top = l->sel - (size_t)lr + 1;
    const char *vbar = tui_utf8() ? "\xe2\x94\x82" : "|";
    for (int i = 0; i < lr; i++) {
        int y = r.y + 2 + i;
        for (size_t c = 0; c < ncol; c++)
            tui_puts(y, colx[c], 1, vbar, tui_attr(TR_DIM));
        size_t mi = l->top + (size_t)i;
        if (mi >= l->n_msg) {
            if (mi == 0)
                tui_puts(y, r.x, r.w, "  (no messages kept for this dialog)", tui_attr(TR_DIM));
            continue;
        }
        const struct snap_msg *m = &l->msg[mi];
        bool sel = mi == l->sel;
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
    const struct snap_msg *m = l->n_msg > 0 ? &l->msg[l->sel] : NULL;
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
        if (m != NULL && m->raw_len > 0)
            tui_text_addraw(&l->text, TR_NORMAL, l->raw + m->raw_off, m->raw_len);
        else if (m != NULL)
            tui_text_addf(&l->text, TR_DIM, 0, "(raw text of this message was not kept)");
        l->text.top = l->text_for == SIZE_MAX ? keep : 0;
        l->text_for = l->sel;
    }
    tui_text_draw(&l->text, sy + 1, r.x, tui_ladder_raw_rows(l, r), r.w);
}
