/*
 * correlate.h — the engine's correlated state: transactions (RFC 3261 §17),
 * dialogs and registrations (§12, §10), auth exchanges (§22, RFC 7616),
 * peers (PBX <-> trunk pairs), sources (one address sending requests) and
 * identities (a username at a trunk host), plus the struct engine that owns
 * them and the interface finding kinds (src/kinds/) read.
 *
 * Flow: sip_parse → engine_msg → correlate (src/correlate/) → kinds →
 * findings. Thread: everything here belongs to the analysis thread.
 *
 * Lifetime: every table entry is a fixed-size record inside a bounded
 * struct ctab (caps.h gives each cap); strings are copied and truncated,
 * never pointers into a struct sip_msg (whose spans die after engine_msg).
 * A kind may keep a pointer to an entry only during one callback.
 */
#ifndef SIPSCOPE_CORRELATE_H
#define SIPSCOPE_CORRELATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "config/config.h"
#include "util/ctable.h"
#include "util/intern.h"
#include "findings/findings.h"
#include "config/geoip.h"
#include "config/profile.h"
#include "config/secrets.h"
#include "media/media.h"
#include "sip.h"
#include "snapshot.h"
#include "tls.h"

#define CORR_T1_US 500000LL                 /* RFC 3261 §17.1.1.1 T1 */
#define CORR_TIMEOUT_US (64 * CORR_T1_US)   /* Timer B / F: 32 s */
/* How long a challenge may wait for its retry before it counts as
 * unanswered: people type passwords (a softphone in sngrep's aaa.pcap
 * retries 33 s after its 407), so much longer than a transaction. */
#define CORR_CHALLENGE_WAIT_US (300LL * 1000000)
#define CORR_LINE 112

/* Copy a span into a fixed buffer: NUL-terminated, truncated, control
 * characters replaced by '?' (these strings are shown on terminals). */
void corr_copy(char *dst, size_t len, struct span s);
/* Keyed hash of (destination address, Request-URI host: its first 64 bytes),
 * never 0 (0 marks an empty cache slot): the key of the per-pair caches of
 * profile verdicts. */
uint64_t corr_dst_host_key(const struct ctab *t, const struct sip_msg *m);
/* "INVITE sip:+1555@x.pstn.twilio.com" / "SIP/2.0 403 Forbidden". */
void corr_start_line(const struct sip_msg *m, char *dst, size_t len);
/* addr_str into a small buffer. */
const char *corr_ip(const struct addr *a, char *buf, size_t len);
/* An endpoint interned as 18 bytes (address, port in network order), taking
 * a reference; and back (all zero for INTERN_NONE). */
uint32_t corr_put_endpoint(struct intern *in, const struct endpoint *ep);
/* The same with a candidate handle (intern_put_as): *cand is tried first and
 * then set to the result, so the next record of the message that names the
 * same endpoint takes a reference without hashing (struct engine msg_ep). */
uint32_t corr_put_endpoint_as(struct intern *in, uint32_t *cand, const struct endpoint *ep);
void corr_get_endpoint(const struct intern *in, uint32_t h, struct endpoint *ep);
/* An address interned as its 16 bytes, and back (all zero for INTERN_NONE). */
uint32_t corr_put_addr(struct intern *in, const struct addr *a);
void corr_get_addr(const struct intern *in, uint32_t h, struct addr *a);
/* An interned text into a buffer of cap bytes, cut and NUL-terminated (the
 * text was made safe for a terminal when it was interned: a bounded copy). */
void corr_get_text(const struct intern *in, uint32_t h, char *dst, size_t cap);

/* ---- transactions (src/correlate/txn.c) ---- */

#define TXN_COPIES 8
/* RFC 3261 §17: how long a transaction is kept once it has its final
 * answer, for the retransmissions that can still come (timers D, H, I, J,
 * K: 64*T1 on UDP, T4 on reliable transports where the transaction layer
 * does not retransmit), and how long an INVITE that got a provisional may
 * wait for its final answer (timer C, §16.6 item 11: more than 3 minutes). */
#define CORR_T4_US 5000000LL
#define CORR_TIMER_C_US (180LL * 1000000)

enum txn_state {
    TXN_OPEN = 0,       /* no final response yet */
    TXN_DONE,           /* final response seen */
    TXN_TIMEOUT,        /* no final response within 64*T1 of capture time */
    TXN_UNANSWERED,     /* still open when the input ended */
};

/*
 * What the table stores for one live transaction: 128 bytes. Addresses and
 * text are interned (util/intern.h: shared, reference-counted), later frames
 * and times are deltas from the first copy (saturated). Private to
 * correlate/: kinds and the rest of the engine read a struct txn view.
 */
struct txn_rec {
    uint64_t key;
    uint64_t dialog_key;        /* Call-ID hash (dialog table key) */
    uint64_t frame;             /* first copy of the request */
    int64_t first_us;
    uint32_t src, dst, eff;     /* interned struct endpoint: request source, destination,
                                 * effective source (received= of the answer) */
    uint32_t req;               /* interned request line */
    uint32_t who;               /* interned "user\0from_user\0ruri_host" */
    uint32_t fin;               /* interned final status line */
    uint32_t d_last, d_resp, d_final, d_ack, d_cancel;  /* frame - frame, 0 = none */
    uint32_t d_copies[TXN_COPIES - 1];  /* retransmissions 1.. as frame deltas */
    uint32_t t_last, t_gap, t_final;    /* microseconds after first_us */
    uint16_t status, retrans, n_prov, final_retrans;
    uint8_t method, state, transport, flags;
};

