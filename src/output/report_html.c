/*
 * report_html.c — `--report html`: a single page a VoIP engineer can attach
 * to a carrier ticket and that a reader without sipscope, Wireshark or the
 * capture can open from a mail: inline CSS (light and dark through
 * prefers-color-scheme, a print style, a narrow-screen layout) and inline
 * SVG, no script and nothing fetched.
 *
 * Order: the capture (name, time span, generation stamp), the diagnosis
 * (each root cause of snapshot.diagnosis with its evidence, ruled-out
 * causes and fix; peer verdicts and the top findings when the producer
 * gave none), each finding (with its causal links and population) with its evidence table and, for each
 * evidence dialog, an SVG ladder (ladder.c's model: one column per
 * endpoint with its role and address, arrows with method or status, time
 * and frame; challenges, retransmissions and the failing answer marked)
 * whose arrows link to a <details> element holding the message text with
 * secrets masked (report_html_mask), then the peers and the run
 * statistics (drops, evictions, what the page left out).
 *
 * Bounds (report_html.h): the page draws the evidence dialogs only, at
 * most HTML_MAX_LADDERS of them with HTML_MAX_ARROWS messages each, and
 * caps findings, peers, counters and message text; each cut is counted on
 * the page, so a capture of 100k dialogs gives a page of bounded size.
 *
 * Every wire-derived string goes through report_html_escape: the capture
 * is hostile input, and the page is opened by people in a browser.
 *
 * Flow: snapshot → report_html. Thread: the caller's (after engine_finish
 * or on SIGUSR1). Allocates two index arrays per call (not a hot path).
 */
#include "report_html.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "findings/kind_meta.h"
#include "ladder.h"
#include "report.h"
#include "report_fmt.h"
#include "report_tls.h"
#include "tls.h"
#include "sip.h"
#include "util/err.h"

/* ---- escaping and masking ---- */

/* Length of the valid UTF-8 sequence at p (n > 0 bytes), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void report_html_escape(FILE *f, const char *s, size_t n, int keep_nl)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t l;
        switch (c) {
        case '&': fputs("&amp;", f); i++; continue;
        case '<': fputs("&lt;", f); i++; continue;
        case '>': fputs("&gt;", f); i++; continue;
        case '"': fputs("&quot;", f); i++; continue;
        case '\'': fputs("&#39;", f); i++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            if (c == '\t' || (c == '\n' && keep_nl))
                fputc(c, f);
            else if (c == '\n')
                fputc(' ', f);
            i++;
            continue;
        }
        l = utf8_len(p + i, n - i);
        if (l == 0) {
            fputs("\xef\xbf\xbd", f);
            i++;
            continue;
        }
        /* C1 controls (U+0080..U+009F) are not text either */
        if (l == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
            i += 2;
            continue;
        }
        fwrite(p + i, 1, l, f);
        i += l;
    }
}

static void esc(FILE *f, const char *s)
{
    report_html_escape(f, s, strlen(s), 0);
}

struct mbuf {
    char *p;
    size_t len, cap;
};

