/*
 * tui_text.c — the only place the dashboard turns bytes into screen cells,
 * plus the scrollable text block used by the detail and raw-message views.
 *
 * Text shown comes from snapshots, and much of it from the wire (display
 * names, reason phrases, raw SIP). It is drawn one character at a time
 * with an explicit column budget: control bytes become '.', invalid UTF-8
 * becomes '?', and in an ASCII locale (LANG=C) every byte above 0x7e is
 * '.', so no escape sequence or multi-byte surprise reaches the terminal
 * and no row can overflow its width. UI thread only.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "tui_int.h"

static bool utf8_mode;

void tui_text_init(bool utf8)
{
    utf8_mode = utf8;
}

bool tui_utf8(void)
{
    return utf8_mode;
}

/*
 * Decode one UTF-8 sequence at s[0..n); returns its length (1..4) and the
 * code point, or 0 when invalid (overlong, surrogate, truncated).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/*
 * One step of the shared rules: at s[i], how many bytes it takes (*adv),
 * what it shows as (*ch: an ASCII replacement, or 0 with *wc set) and its
 * width in columns.
 */
static int glyph(const char *s, size_t n, size_t i, size_t *adv, char *ch, wchar_t *wc)
{
    unsigned char c = (unsigned char)s[i];
    *adv = 1;
    *wc = 0;
    if (c >= 0x20 && c < 0x7f) {
        *ch = (char)c;
        return 1;
    }
    if (c < 0x80 || !utf8_mode) {
        *ch = c == '\t' ? ' ' : '.';
        return 1;
    }
    uint32_t cp;
    size_t len = utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (len == 0) {
        *ch = '?';
        return 1;
    }
    *adv = len;
    int w = wcwidth((wchar_t)cp);
    if (w <= 0 || cp < 0xa0) {          /* C1 controls, combining, unprintable */
        *ch = '.';
        return 1;
    }
    *ch = 0;
    *wc = (wchar_t)cp;
    return w;
}

int tui_width(const char *s, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n && s[i] != '\0';) {
        size_t adv;
        char ch;
        wchar_t wc;
        cols += glyph(s, n, i, &adv, &ch, &wc);
        i += adv;
    }
    return cols;
}

size_t tui_fit(const char *s, size_t n, int w)
{
    int cols = 0;
    size_t i = 0;
    while (i < n && s[i] != '\0') {
        size_t adv;
        char ch;
        wchar_t wc;
        int gw = glyph(s, n, i, &adv, &ch, &wc);
        if (cols + gw > w)
            break;
        cols += gw;
        i += adv;
    }
    return i;
}

int tui_put(int y, int x, int w, const char *s, size_t n, int attr)
{
    if (w <= 0 || s == NULL || y < 0 || y >= LINES || x < 0 || x >= COLS)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    int cols = 0;
    move(y, x);
    for (size_t i = 0; i < n && s[i] != '\0';) {
        size_t adv;
        char ch;
        wchar_t wc;
        int gw = glyph(s, n, i, &adv, &ch, &wc);
        if (cols + gw > w)
            break;
        if (ch != 0) {
            addch((chtype)(unsigned char)ch | (chtype)attr);
        } else {
            wchar_t ws[2] = { wc, 0 };
            cchar_t cc;
            setcchar(&cc, ws, (attr_t)attr, (short)PAIR_NUMBER(attr), NULL);
            add_wch(&cc);
        }
        cols += gw;
        i += adv;
    }
    return cols;
}

int tui_puts(int y, int x, int w, const char *s, int attr)
{
    return tui_put(y, x, w, s, s != NULL ? strlen(s) : 0, attr);
}

int tui_printf(int y, int x, int w, int attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return tui_puts(y, x, w, buf, attr);
}

void tui_hline(int y, int x, int w, int attr)
{
    if (w <= 0)
        return;
    if (utf8_mode)
        mvhline(y, x, ACS_HLINE | (chtype)attr, w);
    else
        mvhline(y, x, '-' | (chtype)attr, w);
}

void tui_fill(int y, int x, int w, int attr)
{
    if (w <= 0)
        return;
    mvhline(y, x, ' ' | (chtype)attr, w);
}

void tui_fmt_time(char *buf, size_t len, int64_t us, bool millis)
{
    if (us <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    if (millis)
        snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)((us % 1000000) / 1000));
    else
        snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tui_fmt_duration(char *buf, size_t len, int64_t us)
{
    if (us < 0)
        us = 0;
    int64_t s = us / 1000000;
    if (s >= 86400)
        snprintf(buf, len, "%lldd%02lldh%02lldm", (long long)(s / 86400),
                 (long long)(s % 86400 / 3600), (long long)(s % 3600 / 60));
    else if (s >= 3600)
        snprintf(buf, len, "%lldh%02lldm%02llds", (long long)(s / 3600),
                 (long long)(s % 3600 / 60), (long long)(s % 60));
    else if (s >= 60)
        snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, len, "%lld.%01llds", (long long)s, (long long)(us % 1000000 / 100000));
}