/* A transaction as kinds see it: a view filled from its struct txn_rec for
 * one event (engine scratch, valid until the next view is made). Changes go
 * through txn_link / txn_set_state, never into the view. */
struct txn {
    uint64_t key;
    uint64_t dialog_key;        /* Call-ID hash (dialog table key) */
    uint64_t peer_key;
    enum sip_method method;
    struct endpoint src, dst;   /* of the request */
    enum transport transport;
    uint64_t frame;             /* first copy of the request */
    uint64_t last_frame;        /* latest retransmission */
    uint64_t copies[TXN_COPIES];    /* frames of the first TXN_COPIES copies */
    int64_t first_us, last_us;  /* first copy, latest retransmission */
    int64_t last_gap_us;
    uint32_t retrans;
    bool doubling;              /* gaps doubled like timer A/E */
    bool rfc3261;               /* keyed by a z9hG4bK branch */
    bool had_cred;
    uint8_t state;              /* enum txn_state */
    uint32_t n_prov;
    uint64_t first_resp_frame;
    int status;                 /* final status, 0 while open */
    uint64_t final_frame;
    int64_t final_us;
    uint32_t final_retrans;
    uint64_t ack_frame;
    uint64_t cancel_frame;
    struct addr effective_src;  /* received= of the answer, else src */
    char req_line[CORR_LINE];
    char final_line[CORR_LINE];
    char user[48];              /* auth username, else From user (To user for REGISTER) */
    char from_user[48];         /* From user (To user for REGISTER): the caller identity */
    char ruri_host[64];
    struct txn_rec *rec;        /* the stored record */
};

/* Key of the transaction m belongs to (request or response). */
uint64_t txn_key(const struct ctab *t, const struct sip_msg *m, bool *rfc3261);

/* ---- auth exchanges (src/correlate/auth.c) ---- */

enum auth_state {
    AUTH_NONE = 0,
    AUTH_CHALLENGED,    /* 401/407 seen, no retry yet */
    AUTH_RETRIED,       /* a request with credentials is outstanding */
    AUTH_OK,            /* the retry was accepted */
    AUTH_REJECTED,      /* the retry was refused (403, or 401/407 not stale) */
};

#define AUTH_NONCES 4

/* The latest retry checked against --secrets (digest_verify). */
enum auth_pw {
    AUTH_PW_UNKNOWN = 0,    /* no --secrets, no entry for the user, or cannot tell */
    AUTH_PW_MATCH,
    AUTH_PW_MISMATCH,
};

/*
 * What the table stores for one live exchange: 256 bytes. Text and the two
 * endpoints are interned (util/intern.h: shared, reference-counted); frames
 * and times stay exact (they are the evidence). Private to correlate/: kinds
 * and the rest of the engine read a struct auth_ex view.
 */
struct auth_rec {
    uint64_t key;
    uint64_t peer_key;
    uint64_t challenge_frame, challenged_req_frame, ack_frame, retry_frame, outcome_frame;
    int64_t challenge_us, challenged_req_us, ack_us, retry_us, outcome_us;
    uint64_t nonce[AUTH_NONCES];        /* hashes of the latest challenge's nonces */
    uint64_t old_nonce[AUTH_NONCES];    /* of earlier challenges */
    uint64_t last_nonce_used;
    uint32_t client, server;            /* interned struct endpoint */
    uint32_t challenge_line, challenged_req_line, retry_line, outcome_line;
    uint32_t realm, username, ruri_host, qop, problem;  /* interned text */
    uint32_t algs;                      /* interned "alg0\0alg1\0..." (n_alg of them) */
    uint32_t last_nc;
    uint32_t challenges, stale, retries, rejections, accepted;
    uint16_t challenge_status, outcome_status;
    uint8_t method, state, flags, pw_verdict, n_nonce, n_old_nonce, n_alg;
};

/* An exchange as kinds see it: a view filled from its struct auth_rec for
 * one event (engine scratch, valid until the next view is made). Changes go
 * through the auth_* functions (auth.c), never into the view. */
struct auth_ex {
    uint64_t key;
    uint64_t peer_key;
    enum sip_method method;
    uint8_t state;
    bool proxy;                 /* 407 / Proxy-Authorization */
    bool unanswered_done;       /* challenge_unanswered already decided */
    bool preemptive;            /* credentials sent without a challenge seen */
    struct endpoint client, server;
    int challenge_status;
    uint64_t challenge_frame;
    int64_t challenge_us;
    char challenge_line[CORR_LINE];
    uint64_t challenged_req_frame;
    uint64_t ack_frame;         /* ACK of a challenged INVITE */
    int64_t ack_us;
    int64_t challenged_req_us;
    char challenged_req_line[CORR_LINE];
    uint64_t retry_frame;
    int64_t retry_us;
    char retry_line[CORR_LINE];
    uint64_t outcome_frame;
    int64_t outcome_us;
    int outcome_status;
    char outcome_line[CORR_LINE];
    char realm[64];
    char username[48];
    char ruri_host[64];
    uint8_t n_nonce, n_old_nonce;
    uint64_t nonce[AUTH_NONCES];        /* hashes of the latest challenge's nonces */
    uint64_t old_nonce[AUTH_NONCES];    /* of earlier challenges */
    uint8_t n_alg;
    char alg[AUTH_NONCES][24];          /* algorithms offered ("" = MD5) */
    char qop[32];
    uint64_t last_nonce_used;
    uint32_t last_nc;
    bool last_nc_valid;
    uint32_t challenges, stale, retries, rejections, accepted;
    char problem[128];          /* digest_mismatch reason of the latest retry, "" if none */
    uint8_t pw_verdict;         /* enum auth_pw for the latest retry (--secrets) */
    struct auth_rec *rec;       /* the stored record */
};

