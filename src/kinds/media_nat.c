/*
 * media_nat.c — kind media_nat: where a call's media really flows differs
 * from its SDP. Either a party's RTP arrives from another address or port
 * than its SDP announced (a NAT in front of it, or an ALG that rewrote the
 * SDP): symmetric RTP (RFC 4961, "comedia"/latching) makes that work only if
 * the far end answers to where the media comes from; or RTP is sent to a
 * party's private SDP address from outside its NAT, where it cannot arrive.
 * Judged with the other media kinds (at BYE or at the end), for any
 * answered call. One finding per (caller, callee); count = calls.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "media_judge.h"

static void judge(struct kind_ctx *k, const struct media_verdict *v)
{
    char entity[128], sdp[64], real[64], line[160];
    struct finding *f;
    bool moved = false, lost = false;

    for (int i = 0; i < 2; i++) {
        moved |= v->moved[i];
        lost |= v->void_to[i] > 0;
    }
    if (!moved && !lost)
        return;
    media_judge_entity(v, entity, sizeof(entity));
    f = kind_raise(k, KIND_MEDIA_NAT, lost ? SEV_ERROR : SEV_WARNING, entity, v->answer_us, NULL);
    if (f == NULL)
        return;
    media_judge_cite(k, f, v);
    for (int i = 0; i < 2; i++) {
        media_judge_ep(&v->sdp_ep[i], sdp, sizeof(sdp));
        if (v->moved[i]) {
            media_judge_ep(&v->real_src[i], real, sizeof(real));
            findings_fmt(line, sizeof(line), "%s RTP from %s, its SDP says %s", media_side[i],
                         real, sdp);
            finding_cite(k->fs, f, v->moved_frame[i], 0, "media from another address", line);
        }
        if (v->void_to[i] > 0) {
            findings_fmt(line, sizeof(line), "RTP to the %s's private SDP address %s",
                         media_side[i], sdp);
            finding_cite(k->fs, f, v->void_frame[i], 0, "RTP to a private SDP address", line);
        }
    }
    if (!finding_new(f))
        return;
    for (int i = 0; i < 2; i++) {
        media_judge_ep(&v->sdp_ep[i], sdp, sizeof(sdp));
        if (v->void_to[i] > 0) {
            finding_summary(f, "Media sent to a private SDP address: the %s's SDP gives %s, and "
                               "%llu RTP packets were sent there from outside its NAT, where "
                               "they cannot arrive", media_side[i], sdp,
                            (unsigned long long)v->void_to[i]);
            break;
        }
        if (v->moved[i]) {
            media_judge_ep(&v->real_src[i], real, sizeof(real));
            finding_summary(f, "The %s's media comes from %s, not from %s as its SDP says: a %s "
                               "between it and the capture", media_side[i], real, sdp,
                            v->private_sdp[i] ? "NAT" : "NAT or a SIP ALG rewriting SDP");
        }
    }
    finding_cause(f, "the %s is behind a NAT and announces the address it has inside",
                  v->private_sdp[0] || !v->private_sdp[1] ? "caller" : "callee");
    if (moved)
        finding_cause(f, "audio still works both ways only if the far end uses symmetric RTP "
                         "(latching): it must send to the address and port the media comes from, "
                         "not to the SDP's");
    if (lost)
        finding_cause(f, "the far end follows the SDP and sends to the private address: that "
                         "direction of audio is lost");
    finding_fix(f, "On the party behind NAT, announce the public address (Asterisk "
                   "external_media_address, FreeSWITCH ext-rtp-ip, a phone's STUN/ICE)");
    finding_fix(f, "On the far end, enable symmetric RTP / comedia (Asterisk rtp_symmetric=yes, "
                   "Kamailio rtpengine or nathelper fix_nated_sdp); disable the SIP ALG");
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    media_judge_event(k, ev, judge);
}

static void on_finish(struct kind_ctx *k)
{
    media_judge_finish(k, judge);
}

const struct kind kind_media_nat = {
    KIND_MEDIA_NAT, 0, on_event, on_finish,
    KEV_BIT(KEV_MESSAGE) | KEV_BIT(KEV_REQUEST)
};
