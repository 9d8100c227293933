/*
 * no_media.c — kind no_media: an answered call through which no RTP
 * flowed either way for MEDIA_JUDGE_US after the answer, though both SDPs
 * asked for media (a hold or inactive stream is not a finding). Judged at
 * the BYE or at the end. When the capture shows neither party's media host
 * sending anything, it may not be on the media path at all (media routed
 * around it, or a filter such as "port 5060"): then the finding is info and
 * says so. One finding per (caller, callee) addresses; count = calls. The
 * info ones (the capture sees no media at all) are one population finding
 * (members: the address pairs): a PBX's SIP-only capture has one such call
 * per phone, and a finding each filled the findings cap (issue 14).
 * Thread: the analysis thread.
 */
#include <string.h>

#include "media_judge.h"

static void judge(struct kind_ctx *k, const struct media_verdict *v)
{
    char entity[128], a[64], b[64];
    struct finding *f;
    bool blind = v->cannot_see[0] && v->cannot_see[1];

    if (v->state != MEDIA_NONE || v->expected || !v->have_sdp[0] || !v->have_sdp[1])
        return;
    media_judge_entity(v, entity, sizeof(entity));
    f = kind_raise(k, KIND_NO_MEDIA, blind ? SEV_INFO : SEV_ERROR,
                   blind ? "calls whose media this capture does not see" : entity, v->answer_us,
                   NULL);
    if (f == NULL)
        return;
    if (blind) {
        findings_note_member(k->fs, f, "calls", entity);
        if (f->f.n_members > 1) {
            findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s address pairs",
                         (unsigned long long)f->f.n_members, f->f.members_dropped ? "+" : "");
            finding_summary(f, "No audio seen for %llu answered call(s) between %llu%s address "
                               "pairs: this capture shows nothing sent from either media "
                               "address, so it may not be on the media path",
                            (unsigned long long)f->f.count, (unsigned long long)f->f.n_members,
                            f->f.members_dropped ? "+" : "");
            return;
        }
        findings_fmt(f->f.entity, sizeof(f->f.entity), "%s", entity);
    }
    media_judge_cite(k, f, v);
    for (int i = 0; i < 2; i++)
        if (v->void_to[i] > 0)
            finding_cite(k->fs, f, v->void_frame[i], 0, "RTP to a private SDP address",
                         "sent where it cannot arrive");
    if (!finding_new(f))
        return;
    media_judge_ep(&v->sdp_ep[0], a, sizeof(a));
    media_judge_ep(&v->sdp_ep[1], b, sizeof(b));
    finding_summary(f, "No audio: the call was answered but no RTP reached either side "
                       "(caller SDP %s, callee SDP %s)%s", a, b,
                    blind ? "; this capture shows nothing sent from either media address, so "
                            "it may not be on the media path" : "");
    if (blind) {
        finding_cause(f, "the capture is not on the media path (media flows directly between "
                         "phones or through another interface), or a capture filter such as "
                         "\"port 5060\" dropped the RTP");
        finding_fix(f, "Capture without a port filter, where the media passes (the PBX)");
    }
    if (v->private_sdp[0] || v->private_sdp[1])
        finding_cause(f, "a party announces a private address in its SDP and the other sends "
                         "there, outside its reach");
    finding_cause(f, "a firewall blocks the RTP port range both ways, or the codec "
                     "negotiation failed after the answer");
    finding_fix(f, "Set the PBX's external media address and enable symmetric RTP "
                   "(rtp_symmetric=yes, direct_media=no); open the RTP port range");
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    media_judge_event(k, ev, judge);
}

static void on_finish(struct kind_ctx *k)
{
    media_judge_finish(k, judge);
}

const struct kind kind_no_media = {
    KIND_NO_MEDIA, 0, on_event, on_finish,
    KEV_BIT(KEV_MESSAGE) | KEV_BIT(KEV_REQUEST)
};
