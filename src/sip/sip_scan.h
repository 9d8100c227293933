/*
 * sip_scan.h — the zero-copy SIP scanner used by sip_parse.c (internal to
 * the sip_* files and their unit tests; the rest of sipscope uses sip.h).
 *
 * Flow: decode → sip_parse (sip_scan for lines, headers, URIs, Via,
 * name-addr, Contact, auth parameters and SDP) → correlate.
 * RFC 3261 §7.3 (header fields, folding, compact forms), §19.1 (SIP URI),
 * §20 (header grammar), §25 (ABNF); RFC 7616 / 3261 §22 (Digest); RFC 4566
 * (SDP o=, c=, m=).
 *
 * The scanner reads the payload through a struct cursor and returns spans
 * into it; nothing assumes a NUL or a final CRLF, and nothing is copied
 * except where a value must be rewritten (a folded header, an auth value
 * with backslash escapes): those copies go into the caller's arena. When the
 * arena is full the raw bytes are used instead.
 * Thread: no shared state; any thread.
 */
#ifndef SIPSCOPE_SIP_SCAN_H
#define SIPSCOPE_SIP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cursor.h"
#include "sip.h"
#include "util/span.h"

/* Header fields the analysis reads; everything else is SIP_H_OTHER. */
enum sip_hdr_id {
    SIP_H_OTHER = 0,
    SIP_H_VIA, SIP_H_FROM, SIP_H_TO, SIP_H_CALL_ID, SIP_H_CSEQ, SIP_H_CONTACT,
    SIP_H_USER_AGENT, SIP_H_SERVER, SIP_H_EXPIRES, SIP_H_MAX_FORWARDS,
    SIP_H_AUTHORIZATION, SIP_H_PROXY_AUTHORIZATION,
    SIP_H_WWW_AUTHENTICATE, SIP_H_PROXY_AUTHENTICATE,
    SIP_H_REASON, SIP_H_WARNING, SIP_H_X_TWILIO_ERROR,
    SIP_H_CONTENT_TYPE, SIP_H_CONTENT_LENGTH,
    SIP_H_COUNT
};

/* One header field: name and value trimmed; value still folded if folded. */
struct sip_hdr {
    struct span name;
    struct span value;
    bool folded;            /* value spans continuation lines (CRLF + WSP) */
};

enum sip_scan_rc {
    SIP_SCAN_HEADER = 1,    /* *h filled */
    SIP_SCAN_END = 0,       /* blank line: the body starts at the cursor */
    SIP_SCAN_EOF = 2,       /* bytes ended after a whole line, no blank line */
    SIP_SCAN_TRUNC = -1,    /* the bytes ended inside a header line */
    SIP_SCAN_BAD = -2,      /* a line with no colon (skipped; h->name is the line) */
};

/* Skip leading CRLFs (RFC 3261 §7.5 keep-alives) and read the start line.
 * False when no line ending is present (line then holds what there is). */
bool sip_scan_start_line(struct cursor *c, struct span *line);
/* Next header field, joining continuation lines. */
enum sip_scan_rc sip_scan_header(struct cursor *c, struct sip_hdr *h);

/* Name (full or compact, any case) to id. */
enum sip_hdr_id sip_hdr_lookup(struct span name);

/* Copy v into the arena with each CRLF/LF + whitespace run made one space. */
struct span sip_unfold(struct arena *a, struct span v);
/* Remove surrounding quotes and backslash escapes (copying only if needed). */
struct span sip_unquote(struct arena *a, struct span v);

/* Split a comma-separated list (commas inside quotes, <>, [] are kept).
 * Returns false when nothing is left; items are trimmed, may be empty. */
bool sip_list_next(struct span *rest, struct span *item);
/* Next ;name[=value] parameter of *rest (which starts at or before a ';'). */
bool sip_param_next(struct span *rest, struct span *name, struct span *value);

bool sip_scan_uri(struct span raw, struct sip_uri *u);
bool sip_scan_nameaddr(struct span v, struct sip_nameaddr *na, struct span *params);
bool sip_scan_via(struct span item, struct sip_via *v);
bool sip_scan_contact(struct span item, struct sip_contact *ct);
/* Digest credentials / challenge (quotes removed into the arena if needed). */
bool sip_scan_cred(struct arena *a, struct span v, struct sip_cred *cr);
bool sip_scan_challenge(struct arena *a, struct span v, struct sip_challenge *ch);
/* SDP body: o=, c= and m= lines. */
void sip_scan_sdp(struct span body, struct sip_sdp *sdp);

/* Run libosip2's parser_init() exactly once per process (sip_verify.c). */
void sip_osip_init_once(void);

/* Case-insensitive compare that does not stop at NUL bytes. */
bool sip_ieq(struct span a, const char *lit, size_t litlen);
#define SIP_IEQ(s, lit) sip_ieq((s), (lit), sizeof(lit) - 1)
/* Decimal port (1..65535 digits only); 0 when absent or invalid. */
uint16_t sip_port(struct span s);

#endif
