/*
 * snapshot.h — a self-contained copy of what the engine knows, for every
 * consumer that is not the analysis thread's own code: the reports
 * (text/JSON/Markdown), the TUI (which reads a snapshot published at most
 * ~10 times a second), alerts and metrics.
 *
 * Flow: engine → snapshot → report_* | tui_* | alerts | metrics.
 * A snapshot owns all its memory (fixed-size strings and arrays, no
 * pointers into engine state), so it can be copied to another thread and
 * read there while the engine goes on. Strings are NUL-terminated, truncated
 * to fit, and never contain a password.
 */
#ifndef SIPSCOPE_SNAPSHOT_H
#define SIPSCOPE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "run.h"
#include "sip.h"

enum severity {
    SEV_INFO = 0,
    SEV_WARNING,
    SEV_ERROR,
    SEV_CRITICAL,
};

const char *severity_name(enum severity s);

/* Finding kinds (docs/findings.md). Their metadata (name, default
 * severity, rank, what each can explain) is one table in
 * src/findings/kind_meta.c; nothing compares kind names by hand. 0 is
 * "none" so a zeroed record names no kind. */
enum kind_id {
    KIND_NONE = 0,
    KIND_AUTH_REJECTED,
    KIND_IP_REJECTED,
    KIND_SOURCE_IP_CHANGED,
    KIND_ACCOUNT_SUSPENDED,
    KIND_CHALLENGE_UNANSWERED,
    KIND_DIGEST_MISMATCH,
    KIND_PASSWORD_MISMATCH,
    KIND_PASSWORD_VERIFIED,
    KIND_NO_RESPONSE,
    KIND_SCANNER,
    KIND_BRUTE_FORCE,
    KIND_CARRIER_REJECTED,
    KIND_NAT_REWRITE,
    KIND_SIP_ALG,
    KIND_MULTI_SITE,
    KIND_WRONG_REGION,
    KIND_UNEXPECTED_PEER,
    KIND_KEEPALIVE_FAILED,
    KIND_TLS_FAILED,
    KIND_TLS_CERTIFICATE,
    KIND_TLS_ENCRYPTED,
    KIND_ONE_WAY_MEDIA,
    KIND_NO_MEDIA,
    KIND_MEDIA_NAT,
    KIND_HEP_AGENT_QUIET,
    KIND_COUNT,
};

#define SNAP_MAX_EVIDENCE 32
#define SNAP_MAX_CAUSES 6
#define SNAP_MAX_FIX 8
#define SNAP_TEXT 256
#define SNAP_ID 12              /* "F12345" */
#define SNAP_MAX_EXPLAINS 16
#define SNAP_MAX_TARGETS 8
#define SNAP_MAX_SAMPLE 8       /* worst members named in a population finding */

struct snap_evidence {
    uint64_t frame;
    int64_t ts_us;
    char role[40];          /* "challenge", "retry with credentials", "403 Forbidden" */
    char line[160];         /* start line, plus a quoted header where it is evidence */
};

