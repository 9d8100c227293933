/*
 * hep_in.c — the HEP receiver (see hep_in.h): a UDP socket whose datagrams
 * become DLT_RAW packets for the ring. The synthesized IP/UDP header only
 * says who sent the HEP to us (the agent) and where it arrived; the SIP's
 * own addresses, ports and time come from inside the HEP (decode_hep.c),
 * which checks every length itself (no inner length is trusted here
 * either: the datagram's size is what recvmsg returned).
 *
 * Place in the flow: capture (this replaces libpcap) → ring → decode.
 * Owning thread: the capture thread (recv); no parsing, no malloc after
 * open, no stdio.
 */
#include "hep_in.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"

#define HDR_MAX (40 + 8)    /* IPv6 + UDP */

struct hep_in {
    int fd;
    int family;
    struct sockaddr_storage local;
    uint64_t received;
    uint8_t pkt[HDR_MAX + HEP_IN_MAX];
};

static bool parse_spec(const char *s, struct sockaddr_storage *sa, socklen_t *len)
{
    char host[64] = "0.0.0.0";
    const char *port = s;
    char *end;
    unsigned long p;

    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        size_t hl;
        if (rb == NULL || rb[1] != ':')
            return false;
        hl = (size_t)(rb - s - 1);
        if (hl == 0 || hl >= sizeof(host))
            return false;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        port = rb + 2;
    } else if (strchr(s, ':') != NULL) {
        const char *c = strrchr(s, ':');
        size_t hl = (size_t)(c - s);
        if (hl == 0 || hl >= sizeof(host) || memchr(s, ':', hl) != NULL)
            return false;
        memcpy(host, s, hl);
        host[hl] = '\0';
        port = c + 1;
    }
    if (*port < '0' || *port > '9')
        return false;
    errno = 0;
    p = strtoul(port, &end, 10);
    if (errno != 0 || *end != '\0' || p == 0 || p > 65535)
        return false;
    memset(sa, 0, sizeof(*sa));
    if (s[0] == '[') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return false;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return false;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        *len = sizeof(*a);
    }
    return true;
}

struct hep_in *hep_in_open(const char *spec, char *errbuf)
{
    struct hep_in *h = calloc(1, sizeof(*h));
    socklen_t len;
    int on = 1, rcvbuf = 4 << 20;

    if (h == NULL) {
        err_set(errbuf, "--hep-in: out of memory");
        return NULL;
    }
    if (!parse_spec(spec, &h->local, &len)) {
        err_set(errbuf, "--hep-in %s: expected PORT, ADDRESS:PORT or [IPv6]:PORT "
                        "(numeric, port 1-65535)", spec);
        free(h);
        return NULL;
    }
    h->family = h->local.ss_family;
    h->fd = socket(h->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (h->fd < 0) {
        err_set(errbuf, "--hep-in %s: socket: %s", spec, strerror(errno));
        free(h);
        return NULL;
    }
    /* The arrival address of each datagram, for the synthesized header. */
    if (h->family == AF_INET)
        setsockopt(h->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
    else
        setsockopt(h->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
    /* Bursts from many agents: a larger buffer (capped by rmem_max). */
    setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (bind(h->fd, (struct sockaddr *)&h->local, len) != 0) {
        err_set(errbuf, "--hep-in %s: bind: %s", spec, strerror(errno));
        close(h->fd);
        free(h);
        return NULL;
    }
    return h;
}

void hep_in_close(struct hep_in *h)
{
    if (h == NULL)
        return;
    close(h->fd);
    free(h);
}

uint64_t hep_in_received(const struct hep_in *h)
{
    return h->received;
}

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += ((uint32_t)b[i] << 8) | b[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

int hep_in_recv(struct hep_in *h, int timeout_ms, struct timeval *ts, const uint8_t **pkt,
                uint32_t *len)
{
    struct pollfd pfd = { h->fd, POLLIN, 0 };
    struct sockaddr_storage from;
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    size_t hdr = h->family == AF_INET ? 28 : 48;
    struct iovec iov = { h->pkt + hdr, HEP_IN_MAX };
    struct msghdr mh = { 0 };
    struct timespec now;
    uint8_t dst[16] = { 0 };
    uint8_t *ip = h->pkt;
    ssize_t n;
    int rc = poll(&pfd, 1, timeout_ms);

    if (rc == 0 || (rc < 0 && errno == EINTR))
        return 0;
    if (rc < 0)
        return ERR_IO;
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    n = recvmsg(h->fd, &mh, MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : ERR_IO;
    h->received++;
    if (n < 6 || from.ss_family != h->family)
        return 0;
    clock_gettime(CLOCK_REALTIME, &now);
    ts->tv_sec = now.tv_sec;
    ts->tv_usec = now.tv_nsec / 1000;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
            memcpy(dst, &pi.ipi_addr, 4);
        } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
            memcpy(dst, &pi.ipi6_addr, 16);
        }
    }
    memset(ip, 0, hdr);
    if (h->family == AF_INET) {
        const struct sockaddr_in *f = (const struct sockaddr_in *)&from;
        const struct sockaddr_in *l = (const struct sockaddr_in *)&h->local;
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(hdr + (size_t)n));
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, &f->sin_addr, 4);
        memcpy(ip + 16, dst, 4);
        put16(ip + 10, ip_checksum(ip, 20));
        memcpy(ip + 20, &f->sin_port, 2);
        memcpy(ip + 22, &l->sin_port, 2);
        put16(ip + 24, (uint16_t)(8 + (size_t)n));
    } else {
        const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)&from;
        const struct sockaddr_in6 *l = (const struct sockaddr_in6 *)&h->local;
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(8 + (size_t)n));
        ip[6] = 17;
        ip[7] = 64;
        memcpy(ip + 8, &f->sin6_addr, 16);
        memcpy(ip + 24, dst, 16);
        memcpy(ip + 40, &f->sin6_port, 2);
        memcpy(ip + 42, &l->sin6_port, 2);
        put16(ip + 44, (uint16_t)(8 + (size_t)n));
    }
    *pkt = ip;
    *len = (uint32_t)(hdr + (size_t)n);
    return 1;
}
