/*
 * tui.c — the live dashboard's loop (see tui.h): terminal set-up and
 * restore, the one place KEY_RESIZE is handled for every view, key
 * dispatch, layout, and the save-report / evidence actions.
 *
 * Place in the flow: engine → snappub → tui. Thread: the main thread,
 * while the analysis runs on its own. The loop waits for a key at most
 * 100 ms (wgetch timeout), takes a new snapshot when one was published
 * (at most ~10 a second) unless paused, and redraws only when something
 * changed: a snapshot, a key, a resize, a status message expiring, or the
 * elapsed-time clock of a live capture ticking. Drawing walks only the
 * visible rows.
 *
 * Views: main (header, findings/peers/dialogs panels), finding detail,
 * call-flow ladder, help. Detail and ladder own copies of what they show
 * and find their item again by identity in each new snapshot.
 *
 * The terminal is restored (endwin) on every return path, at exit(), and
 * on fatal signals (the previous handler is then re-raised, so sanitizer
 * reports and core dumps still happen).
 */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "output/evidence.h"
#include "tui_int.h"

enum view { V_MAIN, V_DETAIL, V_LADDER, V_HELP };
enum prompt { PR_NONE, PR_FILTER, PR_SAVE_FMT, PR_SAVE_FILE, PR_EVIDENCE_FILE };

#define STATUS_MS 4000

struct tui {
    struct snappub *pub;
    const struct tui_opts *o;
    const struct snapshot *s;
    uint64_t seen;
    bool paused, finished, dirty, quit;
    enum view view, help_back;
    enum view ladder_back;      /* where Esc leads from the call flow */
    enum tui_panel_id focus;
    struct tui_list list[TP_COUNT];
    struct tui_rect rect[TP_COUNT];     /* from the last layout; h 0 = hidden */
    struct tui_filter filter;

    struct tui_text detail, help;
    char detail_key[192];
    bool detail_stale;
    struct tui_ladder ladder;
    char ladder_key[192];

    enum prompt prompt;
    char answer[512];
    bool evidence_one;          /* `w` from a finding's detail: that finding only */
    enum report_format save_fmt;

    char status[256];
    int64_t status_until;

    int in_fd;                  /* the terminal's input, polled for hangup */
    int64_t start_ms, last_clock_ms;
    uint64_t rate_msgs;
    int64_t rate_ms;
    double rate;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- terminal restore on every path ---- */

static volatile sig_atomic_t curses_up;
static const int fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define N_FATAL (sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))
static struct sigaction old_fatal[N_FATAL];
static bool atexit_done;

static void restore_terminal(void)
{
    if (curses_up) {
        curses_up = 0;
        endwin();
    }
}

/* Not async-signal-safe, as htop's CRT handler is not: the process is
 * dying anyway and a usable terminal is worth the risk. */
static void fatal_handler(int sig)
{
    restore_terminal();
    for (size_t i = 0; i < N_FATAL; i++) {
        if (fatal_sigs[i] == sig)
            sigaction(sig, &old_fatal[i], NULL);
    }
    raise(sig);
}

static void install_fatal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fatal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal_sigs[i], &sa, &old_fatal[i]);
    if (!atexit_done) {
        atexit(restore_terminal);
        atexit_done = true;
    }
}

static void remove_fatal(void)
{
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal_sigs[i], &old_fatal[i], NULL);
}

bool tui_possible(void)
{
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && term != NULL && term[0] != '\0' &&
           strcmp(term, "dumb") != 0;
}

/* ---- status line ---- */

static void set_status(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(struct tui *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof(t->status), fmt, ap);
    va_end(ap);
    t->status_until = mono_ms() + STATUS_MS;
    t->dirty = true;
}

/* ---- layout ---- */

static int body_top(void)
{
    return tui_header_rows(COLS);
}

static int body_rows(void)
{
    return LINES - body_top() - 1;
}

/* Tall terminals show all three panels stacked; smaller ones show the
 * focused panel under a tab bar. */
