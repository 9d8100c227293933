/*
 * pipeline.c — the analysis thread (see pipeline.h): ring → decode →
 * sip_parse → engine, plus -w, --messages and snapshot publication.
 *
 * Place in the flow: the only module that chains stages. Owning thread: the
 * analysis thread owns the decoder, the parser and the engine while it runs
 * (lock-free: nothing else touches them until pipeline_join).
 *
 * Work per wake-up is bounded: at most PIPELINE_BATCH records are handled
 * before their ring space is released (one release store) and the
 * dashboard gets a chance to publish. Time-outs run on packet time, so a
 * replayed file gives the same result every time; a live capture that goes
 * quiet advances the clock from the wall clock once a second.
 */
#include "pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/addr.h"
#include "config/keylog.h"
#include "decode/decode.h"
#include "media/media.h"
#include "util/err.h"
#include "output/hep_out.h"
#include "sip.h"
#include "output/snappub.h"
#include "util/thread.h"

#define PIPELINE_BATCH 256          /* records per ring release */
/* SIP payloads one frame may complete: a 64 KiB TCP segment of HEP records
 * or pipelined small messages carries a couple of hundred (the rest are
 * counted in decode.out_full). */
#define PIPELINE_MAX_PAYLOADS 256
#define PIPELINE_TICK_US 100000     /* packet-time step between expiry calls */
/* A quiet live capture still advances timeouts (and publishes) this often:
 * a finding that a timer completes is then raised, and alerted, well
 * within a second (docs/monitoring.md). */
#define PIPELINE_IDLE_TICK_US 200000
/* --hep-in: the receiver's agent table is judged (hep_agent_quiet) this
 * often, by the wall clock; the table itself is republished every 200 ms. */
#define PIPELINE_AGENTS_US 500000

struct pipeline {
    struct pipeline_opts o;
    struct decoder *dec;
    struct sip_parser *sp;
    struct engine *eng;
    struct media *media;
    pthread_t thread;
    struct ring *ring;
    bool started;

    uint64_t packets, bytes, payloads, sip_messages;
    int64_t first_ts, last_ts, last_tick;
    bool have_ts;
    int64_t agents_checked;     /* wall clock of the last engine_hep_agents */
    struct run_info agents;     /* scratch: the receiver's agents (only .agents used) */
    struct sip_payload pl[PIPELINE_MAX_PAYLOADS];
    struct sip_msg msg;

    /* --verify-parse: each parsed message again through libosip2
     * (sip_verify); differences are counted, the first one is quoted. */
    uint64_t verify_checked, verify_diffs, verify_osip_rejects, verify_first_frame;
    char verify_first[160];
};

/* --verify-parse: the fast parser's view of one message against libosip2's
 * (slow: it mallocs; a diagnostic mode, never the default). */
static void verify_msg(struct pipeline *p, const struct sip_payload *pl)
{
    char why[128];
    int rc = sip_verify(&p->msg, pl->data, pl->len, why, sizeof(why));

    p->verify_checked++;
    if (rc < 0) {
        p->verify_osip_rejects++;
    } else if (rc > 0) {
        if (p->verify_diffs++ == 0) {
            p->verify_first_frame = pl->frame;
            snprintf(p->verify_first, sizeof(p->verify_first), "%s", why);
        }
    }
}

/* The decoder's TLS tracker → the engine (tls_* findings). */
static void on_tls(void *ud, enum tls_event ev, const struct tls_conn *c)
{
    struct pipeline *p = ud;
    engine_tls(p->eng, ev, c);
}

struct pipeline *pipeline_new(const struct pipeline_opts *o, char *errbuf)
{
    struct pipeline *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        err_set(errbuf, "out of memory");
        return NULL;
    }
    p->o = *o;
    p->dec = decoder_new(o->caps);
    p->sp = sip_parser_new(o->caps);
    p->media = media_new(o->caps);
    if (p->dec == NULL || p->sp == NULL || p->media == NULL) {
        err_set(errbuf, "cannot create the decoder: out of memory");
        pipeline_free(p);
        return NULL;
    }
    if (errbuf != NULL)
        errbuf[0] = '\0';
    p->eng = engine_new(o->caps, o->engine, errbuf);
    if (p->eng == NULL) {
        if (errbuf != NULL && errbuf[0] == '\0')
            err_set(errbuf, "cannot create the engine");
        pipeline_free(p);
        return NULL;
    }
    decode_tls_sink(p->dec, on_tls, p);
    /* RTP/RTCP reach the media stage as non-SIP UDP payloads */
    decode_set_media(p->dec, true);
    engine_set_media(p->eng, p->media);
    media_set_heuristic(p->media, o->rtp_heuristic);
    media_set_live(p->media, o->live);
    if (o->tls_keylog != NULL && !decode_tls_keylog(p->dec, o->tls_keylog)) {
        err_set(errbuf, "--tls-keylog: out of memory");
        pipeline_free(p);
        return NULL;
    }
    return p;
}

void pipeline_free(struct pipeline *p)
{
    if (p == NULL)
        return;
    engine_free(p->eng);
    media_free(p->media);
    sip_parser_free(p->sp);
    decoder_free(p->dec);
    free(p);
}

