/*
 * report.c — report dispatch (text, JSON, Markdown, HTML), the exit status the
 * findings give, and helpers shared by the renderers.
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
    for (int sev = SEV_WARNING; sev <= SEV_CRITICAL; sev++)
        if (s->findings_by_severity[sev] > 0)
            return 1;
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].severity >= SEV_WARNING)
            return 1;
    return 0;
}

char *report_time_utc(int64_t ts_us, char *buf, size_t len)
{
    struct tm tm;
    time_t t;
    char day[24];

    if (ts_us <= 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    t = (time_t)(ts_us / 1000000);
    if (gmtime_r(&t, &tm) == NULL || strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    snprintf(buf, len, "%s.%06lld", day, (long long)(ts_us % 1000000));
    return buf;
}

char *report_endpoint(const struct endpoint *ep, char *buf, size_t len)
{
    char ip[ADDR_STRLEN];

    addr_str(&ep->ip, ip, sizeof(ip));
    if (addr_is_v4(&ep->ip))
        snprintf(buf, len, "%s:%u", ip, (unsigned)ep->port);
    else
        snprintf(buf, len, "[%s]:%u", ip, (unsigned)ep->port);
    return buf;
}

const char *report_peer_verdict(const struct snap_peer *p)
{
    return p->verdict;
}

int report_auth_rate(const struct snap_peer *p)
{
    uint64_t n = p->auth_ok + p->auth_failed;

    if (n == 0)
        return -1;
    return (int)((p->auth_ok * 100 + n / 2) / n);
}