static bool split_layout(void)
{
    return body_rows() >= 30;
}

/* The diagnosis panel's rows at the top of the main view (tui_diag.c). */
static int diag_rows(const struct tui *t)
{
    return tui_diag_rows(t->s, body_rows());
}

static void layout(struct tui *t)
{
    int dr = diag_rows(t), y = body_top() + dr, h = body_rows() - dr, w = COLS;
    memset(t->rect, 0, sizeof(t->rect));
    if (split_layout()) {
        /* Findings and peers take what they need up to 30% and 25%;
         * the dialogs get the rest. */
        int fh = h * 3 / 10, ph = h / 4;
        if ((int)t->list[TP_FINDINGS].n + 3 < fh)
            fh = (int)t->list[TP_FINDINGS].n + 3 > 5 ? (int)t->list[TP_FINDINGS].n + 3 : 5;
        if ((int)t->list[TP_PEERS].n + 3 < ph)
            ph = (int)t->list[TP_PEERS].n + 3 > 5 ? (int)t->list[TP_PEERS].n + 3 : 5;
        t->rect[TP_FINDINGS] = (struct tui_rect){ y, 0, fh, w };
        t->rect[TP_PEERS] = (struct tui_rect){ y + fh, 0, ph, w };
        t->rect[TP_DIALOGS] = (struct tui_rect){ y + fh + ph, 0, h - fh - ph, w };
    } else {
        t->rect[t->focus] = (struct tui_rect){ y + 1, 0, h - 1, w };
    }
}

static int visible_rows(struct tui *t, enum tui_panel_id id)
{
    int r = tui_panel_rows(t->rect[id].h);
    return r > 0 ? r : 1;
}

static int detail_rows(void)
{
    int r = body_rows() - 1;
    return r > 0 ? r : 1;
}

static struct tui_rect ladder_rect(void)
{
    return (struct tui_rect){ body_top(), 0, body_rows(), COLS };
}

/* ---- snapshots ---- */

static const struct snap_finding *find_finding(const struct snapshot *s, const char *key)
{
    char k[192];
    for (size_t i = 0; i < s->n_findings; i++) {
        snprintf(k, sizeof(k), "%s\x1f%s", s->findings[i].kind, s->findings[i].entity);
        if (strcmp(k, key) == 0)
            return &s->findings[i];
    }
    return NULL;
}

static const struct snap_dialog *find_dialog(const struct snapshot *s, const char *key)
{
    char k[192];
    for (size_t i = 0; i < s->n_dialogs; i++) {
        snprintf(k, sizeof(k), "%s\x1f%lld", s->dialogs[i].call_id,
                 (long long)s->dialogs[i].first_us);
        if (strcmp(k, key) == 0)
            return &s->dialogs[i];
    }
    return NULL;
}

static void rebuild_lists(struct tui *t)
{
    for (int i = 0; i < TP_COUNT; i++)
        tui_list_rebuild(&t->list[i], (enum tui_panel_id)i, t->s, &t->filter);
}

static void update_rate(struct tui *t)
{
    const struct run_info *r = &t->s->run;
    int64_t now = mono_ms();
    if (t->finished && !t->o->live) {
        /* A replay runs faster than real time: the rate that means
         * something is the capture's own. */
        int64_t span = r->last_ts_us - r->first_ts_us;
        t->rate = span > 0 ? (double)r->sip_messages * 1e6 / (double)span : -1;
        return;
    }
    if (t->rate_ms == 0) {
        t->rate_ms = now;
        t->rate_msgs = r->sip_messages;
        return;
    }
    if (now - t->rate_ms >= 1000) {
        uint64_t d = r->sip_messages >= t->rate_msgs ? r->sip_messages - t->rate_msgs : 0;
        t->rate = (double)d * 1000.0 / (double)(now - t->rate_ms);
        t->rate_ms = now;
        t->rate_msgs = r->sip_messages;
    }
}

