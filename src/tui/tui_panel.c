/*
 * tui_panel.c — the dashboard's three lists (findings worst first, peers,
 * dialogs/transactions most recent first), the filter that narrows them,
 * and their drawing. UI thread only.
 *
 * Each list keeps an index of the snapshot rows that pass the filter,
 * rebuilt once per new snapshot or filter change (O(rows)); drawing walks
 * only the visible slice of that index, so its cost is bounded by the
 * terminal height whatever the snapshot holds. The selection is kept by
 * identity (finding kind + entity, peer name, Call-ID), so a list that
 * reorders under a live capture does not move the cursor to another row.
 */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui_int.h"

/* ---- filter ---- */

static bool ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (const char *h = hay; *h != '\0'; h++) {
        if (strncasecmp(h, needle, n) == 0)
            return true;
    }
    return false;
}

void tui_filter_set(struct tui_filter *f, const char *text)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->text, sizeof(f->text), "%s", text != NULL ? text : "");
    const char *p = f->text;
    while (*p != '\0' && f->n < TUI_FILTER_TERMS) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        const char *e = p;
        while (*e != '\0' && *e != ' ' && *e != '\t')
            e++;
        struct tui_term *t = &f->term[f->n];
        const char *colon = memchr(p, ':', (size_t)(e - p));
        const char *val = p;
        t->kind = 't';
        if (colon != NULL) {
            size_t kl = (size_t)(colon - p);
            if ((kl == 6 && strncasecmp(p, "method", 6) == 0) ||
                (kl == 1 && (*p == 'm' || *p == 'M'))) {
                t->kind = 'm';
            } else if ((kl == 6 && strncasecmp(p, "status", 6) == 0) ||
                       (kl == 4 && strncasecmp(p, "code", 4) == 0)) {
                t->kind = 's';
            } else if ((kl == 4 && strncasecmp(p, "addr", 4) == 0) ||
                       (kl == 2 && strncasecmp(p, "ip", 2) == 0) ||
                       (kl == 3 && (strncasecmp(p, "src", 3) == 0 ||
                                    strncasecmp(p, "dst", 3) == 0))) {
                t->kind = 'a';
            }
            if (t->kind != 't')
                val = colon + 1;
        }
        size_t vl = (size_t)(e - val);
        if (vl >= sizeof(t->s))
            vl = sizeof(t->s) - 1;
        memcpy(t->s, val, vl);
        t->s[vl] = '\0';
        if (vl > 0)
            f->n++;
        else
            memset(t, 0, sizeof(*t));
        p = e;
    }
}

bool tui_filter_empty(const struct tui_filter *f)
{
    return f->n == 0;
}

/* status:403 matches 403; status:4xx (or 4) any 4xx; status:0 or none,
 * unanswered. */
static bool status_match(const char *want, int status)
{
    if (strcasecmp(want, "none") == 0 || strcmp(want, "0") == 0)
        return status == 0;
    if (!isdigit((unsigned char)want[0]))
        return false;
    size_t n = strlen(want);
    if (n == 1 || (n == 3 && (want[1] == 'x' || want[1] == 'X')))
        return status / 100 == want[0] - '0';
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", status);
    return strcmp(buf, want) == 0;
}

