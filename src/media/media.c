/*
 * media.c — the media tracker (media.h): calls and their SDP, the
 * (address, port) pairs SDP announced, and the RTP streams measured on
 * them.
 *
 * Place in the flow: pipeline.c hands it every SIP message with SDP (and
 * 2xx/BYE of INVITE dialogs) and every non-SIP UDP datagram; the engine
 * copies it into the snapshot and the media kinds read media_each_call.
 * Thread: the analysis thread.
 *
 * Association: an RTP packet belongs to a call when its destination (the
 * receiver announced the port) or its source (symmetric RTP, RFC 4961: a
 * sender sends from the port it receives on) is a pair some SDP of that
 * call announced; a later SDP for the same pair takes it over (re-INVITE,
 * a port reused by the next call). This is how tshark's SDP-driven RTP
 * conversations work too, so the streams compare one for one. A pair also
 * remembers the call that announced it before: when a B2BUA's two legs
 * re-INVITE to one direct path, the packets are media of both legs, and
 * both calls' verdicts count them (the stream itself is kept once). RTP on ports
 * no SDP announced is only counted (media.udp.rtp_unannounced), never
 * guessed into a call.
 *
 * Bounds: three ctab tables allocated once (calls, announced ports at four
 * per call, streams); each evicts its oldest entry at its cap and counts it.
 * Call-IDs and format lists are interned in string tables of the media's
 * own (util/intern.h, sized in strings_init); a stream holds a reference to
 * its call's Call-ID, so it outlives an evicted call.
 *
 * Lifetime: a call lives as long as SIP says, and no longer. A deadline
 * queue on capture time (each call queued once, re-queued until due, as
 * correlate's dialogs are) retires a call, with the ports it announced and
 * the streams it owns, MEDIA_GRACE_US after its BYE, after a final non-2xx
 * to its INVITE or after a CANCEL, and an unanswered call whose INVITE had
 * no message for MEDIA_TIMER_C_US + MEDIA_GRACE_US. The kinds judged it at
 * its BYE already (media_judge.h: a failed or unanswered call is never
 * judged), so what is left to conclude is what the report lists: the most
 * recent SNAP_MAX_MEDIA_CALLS retired calls and SNAP_MAX_MEDIA retired
 * streams are kept as finished summaries (struct mkept) and merged with the
 * live ones by first-seen order, so the report lists the same calls and
 * streams as if nothing had been retired, and counts the rest as not shown.
 * An answered call without a BYE is never retired (the kinds judge it at
 * the end, and it may well be up): only the cap evicts it. A port keeps no
 * memory of a retired call except a hash in a small direct-mapped table
 * (gone[]): RTP to it later is counted (media.udp.after_retired), not taken
 * for unannounced RTP (nor, with --rtp-heuristic, for a stream of its own).
 */
#include "media.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"
#include "util/ctable.h"
#include "util/intern.h"

#define MEDIA_CALL_ID 128
#define PORTS_PER_CALL 4

/* RFC 3261 timers on capture time (media is upstream of correlate, so these
 * repeat correlate.h's CORR_T1_US / CORR_TIMER_C_US). The grace after a call
 * is over is 64*T1 = 32 s, the longest any SIP of it can still come: the BYE
 * (or the failed INVITE's final answer, or the CANCEL) is retransmitted until
 * its non-INVITE client transaction times out (timer F, §17.1.2.2) or the
 * final answer is absorbed (timers H and J, §17.2.1, §17.2.2), all 64*T1.
 * RTP and RTCP in flight when the BYE was sent (and an RTCP BYE, RFC 3550
 * §6.6) come within milliseconds, well inside it. An INVITE that got a
 * provisional may wait timer C (§16.6 item 11: more than 3 minutes) for its
 * final answer before a proxy cancels it. */
#define MEDIA_T1_US 500000LL
#define MEDIA_GRACE_US (64 * MEDIA_T1_US)
#define MEDIA_TIMER_C_US (180LL * 1000000)
/* A 401/407 to the INVITE is a challenge, not the end: the caller retries
 * with credentials under the same Call-ID once someone typed the password
 * (a softphone in sngrep's aaa.pcap retries 33 s after its 407), so such a
 * call waits as long as correlate waits for a challenge's retry
 * (CORR_CHALLENGE_WAIT_US). */
#define MEDIA_CHALLENGE_WAIT_US (300LL * 1000000)
/* How long RTP to a retired call's port counts as late media of that call
 * rather than as unannounced RTP: an endpoint that keeps sending after the
 * BYE does so at once; five minutes later it is some other flow. */
#define MEDIA_GONE_US (300LL * 1000000)

#define MEDIA_COUNTERS(X) \
    X(M_UDP,              "media.udp.datagrams") \
    X(M_UDP_UNMATCHED,    "media.udp.unannounced") \
    X(M_UDP_RTP_LIKE,     "media.udp.rtp_unannounced") \
    X(M_UDP_NOT_RTP,      "media.udp.non_rtp_media") \
    X(M_UDP_LATE,         "media.udp.after_retired") \
    X(M_RTP,              "media.rtp.packets") \
    X(M_RTP_SHORT,        "media.rtp.short") \
    X(M_RTP_BAD_VERSION,  "media.rtp.bad_version") \
    X(M_RTP_BAD_CSRC,     "media.rtp.bad_csrc") \
    X(M_RTP_BAD_EXT,      "media.rtp.bad_extension") \
    X(M_RTP_BAD_PADDING,  "media.rtp.bad_padding") \
    X(M_RTCP,             "media.rtcp.packets") \
    X(M_RTCP_BAD,         "media.rtcp.malformed") \
    X(M_SDP,              "media.sdp.bodies") \
    X(M_SDP_MULTIPART,    "media.sdp.multipart") \
    X(M_SDP_NO_MEDIA,     "media.sdp.no_media") \
    X(M_SDP_BAD_LINES,    "media.sdp.bad_lines") \
    X(M_SDP_MEDIA_DROPPED,"media.sdp.media_dropped") \
    X(M_SDP_FMT_DROPPED,  "media.sdp.formats_dropped") \
    X(M_SDP_FMT_NOT_KEPT, "media.sdp.formats_not_kept") \
    X(M_DTMF,             "media.rtp.dtmf_events") \
    X(M_HEUR_PACKETS,     "media.heuristic.packets") \
    X(M_HEUR_REFUSED,     "media.heuristic.refused") \
    X(M_CALLS_REFUSED,    "media.calls.refused") \
    X(M_SDP_ADDR_NOT_KEPT,"media.sdp.addresses_not_kept")

enum media_counter {
#define MC_ENUM(id, name) id,
    MEDIA_COUNTERS(MC_ENUM)
#undef MC_ENUM
    M_COUNT
};

/* What a call keeps of one m= line of a side's latest SDP (the rest of
 * struct sdp_media, RTCP port and address, is used when it is announced):
 * 4 bytes. Its effective c= is one of the side's two addresses (addr). */
struct mline {
    uint16_t port;
    uint8_t bits;               /* enum sdp_mtype (2 bits), enum sdp_dir (2 bits, media
                                 * level over session level), ML_RTP, ML_ADDR, ML_ADDR1 */
    uint8_t n_fmt;              /* its named formats: the side's next n_fmt after the
                                 * lines before it */
};
#define ML_TYPE(l) ((enum sdp_mtype)((l)->bits & 3u))
#define ML_DIR(l) ((enum sdp_dir)(((l)->bits >> 2) & 3u))
#define ML_RTP 0x10u
#define ML_ADDR 0x20u           /* has an address: the side's addr[0], or addr[1] with */
#define ML_ADDR1 0x40u
_Static_assert(SDP_M_IMAGE <= 3 && SDP_DIR_INACTIVE <= 3, "m= type and direction fit 2 bits");

/* A payload type that a=rtpmap named is two bytes of the side's format
 * list (interned: a busy PBX's phones offer the same few lists): pt and an
 * index + 1 into the media's codec names with their clock rates (a small
 * vocabulary: PCMU/8000, opus/48000, telephone-event/8000...). */
struct mcodec {
    char name[SDP_CODEC_LEN];
    uint32_t clock;
};

/* Named formats kept per side, over its m= lines: two full m= lines
 * (SDP_MAX_FMT each); more are counted (media.sdp.formats_not_kept) and
 * their payload types get the RFC 3551 static names only. */
#define MEDIA_SIDE_FMT (2 * SDP_MAX_FMT)
/* Distinct codec names (with clock rates) remembered; one past them is
 * counted like a format not kept. */
#define MEDIA_CODEC_NAMES 254     /* ids 1..254; 255 is MS_CODEC_STATIC */