static void adopt(struct tui *t, const struct snapshot *s)
{
    t->s = s;
    rebuild_lists(t);
    if (t->view == V_DETAIL || (t->view == V_HELP && t->help_back == V_DETAIL)) {
        const struct snap_finding *x = find_finding(s, t->detail_key);
        t->detail_stale = x == NULL;
        if (x != NULL)
            tui_detail_build(&t->detail, x);
    }
    if (t->view == V_LADDER || (t->view == V_HELP && t->help_back == V_LADDER)) {
        const struct snap_dialog *d = find_dialog(s, t->ladder_key);
        if (d != NULL)
            tui_ladder_load(&t->ladder, s, d);
        else
            t->ladder.stale = true;
    }
    update_rate(t);
    t->dirty = true;
}

static void poll_snapshot(struct tui *t)
{
    bool fin = snappub_finished(t->pub);
    if (!t->paused) {
        const struct snapshot *s = snappub_fetch(t->pub, &t->seen);
        if (s != NULL)
            adopt(t, s);
    }
    /* Finished only once the final snapshot is on screen (it is published
     * before the flag is set, so the fetch above got it). */
    if (fin && !t->finished && !t->paused) {
        t->finished = true;
        update_rate(t);
        t->dirty = true;
    }
}

/* ---- drawing ---- */

static const char *const keys_main[] = {
    "F1", "Help", "Tab", "Panel", "Enter", "Open", "/", "Filter", "c", "Clear",
    "p", "Pause", "s", "Save", "w", "Evidence", "q", "Quit", NULL, NULL,
};
static const char *const keys_detail[] = {
    "F1", "Help", "Esc", "Back", "Enter", "Call flow", "Up/Dn", "Scroll", "PgUp/PgDn", "Page",
    "s", "Save", "w", "Evidence", "q", "Quit", NULL, NULL,
};
static const char *const keys_ladder[] = {
    "F1", "Help", "Esc", "Back", "Up/Dn", "Message", "PgUp/PgDn", "Raw text", "Home/End",
    "First/last", "q", "Quit", NULL, NULL,
};
static const char *const keys_help[] = {
    "Up/Dn", "Scroll", "PgUp/PgDn", "Page", "other keys", "Back", "q", "Quit", NULL, NULL,
};

static void draw_tabs(struct tui *t, int y)
{
    tui_fill(y, 0, COLS, tui_attr(TR_NORMAL));
    int x = 1;
    for (int i = 0; i < TP_COUNT; i++) {
        size_t total = i == TP_FINDINGS ? t->s->n_findings
                     : i == TP_PEERS ? t->s->n_peers : t->s->n_dialogs;
        int a = tui_attr(i == (int)t->focus ? TR_TITLE_FOCUS : TR_TITLE);
        x += tui_printf(y, x, COLS - x, a, " %d %s (%zu) ", i + 1,
                        tui_panel_name((enum tui_panel_id)i), total);
        x += 2;
    }
}