/* ---- dialogs and registrations (src/correlate/dialog.c) ---- */

/* A confirmed call (2xx to its INVITE, no BYE yet) may be silent for long:
 * it is kept until idle this long (RFC 4028 session timers refresh every
 * 30 min by default, so twice that). */
#define CORR_CALL_IDLE_US (3600LL * 1000000)

enum dialog_phase {
    DIALOG_EARLY = 0,   /* not (yet) a call */
    DIALOG_CONFIRMED,   /* a call: 2xx to the INVITE */
    DIALOG_ENDED,       /* BYE */
};

/*
 * What the dialogs table stores for one dialog: <= 176 bytes (520 before
 * issue 14). Call-ID, From and To are interned text, the first request's
 * endpoints interned struct endpoint (util/intern.h): given back when the
 * dialog is retired or evicted. Read through the engine (fill_dialogs) and
 * dialog_responder; the responders' frames and times are kept in full (the
 * no_response kind shows them).
 */
struct dialog {
    uint64_t key;               /* Call-ID hash */
    int64_t first_us, last_us;
    uint32_t call_id;           /* interned, up to 127 bytes */
    uint32_t from, to;          /* interned "user@host", up to 95 bytes */
    uint32_t src, dst;          /* interned struct endpoint (corr_put_endpoint) */
    uint32_t n_msgs;
    uint32_t snap_gen, snap_idx;    /* engine_snapshot scratch */
    uint16_t last_status;       /* final status of the first request's method, 0 while none */
    uint8_t method;             /* enum sip_method */
    uint8_t phase;              /* enum dialog_phase */
    /* Who answered in this dialog (any request, any status), so that a
     * "never answers" is checked against the wire (docs/findings.md). */
#define DIALOG_RESPONDERS 2
    struct dialog_resp {
        struct addr ip;
        uint32_t n;
        uint64_t first_frame, last_frame;
        int64_t first_us, last_us;
    } resp[DIALOG_RESPONDERS];
};

/* One message kept for the call-flow ladder (bounded ring). */
struct msg_rec {
    uint64_t dialog_key;
    uint64_t frame;
    int64_t ts_us;
    struct endpoint src, dst;
    enum transport transport;
    char label[64];
    uint64_t raw_pos;           /* position in the raw byte ring */
    uint32_t raw_len;
};

/* ---- peers (src/correlate/peer.c) ---- */

struct peer {
    uint64_t key;               /* unordered pair of addresses */
    struct addr a, b;           /* a < b bytewise */
    struct endpoint ep_a, ep_b; /* last endpoints seen for each side */
    int64_t client_score;       /* > 0: a is the client (PBX), < 0: b is */
    int64_t first_us, last_us;
    uint64_t requests[SIP_METHOD_COUNT];
    uint64_t answers[SNAP_ANSWER_CLASSES];
    uint64_t auth_ok, auth_failed;
    int64_t first_fail_us, last_fail_us;
    uint32_t site_id;
    char provider[32];
    char ruri_host[64];
    char user[48];
    bool prov_checked;
    uint32_t accepted_problems; /* AUTH_PROB_* seen in retries this server accepted */
    int8_t keepalive;           /* OPTIONS: 0 none seen, 1 last answered, -1 last timed out */
    /* What each side sent ([0] = a, [1] = b): the wire facts the diagnosis
     * infers roles from (snap_peer.side_local / side_remote). */
    struct peer_side {
        uint64_t requests;      /* new requests (not retransmissions, not ACK) */
        uint64_t registers, e164_invites;   /* of which REGISTER; INVITE to a phone number */
        uint64_t challenges;    /* 401/407 responses */
        uint64_t responses, provisional;    /* every response sent; of which 1xx */
        uint64_t first_resp_frame, last_resp_frame;
        int64_t first_resp_us, last_resp_us;
    } side[2];
};

/* The side of p that addr is (0 = a, 1 = b). */
static inline int peer_side_of(const struct peer *p, const struct addr *x)
{
    return addr_eq(x, &p->a) ? 0 : 1;
}
/* A new request m (not a retransmission) on p: count it for its sender. */
void peer_on_request(struct peer *p, const struct sip_msg *m);

/* Client and server endpoints of a peer, as decided so far. */
void peer_sides(const struct peer *p, struct endpoint *client, struct endpoint *server);
/* "PBX 198.51.100.20 -> trunk 203.0.113.5:5060" */
void peer_name(const struct peer *p, char *buf, size_t len);

/* ---- sources and identities (src/correlate/source.c) ---- */

/* Usernames a source keeps: the rules only ask whether it tried
 * SOURCE_SCAN_USERS (the scanner kind cites those), so n_users counts
 * distinct ones up to SOURCE_USERS and reads SOURCE_USERS + 1 past that. */
#define SOURCE_USERS 10
#define SOURCE_FAILS 16