void tui_fmt_count(char *buf, size_t len, uint64_t v)
{
    if (v < 100000)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    else if (v < 1000000)
        snprintf(buf, len, "%.1fk", (double)v / 1e3);
    else if (v < 1000000000ull)
        snprintf(buf, len, "%.1fM", (double)v / 1e6);
    else
        snprintf(buf, len, "%.1fG", (double)v / 1e9);
}

void tui_fmt_endpoint(char *buf, size_t len, const struct endpoint *e)
{
    char a[ADDR_STRLEN];
    addr_str(&e->ip, a, sizeof(a));
    if (addr_is_v4(&e->ip))
        snprintf(buf, len, "%s:%u", a, e->port);
    else
        snprintf(buf, len, "[%s]:%u", a, e->port);
}

/* ---- scrollable text ---- */

int tui_text_init_buf(struct tui_text *t)
{
    memset(t, 0, sizeof(*t));
    t->pool = malloc(TUI_TEXT_POOL);
    t->line = calloc(TUI_TEXT_LINES, sizeof(*t->line));
    t->row = calloc(TUI_TEXT_ROWS, sizeof(*t->row));
    if (t->pool == NULL || t->line == NULL || t->row == NULL) {
        tui_text_free(t);
        return -1;
    }
    return 0;
}

void tui_text_free(struct tui_text *t)
{
    free(t->pool);
    free(t->line);
    free(t->row);
    memset(t, 0, sizeof(*t));
}

void tui_text_clear(struct tui_text *t)
{
    t->used = t->n_lines = t->n_rows = 0;
    t->wrap_w = 0;
    t->cut = false;
}

void tui_text_add(struct tui_text *t, enum tui_role role, int indent, const char *s, size_t n)
{
    if (t->pool == NULL)
        return;
    if (t->n_lines >= TUI_TEXT_LINES || n > TUI_TEXT_POOL - t->used) {
        t->cut = true;
        return;
    }
    memcpy(t->pool + t->used, s, n);
    struct tui_tline *l = &t->line[t->n_lines++];
    l->off = (uint32_t)t->used;
    l->len = (uint32_t)n;
    l->role = (uint8_t)role;
    l->indent = (uint8_t)(indent < 0 ? 0 : indent > 40 ? 40 : indent);
    t->used += n;
    t->wrap_w = 0;  /* needs wrapping again */
}

void tui_text_addf(struct tui_text *t, enum tui_role role, int indent, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    tui_text_add(t, role, indent, buf, len);
}

void tui_text_addraw(struct tui_text *t, enum tui_role role, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '\n') {
            size_t end = i;
            if (end > start && s[end - 1] == '\r')
                end--;
            if (i < n || end > start)
                tui_text_add(t, role, 0, s + start, end - start);
            start = i + 1;
        }
    }
}

void tui_text_wrap(struct tui_text *t, int w)
{
    if (w < 8)
        w = 8;
    if (t->wrap_w == w)
        return;
    t->n_rows = 0;
    for (size_t li = 0; li < t->n_lines; li++) {
        const struct tui_tline *l = &t->line[li];
        const char *s = t->pool + l->off;
        size_t off = 0;
        bool first = true;
        do {
            if (t->n_rows >= TUI_TEXT_ROWS) {
                t->cut = true;
                goto done;
            }
            int avail = w - l->indent - (first ? 0 : 2);
            if (avail < 4)
                avail = 4;
            size_t take = tui_fit(s + off, l->len - off, avail);
            /* Prefer a break at a space when the line goes on. */
            if (off + take < l->len && take > 8) {
                size_t sp = take;
                while (sp > take / 2 && s[off + sp - 1] != ' ')
                    sp--;
                if (sp > take / 2)
                    take = sp;
            }
            if (take == 0 && off < l->len)
                take = 1;   /* a glyph wider than the row: show '?' room */
            struct tui_trow *r = &t->row[t->n_rows++];
            r->line = (uint32_t)li;
            r->off = (uint32_t)off;
            r->len = (uint32_t)take;
            off += take;
            first = false;
        } while (off < l->len);
    }
done:
    t->wrap_w = w;
    if (t->top >= t->n_rows)
        t->top = t->n_rows > 0 ? t->n_rows - 1 : 0;
}

void tui_text_draw(struct tui_text *t, int y, int x, int h, int w)
{
    tui_text_wrap(t, w);
    for (int i = 0; i < h; i++) {
        size_t ri = t->top + (size_t)i;
        if (ri >= t->n_rows) {
            if (ri == t->n_rows && t->cut)
                tui_puts(y + i, x, w, "[... cut: too long to show ...]", tui_attr(TR_DIM));
            break;
        }
        const struct tui_trow *r = &t->row[ri];
        const struct tui_tline *l = &t->line[r->line];
        int ind = l->indent + (r->off > 0 ? 2 : 0);
        tui_put(y + i, x + ind, w - ind, t->pool + l->off + r->off, r->len,
                tui_attr((enum tui_role)l->role));
    }
}

void tui_text_scroll(struct tui_text *t, long delta, int h)
{
    long max = (long)t->n_rows - (h > 0 ? h : 1);
    if (max < 0)
        max = 0;
    long top = (long)t->top + delta;
    if (top > max)
        top = max;
    if (top < 0)
        top = 0;
    t->top = (size_t)top;
}