static void mput(struct mbuf *b, const char *s, size_t n)
{
    if (n > b->cap - b->len)
        n = b->cap - b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static bool ieq(const char *a, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

static bool secret_param(const char *name, size_t n, bool auth)
{
    if (ieq(name, n, "password") || ieq(name, n, "passwd") || ieq(name, n, "pwd") ||
        ieq(name, n, "secret"))
        return true;
    return auth && (ieq(name, n, "response") || ieq(name, n, "rspauth"));
}

static bool tokc(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

#define MASK "********"

/* One line (without its line end) with secret parameter values masked. */
static void mask_line(struct mbuf *b, const char *s, size_t n, bool auth)
{
    size_t i = 0;

    while (i < n) {
        bool start = i == 0 || strchr(" \t,;:?&", s[i - 1]) != NULL;
        size_t j = i, v;
        if (!start || !tokc(s[i])) {
            mput(b, s + i, 1);
            i++;
            continue;
        }
        while (j < n && tokc(s[j]))
            j++;
        /* "Basic <credentials>": base64 of user:password */
        if (auth && ieq(s + i, j - i, "Basic") && j < n && (s[j] == ' ' || s[j] == '\t')) {
            v = j;
            while (v < n && (s[v] == ' ' || s[v] == '\t'))
                v++;
            mput(b, s + i, v - i);
            while (v < n && s[v] != ' ' && s[v] != '\t' && s[v] != ',')
                v++;
            mput(b, MASK, strlen(MASK));
            i = v;
            continue;
        }
        v = j;
        while (v < n && (s[v] == ' ' || s[v] == '\t'))
            v++;
        if (v >= n || s[v] != '=' || !secret_param(s + i, j - i, auth)) {
            mput(b, s + i, j - i);
            i = j;
            continue;
        }
        v++;
        while (v < n && (s[v] == ' ' || s[v] == '\t'))
            v++;
        mput(b, s + i, v - i);      /* name, '=' and spaces as they were */
        if (v < n && s[v] == '"') {
            size_t q = v + 1;
            while (q < n && s[q] != '"') {
                if (s[q] == '\\' && q + 1 < n)
                    q++;
                q++;
            }
            mput(b, "\"" MASK "\"", strlen(MASK) + 2);
            i = q < n ? q + 1 : n;
        } else {
            while (v < n && strchr(" \t,;&", s[v]) == NULL)
                v++;
            mput(b, MASK, strlen(MASK));
            i = v;
        }
    }
}

static bool auth_header(const char *s, size_t n)
{
    size_t c = 0;

    while (c < n && s[c] != ':')
        c++;
    if (c == n)
        return false;
    while (c > 0 && (s[c - 1] == ' ' || s[c - 1] == '\t'))
        c--;
    return ieq(s, c, "Authorization") || ieq(s, c, "Proxy-Authorization") ||
           ieq(s, c, "Authentication-Info") || ieq(s, c, "Proxy-Authentication-Info");
}

size_t report_html_mask(const char *in, size_t n, char *out, size_t cap)
{
    struct mbuf b = { out, 0, cap };
    bool auth = false, body = false, first = true;
    size_t ls = 0;

    while (ls < n && b.len < b.cap) {
        size_t le = ls, end;
        while (le < n && in[le] != '\n')
            le++;
        end = le;
        if (end > ls && in[end - 1] == '\r')
            end--;
        if (!body) {
            if (end == ls && !first)
                body = true, auth = false;
            else if (in[ls] != ' ' && in[ls] != '\t')
                auth = auth_header(in + ls, end - ls);
            /* a folded line (leading SP/HT) continues the header before it */
        }
        mask_line(&b, in + ls, end - ls, auth && !body);
        mput(&b, in + end, le - end);   /* the CR, if any */
        if (le < n)
            mput(&b, "\n", 1);
        ls = le + 1;
        first = false;
    }
    return b.len;
}

/* ---- page model ---- */

struct page {
    FILE *f;
    const struct snapshot *s;
    struct ladder_index idx;    /* evidence frame -> kept dialog */
    uint32_t *ladder_of;        /* dialog index -> ladder number, 0 = not drawn */
    size_t n_ladders;           /* drawn */
    size_t ladders_cut;         /* evidence dialogs not drawn: HTML_MAX_LADDERS */
    size_t raw_used, raw_cut;   /* message text shown; messages whose text the budget cut */
    char *mbuf;                 /* HTML_MAX_RAW * 2 (a masked value may grow) */
};

static int page_index(struct page *pg)
{
    const struct snapshot *s = pg->s;

    pg->ladder_of = calloc(s->n_dialogs ? s->n_dialogs : 1, sizeof(*pg->ladder_of));
    pg->mbuf = malloc(HTML_MAX_RAW * 2);
    if (ladder_index_init(&pg->idx, s) != 0 || !pg->ladder_of || !pg->mbuf)
        return ERR_NOMEM;
    return 0;
}

/* ---- page parts ---- */

static const char css[] =
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--dim:#59636e;--line:#d1d9e0;"
    "--card:#f6f8fa;--crit:#a40e26;--err:#cf222e;--warn:#9a6700;--info:#0969da;--ok:#1a7f37}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--dim:#9198a1;"
    "--line:#3d444d;--card:#151b23;--crit:#ff6a69;--err:#ff7b72;--warn:#d29922;"
    "--info:#4493f8;--ok:#3fb950}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:72rem;padding:1rem;background:var(--bg);color:var(--fg);"
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "overflow-wrap:anywhere}\n"
    "h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:1px solid var(--line);"
    "padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem;margin:.4rem 0}\n"
    "a{color:var(--info)}code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,"
    "Consolas,monospace;font-size:.85rem}\n"
    ".meta{color:var(--dim);margin:.2rem 0}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-left:4px solid "
    "var(--line);border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}\n"
    ".sev-critical{border-left-color:var(--crit)}.sev-error{border-left-color:var(--err)}"
    ".sev-warning{border-left-color:var(--warn)}.sev-info{border-left-color:var(--info)}\n"
    ".badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;"
    "font-weight:600;color:#fff;background:var(--dim);vertical-align:middle}\n"
    ".b-critical{background:var(--crit)}.b-error{background:var(--err)}"
    ".b-warning{background:var(--warn)}.b-info{background:var(--info)}\n"
    ".verdict{font-size:1.1rem;font-weight:600}.healthy{color:var(--ok);font-weight:600}\n"
    ".tw{overflow-x:auto}table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}"
    "th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;"
    "vertical-align:top}th{background:var(--card);overflow-wrap:normal}td.n{text-align:right;"
    "overflow-wrap:normal;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    "figure{margin:1rem 0;border:1px solid var(--line);border-radius:6px;padding:.5rem}"
    "figcaption{font-weight:600;margin-bottom:.3rem}\n"
    ".ladder{overflow-x:auto}.ladder svg{display:block}\n"
    "svg text{fill:var(--fg);font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "monospace}svg .role{font-weight:700}svg .dim{fill:var(--dim)}\n"
    "svg .life{stroke:var(--line);stroke-width:2}svg .arr line,svg .arr path{stroke:var(--fg);"
    "stroke-width:1.4;fill:none}svg .arr polygon{fill:var(--fg)}\n"
    "svg .ch line,svg .ch path{stroke:var(--warn)}svg .ch polygon,svg .ch text{fill:var(--warn)}\n"
    "svg .fail line,svg .fail path{stroke:var(--err)}svg .fail polygon,svg .fail text"
    "{fill:var(--err)}\n"
    "svg .ok line{stroke:var(--ok)}svg .ok polygon,svg .ok text{fill:var(--ok)}\n"
    "svg .final line{stroke-width:3}svg .final text{font-weight:700}\n"
    "svg .rtx line,svg .rtx path{stroke-dasharray:5 4}svg .rtx text{font-style:italic}\n"
    "svg .ev{fill:var(--info)}svg a:hover text{text-decoration:underline}\n"
    "svg .band rect{fill:var(--ok);fill-opacity:.18;stroke:var(--ok);stroke-width:1.2}"
    "svg .band polygon{fill:var(--ok)}svg .band.lossy rect{fill:var(--warn);stroke:var(--warn)}"
    "svg .band.lossy polygon{fill:var(--warn)}\n"
    "details{border-top:1px solid var(--line);padding:.15rem 0}summary{cursor:pointer}\n"
    "details pre{background:var(--card);padding:.5rem;overflow-x:auto;white-space:pre-wrap;"
    "margin:.3rem 0}\n"
    ".mk{font-size:.8rem;border-radius:3px;padding:0 .3rem;margin-left:.3rem;"
    "border:1px solid currentColor}.mk-ch{color:var(--warn)}.mk-fail{color:var(--err)}"
    ".mk-rtx{color:var(--dim)}.mk-ev{color:var(--info)}\n"
    ".dim{color:var(--dim)}dl.kv{display:grid;grid-template-columns:max-content 1fr;"
    "gap:.1rem .8rem;margin:.3rem 0}dl.kv dt{color:var(--dim)}dl.kv dd{margin:0}\n"
    "@media (max-width:40rem){body{padding:.5rem;font-size:14px}dl.kv{grid-template-columns:1fr}"
    "dl.kv dd{margin-bottom:.3rem}}\n"
    "@media print{body{max-width:none;font-size:10pt;padding:0}a{color:inherit;"
    "text-decoration:none}.ladder{overflow:visible}.ladder svg{max-width:100%;height:auto}"
    "figure,.card,tr{break-inside:avoid}details::details-content{content-visibility:visible;"
    "display:block}details pre{white-space:pre-wrap}}\n";

static const char *sev_class(enum severity s)
{
    static const char *n[] = { "info", "warning", "error", "critical" };
    return n[(unsigned)s & 3];
}

static void dur(FILE *f, int64_t a, int64_t b)
{
    int64_t d = b > a && a > 0 ? (b - a) / 1000 : 0;     /* ms */

    if (d >= 3600000)
        fprintf(f, "%lldh %02lldm", (long long)(d / 3600000), (long long)(d / 60000 % 60));
    else if (d >= 60000)
        fprintf(f, "%lldm %02llds", (long long)(d / 60000), (long long)(d / 1000 % 60));
    else
        fprintf(f, "%lld.%03llds", (long long)(d / 1000), (long long)(d % 1000));
}

/* The generation stamp: now, or SOURCE_DATE_EPOCH for reproducible pages. */
static int64_t gen_us(void)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");

    if (e != NULL && *e != '\0') {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (*end == '\0' && v > 0)
            return (int64_t)v * 1000000;
    }
    return (int64_t)time(NULL) * 1000000;
}

static void head(struct page *pg)
{
    FILE *f = pg->f;
    const struct run_info *r = &pg->s->run;
    const char *src = r->source ? r->source : "-";
    char a[40], b[40], g[40];

    report_time_utc(gen_us(), g, sizeof(g));
    g[19] = '\0';      /* whole seconds: "2026-11-25 09:47:17" */
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light dark\">\n"
          "<meta name=\"generator\" content=\"sipscope\">\n<title>SIP diagnosis: ", f);
    esc(f, src);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>SIP diagnosis: ",
            css);
    esc(f, src);
    fprintf(f, "</h1>\n<p class=\"meta\" id=\"span\">Capture <b>");
    esc(f, src);
    fprintf(f, "</b>%s: <time>%s</time> to <time>%s</time> UTC (", r->live ? " (live)" : "",
            report_time_utc(r->first_ts_us, a, sizeof(a)),
            report_time_utc(r->last_ts_us, b, sizeof(b)));
    dur(f, r->first_ts_us, r->last_ts_us);
    fprintf(f, "), %llu packets, %llu SIP messages.</p>\n"
               "<p class=\"meta\" id=\"generated\">Generated <time>%s</time> UTC by sipscope. "
               "%s</p>\n</header>\n",
            (unsigned long long)r->packets, (unsigned long long)r->sip_messages,
            g, report_frames_note(r));
    {
        /* lost state is said before anything that may rest on it */
        char inc[512];
        if (report_incomplete(pg->s, inc, sizeof(inc))) {
            fputs("<p class=\"card sev-warning\" id=\"incomplete\">", f);
            esc(f, inc);
            fputs("</p>\n", f);
        }
    }
}

