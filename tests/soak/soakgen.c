/*
 * soakgen.c — stream a synthetic SIP/UDP capture of N messages to stdout (or
 * -o FILE) for the bounded-memory soak test (tests/soak/soak.sh). Python's
 * gen_sip_pcap.py writes ~9k messages/s; a 10M-message soak needs this.
 *
 *   soakgen [-n MESSAGES] [-o FILE] [--early-only]
 *
 * Output: classic pcap, LINKTYPE_ETHERNET, microsecond timestamps, one SIP
 * message per frame, valid IPv4/IPv6 and UDP checksums. Every dialog has a
 * unique Call-ID, every challenge a unique nonce, every dialog a new client
 * address (IPv4 198.18.0.0/15 — RFC 2544 benchmarking — cycling through all
 * 131,070 hosts, alternating with IPv6 2001:db8:1::/64 with a counter, so
 * IPv6 sources never repeat; the PBX is 192.0.2.10 or 2001:db8::10 to match)
 * and a new username: per-source and per-dialog
 * tables must evict, never grow.
 *
 * The stream opens with EARLY problem dialogs that must still be reported at
 * the end (findings must not be lost to the healthy traffic after them):
 *   - 5 INVITEs from the PBX 192.0.2.10 to trunk 203.0.113.99 answered
 *     "403 Forbidden" with no challenge (ip_rejected), and
 *   - 5 REGISTERs to trunk 203.0.113.98: 401, retry with credentials, 403
 *     (auth_rejected).
 * Then only healthy dialogs: REGISTER -> 401 -> REGISTER+Authorization -> 200,
 * INVITE -> 407 -> ACK -> INVITE+Proxy-Authorization -> 100 -> 180 -> 200 ->
 * ACK -> BYE -> 200, OPTIONS -> 200. Messages are 200 us apart.
 * The number of early frames is printed to stderr ("early_frames=N").
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARLY_IPREJ 5
#define EARLY_AUTHREJ 5

static FILE *out;
static uint64_t written, limit;
static uint64_t ts_us = 1700000000000000ULL;
static uint64_t dialog_no;
static uint16_t ipid;

struct ep {
    int v6;
    uint8_t a[16];
    uint16_t port;
    char text[64];      /* for SIP headers: "198.18.1.2" or "[2001:db8:1::5]" */
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void emit(const struct ep *src, const struct ep *dst, const char *sip, size_t len)
{
    static uint8_t f[70000];
    static const uint8_t mac[12] = { 0x52, 0x54, 0x00, 0xa1, 0xb2, 0xc3, 0x00, 0x25, 0x90, 0x8e, 0x4f, 0x11 };
    size_t l3 = src->v6 ? 40 : 20, ulen = 8 + len, flen = 14 + l3 + ulen;
    uint8_t *ip = f + 14, *u = f + 14 + l3;
    uint32_t s;

    if (written >= limit || flen > sizeof(f))
        return;
    memcpy(f, mac, 12);
    put16(f + 12, src->v6 ? 0x86dd : 0x0800);
    if (src->v6) {
        memset(ip, 0, 40);
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)ulen);
        ip[6] = 17;
        ip[7] = 64;
        memcpy(ip + 8, src->a, 16);
        memcpy(ip + 24, dst->a, 16);
    } else {
        memset(ip, 0, 20);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(20 + ulen));
        put16(ip + 4, ipid++);
        put16(ip + 6, 0x4000);
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, src->a + 12, 4);
        memcpy(ip + 16, dst->a + 12, 4);
        put16(ip + 10, fold(sum16(ip, 20, 0)));
    }
    put16(u, src->port);
    put16(u + 2, dst->port);
    put16(u + 4, (uint16_t)ulen);
    put16(u + 6, 0);
    memcpy(u + 8, sip, len);
    /* pseudo-header + UDP */
    s = src->v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
    s += 17 + (uint32_t)ulen;
    s = sum16(u, ulen, s);
    uint16_t ck = fold(s);
    put16(u + 6, ck ? ck : 0xffff);

    uint32_t rec[4] = { (uint32_t)(ts_us / 1000000), (uint32_t)(ts_us % 1000000), (uint32_t)flen,
                        (uint32_t)flen };
    fwrite(rec, sizeof(rec), 1, out);
    fwrite(f, flen, 1, out);
    written++;
    ts_us += 200;
}

