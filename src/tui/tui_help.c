/*
 * tui_help.c — the help screen (F1 or ?) listing every key, and the
 * one-line prompt used by the filter, save-report and evidence keys.
 * The key list here, the footer hints in tui.c and the KEYS section of
 * docs/sipscope.1 and docs/tui.md describe the same keys. UI thread only.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui_int.h"

static const char *const help[][2] = {
    { NULL, "Everywhere" },
    { "F1  ?", "this help (Up/Down/PgUp/PgDn scroll, other keys close)" },
    { "F4..F12", "nothing (sngrep's F-keys): the status line says what to press" },
    { "q", "quit (the report is still printed when one was asked for)" },
    { "p  space", "pause / resume the display (the analysis goes on)" },
    { "s  F2", "save the report: choose text/json/markdown, then a file name" },
    { "w", "write the evidence pcapng (in a finding's detail: that finding's; live: kept messages)" },
    { "Esc  Backspace", "back to the previous screen" },
    { NULL, "Lists (findings, peers, dialogs)" },
    { "Tab  Shift-Tab", "next / previous panel" },
    { "1  2  3", "findings / peers / dialogs panel" },
    { "Up Down  j k", "move the selection" },
    { "PgUp PgDn Home End", "page, first, last" },
    { "Enter", "finding: detail (causes, fix, evidence frames); dialog: call flow" },
    { "/  F3  F7", "filter: words match any text; method:INVITE status:403 status:4xx" },
    { "", "addr:203.0.113.5 (also ip:, src:, dst:); all terms must match" },
    { "c", "clear the filter" },
    { NULL, "Finding detail" },
    { "Up Down PgUp PgDn", "scroll" },
    { "Enter", "call flow of the first evidence message (Esc returns here)" },
    { NULL, "Call flow" },
    { "Up Down  j k", "select a message (its raw text is shown below)" },
    { "Home End", "first / last message" },
    { "PgUp PgDn", "scroll the raw message text" },
};

void tui_help_build(struct tui_text *t)
{
    tui_text_clear(t);
    for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++) {
        if (help[i][0] == NULL) {
            if (i > 0)
                tui_text_add(t, TR_NORMAL, 0, "", 0);
            tui_text_addf(t, TR_COLHEAD, 1, "%s", help[i][1]);
            continue;
        }
        tui_text_addf(t, TR_NORMAL, 3, "%-20s %s", help[i][0], help[i][1]);
    }
    tui_text_add(t, TR_NORMAL, 0, "", 0);
    tui_text_addf(t, TR_DIM, 1, "Colours: severity (info, warning, error, critical) and message "
                  "class (request, 1xx..6xx); NO_COLOR turns them off.");
    t->top = 0;
}

void tui_prompt_draw(int y, int w, const char *question, const char *answer)
{
    int a = tui_attr(TR_STATUS);
    tui_fill(y, 0, w, a);
    int x = tui_printf(y, 0, w, a, " %s", question);
    int aw = tui_width(answer, strlen(answer));
    /* Show the end of a long answer: that is where the cursor is. */
    const char *shown = answer;
    while (aw > w - x - 2 && *shown != '\0') {
        shown++;
        aw = tui_width(shown, strlen(shown));
    }
    x += tui_puts(y, x, w - x, shown, tui_attr(TR_NORMAL) | A_BOLD);
    if (x < w)
        move(y, x);
}