static void ev_frames(struct page *pg, const struct snap_finding *x, size_t fi)
{
    FILE *f = pg->f;

    fputs("<p><b>Evidence</b>: ", f);
    for (uint32_t k = 0; k < x->n_evidence && k < SNAP_MAX_EVIDENCE; k++) {
        const struct snap_evidence *e = &x->evidence[k];
        fprintf(f, "%s<a href=\"#f%zu-e%u\">frame %llu</a> (", k ? ", " : "", fi, k,
                (unsigned long long)e->frame);
        esc(f, e->role);
        fputc(')', f);
    }
    if (x->n_evidence == 0)
        fputs("none kept", f);
    fputs("</p>\n", f);
}

static void list(FILE *f, const char *title, const char (*items)[SNAP_TEXT], uint32_t n,
                 uint32_t max, bool ordered)
{
    if (n > max)
        n = max;
    if (n == 0)
        return;
    fprintf(f, "<p><b>%s</b></p>\n<%s>\n", title, ordered ? "ol" : "ul");
    for (uint32_t i = 0; i < n; i++) {
        fputs("<li>", f);
        esc(f, items[i]);
        fputs("</li>\n", f);
    }
    fprintf(f, "</%s>\n", ordered ? "ol" : "ul");
}

/* Position (0-based) of the finding with this stable id, -1 if none. */
static long finding_pos(const struct snapshot *s, const char *id)
{
    if (id[0] == '\0')
        return -1;
    for (size_t i = 0; i < s->n_findings; i++)
        if (strncmp(s->findings[i].id, id, SNAP_ID) == 0)
            return (long)i;
    return -1;
}

/* A finding id, linked to its section when the page shows it. */
static void id_link(FILE *f, const struct snapshot *s, const char *id)
{
    char v[SNAP_ID + 1];
    long i = finding_pos(s, id);

    memcpy(v, id, SNAP_ID);
    v[SNAP_ID] = '\0';
    if (i >= 0 && i < HTML_MAX_FINDINGS) {
        fprintf(f, "<a href=\"#f%ld\">", i + 1);
        esc(f, v);
        fputs("</a>", f);
    } else {
        esc(f, v);
    }
}

static void id_links(FILE *f, const struct snapshot *s, const char (*ids)[SNAP_ID], uint32_t n)
{
    for (uint32_t k = 0; k < n && k < SNAP_MAX_EXPLAINS; k++) {
        fputs(k ? ", " : "", f);
        id_link(f, s, ids[k]);
    }
}

/* One root cause of snapshot.diagnosis (computed by the diagnosis stage,
 * only drawn here): what it is about, the verdict, the root-cause
 * finding's evidence and likely causes, what was ruled out and why, the
 * fix. */
static void diag_card(struct page *pg, const struct snap_diagnosis *d, size_t n)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    long fi = finding_pos(s, d->finding);
    const struct snap_finding *x = fi >= 0 ? &s->findings[fi] : NULL;
    uint32_t nr = d->n_ruled_out < SNAP_MAX_RULED_OUT ? d->n_ruled_out : SNAP_MAX_RULED_OUT;

    fprintf(f, "<div id=\"dg%zu\" class=\"card sev-%s rootcause\">\n<h3><span class=\"badge "
               "b-%s\">%s</span> ", n, sev_class(d->severity), sev_class(d->severity),
            severity_name(d->severity));
    esc(f, d->role[0] ? d->role : "root cause");
    fputs(": ", f);
    esc(f, d->trunk);
    fputs("</h3>\n<p class=\"verdict\">", f);
    esc(f, d->summary);
    fputs("</p>\n<dl class=\"kv\"><dt>root cause</dt><dd>", f);
    esc(f, kind_name(d->root_cause)[0] ? kind_name(d->root_cause) : "-");
    if (d->finding[0]) {
        fputs(" (", f);
        id_link(f, s, d->finding);
        fputs(")", f);
    }
    fputs("</dd>", f);
    if (d->confidence[0]) {
        fputs("<dt>confidence</dt><dd>", f);
        esc(f, d->confidence);
        fputs("</dd>", f);
    }
    if (d->n_explains > 0) {
        fputs("<dt>explains</dt><dd>", f);
        id_links(f, s, d->explains, d->n_explains);
        fputs("</dd>", f);
    }
    fputs("</dl>\n", f);
    if (x != NULL) {
        ev_frames(pg, x, (size_t)fi + 1);
        list(f, "Likely causes (most likely first)", x->causes, x->n_causes, SNAP_MAX_CAUSES,
             true);
    }
    if (nr > 0) {
        fputs("<p><b>Ruled out</b></p>\n<ul class=\"ruled-out\">\n", f);
        for (uint32_t k = 0; k < nr; k++) {
            fputs("<li><b>", f);
            esc(f, d->ruled_out[k].cause);
            fputs("</b>: ", f);
            esc(f, d->ruled_out[k].why);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    if (d->fix[0]) {
        fputs("<p><b>Fix</b></p>\n<p class=\"fix\">", f);
        esc(f, d->fix);
        fputs("</p>\n", f);
    } else if (x != NULL) {
        list(f, "Fix", x->fix, x->n_fix, SNAP_MAX_FIX, false);
    }
    fputs("</div>\n", f);
}

/* Without a diagnosis from the producer (an older snapshot): the findings
 * that lead the page are those of severity warning or worse, at most
 * three (the findings are sorted worst first). */
#define DIAG_TOP 3

static void diagnosis(struct page *pg)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    size_t shown = 0, top = 0;
    size_t nd = s->n_diagnosis < SNAP_MAX_DIAGNOSIS ? s->n_diagnosis : SNAP_MAX_DIAGNOSIS;

    fputs("<section id=\"diagnosis\">\n<h2>Diagnosis</h2>\n", f);
    if (nd > 0) {
        for (size_t i = 0; i < nd; i++)
            diag_card(pg, &s->diagnosis[i], i + 1);
        fputs("</section>\n", f);
        return;
    }
    for (size_t i = 0; i < s->n_peers && shown < HTML_MAX_PEERS; i++) {
        const char *v = report_peer_verdict(&s->peers[i]);
        if (v[0] == '\0')
            continue;
        fputs(shown == 0 ? "<ul class=\"verdicts\">\n" : "", f);
        fputs("<li class=\"verdict\">", f);
        esc(f, v);
        fputs("</li>\n", f);
        shown++;
    }
    if (shown > 0)
        fputs("</ul>\n", f);
    for (size_t i = 0; i < s->n_findings && top < DIAG_TOP; i++) {
        const struct snap_finding *x = &s->findings[i];
        if (x->severity < SEV_WARNING)
            break;
        if (shown == 0 && top == 0) {
            fputs("<p class=\"verdict\">", f);
            esc(f, x->summary);
            fputs("</p>\n", f);
        }
        fprintf(f, "<div class=\"card sev-%s rootcause\">\n<h3>Root cause <span class=\"badge "
                   "b-%s\">%s</span> <a href=\"#f%zu\">", sev_class(x->severity),
                sev_class(x->severity), severity_name(x->severity), i + 1);
        esc(f, x->kind);
        fputs("</a></h3>\n<p>", f);
        esc(f, x->summary);
        fputs("</p>\n", f);
        ev_frames(pg, x, i + 1);
        list(f, "Likely causes (most likely first)", x->causes, x->n_causes, SNAP_MAX_CAUSES,
             true);
        list(f, "Fix", x->fix, x->n_fix, SNAP_MAX_FIX, false);
        fputs("</div>\n", f);
        top++;
    }
    if (shown == 0 && top == 0)
        fprintf(f, "<p class=\"healthy\">No problem found: %zu peer(s), %llu SIP message(s), "
                   "nothing of severity warning or worse.</p>\n",
                s->n_peers, (unsigned long long)s->run.sip_messages);
    fputs("</section>\n", f);
}

/* ---- SVG ladder ---- */

