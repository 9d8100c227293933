/*
 * sip_parse.c — one SIP payload into a struct sip_msg (see sip.h).
 *
 * Flow: decode → sip_parse → correlate. Thread: the analysis thread owns a
 * parser (its arena and reject counters).
 * RFC 3261 §7.1/§7.2 (start lines), §7.3 (headers, folding, compact forms),
 * §7.4.1 (Content-Length), §8.1.1 (mandatory Call-ID, CSeq, Via), §20;
 * RFC 4566 for the SDP fields.
 *
 * Why not osip_message_parse: it costs ~61k instructions and ~125 mallocs a
 * message (shared/bench/BASELINE.md). Here a zero-copy scanner (sip_scan.c)
 * walks the lines once through a bounded cursor and parses only the headers
 * the analysis reads, straight into spans; copies (unfolding, unquoting) go
 * into a per-parser arena reset at each call, so the hot path never
 * allocates. libosip2 is used only by sip_verify() (sip_verify.c), which
 * checks this fast path against the full parser in the tests.
 *
 * Policy on malformed input: a payload is rejected (and counted by reason)
 * only when it is not SIP at all or lacks what correlation needs (start
 * line, Call-ID, CSeq, a Via on requests, the end of the headers). A bad
 * optional header (an unparsable Contact, a Content-Length that is not a
 * number) is ignored rather than losing the message: a diagnosis tool must
 * still see the 401 that carried it.
 */
#include "sip.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "sip_scan.h"

struct sip_parser {
    size_t max_bytes;
    struct arena arena;
    uint64_t rejects[SIP_REJ_COUNT];
};

struct sip_parser *sip_parser_new(const struct caps *caps)
{
    struct sip_parser *sp = calloc(1, sizeof *sp);

    if (sp == NULL)
        return NULL;
    sp->max_bytes = caps != NULL ? (size_t)caps->sip_msg_bytes : 65536;
    /* unfolded copies and unquoted copies are each no longer than the
     * message: twice the cap (plus slack) always fits one message. */
    if (arena_init(&sp->arena, 2 * sp->max_bytes + 256) != 0) {
        free(sp);
        return NULL;
    }
    sip_osip_init_once();
    return sp;
}

void sip_parser_free(struct sip_parser *sp)
{
    if (sp == NULL)
        return;
    arena_free(&sp->arena);
    free(sp);
}

const uint64_t *sip_parser_rejects(const struct sip_parser *sp)
{
    return sp->rejects;
}

const char *sip_reject_name(int reason)
{
    static const char *const names[] = {
        "ok",
#define SIP_REJ_NAME(name, doc) #name,
        SIP_REJECT_REASONS(SIP_REJ_NAME)
#undef SIP_REJ_NAME
    };
    if (reason < 0 || reason >= SIP_REJ_COUNT)
        return "?";
    return names[reason];
}

static const char *const method_names[SIP_METHOD_COUNT] = {
    [SIP_UNKNOWN] = "UNKNOWN", [SIP_INVITE] = "INVITE", [SIP_ACK] = "ACK",
    [SIP_BYE] = "BYE", [SIP_CANCEL] = "CANCEL", [SIP_REGISTER] = "REGISTER",
    [SIP_OPTIONS] = "OPTIONS", [SIP_PRACK] = "PRACK", [SIP_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_NOTIFY] = "NOTIFY", [SIP_PUBLISH] = "PUBLISH", [SIP_INFO] = "INFO",
    [SIP_REFER] = "REFER", [SIP_MESSAGE] = "MESSAGE", [SIP_UPDATE] = "UPDATE",
};

const char *sip_method_name(enum sip_method m)
{
    if ((unsigned)m >= SIP_METHOD_COUNT)
        return "?";
    return method_names[m];
}

/* Methods are case-sensitive (RFC 3261 §7.1). */
enum sip_method sip_method_from_span(struct span s)
{
    for (int m = SIP_INVITE; m < SIP_METHOD_COUNT; m++) {
        size_t n = strlen(method_names[m]);
        if (s.len == n && memcmp(s.p, method_names[m], n) == 0)
            return (enum sip_method)m;
    }
    return SIP_UNKNOWN;
}

/* token chars of RFC 3261 §25.1 */
static bool is_token(struct span s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              (ch != '\0' && strchr("-.!%*_+`'~", ch) != NULL)))
            return false;
    }
    return true;
}

static bool is_sip_version(struct span s)
{
    return SIP_IEQ(s, "sip/2.0");
}

