/*
 * tui_int.h — private declarations shared by the dashboard's files
 * (tui.c: loop, keys, resize, signals; tui_color.c: the colour scheme;
 * tui_text.c: safe drawing and scrollable text; tui_header.c: header and
 * footer; tui_panel.c: findings/peers/dialogs lists and the filter;
 * tui_detail.c: finding detail; tui_ladder.c: call-flow ladder;
 * tui_help.c: help screen and prompts).
 *
 * Thread: the UI thread only. Everything drawn comes from a snapshot the
 * UI owns (snappub front buffer) or from view-owned copies of it, so a new
 * publication never invalidates what a view shows.
 *
 * The pure helpers (filter, sanitising, wrapping, ladder columns, time
 * formats) take no curses state so the unit tests can call them.
 */
#ifndef SIPSCOPE_TUI_INT_H
#define SIPSCOPE_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "tui.h"

/* ---- colour scheme (tui_color.c) ---- */

enum tui_role {
    TR_NORMAL = 0,
    TR_HEADER,          /* header bar */
    TR_HEADER_ALERT,    /* a non-zero drop/malformed counter in the header */
    TR_TITLE,           /* panel title, unfocused */
    TR_TITLE_FOCUS,     /* panel title of the focused panel */
    TR_COLHEAD,         /* column headings */
    TR_SEV_INFO,
    TR_SEV_WARNING,
    TR_SEV_ERROR,
    TR_SEV_CRITICAL,
    TR_MSG_REQUEST,
    TR_MSG_1XX,
    TR_MSG_2XX,
    TR_MSG_3XX,
    TR_MSG_4XX,
    TR_MSG_56XX,
    TR_FOOTER,
    TR_FOOTER_KEY,
    TR_STATUS,          /* transient status message */
    TR_DIM,
    TR_COUNT
};

/* Start colours if the terminal has them and NO_COLOR is unset or empty. */
void tui_color_init(void);
bool tui_color_enabled(void);
/* The curses attributes for a role (colour pair or monochrome attrs). */
int tui_attr(enum tui_role r);
enum tui_role tui_role_severity(enum severity s);
/* Role of a message label: "INVITE" → request, "407 ..." → 4xx. Also for a
 * status code alone (status > 0) when label is NULL. */
enum tui_role tui_role_label(const char *label, int status);

/* ---- safe drawing and text (tui_text.c) ---- */

/* Line drawing: UTF-8 box characters when the locale is UTF-8, ASCII
 * otherwise (LANG=C). Set once by tui_text_init. */
void tui_text_init(bool utf8);
bool tui_utf8(void);

/*
 * Draw at most w columns of s[0..n) at (y, x) on stdscr with attr.
 * Wire-derived text is hostile: control bytes and (in ASCII mode) every
 * non-ASCII byte are shown as '.', invalid UTF-8 as '?', and wide glyphs
 * that would cross the limit are not drawn. Returns columns used.
 */
