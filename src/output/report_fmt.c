/*
 * report_fmt.c — formatting shared by the renderers (report_*.c), the
 * ladder, alerts and metrics: UTC times, endpoints, a peer's headline and
 * its auth success rate. Depends on nothing else in output/.
 *
 * Thread: whoever holds the snapshot.
 */
#include "report_fmt.h"

#include <stdio.h>
#include <time.h>

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

const char *report_frames_note(const struct run_info *r)
{
    if (r->n_files > 1)
        return "Frame numbers are those of the capture files merged by time, as Wireshark "
               "numbers the frames of mergecap's output of them; the --evidence file's packet "
               "comments give each frame's own file and number.";
    return "Frame numbers are those Wireshark shows for the same file.";
}