static void ep_v4(struct ep *e, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    memset(e, 0, sizeof(*e));
    e->a[10] = e->a[11] = 0xff;
    e->a[12] = a; e->a[13] = b; e->a[14] = c; e->a[15] = d;
    e->port = port;
    snprintf(e->text, sizeof(e->text), "%u.%u.%u.%u", a, b, c, d);
}

/* a new client address per dialog: IPv4 benchmarking range, alternating with IPv6 */
static void client(struct ep *e, uint64_t n)
{
    if (n & 1) {
        memset(e, 0, sizeof(*e));
        e->v6 = 1;
        uint8_t pre[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };
        memcpy(e->a, pre, 8);
        for (int i = 0; i < 8; i++)
            e->a[8 + i] = (uint8_t)(n >> (56 - 8 * i));
        e->port = (uint16_t)(10000 + n % 50000);
        snprintf(e->text, sizeof(e->text), "[2001:db8:1::%x:%x:%x:%x]", (unsigned)(n >> 48) & 0xffff,
                 (unsigned)(n >> 32) & 0xffff, (unsigned)(n >> 16) & 0xffff, (unsigned)n & 0xffff);
    } else {
        uint32_t h = (uint32_t)((n / 2) % 131070) + 1;   /* 198.18.0.1 .. 198.19.255.254 */
        ep_v4(e, 198, (uint8_t)(18 + (h >> 16)), (uint8_t)(h >> 8), (uint8_t)h,
              (uint16_t)(10000 + n % 50000));
        if ((uint8_t)h == 0 || (uint8_t)h == 255)
            e->a[15] = 1;
    }
}

static char buf[8192];

/* One SIP message. first: start line; then Via/From/To/Call-ID/CSeq from the
 * dialog, extra headers, body. */
struct dlg {
    const struct ep *uac, *uas;
    char user[48], callid[96], ftag[24], ttag[24], branch[40], domain[64];
};

static size_t msg(const struct dlg *d, const char *first, const char *method, unsigned cseq,
                  int to_tag, const char *extra, const char *body)
{
    int n = snprintf(buf, sizeof(buf),
                     "%s\r\n"
                     "Via: SIP/2.0/UDP %s:%u;rport;branch=%s\r\n"
                     "Max-Forwards: 70\r\n"
                     "From: <sip:%s@%s>;tag=%s\r\n"
                     "To: <sip:%s@%s>%s%s\r\n"
                     "Call-ID: %s\r\n"
                     "CSeq: %u %s\r\n"
                     "User-Agent: soakgen/1\r\n"
                     "%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     first, d->uac->text, d->uac->port, d->branch, d->user, d->domain, d->ftag,
                     d->user, d->domain, to_tag ? ";tag=" : "", to_tag ? d->ttag : "", d->callid,
                     cseq, method, extra ? extra : "", body ? strlen(body) : (size_t)0,
                     body ? body : "");
    return n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
}

static void new_dialog(struct dlg *d, const struct ep *uac, const struct ep *uas, const char *user,
                       const char *domain)
{
    uint64_t n = ++dialog_no;
    d->uac = uac;
    d->uas = uas;
    snprintf(d->user, sizeof(d->user), "%s", user);
    snprintf(d->domain, sizeof(d->domain), "%s", domain);
    snprintf(d->callid, sizeof(d->callid), "%016" PRIx64 "%08" PRIx64 "@soak.example.com",
             n * (uint64_t)0x9e3779b97f4a7c15ULL, n);
    snprintf(d->ftag, sizeof(d->ftag), "f%" PRIx64, n);
    snprintf(d->ttag, sizeof(d->ttag), "t%" PRIx64, n);
    snprintf(d->branch, sizeof(d->branch), "z9hG4bK%" PRIx64 "a", n);
}

