/*
 * keepalive.c — OPTIONS keep-alive series per (client, server) pair: ping
 * count and interval, answers, lost pings (timer F, RFC 3261 §17.1.2.2),
 * failing answers (408, 5xx), outages with start, detection, end and
 * duration, and the current state up/down (see keepalive.h for the rules).
 *
 * Flow: engine.c keepalive_of (from KEV_REQUEST / KEV_FINAL / KEV_TIMEOUT /
 * KEV_UNANSWERED of OPTIONS transactions) → here → kind keepalive_failed; engine.c
 * reads ka_state_name for snap_peer.keepalive. Thread: the analysis thread.
 * Bounds: caps.peers series (oldest evicted, engine.keepalive.evicted),
 * KA_OUTAGES outages each (later ones counted in more_out).
 */
#include "keepalive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

static void on_evict(void *ud, void *entry)
{
    const struct ka_state *k = ud;
    const struct ka_series *s = entry;

    for (uint32_t i = 0; i + 1 < s->n_out; i++)
        intern_drop(k->strings, s->past[i]);
}

struct ka_state *ka_new(const struct caps *caps, struct intern *strings)
{
    struct ka_state *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return NULL;
    k->strings = strings;
    if (ctab_init(&k->series, caps->peers ? caps->peers : 1, sizeof(struct ka_series), on_evict,
                  k) != 0) {
        free(k);
        return NULL;
    }
    return k;
}

/* A new outage: the current one is frozen (interned) first. */
static struct ka_outage *new_outage(struct ka_state *k, struct ka_series *s)
{
    if (s->n_out > 0)
        s->past[s->n_out - 1] = intern_put(k->strings, &s->cur, sizeof(s->cur));
    s->n_out++;
    memset(&s->cur, 0, sizeof(s->cur));
    return &s->cur;
}

const struct ka_outage *ka_outage_at(const struct ka_state *k, const struct ka_series *s,
                                     uint32_t i, struct ka_outage *buf)
{
    size_t n;
    const char *b;

    if (i + 1 == s->n_out) {
        *buf = s->cur;
        return buf;
    }
    memset(buf, 0, sizeof(*buf));
    if (i + 1 < s->n_out) {
        b = intern_get(k->strings, s->past[i], &n);
        if (n == sizeof(*buf))
            memcpy(buf, b, n);
    }
    return buf;
}

void ka_free(struct ka_state *k)
{
    if (k == NULL)
        return;
    ctab_free(&k->series);
    free(k);
}

void ka_stats(const struct ka_state *k, stats_fn fn, void *ud)
{
    if (k == NULL)
        return;
    fn(ud, "engine.keepalive.evicted", k->series.evictions);
    fn(ud, "engine.keepalive.peak", k->series.peak);
}

static uint64_t key_of(const struct ctab *t, const struct addr *c, const struct addr *s)
{
    uint8_t b[32];

    memcpy(b, c->b, 16);
    memcpy(b + 16, s->b, 16);
    return ctab_hash(t, b, sizeof(b));
}

struct ka_series *ka_find(const struct ka_state *k, const struct addr *client,
                          const struct addr *server)
{
    if (k == NULL)
        return NULL;
    return ctab_find(&k->series, key_of(&k->series, client, server));
}

struct ka_series *ka_ping(struct ka_state *k, const struct endpoint *client,
                          const struct endpoint *server, uint64_t frame, int64_t ts)
{
    bool created;
    uint64_t key = key_of(&k->series, &client->ip, &server->ip);
    struct ka_series *s = ctab_get(&k->series, key, &created);

    if (s == NULL)
        return NULL;
    if (created) {
        s->key = key;
        s->client = *client;
        s->server = *server;
        s->first_frame = frame;
        s->first_us = ts;
    } else if (ts >= s->last_us) {
        s->gap[s->gaps++ % KA_GAPS] = ts - s->last_us;
    }
    s->last_us = ts;
    s->pings++;
    if (s->n_pending == KA_PENDING) {   /* the oldest is left to its timer F */
        memmove(&s->pending[0], &s->pending[1], (KA_PENDING - 1) * sizeof(s->pending[0]));
        s->n_pending--;
    }
    s->pending[s->n_pending++] = (struct ka_ping_rec){ frame, ts };
    return s;
}

/* Take ping_frame out of the pending list; false if it was not there. */
static bool unpend(struct ka_series *s, uint64_t ping_frame)
{
    for (uint32_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].frame == ping_frame) {
            memmove(&s->pending[i], &s->pending[i + 1],
                    (s->n_pending - i - 1) * sizeof(s->pending[0]));
            s->n_pending--;
            return true;
        }
    return false;
}

static bool given_up(const struct ka_series *s, uint64_t ping_frame)
{
    for (uint32_t i = 0; i < s->n_given_up && i < KA_PENDING; i++)
        if (s->given_up[i] == ping_frame)
            return true;
    return false;
}

/* An answer to the ping sent at ping_us while KA_MIN_OUTAGE or more pings
 * sent before it got nothing: they were lost, an outage from the first of
 * them to this answer (keepalive.h). True when it recorded one. */
