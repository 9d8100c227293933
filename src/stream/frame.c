/*
 * frame.c — the framer: SIP messages by Content-Length (RFC 3261 §18.3,
 * §7.5 folding, §20.14 compact "l"), WebSocket messages (RFC 6455 §5,
 * RFC 7118, frames parsed by ws.c) and HEPv3 records, cut out of the
 * contiguous bytes of one TCP direction; plus the SIP start-line test
 * (RFC 3261 §7.1/§7.2) that both the framer and the decoders use.
 * Place in the flow: reasm_tcp → frame → (callback) decode_l4.
 * Thread: the analysis thread that owns the decoder. See frame.h for the
 * contract with reasm_tcp.c (which bytes it owns, what NONSIP means).
 *
 * Why these limits: a start line longer than LINE_MAX_PEEK is not SIP, so
 * a stream is judged after at most that many bytes; a mid-stream pick-up
 * gets SYNC_TRIES segments to show a start line (a stream that carried SIP
 * keeps looking, at no memory cost); an HTTP upgrade header longer than
 * WS_HS_MAX is not a WebSocket handshake. A TLS record is cut whole (at
 * most 2^14 + 2048 bytes, RFC 5246 §6.2.3) and handed on as FRAME_TLS.
 */
#include "frame.h"

#include <string.h>
#include <strings.h>

#include "ws.h"

#define LINE_MAX_PEEK 2048      /* a start line longer than this is not SIP */
#define SYNC_TRIES 8            /* mid-stream segments allowed to show a start */
#define WS_HS_MAX 16384         /* HTTP upgrade header size limit */

/* Character classes for the start-line test: one table load per byte on
 * the per-packet path. TOK: RFC 3261 §25.1 token; END: ends a Request-URI. */
enum { C_TOK = 1, C_END = 2 };
#define TOK_RANGE(a, b) [a ... b] = C_TOK
static const uint8_t cls[256] = {
    TOK_RANGE('a', 'z'), TOK_RANGE('A', 'Z'), TOK_RANGE('0', '9'),
    ['-'] = C_TOK, ['.'] = C_TOK, ['!'] = C_TOK, ['%'] = C_TOK, ['*'] = C_TOK,
    ['_'] = C_TOK, ['+'] = C_TOK, ['`'] = C_TOK, ['\''] = C_TOK, ['~'] = C_TOK,
    [' '] = C_END, ['\r'] = C_END, ['\n'] = C_END,
};

bool frame_is_sip(const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (n < 12)
        return false;
    if (p[0] == 'S' && memcmp(p, "SIP/2.0 ", 8) == 0)
        return p[8] >= '1' && p[8] <= '6' && p[9] >= '0' && p[9] <= '9' && p[10] >= '0' &&
               p[10] <= '9' && (p[11] == ' ' || p[11] == '\r' || p[11] == '\n');
    /* Request line: method token, SP, URI (no blanks), SP, SIP/2.0, EOL. */
    while (i < n && (cls[p[i]] & C_TOK))
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return false;
    i++;
    size_t u = i;
    while (i < n && !(cls[p[i]] & C_END))
        i++;
    if (i == u || i + 8 > n || p[i] != ' ')
        return false;
    i++;
    if (memcmp(p + i, "SIP/2.0", 7) != 0)
        return false;
    i += 7;
    return i == n || p[i] == '\r' || p[i] == '\n';
}

enum { TLS_CT_CCS = 20, TLS_CT_HANDSHAKE = 22, TLS_CT_HEARTBEAT = 24 };
#define TLS_RECORD_MAX (16384 + 2048)

/* A plausible TLS record header at p (n >= 5 needed to say yes). */
static bool tls_header_ok(const uint8_t *p, size_t n)
{
    if (n < 5)
        return false;
    size_t rl = ((size_t)p[3] << 8) | p[4];
    return p[0] >= TLS_CT_CCS && p[0] <= TLS_CT_HEARTBEAT && p[1] == 0x03 && p[2] <= 0x04 &&
           rl > 0 && rl <= TLS_RECORD_MAX;
}

static const uint8_t *find_crlfcrlf(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        const uint8_t *q = memchr(p + i, '\r', n - i);
        if (q == NULL)
            return NULL;
        i = (size_t)(q - p);
        if (i + 4 <= n && q[1] == '\n' && q[2] == '\r' && q[3] == '\n')
            return q;
    }
    return NULL;
}

static bool is_ws(uint8_t ch)
{
    return ch == ' ' || ch == '\t';
}

/* Measure the message at p: 0 = header incomplete, -1 = no header end
 * within max or an absurd Content-Length, 1 = *total is header + body. */