/* Start line: SIP_OK, SIP_REJ_not_sip or SIP_REJ_bad_start_line. */
static int parse_start_line(struct span line, struct sip_msg *out)
{
    const char *sp1 = memchr(line.p, ' ', line.len);

    if (line.len >= 4 && SIP_IEQ(span_make(line.p, 4), "sip/")) {
        /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
        struct span ver, code;
        uint64_t st;
        if (sp1 == NULL)
            return SIP_REJ_bad_start_line;
        ver = span_make(line.p, (size_t)(sp1 - line.p));
        if (!is_sip_version(ver))
            return SIP_REJ_bad_start_line;
        code = span_make(sp1 + 1, line.len - ver.len - 1);
        if (code.len < 3 || !span_to_u64(span_make(code.p, 3), 999, &st) ||
            (code.len > 3 && code.p[3] != ' '))
            return SIP_REJ_bad_start_line;
        if (st < 100 || st > 699)
            return SIP_REJ_bad_start_line;
        out->is_request = false;
        out->status = (int)st;
        out->reason_phrase = code.len > 4 ? span_make(code.p + 4, code.len - 4) : SPAN_NULL;
        return SIP_OK;
    }
    /* Request-Line = Method SP Request-URI SP SIP-Version */
    {
        const char *sp2 = NULL;
        struct span ver, uri;
        for (size_t i = line.len; i > 0; i--)
            if (line.p[i - 1] == ' ') {
                sp2 = line.p + i - 1;
                break;
            }
        if (sp1 == NULL || sp2 == NULL)
            return SIP_REJ_not_sip;
        ver = span_make(sp2 + 1, (size_t)(line.p + line.len - sp2 - 1));
        if (ver.len < 4 || !SIP_IEQ(span_make(ver.p, 4), "sip/"))
            return SIP_REJ_not_sip;
        if (sp2 == sp1 || !is_sip_version(ver))
            return SIP_REJ_bad_start_line;
        out->is_request = true;
        out->method_name = span_make(line.p, (size_t)(sp1 - line.p));
        if (!is_token(out->method_name))
            return SIP_REJ_bad_start_line;
        out->method = sip_method_from_span(out->method_name);
        uri = span_trim(span_make(sp1 + 1, (size_t)(sp2 - sp1 - 1)));
        if (!sip_scan_uri(uri, &out->ruri))
            return SIP_REJ_bad_start_line;
        return SIP_OK;
    }
}

/* CSeq: 1*DIGIT LWS Method (RFC 3261 §20.16); number < 2**31. */
static bool parse_cseq(struct span v, struct sip_msg *out)
{
    size_t i = 0;
    uint64_t n;

    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9')
        i++;
    if (!span_to_u64(span_make(v.p, i), 0x7fffffffu, &n))
        return false;
    out->cseq = (uint32_t)n;
    out->cseq_method_name = span_trim(span_make(v.p + i, v.len - i));
    if (!is_token(out->cseq_method_name))
        return false;
    out->cseq_method = sip_method_from_span(out->cseq_method_name);
    return true;
}

static int64_t parse_number(struct span v, uint64_t max)
{
    uint64_t n;

    return span_to_u64(span_trim(v), max, &n) ? (int64_t)n : -1;
}

static void add_vias(struct sip_msg *out, struct span v)
{
    struct span item;

    while (sip_list_next(&v, &item)) {
        out->via_total++;
        if (out->n_via < SIP_MAX_VIA && sip_scan_via(item, &out->via[out->n_via]))
            out->n_via++;
    }
}

static void add_contacts(struct sip_msg *out, struct span v)
{
    struct span item;

    while (out->n_contact < SIP_MAX_CONTACT && sip_list_next(&v, &item))
        if (sip_scan_contact(item, &out->contact[out->n_contact]))
            out->n_contact++;
}

static void set_once(struct span *dst, struct span v)
{
    if (dst->p == NULL)
        *dst = v.p != NULL ? v : span_make("", 0);
}

/* A quoted display name with backslash escapes, unescaped into the arena
 * (quotes are already off: display points just inside them). */
static void unescape_display(struct arena *a, struct sip_nameaddr *na)
{
    struct span d = na->display;

    if (d.len == 0 || memchr(d.p, '\\', d.len) == NULL || d.p == na->raw.p ||
        d.p[-1] != '"' || (size_t)(d.p - na->raw.p) + d.len >= na->raw.len)
        return;
    na->display = sip_unquote(a, span_make(d.p - 1, d.len + 2));
}

static int reject(struct sip_parser *sp, int why)
{
    sp->rejects[why]++;
    return why;
}

static bool is_sdp_type(struct span ct)
{
    size_t n = 0;

    while (n < ct.len && ct.p[n] != ';')
        n++;
    return SIP_IEQ(span_trim(span_make(ct.p, n)), "application/sdp");
}