/*
 * What the sources table stores for one source address: <= 512 bytes
 * (1,096 before issue 14). The User-Agent is interned (the table's evict
 * callback gives it back); the refusal ring's frames are 32-bit deltas from
 * first_frame and its times signed 48-bit deltas from first_us (out of
 * range: unknown, never cited). Kinds read the fields directly, the ring
 * through source_fails and the User-Agent through source_ua.
 */
struct source {
    uint64_t key;
    struct addr ip;
    int64_t first_us, last_us;
    uint64_t requests;
    uint64_t first_frame;
    uint64_t ua_hash;           /* of the last User-Agent checked */
    uint64_t scanner_frame;
    uint64_t auth_ok, auth_fail;
    uint64_t cred_requests;     /* requests that carried credentials */
    uint32_t ua;                /* interned User-Agent: the first seen, or the scanner's */
    uint32_t fail_n;
    struct endpoint opt_dst;
    uint8_t n_users;
    bool scanner_ua;
    bool have_opt_dst;          /* OPTIONS usernames count toward one target only */
    uint64_t users[SOURCE_USERS];       /* username hashes */
    uint64_t user_frames[SOURCE_USERS];
    /* refusal j at j % SOURCE_FAILS: its frame, its refused retry's frame
     * (frame - first_frame) and its time (time - first_us, 48 bits) */
    uint32_t fail_df[SOURCE_FAILS], fail_rdf[SOURCE_FAILS];
    uint32_t fail_dt_lo[SOURCE_FAILS];
    int16_t fail_dt_hi[SOURCE_FAILS];
};

/* The refusal ring in full (source_fails): refusal j at [j % SOURCE_FAILS];
 * frame and ts 0 where unknown. */
struct source_fails {
    int64_t ts[SOURCE_FAILS];
    uint64_t frame[SOURCE_FAILS];
    uint64_t retry[SOURCE_FAILS];   /* the refused retry of each failure */
};
void source_fails(const struct source *s, struct source_fails *out);
struct corr_view;
/* The source's User-Agent ("" if none). */
const char *source_ua(const struct corr_view *v, const struct source *s);

/* A source is an attacker, not a user of the PBX, once it is classified as a
 * scanner: a scanning tool's User-Agent, or SOURCE_SCAN_USERS usernames
 * tried without one accepted (the scanner kind's rule). Its refusals are the
 * attack's, never a user's wrong password or the ACL's (issue 14 item 3). */
#define SOURCE_SCAN_USERS 10
static inline bool source_is_attacker(const struct source *s)
{
    return s != NULL && (s->scanner_ua || (s->n_users >= SOURCE_SCAN_USERS && s->auth_ok == 0));
}

#define IDENT_SOURCES 4
/* Refusals an identity keeps, the latest: brute_force's window by user
 * (BRUTE_FAILS refusals within 60 s, src/kinds/brute_force.c). */
#define IDENT_FAILS 10
/* A frame delta past 32 bits (or before the base): the frame is not known,
 * and reads back as 0, which no evidence cites (finding_evidence). */
#define IDENT_FRAME_UNKNOWN UINT32_MAX

/* The stamps each address of an identity keeps. */
enum ident_stamp {
    IDENT_OK_FIRST = 0,     /* first accepted */
    IDENT_OK_LAST,          /* last accepted */
    IDENT_FAIL_FIRST,       /* first refused */
    IDENT_STAMPS,
};

/*
 * What the identities table stores for one identity: <= 304 bytes (808
 * before issue 14). Text and addresses are interned (util/intern.h: the
 * table's evict callback gives them back); frames are 32-bit deltas from
 * frame0 (IDENT_FRAME_UNKNOWN past that), times signed 48-bit microsecond
 * deltas from us0 (+-4.4 years; past that the stamp is unknown), both the
 * identity's first outcome. Kinds read it through ident_read (struct
 * ident_view); the counters below may be read directly.
 */
struct ident {
    uint64_t key;
    uint64_t frame0;            /* first outcome's frame: base of the frame deltas */
    int64_t us0;                /* first outcome's time: base of the time deltas */
    uint32_t name;              /* interned "user@host" */
    uint32_t server;            /* interned struct addr: first server sent to */
    uint32_t fail_n;            /* refusals */
    uint32_t forbidden_total, final_total;  /* 403s, final answers (saturating) */
    uint32_t fail_df[IDENT_FAILS];      /* refusal j at j % IDENT_FAILS: frame - frame0 */
    uint32_t fail_dt_lo[IDENT_FAILS];   /* ...time - us0, low 32 bits */
    int16_t fail_dt_hi[IDENT_FAILS];    /* ...and its high 16 bits */
    int64_t last_us;            /* its last request or answer (ident_due) */
    uint8_t n_src;
    uint8_t flags;              /* IDENT_WITH_CRED, IDENT_WITHOUT_CRED, IDENT_HAVE_SERVER, ... */
    struct ident_src {
        uint32_t ip;            /* interned struct addr */
        uint32_t df[IDENT_STAMPS];      /* enum ident_stamp: frame - frame0 */
        uint32_t dt_lo[IDENT_STAMPS];   /* time - us0, low 32 bits */
        int16_t dt_hi[IDENT_STAMPS];    /* high 16 bits */
        uint8_t flags;          /* IDENT_SRC_OK, IDENT_SRC_FAIL, IDENT_SRC_FIRST_OK */
    } src[IDENT_SOURCES];
};

