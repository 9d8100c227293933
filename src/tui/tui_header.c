/*
 * tui_header.c — the dashboard's header (source, state, elapsed time,
 * message rate; packets, SIP messages, malformed, ring/kernel/interface
 * drops and evictions, highlighted when non-zero; findings by severity,
 * and "analysis incomplete: ..." when a table evicted past the budget)
 * and footer (key hints or a transient status message). The header is on
 * every screen, so drops are never out of sight. UI thread only.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui_int.h"
#include "output/report_fmt.h"

int tui_header_rows(int w)
{
    (void)w;
    return 3;
}

struct hseg {
    const char *label;
    uint64_t v;
    bool alert;         /* highlighted when non-zero */
};

static void fmt_value(char *buf, size_t len, uint64_t v, bool exact)
{
    if (exact)
        snprintf(buf, len, "%llu", (unsigned long long)v);
    else
        tui_fmt_count(buf, len, v);
}

/* Columns a row of segments takes: "label value  label value ...". */
static int segs_width(const struct hseg *sg, size_t n, bool exact)
{
    int w = 1;
    for (size_t i = 0; i < n; i++) {
        char num[24];
        fmt_value(num, sizeof(num), sg[i].v, exact);
        w += (int)strlen(sg[i].label) + 1 + (int)strlen(num) + 2;
    }
    return w;
}

/* Exact counts (as the report prints them) when the row fits, else 1.2k
 * forms; segments that still do not fit are left off from the end, so the
 * most important come first. */
static void draw_segs(int y, int w, const struct hseg *sg, size_t n)
{
    bool exact = segs_width(sg, n, true) <= w;
    int x = 1;
    for (size_t i = 0; i < n; i++) {
        char num[24];
        fmt_value(num, sizeof(num), sg[i].v, exact);
        int need = (int)strlen(sg[i].label) + 1 + (int)strlen(num);
        if (x + need > w)
            return;
        x += tui_puts(y, x, w - x, sg[i].label, tui_attr(TR_NORMAL));
        x += 1;
        int a = sg[i].alert && sg[i].v > 0 ? tui_attr(TR_HEADER_ALERT)
                                            : tui_attr(TR_NORMAL) | (int)A_BOLD;
        x += tui_puts(y, x, w - x, num, a);
        x += 2;
    }
}

void tui_header_draw(const struct snapshot *s, const struct tui_hdr *h, int w)
{
    int ha = tui_attr(TR_HEADER);
    char el[32], buf[512];
    tui_fmt_duration(el, sizeof(el), h->elapsed_us);
    const char *state = h->live ? (h->finished ? "capture ended" : "live")
                      : (h->finished ? "replay done" : "replaying");
    tui_fill(0, 0, w, ha);
    int x = tui_printf(0, 0, w, ha | (int)A_BOLD, " sipscope ");
    /* State, elapsed time and rate keep their place on the right; the
     * source gets what is left (a long path shows its file name). */
    char rate[32] = "";
    if (h->msg_rate >= 0)
        snprintf(rate, sizeof(rate), "  %.1f msg/s", h->msg_rate);
    snprintf(buf, sizeof(buf), " %s  elapsed %s%s ", state, el, rate);
    int bw = tui_width(buf, strlen(buf));
    int px = h->paused ? 8 : 0;
    int room = w - x - bw - px;
    const char *src = h->source != NULL ? h->source : "?";
    if (!h->live && strcmp(src, "-") == 0)
        src = "standard input";
    const char *kind = h->live ? "interface" : "file";
    if ((int)(strlen(kind) + strlen(src)) + 3 > room) {
        const char *slash = strrchr(src, '/');
        if (slash != NULL && slash[1] != '\0')
            src = slash + 1;
    }
    if (room > 0)
        x += tui_printf(0, x, room, ha, " %s %s ", kind, src);
    if (x + bw + px <= w)
        tui_puts(0, w - bw - px, bw, buf, ha);
    else if (x + px < w)
        tui_puts(0, x, w - x - px, buf, ha);
    if (h->paused)
        tui_puts(0, w - px, px, " PAUSED ", tui_attr(TR_HEADER_ALERT));

    /* Row 1: what the run saw and lost. */
    tui_fill(1, 0, w, tui_attr(TR_NORMAL));
    const struct run_info *r = &s->run;
    uint64_t hep_bad = 0;
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++)
        hep_bad += r->agents[i].malformed + r->agents[i].refused + r->agents[i].dropped;
    /* --hep-in: the agents and what they sent that was refused or lost. */
    const struct hseg row1[] = {
        { "packets", r->packets, false },
        { "SIP", r->sip_messages, false },
        { "malformed", r->malformed, true },
        { "ring drops", r->ring_drops, true },
        { "kernel drops", r->kernel_drops, true },
        { "if drops", r->if_drops, true },
        { "evicted", s->evictions, true },
        { "HEP agents", r->n_agents, false },
        { "HEP refused", hep_bad, true },
    };
    draw_segs(1, w, row1, sizeof(row1) / sizeof(row1[0]) - (r->n_agents > 0 ? 0 : 2));

    /* Row 2: findings by severity, filter. */
    tui_fill(2, 0, w, tui_attr(TR_NORMAL));
    x = 1;
    x += tui_puts(2, x, w - x, "findings:", tui_attr(TR_NORMAL));
    static const struct { enum severity sev; const char *name; } order[] = {
        { SEV_CRITICAL, "critical" }, { SEV_ERROR, "error" },
        { SEV_WARNING, "warning" }, { SEV_INFO, "info" },
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        uint64_t v = s->findings_by_severity[order[i].sev];
        int a = v > 0 ? tui_attr(tui_role_severity(order[i].sev)) | (int)A_BOLD
                      : tui_attr(TR_DIM);
        x += tui_printf(2, x, w - x, a, " %llu %s", (unsigned long long)v, order[i].name);
    }
    /* Lost state is never out of sight: what the budget evicted. */
    {
        char inc[256];
        if (report_incomplete(s, inc, sizeof(inc)) && x + 24 < w) {
            x += 3;
            x += tui_puts(2, x, w - x, inc, tui_attr(TR_HEADER_ALERT));
        }
    }
    if (h->filter != NULL && h->filter[0] != '\0' && x + 12 < w) {
        x += 3;
        x += tui_puts(2, x, w - x, "filter: ", tui_attr(TR_COLHEAD));
        tui_puts(2, x, w - x, h->filter, tui_attr(TR_STATUS));
    }
}

void tui_footer_draw(int y, int w, const char *const *keys, const char *status)
{
    if (status != NULL && status[0] != '\0') {
        tui_fill(y, 0, w, tui_attr(TR_STATUS));
        tui_puts(y, 1, w - 1, status, tui_attr(TR_STATUS));
        return;
    }
    tui_fill(y, 0, w, tui_attr(TR_FOOTER));
    int x = 0;
    for (size_t i = 0; keys[i] != NULL && keys[i + 1] != NULL; i += 2) {
        int need = tui_width(keys[i], strlen(keys[i])) + tui_width(keys[i + 1],
                   strlen(keys[i + 1])) + 3;
        if (x + need > w)
            break;
        x += tui_puts(y, x, w - x, keys[i], tui_attr(TR_FOOTER_KEY));
        x += tui_printf(y, x, w - x, tui_attr(TR_FOOTER), " %s ", keys[i + 1]);
    }
}