static bool outage_before(struct ka_state *k, struct ka_series *s, int64_t ping_us,
                          uint64_t frame, int64_t ts, uint64_t ping_frame)
{
    uint32_t n = 0;
    struct ka_outage *o;

    while (n < s->n_pending && s->pending[n].us < ping_us)
        n++;
    if (n < KA_MIN_OUTAGE || s->down) {
        /* one lost ping, or part of an outage timer F already opened:
         * their own timer F counts them; only later pings can add up */
        memmove(&s->pending[0], &s->pending[n], (s->n_pending - n) * sizeof(s->pending[0]));
        s->n_pending -= n;
        return false;
    }
    s->lost += n;
    for (uint32_t i = 0; i < n; i++)
        s->given_up[s->n_given_up++ % KA_PENDING] = s->pending[i].frame;
    if (s->n_out >= KA_OUTAGES) {
        s->more_out++;
    } else {
        o = new_outage(k, s);
        o->start_us = s->pending[0].us;
        o->start_frame = s->pending[0].frame;
        o->detect_us = ts;
        o->pings = n;
        o->by_later_answer = true;
        o->last_ok_frame = s->last_ok_frame;
        o->last_ok_us = s->last_ok_us;
        o->last_ok_ping_frame = s->last_ok_ping_frame;
        o->end_us = ts;
        o->end_frame = frame;
        o->end_ping_frame = ping_frame;
        o->end_ping_us = ping_us;
    }
    memmove(&s->pending[0], &s->pending[n], (s->n_pending - n) * sizeof(s->pending[0]));
    s->n_pending -= n;
    return true;
}

bool ka_result(struct ka_state *k, const struct endpoint *client, const struct endpoint *server,
               uint64_t ping_frame, int64_t ping_us, int status, uint64_t frame, int64_t ts)
{
    return ka_result_of(k, ka_find(k, &client->ip, &server->ip), ping_frame, ping_us, status,
                        frame, ts);
}

bool ka_result_of(struct ka_state *k, struct ka_series *s, uint64_t ping_frame, int64_t ping_us,
                  int status, uint64_t frame, int64_t ts)
{
    enum ka_result res;
    struct ka_outage *o;

    if (s == NULL || given_up(s, ping_frame))
        return false;
    unpend(s, ping_frame);
    if (status == 0)
        res = KA_LOST;
    else if (status == 408 || (status >= 500 && status < 600))
        res = KA_FAILED;
    else
        res = KA_ANSWERED;
    if (status != 0 && (status < 200 || status >= 300)) {
        if (s->non2xx++ == 0) {
            s->non2xx_frame = frame;
            s->non2xx_status = status;
        }
    }
    if (res == KA_ANSWERED) {
        bool opened = outage_before(k, s, ping_us, frame, ts, ping_frame);
        s->answered++;
        if (s->down) {
            s->down = false;
            if (s->n_out > 0 && s->cur.end_us == 0) {
                o = &s->cur;
                o->end_us = ts;
                o->end_frame = frame;
                o->end_ping_frame = ping_frame;
                o->end_ping_us = ping_us;
            }
        }
        /* A late answer to a ping sent before the outage's first one says
         * nothing about the ones lost after it. */
        if (ts >= s->last_ok_us) {
            s->last_ok_us = ts;
            s->last_ok_frame = frame;
            s->last_ok_ping_frame = ping_frame;
        }
        return opened;
    }
    if (res == KA_FAILED)
        s->failed++;
    else
        s->lost++;
    /* Timer F fires 32 s after the ping: answers to later pings may have
     * come in the meantime, and then this was one lost ping, not an outage. */
    if (res == KA_LOST && !s->down && s->last_ok_us > ping_us)
        return false;
    if (s->down) {
        if (s->n_out > 0 && s->cur.end_us == 0)
            s->cur.pings++;
        return false;
    }
    s->down = s->went_down = true;
    if (s->n_out >= KA_OUTAGES) {
        s->more_out++;
        return true;
    }
    o = new_outage(k, s);
    o->start_us = ping_us;
    o->start_frame = ping_frame;
    /* Lost: known once timer F (64*T1) ran out after the ping; failed:
     * known from the answer. */
    o->detect_us = res == KA_LOST ? ping_us + CORR_TIMEOUT_US : ts;
    o->pings = 1;
    o->fail_status = res == KA_FAILED ? status : 0;
    o->last_ok_frame = s->last_ok_frame;
    o->last_ok_us = s->last_ok_us;
    o->last_ok_ping_frame = s->last_ok_ping_frame;
    return true;
}

int64_t ka_interval(const struct ka_series *s)
{
    int64_t v[KA_GAPS];
    uint32_t n;

    if (s == NULL || s->gaps == 0)
        return 0;
    n = s->gaps < KA_GAPS ? s->gaps : KA_GAPS;
    memcpy(v, s->gap, n * sizeof(v[0]));
    for (uint32_t i = 1; i < n; i++)        /* insertion sort: n <= 15 */
        for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int64_t x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    return v[n / 2];
}

const char *ka_state_name(const struct ka_series *s)
{
    if (s == NULL || s->pings < KA_MIN_PINGS)
        return "-";
    return s->down ? "down" : "up";
}

void ka_outages_text(const struct ka_state *k, const struct ka_series *s, int64_t t0, char *buf,
                     size_t len)
{
    size_t n = 0;
    struct ka_outage ob;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (uint32_t i = 0; s != NULL && i < s->n_out && n + 1 < len; i++) {
        const struct ka_outage *o = ka_outage_at(k, s, i, &ob);
        if (o->end_us != 0)
            findings_fmt(buf + n, len - n, "%s%.1f-%.1f s (%.1f s)", i ? ", " : "",
                         (double)(o->start_us - t0) / 1e6, (double)(o->end_us - t0) / 1e6,
                         (double)(o->end_us - o->start_us) / 1e6);
        else
            findings_fmt(buf + n, len - n, "%s%.1f s-end (ongoing)", i ? ", " : "",
                         (double)(o->start_us - t0) / 1e6);
        n = strlen(buf);
    }
    if (s != NULL && s->more_out > 0 && n + 1 < len)
        findings_fmt(buf + n, len - n, " and %u more", s->more_out);
}