#define IDENT_WITH_CRED 1u
#define IDENT_WITHOUT_CRED 2u
#define IDENT_HAVE_SERVER 4u
#define IDENT_HAVE_BASE 8u          /* frame0 / us0 are set */
#define IDENT_QUEUED 16u            /* in the engine's ident_due queue */
#define IDENT_LAST_OK 32u           /* its latest outcome was an acceptance */
#define IDENT_SRC_OK 1u             /* accepted from this address at least once */
#define IDENT_SRC_FAIL 2u           /* refused from it at least once */
#define IDENT_SRC_FIRST_OK 4u       /* its first outcome was an acceptance */
#define IDENT_SRC_BARE_FAIL 8u      /* refused a request without credentials */

/* An identity as kinds see it (ident_read): the values in full. */
struct ident_view {
    uint64_t key;
    const char *name;           /* user@host (interned: valid during the call) */
    uint8_t n_src;
    struct ident_src_view {
        struct addr ip;
        int64_t first_us;
        bool ok, fail;          /* accepted / refused from it at least once */
        bool bare_fail;         /* refused a request that carried no credentials
                                 * (an IP access list's answer, not a password's) */
        uint64_t ok_frame, fail_frame;  /* last accepted, first refused (0: unknown) */
        uint64_t ok_first_frame;
        int64_t ok_first_us;
        int64_t ok_us, fail_us;
    } src[IDENT_SOURCES];
    uint32_t fail_n;
    int64_t fail_ts[IDENT_FAILS];       /* refusal j at j % IDENT_FAILS */
    uint64_t fail_frame[IDENT_FAILS];
    uint64_t forbidden_total, final_total;
    bool with_cred, without_cred;
    struct addr server;         /* first server this identity was sent to */
};

/*
 * What is left of a settled identity (ident_settled: one address at most,
 * nothing refused or accepted since its last refusal)
 * once its requests are over (ident_due: 64*T1 after its last request or
 * answer; or when a full table evicts it): the address it was accepted
 * from, with its first and last acceptance, and the totals a later refusal
 * is judged against. An identity seen again takes it back (ident_get), so
 * source_ip_changed still compares a refusal from a new address with the
 * acceptances before the pause. Every inbound call makes an identity of
 * its caller's number, so identities grow with the callers; this keeps
 * 56 of an identity's 304 bytes, and its name not at all. The history is
 * bounded (caps.identities / 2 entries, the oldest forgotten first:
 * engine.identity_history.forgotten).
 */
struct ident_past {
    uint64_t key;               /* the identity's key */
    uint64_t ok_first_frame, ok_last_frame;     /* 0: unknown */
    int64_t ok_first_us, ok_last_us;
    uint32_t ip;                /* interned struct addr, INTERN_NONE: no outcome */
    uint32_t server;            /* interned struct addr (IDENT_HAVE_SERVER) */
    uint32_t final_total;
    uint8_t flags;              /* IDENT_WITH_CRED, IDENT_WITHOUT_CRED, IDENT_HAVE_SERVER */
};

/* ---- carrier explanations (src/correlate/explain.c) ---- */

struct explain {
    bool present;
    int code;                   /* carrier code (X-Twilio-Error), 0 if none */
    enum kind_id kind;          /* kind the code/phrase confirms, KIND_NONE if none */
    char category[32];          /* caller_id, cps_limit, tls, ... */
    char meaning[128];
    char quote[CORR_LINE];      /* "X-Twilio-Error: 32202 Bad user credentials" */
    char note[SNAP_TEXT];       /* must-say note (32017) */
    char fix[SNAP_TEXT];
    char provider[32];
    bool auth_failure;          /* the carrier says: wrong credentials/ACL */
    bool suspended;             /* account suspended/disabled/blocked */
};

struct engine;
struct nat_state;
struct nat_pair;
struct sites_state;
struct ka_state;
void explain_response(const struct engine *e, const struct sip_msg *m, const struct peer *p,
                      struct explain *out);

/*
 * The narrow, read-only view of the correlation state a kind gets instead
 * of struct engine: the capture clock, the configuration and the tables a
 * kind may look up or walk at the end. The engine refreshes it before each
 * call; pointers are valid during the call only.
 */
struct corr_view {
    int64_t now_us;                 /* capture clock */
    int64_t first_us;               /* first message of the capture */
    bool finished;                  /* engine_finish is running: the input ended */
    const struct config *config;    /* --config, NULL when none */
    const struct profile_set *profiles; /* provider profiles, NULL when none */
    const struct geoip *geoip;      /* NULL when no database */
    const struct ctab *peers;       /* struct peer */
    const struct ctab *idents;      /* struct ident (read with ident_read) */
    const struct intern *strings;   /* the engine's interned text (intern.h) */
    const struct ctab *dialogs;     /* struct dialog */
    const struct nat_state *nat;
    const struct ka_state *ka;
    const struct media *media;      /* the media stage's calls, NULL when not attached */
};

/* What happened, for the kinds (struct kind_event below). */
enum kind_event_type {
    KEV_REQUEST = 0,        /* a new request (not a retransmission) */
    KEV_FINAL,              /* a transaction got its final response */
    KEV_TIMEOUT,            /* a transaction timed out (64*T1) */
    KEV_UNANSWERED,         /* open at end of input */
    KEV_AUTH_RETRY,         /* a request with credentials for an exchange */
    KEV_AUTH_OUTCOME,       /* the retry's final response decided the exchange */
    KEV_CHALLENGE_EXPIRED,  /* a challenge was not retried within 64*T1 (or by the end) */
    KEV_MESSAGE,            /* every message (retransmissions too), after the peer; .nat set */
    KEV_TLS,                /* a TLS connection's event (.tls, .tls_ev; tls.h) */
    KEV_HEP_AGENTS,         /* --hep-in's agent table (.agents; engine_hep_agents) */
    KEV_TYPES
};
#define KEV_BIT(t) (1u << (t))

