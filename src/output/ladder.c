/*
 * ladder.c — the call-flow model of one dialog (columns, roles, marks) and
 * the text ladder `--ladder CALL-ID` prints: one row per kept message with
 * its UTC time, its frame number (as Wireshark and tshark number them) and
 * an arrow labelled with the method or status between the two endpoints'
 * columns, plus a note for challenges, retransmissions and the failing
 * answer. The TUI draws the same rows from the same snapshot data
 * (snap_dialog.first_msg/n_msgs into snapshot.msgs, src/tui/tui_ladder.c).
 *
 * Wire-derived text (Call-ID, From/To, reason phrases) is printed with
 * control bytes and non-ASCII replaced by '?': a terminal must not receive
 * escape sequences from the network, and columns stay aligned.
 *
 * Flow: snapshot → ladder → stdout | report_html. Thread: the caller's.
 */
#include "ladder.h"

#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"
#include "util/err.h"

static bool ep_eq(const struct endpoint *a, const struct endpoint *b)
{
    return addr_eq(&a->ip, &b->ip) && a->port == b->port;
}

size_t ladder_column(const struct ladder *l, const struct endpoint *e)
{
    for (size_t i = 0; i < l->n_col; i++)
        if (ep_eq(&l->col[i], e))
            return i;
    return l->n_col > 0 ? l->n_col - 1 : 0;
}

static void add_col(struct ladder *l, const struct endpoint *e)
{
    for (size_t i = 0; i < l->n_col; i++)
        if (ep_eq(&l->col[i], e))
            return;
    if (l->n_col < LADDER_MAX_COLS)
        l->col[l->n_col++] = *e;
    else
        l->more_cols++;
}

/* A column's role: the peer role when the endpoint is a known peer's far
 * end (trunk, phone), else its place in the first request. */
static void col_role(struct ladder *l, const struct snapshot *s, size_t i)
{
    const char *r = i == 0 ? "caller" : i == 1 ? "callee" : "hop";

    for (size_t p = 0; p < s->n_peers; p++) {
        const struct snap_peer *sp = &s->peers[p];
        if (ep_eq(&sp->remote, &l->col[i]) && sp->role[0] != '\0') {
            r = sp->role;
            break;
        }
    }
    snprintf(l->role[i], sizeof(l->role[i]), "%s", r);
}

size_t ladder_band_col(const struct endpoint *col, size_t n_col, const struct endpoint *e,
                       size_t side_col)
{
    for (size_t i = 0; i < n_col; i++)
        if (ep_eq(&col[i], e))
            return i;
    if (side_col < n_col && addr_eq(&col[side_col].ip, &e->ip))
        return side_col;
    for (size_t i = 0; i < n_col; i++)
        if (addr_eq(&col[i].ip, &e->ip))
            return i;
    return side_col;
}

static void build_bands(struct ladder *l, const struct snapshot *s, const struct snap_dialog *d)
{
    for (size_t i = 0; i < s->n_media_calls; i++)
        if (strcmp(s->media_calls[i].call_id, d->call_id) == 0)
            l->mcall = &s->media_calls[i];
    for (size_t i = 0; i < s->n_media; i++) {
        const struct snap_media *m = &s->media[i];
        struct ladder_band b;
        size_t k;
        bool to_callee;

        if (m->heuristic || strcmp(m->call_id, d->call_id) != 0)
            continue;
        if (l->n_band == LADDER_MAX_BANDS) {
            l->more_bands++;
            continue;
        }
        to_callee = strcmp(m->direction, "caller->callee") == 0;
        b.m = m;
        b.ca = ladder_band_col(l->col, l->n_col, &m->src, to_callee ? 0 : 1);
        b.cb = ladder_band_col(l->col, l->n_col, &m->dst, to_callee ? 1 : 0);
        if (b.ca == b.cb) {             /* both ends on one host: the direction decides */
            b.ca = to_callee ? 0 : 1;
            b.cb = to_callee ? 1 : 0;
        }
        for (b.at = 0; b.at < l->n_msg && l->msg[b.at].ts_us <= m->first_us; b.at++)
            ;
        /* insertion by first packet (the snapshot lists the most recent first) */
        for (k = l->n_band; k > 0 && l->band[k - 1].m->first_us > m->first_us; k--)
            l->band[k] = l->band[k - 1];
        l->band[k] = b;
        l->n_band++;
    }
}