void pipeline_set_writer(struct pipeline *p, struct capture_writer *w)
{
    p->o.writer = w;
}

struct engine *pipeline_engine(struct pipeline *p)
{
    return p->eng;
}

/* ---- --messages ---------------------------------------------------------- */

/* Wire text on one TSV line: control bytes, tab and backslash escaped. */
static void put_escaped(FILE *f, struct span s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            fprintf(f, "\\x%02x", ch);
        else
            putc(ch, f);
    }
}

void pipeline_print_message(FILE *f, const struct sip_msg *m)
{
    char src[ADDR_STRLEN], dst[ADDR_STRLEN];
    int64_t s = m->ts_us / 1000000, u = m->ts_us % 1000000;

    if (u < 0) {
        u += 1000000;
        s -= 1;
    }
    addr_str(&m->src.ip, src, sizeof(src));
    addr_str(&m->dst.ip, dst, sizeof(dst));
    fprintf(f, "%" PRIu64 "\t%" PRId64 ".%06" PRId64 "\t%s\t%u\t%s\t%u\t%s\t", m->frame, s, u,
            src, (unsigned)m->src.port, dst, (unsigned)m->dst.port,
            transport_name(m->transport));
    if (m->is_request)
        put_escaped(f, m->method_name);
    putc('\t', f);
    if (!m->is_request)
        fprintf(f, "%d", m->status);
    putc('\t', f);
    put_escaped(f, m->call_id);
    fprintf(f, "\t%" PRIu32 " ", m->cseq);
    put_escaped(f, m->cseq_method_name);
    putc('\n', f);
}

/* ---- the loop ------------------------------------------------------------ */

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void advance_clock(struct pipeline *p, int64_t now)
{
    decode_expire(p->dec, now);
    engine_tick(p->eng, now);
    p->last_tick = now;
}

static void handle_packet(struct pipeline *p, const struct packet *pkt)
{
    size_t n;

    p->packets++;
    p->bytes += pkt->len;
    if (!p->have_ts) {
        p->first_ts = p->last_ts = p->last_tick = pkt->ts_us;
        p->have_ts = true;
    }
    if (pkt->ts_us > p->last_ts)
        p->last_ts = pkt->ts_us;
    if (p->o.writer != NULL)
        capture_writer_write(p->o.writer, pkt);

    n = decode_packet(p->dec, pkt, p->pl, PIPELINE_MAX_PAYLOADS);
    if (n > PIPELINE_MAX_PAYLOADS)
        n = PIPELINE_MAX_PAYLOADS;
    for (size_t i = 0; i < n; i++) {
        if (p->pl[i].not_sip) {
            media_on_udp(p->media, &p->pl[i]);
            continue;
        }
        p->payloads++;
        if (sip_parse(p->sp, &p->pl[i], &p->msg) != SIP_OK)
            continue;
        p->sip_messages++;
        if (p->o.engine != NULL && p->o.engine->verify_parse)
            verify_msg(p, &p->pl[i]);
        if (p->o.messages != NULL)
            pipeline_print_message(p->o.messages, &p->msg);
        if (p->o.hep != NULL && (!p->pl[i].from_hep || p->o.hep_relay))
            hep_out_send(p->o.hep, &p->pl[i]);
        media_on_sip(p->media, &p->msg);
        engine_msg(p->eng, &p->msg);
    }
    /* Packet time only moves forward for expiry (captures can be unordered). */
    if (p->last_ts - p->last_tick >= PIPELINE_TICK_US)
        advance_clock(p, p->last_ts);
}

/* Live --hep-in: hand the agent table to the engine (agents gone quiet). */
static void check_agents(struct pipeline *p)
{
    int64_t now;

    if (!p->o.live || p->o.capture == NULL)
        return;
    now = wall_us();
    if (now - p->agents_checked < PIPELINE_AGENTS_US)
        return;
    p->agents_checked = now;
    p->agents.n_agents = 0;
    capture_agents(p->o.capture, &p->agents);
    engine_hep_agents(p->eng, p->agents.agents, p->agents.n_agents, now);
}

static void publish(struct pipeline *p, bool force)
{
    struct run_info run;

    if (p->o.pub == NULL)
        return;
    pipeline_run_info(p, &run);
    snappub_publish(p->o.pub, p->eng, &run, force);
}