#define SVG_GUTTER 150      /* time and frame */
#define SVG_COL 230         /* between two columns */
#define SVG_HEAD 50
#define SVG_ROW 30
#define SVG_NOTES 270       /* room right of the last column */
#define LABEL_MAX 28        /* characters of a label drawn on an arrow */

static int svg_x(size_t c)
{
    return SVG_GUTTER + 70 + (int)c * SVG_COL;
}

/* A label cut to LABEL_MAX characters, on a UTF-8 boundary. */
static size_t label_cut(const char *s)
{
    size_t n = 0, chars = 0;

    while (s[n] != '\0' && chars < LABEL_MAX) {
        n++;
        while (((unsigned char)s[n] & 0xc0) == 0x80)
            n++;
        chars++;
    }
    return n;
}

static bool frame_is_evidence(const struct snap_finding *x, uint64_t frame, uint32_t *k)
{
    for (uint32_t i = 0; i < x->n_evidence && i < SNAP_MAX_EVIDENCE; i++)
        if (x->evidence[i].frame == frame) {
            *k = i;
            return true;
        }
    return false;
}

static const char *note_of(unsigned m)
{
    if (m & LADDER_RETRANS)
        return "retransmission";
    if (m & LADDER_CHALLENGE)
        return "challenge";
    if (m & LADDER_FINAL_FAIL)
        return "failing answer";
    if (m & LADDER_FAILURE)
        return "rejected";
    return "";
}

/* Rows of a media band: its addresses above, the band with its figures. */
#define SVG_BAND 44

/* Bands drawn with the first nshow messages: those before message nshow,
 * and when every message is drawn, those after the last. */
static size_t bands_shown(const struct ladder *l, size_t nshow)
{
    size_t n = 0;
    while (n < l->n_band && (l->band[n].at < nshow || nshow == l->n_msg))
        n++;
    return n;
}

/* One RTP stream as a band from its sender's column to its receiver's:
 * addresses above it, codec, packets, loss and jitter on it, first and last
 * packet right of the ladder; the whole line as its tooltip. */
static void svg_band(FILE *f, const struct ladder *l, const struct ladder_band *b, int y,
                     size_t ncol)
{
    const struct snap_media *m = b->m;
    int xa = svg_x(b->ca), xb = svg_x(b->cb), lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
    int dir = xb > xa ? 1 : -1;
    char sa[64], da[64], t[200], a[40], c[40];
    bool lossy = m->lost > 0 && m->expected > 0 && m->lost * 100 >= m->expected;

    (void)l;
    report_endpoint(&m->src, sa, sizeof(sa));
    report_endpoint(&m->dst, da, sizeof(da));
    fprintf(f, "<g class=\"band%s\"><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
               "class=\"dim\">", lossy ? " lossy" : "", (lo + hi) / 2, y);
    esc(f, sa);
    fputs(" &#8594; ", f);
    esc(f, da);
    fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" rx=\"3\"/>"
               "<polygon points=\"%d,%d %d,%d %d,%d\"/>", lo + 2, y + 6, hi - lo - 4,
            xb - dir * 2, y + 14, xb - dir * 10, y + 8, xb - dir * 10, y + 20);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">RTP ", (lo + hi) / 2, y + 18);
    if (m->codec[0] != '\0')
        esc(f, m->codec);
    else
        fprintf(f, "PT %u", (unsigned)m->payload_type);
    fprintf(f, " %llu pkt, %lld lost, %.2f ms</text><title>", (unsigned long long)m->packets,
            (long long)m->lost, m->jitter_ms);
    esc(f, ladder_band_text(m, t, sizeof(t)));
    fputs("</title></g>", f);
    report_time_utc(m->first_us, a, sizeof(a));
    report_time_utc(m->last_us, c, sizeof(c));
    a[23 < sizeof(a) ? 23 : 0] = '\0';
    c[23 < sizeof(c) ? 23 : 0] = '\0';
    fprintf(f, "<text x=\"4\" y=\"%d\" class=\"dim\">%s</text><text x=\"104\" y=\"%d\">"
               "#%llu</text>", y + 18, strlen(a) > 11 ? a + 11 : a, y + 18,
            (unsigned long long)m->first_frame);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"dim\">%s..%s</text>\n", svg_x(ncol - 1) + 10,
            y + 18, strlen(a) > 11 ? a + 11 : a, strlen(c) > 11 ? c + 11 : c);
}

static void svg(struct page *pg, const struct ladder *l, size_t ln, size_t nshow,
                const struct snap_finding *x)
{
    FILE *f = pg->f;
    size_t ncol = l->n_col < 2 ? 2 : l->n_col, nb = 0, nband = bands_shown(l, nshow);
    int w = svg_x(ncol - 1) + SVG_NOTES;
    int h = SVG_HEAD + SVG_ROW * (int)nshow + SVG_BAND * (int)nband + 12, yb = 0;
    char a[40], ep[64];

    fprintf(f, "<div class=\"ladder\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"d%zu-t\">"
               "<title id=\"d%zu-t\">Call flow %zu</title>\n", w, h, w, h, ln, ln, ln);
    fprintf(f, "<text x=\"4\" y=\"16\" class=\"role\">time (UTC)</text>"
               "<text x=\"104\" y=\"16\" class=\"role\">frame</text>\n");
    for (size_t c = 0; c < ncol; c++) {
        int x0 = svg_x(c);
        fprintf(f, "<text x=\"%d\" y=\"16\" text-anchor=\"middle\" class=\"role\">", x0);
        esc(f, c < l->n_col ? l->role[c] : "-");
        if (c + 1 == l->n_col && l->more_cols)
            fprintf(f, " (+%zu)", l->more_cols);
        fprintf(f, "</text><text x=\"%d\" y=\"32\" text-anchor=\"middle\" class=\"dim\">%s"
                   "</text>\n", x0, c < l->n_col ? report_endpoint(&l->col[c], ep, sizeof(ep))
                                                 : "");
        fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\"/>\n", x0, x0,
                h - 4);
    }
    for (size_t i = 0; i <= nshow; i++) {
        while (nb < nband && l->band[nb].at <= i) {
            svg_band(f, l, &l->band[nb++], SVG_HEAD + SVG_ROW * (int)i + yb + 10, ncol);
            yb += SVG_BAND;
        }
        if (i == nshow)
            break;
        const struct snap_msg *m = &l->msg[i];
        unsigned mk = ladder_marks(l, pg->s, i);
        size_t ca = ladder_column(l, &m->src), cb = ladder_column(l, &m->dst);
        int y = SVG_HEAD + SVG_ROW * (int)i + yb + 18, xa = svg_x(ca), xb = svg_x(cb);
        uint32_t ek = 0;
        bool ev = x != NULL && frame_is_evidence(x, m->frame, &ek);
        const char *cls = (mk & LADDER_CHALLENGE) ? " ch"
                          : (mk & (LADDER_FAILURE | LADDER_FINAL_FAIL)) ? " fail"
                          : (mk & LADDER_OK) ? " ok" : "";

        report_time_utc(m->ts_us, a, sizeof(a));
        /* "2026-11-25 09:47:17.123456" → "09:47:17.123" */
        a[23 < sizeof(a) ? 23 : 0] = '\0';
        fprintf(f, "<text x=\"4\" y=\"%d\" class=\"dim\">%s</text><text x=\"104\" y=\"%d\"%s>"
                   "#%llu</text>\n", y, strlen(a) > 11 ? a + 11 : a, y, ev ? " class=\"ev\"" : "",
                (unsigned long long)m->frame);
        fprintf(f, "<a href=\"#m%zu-%zu\"><g class=\"arr%s%s%s\">", ln, i, cls,
                (mk & LADDER_FINAL_FAIL) ? " final" : "", (mk & LADDER_RETRANS) ? " rtx" : "");
        if (ca == cb) {
            fprintf(f, "<path d=\"M%d %d h28 v10 h-24\"/><polygon points=\"%d,%d %d,%d %d,%d\"/>"
                       "<text x=\"%d\" y=\"%d\">", xa, y - 8, xa, y + 2, xa + 8, y - 2, xa + 8,
                    y + 6, xa + 34, y);
        } else {
            int dir = xb > xa ? 1 : -1;
            fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                       "<polygon points=\"%d,%d %d,%d %d,%d\"/>"
                       "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                    xa, y, xb - dir * 2, y, xb - dir, y, xb - dir * 10, y - 4, xb - dir * 10,
                    y + 4, (xa + xb) / 2, y - 5);
        }
        report_html_escape(f, m->label, label_cut(m->label), 0);
        fprintf(f, "</text><title>frame %llu: ", (unsigned long long)m->frame);
        esc(f, m->label);
        fputs("</title></g></a>", f);
        if (note_of(mk)[0] != '\0' || ev) {
            fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"%s\">", svg_x(ncol - 1) + 10, y,
                    ev ? "ev" : "dim");
            fputs(note_of(mk), f);
            /* the evidence role, unless it says the same ("challenge") */
            if (ev && strcmp(note_of(mk), x->evidence[ek].role) != 0) {
                fputs(note_of(mk)[0] ? "; " : "", f);
                esc(f, x->evidence[ek].role);
            }
            fputs("</text>", f);
        }
        fputc('\n', f);
    }
    fputs("</svg></div>\n", f);
}