char *ladder_band_text(const struct snap_media *m, char *buf, size_t len)
{
    char sa[64], da[64], a[40], b[40];
    const char *fa, *fb;

    report_endpoint(&m->src, sa, sizeof(sa));
    report_endpoint(&m->dst, da, sizeof(da));
    report_time_utc(m->first_us, a, sizeof(a));
    report_time_utc(m->last_us, b, sizeof(b));
    /* "2026-11-25 09:47:17.123456" -> "09:47:17.123" */
    a[23 < sizeof(a) ? 23 : 0] = '\0';
    b[23 < sizeof(b) ? 23 : 0] = '\0';
    fa = strlen(a) > 11 ? a + 11 : a;
    fb = strlen(b) > 11 ? b + 11 : b;
    if (m->codec[0] != '\0')
        snprintf(buf, len, "RTP %s -> %s %s, %llu pkt, %lld lost, jitter %.2f ms, %s..%s", sa, da,
                 m->codec, (unsigned long long)m->packets, (long long)m->lost, m->jitter_ms, fa, fb);
    else
        snprintf(buf, len, "RTP %s -> %s PT %u, %llu pkt, %lld lost, jitter %.2f ms, %s..%s", sa,
                 da, (unsigned)m->payload_type, (unsigned long long)m->packets,
                 (long long)m->lost, m->jitter_ms, fa, fb);
    /* the codec name came from the wire (a=rtpmap) */
    for (char *p = buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return buf;
}

void ladder_build(struct ladder *l, const struct snapshot *s, const struct snap_dialog *d)
{
    size_t first = d->first_msg, n = d->n_msgs;

    memset(l, 0, sizeof(*l));
    l->d = d;
    /* the engine's ranges are trusted only as far as the arrays go */
    if (first > s->n_msgs)
        first = s->n_msgs;
    if (n > s->n_msgs - first)
        n = s->n_msgs - first;
    l->msg = s->msgs + first;
    l->n_msg = n;
    /* The first request's endpoints come first: caller on the left. */
    add_col(l, &d->src);
    add_col(l, &d->dst);
    for (size_t i = 0; i < n; i++) {
        add_col(l, &l->msg[i].src);
        add_col(l, &l->msg[i].dst);
    }
    for (size_t i = 0; i < l->n_col; i++)
        col_role(l, s, i);
    build_bands(l, s, d);
}

int ladder_status(const char *label)
{
    if (label[0] >= '1' && label[0] <= '9' && label[1] >= '0' && label[1] <= '9' &&
        label[2] >= '0' && label[2] <= '9' && (label[3] == ' ' || label[3] == '\0'))
        return (label[0] - '0') * 100 + (label[1] - '0') * 10 + (label[2] - '0');
    return 0;
}

static bool raw_of(const struct snapshot *s, const struct snap_msg *m, const char **p)
{
    if (m->raw_len == 0 || (size_t)m->raw_off > s->raw_len || m->raw_len > s->raw_len - m->raw_off)
        return false;
    *p = s->raw + m->raw_off;
    return true;
}

/* How far back a retransmission is looked for: T1 doubling reaches 7
 * copies in 32 s, and a dialog rarely interleaves more. */
#define RETRANS_WINDOW 16

static bool is_retrans(const struct ladder *l, const struct snapshot *s, size_t i)
{
    const struct snap_msg *m = &l->msg[i];
    const char *a = NULL, *b = NULL;
    bool ra = raw_of(s, m, &a);

    for (size_t k = 1; k <= RETRANS_WINDOW && k <= i; k++) {
        const struct snap_msg *o = &l->msg[i - k];
        if (ep_eq(&o->src, &m->dst) && ep_eq(&o->dst, &m->src)) {
            if (!ra)
                return false;   /* by label only: the other side spoke, so a new message */
            continue;           /* the text decides (an INVITE resent after 100 Trying) */
        }
        if (!ep_eq(&o->src, &m->src) || !ep_eq(&o->dst, &m->dst))
            continue;
        if (ra && raw_of(s, o, &b)) {
            if (o->raw_len == m->raw_len && memcmp(a, b, m->raw_len) == 0)
                return true;
            continue;
        }
        return strcmp(o->label, m->label) == 0;
    }
    return false;
}

unsigned ladder_marks(const struct ladder *l, const struct snapshot *s, size_t i)
{
    const struct snap_msg *m = &l->msg[i];
    int st = ladder_status(m->label);
    unsigned marks = 0;

    if (st == 401 || st == 407)
        marks |= LADDER_CHALLENGE;
    else if (st >= 400)
        marks |= LADDER_FAILURE;
    else if (st >= 200 && st < 300)
        marks |= LADDER_OK;
    if (is_retrans(l, s, i))
        marks |= LADDER_RETRANS;
    if (st >= 300 && st == l->d->last_status && !(marks & LADDER_RETRANS)) {
        bool later = false;
        for (size_t k = i + 1; k < l->n_msg && !later; k++)
            later = ladder_status(l->msg[k].label) == st;
        if (!later)
            marks |= LADDER_FINAL_FAIL;
    }
    return marks;
}

/* ---- frame -> dialog ---- */

static int cmp_fr(const void *a, const void *b)
{
    const struct ladder_fr *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    return x->msg < y->msg ? -1 : x->msg > y->msg;
}

int ladder_index_init(struct ladder_index *x, const struct snapshot *s)
{
    size_t n = s->n_msgs;

    x->s = s;
    x->by_frame = calloc(n ? n : 1, sizeof(*x->by_frame));
    x->dlg_of = malloc((n ? n : 1) * sizeof(*x->dlg_of));
    if (x->by_frame == NULL || x->dlg_of == NULL)
        return ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        x->by_frame[i].frame = s->msgs[i].frame;
        x->by_frame[i].msg = (uint32_t)i;
        x->dlg_of[i] = LADDER_NO_DIALOG;
    }
    qsort(x->by_frame, n, sizeof(*x->by_frame), cmp_fr);
    for (size_t d = 0; d < s->n_dialogs; d++) {
        size_t first = s->dialogs[d].first_msg, k = s->dialogs[d].n_msgs;
        for (size_t j = 0; j < k && first + j < n; j++)
            x->dlg_of[first + j] = (uint32_t)d;
    }
    return 0;
}

