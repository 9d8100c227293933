/*
 * hep_out.c — HEPv3 encoder and UDP/TCP sender (see hep_out.h). The chunk
 * layout follows the HEP3 specification (sipcapture/HEP, "HEP3 Network
 * Protocol Specification"): "HEP3", total length (16 bits), then chunks of
 * vendor id (16), type (16), length including this 6-byte header (16) and
 * the value, all in network byte order.
 *
 * Place in the flow: pipeline → here, beside the engine. Owning thread: the
 * analysis thread, so nothing here may block: every send is MSG_DONTWAIT,
 * the TCP connect is non-blocking and its completion is checked on the
 * next send.
 */
#include "hep_out.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "util/err.h"

struct hep_out {
    bool tcp;
    uint32_t id;
    struct sockaddr_storage sa;
    socklen_t salen;
    int fd;
    bool connected;         /* TCP: connect() completed */
    int64_t next_connect_ms;
    uint8_t *buf;           /* TCP: queued bytes [off, len) */
    size_t off, len;
    uint8_t pkt[HEP_OUT_MAX];
    uint64_t sent, dropped, errors, reconnects;
    uint8_t key[HEP_OUT_KEY_MAX];   /* --hep-key-file, key_len 0 for none */
    size_t key_len;
};

/* ---- encoder ---- */

struct wbuf {
    uint8_t *p;
    size_t cap, len;
    bool over;
};

static void put(struct wbuf *w, const void *v, size_t n)
{
    if (w->over || n > w->cap - w->len) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->len, v, n);
    w->len += n;
}

static void put16(struct wbuf *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(w, b, 2);
}

static void chunk(struct wbuf *w, uint16_t type, const void *v, size_t n)
{
    put16(w, 0);
    put16(w, type);
    put16(w, (uint16_t)(6 + n));
    put(w, v, n);
}

static void chunk8(struct wbuf *w, uint16_t type, uint8_t v)
{
    chunk(w, type, &v, 1);
}

static void chunk16(struct wbuf *w, uint16_t type, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    chunk(w, type, b, 2);
}

static void chunk32(struct wbuf *w, uint16_t type, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    chunk(w, type, b, 4);
}

static uint8_t ip_proto(enum transport t)
{
    switch (t) {
    case TRANSPORT_TCP:
    case TRANSPORT_TLS:
    case TRANSPORT_WS:
    case TRANSPORT_WSS:
        return 6;
    case TRANSPORT_SCTP:
        return 132;
    default:
        return 17;
    }
}

size_t hep_encode(uint8_t *buf, size_t cap, const struct sip_payload *pl, uint32_t agent_id)
{
    return hep_encode_key(buf, cap, pl, agent_id, NULL, 0);
}

size_t hep_encode_key(uint8_t *buf, size_t cap, const struct sip_payload *pl, uint32_t agent_id,
                      const uint8_t *key, size_t key_len)
{
    struct wbuf w = { .p = buf, .cap = cap < HEP_OUT_MAX ? cap : HEP_OUT_MAX };
    bool v4 = addr_is_v4(&pl->src.ip) && addr_is_v4(&pl->dst.ip);
    int64_t sec = pl->ts_us / 1000000, usec = pl->ts_us % 1000000;

    if (usec < 0) {
        usec += 1000000;
        sec -= 1;
    }
    put(&w, "HEP3", 4);
    put16(&w, 0);   /* total length, set below */
    chunk8(&w, HEP_IP_FAMILY, v4 ? 2 : 10);
    chunk8(&w, HEP_IP_PROTO, ip_proto(pl->transport));
    if (v4) {
        chunk(&w, HEP_IPV4_SRC, pl->src.ip.b + 12, 4);
        chunk(&w, HEP_IPV4_DST, pl->dst.ip.b + 12, 4);
    } else {
        chunk(&w, HEP_IPV6_SRC, pl->src.ip.b, 16);
        chunk(&w, HEP_IPV6_DST, pl->dst.ip.b, 16);
    }
    chunk16(&w, HEP_SRC_PORT, pl->src.port);
    chunk16(&w, HEP_DST_PORT, pl->dst.port);
    chunk32(&w, HEP_TS_SEC, (uint32_t)sec);
    chunk32(&w, HEP_TS_USEC, (uint32_t)usec);
    chunk8(&w, HEP_PROTO_TYPE, 1);      /* SIP */
    chunk32(&w, HEP_CAPTURE_ID, agent_id);
    if (key_len > 0)
        chunk(&w, HEP_AUTH_KEY, key, key_len);
    if (pl->len > HEP_OUT_MAX)
        return 0;
    chunk(&w, HEP_PAYLOAD, pl->data, pl->len);
    if (w.over)
        return 0;
    buf[4] = (uint8_t)(w.len >> 8);
    buf[5] = (uint8_t)w.len;
    return w.len;
}

/* ---- sockets ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "[v6]:port" or "v4:port" into sa; false on anything else. */
static bool parse_hostport(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
    char host[64];
    const char *colon, *h = s;
    size_t hl;
    char *end;
    unsigned long port;

    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':')
            return false;
        h = s + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return false;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= sizeof(host) || colon[1] < '0' || colon[1] > '9')
        return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
        return false;
    memset(sa, 0, sizeof(*sa));
    if (*s != '[') {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return false;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return false;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a);
    }
    return true;
}

