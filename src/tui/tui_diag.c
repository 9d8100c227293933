/*
 * tui_diag.c — the diagnosis panel: the dashboard's first rows name the
 * root causes (diagnosis/diagnosis.h, docs/findings.md "Diagnosis"), most
 * important first, in the text report's words ("1. [ERROR] tls_failed on
 * trunk: ... (confidence high)") and its summary; the findings, peers and
 * dialogs panels follow, so every finding stays reachable. UI thread only;
 * the cost is the rows drawn.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "findings/kind_meta.h"
#include "tui_int.h"

/* Entries the panel shows for a body of h rows: room for the panels first. */
static int entries_for(int h)
{
    return h >= 30 ? 5 : h >= 16 ? 2 : h >= 10 ? 1 : 0;
}

int tui_diag_rows(const struct snapshot *s, int body_h)
{
    int n = entries_for(body_h);

    if (s == NULL || s->n_diagnosis == 0 || n == 0)
        return 0;
    if ((size_t)n > s->n_diagnosis)
        n = (int)s->n_diagnosis;
    return 1 + n;
}

static const char *upper_sev(enum severity s)
{
    switch (s) {
    case SEV_INFO: return "INFO";
    case SEV_WARNING: return "WARNING";
    case SEV_ERROR: return "ERROR";
    case SEV_CRITICAL: return "CRITICAL";
    }
    return "?";
}

void tui_diag_draw(const struct snapshot *s, int y, int w, int rows)
{
    size_t total = s->n_diagnosis + s->diagnosis_dropped, shown = (size_t)(rows - 1);
    int ta = tui_attr(TR_TITLE), norm = tui_attr(TR_NORMAL);

    if (rows <= 0)
        return;
    tui_fill(y, 0, w, ta);
    if (shown < total)
        tui_printf(y, 0, w, ta, " Diagnosis: %zu root cause(s); %zu not shown here (s saves "
                   "the report)", total, total - shown);
    else
        tui_printf(y, 0, w, ta, " Diagnosis: %zu root cause(s), most important first", total);
    for (size_t i = 0; i < shown && i < s->n_diagnosis && i < SNAP_MAX_DIAGNOSIS; i++) {
        const struct snap_diagnosis *d = &s->diagnosis[i];
        int sev = tui_attr(tui_role_severity(d->severity)), r = y + 1 + (int)i, c = 1;
        char head[SNAP_TEXT];
        tui_fill(r, 0, w, norm);
        c += tui_printf(r, c, w - c, sev, "%zu. [%s]", i + 1, upper_sev(d->severity));
        snprintf(head, sizeof(head), " %s on %s: %s (confidence %s)", kind_name(d->root_cause),
                 d->role, d->trunk, d->confidence);
        if (c < w)
            c += tui_puts(r, c, w - c, head, norm | A_BOLD);
        if (d->n_explains > 0 && c < w)
            c += tui_printf(r, c, w - c, norm, " explains %u;",
                            (unsigned)(d->n_explains + d->explains_dropped));
        if (c + 1 < w)
            tui_puts(r, c + 1, w - c - 1, d->summary, norm);
    }
}