/* A frame as a signed 32-bit delta from the call's first frame (frame0),
 * + 1 when not before it; 0 is frame 0 (none yet) and MF_UNKNOWN a frame
 * out of range, which reads back as 0: never cited, never wrong. */
#define MF_UNKNOWN INT32_MIN

struct mside {
    uint32_t fmts;              /* interned (pt, codec id) pairs, n_fmt of them */
    int32_t sdp_frame;          /* MF delta */
    struct addr addr[2];        /* the c= addresses its m= lines use (ML_ADDR1: [1]) */
    struct endpoint sig;        /* where this side's SIP came from */
    struct mline m[SDP_MAX_MEDIA];
    bool have_sdp;
    bool seen_sig;
    uint8_t n_m, n_fmt;
};

/* An entry's place in its call's list (ports and streams the call owns),
 * by table index + 1 (0: none): a retired call takes them along. Only
 * entries of a live call are on a list (on); those of an evicted call keep
 * their dead reference and leave with the table's own eviction. */
struct mlink {
    uint32_t next1, prev1;
    bool on;
};

/* A call: <= 400 bytes (1,024 before issue 14). Its Call-ID and each
 * side's format list are interned in the media's own string tables
 * (struct media: ids, lists), frames are MF deltas from frame0 (the ones
 * evidence cites; live_frame is exact), times exact. */
struct mcall {
    uint32_t call_id;           /* interned, display only (the table keys on its hash) */
    uint32_t ports1, streams1;  /* heads of the lists of its ports and streams */
    uint32_t invite_cseq;       /* CSeq of the last INVITE request */
    uint64_t seq;               /* first-seen order (the snapshot's order) */
    uint64_t frame0;            /* the frame that made it: base of its MF deltas */
    /* judged while up (media_set_live), at this frame: exact, the kinds
     * match it against the message they judge at (media_judge.h) */
    uint64_t live_frame;
    int64_t last_us;            /* its last SIP message */
    int64_t fail_us;            /* a final non-2xx to its INVITE before any answer */
    int64_t cancel_us;          /* CANCEL before any answer */
    uint64_t caller_tag;        /* keyed hash of the caller's From tag */
    int64_t first_us, answer_us, end_us;
    struct mside side[2];
    /* what flowed, by receiving side */
    uint64_t rtp_to[2], rtcp_to[2];
    /* RTP sent to side i's private SDP address by a capture point outside
     * its NAT: it goes nowhere (see void_dst) */
    uint64_t void_to[2];
    /* NAT/ALG: a sender's first stream came from elsewhere than its SDP */
    struct endpoint real_src[2];
    uint32_t n_streams;
    int32_t answer_frame;       /* MF deltas */
    int32_t void_frame[2];
    int32_t first_frame_to[2];
    int32_t moved_frame[2];
    uint16_t fail_status;
    bool have_caller;
    bool answered, ended;
    bool moved[2];
};

_Static_assert(sizeof(struct mcall) <= 400, "a call fits in 400 bytes");
_Static_assert(2 * MEDIA_SIDE_FMT <= 55, "a side's format list fits the 64-byte strings");
_Static_assert(MEDIA_CALL_ID - 1 <= INTERN_MAX, "a Call-ID is interned whole");

/* An announced (address, port): whose and for what. 52 bytes (60 before
 * issue 14: the same fields, ordered without holes). */
struct mport {
    struct mlink link;
    uint32_t call_idx, call_serial;
    /* the call that announced the pair before, when another took it over (a
     * B2BUA's two legs re-INVITE to one direct media path): its verdict
     * counts the media too */
    uint32_t prev_idx, prev_serial;
    struct endpoint ep;
    uint8_t side, m_index;
    bool rtcp;
    bool rtp;                   /* false: a non-RTP m= line (udptl T.38, MSRP) took the pair */
    bool have_prev;
    uint8_t prev_side;
};
_Static_assert(sizeof(struct mport) <= 52, "an announced port fits in 52 bytes");

/* A stream: its Call-ID is a reference to its call's interned one, so it
 * outlives an evicted call; its codec name is an id, as the call's are. */
struct mstream {
    struct mlink link;
    uint32_t call_id;           /* interned (a reference of its own), INTERN_NONE: heuristic */
    uint64_t seq;
    uint32_t call_idx, call_serial;
    struct endpoint src, dst;
    uint32_t ssrc;
    uint8_t to_side;            /* the receiver */
    uint8_t pt;
    uint8_t m_index;
    uint8_t codec;              /* MS_CODEC_NONE, MS_CODEC_STATIC (RFC 3551's name of pt)
                                 * or a codec id (index + 1 into the media's names) */
    uint32_t clock;
    bool dtmf_pt_known;
    uint8_t dtmf_pt;
    bool have_dtmf;
    bool heuristic;             /* on ports no SDP announced (--rtp-heuristic) */
    uint32_t last_dtmf_ts;
    uint32_t dtmf_events;
    uint64_t first_frame;
    struct rtp_stat st;
};
#define MS_CODEC_NONE 0
#define MS_CODEC_STATIC 255

/* What the report shows of a retired call: its verdict as at retirement.
 * cannot_see is left to media_snapshot (it depends on whether the capture
 * carried any RTP at all, which later packets may still show). */
struct mconcl {
    char call_id[MEDIA_CALL_ID];
    struct media_verdict v;
    bool sent[2], sig_here[2];
    uint64_t rtcp_to[2];
    uint32_t n_streams;
};

/* The retired entries the report may still list: the cap highest first-seen
 * orders (a min-heap on seq over slots of esize bytes); lower ones are
 * counted as not shown (dropped). */
struct mkept {
    size_t cap, n, esize;
    struct mkept_item { uint64_t seq; uint32_t slot; } *heap;
    unsigned char *slots;
    uint64_t dropped;
};

/* A retired port (keyed on its address and port): when. */
struct mgone {
    int64_t us;
};

struct media {
    struct ctab calls, ports, streams;
    struct ctab_dlq due;        /* calls, each queued once (retirement) */
    uint64_t call_seq, stream_seq;
    uint64_t calls_retired, ports_retired, streams_retired;
    struct mkept kept_calls;    /* struct mconcl */
    struct mkept kept_streams;  /* struct snap_media */
    struct ctab gone;           /* retired ports, the latest media_calls of them */
    bool late_rtp;              /* RTP seen only after its call retired */
    struct mcodec codec[MEDIA_CODEC_NAMES];     /* the format lists' ids - 1 */
    /* Call-IDs (each call's, referenced by its streams too) and the sides'
     * format lists, in tables of their own (strings_init) */
    struct intern ids, lists;
    unsigned n_codecs;
    /* --rtp-heuristic: RTP on unannounced ports, kept apart so a flood of
     * RTP-looking datagrams never evicts a call's streams */
    bool heuristic;
    struct ctab hstreams;
    /* live: calls still up are judged MEDIA_LIVE_JUDGE_US after the answer */
    bool live;
    int64_t next_due_us;
    uint64_t due_frame;
    const char *due_raw;        /* compared, never read: which message of the frame */
    uint64_t ctr[M_COUNT];
};

static const char *const counter_names[M_COUNT] = {
#define MC_NAME(id, name) name,
    MEDIA_COUNTERS(MC_NAME)
#undef MC_NAME
};

static void call_evicted(void *ud, void *entry);
static void port_evicted(void *ud, void *entry);
static void stream_evicted(void *ud, void *entry);

static int kept_init(struct mkept *k, size_t cap, size_t esize)
{
    k->cap = cap;
    k->esize = esize;
    k->heap = calloc(cap, sizeof(*k->heap));
    k->slots = calloc(cap, esize);
    return k->heap && k->slots ? 0 : -1;
}

static void kept_free(struct mkept *k)
{
    free(k->heap);
    free(k->slots);
}

/* The media's strings, each class sized for the most that can be live at
 * once, so none is refused while the tables hold their caps (a 64-bit
 * collision is, counted). Call-IDs: one per call and per stream of an
 * evicted call, and the new call's while the table evicts its oldest for
 * it, of any length up to MEDIA_CALL_ID - 1 bytes: each class holds them
 * all. Format lists: (pt, codec id) pairs, up to 2 * MEDIA_SIDE_FMT bytes
 * (the two short classes), two per call and a new SDP's before the one it
 * replaces is given back. Lists are shared (a busy PBX's phones offer a
 * handful: the busy workload 5), so their index is barely touched. */
static int strings_init(struct media *m, size_t nc, size_t ns)
{
    size_t ids[INTERN_CLASSES] = { nc + ns + 1, nc + ns + 1, nc + ns + 1, nc + ns + 1 };
    size_t lists[INTERN_CLASSES] = { 2 * nc + 1, 2 * nc + 1, 1, 1 };

    return intern_init_classes(&m->ids, ids) != 0 || intern_init_classes(&m->lists, lists) != 0
               ? -1 : 0;
}