/* ---- the engine ---- */

struct engine {
    struct caps caps;
    const struct media *media;  /* engine_set_media: read for snapshots and media kinds */
    struct ctab txns, auths, dialogs, peers, sources, idents;
    struct ctab ident_past;     /* struct ident_past: settled identities retired */
    struct ctab_dlq txn_due, auth_due, auth_wait, dialog_due, ident_due;
    struct intern strings;      /* text and addresses the records share (intern.h) */
    struct txn txn_view;        /* scratch: the view handed to kinds (txn_view) */
    struct auth_ex auth_view;   /* scratch: the exchange view handed to kinds (auth_view) */
    bool view_pk_ok;            /* peer_key_of(view_pk_a, view_pk_b) = view_pk (peer_key_cached) */
    struct addr view_pk_a, view_pk_b;
    uint64_t view_pk;
    /* the interned m->src [0] and m->dst [1] of the message engine_msg is
     * on, as some record took them (INTERN_NONE: not yet): candidates for
     * corr_put_endpoint_as, checked against the bytes, so never wrong */
    uint32_t msg_ep[2];
    /* the message's interned start line (corr_start_line, CORR_LINE bytes)
     * as a record took it, the same way: NAT's for a response, then the
     * transaction's final line */
    uint32_t msg_line;
    struct findings findings;
    struct msg_rec *msgs;
    size_t msgs_cap, msgs_head, msgs_n;
    char *raw;
    size_t raw_cap;
    uint64_t raw_pos;
    int64_t now_us, first_us;
    uint32_t snap_gen;
    bool finished;

    struct profile_set *profiles;
    /* Provider of (server address, Request-URI host), direct-mapped: peers
     * come and go with their clients, the trunks they talk to do not. A
     * PBX calling its phones makes one pair per phone, and a miss costs
     * ~17k instructions (every profile's ranges and hosts), so the cache
     * holds thousands (8192 x 40 bytes). */
#define ENGINE_PROV_CACHE 8192
    struct prov_cache { uint64_t key; char id[32]; } prov_cache[ENGINE_PROV_CACHE];
    /* Scanner verdict per User-Agent (keyed hash; src/correlate/source.c). */
#define ENGINE_UA_CACHE 256
    struct ua_cache { uint64_t hash; bool scanner; } ua_cache[ENGINE_UA_CACHE];
    struct secrets *secrets;
    struct config *config;
    struct geoip *geoip;
    struct nat_state *nat;      /* NAT / ALG evidence (nat.h, src/correlate/nat.c) */
    struct sites_state *sites;  /* accounts used from several sites (nat.h) */
    struct ka_state *ka;        /* OPTIONS keep-alive series (keepalive.h) */
    struct corr_view view;      /* what the kinds see (refreshed before each call) */
    void **kind_own;            /* per kinds_table entry: its own state, or NULL */
    /* per event type, the kinds_table indices of the kinds that handle it, in
     * table order (struct kind.events) */
#define ENGINE_KINDS_MAX 64
    uint8_t ev_kinds[KEV_TYPES][ENGINE_KINDS_MAX];
    uint8_t ev_n[KEV_TYPES];

    /* counters (engine_stats) */
    uint64_t n_msgs, n_requests, n_responses, n_retrans, n_resp_retrans;
    uint64_t n_orphan_responses, n_timeouts, n_unanswered, n_acks_matched, n_txn_retired;
    uint64_t n_txn_abandoned, n_auth_retired, n_dialogs_retired, n_auth_reordered;
    uint64_t n_idents_retired, n_idents_revived;
    uint64_t n_challenges, n_stale, n_auth_ok, n_auth_rejected;
    uint64_t n_tls_events;
    /* The per-connection TLS table (snapshot "tls"; tls_text.c). */
    struct snap_tls tls_rows[SNAP_MAX_TLS];
    size_t n_tls_rows;
    uint64_t tls_rows_dropped;
};

/* ---- what kinds see (src/kinds/) ---- */


struct site_view;
struct ka_series;

/* Everything an event points to is correlation state the engine already
 * updated for it; a kind reads it and never writes it. */
struct kind_event {
    enum kind_event_type type;
    const struct sip_msg *m;        /* message causing it, NULL for time events */
    const struct txn *txn;
    const struct auth_ex *ax;
    const struct peer *peer;
    const struct source *source;
    const struct ident *ident;      /* auth username (else From user) @ Request-URI host
                                     * (compact: read with ident_read) */
    const struct ident *ident2;     /* From user @ host when it differs, else NULL */
    const struct explain *why;      /* KEV_FINAL / KEV_AUTH_OUTCOME */
    const struct nat_pair *nat;     /* KEV_MESSAGE: m's request direction when it has something
                                     * to report (nat.h), or NULL */
    const struct site_view *site;   /* account/trunk sites this event updated, when it has
                                     * two or more addresses (nat.h), or NULL */
    const struct ka_series *ka;     /* keep-alive series this ping result updated, or NULL */
    bool ka_changed;                /* ...and it opened/closed an outage or failed (report it) */
    const struct tls_conn *tls;     /* KEV_TLS: the connection (valid during the call) */
    enum tls_event tls_ev;          /* KEV_TLS */
    const struct run_agent *agents; /* KEV_HEP_AGENTS: the receiver's agents (run.h) */
    uint32_t n_agents;
    int64_t agents_now_us;          /* KEV_HEP_AGENTS: wall clock the table is judged at */
    int64_t quiet_us;               /* KEV_HEP_AGENTS: caps.hep_quiet_ms, 0 = off */
};

