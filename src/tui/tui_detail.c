/*
 * tui_detail.c — the finding detail screen (Enter on a finding): summary,
 * entity, counts and times, likely causes (most likely first), the fix,
 * and the evidence messages with their frame numbers, so the engineer can
 * open the same frames in Wireshark. Built into a tui_text once per
 * snapshot; drawing and scrolling are tui_text's. UI thread only.
 */
#include <stdio.h>
#include <string.h>

#include "tui_int.h"

/* A titled, numbered list (causes, fix); nothing when empty. */
static void add_numbered(struct tui_text *t, const char *title, const char (*items)[SNAP_TEXT],
                         uint32_t n)
{
    if (n == 0)
        return;
    tui_text_add(t, TR_NORMAL, 0, "", 0);
    tui_text_addf(t, TR_COLHEAD, 0, "%s", title);
    for (uint32_t i = 0; i < n; i++)
        tui_text_addf(t, TR_NORMAL, 2, "%u. %s", i + 1, items[i]);
}

void tui_detail_build(struct tui_text *t, const struct snap_finding *x)
{
    size_t top = t->top;
    tui_text_clear(t);
    enum tui_role sev = tui_role_severity(x->severity);
    tui_text_addf(t, sev, 0, "%s  %s", severity_name(x->severity), x->kind);
    tui_text_addf(t, TR_NORMAL, 0, "%s", x->summary);
    if (x->explained_by[0] != '\0')
        tui_text_addf(t, TR_NORMAL, 0, "id %s, explained by %s: its root cause is in the "
                      "Diagnosis at the top of the dashboard", x->id, x->explained_by);
    else if (x->id[0] != '\0')
        tui_text_addf(t, TR_NORMAL, 0, "id %s", x->id);
    tui_text_add(t, TR_NORMAL, 0, "", 0);
    if (x->entity[0] != '\0')
        tui_text_addf(t, TR_NORMAL, 2, "entity:     %s", x->entity);
    if (x->provider[0] != '\0')
        tui_text_addf(t, TR_NORMAL, 2, "provider:   %s", x->provider);
    char first[16], last[16];
    tui_fmt_time(first, sizeof(first), x->first_us, true);
    tui_fmt_time(last, sizeof(last), x->last_us, true);
    tui_text_addf(t, TR_NORMAL, 2, "seen:       %llu time%s, first %s, last %s (UTC)",
                  (unsigned long long)x->count, x->count == 1 ? "" : "s", first, last);

    add_numbered(t, "Likely causes (most likely first)", x->causes,
                 x->n_causes < SNAP_MAX_CAUSES ? x->n_causes : SNAP_MAX_CAUSES);
    add_numbered(t, "Fix", x->fix, x->n_fix < SNAP_MAX_FIX ? x->n_fix : SNAP_MAX_FIX);
    uint32_t ne = x->n_evidence < SNAP_MAX_EVIDENCE ? x->n_evidence : SNAP_MAX_EVIDENCE;
    tui_text_add(t, TR_NORMAL, 0, "", 0);
    tui_text_addf(t, TR_COLHEAD, 0, "Evidence (%u message%s; frame numbers as in Wireshark)",
                  ne, ne == 1 ? "" : "s");
    for (uint32_t i = 0; i < ne; i++) {
        const struct snap_evidence *e = &x->evidence[i];
        char ts[16];
        tui_fmt_time(ts, sizeof(ts), e->ts_us, true);
        tui_text_addf(t, tui_role_label(e->line, 0), 2, "frame %-7llu %s  %-22s %s",
                      (unsigned long long)e->frame, ts, e->role, e->line);
    }
    t->top = top;
}
