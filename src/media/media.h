/*
 * media.h — the media stage: follows the RTP/RTCP that SDP announces for
 * each call and measures it per stream (packets, loss, jitter, DTMF), and
 * says per call whether media flowed both ways, one way or not at all and
 * whether it came from where SDP said (NAT/ALG evidence).
 *
 * Flow: sip_parse (messages with SDP, and the ends of calls) and decode
 * (UDP datagrams that are not SIP) → media (this) → the engine, which
 * copies media_snapshot() into the snapshot and lets the media kinds read
 * media_calls. pipeline.c feeds it; nothing else does.
 *
 * Bounded: calls (--cap media_calls), announced ports (4 per call slot)
 * and streams (--cap media_streams) are ctab tables allocated at start-up
 * that evict their oldest entry at the cap and count it (media.*.evicted).
 * A call leaves earlier, with its ports and streams, once SIP is done with
 * it (media.*.retired; media.c says when); the report still lists it.
 * Thread: the analysis thread owns it; readers take snapshots.
 */
#ifndef SIPSCOPE_MEDIA_H
#define SIPSCOPE_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "payload.h"
#include "sip.h"
#include "snapshot.h"
#include "stats.h"
#include "media/sdp.h"

struct media;

/* A call's media is judged once it had this long after the answer: media
 * starts within a packet time or two of the 200 OK. */
#define MEDIA_JUDGE_US 2000000

/* NULL on out of memory. */
struct media *media_new(const struct caps *caps);
void media_free(struct media *m);
/* --rtp-heuristic: also measure RTP on ports no SDP announced (off by
 * default). Such streams belong to no call, are kept in a table of their
 * own (a quarter of media_streams) and are marked heuristic. */
void media_set_heuristic(struct media *m, bool on);
/* Live capture: a call still up MEDIA_LIVE_JUDGE_US after its answer is
 * judged then, while it lasts (a one-way call is alerted during the call,
 * not at its BYE); replays keep judging at the BYE. The judging happens at
 * a SIP message: media_due_now() is true for the one message (frame and
 * place in it: several share a TCP segment) at which calls fell due, and
 * those calls' verdicts carry live_frame == its frame. */
#define MEDIA_LIVE_JUDGE_US 10000000
void media_set_live(struct media *m, bool on);
bool media_due_now(const struct media *m, const struct sip_msg *msg);

/* A parsed SIP message: SDP offers and answers (INVITE, 183/200, re-INVITE,
 * UPDATE, PRACK, ACK), 2xx to INVITE (answered), BYE (ended). */
void media_on_sip(struct media *m, const struct sip_msg *msg);
/* A UDP datagram decode did not take for SIP (pl->not_sip). True when it
 * was RTP or RTCP on a port some SDP announced. */
bool media_on_udp(struct media *m, const struct sip_payload *pl);

void media_stats(const struct media *m, stats_fn fn, void *ud);
/* Calls, announced ports and streams evicted at their caps. */
uint64_t media_evictions(const struct media *m);
/* Fill out->media and out->media_calls (most recent first) and the
 * counts of what did not fit. */
void media_snapshot(const struct media *m, struct snapshot *out);

/* ---- the per-call view for the kinds (read-only) ----------------------- */

enum media_state {
    MEDIA_NOT_ANSWERED = 0,     /* no 2xx to the INVITE (early media may still flow) */
    MEDIA_TWO_WAY,
    MEDIA_ONE_WAY,              /* RTP reached one side only */
    MEDIA_NONE,                 /* answered, no RTP either way */
};

/* What one call's media did, judged from the streams seen. side 0 is the
 * caller (the From of the first INVITE), side 1 the callee. */
struct media_verdict {
    const char *call_id;
    enum media_state state;
    int silent;                     /* ONE_WAY: the side whose RTP never arrived (the
                                     * sender that is silent), else -1 */
    bool expected;                  /* the SDP asked for it: hold (inactive, sendonly/
                                     * recvonly, c=0.0.0.0, port 0) explains one-way/none */
    bool private_sdp[2];            /* side i's SDP address is private (RFC 1918, CGNAT...) */
    enum sdp_dir dir[2];            /* direction of the first audio m= line */
    bool answered;
    int64_t answer_us, end_us;      /* end_us 0 while not ended */
    uint64_t answer_frame, sdp_frame[2];
    bool have_sdp[2];
    struct endpoint sdp_ep[2];      /* first audio m= line: c= address and port */
    struct endpoint sig[2];         /* where each side's SIP came from */
    uint64_t packets_to[2];         /* RTP that can reach side i (sent by the other) */
    uint64_t void_to[2];            /* RTP sent to side i's private SDP address from outside
                                     * its NAT: it cannot arrive (not in packets_to) */
    uint64_t void_frame[2];
    uint64_t first_frame_to[2];
    bool cannot_see[2];             /* the capture has shown nothing sent from side i's
                                     * host, so silence from it proves nothing */
    /* NAT/ALG: media from side i arrived from another address or port than
     * its SDP announced (latched by symmetric RTP) */
    bool moved[2];
    struct endpoint real_src[2];
    uint64_t moved_frame[2];
    uint64_t live_frame;            /* judged while up, at this frame (0: not yet) */
};

/* The verdict of one call; false when the call is not followed (no SDP,
 * evicted, or retired: 64*T1 after its BYE at the earliest). */
bool media_call(const struct media *m, struct span call_id, struct media_verdict *v);
const char *media_state_name(enum media_state s);

/* Walk the calls, oldest first: fn is called once per call that has SDP. */
typedef void (*media_verdict_fn)(void *ud, const struct media_verdict *v);
void media_each_call(const struct media *m, media_verdict_fn fn, void *ud);

#endif
