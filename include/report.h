/*
 * report.h — the offline reports (text for people, JSON, Markdown ticket)
 * and the exit status derived from the findings. Flow: engine → report.
 * Thread: the analysis thread (after engine_finish, or on SIGUSR1).
 */
#ifndef SIPSCOPE_REPORT_H
#define SIPSCOPE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

enum report_format {
    REPORT_TEXT = 0,
    REPORT_JSON,
    REPORT_MARKDOWN,
};

int report_format_parse(const char *s, enum report_format *out);
/* Write the report; colour only when color is true (a tty without NO_COLOR). */
int report_write(FILE *f, enum report_format fmt, const struct snapshot *s, bool color);
/* 0: nothing of severity warning or worse; 1: something was found. */
int report_exit_status(const struct snapshot *s);

#endif