static void message_details(struct page *pg, const struct ladder *l, size_t ln, size_t i,
                            const struct snap_finding *x)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    const struct snap_msg *m = &l->msg[i];
    unsigned mk = ladder_marks(l, s, i);
    char a[40], sa[64], da[64];
    uint32_t ek = 0;

    fprintf(f, "<details id=\"m%zu-%zu\"><summary><span class=\"mono\">frame %llu</span> %s "
               "%s &#8594; %s <b>", ln, i, (unsigned long long)m->frame,
            report_time_utc(m->ts_us, a, sizeof(a)), report_endpoint(&m->src, sa, sizeof(sa)),
            report_endpoint(&m->dst, da, sizeof(da)));
    esc(f, m->label);
    fprintf(f, "</b> <span class=\"dim\">%s</span>", transport_name(m->transport));
    if (mk & LADDER_CHALLENGE)
        fputs("<span class=\"mk mk-ch\">challenge</span>", f);
    if (mk & LADDER_FINAL_FAIL)
        fputs("<span class=\"mk mk-fail\">failing answer</span>", f);
    else if (mk & LADDER_FAILURE)
        fputs("<span class=\"mk mk-fail\">rejected</span>", f);
    if (mk & LADDER_RETRANS)
        fputs("<span class=\"mk mk-rtx\">retransmission</span>", f);
    if (x != NULL && frame_is_evidence(x, m->frame, &ek)) {
        fputs("<span class=\"mk mk-ev\">evidence: ", f);
        esc(f, x->evidence[ek].role);
        fputs("</span>", f);
    }
    fputs("</summary>\n", f);
    if (m->raw_len == 0 || (size_t)m->raw_off > s->raw_len ||
        m->raw_len > s->raw_len - m->raw_off) {
        fputs("<p class=\"dim\">The message text was not kept (only the summary line above); "
              "raise --cap messages_kept to keep more.</p>", f);
    } else if (pg->raw_used >= HTML_RAW_BUDGET) {
        pg->raw_cut++;
        fputs("<p class=\"dim\">Text left out: the page's message-text budget is spent.</p>", f);
    } else {
        size_t n = m->raw_len > HTML_MAX_RAW ? HTML_MAX_RAW : m->raw_len;
        size_t ml = report_html_mask(s->raw + m->raw_off, n, pg->mbuf, HTML_MAX_RAW * 2);
        pg->raw_used += ml;
        fputs("<pre>", f);
        report_html_escape(f, pg->mbuf, ml, 1);
        fputs("</pre>", f);
        if (n < m->raw_len)
            fprintf(f, "<p class=\"dim\">%u more bytes not shown.</p>", (unsigned)(m->raw_len - n));
    }
    fputs("</details>\n", f);
}

static void ladder_figure(struct page *pg, uint32_t di, const struct snap_finding *x)
{
    FILE *f = pg->f;
    const struct snap_dialog *d = &pg->s->dialogs[di];
    struct ladder l;
    size_t ln = ++pg->n_ladders, nshow;

    pg->ladder_of[di] = (uint32_t)ln;
    ladder_build(&l, pg->s, d);
    nshow = l.n_msg > HTML_MAX_ARROWS ? HTML_MAX_ARROWS : l.n_msg;
    fprintf(f, "<figure id=\"d%zu\" class=\"flow\">\n<figcaption>Call flow %zu: ", ln, ln);
    esc(f, d->method);
    fputs(" <code>", f);
    esc(f, d->call_id);
    fputs("</code> &#8212; ", f);
    esc(f, d->state);
    fputs("</figcaption>\n<p class=\"meta\">from ", f);
    esc(f, d->from);
    fputs(" to ", f);
    esc(f, d->to);
    fputs("</p>\n", f);
    if (l.mcall != NULL) {
        fprintf(f, "<p class=\"meta\">media: <b>%s</b>, %zu RTP stream(s) drawn as bands",
                l.mcall->verdict, l.n_band);
        if (l.more_bands)
            fprintf(f, " (%zu more not drawn)", l.more_bands);
        if (l.mcall->note[0] != '\0') {
            fputs("; ", f);
            esc(f, l.mcall->note);
        }
        fputs("</p>\n", f);
    }
    svg(pg, &l, ln, nshow, x);
    if (l.n_msg > nshow)
        fprintf(f, "<p class=\"dim\">%zu more message(s) of this dialog are not drawn "
                   "(sipscope --ladder on the capture prints them all).</p>\n", l.n_msg - nshow);
    fputs("<div class=\"msgs\">\n", f);
    for (size_t i = 0; i < nshow; i++)
        message_details(pg, &l, ln, i, x);
    fputs("</div>\n</figure>\n", f);
}

/* A population finding (one finding about many users, phones or sources):
 * how many, how many a budget could not count, the worst members; and the
 * accounts an attack targeted. Part of the finding's <dl>. */
static void population(FILE *f, const struct snap_finding *x)
{
    uint32_t ns = x->n_sample < SNAP_MAX_SAMPLE ? x->n_sample : SNAP_MAX_SAMPLE;
    uint32_t nt = x->n_targets < SNAP_MAX_TARGETS ? x->n_targets : SNAP_MAX_TARGETS;

    if (x->population[0]) {
        fprintf(f, "<dt>population</dt><dd class=\"population\">%llu ",
                (unsigned long long)x->n_members);
        esc(f, x->population);
        if (x->members_dropped)
            fprintf(f, " (and %llu more a budget could not count)",
                    (unsigned long long)x->members_dropped);
        fputs("</dd>", f);
    }
    if (ns > 0) {
        fputs("<dt>most attempts</dt><dd>", f);
        for (uint32_t k = 0; k < ns; k++) {
            fputs(k ? ", " : "", f);
            esc(f, x->sample[k].name);
            fprintf(f, " (%llu)", (unsigned long long)x->sample[k].count);
        }
        if (x->n_members > ns)
            fprintf(f, " and %llu more", (unsigned long long)(x->n_members - ns));
        fputs("</dd>", f);
    }
    if (nt > 0) {
        fputs("<dt>accounts targeted</dt><dd>", f);
        for (uint32_t k = 0; k < nt; k++) {
            fputs(k ? ", " : "", f);
            esc(f, x->targets[k]);
        }
        fputs("</dd>", f);
    }
}