static int sip_measure(const uint8_t *p, size_t n, size_t max, uint64_t *total)
{
    size_t lim = n < max ? n : max;
    const uint8_t *end = find_crlfcrlf(p, lim);
    uint64_t cl = 0;

    if (end == NULL)
        return n >= max ? -1 : 0;
    size_t hdr = (size_t)(end - p) + 4;
    /* Header lines start after each CRLF not followed by SP/HT (folding). */
    const uint8_t *q = memchr(p, '\n', hdr);
    while (q != NULL && q + 1 < p + hdr - 2) {
        const uint8_t *ls = q + 1, *le = p + hdr;
        q = memchr(ls, '\n', (size_t)(le - ls));
        if (is_ws(*ls))
            continue;
        const uint8_t *c = ls;
        while (c < le && *c != ':' && !is_ws(*c) && *c != '\r' && *c != '\n')
            c++;
        size_t nl = (size_t)(c - ls);
        bool match = (nl == 1 && (ls[0] | 0x20) == 'l') ||
                     (nl == 14 && strncasecmp((const char *)ls, "content-length", 14) == 0);
        if (!match)
            continue;
        while (c < le && is_ws(*c))
            c++;
        if (c >= le || *c != ':')
            continue;
        c++;
        /* Value: skip blanks and folded line breaks before the digits. */
        while (c < le && (is_ws(*c) || ((*c == '\r' || *c == '\n') && c + 2 < le &&
                                        (is_ws(c[1]) || (c[1] == '\n' && is_ws(c[2]))))))
            c++;
        cl = 0;
        bool digits = false;
        while (c < le && *c >= '0' && *c <= '9') {
            cl = cl * 10 + (uint64_t)(*c - '0');
            digits = true;
            if (cl > (1u << 30))    /* no SIP body is a gigabyte: a lie */
                return -1;
            c++;
        }
        if (!digits)
            cl = 0;
        break;
    }
    *total = hdr + cl;
    return 1;
}

size_t frame_sip_len(const uint8_t *p, size_t n, size_t max)
{
    uint64_t total = 0;
    int rc = sip_measure(p, n, max, &total);

    if (rc < 0 || (rc > 0 && total > max))
        return SIZE_MAX;
    if (rc == 0 || n < total)
        return 0;
    return (size_t)total;
}

/* Offset in p[0..n) of the first line that starts a SIP message, or where
 * to keep waiting: the start of the last, incomplete line (n when none). */
static size_t resync_scan(const uint8_t *p, size_t n)
{
    const uint8_t *q = memchr(p, '\n', n);
    while (q != NULL) {
        size_t at = (size_t)(q - p) + 1;
        if (at >= n)
            return n;
        size_t rest = n - at, peek = rest < LINE_MAX_PEEK ? rest : LINE_MAX_PEEK;
        if (memchr(p + at, '\n', peek) == NULL)
            return rest < LINE_MAX_PEEK ? at : n;
        if (frame_is_sip(p + at, rest))
            return at;
        q = memchr(p + at, '\n', rest);
    }
    return n;
}

/* One message per turn of the loop, which ends only by returning: when
 * more bytes are needed, when the buffer is used up, or at a verdict. */
