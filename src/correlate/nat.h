/*
 * nat.h — NAT and SIP ALG evidence (src/correlate/nat.c) and accounts used
 * from several sites (src/correlate/sites.c).
 *
 * NAT: what a request says about its sender (top Via sent-by, Contact
 * host, SDP c= and o=; RFC 3261 §18.2.1, RFC 4566 §5.2/§5.7) against what
 * the wire shows (the packet's source) and what the far end saw (received=
 * and rport= in its responses' top Via, RFC 3261 §18.2.1, RFC 3581 §4).
 * Addresses are classified with addr_classify; documentation addresses
 * (RFC 5737/3849) count as public, since labs and examples use them so.
 * Works from both vantage points: the carrier side (a public source whose
 * messages carry private addresses) and the PBX's own interface (a private
 * source advertising itself to a public destination).
 *
 * Sites: one account (digest username + realm at a server), or one
 * address-authenticated trunk (Request-URI host at a server), accepted from
 * two or more addresses in the same period.
 *
 * Flow: engine_msg → nat_on_msg (every message) → kinds nat_rewrite,
 * sip_alg (read the record); KEV_AUTH_OUTCOME / KEV_FINAL → engine.c site_of
 * → sites_on_auth / sites_on_trunk → multi_site (reads kind_event.site).
 * Thread: the analysis thread. Bounds: caps.peers records each, the oldest
 * evicted and counted (nat.evicted, sites.evicted).
 */
#ifndef SIPSCOPE_NAT_H
#define SIPSCOPE_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "util/ctable.h"
#include "util/intern.h"
#include "sip.h"
#include "stats.h"

struct engine;

/* Which advertised address (bits, so several can be named at once). */
#define NAT_F_VIA 1u
#define NAT_F_CONTACT 2u
#define NAT_F_SDP_C 4u
#define NAT_F_SDP_O 8u

/* One address a message advertises, when it is an IP literal. */
struct nat_adv {
    bool present;
    struct addr ip;
    uint16_t port;              /* 0 when absent (SDP, no port) */
    uint8_t cls;                /* enum addr_class */
};

/* What one message says about its sender, and what the wire shows. */
struct nat_view {
    struct endpoint src, dst;
    uint8_t src_cls, dst_cls;
    struct nat_adv via, contact, sdp_c, sdp_o;
    bool rport;                 /* top Via asks for rport (RFC 3581) */
    bool received;              /* top Via carries received= (responses) */
    struct addr received_ip;
    int32_t rport_val;          /* rport=N of a response, -1 none */
};

/* addr_classify, with IPv4 in a few compares (called for every address of
 * every message here). Same result for every address. */
enum addr_class nat_classify(const struct addr *a);

/* Public for NAT purposes: public or documentation addresses. */
bool nat_public_like(enum addr_class c);

/* Fill v from m (any message); never fails (absent fields stay absent). */
void nat_view_of(const struct sip_msg *m, struct nat_view *v);

/*
 * The NAT comparison of a request: NAT_F_* bits of the addresses it
 * advertises that the far end cannot reach: private (RFC 1918, 6598, ULA,
 * link-local, loopback) while the request goes to or comes from a public
 * address. The top Via does not count when rport was asked for (the far end
 * answers to the source, RFC 3581), and o= alone never counts (it only
 * names the session's origin, RFC 4566 §5.2). 0 for a correct setup.
 */
unsigned nat_unreachable(const struct nat_view *v);

/*
 * A stale external address: NAT_F_* bits of the public addresses the
 * message advertises that are not seen, the address the far end sees it
 * as (the source on the carrier side, received= on the PBX side). Only
 * when Via and Contact agree on that one other public address (a PBX
 * whose external address setting is out of date, after an ISP or failover
 * change); a Contact that differs from the Via alone is common and fine.
 */
unsigned nat_stale(const struct nat_view *v, const struct addr *seen);

/* "Via, Contact, SDP c=" for bits (NAT_F_*) into buf; returns buf. */
char *nat_fields(unsigned bits, char *buf, size_t len);

/*
 * Content-Length against the body actually carried in a UDP datagram
 * (RFC 3261 §18.3, §20.14): *actual gets the body bytes present. True when
 * they differ in a way a snaplen cut cannot explain (the body is longer
 * than stated, or shorter but ends at a line end).
 */
bool nat_length_mismatch(const struct sip_msg *m, size_t *actual);

