/*
 * tui_color.c — the dashboard's one colour scheme: every role (severity,
 * message class 1xx..6xx/request, header, alert, footer) has a colour pair
 * and a monochrome attribute set in a single table, as htop's CRT.c does.
 * Monochrome is used when the terminal has no colours or NO_COLOR is set
 * to a non-empty value (https://no-color.org). UI thread only.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

struct scheme {
    short fg, bg;       /* -1 = terminal default */
    int color_attrs;    /* added to the pair when colour is on */
    int mono_attrs;     /* used alone when colour is off */
};

/* Indexed by enum tui_role. Monochrome keeps the distinctions that matter:
 * alerts and errors stand out (bold/reverse), the rest is plain. */
static const struct scheme scheme[TR_COUNT] = {
    [TR_NORMAL]       = { -1, -1, 0, 0 },
    [TR_HEADER]       = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
    [TR_HEADER_ALERT] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
    [TR_TITLE]        = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
    [TR_TITLE_FOCUS]  = { COLOR_BLACK, COLOR_GREEN, A_BOLD, A_REVERSE | A_BOLD },
    [TR_COLHEAD]      = { COLOR_YELLOW, -1, 0, A_UNDERLINE },
    [TR_SEV_INFO]     = { COLOR_CYAN, -1, 0, 0 },
    [TR_SEV_WARNING]  = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
    [TR_SEV_ERROR]    = { COLOR_RED, -1, 0, A_BOLD },
    [TR_SEV_CRITICAL] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
    [TR_MSG_REQUEST]  = { COLOR_WHITE, -1, A_BOLD, A_BOLD },
    [TR_MSG_1XX]      = { COLOR_BLUE, -1, 0, A_DIM },
    [TR_MSG_2XX]      = { COLOR_GREEN, -1, 0, 0 },
    [TR_MSG_3XX]      = { COLOR_CYAN, -1, 0, 0 },
    [TR_MSG_4XX]      = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
    [TR_MSG_56XX]     = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
    [TR_FOOTER]       = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
    [TR_FOOTER_KEY]   = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_BOLD },
    [TR_STATUS]       = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_BOLD },
    [TR_DIM]          = { -1, -1, A_DIM, A_DIM },
};

static bool colour;

void tui_color_init(void)
{
    const char *nc = getenv("NO_COLOR");
    colour = has_colors() && (nc == NULL || nc[0] == '\0');
    if (!colour)
        return;
    if (start_color() != OK) {
        colour = false;
        return;
    }
    use_default_colors();
    for (int r = 1; r < TR_COUNT; r++) {
        short fg = scheme[r].fg, bg = scheme[r].bg;
        /* Terminals without default-colour support take white on black. */
        if (fg >= COLORS)
            fg = COLOR_WHITE;
        if (bg >= COLORS)
            bg = COLOR_BLACK;
        if (r >= COLOR_PAIRS || init_pair((short)r, fg, bg) != OK) {
            colour = false;
            return;
        }
    }
}

bool tui_color_enabled(void)
{
    return colour;
}

int tui_attr(enum tui_role r)
{
    if ((unsigned)r >= TR_COUNT)
        r = TR_NORMAL;
    if (!colour)
        return scheme[r].mono_attrs;
    if (r == TR_NORMAL)
        return A_NORMAL;
    return (int)COLOR_PAIR(r) | scheme[r].color_attrs;
}

enum tui_role tui_role_severity(enum severity s)
{
    switch (s) {
    case SEV_INFO: return TR_SEV_INFO;
    case SEV_WARNING: return TR_SEV_WARNING;
    case SEV_ERROR: return TR_SEV_ERROR;
    case SEV_CRITICAL: return TR_SEV_CRITICAL;
    }
    return TR_NORMAL;
}

enum tui_role tui_role_label(const char *label, int status)
{
    if (label != NULL) {
        /* A whole status line: "SIP/2.0 403 Forbidden". */
        if (strncmp(label, "SIP/2.0 ", 8) == 0)
            label += 8;
        if (label[0] >= '1' && label[0] <= '6' && label[1] >= '0' && label[1] <= '9' &&
            label[2] >= '0' && label[2] <= '9')
            status = (label[0] - '0') * 100;
        else if (label[0] != '\0')
            return TR_MSG_REQUEST;
    }
    switch (status / 100) {
    case 1: return TR_MSG_1XX;
    case 2: return TR_MSG_2XX;
    case 3: return TR_MSG_3XX;
    case 4: return TR_MSG_4XX;
    case 5: case 6: return TR_MSG_56XX;
    }
    return TR_NORMAL;
}