struct media *media_new(const struct caps *caps)
{
    struct media *m = calloc(1, sizeof(*m));
    size_t nc = caps->media_calls ? caps->media_calls : 1;
    size_t ns = caps->media_streams ? caps->media_streams : 1;

    if (m == NULL)
        return NULL;
    if (ctab_init(&m->calls, nc, sizeof(struct mcall), call_evicted, m) != 0 ||
        ctab_init(&m->ports, nc * PORTS_PER_CALL, sizeof(struct mport), port_evicted, m) != 0 ||
        ctab_init(&m->streams, ns, sizeof(struct mstream), stream_evicted, m) != 0 ||
        ctab_init(&m->hstreams, ns / 4 ? ns / 4 : 1, sizeof(struct mstream), NULL, NULL) != 0 ||
        ctab_dlq_init(&m->due, 2 * nc) != 0 ||
        kept_init(&m->kept_calls, SNAP_MAX_MEDIA_CALLS, sizeof(struct mconcl)) != 0 ||
        kept_init(&m->kept_streams, SNAP_MAX_MEDIA, sizeof(struct snap_media)) != 0 ||
        ctab_init(&m->gone, nc, sizeof(struct mgone), NULL, NULL) != 0 ||
        strings_init(m, nc, ns) != 0) {
        media_free(m);
        return NULL;
    }
    return m;
}

void media_free(struct media *m)
{
    if (m == NULL)
        return;
    ctab_free(&m->calls);
    ctab_free(&m->ports);
    ctab_free(&m->streams);
    ctab_free(&m->hstreams);
    ctab_dlq_free(&m->due);
    kept_free(&m->kept_calls);
    kept_free(&m->kept_streams);
    ctab_free(&m->gone);
    intern_free(&m->ids);
    intern_free(&m->lists);
    free(m);
}

void media_set_heuristic(struct media *m, bool on)
{
    m->heuristic = on;
}

void media_set_live(struct media *m, bool on)
{
    m->live = on;
}

bool media_due_now(const struct media *m, const struct sip_msg *msg)
{
    return m->due_frame != 0 && m->due_frame == msg->frame && m->due_raw == msg->raw.p;
}

/* A frame of call c as an MF delta from its frame0, and back (0: none or
 * unknown). */
static int32_t mf_put(const struct mcall *c, uint64_t frame)
{
    if (frame == 0)
        return 0;
    if (frame >= c->frame0)
        return frame - c->frame0 < (uint64_t)INT32_MAX ? (int32_t)(frame - c->frame0 + 1)
                                                       : MF_UNKNOWN;
    return c->frame0 - frame <= (uint64_t)INT32_MAX ? -(int32_t)(c->frame0 - frame)
                                                    : MF_UNKNOWN;
}

static uint64_t mf_get(const struct mcall *c, int32_t d)
{
    if (d == 0 || d == MF_UNKNOWN)
        return 0;
    if (d > 0)
        return c->frame0 + (uint64_t)(d - 1);
    return c->frame0 - (uint64_t)(-(int64_t)d);
}

/* Once a second of packet time, at a SIP message: the calls up long enough
 * to judge while they last. O(calls) a second, never per packet. */
static void live_due(struct media *m, const struct sip_msg *msg)
{
    if (!m->live || msg->ts_us < m->next_due_us)
        return;
    m->next_due_us = msg->ts_us + 1000000;
    for (struct mcall *c = ctab_first(&m->calls); c != NULL; c = ctab_next(&m->calls, c)) {
        if (!c->answered || c->ended || c->live_frame != 0 ||
            msg->ts_us - c->answer_us < MEDIA_LIVE_JUDGE_US)
            continue;
        c->live_frame = msg->frame;
        m->due_frame = msg->frame;
        m->due_raw = msg->raw.p;
    }
}

static void copy_span(char *dst, size_t cap, struct span s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        dst[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    dst[n] = '\0';
}

static uint64_t ep_hash(const struct ctab *t, const struct endpoint *ep)
{
    uint8_t k[18];
    memcpy(k, ep->ip.b, 16);
    k[16] = (uint8_t)(ep->port >> 8);
    k[17] = (uint8_t)ep->port;
    return ctab_hash(t, k, sizeof(k));
}

/* The call of a Call-ID; with create, a new one when there is none (its
 * Call-ID interned as shown: printable, at most MEDIA_CALL_ID - 1 bytes).
 * NULL when there is none, or when its Call-ID could not be kept (a 64-bit
 * collision in the string table, strings_init: counted, media.calls.refused). */
static struct mcall *call_get(struct media *m, struct span call_id, bool create,
                              const struct sip_msg *msg)
{
    uint64_t h = ctab_hash(&m->calls, call_id.p, call_id.len);
    bool created = false;
    struct mcall *c = ctab_find(&m->calls, h);
    char text[MEDIA_CALL_ID];
    uint32_t id;

    if (c != NULL || !create)
        return c;
    copy_span(text, sizeof(text), call_id);
    id = intern_put(&m->ids, text, strlen(text));
    if (id == INTERN_NONE) {
        m->ctr[M_CALLS_REFUSED]++;
        return NULL;
    }
    c = ctab_get(&m->calls, h, &created);
    c->call_id = id;
    c->seq = ++m->call_seq;
    c->frame0 = msg->frame;
    ctab_dlq_push(&m->due, &m->calls, c, msg->ts_us + MEDIA_GRACE_US);
    return c;
}

/* Give back what a call holds in the string table (it leaves). */
static void call_drop_strings(struct media *m, struct mcall *c)
{
    intern_drop(&m->ids, c->call_id);
    intern_drop(&m->lists, c->side[0].fmts);
    intern_drop(&m->lists, c->side[1].fmts);
    c->call_id = c->side[0].fmts = c->side[1].fmts = INTERN_NONE;
}

static void stream_drop_strings(struct media *m, struct mstream *s)
{
    intern_drop(&m->ids, s->call_id);
    s->call_id = INTERN_NONE;
}

static const char *call_id_of(const struct media *m, uint32_t id)
{
    size_t n;
    return intern_get(&m->ids, id, &n);
}

static struct mcall *call_at(const struct media *m, uint32_t idx, uint32_t serial)
{
    struct mcall *c = ctab_at(&m->calls, idx);
    if (c == NULL || ctab_serial(&m->calls, c) != serial)
        return NULL;
    return c;
}

/* ---- a call's ports and streams (struct mlink) ----------------------------- */

static struct mlink *link_at(const struct ctab *t, size_t off, uint32_t idx1)
{
    return (struct mlink *)((unsigned char *)ctab_at(t, idx1 - 1) + off);
}

static void list_add(struct ctab *t, size_t off, uint32_t *head1, void *entry)
{
    struct mlink *l = (struct mlink *)((unsigned char *)entry + off);
    uint32_t i1 = ctab_index(t, entry) + 1;

    l->prev1 = 0;
    l->next1 = *head1;
    l->on = true;
    if (*head1 != 0)
        link_at(t, off, *head1)->prev1 = i1;
    *head1 = i1;
}

static void list_del(struct ctab *t, size_t off, uint32_t *head1, void *entry)
{
    struct mlink *l = (struct mlink *)((unsigned char *)entry + off);

    if (!l->on)
        return;
    if (l->prev1 != 0)
        link_at(t, off, l->prev1)->next1 = l->next1;
    else
        *head1 = l->next1;
    if (l->next1 != 0)
        link_at(t, off, l->next1)->prev1 = l->prev1;
    l->next1 = l->prev1 = 0;
    l->on = false;
}

#define PORT_LINK offsetof(struct mport, link)
#define STREAM_LINK offsetof(struct mstream, link)

/* The table evicts a call: its ports and streams stay (RTP to them counts as
 * an evicted call's, its streams are still shown) but leave its lists. */
static void call_evicted(void *ud, void *entry)
{
    struct media *m = ud;
    struct mcall *c = entry;

    while (c->ports1 != 0)
        list_del(&m->ports, PORT_LINK, &c->ports1, ctab_at(&m->ports, c->ports1 - 1));
    while (c->streams1 != 0)
        list_del(&m->streams, STREAM_LINK, &c->streams1, ctab_at(&m->streams, c->streams1 - 1));
    call_drop_strings(m, c);
}

static void port_evicted(void *ud, void *entry)
{
    struct media *m = ud;
    struct mport *p = entry;
    struct mcall *c;

    if (p->link.on && (c = call_at(m, p->call_idx, p->call_serial)) != NULL)
        list_del(&m->ports, PORT_LINK, &c->ports1, p);
}

static void stream_evicted(void *ud, void *entry)
{
    struct media *m = ud;
    struct mstream *s = entry;
    struct mcall *c;

    if (s->link.on && (c = call_at(m, s->call_idx, s->call_serial)) != NULL)
        list_del(&m->streams, STREAM_LINK, &c->streams1, s);
    stream_drop_strings(m, s);
}

/* ---- retirement ------------------------------------------------------------ */

/* A slot for an entry of first-seen order seq, or NULL when cap later ones
 * are kept already (counted). */
static void *kept_slot(struct mkept *k, uint64_t seq)
{
    struct mkept_item *h = k->heap, it;
    size_t i = 0;

    if (k->n < k->cap) {
        i = k->n++;
        it.seq = seq;
        it.slot = (uint32_t)i;
        while (i > 0 && h[(i - 1) / 2].seq > seq) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = it;
        return k->slots + (size_t)it.slot * k->esize;
    }
    k->dropped++;
    if (k->cap == 0 || seq <= h[0].seq)
        return NULL;
    it.seq = seq;           /* replace the lowest: it is not shown */
    it.slot = h[0].slot;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= k->n)
            break;
        if (c + 1 < k->n && h[c + 1].seq < h[c].seq)
            c++;
        if (h[c].seq >= seq)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = it;
    memset(k->slots + (size_t)it.slot * k->esize, 0, k->esize);
    return k->slots + (size_t)it.slot * k->esize;
}