void pipeline_run(struct pipeline *p, struct ring *r)
{
    struct packet pkt;
    unsigned idle = 0;
    int64_t idle_since = 0;

    for (;;) {
        unsigned n = 0;

        while (n < PIPELINE_BATCH && ring_peek(r, &pkt)) {
            handle_packet(p, &pkt);
            ring_next(r);
            n++;
        }
        if (n > 0) {
            ring_release(r);
            check_agents(p);
            publish(p, false);
            idle = 0;
            continue;
        }
        if (ring_closed(r)) {
            if (ring_peek(r, &pkt))
                continue;   /* committed just before the close */
            break;
        }
        /* Empty: spin a little, then nap with a growing (bounded) sleep. */
        if (++idle > 64) {
            long ns = idle > 1000 ? 1000000 : 50000;
            struct timespec ts = { 0, ns };
            nanosleep(&ts, NULL);
        }
        if (p->o.live && idle > 64) {
            int64_t now = wall_us();
            if (idle_since == 0)
                idle_since = now;
            if (now - idle_since >= PIPELINE_IDLE_TICK_US) {
                advance_clock(p, now > p->last_tick ? now : p->last_tick);
                idle_since = now;
            }
            check_agents(p);
            /* Rate-limited by snappub: what the last batch changed is out
             * within SNAPPUB_INTERVAL_MS even when no packet follows. */
            publish(p, false);
        } else {
            idle_since = 0;
        }
    }
    decode_finish(p->dec, p->have_ts ? p->last_ts : 0);
    engine_finish(p->eng, p->have_ts ? p->last_ts : 0);
    if (p->o.engine != NULL && p->o.engine->verify_parse) {
        fprintf(stderr, "sipscope: --verify-parse: %" PRIu64 " messages checked against "
                "libosip2, %" PRIu64 " differ, %" PRIu64 " rejected by libosip2",
                p->verify_checked, p->verify_diffs, p->verify_osip_rejects);
        if (p->verify_diffs > 0)
            fprintf(stderr, " (first: frame %" PRIu64 ": %s)", p->verify_first_frame,
                    p->verify_first);
        fputc('\n', stderr);
    }
    if (p->o.messages != NULL)
        fflush(p->o.messages);
    if (p->o.pub != NULL) {
        struct run_info run;
        pipeline_run_info(p, &run);
        snappub_finish(p->o.pub, p->eng, &run);
    }
}

static void *pipeline_main(void *arg)
{
    struct pipeline *p = arg;
    pipeline_run(p, p->ring);
    return NULL;
}

int pipeline_start(struct pipeline *p, struct ring *r, char *errbuf)
{
    int rc;

    p->ring = r;
    rc = thread_spawn(&p->thread, pipeline_main, p);
    if (rc != 0) {
        err_set(errbuf, "cannot start the analysis thread: %s", strerror(rc));
        return ERR_NOMEM;
    }
    p->started = true;
    return 0;
}

void pipeline_join(struct pipeline *p)
{
    if (p->started) {
        pthread_join(p->thread, NULL);
        p->started = false;
    }
}

/* ---- run_info ------------------------------------------------------------ */

static void walk_stats(const void *ctx, stats_fn fn, void *ud)
{
    const struct pipeline *p = ctx;
    const uint64_t *rej = sip_parser_rejects(p->sp);
    char name[64];

    fn(ud, "pipeline.packets", p->packets);
    fn(ud, "pipeline.payloads", p->payloads);
    fn(ud, "pipeline.sip_messages", p->sip_messages);
    if (p->o.engine != NULL && p->o.engine->verify_parse) {
        fn(ud, "sip.verify.checked", p->verify_checked);
        fn(ud, "sip.verify.differences", p->verify_diffs);
        fn(ud, "sip.verify.osip_rejected", p->verify_osip_rejects);
    }
    if (p->o.capture != NULL)
        capture_stats(p->o.capture, fn, ud);
    decode_stats(p->dec, fn, ud);
    if (p->o.tls_keylog != NULL)
        keylog_stats(p->o.tls_keylog, fn, ud);
    hep_out_stats(p->o.hep, fn, ud);
    for (int i = 1; i < SIP_REJ_COUNT; i++) {
        snprintf(name, sizeof(name), "sip.reject.%s", sip_reject_name(i));
        fn(ud, name, rej[i]);
    }
    engine_stats(p->eng, fn, ud);
}

void pipeline_run_info(const struct pipeline *p, struct run_info *run)
{
    const uint64_t *rej = sip_parser_rejects(p->sp);

    memset(run, 0, sizeof(*run));
    run->source = p->o.source != NULL ? p->o.source : "";
    run->live = p->o.live;
    run->linktype = p->o.linktype;
    run->n_files = p->o.n_files;
    run->first_ts_us = p->have_ts ? p->first_ts : 0;
    run->last_ts_us = p->have_ts ? p->last_ts : 0;
    run->packets = p->packets;
    run->bytes = p->bytes;
    run->sip_messages = p->sip_messages;
    /* "not SIP" is every non-SIP payload (RTP, DNS ...), not a malformed one. */
    for (int i = 1; i < SIP_REJ_COUNT; i++)
        if (i != SIP_REJ_not_sip)
            run->malformed += rej[i];
    if (p->o.capture != NULL) {
        struct capture_result cr;
        capture_result(p->o.capture, &cr);
        /* Frames lost at a full ring were captured too. */
        run->packets = p->packets + cr.ring_drops;
        run->ring_drops = cr.ring_drops;
        run->kernel_drops = cr.kernel_drops;
        run->if_drops = cr.if_drops;
        run->truncated = cr.truncated;
        capture_agents(p->o.capture, run);
    }
    run->stats_walk = walk_stats;
    run->stats_ctx = p;
}
