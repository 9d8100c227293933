/*
 * sdp.h — the media description of one SDP body (RFC 4566 c=, m=, a=;
 * RFC 3264 offer/answer direction attributes; RFC 3605 a=rtcp; RFC 5761
 * a=rtcp-mux), as the media stage needs it to know which (address, port)
 * pairs carry a call's RTP and RTCP.
 *
 * Flow: sip_parse (the SIP message's body) → sdp_parse (this) → media.c.
 * The body is hostile: it is read through a struct cursor line by line and
 * nothing is copied except bounded fields (addresses, ports, payload type
 * numbers, codec names truncated to SDP_CODEC_LEN). Problems are counted in
 * struct sdp (bad_lines, media_dropped, fmt_dropped), never fatal.
 * Thread: any (no state).
 */
#ifndef SIPSCOPE_MEDIA_SDP_H
#define SIPSCOPE_MEDIA_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define SDP_MAX_MEDIA 4         /* m= lines kept; more are counted in media_dropped */
#define SDP_MAX_FMT 12          /* payload types kept per m= line */
#define SDP_CODEC_LEN 16

enum sdp_dir {
    SDP_DIR_SENDRECV = 0,       /* the default (RFC 3264 §5.1) */
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE,
};

enum sdp_mtype { SDP_M_OTHER = 0, SDP_M_AUDIO, SDP_M_VIDEO, SDP_M_IMAGE };

struct sdp_fmt {
    uint8_t pt;                 /* RTP payload type 0..127 */
    char name[SDP_CODEC_LEN];   /* a=rtpmap encoding name, "" when none */
    uint32_t clock;             /* a=rtpmap clock rate, 0 when none */
};

struct sdp_media {
    enum sdp_mtype type;
    uint16_t port;              /* 0: stream rejected or disabled (RFC 3264 §6) */
    bool rtp;                   /* proto is RTP/... (AVP, SAVP, AVPF, SAVPF) */
    bool has_addr;              /* a media-level c= */
    struct addr addr;
    bool rtcp_mux;
    uint16_t rtcp_port;         /* a=rtcp:, 0 when absent (then port + 1) */
    bool has_rtcp_addr;
    struct addr rtcp_addr;
    bool has_dir;
    enum sdp_dir dir;
    uint8_t n_fmt;
    struct sdp_fmt fmt[SDP_MAX_FMT];
};

struct sdp {
    bool has_addr;              /* session-level c= */
    struct addr addr;
    bool has_dir;
    enum sdp_dir dir;           /* session-level direction attribute */
    uint8_t n_media;
    struct sdp_media media[SDP_MAX_MEDIA];
    uint32_t media_dropped;     /* m= lines past SDP_MAX_MEDIA */
    uint32_t fmt_dropped;       /* payload types past SDP_MAX_FMT */
    uint32_t bad_lines;         /* lines that are not "x=value" or whose value is malformed */
};

/*
 * Parse n bytes of SDP into *out (zeroed first). Returns the number of
 * m= lines seen (0: no media description at all).
 */
unsigned sdp_parse(const uint8_t *p, size_t n, struct sdp *out);

/* The address and direction that apply to media line i (media level
 * overrides session level, RFC 4566 §5.7, RFC 3264 §5.1); false when the
 * SDP gives no connection address for it. */
bool sdp_media_addr(const struct sdp *s, unsigned i, struct addr *out);
enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned i);

/* The codec of payload type pt on media line m: a=rtpmap name, else the
 * static name of RFC 3551 §6, else NULL. *clock gets its clock rate (0 when
 * unknown). */
const char *sdp_codec(const struct sdp_media *m, uint8_t pt, uint32_t *clock);
/* RFC 3551 §6 static payload types: name and clock, NULL/0 when dynamic or unassigned. */
const char *sdp_static_codec(uint8_t pt, uint32_t *clock);

const char *sdp_dir_name(enum sdp_dir d);

/*
 * The SDP of a SIP body whose Content-Type value is ct[0..ctn): the whole
 * body for application/sdp; for multipart types (RFC 2046 §5.1, RFC 5621: SDP
 * with ISUP, PIDF, a resource list...) the first application/sdp part,
 * nested at most SDP_MULTIPART_DEPTH deep, among at most
 * SDP_MULTIPART_PARTS parts per level. *sdp points into body. False when
 * there is none (or the multipart is malformed: no boundary, no closing
 * empty line of a part's headers).
 */
#define SDP_MULTIPART_DEPTH 3
#define SDP_MULTIPART_PARTS 16
bool sdp_in_body(const uint8_t *ct, size_t ctn, const uint8_t *body, size_t n,
                 const uint8_t **sdp, size_t *sdp_n);

#endif
