/*
 * tui.h — the live ncurses dashboard (`sipscope -i IFACE` on a terminal,
 * `sipscope -r FILE --tui`).
 *
 * Flow: engine → snappub → tui. The dashboard draws only from snapshots
 * that the analysis thread publishes through a struct snappub (at most ~10
 * a second); it never touches engine state, so a slow or frozen terminal
 * slows nothing but itself.
 *
 * Thread: tui_run runs on the main thread (the one that receives SIGWINCH;
 * worker threads block all signals) while the analysis runs on its own
 * thread. ncurses is used only in tui*.c.
 *
 * Errors: tui_run returns 0 when the user quit or *opts->stop became
 * non-zero, or a negative enum err with errbuf filled when the terminal
 * could not be set up (the caller then prints the report instead).
 * endwin() is called on every exit path, including fatal signals.
 */
#ifndef SIPSCOPE_TUI_H
#define SIPSCOPE_TUI_H

#include <signal.h>
#include <stdbool.h>

#include "output/report.h"
#include "output/snappub.h"

struct tui_opts {
    const char *source;     /* interface or file name, for the header */
    bool live;              /* live capture: elapsed is wall-clock time */
    /* Set (by the SIGINT/SIGTERM handler or the pipeline) to make tui_run
     * return; may be NULL. tui_run never writes it. */
    volatile sig_atomic_t *stop;
    /* Default format offered by `s` (save report). */
    enum report_format save_format;
    /* The capture files `w` re-reads (merged, as the analysis read them)
     * to write the evidence pcapng (evidence_write, on the UI thread);
     * NULL for a live capture or stdin, where `w` writes the kept SIP
     * messages instead (evidence_write_kept). */
    const char *const *evidence_inputs;
    size_t n_evidence_inputs;
};

/* Whether the dashboard should run: stdout and stdin are terminals and
 * TERM is usable (not "dumb"). */
bool tui_possible(void);

/* Run the dashboard until `q` or *opts->stop. */
int tui_run(struct snappub *pub, const struct tui_opts *opts, char *errbuf);

#endif