/* What a kind's callbacks get: the view, the store it raises findings
 * into, and its own state (struct kind.own_size bytes, zeroed at start,
 * owned by the engine, private to that kind). */
struct kind_ctx {
    const struct corr_view *v;
    struct findings *fs;
    void *own;
};

struct kind {
    enum kind_id id;            /* its metadata: kind_meta(id) (findings/kind_meta.h) */
    size_t own_size;            /* bytes of private state, 0 if none */
    void (*on_event)(struct kind_ctx *k, const struct kind_event *ev);    /* may be NULL */
    void (*on_finish)(struct kind_ctx *k);                                /* may be NULL */
    /* The events on_event handles (KEV_BIT of each); 0: every event. The
     * engine calls a kind only for these (some 25 kinds, several events a
     * message: the calls that return at once were ~2k instructions a message). */
    uint32_t events;
};

/* NULL-terminated; src/kinds/kinds.c. Adding a kind: one file + one line. */
extern const struct kind *const kinds_table[];

/* Helpers for kinds (src/correlate/engine.c). */
struct finding *kind_raise(struct kind_ctx *k, enum kind_id kind, enum severity sev,
                           const char *entity, int64_t ts, const struct peer *p);
/* The addresses f is about (snap_finding.client_ip / server_ip), for the
 * diagnosis's causal rules; either may be NULL (left as it is). */
static inline void finding_about(struct finding *f, const struct addr *client,
                                 const struct addr *server)
{
    if (client != NULL)
        f->f.client_ip = *client;
    if (server != NULL)
        f->f.server_ip = *server;
}
/* Add fix lines from a multi-line text (profile data), one per sentence. */
void engine_fix_text(struct finding *f, const char *prefix, const char *txt);
/* Provider-specific fix lines for kind (from the matched profile), if any. */
void kind_provider_fix(const struct kind_ctx *k, struct finding *f, const struct peer *p,
                       enum kind_id kind);
/* The peer of key in the view, NULL if none (or evicted). */
const struct peer *corr_peer(const struct corr_view *v, uint64_t key);
/* Role of the reject in evidence: "403 Forbidden" from a status line. */
void engine_status_role(const char *final_line, char *role, size_t len);
/* "1001 from 198.51.100.10 to 203.0.113.5" (user may be "" or NULL). */
void engine_entity(char *buf, size_t len, const char *user, const struct addr *client,
                   const struct addr *server);
/* The store key of an attack population finding (scanner, brute_force): one
 * finding per attacked server, its sources the members; the entity shown is
 * rewritten by the kind ("198.51.100.7" for one source, "12 sources to ..."). */
void engine_attack_key(char *buf, size_t len, enum kind_id kind, const struct addr *server);
/* Final line with the carrier's explanation quoted, for evidence. */
void engine_evidence_line(char *buf, size_t len, const char *final_line,
                          const struct explain *why);

/* A TLS connection as text for the tls_* kinds (src/correlate/tls_text.c). */
/* The trunk: "sip.example.com (203.0.113.5:5061)", or "203.0.113.5:5061" without SNI. */
void tls_entity(const struct tls_conn *c, char *buf, size_t len);
void tls_client_text(const struct tls_conn *c, char *buf, size_t len);  /* "198.51.100.7:40001" */
/* Keep c's row of the per-connection TLS table up to date (bounded: a
 * failed connection replaces the oldest that did not fail; what does not
 * fit is counted). */
void tls_rows_update(struct engine *e, enum tls_event ev, const struct tls_conn *c);
/* What the ServerHello chose (version, cipher, SNI, ALPN), or with offer (or before
 * a ServerHello) what the ClientHello offered. */
void tls_hello_text(const struct tls_conn *c, bool offer, char *buf, size_t len);
void tls_cert_text(const struct tls_conn *c, char *buf, size_t len);  /* CN, issuer, dates */
void tls_cert_problem_text(const struct tls_conn *c, char *buf, size_t len); /* TLS_CERT_* */

/* ---- module entry points used by engine.c ---- */

/* These return the engine's scratch view of the transaction (struct txn). */
struct txn *txn_on_request(struct engine *e, const struct sip_msg *m, bool *is_new);
struct txn *txn_on_response(struct engine *e, const struct sip_msg *m, bool *is_final_first);
struct txn *txn_view(struct engine *e, struct txn_rec *r);
/* Table set-up: the transactions table gives its strings back on eviction. */
int txn_table_init(struct engine *e, size_t cap);
void txn_link(struct engine *e, struct txn *t, uint64_t peer_key, uint64_t dialog_key);
void txn_set_state(struct engine *e, struct txn *t, enum txn_state st);
/* The next transaction timing out by now (its view, state TXN_TIMEOUT), or
 * NULL: pops the deadline queue, retires what RFC 3261's timers are done with
 * (engine.transactions.retired) and re-queues the rest. */
struct txn *txn_due(struct engine *e, int64_t now);