static void draw(struct tui *t)
{
    erase();
    if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
        tui_puts(0, 0, COLS, "sipscope: terminal too small", A_BOLD);
        tui_printf(1, 0, COLS, 0, "%dx%d; need %dx%d; q quits", COLS, LINES, TUI_MIN_COLS,
                   TUI_MIN_ROWS);
        refresh();
        return;
    }
    struct tui_hdr h = {
        .source = t->o->source,
        .live = t->o->live,
        .paused = t->paused,
        .finished = t->finished,
        .msg_rate = t->rate,
        .filter = t->filter.text,
    };
    const struct run_info *r = &t->s->run;
    if (t->o->live)
        h.elapsed_us = (mono_ms() - t->start_ms) * 1000;
    else
        h.elapsed_us = r->last_ts_us > r->first_ts_us ? r->last_ts_us - r->first_ts_us : 0;
    tui_header_draw(t->s, &h, COLS);

    layout(t);
    /* a panel that grew (filter cleared) or a list that shrank shows all
     * it can, never rows left blank above the end */
    for (int i = 0; i < TP_COUNT; i++)
        if (t->rect[i].h > 0)
            tui_list_fit(&t->list[i], visible_rows(t, (enum tui_panel_id)i));
    const char *const *keys = keys_main;
    switch (t->view) {
    case V_MAIN:
        tui_diag_draw(t->s, body_top(), COLS, diag_rows(t));
        if (!split_layout())
            draw_tabs(t, body_top() + diag_rows(t));
        for (int i = 0; i < TP_COUNT; i++) {
            if (t->rect[i].h > 0)
                tui_panel_draw((enum tui_panel_id)i, &t->list[i], t->s, t->rect[i],
                               i == (int)t->focus);
        }
        break;
    case V_DETAIL:
    case V_HELP: {
        bool help = t->view == V_HELP;
        struct tui_text *tx = help ? &t->help : &t->detail;
        int y = body_top();
        int ta = tui_attr(TR_TITLE_FOCUS);
        tui_fill(y, 0, COLS, ta);
        if (help)
            tui_puts(y, 0, COLS, " Help: keys", ta);
        else
            tui_printf(y, 0, COLS, ta, " Finding detail%s",
                       t->detail_stale ? "  (no longer in the latest snapshot)" : "");
        tui_text_wrap(tx, COLS - 2);
        tui_text_scroll(tx, 0, detail_rows());
        tui_text_draw(tx, y + 1, 1, detail_rows(), COLS - 2);
        keys = help ? keys_help : keys_detail;
        break;
    }
    case V_LADDER:
        tui_ladder_draw(&t->ladder, ladder_rect());
        keys = keys_ladder;
        break;
    }

    int fy = LINES - 1;
    switch (t->prompt) {
    case PR_FILTER:
        tui_prompt_draw(fy, COLS, "filter (Enter applies, Esc cancels): ", t->answer);
        break;
    case PR_SAVE_FMT:
        tui_prompt_draw(fy, COLS, "save report as [t]ext, [j]son or [m]arkdown? ", "");
        break;
    case PR_SAVE_FILE:
        tui_prompt_draw(fy, COLS, "save report to file: ", t->answer);
        break;
    case PR_EVIDENCE_FILE:
        tui_prompt_draw(fy, COLS, t->evidence_one
                        ? (t->o->evidence_inputs != NULL ? "write this finding's evidence pcap to: "
                                                         : "write this finding's kept messages to: ")
                        : (t->o->evidence_inputs != NULL ? "write evidence pcap to: "
                                                         : "write the kept evidence messages to: "),
                        t->answer);
        break;
    case PR_NONE:
        tui_footer_draw(fy, COLS, keys, t->status_until > mono_ms() ? t->status : NULL);
        break;
    }
    /* tui_prompt_draw left the cursor at the end of the answer. */
    curs_set(t->prompt != PR_NONE ? 1 : 0);
    refresh();
}

/* ---- actions ---- */

static const char *fmt_name(enum report_format f)
{
    return f == REPORT_JSON ? "json" : f == REPORT_MARKDOWN ? "markdown" : "text";
}

static const char *fmt_ext(enum report_format f)
{
    return f == REPORT_JSON ? "json" : f == REPORT_MARKDOWN ? "md" : "txt";
}

static void save_report(struct tui *t, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_status(t, "cannot write %s: %s", path, strerror(errno));
        return;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        set_status(t, "cannot write %s: %s", path, strerror(errno));
        return;
    }
    int rc = report_write(f, t->save_fmt, t->s, false);
    if (fclose(f) != 0 && rc == 0)
        rc = ERR_IO;
    if (rc < 0)
        set_status(t, "writing %s failed: %s", path, err_str(rc));
    else
        set_status(t, "%s report saved to %s", fmt_name(t->save_fmt), path);
}

/* `w`: from a finding's detail, that finding's frames; elsewhere, every
 * finding's. A file is read again for the frames themselves; live (or
 * stdin) the SIP messages the engine kept are written instead. */