static int kept_cmp_desc(const void *a, const void *b)
{
    const struct mkept_item *x = a, *y = b;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* RTP to or from a port a retired call announced, lately. The memory is
 * the latest media_calls retired ports (the oldest leave first: that is
 * forgetting, not losing anything, so not an eviction). */
static bool gone_recently(const struct media *m, const struct endpoint *ep, int64_t now)
{
    const struct mgone *g = ctab_find(&m->gone, ep_hash(&m->gone, ep));
    return g != NULL && now - g->us <= MEDIA_GONE_US;
}

/* When SIP is done with the call (0: not while it is up). */
static int64_t retire_at(const struct mcall *c)
{
    if (c->ended)
        return c->end_us + MEDIA_GRACE_US;
    if (c->answered)
        return 0;
    if (c->fail_us != 0)
        return c->fail_us + (c->fail_status == 401 || c->fail_status == 407
                                 ? MEDIA_CHALLENGE_WAIT_US : MEDIA_GRACE_US);
    if (c->cancel_us != 0)
        return c->cancel_us + MEDIA_GRACE_US;
    return c->last_us + MEDIA_TIMER_C_US + MEDIA_GRACE_US;
}

static void conclude(const struct media *m, const struct mcall *c, struct mconcl *o);
static void stream_out(const struct media *m, const struct mstream *s, struct snap_media *o);

static void retire(struct media *m, struct mcall *c, int64_t now)
{
    while (c->ports1 != 0) {
        struct mport *p = ctab_at(&m->ports, c->ports1 - 1);
        bool created;
        struct mgone *g = ctab_get(&m->gone, ep_hash(&m->gone, &p->ep), &created);
        list_del(&m->ports, PORT_LINK, &c->ports1, p);
        g->us = now;
        ctab_remove(&m->ports, p);
        m->ports_retired++;
    }
    while (c->streams1 != 0) {
        struct mstream *s = ctab_at(&m->streams, c->streams1 - 1);
        struct snap_media *o = kept_slot(&m->kept_streams, s->seq);
        list_del(&m->streams, STREAM_LINK, &c->streams1, s);
        if (o != NULL)
            stream_out(m, s, o);
        stream_drop_strings(m, s);
        ctab_remove(&m->streams, s);
        m->streams_retired++;
    }
    if (c->side[0].have_sdp || c->side[1].have_sdp) {
        struct mconcl *o = kept_slot(&m->kept_calls, c->seq);
        if (o != NULL)
            conclude(m, c, o);
    }
    call_drop_strings(m, c);
    ctab_remove(&m->calls, c);
    m->calls_retired++;
}

/* Retire the calls SIP is done with, on capture time. A call's deadline
 * moves with its messages; it is queued once and looked at again at most
 * MEDIA_GRACE_US later, so a retirement comes at most that late. */
static void retire_due(struct media *m, int64_t now)
{
    struct mcall *c;

    while ((c = ctab_dlq_pop(&m->due, &m->calls, now)) != NULL) {
        int64_t at = retire_at(c);
        if (at != 0 && at <= now)
            retire(m, c, now);
        else            /* later than now, so this loop ends */
            ctab_dlq_push(&m->due, &m->calls, c,
                          at > now && at < now + MEDIA_GRACE_US ? at : now + MEDIA_GRACE_US);
    }
}

/* Which side sent this message: the caller sends requests with its own From
 * tag and answers requests the callee sent (their To tag is the caller's). */
static int sender_side(const struct media *m, struct mcall *c, const struct sip_msg *msg)
{
    struct span tag = msg->is_request ? msg->from.tag : msg->to.tag;

    if (!c->have_caller) {
        /* the From tag of the first message seen names the caller */
        c->caller_tag = ctab_hash(&m->calls, msg->from.tag.p, msg->from.tag.len);
        c->have_caller = true;
        return msg->is_request ? 0 : 1;
    }
    return ctab_hash(&m->calls, tag.p, tag.len) == c->caller_tag ? 0 : 1;
}

/* Index + 1 of a codec name and clock rate in the media's vocabulary, 0
 * when it is full. */
static uint8_t codec_id(struct media *m, const char *name, uint32_t clock)
{
    for (unsigned i = 0; i < m->n_codecs; i++)
        if (m->codec[i].clock == clock && strcmp(m->codec[i].name, name) == 0)
            return (uint8_t)(i + 1);
    if (m->n_codecs == MEDIA_CODEC_NAMES)
        return 0;
    snprintf(m->codec[m->n_codecs].name, sizeof(m->codec[0].name), "%s", name);
    m->codec[m->n_codecs].clock = clock;
    return (uint8_t)++m->n_codecs;
}

static void announce(struct media *m, struct mcall *c, int side, unsigned mi,
                     const struct endpoint *ep, bool rtcp, bool rtp)
{
    uint64_t h = ep_hash(&m->ports, ep);
    bool created;
    struct mport *p = ctab_get(&m->ports, h, &created);

    if (!created && (p->call_idx != ctab_index(&m->calls, c) ||
                     p->call_serial != ctab_serial(&m->calls, c))) {
        struct mcall *was = call_at(m, p->call_idx, p->call_serial);
        p->have_prev = p->rtp;
        p->prev_idx = p->call_idx;
        p->prev_serial = p->call_serial;
        p->prev_side = p->side;
        if (was != NULL)        /* taken over: the new call retires it */
            list_del(&m->ports, PORT_LINK, &was->ports1, p);
        created = true;
    }
    if (created)
        list_add(&m->ports, PORT_LINK, &c->ports1, p);
    p->ep = *ep;
    p->call_idx = ctab_index(&m->calls, c);
    p->call_serial = ctab_serial(&m->calls, c);
    p->side = (uint8_t)side;
    p->m_index = (uint8_t)mi;
    p->rtcp = rtcp;
    p->rtp = rtp;
}

static void take_sdp(struct media *m, struct mcall *c, int side, const struct sip_msg *msg,
                     const uint8_t *body, size_t body_n)
{
    struct sdp sdp;
    struct mside *s = &c->side[side];
    uint8_t fl[2 * MEDIA_SIDE_FMT];     /* the named formats: (pt, codec id) pairs */
    unsigned n_addr;
    uint32_t fmts;

    m->ctr[M_SDP]++;
    if (sdp_parse(body, body_n, &sdp) == 0) {
        m->ctr[M_SDP_NO_MEDIA]++;
        return;
    }
    m->ctr[M_SDP_BAD_LINES] += sdp.bad_lines;
    m->ctr[M_SDP_MEDIA_DROPPED] += sdp.media_dropped;
    m->ctr[M_SDP_FMT_DROPPED] += sdp.fmt_dropped;
    s->have_sdp = true;
    s->sdp_frame = mf_put(c, msg->frame);
    s->n_m = sdp.n_media;
    s->n_fmt = 0;
    n_addr = 0;
    for (unsigned i = 0; i < sdp.n_media; i++) {
        const struct sdp_media *sm = &sdp.media[i];
        struct mline *l = &s->m[i];
        struct endpoint ep;
        bool has_addr = sdp_media_addr(&sdp, i, &ep.ip);
        memset(l, 0, sizeof(*l));
        l->bits = (uint8_t)((unsigned)sm->type | (unsigned)sdp_media_dir(&sdp, i) << 2 |
                            (sm->rtp ? ML_RTP : 0u));
        l->port = sm->port;
        if (has_addr) {
            /* the side keeps two addresses: a third m= line address (rare:
             * most SDP has one c=) leaves its line without one (counted) */
            unsigned a = 0;
            while (a < n_addr && !addr_eq(&s->addr[a], &ep.ip))
                a++;
            if (a == n_addr && n_addr < 2)
                s->addr[n_addr++] = ep.ip;
            if (a < n_addr)
                l->bits |= (uint8_t)(ML_ADDR | (a == 1 ? ML_ADDR1 : 0u));
            else
                m->ctr[M_SDP_ADDR_NOT_KEPT]++;
        }
        for (unsigned k = 0; k < sm->n_fmt; k++) {
            uint8_t id;
            if (sm->fmt[k].name[0] == '\0')
                continue;       /* no a=rtpmap: the static name, if any, is RFC 3551's */
            if (s->n_fmt == MEDIA_SIDE_FMT ||
                (id = codec_id(m, sm->fmt[k].name, sm->fmt[k].clock)) == 0) {
                m->ctr[M_SDP_FMT_NOT_KEPT]++;
                continue;
            }
            fl[2 * s->n_fmt] = sm->fmt[k].pt;
            fl[2 * s->n_fmt + 1] = id;
            s->n_fmt++;
            l->n_fmt++;
        }
        if (!has_addr || l->port == 0)
            continue;
        ep.port = l->port;
        /* a T.38 re-INVITE moves the pair to UDPTL: what follows is not RTP */
        announce(m, c, side, i, &ep, false, sm->rtp);
        if (!sm->rtp)
            continue;
        if (sm->rtcp_mux)
            continue;
        ep.port = sm->rtcp_port ? sm->rtcp_port : (uint16_t)(sm->port + 1);
        if (sm->has_rtcp_addr)
            ep.ip = sm->rtcp_addr;
        if (ep.port != 0)
            announce(m, c, side, i, &ep, true, true);
    }
    /* the list before this SDP's is given back after taking this one: a
     * re-INVITE with the same codecs keeps the same string */
    fmts = intern_put(&m->lists, fl, 2u * s->n_fmt);
    if (fmts == INTERN_NONE && s->n_fmt > 0) {
        /* only on a 64-bit collision (strings_init) */
        m->ctr[M_SDP_FMT_NOT_KEPT] += s->n_fmt;
        s->n_fmt = 0;
        for (unsigned i = 0; i < sdp.n_media; i++)
            s->m[i].n_fmt = 0;
    }
    intern_drop(&m->lists, s->fmts);
    s->fmts = fmts;
}

void media_on_sip(struct media *m, const struct sip_msg *msg)
{
    const uint8_t *body = NULL;
    size_t body_n = 0;
    /* application/sdp, or the SDP part of a multipart body (SDP + ISUP, SDP + PIDF) */
    bool sdp = msg->body.len > 0 && msg->content_type.len > 0 &&
               sdp_in_body((const uint8_t *)msg->content_type.p, msg->content_type.len,
                           (const uint8_t *)msg->body.p, msg->body.len, &body, &body_n) &&
               body_n > 0;
    bool invite = msg->cseq_method == SIP_INVITE;
    struct mcall *c;
    int side;

    retire_due(m, msg->ts_us);
    live_due(m, msg);
    if (msg->call_id.len == 0)
        return;
    /* only calls with SDP are followed; a 2xx or BYE of another dialog is not a call */
    c = call_get(m, msg->call_id, sdp, msg);
    if (c == NULL)
        return;
    if (c->first_us == 0)
        c->first_us = msg->ts_us;
    c->last_us = msg->ts_us;
    if (!c->answered) {
        /* a new INVITE (the retry after a 401/407, a redirect) starts over;
         * its retransmissions (same CSeq) do not */
        if (msg->is_request && msg->method == SIP_INVITE && msg->cseq != c->invite_cseq) {
            c->invite_cseq = msg->cseq;
            c->fail_us = c->cancel_us = 0;
        }
        if (!msg->is_request && invite && msg->status >= 300 && c->fail_us == 0) {
            c->fail_us = msg->ts_us;    /* no media will come (but see 401/407) */
            c->fail_status = (uint16_t)msg->status;
        }
        if (msg->is_request && msg->method == SIP_CANCEL && c->cancel_us == 0)
            c->cancel_us = msg->ts_us;
    }
    side = sender_side(m, c, msg);
    if (!c->side[side].seen_sig) {
        c->side[side].seen_sig = true;
        c->side[side].sig = msg->src;
    }
    if (sdp) {
        if (body != (const uint8_t *)msg->body.p || body_n != msg->body.len)
            m->ctr[M_SDP_MULTIPART]++;
        take_sdp(m, c, side, msg, body, body_n);
    }
    if (!msg->is_request && invite && msg->status >= 200 && msg->status < 300 && !c->answered) {
        c->answered = true;
        c->answer_us = msg->ts_us;
        c->answer_frame = mf_put(c, msg->frame);
    }
    if (msg->is_request && msg->method == SIP_BYE && !c->ended) {
        c->ended = true;
        c->end_us = msg->ts_us;
    }
}

static struct mport *port_find(struct media *m, const struct endpoint *ep)
{
    struct mport *p = ctab_find(&m->ports, ep_hash(&m->ports, ep));
    if (p == NULL || p->ep.port != ep->port || !addr_eq(&p->ep.ip, &ep->ip))
        return NULL;
    return p;
}

/* m= line mi of a side's SDP, NULL when it has none such. */
static const struct mline *stream_line(const struct mcall *c, int side, unsigned mi)
{
    if (c == NULL || !c->side[side].have_sdp || mi >= c->side[side].n_m)
        return NULL;
    return &c->side[side].m[mi];
}

/* A line's address (when ML_ADDR). */
static const struct addr *line_addr(const struct mside *s, const struct mline *l)
{
    return &s->addr[(l->bits & ML_ADDR1) ? 1 : 0];
}

/* Line l's named formats, l->n_fmt (pt, codec id) pairs of the side's
 * list (NULL if the list is shorter: never, but checked). */
static const uint8_t *line_fmts(const struct media *m, const struct mside *s,
                                const struct mline *l)
{
    size_t n, off = 0;
    const uint8_t *f = (const uint8_t *)intern_get(&m->lists, s->fmts, &n);

    for (const struct mline *k = s->m; k < l; k++)
        off += 2u * k->n_fmt;
    return off + 2u * l->n_fmt <= n ? f + off : NULL;
}

/* The codec of payload type pt on a side's m= line (sdp_codec on what the
 * call kept): a codec id (a=rtpmap), else MS_CODEC_STATIC (RFC 3551 has a
 * static name for pt), else MS_CODEC_NONE. */
static uint8_t line_codec(const struct media *m, const struct mcall *c, int side,
                          const struct mline *l, uint8_t pt, uint32_t *clock)
{
    const uint8_t *f = l != NULL ? line_fmts(m, &c->side[side], l) : NULL;

    for (unsigned k = 0; f != NULL && k < l->n_fmt; k++) {
        if (f[2 * k] == pt) {
            *clock = m->codec[f[2 * k + 1] - 1].clock;
            return f[2 * k + 1];
        }
    }
    return sdp_static_codec(pt, clock) != NULL ? MS_CODEC_STATIC : MS_CODEC_NONE;
}

/* The name of a stream's codec ("" when unknown). */
static const char *codec_name(const struct media *m, const struct mstream *s)
{
    uint32_t clock;
    const char *name;

    if (s->codec == MS_CODEC_STATIC)
        return (name = sdp_static_codec(s->pt, &clock)) != NULL ? name : "";
    if (s->codec == MS_CODEC_NONE || s->codec > m->n_codecs)
        return "";
    return m->codec[s->codec - 1].name;
}

/* The sender announced a pair for this m= kind but sends from another:
 * a NAT (or an ALG that rewrote SDP) between it and the capture. */
static void sender_moved(struct mcall *c, int from, const struct sip_payload *pl)
{
    const struct mside *s = &c->side[from];
    bool announced = false;

    if (c->moved[from] || !s->have_sdp)
        return;
    for (unsigned i = 0; i < s->n_m; i++) {
        if (!(s->m[i].bits & ML_ADDR) || !(s->m[i].bits & ML_RTP) || s->m[i].port == 0)
            continue;
        announced = true;
        if (s->m[i].port == pl->src.port && addr_eq(line_addr(s, &s->m[i]), &pl->src.ip))
            return;
    }
    if (!announced)
        return;
    c->moved[from] = true;
    c->real_src[from] = pl->src;
    c->moved_frame[from] = mf_put(c, pl->frame);
}

/* A stream is one SSRC from one (address, port) to another. */
static uint64_t stream_hash(const struct ctab *t, const struct sip_payload *pl, uint32_t ssrc)
{
    uint8_t k[40];

    memcpy(k, pl->src.ip.b, 16);
    memcpy(k + 16, pl->dst.ip.b, 16);
    k[32] = (uint8_t)(pl->src.port >> 8);
    k[33] = (uint8_t)pl->src.port;
    k[34] = (uint8_t)(pl->dst.port >> 8);
    k[35] = (uint8_t)pl->dst.port;
    k[36] = (uint8_t)(ssrc >> 24);
    k[37] = (uint8_t)(ssrc >> 16);
    k[38] = (uint8_t)(ssrc >> 8);
    k[39] = (uint8_t)ssrc;
    return ctab_hash(t, k, sizeof(k));
}

static struct mstream *stream_get(struct media *m, const struct sip_payload *pl,
                                  uint32_t ssrc, struct mcall *c, const struct mport *p,
                                  int to_side, uint8_t pt)
{
    uint64_t h;
    bool created;
    struct mstream *s;

    h = stream_hash(&m->streams, pl, ssrc);
    s = ctab_get(&m->streams, h, &created);
    if (created) {
        const struct mline *sm;
        const uint8_t *f;
        int sm_side = to_side;
        s->call_id = intern_ref(&m->ids, c->call_id);
        s->seq = ++m->stream_seq;
        list_add(&m->streams, STREAM_LINK, &c->streams1, s);
        s->call_idx = ctab_index(&m->calls, c);
        s->call_serial = ctab_serial(&m->calls, c);
        s->src = pl->src;
        s->dst = pl->dst;
        s->ssrc = ssrc;
        s->to_side = (uint8_t)to_side;
        s->m_index = p->m_index;
        s->pt = pt;
        s->first_frame = pl->frame;
        /* the receiver's SDP says what it accepts; the sender's what it sends */
        sm = stream_line(c, to_side, p->m_index);
        if (sm == NULL)
            sm = stream_line(c, sm_side = !to_side, p->m_index);
        s->codec = line_codec(m, c, sm_side, sm, pt, &s->clock);
        f = sm != NULL ? line_fmts(m, &c->side[sm_side], sm) : NULL;
        for (unsigned i = 0; f != NULL && i < sm->n_fmt; i++) {
            if (strcasecmp(m->codec[f[2 * i + 1] - 1].name, "telephone-event") == 0) {
                s->dtmf_pt_known = true;
                s->dtmf_pt = f[2 * i];
            }
        }
        c->n_streams++;
        sender_moved(c, !to_side, pl);
    }
    return s;
}

/* RTP to side i's SDP address when that address is private but side i's SIP
 * reached the capture from a public address: the capture is outside side i's
 * NAT, and a packet addressed to its private address cannot reach it. */
static bool void_dst(const struct mcall *c, int i, const struct sip_payload *pl)
{
    const struct mside *s = &c->side[i];

    if (!s->seen_sig || addr_class_is_private(addr_classify(&s->sig.ip)) ||
        !addr_class_is_private(addr_classify(&pl->dst.ip)))
        return false;
    for (unsigned k = 0; k < s->n_m; k++)
        if ((s->m[k].bits & ML_ADDR) && addr_eq(line_addr(s, &s->m[k]), &pl->dst.ip))
            return true;
    return false;
}

/* One RTP packet reached (or, to a private address from outside, was sent
 * towards) side to_side of call c. */
static void credit(struct mcall *c, int to_side, const struct sip_payload *pl)
{
    if (void_dst(c, to_side, pl)) {
        if (c->void_to[to_side]++ == 0)
            c->void_frame[to_side] = mf_put(c, pl->frame);
    } else if (c->rtp_to[to_side]++ == 0) {
        c->first_frame_to[to_side] = mf_put(c, pl->frame);
    }
}

static void on_rtp(struct media *m, const struct sip_payload *pl, struct mcall *c,
                   const struct mport *p, int to_side, const struct rtp_hdr *h)
{
    struct mstream *s = stream_get(m, pl, h->ssrc, c, p, to_side, h->pt);
    uint32_t clock = s->clock;

    m->ctr[M_RTP]++;
    credit(c, to_side, pl);
    if (s->dtmf_pt_known && h->pt == s->dtmf_pt) {
        struct rtp_dtmf d;
        /* RFC 4733 §2.5.1: all packets of one event share its timestamp */
        if (rtp_dtmf_parse(h->payload, &d) && (!s->have_dtmf || h->ts != s->last_dtmf_ts)) {
            s->have_dtmf = true;
            s->last_dtmf_ts = h->ts;
            s->dtmf_events++;
            m->ctr[M_DTMF]++;
        }
        /* an event's packets all carry its start time (RFC 4733 §2.5.1.2):
         * they count as received but say nothing about jitter */
        clock = 0;
    } else if (h->pt != s->pt) {
        /* comfort noise or a codec switch: the clock may differ */
        const struct mline *sm = stream_line(c, to_side, p->m_index);
        (void)line_codec(m, c, to_side, sm, h->pt, &clock);
    }
    rtp_stat_update(&s->st, h, pl->ts_us, clock);
}

static void on_rtcp(struct media *m, struct mcall *c, int to_side, struct cursor cur)
{
    struct rtcp_info ri;

    if (!rtcp_parse(cur, &ri)) {
        m->ctr[M_RTCP_BAD]++;
        return;
    }
    m->ctr[M_RTCP]++;
    c->rtcp_to[to_side]++;
}

/* A packet is media of every call whose SDP names one of its ends (a
 * B2BUA's legs re-INVITE to one direct path): besides the call that owns
 * the stream (p), credit the others' verdicts, each once. */
static void credit_others(struct media *m, const struct sip_payload *pl, const struct mport *p,
                          bool by_dst, const struct mport *ps)
{
    struct { uint32_t idx, serial; int to_side; } cand[4];
    uint32_t seen_idx[5], seen_serial[5];
    unsigned n = 0, ns = 0;

    seen_idx[ns] = p->call_idx;
    seen_serial[ns++] = p->call_serial;
    if (p->have_prev)
        cand[n].idx = p->prev_idx, cand[n].serial = p->prev_serial,
        cand[n++].to_side = by_dst ? p->prev_side : !p->prev_side;
    if (ps != NULL && ps->rtp) {
        cand[n].idx = ps->call_idx, cand[n].serial = ps->call_serial, cand[n++].to_side = !ps->side;
        if (ps->have_prev)
            cand[n].idx = ps->prev_idx, cand[n].serial = ps->prev_serial,
            cand[n++].to_side = !ps->prev_side;
    }
    for (unsigned i = 0; i < n; i++) {
        bool dup = false;
        struct mcall *c;
        for (unsigned k = 0; k < ns; k++)
            dup |= seen_idx[k] == cand[i].idx && seen_serial[k] == cand[i].serial;
        if (dup || (c = call_at(m, cand[i].idx, cand[i].serial)) == NULL)
            continue;
        seen_idx[ns] = cand[i].idx;
        seen_serial[ns++] = cand[i].serial;
        credit(c, cand[i].to_side, pl);
    }
}

/* --rtp-heuristic: an RTP-looking datagram on ports no SDP announced. Any
 * UDP payload whose first byte is 0x80..0xbf parses as RTP, so the stream
 * is kept in its own table, never tied to a call or a verdict, and shown
 * only once it looks like a stream (HEUR_MIN_PACKETS in sequence, see
 * media_snapshot). Well-known ports (< 1024: DNS, NTP, syslog...) are
 * refused: RTP uses dynamic ports (RFC 3551 §8). */
#define HEUR_MIN_PACKETS 4

static bool on_heuristic(struct media *m, const struct sip_payload *pl, const struct rtp_hdr *h)
{
    uint64_t key;
    bool created;
    struct mstream *s;

    if (pl->src.port < 1024 || pl->dst.port < 1024) {
        m->ctr[M_HEUR_REFUSED]++;
        return false;
    }
    key = stream_hash(&m->hstreams, pl, h->ssrc);
    s = ctab_get(&m->hstreams, key, &created);
    if (created) {
        s->heuristic = true;
        s->src = pl->src;
        s->dst = pl->dst;
        s->ssrc = h->ssrc;
        s->pt = h->pt;
        s->first_frame = pl->frame;
        s->codec = sdp_static_codec(h->pt, &s->clock) != NULL ? MS_CODEC_STATIC : MS_CODEC_NONE;
    }
    m->ctr[M_HEUR_PACKETS]++;
    rtp_stat_update(&s->st, h, pl->ts_us, h->pt == s->pt ? s->clock : 0);
    return true;
}

/* Enough packets with few gaps and jumps: a stream, not chance bytes. */
static bool heuristic_shown(const struct mstream *s)
{
    return s->st.received >= HEUR_MIN_PACKETS && s->st.jumps == 0 &&
           rtp_stat_expected(&s->st) <= 2 * (int64_t)s->st.received;
}

bool media_on_udp(struct media *m, const struct sip_payload *pl)
{
    struct cursor cur = cursor_make(pl->data, pl->len);
    struct mport *p;
    struct mcall *c;
    struct rtp_hdr h;
    enum rtp_verdict v;
    int to_side;
    bool by_dst;

    m->ctr[M_UDP]++;
    retire_due(m, pl->ts_us);
    /* receiver announced the destination, else the sender announced its source */
    p = port_find(m, &pl->dst);
    by_dst = p != NULL;
    if (p != NULL) {
        to_side = p->side;
    } else if ((p = port_find(m, &pl->src)) != NULL) {
        to_side = !p->side;
    } else if (gone_recently(m, &pl->dst, pl->ts_us) || gone_recently(m, &pl->src, pl->ts_us)) {
        /* media of a call SIP ended a while ago (retired): counted, never
         * unannounced RTP or a heuristic stream */
        m->ctr[M_UDP_LATE]++;
        if (rtp_parse(cur, &h) == RTP_OK)
            m->late_rtp = true;
        return false;
    } else {
        m->ctr[M_UDP_UNMATCHED]++;
        if (rtp_parse(cur, &h) != RTP_OK)
            return false;
        m->ctr[M_UDP_RTP_LIKE]++;
        return m->heuristic && on_heuristic(m, pl, &h);
    }
    c = call_at(m, p->call_idx, p->call_serial);
    if (c == NULL) {
        m->ctr[M_UDP_UNMATCHED]++;     /* the call was evicted */
        return false;
    }
    if (!p->rtp) {
        m->ctr[M_UDP_NOT_RTP]++;
        return false;
    }
    v = rtp_parse(cur, &h);
    switch (v) {
    case RTP_OK:
        on_rtp(m, pl, c, p, to_side, &h);
        if (by_dst)
            credit_others(m, pl, p, true, port_find(m, &pl->src));
        else
            credit_others(m, pl, p, false, NULL);
        return true;
    case RTP_IS_RTCP:
        on_rtcp(m, c, to_side, cur);
        return true;
    case RTP_SHORT: m->ctr[M_RTP_SHORT]++; break;
    case RTP_BAD_VERSION: m->ctr[M_RTP_BAD_VERSION]++; break;
    case RTP_BAD_CSRC: m->ctr[M_RTP_BAD_CSRC]++; break;
    case RTP_BAD_EXT: m->ctr[M_RTP_BAD_EXT]++; break;
    case RTP_BAD_PADDING: m->ctr[M_RTP_BAD_PADDING]++; break;
    case RTP_VERDICT_COUNT: break;
    }
    return false;
}

void media_stats(const struct media *m, stats_fn fn, void *ud)
{
    for (size_t i = 0; i < M_COUNT; i++)
        fn(ud, counter_names[i], m->ctr[i]);
    fn(ud, "media.calls.evicted", m->calls.evictions);
    fn(ud, "media.ports.evicted", m->ports.evictions);
    fn(ud, "media.streams.evicted", m->streams.evictions);
    fn(ud, "media.calls.retired", m->calls_retired);
    fn(ud, "media.ports.retired", m->ports_retired);
    fn(ud, "media.streams.retired", m->streams_retired);
    fn(ud, "media.calls.peak", m->calls.peak);      /* most live at once: sizing the caps */
    fn(ud, "media.ports.peak", m->ports.peak);
    fn(ud, "media.streams.peak", m->streams.peak);
    fn(ud, "media.streams", m->streams.n + m->streams_retired);   /* measured, retired or not */
    fn(ud, "media.heuristic.streams", m->hstreams.n);
    fn(ud, "media.heuristic.evicted", m->hstreams.evictions);
}

uint64_t media_evictions(const struct media *m)
{
    return m->calls.evictions + m->ports.evictions + m->streams.evictions +
           m->hstreams.evictions;
}

/* ---- verdicts ------------------------------------------------------------ */

static int first_audio(const struct mside *s)
{
    const unsigned both = ML_RTP | ML_ADDR;

    for (unsigned i = 0; i < s->n_m; i++)
        if ((s->m[i].bits & both) == both && ML_TYPE(&s->m[i]) == SDP_M_AUDIO)
            return (int)i;
    for (unsigned i = 0; i < s->n_m; i++)
        if ((s->m[i].bits & both) == both)
            return (int)i;
    return -1;
}

static bool hold_addr(const struct addr *a)
{
    static const struct addr zero4 = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } };
    static const struct addr zero6 = { { 0 } };
    return addr_eq(a, &zero4) || addr_eq(a, &zero6);
}

