/*
 * report.c — report dispatch (text, JSON, Markdown, HTML) and the exit status
 * the findings give. The helpers the renderers share are in report_fmt.c, so
 * no two report files need each other.
 *
 * Flow: engine → snapshot → report. Thread: whoever holds the snapshot
 * (the analysis thread after engine_finish, or the main thread).
 * Reports never contain passwords: the snapshot holds none (snapshot.h).
 */
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

int report_format_parse(const char *s, enum report_format *out)
{
    if (strcmp(s, "text") == 0) *out = REPORT_TEXT;
    else if (strcmp(s, "json") == 0) *out = REPORT_JSON;
    else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0) *out = REPORT_MARKDOWN;
    else if (strcmp(s, "html") == 0) *out = REPORT_HTML;
    else return ERR_INVAL;
    return 0;
}

int report_write(FILE *f, enum report_format fmt, const struct snapshot *s, bool color)
{
    int rc;

    switch (fmt) {
    case REPORT_JSON: rc = report_json(f, s); break;
    case REPORT_MARKDOWN: rc = report_markdown(f, s); break;
    case REPORT_HTML: rc = report_html(f, s); break;
    case REPORT_TEXT:
    default: rc = report_text(f, s, color); break;
    }
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = ERR_IO;
    return rc;
}

int report_exit_status(const struct snapshot *s)
{
    if (s->run.failed || s->run.truncated)
        return 2;       /* as the run exits: an error outranks findings */
    for (int sev = SEV_WARNING; sev <= SEV_CRITICAL; sev++)
        if (s->findings_by_severity[sev] > 0)
            return 1;
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].severity >= SEV_WARNING)
            return 1;
    return 0;
}
