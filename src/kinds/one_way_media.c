/*
 * one_way_media.c — kind one_way_media: an answered call whose audio
 * reached one side only: RTP from one party arrived, none from the other
 * (or what the other party was sent went to a private SDP address it cannot
 * reach from where the capture sits). Judged at the BYE, or at the end for
 * a call still up MEDIA_JUDGE_US after its answer; hold and one-way SDP
 * directions (RFC 3264 §5.1, §8.4) are not findings. When the capture never
 * shows the silent party's host sending anything, it may simply not see
 * that direction (a mirror port of one leg): then the finding is info and
 * says so. One finding per (caller, callee) addresses; count = calls.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "media_judge.h"

static void judge(struct kind_ctx *k, const struct media_verdict *v)
{
    char entity[128], heard[64], quiet[64];
    struct finding *f;
    int s, o;

    if (v->state != MEDIA_ONE_WAY || v->expected)
        return;
    s = v->silent;
    o = !s;
    media_judge_entity(v, entity, sizeof(entity));
    f = kind_raise(k, KIND_ONE_WAY_MEDIA, v->cannot_see[s] ? SEV_INFO : SEV_ERROR, entity,
                   v->answer_us, NULL);
    if (f == NULL)
        return;
    media_judge_ep(&v->sdp_ep[o], heard, sizeof(heard));
    media_judge_ep(&v->sdp_ep[s], quiet, sizeof(quiet));
    media_judge_cite(k, f, v);
    finding_cite(k->fs, f, v->first_frame_to[s], 0, "first RTP that arrived",
                 o == 0 ? "caller -> callee" : "callee -> caller");
    if (v->void_to[o] > 0)
        finding_cite(k->fs, f, v->void_frame[o], 0, "RTP to a private SDP address",
                     "sent where it cannot arrive");
    if (!finding_new(f))
        return;
    finding_summary(f, "One-way audio: the %s (SDP %s) sent %llu RTP packets that reached the %s, "
                       "but no RTP from the %s (SDP %s) reached the %s%s",
                    media_side[o], heard, (unsigned long long)v->packets_to[s], media_side[s],
                    media_side[s], quiet, media_side[o],
                    v->cannot_see[s] ? " - though this capture shows nothing sent from the "
                                       "silent side's host, so it may not see that direction"
                                     : "");
    if (v->cannot_see[s]) {
        finding_cause(f, "the capture point sees only one direction of the media path (a "
                         "mirror port of one leg, media routed around the capture)");
        finding_fix(f, "Capture where both directions pass (the PBX itself, or both legs) "
                       "before concluding");
    }
    if (v->void_to[o] > 0) {
        finding_cause(f, "the %s's RTP goes to the private address the %s's SDP gives (%s), "
                         "which cannot be reached from outside its NAT", media_side[s],
                      media_side[o], heard);
    }
    if (v->private_sdp[s])
        finding_cause(f, "the %s announces a private address (%s) and its NAT drops or "
                         "misroutes the RTP (no port forwarded, no pinhole opened yet)",
                      media_side[s], quiet);
    finding_cause(f, "a firewall blocks the RTP port range in one direction, or the %s's "
                     "media goes to another address than its SDP says (SIP ALG rewriting SDP)",
                  media_side[s]);
    finding_fix(f, "On the PBX: set the external (public) address for media (Asterisk "
                   "external_media_address, FreeSWITCH ext-rtp-ip) and enable symmetric RTP / "
                   "comedia (rtp_symmetric=yes, direct_media=no) so it answers where media "
                   "comes from");
    finding_fix(f, "Open or forward the RTP port range (e.g. UDP 10000-20000) on the NAT or "
                   "firewall, and disable the SIP ALG");
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    media_judge_event(k, ev, judge);
}

static void on_finish(struct kind_ctx *k)
{
    media_judge_finish(k, judge);
}

const struct kind kind_one_way_media = {
    KIND_ONE_WAY_MEDIA, 0, on_event, on_finish,
    KEV_BIT(KEV_MESSAGE) | KEV_BIT(KEV_REQUEST)
};