int sip_parse(struct sip_parser *sp, const struct sip_payload *in, struct sip_msg *out)
{
    struct cursor c;
    struct span line;
    struct sip_hdr h;
    bool have_cseq = false, have_from = false, have_to = false;
    enum sip_scan_rc rc;
    int r;

    memset(out, 0, sizeof *out);
    out->frame = in->frame;
    out->ts_us = in->ts_us;
    out->src = in->src;
    out->dst = in->dst;
    out->transport = in->transport;
    out->site_id = in->site_id;
    out->raw = span_make((const char *)in->data, in->len);
    out->expires = -1;
    out->max_forwards = -1;
    out->content_length = -1;
    arena_reset(&sp->arena);

    if (in->len > sp->max_bytes)
        return reject(sp, SIP_REJ_too_big);
    if (in->data == NULL || in->len == 0)
        return reject(sp, SIP_REJ_not_sip);
    c = cursor_make(in->data, in->len);
    if (!sip_scan_start_line(&c, &line)) {
        /* no line end: SIP cut short, or not SIP at all */
        if (line.len == 0)
            return reject(sp, SIP_REJ_not_sip);
        r = parse_start_line(line, out);
        return reject(sp, r == SIP_OK ? SIP_REJ_truncated : r);
    }
    r = parse_start_line(line, out);
    if (r != SIP_OK)
        return reject(sp, r);

    /* SIP_SCAN_TRUNC: the bytes end inside a header line (a datagram cut by
     * its sender or by a capture tool, PcapPlusPlus__sip_reqs.pcap frame 4,
     * which tshark shows). The partial line is dropped whole, never read
     * as a shorter value, and the message stands or falls on the headers
     * that are complete (a cut Call-ID line gives no_call_id). */
    while ((rc = sip_scan_header(&c, &h)) == SIP_SCAN_HEADER || rc == SIP_SCAN_BAD) {
        enum sip_hdr_id id;
        struct span v;

        if (rc == SIP_SCAN_BAD)
            continue;           /* a line with no colon: skipped, as tshark does */
        id = sip_hdr_lookup(h.name);
        if (id == SIP_H_OTHER)
            continue;
        v = h.folded ? sip_unfold(&sp->arena, h.value) : h.value;
        switch (id) {
        case SIP_H_VIA:
            add_vias(out, v);
            break;
        case SIP_H_FROM:
        case SIP_H_TO: {
            bool *have = id == SIP_H_FROM ? &have_from : &have_to;
            struct sip_nameaddr *na = id == SIP_H_FROM ? &out->from : &out->to;
            struct span params;
            if (!*have) {
                *have = true;
                if (!sip_scan_nameaddr(v, na, &params))
                    return reject(sp, SIP_REJ_bad_header);
                unescape_display(&sp->arena, na);
            }
            break;
        }
        case SIP_H_CALL_ID:
            if (out->call_id.len == 0)
                out->call_id = v;
            break;
        case SIP_H_CSEQ:
            if (!have_cseq) {
                have_cseq = true;
                if (!parse_cseq(v, out))
                    return reject(sp, SIP_REJ_bad_cseq);
            }
            break;
        case SIP_H_CONTACT:
            add_contacts(out, v);
            break;
        case SIP_H_USER_AGENT:
            set_once(&out->user_agent, v);
            break;
        case SIP_H_SERVER:
            set_once(&out->server, v);
            break;
        case SIP_H_EXPIRES:
            if (out->expires < 0)
                out->expires = parse_number(v, INT64_MAX);
            break;
        case SIP_H_MAX_FORWARDS:
            if (out->max_forwards < 0)
                out->max_forwards = (int32_t)parse_number(v, INT32_MAX);
            break;
        case SIP_H_AUTHORIZATION:
        case SIP_H_PROXY_AUTHORIZATION:
            if (!out->cred.present) {
                out->cred.proxy = id == SIP_H_PROXY_AUTHORIZATION;
                sip_scan_cred(&sp->arena, v, &out->cred);
            }
            break;
        case SIP_H_WWW_AUTHENTICATE:
        case SIP_H_PROXY_AUTHENTICATE:
            if (out->n_challenge < SIP_MAX_CHALLENGE) {
                struct sip_challenge *ch = &out->challenge[out->n_challenge];
                ch->proxy = id == SIP_H_PROXY_AUTHENTICATE;
                if (sip_scan_challenge(&sp->arena, v, ch))
                    out->n_challenge++;
            }
            break;
        case SIP_H_REASON:
            set_once(&out->reason_hdr, v);
            break;
        case SIP_H_WARNING:
            set_once(&out->warning, v);
            break;
        case SIP_H_X_TWILIO_ERROR:
            set_once(&out->x_twilio_error, v);
            break;
        case SIP_H_CONTENT_TYPE:
            set_once(&out->content_type, v);
            break;
        case SIP_H_CONTENT_LENGTH:
            /* not a number (negative, junk, > 2**63): treated as absent */
            if (out->content_length < 0)
                out->content_length = parse_number(v, INT64_MAX);
            break;
        default:
            break;
        }
    }

    if (out->call_id.len == 0)
        return reject(sp, SIP_REJ_no_call_id);
    if (!have_cseq)
        return reject(sp, SIP_REJ_bad_cseq);
    if (out->is_request && out->via_total == 0)
        return reject(sp, SIP_REJ_no_via);

    /* body: what follows the blank line, clipped to Content-Length */
    out->body_len = cursor_left(&c);
    if (out->content_length >= 0 && (uint64_t)out->content_length < out->body_len)
        out->body_len = (size_t)out->content_length;
    out->body = span_make((const char *)cursor_ptr(&c), out->body_len);
    if (out->body_len > 0 && is_sdp_type(out->content_type))
        sip_scan_sdp(span_make((const char *)cursor_ptr(&c), out->body_len), &out->sdp);
    return SIP_OK;
}