static void finding(struct page *pg, const struct snap_finding *x, size_t n)
{
    FILE *f = pg->f;
    char a[40], b[40];
    uint32_t seen[SNAP_MAX_EVIDENCE];
    size_t nseen = 0, missing = 0;
    uint32_t ne = x->n_evidence < SNAP_MAX_EVIDENCE ? x->n_evidence : SNAP_MAX_EVIDENCE;

    fprintf(f, "<article id=\"f%zu\" class=\"card sev-%s finding\">\n<h3>%zu. <span "
               "class=\"badge b-%s\">%s</span> ", n, sev_class(x->severity), n,
            sev_class(x->severity), severity_name(x->severity));
    esc(f, x->kind);
    if (x->id[0]) {
        char id[SNAP_ID + 1];
        memcpy(id, x->id, SNAP_ID);
        id[SNAP_ID] = '\0';
        fputs(" <span class=\"dim fid\">", f);
        esc(f, id);
        fputs("</span>", f);
    }
    fputs("</h3>\n<p>", f);
    esc(f, x->summary);
    fputs("</p>\n<dl class=\"kv\"><dt>entity</dt><dd>", f);
    esc(f, x->entity);
    fputs("</dd>", f);
    if (x->provider[0]) {
        fputs("<dt>provider</dt><dd>", f);
        esc(f, x->provider);
        fputs("</dd>", f);
    }
    fprintf(f, "<dt>seen</dt><dd>%llu time(s), first %s, last %s UTC</dd>",
            (unsigned long long)x->count, report_time_utc(x->first_us, a, sizeof(a)),
            report_time_utc(x->last_us, b, sizeof(b)));
    if (x->explained_by[0]) {
        fputs("<dt>explained by</dt><dd>", f);
        id_link(f, pg->s, x->explained_by);
        fputs("</dd>", f);
    }
    if (x->n_explains > 0) {
        fputs("<dt>explains</dt><dd>", f);
        id_links(f, pg->s, x->explains, x->n_explains);
        fputs("</dd>", f);
    }
    population(f, x);
    fputs("</dl>\n", f);
    if (ne > 0) {
        fputs("<div class=\"tw\"><table class=\"ev\"><thead><tr><th>frame</th><th>time (UTC)"
              "</th><th>role</th><th>message</th></tr></thead><tbody>\n", f);
        for (uint32_t k = 0; k < ne; k++) {
            const struct snap_evidence *e = &x->evidence[k];
            fprintf(f, "<tr id=\"f%zu-e%u\"><td class=\"n frame\">%llu</td><td>%s</td><td>", n,
                    k, (unsigned long long)e->frame, report_time_utc(e->ts_us, a, sizeof(a)));
            esc(f, e->role);
            fputs("</td><td class=\"mono\">", f);
            esc(f, e->line);
            fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table></div>\n", f);
    }
    list(f, "Likely causes (most likely first)", x->causes, x->n_causes, SNAP_MAX_CAUSES, true);
    list(f, "Fix", x->fix, x->n_fix, SNAP_MAX_FIX, false);

    /* the evidence dialogs, each drawn once on the page */
    for (uint32_t k = 0; k < ne; k++) {
        uint32_t di = ladder_dialog_of_frame(&pg->idx, x->evidence[k].frame);
        bool dup = false;
        if (di == LADDER_NO_DIALOG) {
            missing++;
            continue;
        }
        for (size_t j = 0; j < nseen && !dup; j++)
            dup = seen[j] == di;
        if (dup)
            continue;
        seen[nseen++] = di;
        if (pg->ladder_of[di] != 0) {
            fprintf(f, "<p>Call flow of <code>");
            esc(f, pg->s->dialogs[di].call_id);
            fprintf(f, "</code>: <a href=\"#d%u\">call flow %u</a> above.</p>\n",
                    pg->ladder_of[di], pg->ladder_of[di]);
        } else if (pg->n_ladders >= HTML_MAX_LADDERS) {
            pg->ladders_cut++;
        } else {
            ladder_figure(pg, di, x);
        }
    }
    if (missing > 0)
        fprintf(f, "<p class=\"dim\">%zu evidence frame(s) are in no kept dialog, so no call "
                   "flow is drawn for them (raise --cap messages_kept or --cap dialogs).</p>\n",
                missing);
    fputs("</article>\n", f);
}

static bool media_bad(const struct snap_media_call *c)
{
    return strcmp(c->verdict, "one-way") == 0 || strcmp(c->verdict, "no media") == 0;
}

static void stream_row(FILE *f, const struct snap_media *m)
{
    char sa[64], da[64], a[40], b[40];

    fputs("<tr><td class=\"mono\">", f);
    esc(f, report_endpoint(&m->src, sa, sizeof(sa)));
    fputs(" &#8594; ", f);
    esc(f, report_endpoint(&m->dst, da, sizeof(da)));
    fprintf(f, "</td><td>%s</td><td class=\"mono\">0x%08x</td><td>", m->direction,
            (unsigned)m->ssrc);
    if (m->codec[0] != '\0')
        esc(f, m->codec);
    fprintf(f, " (PT %u)</td><td class=\"n\">%llu</td><td class=\"n\">%lld (%.1f%%)</td>"
               "<td class=\"n\">%.2f / %.2f</td><td>%s .. %s</td></tr>\n",
            (unsigned)m->payload_type, (unsigned long long)m->packets, (long long)m->lost,
            m->expected > 0 ? 100.0 * (double)m->lost / (double)m->expected : 0.0,
            m->jitter_ms, m->jitter_max_ms, report_time_utc(m->first_us, a, sizeof(a)),
            report_time_utc(m->last_us, b, sizeof(b)));
}

/* Media per call: verdict, note (NAT evidence, what the capture can show),
 * the SDP of each side and each RTP stream; calls with bad audio first. */
static void media(struct page *pg)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    static const char *const side[2] = { "caller", "callee" };
    char ep[64];
    size_t shown = 0, nh = 0;

    if (s->n_media_calls == 0 && s->n_media == 0)
        return;
    fprintf(f, "<section id=\"media\">\n<h2>Media (%zu call(s) with SDP, %zu RTP stream(s))"
               "</h2>\n", s->n_media_calls, s->n_media);
    for (size_t n = 0; n < 2 * s->n_media_calls && shown < HTML_MAX_MEDIA_CALLS; n++) {
        const struct snap_media_call *c = &s->media_calls[n % s->n_media_calls];
        bool bad = media_bad(c);
        if (bad != (n < s->n_media_calls))
            continue;
        shown++;
        fputs("<div class=\"card media-call\"><h3>call <code>", f);
        esc(f, c->call_id);
        fprintf(f, "</code>: <span class=\"%s\">%s</span></h3>\n<p class=\"meta\">SDP:",
                bad ? "verdict" : "healthy", c->verdict);
        for (int k = 0; k < 2; k++) {
            fprintf(f, " %s ", side[k]);
            esc(f, c->have_sdp[k] ? report_endpoint(&c->sdp[k], ep, sizeof(ep)) : "none");
            fputs(k == 0 ? "," : "", f);
        }
        fprintf(f, "; RTP to caller %llu, to callee %llu</p>\n",
                (unsigned long long)c->packets_to[0], (unsigned long long)c->packets_to[1]);
        if (c->note[0] != '\0') {
            fputs("<p>", f);
            esc(f, c->note);
            fputs("</p>\n", f);
        }
        fputs("<div class=\"tw\"><table class=\"streams\"><thead><tr><th>stream</th>"
              "<th>direction</th><th>SSRC</th><th>codec</th><th>packets</th><th>lost</th>"
              "<th>jitter ms (last / max)</th><th>first .. last (UTC)</th></tr></thead><tbody>\n",
              f);
        for (size_t j = 0; j < s->n_media; j++)
            if (!s->media[j].heuristic && strcmp(s->media[j].call_id, c->call_id) == 0)
                stream_row(f, &s->media[j]);
        fputs("</tbody></table></div></div>\n", f);
    }
    if (shown < s->n_media_calls)
        fprintf(f, "<p class=\"dim\">%zu more call(s) not listed here (all are in --report json)."
                   "</p>\n", s->n_media_calls - shown);
    for (size_t j = 0; j < s->n_media; j++)
        nh += s->media[j].heuristic;
    if (nh > 0) {
        fprintf(f, "<h3>Heuristic (--rtp-heuristic): %zu stream(s) on ports no SDP announced, in "
                   "no call</h3>\n<div class=\"tw\"><table class=\"streams\"><thead><tr>"
                   "<th>stream</th><th>direction</th><th>SSRC</th><th>codec</th><th>packets</th>"
                   "<th>lost</th><th>jitter ms (last / max)</th><th>first .. last (UTC)</th></tr>"
                   "</thead><tbody>\n", nh);
        for (size_t j = 0, k = 0; j < s->n_media && k < HTML_MAX_MEDIA_CALLS; j++)
            if (s->media[j].heuristic)
                stream_row(f, &s->media[j]), k++;
        fputs("</tbody></table></div>\n", f);
    }
    if (s->media_not_shown || s->media_calls_not_shown)
        fprintf(f, "<p class=\"dim\">%llu stream(s) and %llu call(s) not shown (evicted at --cap "
                   "media_streams / media_calls, or past the report's limit).</p>\n",
                (unsigned long long)s->media_not_shown,
                (unsigned long long)s->media_calls_not_shown);
    fputs("</section>\n", f);
}