/* " [US AS14618]" for a public address when a GeoIP database knows it,
 * else "" (docs: GeoIP beside every public address). */
struct geoip;
char *nat_geo(const struct geoip *geo, const struct addr *a, char *buf, size_t len);

#define NAT_VIAS 16     /* recent requests per record, for the response Via check */
#define NAT_FRAMES 8

/* What the kinds read about one (request sender, destination) pair: the
 * record with its interned text and evidence filled in (nat_on_msg,
 * nat_pair_get). Only `bad`'s src.port, rport and advertised addresses
 * (via, contact, sdp_c, sdp_o .ip) are filled. */
struct nat_pair {
    uint64_t key;
    struct endpoint client, server;     /* request source/destination (first seen) */
    int64_t first_us, last_us;
    uint64_t requests, responses;

    /* nat_rewrite: the first request advertising unreachable addresses */
    unsigned bad_bits;                  /* union over requests */
    struct nat_view bad;                /* view of the first such request */
    uint64_t bad_frame, bad_last_frame;
    int64_t bad_us, bad_last_us;
    uint32_t bad_requests;              /* copies (incl. retransmissions) */
    uint32_t bad_retrans;               /* of which retransmissions (same branch again) */
    bool udp;                           /* the requests went over UDP */
    char bad_line[112];
    bool ok_seen;                       /* a request with nothing unreachable */

    /* a stale public address (nat_stale): first request and what was seen */
    unsigned stale_bits;
    struct addr stale_adv, stale_seen;
    struct endpoint stale_src;
    uint64_t stale_frame, stale_resp_frame;
    int64_t stale_us, stale_resp_us;
    char stale_line[112];

    /* what the far end saw: received= / rport= of responses to the client */
    bool have_received;
    struct addr received;
    int32_t rport_val;
    uint64_t resp_frame;
    int64_t resp_us;
    struct endpoint resp_dst;           /* where that response was sent */
    char resp_line[112];
    uint64_t answered_2xx;              /* 2xx answers: the far end copes anyway */
    uint64_t resp_wrong_port;           /* responses sent to another port than the source's */
    uint64_t resp_wrong_frame;
    struct endpoint resp_wrong_dst;

    /* sip_alg signs (NAT_ALG_*) and their first frames */
    unsigned alg;
    uint64_t alg_frame[4];
    int64_t alg_us[4];
    char alg_text[4][112];
};

/*
 * The record per pair, compact (~10k live on the busy workload): counters
 * saturate at 2^32-1; the text (start lines, ALG text) is interned in the
 * engine's strings (util/intern.h), and so are the evidence set once and
 * rarely (a stale address, the first received=, an ALG sign: one string
 * of exact frames and times each) and the first bad request's advertised
 * addresses; all dropped when the record is evicted. The Via check keeps
 * each recent request's branch hash (64 bits) and a 32-bit hash of its
 * sent-by host and port: a collision there can only hide an ALG sign.
 */
struct nat_rec {
    uint64_t key;
    struct endpoint client, server;
    int64_t first_us, last_us;
    uint32_t requests, responses, answered_2xx, resp_wrong_port;
    uint32_t bad_requests, bad_retrans;
    uint64_t bad_frame, bad_last_frame;
    int64_t bad_us, bad_last_us;
    uint32_t bad_adv[4];                /* interned via, contact, sdp_c, sdp_o addresses */
    uint32_t bad_line, stale, stale_line, resp, resp_line, last_req_line;
    uint32_t alg_sign[4];               /* interned struct nat_alg_ev + text */
    uint16_t bad_src_port;
    uint8_t bad_bits, stale_bits, alg, flags;   /* NAT_R_* */
    uint8_t via_head;
    /* the latest request, for the PBX side's stale check on its answers */
    struct endpoint last_src;
    struct addr last_via;               /* = its Contact, public (NAT_R_LAST_STALE) */
    uint64_t last_req_frame, resp_wrong_frame;
    int64_t last_req_us;
    struct endpoint resp_wrong_dst;
    uint64_t via_branch[NAT_VIAS];
    uint32_t via_hostport[NAT_VIAS];
};

#define NAT_ALG_LENGTH 1u       /* Content-Length does not match the body */
#define NAT_ALG_MIXED 2u        /* headers and SDP disagree about the public address */
#define NAT_ALG_VIA 4u          /* response's Via sent-by differs from the request's */
#define NAT_ALG_PORT 8u         /* Via/Contact port rewritten to the NAT's source port */