int tui_put(int y, int x, int w, const char *s, size_t n, int attr);
int tui_puts(int y, int x, int w, const char *s, int attr);
/* printf into a local buffer, then tui_puts. */
int tui_printf(int y, int x, int w, int attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Horizontal line of w cells. */
void tui_hline(int y, int x, int w, int attr);
/* Fill w cells with spaces in attr (bars). */
void tui_fill(int y, int x, int w, int attr);

/* Display columns of s[0..n) under the same rules as tui_put. */
int tui_width(const char *s, size_t n);
/* Byte length of the longest prefix of s[0..n) that fits w columns. */
size_t tui_fit(const char *s, size_t n, int w);

/* "12:03:04.567" (UTC) from microseconds since the epoch; "-" for 0. */
void tui_fmt_time(char *buf, size_t len, int64_t us, bool millis);
/* "1h02m03s" / "02:03" durations. */
void tui_fmt_duration(char *buf, size_t len, int64_t us);
/* Human count: 999, 1.2k, 3.4M. */
void tui_fmt_count(char *buf, size_t len, uint64_t v);
/* "198.51.100.7:5060" ("[2001:db8::1]:5060"). */
void tui_fmt_endpoint(char *buf, size_t len, const struct endpoint *e);

/*
 * A scrollable block of text lines, wrapped to a width. Storage is fixed
 * (a byte pool and line/row tables); what does not fit is cut and the
 * last row says so. Cost of drawing is the visible rows only.
 */
#define TUI_TEXT_POOL (192u * 1024u)
#define TUI_TEXT_LINES 4096
#define TUI_TEXT_ROWS 8192

struct tui_text {
    char *pool;
    size_t used;
    struct tui_tline { uint32_t off, len; uint8_t role; uint8_t indent; } *line;
    size_t n_lines;
    struct tui_trow { uint32_t line, off, len; } *row;
    size_t n_rows;
    int wrap_w;
    size_t top;
    bool cut;
};

int tui_text_init_buf(struct tui_text *t);
void tui_text_free(struct tui_text *t);
void tui_text_clear(struct tui_text *t);
/* Append a line (no newline in it: use tui_text_addraw for text). */
void tui_text_add(struct tui_text *t, enum tui_role role, int indent, const char *s, size_t n);
void tui_text_addf(struct tui_text *t, enum tui_role role, int indent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Append raw message text: split on LF, CR dropped. */
void tui_text_addraw(struct tui_text *t, enum tui_role role, const char *s, size_t n);
/* (Re)wrap to w columns; keeps top clamped. */
void tui_text_wrap(struct tui_text *t, int w);
void tui_text_draw(struct tui_text *t, int y, int x, int h, int w);
/* Scroll by delta rows (clamped to the page of height h). */
void tui_text_scroll(struct tui_text *t, long delta, int h);

/* ---- filter (tui_panel.c) ---- */

#define TUI_FILTER_LEN 128
#define TUI_FILTER_TERMS 8

/*
 * Filter text: whitespace-separated terms, all of which must match.
 * "method:INVITE", "status:403" or "status:4xx", "addr:203.0.113.5"
 * (ip: and src:/dst: are synonyms of addr:), anything else is a
 * case-insensitive substring of the row's text.
 */
struct tui_filter {
    char text[TUI_FILTER_LEN];
    size_t n;
    struct tui_term { char kind; char s[TUI_FILTER_LEN]; } term[TUI_FILTER_TERMS];
};

void tui_filter_set(struct tui_filter *f, const char *text);
bool tui_filter_empty(const struct tui_filter *f);
bool tui_filter_dialog(const struct tui_filter *f, const struct snap_dialog *d);
bool tui_filter_finding(const struct tui_filter *f, const struct snap_finding *x);
bool tui_filter_peer(const struct tui_filter *f, const struct snap_peer *p);

/* ---- lists (tui_panel.c) ---- */

enum tui_panel_id { TP_FINDINGS = 0, TP_PEERS, TP_DIALOGS, TP_COUNT };

struct tui_list {
    size_t *idx;        /* snapshot indices that pass the filter */
    size_t cap, n;
    size_t sel, top;
    char key[192];      /* identity of the selected item, kept across snapshots */
    bool any_geo;       /* peers: some listed peer has GeoIP text (else no GEO column) */
};

/* The smallest terminal the dashboard draws on (below it, it says so). */
#define TUI_MIN_COLS 40
#define TUI_MIN_ROWS 10

struct tui_rect { int y, x, h, w; };

const char *tui_panel_name(enum tui_panel_id id);
/* Rebuild the filtered index of one list from snapshot s, keeping the
 * selected item (by key) when it is still there. */
void tui_list_rebuild(struct tui_list *l, enum tui_panel_id id, const struct snapshot *s,
                      const struct tui_filter *f);
/* Move the selection; h is the visible height. */
void tui_list_move(struct tui_list *l, long delta, int h);
void tui_list_home(struct tui_list *l);
/* Remember the selected item's identity (after a move). */
void tui_list_sync_key(struct tui_list *l, enum tui_panel_id id, const struct snapshot *s);
void tui_list_end(struct tui_list *l, int h);
/* Scroll back so that h rows show as many items as there are (after a
 * filter is cleared, the panel grows, or the list shrinks), the selection
 * still visible. */
void tui_list_fit(struct tui_list *l, int h);
/* Draw the panel (title line, column heads, rows) into r. */
void tui_panel_draw(enum tui_panel_id id, const struct tui_list *l, const struct snapshot *s,
                    struct tui_rect r, bool focused);
/* Rows of list content in a panel of height h (title and heads excluded). */
int tui_panel_rows(int h);

/* ---- diagnosis panel (tui_diag.c) ---- */

/* Rows the diagnosis panel takes above the lists in a body of body_h rows
 * (0 when there is no diagnosis or no room). */
int tui_diag_rows(const struct snapshot *s, int body_h);
void tui_diag_draw(const struct snapshot *s, int y, int w, int rows);

/* ---- header and footer (tui_header.c) ---- */

struct tui_hdr {
    const char *source;
    bool live, paused, finished;
    int64_t elapsed_us;
    double msg_rate;        /* SIP messages/s, < 0 when unknown */
    const char *filter;     /* "" when none */
};

/* Height of the header for a width. */
int tui_header_rows(int w);
void tui_header_draw(const struct snapshot *s, const struct tui_hdr *h, int w);
/* Footer on the last row: key hints for the view, or the status message. */
void tui_footer_draw(int y, int w, const char *const *keys, const char *status);

/* ---- finding detail (tui_detail.c) ---- */

void tui_detail_build(struct tui_text *t, const struct snap_finding *x);

/* ---- call-flow ladder (tui_ladder.c) ---- */

#define TUI_LADDER_COLS 8
/* RTP streams of the call drawn as bands between the messages (by the
 * time of their first packet); more are counted. */
#define TUI_LADDER_BANDS 8

struct tui_ladder {
    struct snap_dialog d;
    struct snap_msg *msg;       /* copy of the dialog's messages */
    size_t n_msg, cap_msg;
    char *raw;                  /* copy of their raw text */
    size_t raw_len, cap_raw;
    struct endpoint col[TUI_LADDER_COLS];
    size_t n_col;
    size_t sel, top;            /* rows: messages and media bands */
    struct tui_text text;       /* raw text of the selected message, or the band's figures */
    size_t text_for;            /* sel the text was built for, SIZE_MAX none */
    bool stale;                 /* the dialog left the latest snapshot */
    struct snap_media band[TUI_LADDER_BANDS];   /* copies, by first packet */
    size_t band_at[TUI_LADDER_BANDS];           /* drawn before message band_at[i] */
    size_t n_band, more_bands;
    bool have_mcall;
    struct snap_media_call mcall;               /* the call's media verdict */
};

int tui_ladder_init(struct tui_ladder *l, size_t cap_msg, size_t cap_raw);
void tui_ladder_free(struct tui_ladder *l);
/* Copy dialog d's messages and raw text from s; keeps the selection. */
void tui_ladder_load(struct tui_ladder *l, const struct snapshot *s, const struct snap_dialog *d);
/* Column of an endpoint (adds it while there is room; the last column
 * takes the overflow). Pure; used by load and by the tests. */
size_t tui_ladder_column(struct tui_ladder *l, const struct endpoint *e);
void tui_ladder_draw(struct tui_ladder *l, struct tui_rect r);
void tui_ladder_move(struct tui_ladder *l, long delta);
/* Rows of the ladder (messages and bands); which one row r is: a message
 * (*msg set, true) or a band (*band set, false). Pure. */
size_t tui_ladder_rows(const struct tui_ladder *l);
bool tui_ladder_row(const struct tui_ladder *l, size_t r, size_t *msg, size_t *band);
/* Raw pane height for a ladder rect (for PgUp/PgDn). */
int tui_ladder_raw_rows(const struct tui_ladder *l, struct tui_rect r);

/* ---- help and prompt (tui_help.c) ---- */

/* The key list (scrolled and drawn as a tui_text by tui.c). */
void tui_help_build(struct tui_text *t);
void tui_prompt_draw(int y, int w, const char *question, const char *answer);

#endif