/* Whether the capture carries RTP at all (see cannot_see below). */
static bool capture_has_rtp(const struct media *m)
{
    return m->ctr[M_RTP] + m->ctr[M_UDP_RTP_LIKE] > 0 || m->late_rtp;
}

static void see(const struct media *m, const struct mconcl *o, struct media_verdict *v)
{
    for (int i = 0; i < 2; i++)
        v->cannot_see[i] = !o->sent[i] && !(o->sig_here[i] && capture_has_rtp(m));
}

/* Everything of a call's verdict but cannot_see; o->v.call_id points into o. */
static void conclude(const struct media *m, const struct mcall *c, struct mconcl *o)
{
    struct media_verdict *v = &o->v;

    memset(o, 0, sizeof(*o));
    snprintf(o->call_id, sizeof(o->call_id), "%s", call_id_of(m, c->call_id));
    o->rtcp_to[0] = c->rtcp_to[0];
    o->rtcp_to[1] = c->rtcp_to[1];
    o->n_streams = c->n_streams;
    v->silent = -1;
    v->call_id = o->call_id;
    v->answered = c->answered;
    v->answer_us = c->answer_us;
    v->answer_frame = mf_get(c, c->answer_frame);
    v->end_us = c->ended ? c->end_us : 0;
    v->live_frame = c->live_frame;
    for (int i = 0; i < 2; i++) {
        const struct mside *s = &c->side[i];
        int a = first_audio(s);
        v->have_sdp[i] = s->have_sdp && a >= 0;
        v->sdp_frame[i] = mf_get(c, s->sdp_frame);
        v->sig[i] = s->sig;
        if (a >= 0) {
            v->sdp_ep[i].ip = *line_addr(s, &s->m[a]);
            v->sdp_ep[i].port = s->m[a].port;
        }
        if (a >= 0) {
            v->dir[i] = ML_DIR(&s->m[a]);
            v->private_sdp[i] = addr_class_is_private(addr_classify(line_addr(s, &s->m[a])));
        } else {
            v->dir[i] = SDP_DIR_INACTIVE;
        }
        v->packets_to[i] = c->rtp_to[i];
        v->void_to[i] = c->void_to[i];
        v->void_frame[i] = mf_get(c, c->void_frame[i]);
        v->first_frame_to[i] = mf_get(c, c->first_frame_to[i]);
        v->moved[i] = c->moved[i];
        v->real_src[i] = c->real_src[i];
        v->moved_frame[i] = mf_get(c, c->moved_frame[i]);
    }
    /* Silence from a side proves something only when the capture shows that
     * host sending at all: media (RTP or RTCP) from it, or its SIP from the
     * address its SDP gave in a capture that carries RTP (one with no RTP
     * anywhere was most likely filtered to SIP). */
    for (int i = 0; i < 2; i++) {
        o->sent[i] = c->rtp_to[!i] > 0 || c->void_to[!i] > 0 || c->rtcp_to[!i] > 0;
        o->sig_here[i] = c->side[i].seen_sig && v->have_sdp[i] &&
                         addr_eq(&c->side[i].sig.ip, &v->sdp_ep[i].ip);
    }
    if (!c->answered)
        v->state = MEDIA_NOT_ANSWERED;
    else if (c->rtp_to[0] > 0 && c->rtp_to[1] > 0)
        v->state = MEDIA_TWO_WAY;
    else if (c->rtp_to[0] > 0 || c->rtp_to[1] > 0)
        v->state = MEDIA_ONE_WAY;
    else
        v->state = MEDIA_NONE;
    if (v->state == MEDIA_ONE_WAY)
        v->silent = c->rtp_to[1] > 0 ? 1 : 0;   /* nothing reached 0: side 1 is silent */
    /* RFC 3264 §5.1/§8.4: a side that may not send (its own sendonly/recvonly
     * pairing, inactive, a hold address or a rejected stream) explains it */
    for (int i = 0; i < 2; i++) {
        bool may_send = v->have_sdp[i] && (v->dir[i] == SDP_DIR_SENDRECV ||
                                           v->dir[i] == SDP_DIR_SENDONLY) &&
                        v->sdp_ep[i].port != 0 && !hold_addr(&v->sdp_ep[i].ip) &&
                        v->have_sdp[!i] && v->dir[!i] != SDP_DIR_SENDONLY &&
                        v->dir[!i] != SDP_DIR_INACTIVE && v->sdp_ep[!i].port != 0 &&
                        !hold_addr(&v->sdp_ep[!i].ip);
        if (!may_send && (v->state == MEDIA_NONE || v->silent == i))
            v->expected = true;
    }
}

