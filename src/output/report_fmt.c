/*
 * report_fmt.c — formatting shared by the renderers (report_*.c), the
 * ladder, alerts and metrics: UTC times, endpoints, a peer's headline and
 * its auth success rate. Depends on nothing else in output/.
 *
 * Thread: whoever holds the snapshot.
 */
#include "report_fmt.h"

#include <stdio.h>
#include <string.h>
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

/* "engine.auth_exchanges.evicted" -> "auth exchanges"; "media.calls.evicted"
 * -> "media calls"; "engine.strings.refused" -> "strings refused",
 * "engine.timeout_queue.dropped" -> "timeout queue dropped"; NULL
 * when the counter is not a lost-state one (HEP output is not analysis;
 * media.heuristic.refused is a policy: well-known ports are not RTP). */
static const char *lost_name(const char *name, char *buf, size_t len)
{
    static const char *const suffix[] = { ".evicted", ".dropped", ".refused" };
    size_t n = strlen(name), k = 0;
    const char *start = name;
    const char *what = "";

    if (strncmp(name, "hep_out.", 8) == 0 || strcmp(name, "media.heuristic.refused") == 0)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        size_t sl = strlen(suffix[i]);
        if (n > sl && strcmp(name + n - sl, suffix[i]) == 0) {
            n -= sl;
            what = i == 1 ? " dropped" : i == 2 ? " refused" : "";
            break;
        }
        if (i == 2)
            return NULL;
    }
    if (strncmp(name, "engine.", 7) == 0) {
        start += 7;
        n -= 7;
    }
    for (size_t i = 0; i < n && k + 1 < len; i++)
        buf[k++] = (start[i] == '.' || start[i] == '_') ? ' ' : start[i];
    buf[k] = '\0';
    snprintf(buf + k, len - k, "%s", what);
    return buf;
}

/* Some state was lost: a table evicted, a queue dropped, a full string
 * table refused text (it reads as ""). */
static bool state_lost(const struct snapshot *s)
{
    char nm[48];

    for (size_t i = 0; i < s->n_counters; i++)
        if (s->counters[i].value > 0 && lost_name(s->counters[i].name, nm, sizeof(nm)))
            return true;
    return s->evictions > 0;
}

bool report_incomplete(const struct snapshot *s, char *buf, size_t len)
{
    const struct run_info *r = &s->run;
    uint64_t lost = r->ring_drops + r->kernel_drops + r->if_drops;
    size_t n = 0, named = 0;
    bool state = state_lost(s);

    if (len == 0)
        return false;
    buf[0] = '\0';
    if (lost == 0 && !state)
        return false;
    n = (size_t)snprintf(buf, len, "analysis incomplete:");
    if (lost > 0 && n < len)
        n += (size_t)snprintf(buf + n, len - n, " %llu packet(s) lost in capture%s",
                              (unsigned long long)lost, state ? ";" : "");
    for (size_t i = 0; i < s->n_counters && n < len; i++) {
        char nm[48];
        const struct snap_counter *c = &s->counters[i];
        if (c->value == 0 || lost_name(c->name, nm, sizeof(nm)) == NULL)
            continue;
        if (named == 4) {
            n += (size_t)snprintf(buf + n, len - n, ", ...");
            named++;
            continue;
        }
        if (named > 4)
            continue;
        n += (size_t)snprintf(buf + n, len - n, "%s %llu %s", named ? "," : "",
                              (unsigned long long)c->value, nm);
        named++;
    }
    if (s->evictions > 0 && n < len) {
        uint64_t explaining = 0;
        const char *suf = ".evicted_explaining";
        for (size_t i = 0; i < s->n_counters; i++) {
            size_t cl = strlen(s->counters[i].name), sl = strlen(suf);
            if (cl > sl && strcmp(s->counters[i].name + cl - sl, suf) == 0)
                explaining += s->counters[i].value;
        }
        n += (size_t)snprintf(buf + n, len - n, "%s evicted past the memory budget (%llu in all",
                              named ? "" : " entries", (unsigned long long)s->evictions);
        /* healthy entries go first (ctab_set_keep); these were evidence */
        if (explaining > 0 && n < len)
            n += (size_t)snprintf(buf + n, len - n, ", %llu of them evidence of a problem",
                                  (unsigned long long)explaining);
        if (n < len)
            snprintf(buf + n, len - n, "): raise --mem");
    } else if (named > 0 && n < len) {
        snprintf(buf + n, len - n, ": raise --mem");
    }
    return true;
}