/* These return the engine's scratch view of the exchange (struct auth_ex). */
struct auth_ex *auth_find(struct engine *e, const struct sip_msg *m);
/* The key of m's exchange (Call-ID, method, client), and the two calls
 * with it: a response's path finds its exchange and may then record a
 * challenge on it, hashing the key once. */
uint64_t auth_msg_key(const struct engine *e, const struct sip_msg *m);
struct auth_ex *auth_find_key(struct engine *e, uint64_t key);
struct auth_ex *auth_view(struct engine *e, struct auth_rec *r);
/* The ACK m (of transaction t: t->ack_frame == m->frame) of a challenged
 * INVITE: noted on its exchange. */
void auth_on_ack(struct engine *e, const struct sip_msg *m, const struct txn *t);
/* The exchange's challenge is answered or decided otherwise (the capture
 * lost the retry, or challenge_unanswered was raised): unanswered_done. */
void auth_set_answered(struct engine *e, struct auth_ex *ax);
struct auth_ex *auth_on_challenge(struct engine *e, const struct sip_msg *m, struct txn *t);
/* auth_on_challenge with key = auth_msg_key(e, m). */
struct auth_ex *auth_on_challenge_key(struct engine *e, const struct sip_msg *m, struct txn *t,
                                      uint64_t key);
/* Credentials in a new request: attach to the exchange (or start a
 * pre-emptive one, on t's peer), run the digest checks into ax->problem. */
struct auth_ex *auth_on_credentials(struct engine *e, const struct sip_msg *m, struct txn *t);
/* Decide the outcome of a retry from its final response; returns true when
 * the exchange was decided (ok or rejected). */
bool auth_on_final(struct engine *e, struct auth_ex *ax, const struct sip_msg *m,
                   const struct txn *t, const struct explain *why);
/* Class of a digest problem text, as a bit (AUTH_PROB_*), for "the same
 * kind of problem was accepted by this server before". */
#define AUTH_PROB_FORM 1u
#define AUTH_PROB_REALM 2u
#define AUTH_PROB_URI 4u
#define AUTH_PROB_ALG 8u
#define AUTH_PROB_NONCE 16u
#define AUTH_PROB_NC 32u
uint32_t auth_problem_class(const char *problem);
int auth_table_init(struct engine *e, size_t cap);
/* The next exchange whose challenge went unanswered for CORR_CHALLENGE_WAIT_US
 * (unanswered_done set; the caller dispatches, then auth_retire), or NULL;
 * retires exchanges 64*T1 after their outcome (engine.auth_exchanges.retired). */
struct auth_ex *auth_due(struct engine *e, int64_t now);
void auth_retire(struct engine *e, struct auth_ex *ax);
/* Digest checks of m's credentials against ax's challenge; writes a
 * one-line problem ("nonce was never issued") and returns true if any. */
bool auth_digest_problem(const struct auth_ex *ax, const struct sip_msg *m, char *why,
                         size_t len);

struct dialog *dialog_on_msg(struct engine *e, const struct sip_msg *m);
int dialog_table_init(struct engine *e, size_t cap);
/* Retire dialogs RFC 3261 is done with (engine.dialogs.retired). */
void dialog_due(struct engine *e, int64_t now);
void ident_due(struct engine *e, int64_t now);
/* The responses ip sent in the dialog of Call-ID key, NULL if none. */
const struct dialog_resp *dialog_responder(const struct ctab *dialogs, uint64_t key,
                                           const struct addr *ip);
void msgs_keep(struct engine *e, const struct sip_msg *m, uint64_t dialog_key);

struct peer *peer_on_msg(struct engine *e, const struct sip_msg *m);
uint64_t peer_key_of(const struct ctab *peers, const struct addr *x, const struct addr *y);
/* The same, with the last pair's key remembered (the messages of one pair,
 * and the views made for them, follow each other): one keyed hash less per
 * view. Either order of x and y gives the same key, as with peer_key_of. */
uint64_t peer_key_cached(struct engine *e, const struct addr *x, const struct addr *y);

/* Table set-up: the sources table gives its strings back on eviction. */
int source_table_init(struct engine *e, size_t cap);
struct source *source_on_request(struct engine *e, const struct sip_msg *m);
struct source *engine_source(struct engine *e, const struct addr *ip);
void source_fail(struct source *s, uint64_t frame, int64_t ts, uint64_t retry_frame);
/* Table set-up: the identities table gives its strings back on eviction. */
int ident_table_init(struct engine *e, size_t cap);
struct ident *ident_get(struct engine *e, const char *user, const char *host);
/* A new request of id to server: its first server, with or without credentials. */
void ident_on_request(struct engine *e, struct ident *id, const struct addr *server, bool cred);
/* A final answer to one of id's requests (final_total, forbidden_total). */
void ident_on_final(struct ident *id, int status);
void ident_outcome(struct engine *e, struct ident *id, const struct addr *src, bool ok, bool fail,
                   uint64_t frame, int64_t ts);
/* The refusal ident_outcome just recorded from src was of a request
 * without credentials (not after a challenge: what an IP access list does). */
void ident_bare_refusal(struct engine *e, struct ident *id, const struct addr *src);
/* The identity in full, for a kind (out is the caller's). */
void ident_read(const struct corr_view *v, const struct ident *id, struct ident_view *out);
/* Nothing left to explain (ident_due retires it): one address at most, and
 * nothing refused, or accepted since its last refusal. */
bool ident_settled(const struct ident *id);

#endif