struct snap_finding {
    char kind[32];          /* auth_rejected, ip_rejected, ... (docs/findings.md) */
    enum severity severity;
    char summary[SNAP_TEXT];
    char entity[128];       /* peer/trunk, AOR or username, source IP */
    char provider[32];      /* matched provider profile, "" when none */
    uint64_t count;
    int64_t first_us, last_us;
    uint64_t peer_key;      /* snap_peer.key of the peer it is about, 0 if none */
    uint32_t n_evidence;
    struct snap_evidence evidence[SNAP_MAX_EVIDENCE];
    uint32_t n_causes;
    char causes[SNAP_MAX_CAUSES][SNAP_TEXT];
    uint32_t n_fix;
    char fix[SNAP_MAX_FIX][SNAP_TEXT];
    /* Added with the diagnosis (all zero/empty in older producers). */
    enum kind_id kind_id;   /* the enum of kind, KIND_NONE when unknown */
    char id[SNAP_ID];       /* stable id: "F" + creation order ("F1" first) */
    char explained_by[SNAP_ID]; /* id of the finding whose cause explains it, "" if none */
    uint32_t n_explains;    /* ids of the findings this one explains */
    char explains[SNAP_MAX_EXPLAINS][SNAP_ID];
    uint32_t n_targets;     /* attack kinds: accounts targeted ("1001@host") */
    char targets[SNAP_MAX_TARGETS][64];
    uint64_t n_targets_all; /* distinct accounts targeted (the JSON lists them all) */
    /* Population findings (docs/json-schema.md "population"): one finding about
     * many entities of one sort, e.g. "412 users rejected with 403". Zero for a
     * finding about a single entity. */
    char population[16];    /* "users", "phones", "sources", "" when single */
    uint64_t n_members;     /* distinct members counted */
    uint64_t members_dropped; /* members a budget could not count (never silent) */
    uint64_t n_estimate;    /* HyperLogLog estimate of all distinct members, set when
                             * members_dropped > 0 (then n_members is a floor) */
    uint32_t n_sample;      /* the worst members, most attempts first */
    struct snap_member { char name[64]; uint64_t count; } sample[SNAP_MAX_SAMPLE];
    /* The addresses it is about, for the diagnosis's causal rules (zero when
     * unknown): client = the side that sent the requests, server = the side
     * they went to, advertised = a private address the client advertised
     * (nat_rewrite). */
    struct addr client_ip, server_ip, advertised_ip;
    uint32_t site_id;       /* the HEP capture id (site) it is about, 0 if none (hep_agent_quiet) */
};

/* One root cause with the findings it explains folded under it
 * (docs/json-schema.md "diagnosis"). Most important first. */
#define SNAP_MAX_DIAGNOSIS 8
#define SNAP_MAX_RULED_OUT 12
#define SNAP_MAX_DIAG_FRAMES 64
struct snap_diagnosis {
    char trunk[96];         /* the peer it is about ("PBX a -> trunk b"), or the entity */
    char role[16];          /* trunk, phone, attack */
    enum kind_id root_cause;
    enum severity severity;
    char confidence[8];     /* high, medium, low */
    char summary[SNAP_TEXT];
    char finding[SNAP_ID];  /* id of the root-cause finding */
    uint32_t n_explains;
    char explains[SNAP_MAX_EXPLAINS][SNAP_ID];
    uint32_t n_ruled_out;
    /* the differential: why starts "ruled out because ..." or "cannot tell
     * from this capture because ..." (docs/findings.md "Diagnosis") */
    struct snap_ruled_out { char cause[32]; char why[SNAP_TEXT]; } ruled_out[SNAP_MAX_RULED_OUT];
    char fix[SNAP_TEXT];
    /* Roots of one kind on one trunk (or, for kinds of the client's own
     * set-up such as TLS, from one client or to one server) fold into one
     * entry: n_roots counts them all, roots[] names the first (roots[0] ==
     * finding); frames[] are their evidence frames, ascending, n_frames
     * counting all of them (past the cap: counted, never silent). */
    uint32_t n_roots;
    char roots[SNAP_MAX_EXPLAINS][SNAP_ID];
    uint32_t n_frames;
    uint64_t frames[SNAP_MAX_DIAG_FRAMES];
    uint32_t explains_dropped;  /* explained findings past SNAP_MAX_EXPLAINS */
};

/* Answer classes: index 0 = unanswered, 1..6 = 1xx..6xx. */
#define SNAP_ANSWER_CLASSES 7

