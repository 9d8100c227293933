/*
 * sip.h — the compact record of one SIP message that the rest of sipscope
 * uses, and the parser that fills it (src/sip_parse.c).
 *
 * Flow: decode → sip_parse → correlate. sip_parse scans the start line and
 * header lines itself through a bounded cursor (RFC 3261 §7, §20, §25;
 * compact forms, folding) and calls libosip2's per-header parsers only on
 * the headers the analysis uses; osip_message_t never leaves sip_parse.c.
 *
 * Lifetime: every struct span in a struct sip_msg points into the payload
 * bytes or into the parser's arena, and is valid until the next sip_parse()
 * call on the same parser. Correlate copies what it keeps.
 * Thread: the analysis thread owns a parser.
 */
#ifndef SIPSCOPE_SIP_H
#define SIPSCOPE_SIP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "payload.h"
#include "util/span.h"

#define SIP_MAX_VIA 8           /* Via entries kept; via_total counts all */
#define SIP_MAX_CONTACT 4
#define SIP_MAX_CHALLENGE 4
#define SIP_MAX_MEDIA 4

enum sip_method {
    SIP_UNKNOWN = 0,
    SIP_INVITE, SIP_ACK, SIP_BYE, SIP_CANCEL, SIP_REGISTER, SIP_OPTIONS,
    SIP_PRACK, SIP_SUBSCRIBE, SIP_NOTIFY, SIP_PUBLISH, SIP_INFO, SIP_REFER,
    SIP_MESSAGE, SIP_UPDATE,
    SIP_METHOD_COUNT
};

struct sip_uri {
    struct span raw;        /* the whole URI */
    struct span scheme;     /* sip, sips, tel */
    struct span user;
    struct span host;       /* without [] for IPv6 */
    uint16_t port;          /* 0 when absent */
    struct span transport;  /* ;transport= parameter */
};

struct sip_nameaddr {
    struct span raw;        /* whole header value */
    struct span display;
    struct sip_uri uri;
    struct span tag;
};

struct sip_via {
    enum transport transport;
    struct span host;
    uint16_t port;          /* 0 when absent */
    struct span branch;
    struct span received;
    int32_t rport;          /* -1 absent, 0 present without value, else value */
};

struct sip_contact {
    struct sip_uri uri;
    bool star;              /* Contact: * */
    int64_t expires;        /* ;expires= or -1 */
};

/* Authorization / Proxy-Authorization (RFC 3261 §22.4, RFC 7616). */
struct sip_cred {
    bool present;
    bool proxy;             /* Proxy-Authorization */
    struct span scheme;     /* Digest */
    struct span username, realm, nonce, uri, response, algorithm;
    struct span qop, nc, cnonce, opaque;
};

/* WWW-Authenticate / Proxy-Authenticate. Quotes are removed from values. */
struct sip_challenge {
    bool proxy;
    bool stale;
    struct span scheme, realm, nonce, algorithm, qop, opaque;
};

struct sip_sdp_media {
    struct span type;       /* audio, video, image */
    uint16_t port;
    struct span proto;
    struct span c_addr;     /* media-level c= address, empty if none */
};

struct sip_sdp {
    bool present;
    struct span o_addr;     /* o= unicast-address */
    struct span c_addr;     /* session-level c= address */
    uint8_t n_media;
    struct sip_sdp_media media[SIP_MAX_MEDIA];
};

struct sip_msg {
    /* where and when (from the payload) */
    uint64_t frame;
    int64_t ts_us;
    struct endpoint src, dst;
    enum transport transport;
    uint32_t site_id;

    /* start line */
    bool is_request;
    enum sip_method method;     /* requests */
    struct span method_name;
    struct sip_uri ruri;
    int status;                 /* responses: 100..699 */
    struct span reason_phrase;

    /* dialog and transaction identity */
    struct span call_id;
    uint32_t cseq;
    enum sip_method cseq_method;
    struct span cseq_method_name;
    struct sip_nameaddr from, to;
    uint8_t n_via;
    uint32_t via_total;
    struct sip_via via[SIP_MAX_VIA];

    uint8_t n_contact;
    struct sip_contact contact[SIP_MAX_CONTACT];
    struct span user_agent, server;
    int64_t expires;            /* Expires header or -1 */
    int32_t max_forwards;       /* -1 absent */

    /* auth */
    struct sip_cred cred;
    uint8_t n_challenge;
    struct sip_challenge challenge[SIP_MAX_CHALLENGE];

    /* explanations */
    struct span reason_hdr;     /* Reason (RFC 3326) */
    struct span warning;        /* Warning (RFC 3261 §20.43) */
    struct span x_twilio_error; /* X-Twilio-Error: <code> <text> */

    /* body */
    struct span content_type;
    int64_t content_length;     /* -1 absent */
    size_t body_len;            /* bytes actually present after the headers */
    struct span body;           /* those bytes (SDP for the media stage) */
    struct sip_sdp sdp;

    struct span raw;            /* the whole message as captured */
};

/* Why a payload was not accepted as SIP (each is a counter). */
#define SIP_REJECT_REASONS(X) \
    X(not_sip,        "not SIP (no request or status line)") \
    X(too_big,        "larger than the sip_msg_bytes cap") \
    X(bad_start_line, "malformed request or status line") \
    X(no_call_id,     "no Call-ID") \
    X(bad_cseq,       "missing or malformed CSeq") \
    X(no_via,         "request without Via") \
    X(bad_header,     "malformed header line") \
    X(truncated,      "cut off inside its start line")

enum sip_reject {
    SIP_OK = 0,
#define SIP_REJ_ENUM(name, doc) SIP_REJ_##name,
    SIP_REJECT_REASONS(SIP_REJ_ENUM)
#undef SIP_REJ_ENUM
    SIP_REJ_COUNT
};

struct sip_parser;

struct sip_parser *sip_parser_new(const struct caps *caps);
void sip_parser_free(struct sip_parser *sp);

/*
 * Parse one payload into *out. Returns SIP_OK (0) or an enum sip_reject
 * (> 0); the parser counts every reject by reason.
 */
int sip_parse(struct sip_parser *sp, const struct sip_payload *in, struct sip_msg *out);

/* Reject counters (index by enum sip_reject) and their names. */
const uint64_t *sip_parser_rejects(const struct sip_parser *sp);
const char *sip_reject_name(int reason);

enum sip_method sip_method_from_span(struct span s);

/*
 * Test oracle for the fast path: parse the same bytes with libosip2's full
 * osip_message_parse and compare every field both can see (start line,
 * Request-URI, Call-ID, CSeq, From/To, Via list, Contacts, credentials,
 * challenges, Content-Length). Returns 0 when they agree, 1 on the first
 * difference, -1 when libosip2 rejects the message; why (may be NULL) says
 * what differed. Slow (mallocs): for tests and --verify-parse only.
 */
int sip_verify(const struct sip_msg *m, const uint8_t *data, size_t len, char *why,
               size_t whylen);
const char *sip_method_name(enum sip_method m);

#endif