/* The verdict of a live call; v->call_id points at the call's (interned:
 * valid while the call lives). */
static void verdict_of(const struct media *m, const struct mcall *c, struct media_verdict *v)
{
    struct mconcl o;

    conclude(m, c, &o);
    see(m, &o, &o.v);
    *v = o.v;
    v->call_id = call_id_of(m, c->call_id);
}

const char *media_state_name(enum media_state s)
{
    switch (s) {
    case MEDIA_NOT_ANSWERED: return "not answered";
    case MEDIA_TWO_WAY: return "two-way";
    case MEDIA_ONE_WAY: return "one-way";
    case MEDIA_NONE: return "no media";
    }
    return "?";
}

bool media_call(const struct media *m, struct span call_id, struct media_verdict *v)
{
    const struct mcall *c = ctab_find(&m->calls, ctab_hash(&m->calls, call_id.p, call_id.len));

    if (c == NULL || (!c->side[0].have_sdp && !c->side[1].have_sdp))
        return false;
    verdict_of(m, c, v);
    return true;
}

void media_each_call(const struct media *m, media_verdict_fn fn, void *ud)
{
    struct media_verdict v;

    for (const struct mcall *c = ctab_first(&m->calls); c != NULL; c = ctab_next(&m->calls, c)) {
        if (!c->side[0].have_sdp && !c->side[1].have_sdp)
            continue;
        verdict_of(m, c, &v);
        fn(ud, &v);
    }
}

