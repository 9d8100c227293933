/*
 * decode_build.h — packet builders for the decode and reassembly unit tests:
 * each wrap_* writes one header in front of a payload (inside out), so a
 * test states its layers in the order a reader checks them.
 */
#ifndef SIPSCOPE_DECODE_BUILD_H
#define SIPSCOPE_DECODE_BUILD_H

#include <stdint.h>
#include <string.h>

#include "caps.h"
#include "decode/decode.h"
#include "stat_lookup.h"
#include <stdio.h>

#define PKT_MAX 70000

struct pkt {
    uint8_t b[PKT_MAX];
    size_t n;
};

static inline void pkt_set(struct pkt *p, const void *data, size_t n)
{
    if (n > 0)
        memmove(p->b, data, n);
    p->n = n;
}

/* Put h (hn bytes) in front of the current contents. */
static inline void pkt_push(struct pkt *p, const void *h, size_t hn)
{
    memmove(p->b + hn, p->b, p->n);
    memcpy(p->b, h, hn);
    p->n += hn;
}

static inline void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void put32(uint8_t *b, uint32_t v)
{
    put16(b, (uint16_t)(v >> 16));
    put16(b + 2, (uint16_t)v);
}

static inline void wrap_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
    uint8_t h[8] = { 0 };
    put16(h, sport);
    put16(h + 2, dport);
    put16(h + 4, (uint16_t)(p->n + 8));
    pkt_push(p, h, 8);
}

static inline void wrap_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
                            uint8_t flags)
{
    uint8_t h[20] = { 0 };
    put16(h, sport);
    put16(h + 2, dport);
    put32(h + 4, seq);
    h[12] = 5 << 4;
    h[13] = flags;
    put16(h + 14, 65535);
    pkt_push(p, h, 20);
}

/* frag: the 16-bit flags/offset word (MF 0x2000, offset in 8-byte units). */
static inline void wrap_ipv4_full(struct pkt *p, const char *src, const char *dst,
                                  uint8_t proto, uint16_t id, uint16_t frag,
                                  const uint8_t *opts, size_t optlen)
{
    uint8_t h[60] = { 0 };
    size_t hl = 20 + optlen;
    h[0] = (uint8_t)(0x40 | (hl / 4));
    put16(h + 2, (uint16_t)(p->n + hl));
    put16(h + 4, id);
    put16(h + 6, frag);
    h[8] = 64;
    h[9] = proto;
    unsigned a[4];
    sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++)
        h[12 + i] = (uint8_t)a[i];
    sscanf(dst, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    for (int i = 0; i < 4; i++)
        h[16 + i] = (uint8_t)a[i];
    if (optlen > 0)
        memcpy(h + 20, opts, optlen);
    pkt_push(p, h, hl);
}

static inline void wrap_ipv4(struct pkt *p, uint8_t proto)
{
    wrap_ipv4_full(p, "192.0.2.1", "198.51.100.2", proto, 1, 0, NULL, 0);
}

/* IPv6 2001:db8::1 → 2001:db8::2; nxt is the first header after it. */
static inline void wrap_ipv6(struct pkt *p, uint8_t nxt)
{
    uint8_t h[40] = { 0 };
    h[0] = 0x60;
    put16(h + 4, (uint16_t)p->n);
    h[6] = nxt;
    h[7] = 64;
    h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1;
    h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2;
    pkt_push(p, h, 40);
}

/* A generic IPv6 extension header of 8 bytes (hop-by-hop, dest opts, routing). */
static inline void wrap_ipv6_ext8(struct pkt *p, uint8_t nxt)
{
    uint8_t h[8] = { nxt, 0, 1, 4, 0, 0, 0, 0 };   /* PadN option */
    pkt_push(p, h, 8);
}

static inline void wrap_eth(struct pkt *p, uint16_t type)
{
    uint8_t h[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    put16(h + 12, type);
    pkt_push(p, h, 14);
}

/* Ethernet with 802.1Q/802.1ad tags: tpids[0] is the outermost. */
static inline void wrap_eth_tags(struct pkt *p, const uint16_t *tpids, size_t ntags,
                                 uint16_t type)
{
    uint8_t h[14 + 4 * 16] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    size_t o = 12;
    for (size_t i = 0; i < ntags && i < 16; i++) {
        put16(h + o, tpids[i]);
        put16(h + o + 2, (uint16_t)(100 + i));
        o += 4;
    }
    put16(h + o, type);
    pkt_push(p, h, o + 2);
}

static const char SIP_REQ[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: abc@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char SIP_RESP[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
    "Call-ID: abc@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "l: 4\r\n"
    "\r\n"
    "body";

#endif

static inline uint64_t dstat(const struct decoder *d, const char *name)
{
    return STAT_GET(decode_stats, d, name);
}

static inline uint64_t derrsum(const struct decoder *d)
{
    struct stat_q q = STAT_Q(NULL);
    decode_stats(d, stat_cb, &q);
    return q.errsum;
}

static inline size_t run_pkt(struct decoder *d, int lt, const struct pkt *p, uint64_t frame,
                             int64_t ts_us, struct sip_payload *out, size_t max)
{
    struct packet k = { frame, ts_us, (uint32_t)p->n, (uint32_t)p->n, lt, p->b };
    return decode_packet(d, &k, out, max);
}

static inline struct decoder *new_decoder(void (*tweak)(struct caps *))
{
    struct caps c;
    caps_default(&c);
    if (tweak != NULL)
        tweak(&c);
    struct decoder *d = decoder_new(&c);
    assert_non_null(d);
    return d;
}