void ladder_index_free(struct ladder_index *x)
{
    free(x->by_frame);
    free(x->dlg_of);
    x->by_frame = NULL;
    x->dlg_of = NULL;
}

uint32_t ladder_dialog_of_frame(const struct ladder_index *x, uint64_t frame)
{
    size_t lo = 0, hi = x->s->n_msgs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->by_frame[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < x->s->n_msgs && x->by_frame[lo].frame == frame; lo++)
        if (x->dlg_of[x->by_frame[lo].msg] != LADDER_NO_DIALOG)
            return x->dlg_of[x->by_frame[lo].msg];
    return LADDER_NO_DIALOG;
}

/* ---- text ladder ---- */

#define GUTTER 26       /* "09:47:17.123456  123456   " */
#define SPACING 28      /* between two columns */
#define LINE_MAX (GUTTER + SPACING * LADDER_MAX_COLS + 64)

/* Copy wire text into dst for a terminal: controls and non-ASCII → '?'. */
static void clean(char *dst, size_t cap, const char *src)
{
    size_t i = 0;

    for (; src[i] != '\0' && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    dst[i] = '\0';
}

static void put_at(char *line, size_t at, const char *s, size_t n)
{
    if (at >= LINE_MAX - 1)
        return;
    if (n > LINE_MAX - 1 - at)
        n = LINE_MAX - 1 - at;
    memcpy(line + at, s, n);
}

static int colx(size_t c)
{
    return GUTTER + 2 + (int)c * SPACING;
}

static void emit(FILE *f, char *line)
{
    size_t n = LINE_MAX - 1;

    while (n > 0 && line[n - 1] == ' ')
        n--;
    line[n] = '\0';
    fprintf(f, "%s\n", line);
}

static void blank(char *line, size_t ncol)
{
    memset(line, ' ', LINE_MAX - 1);
    line[LINE_MAX - 1] = '\0';
    for (size_t c = 0; c < ncol; c++)
        line[colx(c)] = '|';
}

static const char *mark_note(unsigned marks)
{
    if (marks & LADDER_RETRANS)
        return "retransmission";
    if (marks & LADDER_CHALLENGE)
        return "challenge";
    if (marks & LADDER_FINAL_FAIL)
        return "failing answer";
    if (marks & LADDER_FAILURE)
        return "rejected";
    return "";
}

/* A media band: '=' from the sender's column to the receiver's, "RTP" and
 * the codec on it, the stream's addresses and figures as its note. */
static void band_row(FILE *f, char *line, size_t ncol, const struct ladder_band *b)
{
    char a[40], fr[24], lab[40], txt[200];
    int lo = colx(b->ca < b->cb ? b->ca : b->cb), hi = colx(b->ca < b->cb ? b->cb : b->ca);
    int span = hi - lo - 1, n;
    size_t lw;

    blank(line, ncol);
    report_time_utc(b->m->first_us, a, sizeof(a));
    put_at(line, 0, strlen(a) > 11 ? a + 11 : a, strlen(a) > 11 ? strlen(a) - 11 : strlen(a));
    n = snprintf(fr, sizeof(fr), "%llu", (unsigned long long)b->m->first_frame);
    put_at(line, 17, fr, (size_t)n);
    memset(line + lo + 1, '=', (size_t)span);
    if (b->ca < b->cb)
        line[hi - 1] = '>';
    else
        line[lo + 1] = '<';
    n = snprintf(lab, sizeof(lab), "RTP %s", b->m->codec[0] ? b->m->codec : "");
    clean(lab, sizeof(lab), lab);
    lw = (size_t)n < sizeof(lab) ? (size_t)n : sizeof(lab) - 1;
    if ((int)lw < span - 6) {
        int lx = lo + 1 + (span - (int)lw) / 2;
        line[lx - 1] = ' ';
        memcpy(line + lx, lab, lw);
        line[lx + (int)lw] = ' ';
    }
    ladder_band_text(b->m, txt, sizeof(txt));
    put_at(line, (size_t)colx(ncol - 1) + 3, txt + 4, strlen(txt + 4));   /* without "RTP " */
    emit(f, line);
}

int ladder_text(FILE *f, const struct snapshot *s, const struct snap_dialog *d)
{
    size_t nb = 0;
    struct ladder l;
    char line[LINE_MAX], a[40], b[40], txt[160], ep[64];
    size_t ncol;

    ladder_build(&l, s, d);
    ncol = l.n_col < 2 ? 2 : l.n_col;
    clean(txt, sizeof(txt), d->call_id);
    fprintf(f, "Call flow: %s  Call-ID %s  [%s]\n", d->method, txt, d->state);
    clean(txt, sizeof(txt), d->from);
    fprintf(f, "  from %s\n", txt);
    clean(txt, sizeof(txt), d->to);
    fprintf(f, "  to   %s\n", txt);
    fprintf(f, "  %s .. %s UTC; frame numbers as Wireshark shows them\n",
            report_time_utc(d->first_us, a, sizeof(a)), report_time_utc(d->last_us, b, sizeof(b)));
    for (size_t c = 0; c < l.n_col; c++)
        fprintf(f, "  %c  %-8s %s%s\n", (int)('A' + c), l.role[c],
                report_endpoint(&l.col[c], ep, sizeof(ep)),
                c + 1 == l.n_col && l.more_cols ? "  (and other endpoints)" : "");
    if (l.mcall != NULL) {
        clean(txt, sizeof(txt), l.mcall->note);
        fprintf(f, "  media: %s, %zu RTP stream(s)%s%s; '=' rows are streams (time and frame of "
                   "the first packet)\n", l.mcall->verdict, l.n_band + l.more_bands,
                txt[0] ? "; " : "", txt);
    }
    blank(line, 0);
    put_at(line, 0, "TIME (UTC)", 10);
    put_at(line, 17, "FRAME", 5);
    for (size_t c = 0; c < ncol; c++)
        line[colx(c)] = (char)('A' + c);
    emit(f, line);
    if (l.n_msg == 0)
        fprintf(f, "  (no message of this dialog is kept: raise --cap messages_kept)\n");
    for (size_t i = 0; i <= l.n_msg; i++) {
        while (nb < l.n_band && l.band[nb].at <= i)
            band_row(f, line, ncol, &l.band[nb++]);
        if (i == l.n_msg)
            break;
        const struct snap_msg *m = &l.msg[i];
        size_t ca = ladder_column(&l, &m->src), cb = ladder_column(&l, &m->dst);
        unsigned marks = ladder_marks(&l, s, i);
        const char *note = mark_note(marks);
        char lab[64], fr[24];
        int n;

        blank(line, ncol);
        report_time_utc(m->ts_us, a, sizeof(a));
        put_at(line, 0, strlen(a) > 11 ? a + 11 : a, strlen(a) > 11 ? strlen(a) - 11 : strlen(a));
        n = snprintf(fr, sizeof(fr), "%llu", (unsigned long long)m->frame);
        put_at(line, 17, fr, (size_t)n);
        clean(lab, sizeof(lab), m->label);
        if (ca == cb) {
            /* to itself (or two endpoints folded into the last column) */
            char self[80];
            n = snprintf(self, sizeof(self), "<-' %s", lab);
            put_at(line, (size_t)colx(ca) + 1, self, (size_t)n);
        } else {
            int lo = colx(ca < cb ? ca : cb), hi = colx(ca < cb ? cb : ca);
            int span = hi - lo - 1, room = span - 6;
            size_t lw = strlen(lab);
            memset(line + lo + 1, '-', (size_t)span);
            if (ca < cb)
                line[hi - 1] = '>';
            else
                line[lo + 1] = '<';
            if (room > 0) {
                if (lw > (size_t)room)
                    lw = (size_t)room;
                int lx = lo + 1 + (span - (int)lw) / 2;
                line[lx - 1] = ' ';
                memcpy(line + lx, lab, lw);
                line[lx + (int)lw] = ' ';
            }
        }
        if (note[0] != '\0')
            put_at(line, (size_t)colx(ncol - 1) + 3, note, strlen(note));
        emit(f, line);
    }
    if (l.more_bands)
        fprintf(f, "  (%zu more RTP stream(s) of this call: see --report json)\n", l.more_bands);
    return ferror(f) ? ERR_IO : 0;
}

int ladder_print(FILE *f, const struct snapshot *s, const char *call_id, char *errbuf)
{
    size_t want = strlen(call_id), found = 0;
    size_t keep = sizeof(s->dialogs[0].call_id) - 1;

    for (size_t i = s->n_dialogs; i-- > 0;) {     /* oldest first */
        const struct snap_dialog *d = &s->dialogs[i];
        /* the snapshot keeps the first 127 bytes of a Call-ID */
        bool eq = want >= keep ? strncmp(d->call_id, call_id, keep) == 0
                               : strcmp(d->call_id, call_id) == 0;
        if (!eq)
            continue;
        if (found++ > 0)
            fputc('\n', f);
        if (ladder_text(f, s, d) != 0)
            break;
    }
    if (found == 0) {
        char c[80];
        clean(c, sizeof(c), call_id);
        err_set(errbuf, "--ladder %s: no dialog with this Call-ID among the %zu kept "
                        "(raise --cap dialogs or --cap messages_kept)", c, s->n_dialogs);
        return ERR_INVAL;
    }
    if (fflush(f) != 0 || ferror(f)) {
        err_set(errbuf, "--ladder: cannot write the call flow");
        return ERR_IO;
    }
    return 0;
}