/* ---- snapshot ------------------------------------------------------------ */

/* A call as the report lists it, live (c) or retired (its mconcl). */
static void call_summary(const struct media *m, const struct mconcl *cc, struct snap_media_call *o)
{
    struct media_verdict v = cc->v;
    char a[ADDR_STRLEN];

    see(m, cc, &v);
    memset(o, 0, sizeof(*o));
    snprintf(o->call_id, sizeof(o->call_id), "%s", cc->call_id);
    for (int i = 0; i < 2; i++) {
        o->have_sdp[i] = v.have_sdp[i];
        o->sdp[i] = v.sdp_ep[i];
        o->packets_to[i] = v.packets_to[i];
        o->rtcp_to[i] = cc->rtcp_to[i];
    }
    o->n_streams = cc->n_streams;
    snprintf(o->verdict, sizeof(o->verdict), "%s", media_state_name(v.state));
    if (v.expected)
        snprintf(o->note, sizeof(o->note), "as the SDP asked (hold, inactive or one-way "
                 "direction)");
    /* what the capture can and cannot show: silence from a host it never saw send */
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(o->note);
        if (!v.cannot_see[i] || !v.have_sdp[i] ||
            !(v.state == MEDIA_NONE || (v.state == MEDIA_ONE_WAY && v.silent == i)))
            continue;
        addr_str(&v.sdp_ep[i].ip, a, sizeof(a));
        snprintf(o->note + n, sizeof(o->note) - n, "%sthis capture shows nothing sent from the "
                 "%s's media host %s (one direction of a mirror?): it cannot show whether the "
                 "%s sent RTP", n ? "; " : "", i == 0 ? "caller" : "callee", a,
                 i == 0 ? "caller" : "callee");
    }
    for (int i = 0; i < 2; i++) {
        if (!v.moved[i])
            continue;
        addr_str(&v.real_src[i].ip, a, sizeof(a));
        size_t n = strlen(o->note);
        snprintf(o->note + n, sizeof(o->note) - n, "%s%s media comes from %s:%u, not its SDP "
                 "address", n ? "; " : "", i == 0 ? "caller" : "callee", a,
                 (unsigned)v.real_src[i].port);
    }
}

