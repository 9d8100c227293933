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

/* Media bands: the RTP streams of the dialog's call (snapshot.media with
 * its Call-ID), drawn between the messages by the time of their first
 * packet; at most LADDER_MAX_BANDS, the rest counted. */
#define LADDER_MAX_BANDS 8
struct ladder_band {
    const struct snap_media *m;     /* into the snapshot */
    size_t at;                      /* drawn before message `at` (n_msg: after the last) */
    size_t ca, cb;                  /* columns of its sender and receiver */
};

struct ladder {
    const struct snap_dialog *d;
    const struct snap_msg *msg;     /* into the snapshot; n_msg of them */
    size_t n_msg;
    struct endpoint col[LADDER_MAX_COLS];
    char role[LADDER_MAX_COLS][24]; /* "trunk", "caller", "callee", "hop" */
    size_t n_col;
    size_t more_cols;               /* endpoints folded into the last column */
    struct ladder_band band[LADDER_MAX_BANDS];  /* ordered by first packet */
    size_t n_band, more_bands;
    const struct snap_media_call *mcall;        /* the call's media verdict, or NULL */
};

/* Build the model of dialog d (an element of s->dialogs). */
void ladder_build(struct ladder *l, const struct snapshot *s, const struct snap_dialog *d);
/* Column of an endpoint (the last one for endpoints beyond LADDER_MAX_COLS). */
size_t ladder_column(const struct ladder *l, const struct endpoint *e);
/* The column of a stream end: its endpoint, else a column on the same host
 * (SIP and RTP share an address, not a port), else side_col, the side its
 * direction names (caller: the first column, callee: the second). */
size_t ladder_band_col(const struct endpoint *col, size_t n_col, const struct endpoint *e,
                       size_t side_col);
/* LADDER_* marks of message i (< l->n_msg). */
unsigned ladder_marks(const struct ladder *l, const struct snapshot *s, size_t i);
/* One line about a band: "RTP 192.0.2.10:4000 -> 198.51.100.20:5000 PCMU,
 * 355 pkt, 0 lost, jitter 0.42 ms, 09:47:17.123..09:47:24.200". */
char *ladder_band_text(const struct snap_media *m, char *buf, size_t len);
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