struct snap_peer {
    uint64_t key;           /* stable while the peer is kept (snap_finding.peer_key) */
    char name[96];          /* "PBX 198.51.100.20 -> trunk 203.0.113.5:5060" */
    char role[16];          /* trunk, phone, source */
    char provider[32];
    char geo[64];           /* "US AS14618 Amazon" when GeoIP is present */
    uint32_t site_id;       /* HEP agent id, 0 otherwise */
    struct endpoint local, remote;
    uint64_t requests[SIP_METHOD_COUNT];
    uint64_t answers[SNAP_ANSWER_CLASSES];
    uint64_t auth_ok, auth_failed;
    int64_t first_fail_us, last_fail_us;    /* 0 when none */
    char keepalive[16];     /* "up", "down", "-" */
    char verdict[SNAP_TEXT];/* headline for this peer, "" when healthy */
    /* Added with the diagnosis: what each side sent (local = the client side
     * above), the facts roles are inferred from, and why the role was given. */
    struct snap_side {
        uint64_t requests, registers, e164_invites, challenges, responses, provisional;
        uint64_t first_resp_frame, last_resp_frame;
        int64_t first_resp_us, last_resp_us;
    } side_local, side_remote;
    char role_why[SNAP_TEXT];   /* "challenges the PBX's requests (407, frame 2)" */
};

/* One message of a dialog/transaction, for the call-flow ladder. */
struct snap_msg {
    uint64_t frame;
    int64_t ts_us;
    struct endpoint src, dst;
    enum transport transport;
    char label[64];         /* "INVITE" or "407 Proxy Authentication Required" */
    uint32_t raw_off, raw_len;  /* the raw message in snapshot.raw, 0/0 if evicted */
};

struct snap_dialog {
    char call_id[128];
    char method[16];        /* method of the first request */
    char from[96], to[96];
    struct endpoint src, dst;   /* of the first request */
    int last_status;        /* 0 while unanswered */
    char state[24];         /* "answered", "rejected 403", "unanswered", ... */
    int64_t first_us, last_us;
    uint32_t first_msg, n_msgs; /* range in snapshot.msgs */
};

/* Media (src/media/): one RTP stream (one SSRC from one address to
 * another) of a call whose SDP announced the port (docs/json-schema.md "media"). */
#define SNAP_MAX_MEDIA 512
#define SNAP_MAX_MEDIA_CALLS 256
struct snap_media {
    char call_id[128];
    struct endpoint src, dst;
    uint32_t ssrc;
    uint8_t payload_type;       /* of the first packet */
    char codec[16];             /* from a=rtpmap or RFC 3551, "" when unknown */
    char direction[16];         /* "caller->callee" or "callee->caller" */
    uint64_t packets;
    int64_t expected, lost;     /* RFC 3550 A.3; lost < 0 with duplicates */
    double jitter_ms;           /* RFC 3550 A.8 at the last packet */
    double jitter_max_ms, jitter_mean_ms;
    int64_t first_us, last_us;
    uint64_t first_frame;
    uint32_t dtmf_events;       /* RFC 4733 telephone events */
    bool heuristic;             /* --rtp-heuristic: on ports no SDP announced, no call */
};

/* One call's media, judged from its streams. */
struct snap_media_call {
    char call_id[128];
    char verdict[24];           /* two-way, one-way, no media, not answered */
    char note[SNAP_TEXT];       /* what the capture shows, NAT evidence */
    bool have_sdp[2];           /* [0] caller (offer of the INVITE), [1] callee */
    struct endpoint sdp[2];
    uint64_t packets_to[2];     /* RTP received by each side */
    uint64_t rtcp_to[2];
    uint32_t n_streams;
};

/* One TLS connection (docs/json-schema.md "tls"): what its handshake did,
 * from the stream stage's struct tls_conn (tls.h); never a key. */
