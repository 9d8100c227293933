/*
 * media_judge.h — what the media kinds (one_way_media, no_media, media_nat)
 * share: when a call's media can be judged, the entity they name, and the
 * evidence they cite (the answer, both SDPs, the first RTP each way).
 *
 * A call is judged once: at its BYE (KEV_REQUEST, not a retransmission), or
 * at the end of input when it was answered MEDIA_JUDGE_US before and never
 * ended; live (media_set_live), a call still up MEDIA_LIVE_JUDGE_US after
 * its answer is judged then instead, at the SIP message media_due_now()
 * names (KEV_MESSAGE), and not again. Private header of src/kinds/. Thread: the analysis thread.
 */
#ifndef SIPSCOPE_KINDS_MEDIA_JUDGE_H
#define SIPSCOPE_KINDS_MEDIA_JUDGE_H

#include "correlate/correlate.h"
#include "media/media.h"

static const char *const media_side[2] = { "caller", "callee" };

/* The calls to judge now: fn(k, verdict) for the call of a new BYE, or at
 * the end for every answered call still up. */
typedef void (*media_judge_fn)(struct kind_ctx *k, const struct media_verdict *v);

struct media_judge_walk {
    struct kind_ctx *k;
    media_judge_fn fn;
};

static inline bool media_judge_long_enough(const struct media_verdict *v, int64_t end)
{
    return v->answered && end - v->answer_us >= MEDIA_JUDGE_US;
}

static inline void media_judge_each_cb(void *ud, const struct media_verdict *v)
{
    const struct media_judge_walk *w = ud;
    if (v->end_us == 0 && v->live_frame == 0 && media_judge_long_enough(v, w->k->v->now_us))
        w->fn(w->k, v);
}

struct media_judge_due {
    struct kind_ctx *k;
    media_judge_fn fn;
    uint64_t frame;
};

static inline void media_judge_due_cb(void *ud, const struct media_verdict *v)
{
    const struct media_judge_due *w = ud;
    if (v->live_frame == w->frame)
        w->fn(w->k, v);
}

static inline void media_judge_event(struct kind_ctx *k, const struct kind_event *ev,
                                     media_judge_fn fn)
{
    struct media_verdict v;

    if (k->v->media == NULL || ev->m == NULL)
        return;
    if (ev->type == KEV_MESSAGE && media_due_now(k->v->media, ev->m)) {
        struct media_judge_due w = { k, fn, ev->m->frame };
        media_each_call(k->v->media, media_judge_due_cb, &w);
        return;
    }
    if (ev->type != KEV_REQUEST || ev->m->method != SIP_BYE)
        return;
    if (media_call(k->v->media, ev->m->call_id, &v) && v.live_frame == 0 &&
        media_judge_long_enough(&v, ev->m->ts_us))
        fn(k, &v);
}

static inline void media_judge_finish(struct kind_ctx *k, media_judge_fn fn)
{
    struct media_judge_walk w = { k, fn };
    if (k->v->media != NULL)
        media_each_call(k->v->media, media_judge_each_cb, &w);
}

/* "CALLER-SIP to CALLEE-SIP": one finding per pair of parties, count = calls. */
static inline void media_judge_entity(const struct media_verdict *v, char *buf, size_t len)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];
    findings_fmt(buf, len, "%s to %s", addr_str(&v->sig[0].ip, a, sizeof(a)),
                 addr_str(&v->sig[1].ip, b, sizeof(b)));
}

static inline void media_judge_ep(const struct endpoint *e, char *buf, size_t len)
{
    char a[ADDR_STRLEN];
    findings_fmt(buf, len, "%s:%u", addr_str(&e->ip, a, sizeof(a)), (unsigned)e->port);
}

/* Cite the answer and both SDPs (with the address each announced). */
static inline void media_judge_cite(struct kind_ctx *k, struct finding *f,
                                    const struct media_verdict *v)
{
    char line[160], ep[64];

    findings_fmt(line, sizeof(line), "call %s answered", v->call_id);
    finding_cite(k->fs, f, v->answer_frame, v->answer_us, "answer (2xx)", line);
    for (int i = 0; i < 2; i++) {
        if (!v->have_sdp[i])
            continue;
        media_judge_ep(&v->sdp_ep[i], ep, sizeof(ep));
        findings_fmt(line, sizeof(line), "%s SDP: audio to %s, %s", media_side[i], ep,
                     sdp_dir_name(v->dir[i]));
        finding_cite(k->fs, f, v->sdp_frame[i], 0, i == 0 ? "offer SDP" : "answer SDP", line);
    }
}

#endif