static void write_evidence(struct tui *t, const char *path)
{
    char eb[ERRBUF_SIZE] = "";
    long fi = -1;
    size_t not_kept = 0;
    int n;

    if (t->evidence_one) {
        const struct snap_finding *x = find_finding(t->s, t->detail_key);
        if (x == NULL) {
            set_status(t, "this finding is no longer in the latest snapshot: nothing written");
            return;
        }
        fi = (long)(x - t->s->findings);
    }
    if (t->o->evidence_inputs != NULL)
        n = evidence_write(t->s, t->o->evidence_inputs, t->o->n_evidence_inputs, fi, path, eb);
    else
        n = evidence_write_kept(t->s, fi, path, &not_kept, eb);
    if (n < 0)
        set_status(t, "%s", eb[0] ? eb : err_str(n));
    else if (t->o->evidence_inputs != NULL)
        set_status(t, "wrote %d evidence frame%s to %s", n, n == 1 ? "" : "s", path);
    else
        set_status(t, "wrote %d kept evidence message%s to %s; %zu cited frame(s) no longer "
                      "kept (--cap messages_kept)", n, n == 1 ? "" : "s", path, not_kept);
}

static void open_ladder(struct tui *t, const struct snap_dialog *d, enum view back)
{
    snprintf(t->ladder_key, sizeof(t->ladder_key), "%s\x1f%lld", d->call_id,
             (long long)d->first_us);
    t->ladder.sel = t->ladder.top = 0;
    t->ladder.text.top = 0;
    tui_ladder_load(&t->ladder, t->s, d);
    t->ladder_back = back;
    t->view = V_LADDER;
}

/* From a finding's detail: the call flow of the dialog that holds its
 * first evidence frame still in the snapshot, with that message selected. */
static void open_evidence_flow(struct tui *t)
{
    const struct snap_finding *x = find_finding(t->s, t->detail_key);
    if (x == NULL) {
        set_status(t, "this finding is no longer in the latest snapshot");
        return;
    }
    uint32_t ne = x->n_evidence < SNAP_MAX_EVIDENCE ? x->n_evidence : SNAP_MAX_EVIDENCE;
    for (uint32_t e = 0; e < ne; e++) {
        for (size_t di = 0; di < t->s->n_dialogs; di++) {
            const struct snap_dialog *d = &t->s->dialogs[di];
            for (uint32_t m = 0; m < d->n_msgs; m++) {
                size_t mi = (size_t)d->first_msg + m;
                if (mi >= t->s->n_msgs || t->s->msgs[mi].frame != x->evidence[e].frame)
                    continue;
                open_ladder(t, d, V_DETAIL);
                tui_ladder_move(&t->ladder, (long)m);
                return;
            }
        }
    }
    set_status(t, "the evidence messages are no longer kept (--cap messages_kept)");
}

static void open_selected(struct tui *t)
{
    struct tui_list *l = &t->list[t->focus];
    if (l->n == 0)
        return;
    size_t si = l->idx[l->sel];
    switch (t->focus) {
    case TP_FINDINGS: {
        const struct snap_finding *x = &t->s->findings[si];
        snprintf(t->detail_key, sizeof(t->detail_key), "%s\x1f%s", x->kind, x->entity);
        t->detail.top = 0;
        tui_detail_build(&t->detail, x);
        t->detail_stale = false;
        t->view = V_DETAIL;
        break;
    }
    case TP_PEERS: {
        /* A peer opens the dialogs it took part in. */
        char a[ADDR_STRLEN], f[TUI_FILTER_LEN];
        addr_str(&t->s->peers[si].remote.ip, a, sizeof(a));
        /* With the port separator, so 192.0.2.1 does not match .10. */
        if (addr_is_v4(&t->s->peers[si].remote.ip))
            snprintf(f, sizeof(f), "addr:%s:", a);
        else
            snprintf(f, sizeof(f), "addr:[%s]", a);
        tui_filter_set(&t->filter, f);
        rebuild_lists(t);
        t->focus = TP_DIALOGS;
        tui_list_home(&t->list[TP_DIALOGS]);
        tui_list_sync_key(&t->list[TP_DIALOGS], TP_DIALOGS, t->s);
        set_status(t, "dialogs with %s (c clears the filter)", a);
        break;
    }
    default:
        open_ladder(t, &t->s->dialogs[si], V_MAIN);
        break;
    }
}

