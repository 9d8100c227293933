/*
 * rtp.h — RTP and RTCP packets (RFC 3550 §5.1, §6.4; RFC 5761 §4 to tell
 * them apart on one port; RFC 4733 §2.3 telephone events) and the
 * per-stream receive statistics of RFC 3550 A.1 (sequence numbers), A.3
 * (expected and lost packets) and A.8 (interarrival jitter).
 *
 * Flow: decode (a UDP datagram that is not SIP) → media.c → rtp_parse /
 * rtcp_parse (this) → the stream record in media.c.
 * Every length inside the packet (CSRC count, header extension, padding,
 * RTCP length words) is checked against what the datagram holds before it
 * is used (sngrep #481 trusted them). Thread: any (no state but the
 * caller's struct rtp_stat).
 */
#ifndef SIPSCOPE_MEDIA_RTP_H
#define SIPSCOPE_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

enum rtp_verdict {
    RTP_OK = 0,
    RTP_SHORT,          /* fewer than 12 bytes */
    RTP_BAD_VERSION,    /* version is not 2 */
    RTP_BAD_CSRC,       /* CSRC list longer than the packet */
    RTP_BAD_EXT,        /* header extension longer than the packet */
    RTP_BAD_PADDING,    /* padding count 0 or longer than the payload */
    RTP_IS_RTCP,        /* an RTCP packet type (RFC 5761 §4) */
    RTP_VERDICT_COUNT
};

struct rtp_hdr {
    bool marker;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts, ssrc;
    uint8_t cc;
    size_t payload_len;
    struct cursor payload;  /* the payload without padding */
};

enum rtp_verdict rtp_parse(struct cursor c, struct rtp_hdr *h);
const char *rtp_verdict_name(enum rtp_verdict v);

/* A compound RTCP packet (RFC 3550 §6.1): what a media report needs. */
struct rtcp_info {
    uint32_t ssrc;          /* sender of the first packet */
    uint8_t n_packets;      /* RTCP packets in the compound */
    bool sr, rr, sdes, bye;
    uint8_t n_reports;      /* reception report blocks in SR/RR */
    uint32_t lost;          /* cumulative lost of the first report block */
    uint32_t jitter;        /* interarrival jitter of the first report block (ts units) */
    bool has_report;
};

/* false when the compound is malformed (first packet not SR/RR, bad
 * version, a length word past the datagram): counted by the caller. */
bool rtcp_parse(struct cursor c, struct rtcp_info *out);

/* RFC 4733 §2.3: event, end bit, volume, duration of a telephone-event payload. */
struct rtp_dtmf {
    uint8_t event;
    bool end;
    uint16_t duration;
};
bool rtp_dtmf_parse(struct cursor payload, struct rtp_dtmf *out);

/*
 * Receive statistics of one stream (one SSRC from one source to one
 * destination). RFC 3550 A.1/A.3 without the probation of A.1 (a passive
 * observer counts every packet it sees, as tshark does): base is the first
 * sequence number, cycles count wraps, expected = extended max - base + 1,
 * lost = expected - received (negative with duplicates).
 * Jitter (A.8) needs the payload type's clock rate; with 0 it stays 0.
 */
struct rtp_stat {
    uint64_t received;
    uint16_t base_seq, max_seq;
    uint32_t cycles;        /* multiples of 65536 */
    uint64_t reordered;     /* arrived with a sequence number below the max */
    uint64_t jumps;         /* sequence jumps of MAX_DROPOUT or more (A.1) */
    bool have_bad_seq;
    uint16_t bad_seq;       /* the number that confirms a jump */
    /* A.8, in milliseconds (double: no rounding of the 1/16 gain) */
    bool have_prev, last_cn;
    uint64_t ts_jumps;      /* timestamp restarts left out of the jitter */
    double last_arrival_ms, jitter_ms, jitter_max_ms, jitter_mean_ms;
    uint32_t last_ts;
    int64_t first_us, last_us;
};

/* Account one packet of the stream arriving at arrival_us. */
void rtp_stat_update(struct rtp_stat *s, const struct rtp_hdr *h, int64_t arrival_us,
                     uint32_t clock);
int64_t rtp_stat_expected(const struct rtp_stat *s);
int64_t rtp_stat_lost(const struct rtp_stat *s);

#endif
