/*
 * report.h — the offline reports (text for people, JSON, Markdown ticket,
 * self-contained HTML page)
 * and the exit status derived from the findings. Flow: engine → report.
 * Thread: the analysis thread (after engine_finish, or on SIGUSR1).
 */
#ifndef SIPSCOPE_REPORT_H
#define SIPSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

enum report_format {
    REPORT_TEXT = 0,
    REPORT_JSON,
    REPORT_MARKDOWN,
    REPORT_HTML,
};

int report_format_parse(const char *s, enum report_format *out);
/* Write the report; colour only when color is true (a tty without NO_COLOR). */
int report_write(FILE *f, enum report_format fmt, const struct snapshot *s, bool color);
/* 0: nothing of severity warning or worse; 1: something was found; 2: the
 * run failed (run.failed or a file cut short), whatever was found. */
int report_exit_status(const struct snapshot *s);

/* The renderers report_write dispatches to (0 or ERR_IO / ERR_NOMEM). */
int report_text(FILE *f, const struct snapshot *s, bool color);
int report_json(FILE *f, const struct snapshot *s);
int report_markdown(FILE *f, const struct snapshot *s);
int report_html(FILE *f, const struct snapshot *s);     /* report_html.c */
/* One finding as the JSON report's "findings" element (a new json-c object
 * the caller owns; alerts add "event" to it). NULL only when out of memory. */
struct json_object;
struct json_object *report_json_finding(const struct snap_finding *x);

#endif
