/*
 * keepalive.h — OPTIONS keep-alive pings per (client, server) pair
 * (src/correlate/keepalive.c): interval, answer rate, outages and non-2xx
 * answers, for the kind keepalive_failed and the peer's keepalive state.
 *
 * A ping is one OPTIONS transaction (RFC 3261 §11; retransmissions are the
 * same ping). It is answered by any final response; it is lost when its
 * transaction times out (timer F, 64*T1 = 32 s, §17.1.2.2) or is still
 * open at the end of the input, and it "fails" when answered 408 or 5xx
 * (the way Kamailio's dispatcher and Asterisk's qualify treat them). An
 * outage starts at the first lost or failed ping and ends when a later
 * ping is answered 2xx-4xx (a 404/405 still proves the peer alive); it is
 * detected 32 s after the first lost ping (timer F), or at the first
 * failing answer. Clients that give up on a ping early (sipsak, monitoring
 * scripts) or outages shorter than timer F show another way: a later ping
 * is answered while KA_MIN_OUTAGE or more earlier ones are still
 * unanswered; those were lost, and the outage ran from the first of them
 * to that answer (their own timer F or end-of-input results are then
 * ignored: they are already counted).
 *
 * A series counts as keep-alives from KA_MIN_PINGS pings on.
 * Bounds: caps.peers series (oldest evicted, counted), KA_OUTAGES outages
 * kept per series (later ones only counted).
 * Flow: engine.c (keepalive_of, before the kinds see the event) feeds it
 * from OPTIONS transactions; kinds/keepalive_failed.c reports what it hands
 * on (kind_event.ka); engine.c reads the state for snap_peer.keepalive.
 * Thread: the analysis thread.
 */
#ifndef SIPSCOPE_KEEPALIVE_H
#define SIPSCOPE_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "util/ctable.h"
#include "util/intern.h"
#include "stats.h"

#define KA_MIN_PINGS 3
#define KA_OUTAGES 8
#define KA_GAPS 15          /* gaps kept for the interval (median) */
#define KA_PENDING 16       /* unanswered pings tracked per series (older ones: timer F only) */
#define KA_MIN_OUTAGE 2     /* consecutive lost pings that make an outage before timer F */

enum ka_result {
    KA_ANSWERED = 0,    /* 2xx, or 4xx/6xx other than 408: the peer is alive */
    KA_FAILED,          /* 408 or 5xx answer */
    KA_LOST,            /* no final answer (timer F, or open at the end) */
};

struct ka_outage {
    int64_t start_us;           /* first lost/failed ping sent */
    uint64_t start_frame;
    int64_t detect_us;          /* timer F after a lost ping, or the failing answer */
    int64_t end_us;             /* answer that ended it; 0 while ongoing */
    uint64_t end_frame;         /* that answer */
    uint64_t end_ping_frame;    /* the ping it answered */
    int64_t end_ping_us;
    uint64_t last_ok_frame;     /* last answer before the outage, 0 if none */
    int64_t last_ok_us;
    uint64_t last_ok_ping_frame;
    uint32_t pings;             /* lost/failed pings in it */
    int fail_status;            /* first failing status, 0 if only losses */
    bool by_later_answer;       /* known when a later ping was answered first */
};

struct ka_series {
    uint64_t key;
    struct endpoint client, server;
    uint32_t pings, answered, failed, lost, non2xx;
    uint64_t first_frame;
    int64_t first_us, last_us;  /* first and last ping sent */
    int64_t gap[KA_GAPS];       /* latest gaps between consecutive pings (ring) */
    uint32_t gaps;              /* gaps seen in all */
    bool down;
    bool went_down;             /* a ping's timer F fired with nothing answered since */
    int64_t last_ok_us;
    uint64_t last_ok_frame, last_ok_ping_frame;
    uint32_t n_out, more_out;
    /* outage n_out-1, the only one that still changes (its end, its
     * pings); the earlier ones are frozen and interned in the engine's
     * strings (one string each, exact; dropped on eviction): most series
     * never have one. Read them with ka_outage_at. */
    struct ka_outage cur;
    uint32_t past[KA_OUTAGES - 1];
    uint64_t non2xx_frame;      /* first non-2xx answer */
    int non2xx_status;
    /* pings sent and not yet answered, oldest first; and pings already
     * counted lost by a later answer (their own results are ignored) */
    uint32_t n_pending, n_given_up;
    struct ka_ping_rec { uint64_t frame; int64_t us; } pending[KA_PENDING];
    uint64_t given_up[KA_PENDING];
};

struct ka_state {
    struct ctab series;
    struct intern *strings;     /* the engine's (ka_new) */
};

/* The series' past outages live in strings (the engine's). */
struct ka_state *ka_new(const struct caps *caps, struct intern *strings);
void ka_free(struct ka_state *k);

/* A new OPTIONS ping from client to server at ts. Returns the series. */
struct ka_series *ka_ping(struct ka_state *k, const struct endpoint *client,
                          const struct endpoint *server, uint64_t frame, int64_t ts);
/*
 * The ping sent at ping_us (frame ping_frame) ended: answered with status
 * (frame, ts) or lost (status 0; ts = when that was known). Returns true
 * when this result opened an outage.
 */
bool ka_result(struct ka_state *k, const struct endpoint *client, const struct endpoint *server,
               uint64_t ping_frame, int64_t ping_us, int status, uint64_t frame, int64_t ts);
/* The same for the series s the caller found already (ka_find; NULL: false). */
bool ka_result_of(struct ka_state *k, struct ka_series *s, uint64_t ping_frame, int64_t ping_us,
                  int status, uint64_t frame, int64_t ts);
struct ka_series *ka_find(const struct ka_state *k, const struct addr *client,
                          const struct addr *server);
/* Median of the latest gaps between pings in µs (an outage or a missed
 * ping does not skew it), 0 when fewer than two pings. */
int64_t ka_interval(const struct ka_series *s);
/* "up", "down" or "-" (not a keep-alive series). */
const char *ka_state_name(const struct ka_series *s);
/* "08:00:12.5-08:00:52.0 (39.5 s), ..." the outages, capture-relative to t0. */
void ka_outages_text(const struct ka_state *k, const struct ka_series *s, int64_t t0, char *buf,
                     size_t len);
/* Outage i (< n_out) of s, read into *buf (zeros if its string was
 * refused, counted in engine.strings.refused); returns buf. */
const struct ka_outage *ka_outage_at(const struct ka_state *k, const struct ka_series *s,
                                     uint32_t i, struct ka_outage *buf);
void ka_stats(const struct ka_state *k, stats_fn fn, void *ud);

#endif