size_t frame_run(struct framer *fr, uint8_t *buf, size_t len, size_t max, struct frame_counters *c,
                 frame_msg_fn fn, void *ud)
{
    size_t used = 0;

    for (;;) {
        uint8_t *p = buf + used;
        size_t n = len - used;

        if (fr->skip > 0) {
            size_t k = fr->skip < n ? (size_t)fr->skip : n;
            used += k;
            fr->skip -= k;
            if (k == n)
                return used;
            continue;
        }
        switch (fr->mode) {
        case FRAME_MODE_START:
        case FRAME_MODE_SYNC:
        case FRAME_MODE_SIP: {
            size_t skip = 0;
            while (skip < n && (p[skip] == '\r' || p[skip] == '\n'))
                skip++;
            if (skip > 0) {
                c->keepalives++;
                used += skip;
                p += skip;
                n -= skip;
            }
            if (n == 0)
                return used;
            size_t peek = n < LINE_MAX_PEEK ? n : LINE_MAX_PEEK;
            bool line = memchr(p, '\n', peek) != NULL;
            if (fr->mode != FRAME_MODE_SIP) {
                /* A TLS record (a server may answer with an alert first;
                 * a mid-way pick-up starts anywhere), never on a stream
                 * that carried SIP: its next start line is what we want. */
                if (n >= 2 && p[1] == 0x03 && !fr->was_sip &&
                    (p[0] == TLS_CT_HANDSHAKE || tls_header_ok(p, n))) {
                    c->tls++;
                    fr->mode = FRAME_MODE_TLS;
                    continue;
                }
                if (n >= 4 && memcmp(p, "HEP3", 4) == 0) {
                    fr->mode = FRAME_MODE_HEP;
                    continue;
                }
                if (ws_is_handshake(p, n)) {
                    fr->mode = FRAME_MODE_WS_HS;
                    continue;
                }
                if (!line && n < LINE_MAX_PEEK)
                    return used; /* wait for the whole first line */
                if (frame_is_sip(p, n)) {
                    fr->mode = FRAME_MODE_SIP;
                    fr->was_sip = 1;
                    continue;
                }
                if (fr->mode == FRAME_MODE_SYNC) {
                    /* Picked up mid-message (or after a hole): look for a
                     * line that starts a message, keep waiting otherwise. */
                    size_t at = resync_scan(p, n);
                    if (at < n && frame_is_sip(p + at, n - at)) {
                        c->resyncs++;
                        used += at;
                        fr->mode = FRAME_MODE_SIP;
                        fr->was_sip = 1;
                        continue;
                    }
                    used += at;
                    /* A stream that carried SIP keeps looking for the next
                     * start line after a desync (an oversized header, a
                     * hole): resync_scan consumes what it passes over, so
                     * this costs one scan per byte and holds no memory. */
                    if (++fr->tries < SYNC_TRIES || fr->was_sip)
                        return used;
                }
                fr->mode = FRAME_MODE_NONSIP;
                return used;
            }
            if (!line && n < LINE_MAX_PEEK)
                return used;
            if (!frame_is_sip(p, n)) {
                c->desync++;
                fr->mode = FRAME_MODE_SYNC;
                fr->tries = 0;
                continue;
            }
            uint64_t total = 0;
            int rc = sip_measure(p, n, max, &total);
            if (rc == 0)
                return used;
            if (rc < 0) {
                c->too_large++;
                fr->mode = FRAME_MODE_SYNC;
                fr->tries = 0;
                return len;
            }
            if (total > max) {
                /* Too large to hold, but its length is known: skip it and
                 * stay in step with the next message. */
                c->too_large++;
                fr->skip = total - n;
                return len;
            }
            if (n < total)
                return used;
            size_t mlen = (size_t)total;
            c->messages++;
            used += mlen;
            fn(ud, p, mlen, FRAME_SIP);
            break;
        }
        case FRAME_MODE_WS_HS: {
            const uint8_t *e = find_crlfcrlf(p, n);
            if (e == NULL) {
                if (n > WS_HS_MAX)
                    fr->mode = FRAME_MODE_NONSIP;
                return used;
            }
            used += (size_t)(e - p) + 4;
            fr->mode = FRAME_MODE_WS;
            break;
        }
        case FRAME_MODE_WS: {
            struct ws_frame f;
            int rc = ws_frame_parse(p, n, max, &f);
            if (rc == 0)
                return used;
            if (rc < 0) {
                c->ws_bad++;
                fr->mode = FRAME_MODE_NONSIP;
                return used;
            }
            uint8_t *pl = p + f.hdr_len;
            if (!f.fin && f.opcode != 0 && f.opcode < 8) {
                /* A fragmented message: wait for its last frame, then
                 * join the pieces in place (RFC 6455 §5.4). */
                size_t jused, msg;
                int jr = ws_join(p, n, max, &jused, &msg);
                if (jr == 0)
                    return used;
                if (jr < 0) {
                    c->ws_bad++;
                    fr->mode = FRAME_MODE_NONSIP;
                    return used;
                }
                c->ws_frames++;
                c->ws_fragmented++;
                used += jused;
                fn(ud, p, msg, FRAME_WS);
                break;
            }
            c->ws_frames++;
            used += f.hdr_len + f.payload_len;
            if (f.opcode >= 8) {
                c->ws_control++;
            } else if (f.opcode == 0) {
                c->ws_bad++; /* continuation with no start: skipped */
            } else {
                ws_unmask(pl, f.payload_len, &f);
                fn(ud, pl, f.payload_len, FRAME_WS);
            }
            break;
        }
        case FRAME_MODE_HEP: {
            if (n < 6)
                return used;
            size_t hl = ((size_t)p[4] << 8) | p[5];
            if (memcmp(p, "HEP3", 4) != 0 || hl < 6 || hl > max + 1024) {
                c->hep_bad++;
                fr->mode = FRAME_MODE_NONSIP;
                return used;
            }
            if (n < hl)
                return used;
            used += hl;
            fn(ud, p, hl, FRAME_HEP);
            break;
        }
        case FRAME_MODE_TLS: {
            /* RFC 8446 §5.1: type, legacy version 3.x, 16-bit length; a
             * record is at most 2^14 + 2048 bytes (TLS 1.2 ciphertext). */
            if (n < 5)
                return used;
            size_t rl = ((size_t)p[3] << 8) | p[4];
            if (!tls_header_ok(p, n)) {
                c->tls_bad++;
                fr->mode = FRAME_MODE_NONSIP;
                return used;
            }
            if (n < 5 + rl)
                return used;
            c->tls_records++;
            used += 5 + rl;
            fn(ud, p, 5 + rl, FRAME_TLS);
            break;
        }
        default:
            return used;
        }
    }
}


void frame_gap(struct framer *fr)
{
    fr->skip = 0;
    if (fr->mode == FRAME_MODE_START || fr->mode == FRAME_MODE_SIP) {
        fr->mode = FRAME_MODE_SYNC;
        fr->tries = 0;
    } else if (fr->mode != FRAME_MODE_SYNC) {
        fr->mode = FRAME_MODE_NONSIP;
    }
}

void frame_resync(struct framer *fr)
{
    fr->mode = FRAME_MODE_SYNC;
    fr->tries = 0;
    fr->skip = 0;
}