static int open_socket(struct hep_out *h, char *errbuf)
{
    int fd = socket(h->sa.ss_family, (h->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC |
                                         SOCK_NONBLOCK, 0);
    if (fd < 0) {
        err_set(errbuf, "--hep-out: socket: %s", strerror(errno));
        return ERR_IO;
    }
    if (connect(fd, (struct sockaddr *)&h->sa, h->salen) != 0 && errno != EINPROGRESS) {
        if (h->tcp) {
            /* Refused now may work later: keep the socket state "down". */
            close(fd);
            h->fd = -1;
            h->next_connect_ms = mono_ms() + 1000;
            return 0;
        }
        err_set(errbuf, "--hep-out: connect: %s", strerror(errno));
        close(fd);
        return ERR_IO;
    }
    h->fd = fd;
    h->connected = !h->tcp;
    return 0;
}

struct hep_out *hep_out_open(const char *spec, uint32_t agent_id, char *errbuf)
{
    struct hep_out *h = calloc(1, sizeof(*h));
    const char *hp = spec;

    if (h == NULL) {
        err_set(errbuf, "--hep-out: out of memory");
        return NULL;
    }
    h->fd = -1;
    h->id = agent_id;
    if (strncmp(spec, "tcp:", 4) == 0) {
        h->tcp = true;
        hp = spec + 4;
    } else if (strncmp(spec, "udp:", 4) == 0) {
        hp = spec + 4;
    }
    if (!parse_hostport(hp, &h->sa, &h->salen)) {
        err_set(errbuf, "--hep-out %s: expected [udp:|tcp:]ADDRESS:PORT with a numeric "
                        "address ([v6]:port for IPv6)", spec);
        free(h);
        return NULL;
    }
    if (h->tcp) {
        h->buf = malloc(HEP_OUT_TCP_BUFFER);
        if (h->buf == NULL) {
            err_set(errbuf, "--hep-out: out of memory");
            free(h);
            return NULL;
        }
    }
    if (open_socket(h, errbuf) != 0) {
        free(h->buf);
        free(h);
        return NULL;
    }
    return h;
}

void hep_out_close(struct hep_out *h)
{
    if (h == NULL)
        return;
    if (h->tcp && h->fd >= 0 && h->connected && h->off < h->len) {
        /* Best effort at the end: up to 1 s to hand over what is queued. */
        int64_t until = mono_ms() + 1000;
        while (h->off < h->len && mono_ms() < until) {
            struct pollfd pfd = { h->fd, POLLOUT, 0 };
            ssize_t n;
            if (poll(&pfd, 1, 100) <= 0)
                continue;
            n = send(h->fd, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            h->off += (size_t)n;
        }
    }
    if (h->fd >= 0)
        close(h->fd);
    /* Every packet held the key. */
    if (h->buf != NULL)
        explicit_bzero(h->buf, HEP_OUT_TCP_BUFFER);
    explicit_bzero(h->pkt, sizeof(h->pkt));
    explicit_bzero(h->key, sizeof(h->key));
    free(h->buf);
    free(h);
}

static void tcp_down(struct hep_out *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    h->connected = false;
    h->errors++;
    h->dropped += h->len > h->off ? 1 : 0;  /* the message cut in the middle */
    h->off = h->len = 0;
    h->next_connect_ms = mono_ms() + 1000;
}

static void tcp_flush(struct hep_out *h)
{
    if (h->fd < 0) {
        char eb[ERRBUF_SIZE];
        if (mono_ms() < h->next_connect_ms)
            return;
        h->reconnects++;
        if (open_socket(h, eb) != 0 || h->fd < 0)
            return;
    }
    if (!h->connected) {
        struct pollfd pfd = { h->fd, POLLOUT, 0 };
        int err = 0;
        socklen_t el = sizeof(err);
        if (poll(&pfd, 1, 0) <= 0)
            return;
        if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            tcp_down(h);
            return;
        }
        h->connected = true;
    }
    while (h->off < h->len) {
        ssize_t n = send(h->fd, h->buf + h->off, h->len - h->off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) {
            tcp_down(h);
            return;
        }
        h->off += (size_t)n;
    }
    h->off = h->len = 0;
}

int hep_out_set_key(struct hep_out *h, const uint8_t *key, size_t key_len)
{
    if (key_len > sizeof(h->key))
        return ERR_LIMIT;
    memcpy(h->key, key, key_len);
    h->key_len = key_len;
    return 0;
}

void hep_out_send(struct hep_out *h, const struct sip_payload *pl)
{
    size_t n;

    if (h == NULL)
        return;
    n = hep_encode_key(h->pkt, sizeof(h->pkt), pl, h->id, h->key, h->key_len);
    if (n == 0) {
        h->dropped++;
        return;
    }
    if (!h->tcp) {
        if (send(h->fd, h->pkt, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n) {
            h->sent++;
        } else {
            h->dropped++;
            h->errors++;
        }
        return;
    }
    if (h->off > 0 && HEP_OUT_TCP_BUFFER - h->len < n) {
        memmove(h->buf, h->buf + h->off, h->len - h->off);
        h->len -= h->off;
        h->off = 0;
    }
    if (HEP_OUT_TCP_BUFFER - h->len < n || h->fd < 0) {
        tcp_flush(h);       /* may reconnect; the message itself is lost */
        h->dropped++;
        return;
    }
    memcpy(h->buf + h->len, h->pkt, n);
    h->len += n;
    h->sent++;
    tcp_flush(h);
}

void hep_out_stats(const struct hep_out *h, stats_fn fn, void *ud)
{
    if (h == NULL)
        return;
    fn(ud, "hep_out.sent", h->sent);
    fn(ud, "hep_out.dropped", h->dropped);
    fn(ud, "hep_out.errors", h->errors);
    fn(ud, "hep_out.reconnects", h->reconnects);
}