#define SNAP_MAX_TLS 64
struct snap_tls {
    uint64_t id;                /* the id-th TLS connection seen */
    struct endpoint client, server;
    uint64_t first_frame;
    int64_t first_us;
    bool midstream;             /* picked up without its ClientHello */
    char sni[128];
    uint8_t offered;            /* TLS_VBIT()s (tls.h); legacy_offer: "up to" */
    bool legacy_offer;
    uint16_t version, cipher;   /* chosen, 0 before the ServerHello */
    char alpn_offered[64], alpn[32];
    bool has_cert, self_signed;
    uint8_t cert_problems;      /* TLS_CERT_* */
    char subject[128], issuer[128], san[192];
    int64_t not_before, not_after;
    bool alert, alert_encrypted;
    uint8_t alert_desc, alert_from;     /* alert_from: TLS_SIDE_* */
    uint64_t alert_frame;
    uint8_t fail;               /* enum tls_fail, 0 when it did not fail */
    bool established;
    uint8_t keys;               /* TLS_KEYS_* */
    uint64_t decrypted, undecryptable, sip_messages;
    bool done;                  /* the connection ended (final counts) */
};

struct snapshot {
    struct run_info run;    /* copied; stats_walk is not used across threads */
    uint64_t seq;           /* increases with every publication */
    uint64_t evictions;     /* sum of all table evictions */
    uint64_t findings_by_severity[4];

    size_t n_findings, cap_findings;    /* sorted worst first, then last_us */
    struct snap_finding *findings;
    size_t n_diagnosis;                 /* root causes, most important first */
    struct snap_diagnosis diagnosis[SNAP_MAX_DIAGNOSIS];
    size_t n_peers, cap_peers;
    struct snap_peer *peers;
    size_t n_dialogs, cap_dialogs;      /* most recent first */
    struct snap_dialog *dialogs;
    size_t n_msgs, cap_msgs;
    struct snap_msg *msgs;
    size_t raw_len, cap_raw;
    char *raw;

    /* Media (most recent first); what did not fit is counted, never dropped silently. */
    size_t n_media;
    struct snap_media *media;           /* SNAP_MAX_MEDIA entries */
    uint64_t media_not_shown;
    size_t n_media_heuristic;           /* of n_media, heuristic (listed last) */
    size_t n_media_calls;
    struct snap_media_call *media_calls; /* SNAP_MAX_MEDIA_CALLS entries */
    uint64_t media_calls_not_shown;

    /* Named counters (decode, sip, engine), copied for display. */
    size_t n_counters, cap_counters;
    struct snap_counter { char name[48]; uint64_t value; } *counters;

    /* Root causes past SNAP_MAX_DIAGNOSIS (counted, never silent). */
    size_t diagnosis_dropped;

    /* Every member of the population findings within the budget (the JSON
     * report's full lists): grouped by finding (order = the number of its id),
     * most attempts first. Capacity 0 unless snapshot_members_init was called
     * (the dashboard's copies carry none). */
    size_t n_members, cap_members;
    struct snap_pop_member {
        uint64_t order;     /* the finding's creation order: id "F<order>" */
        uint64_t count;
        uint8_t role;       /* SNAP_MEMBER_POPULATION or SNAP_MEMBER_TARGET */
        char name[64];
    } *members;
    uint64_t members_not_shown;

    /* TLS connections (failed ones kept first when the table is full);
     * tls_not_shown: those that did not fit (never silent). */
    size_t n_tls;
    struct snap_tls *tls;               /* SNAP_MAX_TLS entries */
    uint64_t tls_not_shown;
};
#define SNAP_MEMBER_POPULATION 0
#define SNAP_MEMBER_TARGET 1

/* Allocate the arrays to the caps given; 0 or ERR_NOMEM. */
int snapshot_init(struct snapshot *s, size_t findings, size_t peers, size_t dialogs,
                  size_t msgs, size_t raw_bytes, size_t counters);
void snapshot_free(struct snapshot *s);
/* Room for cap population members (snapshot.members); 0 or ERR_NOMEM. */
int snapshot_members_init(struct snapshot *s, size_t cap);
/* Forget the content, keep the storage. */
void snapshot_clear(struct snapshot *s);
/* Deep copy into dst (initialised with at least src's capacities). */
void snapshot_copy(struct snapshot *dst, const struct snapshot *src);

#endif
