/*
 * ladder.h — the call flow of one dialog, drawn from a snapshot: the
 * columns (one per endpoint, the first request's caller on the left), the
 * role of each column, the marks of each message (challenge,
 * retransmission, failing answer) and the text ladder `--ladder CALL-ID`
 * prints. The HTML report draws its SVG ladders from the same model, so a
 * ticket's text ladder and the attached page agree.
 *
 * Flow: snapshot → ladder → stdout | report_html. Thread: whoever holds the
 * snapshot. Nothing here allocates: a struct ladder points into the
 * snapshot and lives no longer than it.
 */
#ifndef SIPSCOPE_LADDER_H
#define SIPSCOPE_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

/* Endpoints drawn as their own column; more share the last one. */
#define LADDER_MAX_COLS 6

/* Marks of a message (bit set). */
enum {
    LADDER_CHALLENGE = 1u << 0,     /* 401 or 407 */
    LADDER_RETRANS = 1u << 1,       /* same text (or label and direction) as the one before */
    LADDER_FAILURE = 1u << 2,       /* a final answer >= 400 that is not a challenge */
    LADDER_FINAL_FAIL = 1u << 3,    /* the failing answer that ended the dialog */
    LADDER_OK = 1u << 4,            /* 2xx */
};

struct ladder {
    const struct snap_dialog *d;
    const struct snap_msg *msg;     /* into the snapshot; n_msg of them */
    size_t n_msg;
    struct endpoint col[LADDER_MAX_COLS];
    char role[LADDER_MAX_COLS][24]; /* "trunk", "caller", "callee", "hop" */
    size_t n_col;
    size_t more_cols;               /* endpoints folded into the last column */
};

/* Build the model of dialog d (an element of s->dialogs). */
void ladder_build(struct ladder *l, const struct snapshot *s, const struct snap_dialog *d);
/* Column of an endpoint (the last one for endpoints beyond LADDER_MAX_COLS). */
size_t ladder_column(const struct ladder *l, const struct endpoint *e);
/* LADDER_* marks of message i (< l->n_msg). */
unsigned ladder_marks(const struct ladder *l, const struct snapshot *s, size_t i);
/* Status code of a label ("407 Proxy ..." → 407), 0 for a request. */
int ladder_status(const char *label);

/* Which kept dialog holds a frame: the evidence frames of a finding are
 * looked up here to draw their call flows (HTML page, Markdown ticket).
 * O(n log n) to build over the snapshot's messages, O(log n) a lookup. */
struct ladder_index {
    const struct snapshot *s;
    struct ladder_fr { uint64_t frame; uint32_t msg; } *by_frame;   /* sorted by frame */
    uint32_t *dlg_of;               /* message index -> dialog index, UINT32_MAX: none */
};
#define LADDER_NO_DIALOG UINT32_MAX
/* 0 or ERR_NOMEM (then ladder_index_free is still safe). */
int ladder_index_init(struct ladder_index *x, const struct snapshot *s);
void ladder_index_free(struct ladder_index *x);
/* The dialog holding a kept message of this frame, or LADDER_NO_DIALOG. */
uint32_t ladder_dialog_of_frame(const struct ladder_index *x, uint64_t frame);

/* The text ladder of one dialog: 0 or ERR_IO. */
int ladder_text(FILE *f, const struct snapshot *s, const struct snap_dialog *d);
/* `--ladder CALL-ID`: the text ladder of every kept dialog with that Call-ID.
 * 0; ERR_INVAL when none is kept (errbuf says so); ERR_IO on a write error. */
int ladder_print(FILE *f, const struct snapshot *s, const char *call_id, char *errbuf);

#endif