static void new_branch(struct dlg *d, const char *suffix)
{
    snprintf(d->branch, sizeof(d->branch), "z9hG4bK%" PRIx64 "%s", dialog_no, suffix);
}

static void send_req(const struct dlg *d, const char *method, unsigned cseq, int to_tag,
                     const char *extra, const char *body)
{
    char first[160];
    snprintf(first, sizeof(first), "%s sip:%s@%s SIP/2.0", method, d->user, d->domain);
    size_t n = msg(d, first, method, cseq, to_tag, extra, body);
    emit(d->uac, d->uas, buf, n);
}

static void send_resp(const struct dlg *d, const char *status, const char *method, unsigned cseq,
                      int to_tag, const char *extra, const char *body)
{
    char first[96];
    snprintf(first, sizeof(first), "SIP/2.0 %s", status);
    size_t n = msg(d, first, method, cseq, to_tag, extra, body);
    emit(d->uas, d->uac, buf, n);
}

static void auth_hdr(char *h, size_t hl, const char *name, const struct dlg *d, const char *nonce,
                     const char *realm)
{
    /* the response value is not a real digest of any password: the soak
     * measures memory, and these flows are answered 200 regardless */
    snprintf(h, hl,
             "%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"sip:%s@%s\", "
             "response=\"%032" PRIx64 "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c%" PRIx64 "\"\r\n",
             name, d->user, realm, nonce, d->user, d->domain, dialog_no * (uint64_t)0x2545f4914f6cdd1dULL,
             dialog_no);
}