/* ---- keys ---- */

static bool is_enter(int ch)
{
    return ch == '\n' || ch == '\r' || ch == KEY_ENTER;
}

static bool is_back(int ch)
{
    return ch == 27 || ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_LEFT;
}

static void prompt_key(struct tui *t, int ch)
{
    size_t len = strlen(t->answer);
    if (t->prompt == PR_SAVE_FMT) {
        enum report_format f = t->o->save_format;
        if (ch == 't' || ch == 'T')
            f = REPORT_TEXT;
        else if (ch == 'j' || ch == 'J')
            f = REPORT_JSON;
        else if (ch == 'm' || ch == 'M')
            f = REPORT_MARKDOWN;
        else if (ch == 27) {
            t->prompt = PR_NONE;
            return;
        } else if (!is_enter(ch))
            return;
        t->save_fmt = f;
        snprintf(t->answer, sizeof(t->answer), "sipscope-report.%s", fmt_ext(f));
        t->prompt = PR_SAVE_FILE;
        return;
    }
    if (ch == 27) {
        t->prompt = PR_NONE;
        return;
    }
    if (is_enter(ch)) {
        enum prompt p = t->prompt;
        t->prompt = PR_NONE;
        if (p == PR_FILTER) {
            tui_filter_set(&t->filter, t->answer);
            rebuild_lists(t);
            for (int i = 0; i < TP_COUNT; i++)
                tui_list_sync_key(&t->list[i], (enum tui_panel_id)i, t->s);
        } else if (t->answer[0] == '\0') {
            set_status(t, "no file name: nothing written");
        } else if (p == PR_SAVE_FILE) {
            save_report(t, t->answer);
        } else if (p == PR_EVIDENCE_FILE) {
            write_evidence(t, t->answer);
        }
        return;
    }
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (len > 0)
            t->answer[len - 1] = '\0';
        return;
    }
    if (ch == 21) {     /* ^U */
        t->answer[0] = '\0';
        return;
    }
    if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(t->answer)) {
        t->answer[len] = (char)ch;
        t->answer[len + 1] = '\0';
    }
}

static void list_key(struct tui *t, int ch)
{
    struct tui_list *l = &t->list[t->focus];
    int h = visible_rows(t, t->focus);
    switch (ch) {
    case '\t':
        t->focus = (enum tui_panel_id)((t->focus + 1) % TP_COUNT);
        return;
    case KEY_BTAB:
        t->focus = (enum tui_panel_id)((t->focus + TP_COUNT - 1) % TP_COUNT);
        return;
    case '1': case '2': case '3':
        t->focus = (enum tui_panel_id)(ch - '1');
        return;
    case KEY_UP: case 'k': tui_list_move(l, -1, h); break;
    case KEY_DOWN: case 'j': tui_list_move(l, 1, h); break;
    case KEY_PPAGE: tui_list_move(l, -h, h); break;
    case KEY_NPAGE: tui_list_move(l, h, h); break;
    case KEY_HOME: case 'g': tui_list_home(l); break;
    case KEY_END: case 'G': tui_list_end(l, h); break;
    default:
        if (is_enter(ch) || ch == KEY_RIGHT)
            open_selected(t);
        return;
    }
    tui_list_sync_key(l, t->focus, t->s);
}