/* TLS connections (report_tls.h): one row each, failed first. */
static void tls_table(struct page *pg)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    size_t idx[SNAP_MAX_TLS], n = s->n_tls < SNAP_MAX_TLS ? s->n_tls : SNAP_MAX_TLS;
    char c[64], sv[64], b[640], v[48], off[48], an[24], nb[40], na[40];

    if (n == 0)
        return;
    report_tls_order(s, idx);
    fprintf(f, "<section id=\"tls\">\n<h2>TLS connections (%zu)</h2>\n<div class=\"tw\"><table>"
               "<thead><tr><th>client</th><th>server</th><th>SNI</th><th>offered</th>"
               "<th>chosen</th><th>cipher</th><th>ALPN</th><th>certificate</th><th>alert</th>"
               "<th>result</th><th>decrypted</th></tr></thead><tbody>\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct snap_tls *r = &s->tls[idx[i]];
        fputs("<tr><td>", f);
        esc(f, report_tls_ep(&r->client, c, sizeof(c)));
        fputs("</td><td>", f);
        esc(f, report_tls_ep(&r->server, sv, sizeof(sv)));
        fputs("</td><td>", f);
        esc(f, r->sni[0] ? r->sni : "-");
        snprintf(b, sizeof(b), "%s%s", r->legacy_offer ? "up to " : "",
                 tls_versions_text(r->offered, off, sizeof(off)));
        fputs("</td><td>", f);
        esc(f, b);
        fputs("</td><td>", f);
        esc(f, r->version ? tls_version_name(r->version, v, sizeof(v)) : "-");
        fputs("</td><td>", f);
        esc(f, r->version ? tls_cipher_name(r->cipher, b, sizeof(b)) : "-");
        fputs("</td><td>", f);
        esc(f, r->alpn[0] ? r->alpn : r->alpn_offered[0] ? r->alpn_offered : "-");
        fputs("</td><td>", f);
        if (r->has_cert)
            snprintf(b, sizeof(b), "CN %s, issuer %s, %.10s to %.10s%s%s%s", r->subject, r->issuer,
                     report_time_utc(r->not_before * 1000000, nb, sizeof(nb)),
                     report_time_utc(r->not_after * 1000000, na, sizeof(na)),
                     r->self_signed ? ", self-signed" : "", r->san[0] ? ", names " : "", r->san);
        esc(f, r->has_cert ? b : "-");
        fputs("</td><td>", f);
        if (r->alert)
            snprintf(b, sizeof(b), "%s from the %s",
                     r->alert_encrypted ? "encrypted" : tls_alert_name(r->alert_desc, an, sizeof(an)),
                     r->alert_from == TLS_SIDE_CLIENT ? "client" : "server");
        esc(f, r->alert ? b : "-");
        fprintf(f, "</td><td class=\"%s\">", r->fail ? "verdict" : "healthy");
        esc(f, report_tls_result(r, b, sizeof(b)));
        fputs("</td><td>", f);
        const char *w = report_tls_why_not(r, b, sizeof(b));
        if (w != NULL) {
            fputs("no: ", f);
            esc(f, w);
        } else {
            fprintf(f, "yes (%llu SIP message(s))", (unsigned long long)r->sip_messages);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    if (s->tls_not_shown)
        fprintf(f, "<p class=\"dim\">%llu connection(s) not shown (past the table's %d).</p>\n",
                (unsigned long long)s->tls_not_shown, SNAP_MAX_TLS);
    fputs("</section>\n", f);
}

static void peers(struct page *pg)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    static const char *cls[SNAP_ANSWER_CLASSES] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx",
                                                     "6xx" };
    char a[40], b[40];
    size_t n = s->n_peers > HTML_MAX_PEERS ? HTML_MAX_PEERS : s->n_peers;

    fprintf(f, "<section id=\"peers\">\n<h2>Peers (%zu)</h2>\n", s->n_peers);
    if (s->n_peers == 0) {
        fputs("<p>None.</p>\n</section>\n", f);
        return;
    }
    fputs("<div class=\"tw\"><table><thead><tr><th>peer</th><th>role</th><th>requests</th>"
          "<th>answers</th><th>auth accepted / refused</th><th>keepalive</th>"
          "<th>failures (UTC)</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct snap_peer *p = &s->peers[i];
        bool any = false;
        fputs("<tr><td>", f);
        esc(f, p->name);
        if (p->provider[0]) {
            fputs("<br><span class=\"dim\">provider ", f);
            esc(f, p->provider);
            fputs("</span>", f);
        }
        if (p->geo[0]) {
            fputs("<br><span class=\"dim\">", f);
            esc(f, p->geo);
            fputs("</span>", f);
        }
        fputs("</td><td>", f);
        esc(f, p->role);
        fputs("</td><td>", f);
        for (int m = 0; m < SIP_METHOD_COUNT; m++)
            if (p->requests[m]) {
                fprintf(f, "%s%s&#160;%llu", any ? ", " : "",
                        m ? sip_method_name((enum sip_method)m) : "other",
                        (unsigned long long)p->requests[m]);
                any = true;
            }
        fputs("</td><td>", f);
        any = false;
        for (int c = 1; c <= SNAP_ANSWER_CLASSES; c++) {
            int k = c % SNAP_ANSWER_CLASSES;     /* 1xx..6xx, then unanswered */
            if (p->answers[k]) {
                fprintf(f, "%s%s&#160;%llu", any ? ", " : "", cls[k],
                        (unsigned long long)p->answers[k]);
                any = true;
            }
        }
        fprintf(f, "</td><td class=\"n\">%llu / %llu</td><td>", (unsigned long long)p->auth_ok,
                (unsigned long long)p->auth_failed);
        esc(f, p->keepalive);
        fprintf(f, "</td><td>%s", p->first_fail_us ? report_time_utc(p->first_fail_us, a,
                                                                      sizeof(a)) : "-");
        if (p->last_fail_us && p->last_fail_us != p->first_fail_us)
            fprintf(f, " .. %s", report_time_utc(p->last_fail_us, b, sizeof(b)));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    if (n < s->n_peers)
        fprintf(f, "<p class=\"dim\">%zu more peer(s) left out (see --report json).</p>\n",
                s->n_peers - n);
    fputs("</section>\n", f);
}