static void stream_out(const struct media *m, const struct mstream *s, struct snap_media *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->call_id, sizeof(o->call_id), "%s", call_id_of(m, s->call_id));
    o->src = s->src;
    o->dst = s->dst;
    o->ssrc = s->ssrc;
    o->payload_type = s->pt;
    snprintf(o->codec, sizeof(o->codec), "%s", codec_name(m, s));
    o->heuristic = s->heuristic;
    snprintf(o->direction, sizeof(o->direction), "%s", s->heuristic ? "unknown" :
             s->to_side == 1 ? "caller->callee" : "callee->caller");
    o->packets = s->st.received;
    o->expected = rtp_stat_expected(&s->st);
    o->lost = rtp_stat_lost(&s->st);
    o->jitter_ms = s->st.jitter_ms;
    o->jitter_max_ms = s->st.jitter_max_ms;
    o->jitter_mean_ms = s->st.jitter_mean_ms;
    o->first_us = s->st.first_us;
    o->last_us = s->st.last_us;
    o->first_frame = s->first_frame;
    o->dtmf_events = s->dtmf_events;
}

/* The kept (retired) entries, latest first seen first, into order[]. */
static size_t kept_sorted(const struct mkept *k, struct mkept_item *order)
{
    memcpy(order, k->heap, k->n * sizeof(*order));
    qsort(order, k->n, sizeof(*order), kept_cmp_desc);
    return k->n;
}

void media_snapshot(const struct media *m, struct snapshot *out)
{
    struct mkept_item order[SNAP_MAX_MEDIA > SNAP_MAX_MEDIA_CALLS ? SNAP_MAX_MEDIA
                                                                   : SNAP_MAX_MEDIA_CALLS];
    size_t nk, ki;
    const struct mstream *s;
    const struct mcall *c;

    /* live and retired streams, latest first seen first, as if none had retired */
    out->n_media = 0;
    out->media_not_shown = 0;
    nk = kept_sorted(&m->kept_streams, order);
    s = ctab_last(&m->streams);
    ki = 0;
    while (s != NULL || ki < nk) {
        bool live = s != NULL && (ki == nk || s->seq > order[ki].seq);
        if (out->n_media >= SNAP_MAX_MEDIA)
            out->media_not_shown++;
        else if (live)
            stream_out(m, s, &out->media[out->n_media++]);
        else
            out->media[out->n_media++] = *(const struct snap_media *)
                (m->kept_streams.slots + (size_t)order[ki].slot * m->kept_streams.esize);
        if (live)
            s = ctab_prev(&m->streams, s);
        else
            ki++;
    }
    out->media_not_shown += m->streams.evictions + m->kept_streams.dropped;
    /* heuristic streams after the announced ones: they are guesses */
    out->n_media_heuristic = 0;
    for (s = ctab_last(&m->hstreams); m->heuristic && s != NULL;
         s = ctab_prev(&m->hstreams, s)) {
        if (!heuristic_shown(s))
            continue;
        if (out->n_media >= SNAP_MAX_MEDIA) {
            out->media_not_shown++;
            continue;
        }
        stream_out(m, s, &out->media[out->n_media++]);
        out->n_media_heuristic++;
    }
    out->media_not_shown += m->hstreams.evictions;
    out->n_media_calls = 0;
    out->media_calls_not_shown = 0;
    nk = kept_sorted(&m->kept_calls, order);
    c = ctab_last(&m->calls);
    ki = 0;
    while (c != NULL || ki < nk) {
        bool live = c != NULL && (ki == nk || c->seq > order[ki].seq);
        if (live && !c->side[0].have_sdp && !c->side[1].have_sdp) {
            c = ctab_prev(&m->calls, c);
            continue;
        }
        if (out->n_media_calls >= SNAP_MAX_MEDIA_CALLS) {
            out->media_calls_not_shown++;
        } else if (live) {
            struct mconcl cc;
            conclude(m, c, &cc);
            call_summary(m, &cc, &out->media_calls[out->n_media_calls++]);
        } else {
            call_summary(m, (const struct mconcl *)(m->kept_calls.slots + (size_t)order[ki].slot *
                                                    m->kept_calls.esize),
                         &out->media_calls[out->n_media_calls++]);
        }
        if (live)
            c = ctab_prev(&m->calls, c);
        else
            ki++;
    }
    out->media_calls_not_shown += m->calls.evictions + m->kept_calls.dropped;
}