bool tui_filter_dialog(const struct tui_filter *f, const struct snap_dialog *d)
{
    char src[64], dst[64], st[16];
    tui_fmt_endpoint(src, sizeof(src), &d->src);
    tui_fmt_endpoint(dst, sizeof(dst), &d->dst);
    snprintf(st, sizeof(st), "%d", d->last_status);
    for (size_t i = 0; i < f->n; i++) {
        const struct tui_term *t = &f->term[i];
        bool ok;
        switch (t->kind) {
        case 'm':
            ok = strcasecmp(d->method, t->s) == 0;
            break;
        case 's':
            ok = status_match(t->s, d->last_status);
            break;
        case 'a':
            ok = ci_contains(src, t->s) || ci_contains(dst, t->s);
            break;
        default:
            ok = ci_contains(d->method, t->s) || ci_contains(d->state, t->s) ||
                 ci_contains(d->from, t->s) || ci_contains(d->to, t->s) ||
                 ci_contains(d->call_id, t->s) || ci_contains(src, t->s) ||
                 ci_contains(dst, t->s) || (d->last_status > 0 && ci_contains(st, t->s));
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* A finding names addresses without ports: "addr:203.0.113.5:" and
 * "addr:[2001:db8::1]" look for the bare address there. */
static const char *bare_addr(const struct tui_term *t, char *buf, size_t len)
{
    if (t->kind != 'a')
        return t->s;
    const char *p = t->s;
    if (*p == '[')
        p++;
    size_t n = strlen(p);
    if (n > 0 && (p[n - 1] == ']' || (p[n - 1] == ':' && p[0] != ':' && !strchr(p, ']'))))
        n--;
    if (n > 0 && p[n - 1] == ']')
        n--;
    snprintf(buf, len, "%.*s", (int)n, p);
    return buf;
}

bool tui_filter_finding(const struct tui_filter *f, const struct snap_finding *x)
{
    char bare[TUI_FILTER_LEN];
    for (size_t i = 0; i < f->n; i++) {
        const char *s = bare_addr(&f->term[i], bare, sizeof(bare));
        bool ok = ci_contains(x->kind, s) || ci_contains(x->summary, s) ||
                  ci_contains(x->entity, s) || ci_contains(x->provider, s) ||
                  ci_contains(severity_name(x->severity), s);
        for (uint32_t e = 0; !ok && e < x->n_evidence && e < SNAP_MAX_EVIDENCE; e++)
            ok = ci_contains(x->evidence[e].line, s) || ci_contains(x->evidence[e].role, s);
        if (!ok)
            return false;
    }
    return true;
}

bool tui_filter_peer(const struct tui_filter *f, const struct snap_peer *p)
{
    char loc[64], rem[64];
    tui_fmt_endpoint(loc, sizeof(loc), &p->local);
    tui_fmt_endpoint(rem, sizeof(rem), &p->remote);
    for (size_t i = 0; i < f->n; i++) {
        const char *s = f->term[i].s;
        bool ok = ci_contains(p->name, s) || ci_contains(p->role, s) ||
                  ci_contains(p->provider, s) || ci_contains(p->geo, s) ||
                  ci_contains(p->keepalive, s) || ci_contains(p->verdict, s) ||
                  ci_contains(loc, s) || ci_contains(rem, s);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- lists ---- */

const char *tui_panel_name(enum tui_panel_id id)
{
    switch (id) {
    case TP_FINDINGS: return "Findings";
    case TP_PEERS: return "Peers";
    case TP_DIALOGS: return "Dialogs";
    case TP_COUNT: break;
    }
    return "?";
}

static void item_key(enum tui_panel_id id, const struct snapshot *s, size_t i, char *key,
                     size_t len)
{
    switch (id) {
    case TP_FINDINGS:
        snprintf(key, len, "%s\x1f%s", s->findings[i].kind, s->findings[i].entity);
        break;
    case TP_PEERS:
        snprintf(key, len, "%s", s->peers[i].name);
        break;
    default:
        snprintf(key, len, "%s\x1f%lld", s->dialogs[i].call_id,
                 (long long)s->dialogs[i].first_us);
        break;
    }
}

static size_t list_total(enum tui_panel_id id, const struct snapshot *s)
{
    switch (id) {
    case TP_FINDINGS: return s->n_findings;
    case TP_PEERS: return s->n_peers;
    default: return s->n_dialogs;
    }
}

static bool list_pass(enum tui_panel_id id, const struct snapshot *s, size_t i,
                      const struct tui_filter *f)
{
    if (tui_filter_empty(f))
        return true;
    switch (id) {
    case TP_FINDINGS: return tui_filter_finding(f, &s->findings[i]);
    case TP_PEERS: return tui_filter_peer(f, &s->peers[i]);
    default: return tui_filter_dialog(f, &s->dialogs[i]);
    }
}

void tui_list_rebuild(struct tui_list *l, enum tui_panel_id id, const struct snapshot *s,
                      const struct tui_filter *f)
{
    size_t total = list_total(id, s);
    if (total > l->cap) {
        size_t *n = realloc(l->idx, total * sizeof(*n));
        if (n == NULL)
            total = l->cap;     /* show what fits rather than nothing */
        else {
            l->idx = n;
            l->cap = total;
        }
    }
    l->n = 0;
    l->any_geo = false;
    size_t found = SIZE_MAX;
    char key[sizeof(l->key)];
    for (size_t i = 0; i < total; i++) {
        if (!list_pass(id, s, i, f))
            continue;
        if (found == SIZE_MAX && l->key[0] != '\0') {
            item_key(id, s, i, key, sizeof(key));
            if (strcmp(key, l->key) == 0)
                found = l->n;
        }
        l->idx[l->n++] = i;
        if (id == TP_PEERS && s->peers[i].geo[0] != '\0')
            l->any_geo = true;
    }
    if (found != SIZE_MAX) {
        /* Keep the selected row where it was on the screen. */
        size_t off = l->sel >= l->top ? l->sel - l->top : 0;
        l->sel = found;
        l->top = found >= off ? found - off : 0;
    } else if (l->sel >= l->n) {
        l->sel = l->n > 0 ? l->n - 1 : 0;
    }
    if (l->top > l->sel)
        l->top = l->sel;
    if (l->n > 0)
        item_key(id, s, l->idx[l->sel], l->key, sizeof(l->key));
    /* The key of an empty list stays, so the item is found again when it
     * comes back (a filter cleared, a list refilled). */
}

void tui_list_sync_key(struct tui_list *l, enum tui_panel_id id, const struct snapshot *s)
{
    if (l->n > 0 && l->sel < l->n && l->idx[l->sel] < list_total(id, s))
        item_key(id, s, l->idx[l->sel], l->key, sizeof(l->key));
}

static void clamp_top(struct tui_list *l, int h)
{
    if (h < 1)
        h = 1;
    if (l->sel < l->top)
        l->top = l->sel;
    if (l->sel >= l->top + (size_t)h)
        l->top = l->sel - (size_t)h + 1;
}

void tui_list_move(struct tui_list *l, long delta, int h)
{
    if (l->n == 0)
        return;
    long sel = (long)l->sel + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= (long)l->n)
        sel = (long)l->n - 1;
    l->sel = (size_t)sel;
    clamp_top(l, h);
}

void tui_list_home(struct tui_list *l)
{
    l->sel = l->top = 0;
}

void tui_list_fit(struct tui_list *l, int h)
{
    if (h < 1)
        h = 1;
    if (l->n <= (size_t)h)
        l->top = 0;
    else if (l->top > l->n - (size_t)h)
        l->top = l->n - (size_t)h;
    clamp_top(l, h);
}

void tui_list_end(struct tui_list *l, int h)
{
    if (l->n == 0)
        return;
    l->sel = l->n - 1;
    clamp_top(l, h);
}

/* ---- drawing ---- */

int tui_panel_rows(int h)
{
    return h > 2 ? h - 2 : 0;
}

static const char *sev_short(enum severity s)
{
    switch (s) {
    case SEV_INFO: return "info";
    case SEV_WARNING: return "WARN";
    case SEV_ERROR: return "ERROR";
    case SEV_CRITICAL: return "CRIT";
    }
    return "?";
}

static void draw_finding(const struct snap_finding *x, int y, int x0, int w, bool sel)
{
    int rev = sel ? A_REVERSE : 0;
    int sev = tui_attr(tui_role_severity(x->severity)) | rev;
    int norm = tui_attr(TR_NORMAL) | rev;
    char cnt[16], last[16];
    tui_fmt_count(cnt, sizeof(cnt), x->count);
    tui_fmt_time(last, sizeof(last), x->last_us, false);
    tui_fill(y, x0, w, norm);
    int kw = w >= 100 ? 23 : 21;
    int x1 = x0;
    tui_puts(y, x1, 6, sev_short(x->severity), sev);
    x1 += 6;
    tui_puts(y, x1, kw - 1, x->kind, sev);
    x1 += kw;
    tui_printf(y, x1, 7, norm, "%6s", cnt);
    x1 += 7;
    tui_printf(y, x1, 9, norm, " %8s", last);
    x1 += 10;
    tui_puts(y, x1, x0 + w - x1, x->summary[0] ? x->summary : x->entity, norm);
}

/* Width of the peer panel's fixed columns (the name takes the rest): the
 * GEO column only when some peer has GeoIP text, so an empty one never
 * costs the names their room. */
static int peer_fixed(bool wide, bool geo)
{
    return 6 + 7 + (wide ? 6 * 6 : 3 * 6) + 6 + 6 + 6 + (wide && geo ? 22 : 0);
}

static void draw_peer(const struct snap_peer *p, int y, int x0, int w, bool sel, bool geo)
{
    int rev = sel ? A_REVERSE : 0;
    int norm = tui_attr(TR_NORMAL) | rev;
    bool wide = w >= 118;
    uint64_t req = 0;
    for (int i = 0; i < SIP_METHOD_COUNT; i++)
        req += p->requests[i];
    tui_fill(y, x0, w, norm);
    int nw = w - peer_fixed(wide, geo);
    if (nw < 12)
        nw = 12;
    int x1 = x0;
    char name[200];
    if (!wide && p->geo[0] != '\0')
        snprintf(name, sizeof(name), "%s [%s]", p->name, p->geo);
    else
        snprintf(name, sizeof(name), "%s", p->name);
    int nattr = p->verdict[0] != '\0' ? tui_attr(TR_SEV_WARNING) | rev : norm;
    tui_puts(y, x1, nw - 1, name, nattr);
    x1 += nw;
    tui_puts(y, x1, 5, p->role, norm);
    x1 += 6;
    char b[16];
    tui_fmt_count(b, sizeof(b), req);
    tui_printf(y, x1, 7, norm, "%6s ", b);
    x1 += 7;
    static const int narrow_cls[] = { 2, 4, 5 };
    static const int wide_cls[] = { 1, 2, 3, 4, 5, 6 };
    const int *cls = wide ? wide_cls : narrow_cls;
    int ncls = wide ? 6 : 3;
    for (int i = 0; i < ncls; i++) {
        uint64_t v = p->answers[cls[i]];
        if (!wide && cls[i] == 5)
            v += p->answers[6];
        tui_fmt_count(b, sizeof(b), v);
        int a = v > 0 ? tui_attr(tui_role_label(NULL, cls[i] * 100)) | rev : norm;
        tui_printf(y, x1, 6, a, "%5s ", b);
        x1 += 6;
    }
    tui_fmt_count(b, sizeof(b), p->answers[0]);
    tui_printf(y, x1, 6, p->answers[0] > 0 ? tui_attr(TR_SEV_WARNING) | rev : norm, "%5s ", b);
    x1 += 6;
    uint64_t tries = p->auth_ok + p->auth_failed;
    if (tries > 0) {
        unsigned pct = (unsigned)(p->auth_ok * 100 / tries);
        int a = pct < 100 ? tui_attr(TR_SEV_ERROR) | rev : tui_attr(TR_MSG_2XX) | rev;
        tui_printf(y, x1, 6, a, "%4u%% ", pct);
    } else {
        tui_puts(y, x1, 6, "    - ", norm);
    }
    x1 += 6;
    int ka = strcmp(p->keepalive, "down") == 0 ? tui_attr(TR_SEV_ERROR) | rev : norm;
    tui_printf(y, x1, 6, ka, "%-5s", p->keepalive[0] ? p->keepalive : "-");
    x1 += 6;
    if (wide && geo)
        tui_puts(y, x1, x0 + w - x1, p->geo[0] ? p->geo : "-", norm);
}

static void draw_dialog(const struct snap_dialog *d, int y, int x0, int w, bool sel)
{
    int rev = sel ? A_REVERSE : 0;
    int norm = tui_attr(TR_NORMAL) | rev;
    bool wide = w >= 150;
    char t[16];
    tui_fmt_time(t, sizeof(t), d->first_us, wide);
    tui_fill(y, x0, w, norm);
    int x1 = x0;
    int tw = wide ? 13 : 9;
    tui_puts(y, x1, tw - 1, t, norm);
    x1 += tw;
    tui_puts(y, x1, 9, d->method, tui_attr(TR_MSG_REQUEST) | rev);
    x1 += 10;
    int stw = 18, nw = 5;
    int aw = wide ? 46 : 0;
    int rest = w - (x1 - x0) - stw - nw - aw;
    if (rest < 10)
        rest = 10;
    int fw = (rest - 3) / 2;
    tui_puts(y, x1, fw, d->from, norm);
    x1 += fw;
    tui_puts(y, x1, 3, tui_utf8() ? " \xe2\x86\x92 " : " > ", norm);
    x1 += 3;
    tui_puts(y, x1, rest - fw - 3 - 1, d->to, norm);
    x1 += rest - fw - 3;
    if (wide) {
        char a[64], b[64], ab[140];
        tui_fmt_endpoint(a, sizeof(a), &d->src);
        tui_fmt_endpoint(b, sizeof(b), &d->dst);
        snprintf(ab, sizeof(ab), "%s > %s", a, b);
        tui_puts(y, x1, aw - 1, ab, norm);
        x1 += aw;
    }
    int sa = tui_attr(d->last_status > 0 ? tui_role_label(NULL, d->last_status) : TR_SEV_WARNING);
    tui_puts(y, x1, stw - 1, d->state[0] ? d->state : "-", sa | rev);
    x1 += stw;
    tui_printf(y, x1, nw, norm, "%4u", d->n_msgs);
}

static void draw_heads(enum tui_panel_id id, int y, int x0, int w, bool geo)
{
    int a = tui_attr(TR_COLHEAD);
    char buf[512];
    bool wide = w >= 118;
    tui_fill(y, x0, w, a);
    switch (id) {
    case TP_FINDINGS: {
        int kw = w >= 100 ? 23 : 21;
        snprintf(buf, sizeof(buf), "%-6s%-*s%6s  %8s %s", "SEV", kw, "KIND", "COUNT",
                 "LAST", "SUMMARY");
        break;
    }
    case TP_PEERS: {
        int nw = w - peer_fixed(wide, geo);
        if (nw < 12)
            nw = 12;
        if (wide)
            snprintf(buf, sizeof(buf), "%-*s%-6s%6s %5s %5s %5s %5s %5s %5s %5s %5s %-5s %s",
                     nw, "PEER", "ROLE", "REQ", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx",
                     "NONE", "AUTH", "KA", geo ? "GEO" : "");
        else
            snprintf(buf, sizeof(buf), "%-*s%-6s%6s %5s %5s %5s %5s %5s %-5s", nw, "PEER",
                     "ROLE", "REQ", "2xx", "4xx", "5xx+", "NONE", "AUTH", "KA");
        break;
    }
    default: {
        wide = w >= 150;
        int tw = wide ? 13 : 9;
        int stw = 18, nw = 5, aw = wide ? 46 : 0;
        int rest = w - tw - 10 - stw - nw - aw;
        if (rest < 10)
            rest = 10;
        snprintf(buf, sizeof(buf), "%-*s%-10s%-*s%-*s%-*s%4s", tw, "TIME", "METHOD", rest,
                 "FROM > TO", aw, wide ? "SRC > DST" : "", stw, "STATE", "MSGS");
        break;
    }
    }
    tui_puts(y, x0, w, buf, a);
}

void tui_panel_draw(enum tui_panel_id id, const struct tui_list *l, const struct snapshot *s,
                    struct tui_rect r, bool focused)
{
    if (r.h <= 0 || r.w <= 0)
        return;
    size_t total = list_total(id, s);
    int ta = tui_attr(focused ? TR_TITLE_FOCUS : TR_TITLE);
    tui_fill(r.y, r.x, r.w, ta);
    if (l->n == total)
        tui_printf(r.y, r.x, r.w, ta, " %s (%zu)%s", tui_panel_name(id), total,
                   focused ? "  *" : "");
    else
        tui_printf(r.y, r.x, r.w, ta, " %s (%zu of %zu, filtered)%s", tui_panel_name(id),
                   l->n, total, focused ? "  *" : "");
    if (r.h < 2)
        return;
    draw_heads(id, r.y + 1, r.x, r.w, l->any_geo);
    int rows = tui_panel_rows(r.h);
    if (l->n == 0 && rows > 0) {
        const char *empty = total > 0 ? "  nothing matches the filter (c clears it)"
                          : id == TP_FINDINGS ? "  no findings (yet)"
                          : id == TP_PEERS ? "  no peers (yet)" : "  no dialogs (yet)";
        tui_puts(r.y + 2, r.x, r.w, empty, tui_attr(TR_DIM));
        return;
    }
    for (int i = 0; i < rows; i++) {
        size_t li = l->top + (size_t)i;
        if (li >= l->n)
            break;
        size_t si = l->idx[li];
        bool sel = focused && li == l->sel;
        int y = r.y + 2 + i;
        switch (id) {
        case TP_FINDINGS: draw_finding(&s->findings[si], y, r.x, r.w, sel); break;
        case TP_PEERS: draw_peer(&s->peers[si], y, r.x, r.w, sel, l->any_geo); break;
        default: draw_dialog(&s->dialogs[si], y, r.x, r.w, sel); break;
        }
    }
}