static const char SDP[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n"
                          "t=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";

static void d_register(const struct ep *uac, const struct ep *uas, const char *user, int fail)
{
    struct dlg d;
    char nonce[48], chal[256], auth[512];
    new_dialog(&d, uac, uas, user, "pbx.example.com");
    snprintf(nonce, sizeof(nonce), "n%016" PRIx64 "%08" PRIx64, dialog_no * (uint64_t)0xda942042e4dd58b5ULL, dialog_no);
    snprintf(chal, sizeof(chal),
             "WWW-Authenticate: Digest realm=\"pbx.example.com\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"\r\n",
             nonce);
    send_req(&d, "REGISTER", 1, 0, "Contact: <sip:x@198.51.100.1>;expires=3600\r\nExpires: 3600\r\n", NULL);
    send_resp(&d, "401 Unauthorized", "REGISTER", 1, 1, chal, NULL);
    new_branch(&d, "b");
    auth_hdr(auth, sizeof(auth), "Authorization", &d, nonce, "pbx.example.com");
    send_req(&d, "REGISTER", 2, 0, auth, NULL);
    send_resp(&d, fail ? "403 Forbidden" : "200 OK", "REGISTER", 2, 1, NULL, NULL);
}

static void d_invite(const struct ep *uac, const struct ep *uas, const char *user)
{
    struct dlg d;
    char nonce[48], chal[256], auth[512];
    new_dialog(&d, uac, uas, user, "pbx.example.com");
    snprintf(nonce, sizeof(nonce), "p%016" PRIx64 "%08" PRIx64, dialog_no * (uint64_t)0xda942042e4dd58b5ULL, dialog_no);
    snprintf(chal, sizeof(chal),
             "Proxy-Authenticate: Digest realm=\"pbx.example.com\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"\r\n",
             nonce);
    send_req(&d, "INVITE", 1, 0, "Content-Type: application/sdp\r\n", SDP);
    send_resp(&d, "407 Proxy Authentication Required", "INVITE", 1, 1, chal, NULL);
    send_req(&d, "ACK", 1, 1, NULL, NULL);
    new_branch(&d, "b");
    auth_hdr(auth, sizeof(auth), "Proxy-Authorization", &d, nonce, "pbx.example.com");
    strncat(auth, "Content-Type: application/sdp\r\n", sizeof(auth) - strlen(auth) - 1);
    send_req(&d, "INVITE", 2, 0, auth, SDP);
    send_resp(&d, "100 Trying", "INVITE", 2, 0, NULL, NULL);
    send_resp(&d, "180 Ringing", "INVITE", 2, 1, NULL, NULL);
    send_resp(&d, "200 OK", "INVITE", 2, 1, "Content-Type: application/sdp\r\n", SDP);
    new_branch(&d, "c");
    send_req(&d, "ACK", 2, 1, NULL, NULL);
    new_branch(&d, "d");
    send_req(&d, "BYE", 3, 1, NULL, NULL);
    send_resp(&d, "200 OK", "BYE", 3, 1, NULL, NULL);
}

static void d_options(const struct ep *uac, const struct ep *uas, const char *user)
{
    struct dlg d;
    new_dialog(&d, uac, uas, user, "pbx.example.com");
    send_req(&d, "OPTIONS", 1, 0, NULL, NULL);
    send_resp(&d, "200 OK", "OPTIONS", 1, 1, NULL, NULL);
}

static void d_iprej(const struct ep *pbx, const struct ep *trunk)
{
    struct dlg d;
    new_dialog(&d, pbx, trunk, "+15005550006", "example.pstn.twilio.com");
    send_req(&d, "INVITE", 1, 0, "Content-Type: application/sdp\r\n", SDP);
    send_resp(&d, "100 Trying", "INVITE", 1, 0, NULL, NULL);
    send_resp(&d, "403 Forbidden", "INVITE", 1, 1, NULL, NULL);
    send_req(&d, "ACK", 1, 1, NULL, NULL);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int early_only = 0;
    struct ep pbx, pbx6, t99, t98, c;
    uint64_t early;

    limit = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            limit = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--early-only") == 0)
            early_only = 1;
        else {
            fprintf(stderr, "usage: soakgen [-n MESSAGES] [-o FILE] [--early-only]\n");
            return 2;
        }
    }
    out = path ? fopen(path, "wb") : stdout;
    if (out == NULL) {
        perror(path);
        return 2;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    uint32_t gh[6] = { 0xa1b2c3d4, 2 | (4u << 16), 0, 0, 65535, 1 };
    fwrite(gh, sizeof(gh), 1, out);

    ep_v4(&pbx, 192, 0, 2, 10, 5060);
    /* the PBX's IPv6 address (2001:db8::10) for IPv6 clients: a datagram has one family */
    memset(&pbx6, 0, sizeof(pbx6));
    pbx6.v6 = 1;
    pbx6.a[0] = 0x20; pbx6.a[1] = 0x01; pbx6.a[2] = 0x0d; pbx6.a[3] = 0xb8; pbx6.a[15] = 0x10;
    pbx6.port = 5060;
    snprintf(pbx6.text, sizeof(pbx6.text), "[2001:db8::10]");
    ep_v4(&t99, 203, 0, 113, 99, 5060);
    ep_v4(&t98, 203, 0, 113, 98, 5060);
    for (int i = 0; i < EARLY_IPREJ; i++)
        d_iprej(&pbx, &t99);
    for (int i = 0; i < EARLY_AUTHREJ; i++)
        d_register(&pbx, &t98, "pbx-main", 1);
    early = written;
    fprintf(stderr, "early_frames=%" PRIu64 "\n", early);
    while (!early_only && written < limit) {
        char user[32];
        uint64_t n = dialog_no + 1;
        client(&c, n);
        const struct ep *p = c.v6 ? &pbx6 : &pbx;
        snprintf(user, sizeof(user), "u%" PRIu64, n);
        switch (n % 8) {
        case 0: case 1: case 2: case 3: d_register(&c, p, user, 0); break;
        case 4: case 5: d_invite(&c, p, user); break;
        default: d_options(p, &c, user); break;
        }
    }
    if (fflush(out) != 0) {
        perror("soakgen: write");
        return 1;
    }
    fprintf(stderr, "soakgen: %" PRIu64 " messages, %" PRIu64 " dialogs\n", written, dialog_no);
    return 0;
}