struct nat_state {
    struct ctab recs;
    struct intern *strings;     /* the engine's (nat_new) */
    uint32_t *msg_line;         /* the engine's (struct engine), NULL: none */
    struct nat_pair view;       /* what nat_on_msg returns */
};

/* The records' strings live in strings (the engine's), dropped on eviction. */
struct nat_state *nat_new(const struct caps *caps, struct intern *strings);
void nat_free(struct nat_state *n);
struct engine;
struct peer;
/* Update the record of m's request direction; returns its view when it
 * holds something to report (an unreachable or stale address, an ALG
 * sign), else NULL (also when m is not informative or the state is
 * absent). The view is valid until the next call. */
const struct nat_pair *nat_on_msg(struct engine *e, const struct sip_msg *m);
void nat_stats(const struct nat_state *n, stats_fn fn, void *ud);
/* Requests seen from client to server (0 if none). */
uint32_t nat_requests(const struct nat_state *n, const struct addr *client,
                      const struct addr *server);
/* The view of the record of key (struct nat_pair.key) into *out; false
 * when it is gone. */
bool nat_pair_get(const struct nat_state *n, uint64_t key, struct nat_pair *out);

/* ---- sites (src/correlate/sites.c) ---- */

#define SITES_SRC 4
#define SITES_FRAMES 4
/* Two addresses count as "the same period" when their use overlaps or is
 * closer than this (a failover that stays is source_ip_changed's case). */
#define SITES_WINDOW_US (3600LL * 1000000)

/* One account's record, compact (the busy workload keeps ~19k at once):
 * the text is interned in the engine's strings (util/intern.h: a handle
 * each, the REGISTER lines and addresses shared by every account that
 * names them), frames are kept as offsets from the record's first frame
 * (one that does not fit is not kept: never a wrong frame), times exactly.
 * multi_site reads it through struct site_view (sites_view). */
struct site_rec {
    uint64_t key;
    uint64_t frame0;                    /* first frame noted: the frames' base */
    uint32_t user, realm;               /* interned; user INTERN_NONE: a trunk */
    uint32_t server;                    /* interned struct addr (16 bytes) */
    uint32_t more_src;                  /* addresses beyond SITES_SRC */
    uint32_t src_ip[SITES_SRC];         /* interned struct addr of each source */
    uint8_t n_frames[SITES_SRC];
    uint8_t n_src;
    bool trunk;                         /* an address-authenticated trunk (user "") */
    struct site_src_rec {
        int64_t first_us, last_us;
        int64_t frame_us[SITES_FRAMES];
        uint32_t line[SITES_FRAMES];    /* interned request line */
        int32_t dframe[SITES_FRAMES];   /* frame - frame0 */
    } src[SITES_SRC];
};

/* What multi_site reads: the record with its strings and frames filled in. */
struct site_view {
    char user[48];
    char realm[96];             /* or the Request-URI host when user is "" */
    struct addr server;
    uint8_t n_src;
    struct site_src {
        struct addr ip;
        int64_t first_us, last_us;
        uint8_t n_frames;
        uint64_t frames[SITES_FRAMES];  /* accepted retries */
        int64_t frame_us[SITES_FRAMES];
        char line[SITES_FRAMES][96];
    } src[SITES_SRC];
    uint32_t more_src;
};

struct sites_state {
    struct ctab recs;
    struct intern *strings;     /* the engine's (sites_new) */
    struct site_view view;
};

/* The records' strings live in strings (the engine's), dropped when a
 * record is evicted; sites_free does not drop them (the engine frees the
 * strings with its tables). */
struct sites_state *sites_new(const struct caps *caps, struct intern *strings);
void sites_free(struct sites_state *s);
void sites_stats(const struct sites_state *s, stats_fn fn, void *ud);
struct auth_ex;
struct txn;
/* An accepted retry: note (user, realm, server) used from t's source. */
/* Both return the updated record's view when it has two or more sources
 * (what multi_site needs), else NULL. The view is valid until the next call. */
const struct site_view *sites_on_auth(struct engine *e, const struct auth_ex *ax,
                                      const struct txn *t);
/* An address-authenticated request of a known trunk answered 2xx: note
 * (Request-URI host, server) used from t's source. */
const struct site_view *sites_on_trunk(struct engine *e, const struct txn *t);
/* Indices of two sources used in the same period, if any. */
bool sites_overlap(const struct site_view *r, int *a, int *b);

#endif