static void view_key(struct tui *t, int ch)
{
    if (t->view == V_DETAIL) {
        int h = detail_rows();
        switch (ch) {
        case KEY_UP: case 'k': tui_text_scroll(&t->detail, -1, h); break;
        case KEY_DOWN: case 'j': tui_text_scroll(&t->detail, 1, h); break;
        case KEY_PPAGE: tui_text_scroll(&t->detail, -h, h); break;
        case KEY_NPAGE: case ' ': tui_text_scroll(&t->detail, h, h); break;
        case KEY_HOME: case 'g': t->detail.top = 0; break;
        case KEY_END: case 'G': tui_text_scroll(&t->detail, (long)t->detail.n_rows, h); break;
        default: break;
        }
        return;
    }
    /* Ladder. */
    int rh = tui_ladder_raw_rows(&t->ladder, ladder_rect());
    switch (ch) {
    case KEY_UP: case 'k': tui_ladder_move(&t->ladder, -1); break;
    case KEY_DOWN: case 'j': tui_ladder_move(&t->ladder, 1); break;
    case KEY_HOME: case 'g': tui_ladder_move(&t->ladder, -(long)tui_ladder_rows(&t->ladder)); break;
    case KEY_END: case 'G': tui_ladder_move(&t->ladder, (long)tui_ladder_rows(&t->ladder)); break;
    case KEY_PPAGE: tui_text_scroll(&t->ladder.text, -rh, rh); break;
    case KEY_NPAGE: case ' ': tui_text_scroll(&t->ladder.text, rh, rh); break;
    default: break;
    }
}

static void handle_key(struct tui *t, int ch)
{
    t->dirty = true;
    if (ch == KEY_RESIZE) {
        /* The one place a resize is handled: every view lays itself out
         * from LINES/COLS on the next draw; wrapped text is redone. */
        t->detail.wrap_w = 0;
        t->help.wrap_w = 0;
        t->ladder.text.wrap_w = 0;
        clearok(curscr, TRUE);
        return;
    }
    if (t->prompt != PR_NONE) {
        prompt_key(t, ch);
        return;
    }
    t->status_until = 0;    /* any key dismisses a status message */
    if (t->view == V_HELP) {
        int h = detail_rows();
        switch (ch) {
        case KEY_UP: case 'k': tui_text_scroll(&t->help, -1, h); return;
        case KEY_DOWN: case 'j': tui_text_scroll(&t->help, 1, h); return;
        case KEY_PPAGE: tui_text_scroll(&t->help, -h, h); return;
        case KEY_NPAGE: tui_text_scroll(&t->help, h, h); return;
        case 'q': t->quit = true; return;
        default: t->view = t->help_back; return;
        }
    }
    switch (ch) {
    case 'q':
        t->quit = true;
        return;
    case KEY_F(1): case '?': case 'h':
        t->help_back = t->view;
        t->view = V_HELP;
        tui_help_build(&t->help);
        return;
    case 'p':
        t->paused = !t->paused;
        return;
    case ' ':
        if (t->view == V_MAIN) {
            t->paused = !t->paused;
            return;
        }
        break;
    case 's': case KEY_F(2):     /* F2: sngrep's save */
        t->prompt = PR_SAVE_FMT;
        return;
    case 'w':
        t->evidence_one = t->view == V_DETAIL;
        snprintf(t->answer, sizeof(t->answer), "sipscope-evidence.pcapng");
        t->prompt = PR_EVIDENCE_FILE;
        return;
    case '/': case KEY_F(3): case KEY_F(7):     /* sngrep's search and filter */
        snprintf(t->answer, sizeof(t->answer), "%s", t->filter.text);
        t->prompt = PR_FILTER;
        return;
    case 'c':
        if (t->view == V_MAIN || !tui_filter_empty(&t->filter)) {
            tui_filter_set(&t->filter, "");
            rebuild_lists(t);
            for (int i = 0; i < TP_COUNT; i++)
                tui_list_sync_key(&t->list[i], (enum tui_panel_id)i, t->s);
        }
        return;
    default:
        /* other function keys (sngrep habits: F4 extended, F5 clear, F6
         * raw, F8 settings, F10 columns) say what works instead */
        if (ch >= KEY_F(4) && ch <= KEY_F(12)) {
            set_status(t, "F%d does nothing here: F1 help, F2 save, F3 or F7 filter (or /), "
                          "c clears the filter, Enter opens, q quits", ch - KEY_F(0));
            return;
        }
        break;
    }
    if (t->view != V_MAIN) {
        if (is_back(ch))
            t->view = t->view == V_LADDER ? t->ladder_back : V_MAIN;
        else if (t->view == V_DETAIL && (is_enter(ch) || ch == KEY_RIGHT))
            open_evidence_flow(t);
        else
            view_key(t, ch);
        return;
    }
    list_key(t, ch);
}

