/* report.c — PLACEHOLDER until the reports land (issue 4). */
#include "report.h"

#include <string.h>

#include "err.h"

int report_format_parse(const char *s, enum report_format *out)
{
    if (strcmp(s, "text") == 0) *out = REPORT_TEXT;
    else if (strcmp(s, "json") == 0) *out = REPORT_JSON;
    else if (strcmp(s, "markdown") == 0) *out = REPORT_MARKDOWN;
    else return ERR_INVAL;
    return 0;
}

int report_write(FILE *f, enum report_format fmt, const struct snapshot *s, bool color)
{
    (void)fmt; (void)color;
    fprintf(f, "%s: %llu packets\n", s->run.source, (unsigned long long)s->run.packets);
    return 0;
}

int report_exit_status(const struct snapshot *s)
{
    (void)s;
    return 0;
}