/* --hep-in's capture agents (run.h), most recent first: what each sent,
 * what was refused (a row with refusals or drops is marked). */
static void agents(struct page *pg)
{
    FILE *f = pg->f;
    const struct run_info *r = &pg->s->run;
    char ip[ADDR_STRLEN], a[40], b[40], c[40];

    if (r->n_agents == 0)
        return;
    fprintf(f, "<section id=\"agents\">\n<h2>HEP agents (%u)</h2>\n<div class=\"tw\"><table>"
               "<thead><tr><th>capture id</th><th>address</th><th>transport</th><th>records"
               "</th><th>bytes</th><th>malformed</th><th>refused (key)</th><th>dropped</th>"
               "<th>first .. last (UTC)</th><th>last admitted (UTC)</th></tr></thead><tbody>\n",
            r->n_agents);
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *g = &r->agents[i];
        bool bad = g->malformed || g->refused || g->dropped;
        fprintf(f, "<tr%s><td class=\"n\">%u</td><td class=\"mono\">%s</td><td>%s</td>"
                   "<td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu"
                   "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td>%s .. %s</td>"
                   "<td>%s</td></tr>\n",
                bad ? " class=\"sev-warning\"" : "", (unsigned)g->capid,
                addr_str(&g->ip, ip, sizeof(ip)), transport_name(g->transport),
                (unsigned long long)g->packets, (unsigned long long)g->bytes,
                (unsigned long long)g->malformed, (unsigned long long)g->refused,
                (unsigned long long)g->dropped, report_time_utc(g->first_us, a, sizeof(a)),
                report_time_utc(g->last_us, b, sizeof(b)),
                g->last_ok_us ? report_time_utc(g->last_ok_us, c, sizeof(c)) : "-");
    }
    fputs("</tbody></table></div>\n", f);
    if (r->agents_evicted)
        fprintf(f, "<p class=\"dim\">%llu agent(s) forgotten at the hep_agents cap.</p>\n",
                (unsigned long long)r->agents_evicted);
    fputs("</section>\n", f);
}

static void run_stats(struct page *pg, size_t findings_cut)
{
    FILE *f = pg->f;
    const struct snapshot *s = pg->s;
    const struct run_info *r = &s->run;
    size_t listed = 0;

    fputs("<section id=\"run\">\n<h2>Run statistics</h2>\n<dl class=\"kv\">", f);
    fprintf(f, "<dt>packets</dt><dd>%llu (%llu bytes)</dd><dt>SIP messages</dt><dd>%llu</dd>"
               "<dt>malformed SIP</dt><dd>%llu</dd><dt>ring drops</dt><dd>%llu</dd>"
               "<dt>kernel drops</dt><dd>%llu</dd><dt>interface drops</dt><dd>%llu</dd>"
               "<dt>table evictions</dt><dd>%llu</dd>",
            (unsigned long long)r->packets, (unsigned long long)r->bytes,
            (unsigned long long)r->sip_messages, (unsigned long long)r->malformed,
            (unsigned long long)r->ring_drops, (unsigned long long)r->kernel_drops,
            (unsigned long long)r->if_drops, (unsigned long long)s->evictions);
    fprintf(f, "<dt>findings</dt><dd>%llu critical, %llu error, %llu warning, %llu info</dd>",
            (unsigned long long)s->findings_by_severity[SEV_CRITICAL],
            (unsigned long long)s->findings_by_severity[SEV_ERROR],
            (unsigned long long)s->findings_by_severity[SEV_WARNING],
            (unsigned long long)s->findings_by_severity[SEV_INFO]);
    fprintf(f, "<dt>this page</dt><dd id=\"left-out\">%zu call flow(s) drawn (evidence dialogs "
               "only) of %zu dialog(s) kept; %zu dialog(s) left out",
            pg->n_ladders, s->n_dialogs, s->n_dialogs - pg->n_ladders);
    if (pg->ladders_cut)
        fprintf(f, ", including %zu evidence dialog(s) over the page's limit of %d call flows",
                pg->ladders_cut, HTML_MAX_LADDERS);
    if (findings_cut)
        fprintf(f, "; %zu finding(s) not shown (limit %d; see --report json)", findings_cut,
                HTML_MAX_FINDINGS);
    if (pg->raw_cut)
        fprintf(f, "; the text of %zu message(s) left out (page budget)", pg->raw_cut);
    fputs("</dd></dl>\n", f);
    if (r->truncated)
        fputs("<p class=\"card sev-warning\">The file was cut short: the last packet is "
              "incomplete, results cover what was read.</p>\n", f);
    if (r->ring_drops || r->kernel_drops || r->if_drops)
        fputs("<p class=\"card sev-warning\">Packets were lost during capture: some findings "
              "may be missing or wrong.</p>\n", f);
    if (s->evictions)
        fprintf(f, "<p class=\"card sev-info\">Tables reached their caps %llu time(s): raise "
                   "them with --cap NAME=N.</p>\n", (unsigned long long)s->evictions);
    for (size_t i = 0; i < s->n_counters; i++)
        if (s->counters[i].value != 0 && listed++ == 0)
            fputs("<details><summary>Named counters (non-zero)</summary><div class=\"tw\">"
                  "<table><tbody>\n", f);
    listed = 0;
    for (size_t i = 0; i < s->n_counters && listed < HTML_MAX_COUNTERS; i++) {
        char name[sizeof(s->counters[i].name) + 1];
        if (s->counters[i].value == 0)
            continue;
        memcpy(name, s->counters[i].name, sizeof(s->counters[i].name));
        name[sizeof(name) - 1] = '\0';
        fputs("<tr><td class=\"mono\">", f);
        esc(f, name);
        fprintf(f, "</td><td class=\"n\">%llu</td></tr>\n",
                (unsigned long long)s->counters[i].value);
        listed++;
    }
    if (listed > 0)
        fputs("</tbody></table></div></details>\n", f);
    fputs("</section>\n", f);
}

int report_html(FILE *f, const struct snapshot *s)
{
    struct page pg;
    size_t nf;
    int rc;

    memset(&pg, 0, sizeof(pg));
    pg.f = f;
    pg.s = s;
    rc = page_index(&pg);
    if (rc == 0) {
        nf = s->n_findings > HTML_MAX_FINDINGS ? HTML_MAX_FINDINGS : s->n_findings;
        head(&pg);
        fputs("<main>\n", f);
        diagnosis(&pg);
        fprintf(f, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n", s->n_findings);
        if (s->n_findings == 0)
            fputs("<p>None.</p>\n", f);
        for (size_t i = 0; i < nf; i++)
            finding(&pg, &s->findings[i], i + 1);
        if (nf < s->n_findings)
            fprintf(f, "<p class=\"dim\">%zu more finding(s) not shown (see --report json)."
                       "</p>\n", s->n_findings - nf);
        fputs("</section>\n", f);
        media(&pg);
        tls_table(&pg);
        peers(&pg);
        agents(&pg);
        run_stats(&pg, s->n_findings - nf);
        fputs("</main>\n<footer><p class=\"meta\">sipscope HTML report: secrets (digest "
              "responses, passwords) are masked in message text.</p></footer>\n"
              "</body>\n</html>\n", f);
        rc = ferror(f) ? ERR_IO : 0;
    }
    ladder_index_free(&pg.idx);
    free(pg.ladder_of);
    free(pg.mbuf);
    return rc;
}