/* The terminal went away (pane closed, ssh dropped): input reports hangup
 * or error, and getch would return ERR at once forever. SIGHUP cannot be
 * relied on: main.c uses it to reopen files. */
static bool terminal_gone(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* ---- entry ---- */

int tui_run(struct snappub *pub, const struct tui_opts *o, char *errbuf)
{
    struct tui *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        err_set(errbuf, "dashboard: out of memory");
        return ERR_NOMEM;
    }
    t->pub = pub;
    t->o = o;
    t->s = snappub_front(pub);
    t->rate = -1;
    t->save_fmt = o->save_format;
    tui_filter_set(&t->filter, "");
    const struct snapshot *s0 = t->s;
    if (tui_text_init_buf(&t->detail) != 0 || tui_text_init_buf(&t->help) != 0 ||
        tui_ladder_init(&t->ladder, s0->cap_msgs, s0->cap_raw) != 0) {
        tui_text_free(&t->detail);
        tui_text_free(&t->help);
        free(t);
        err_set(errbuf, "dashboard: out of memory");
        return ERR_NOMEM;
    }

    /* Input from the terminal even when stdin is the capture (-r -). */
    FILE *in = stdin, *tty = NULL;
    if (!isatty(STDIN_FILENO)) {
        tty = fopen("/dev/tty", "r");
        in = tty;
    }
    setlocale(LC_CTYPE, "");    /* LC_CTYPE only: numbers stay "C" for JSON */
    SCREEN *scr = in != NULL ? newterm(NULL, stdout, in) : NULL;
    if (scr == NULL) {
        err_set(errbuf, "dashboard: cannot use the terminal (TERM=%s)",
                getenv("TERM") ? getenv("TERM") : "");
        if (tty != NULL)
            fclose(tty);
        tui_ladder_free(&t->ladder);
        tui_text_free(&t->detail);
        tui_text_free(&t->help);
        free(t);
        return ERR_IO;
    }
    set_term(scr);
    curses_up = 1;
    t->in_fd = fileno(in);
    install_fatal();
    const char *cs = nl_langinfo(CODESET);
    tui_text_init(cs != NULL && strcmp(cs, "UTF-8") == 0);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    timeout(100);
    tui_color_init();

    t->start_ms = t->last_clock_ms = mono_ms();
    t->dirty = true;
    while (!t->quit && !(o->stop != NULL && *o->stop)) {
        int64_t now = mono_ms();
        poll_snapshot(t);
        if (t->status_until != 0 && now >= t->status_until) {
            t->status_until = 0;
            t->dirty = true;
        }
        if (now - t->last_clock_ms >= 1000) {
            t->last_clock_ms = now;
            if (o->live && !t->finished)
                t->dirty = true;
        }
        if (t->dirty) {
            t->dirty = false;
            draw(t);
        }
        int ch = getch();
        if (ch != ERR)
            handle_key(t, ch);
        else if (terminal_gone(t->in_fd))
            break;
    }

    restore_terminal();
    remove_fatal();
    delscreen(scr);
    if (tty != NULL)
        fclose(tty);
    for (int i = 0; i < TP_COUNT; i++)
        free(t->list[i].idx);
    tui_ladder_free(&t->ladder);
    tui_text_free(&t->detail);
    tui_text_free(&t->help);
    free(t);
    return 0;
}
