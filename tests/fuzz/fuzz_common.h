/*
 * fuzz_common.h — helpers shared by the libFuzzer targets in tests/fuzz/:
 * small caps (so one input can reach every table's cap and its eviction
 * path), a link-type selector byte, and builders that wrap fuzz bytes in
 * Ethernet/IPv4/UDP or TCP headers so a target can aim at one layer.
 *
 * Every target defines LLVMFuzzerTestOneInput; replay.c (no libFuzzer) runs
 * files through the same function for `make check` and AFL++-style replay.
 * Thread: single-threaded, like libFuzzer.
 */
#ifndef SIPSCOPE_FUZZ_COMMON_H
#define SIPSCOPE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Caps small enough that a fuzz input of a few KB fills every table, so the
 * eviction code runs too; the per-message size cap stays at its default.
 */
static inline void fuzz_small_caps(struct caps *c)
{
    caps_default(c);
    c->ring_bytes = 1u << 16;
    c->ip_frag_trackers = 4;
    c->ip_frag_bytes = 16384;
    c->ip_frag_timeout_ms = 2000;
    c->tcp_streams = 4;
    c->tcp_stream_bytes = 8192;
    c->tcp_total_bytes = 16384;
    c->tcp_timeout_ms = 5000;
    c->transactions = 16;
    c->dialogs = 16;
    c->auth_exchanges = 16;
    c->peers = 8;
    c->sources = 16;
    c->findings = 16;
    c->evidence_per_finding = 4;
    c->messages_kept = 16;
}

/* DLT_* values a selector byte maps to: every link type sipscope decodes, plus
 * a few it must refuse cleanly (9 PPP bare, 147 user0, 1000 nonsense). */
static const int fuzz_linktypes[] = {
    1,   /* EN10MB */
    113, /* LINUX_SLL */
    276, /* LINUX_SLL2 */
    12,  /* RAW */
    101, /* LINKTYPE_RAW */
    228, /* IPV4 */
    229, /* IPV6 */
    0,   /* NULL */
    108, /* LOOP */
    9,   /* PPP */
    147, /* USER0: unsupported */
    1000,
};

static inline int fuzz_linktype(uint8_t sel)
{
    return fuzz_linktypes[sel % (sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]))];
}

static inline size_t fuzz_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

static inline size_t fuzz_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return 4;
}

/* Ethernet (IPv4 ethertype) + IPv4 header with no options; returns 34.
 * Addresses are documentation ranges: 198.51.100.a -> 203.0.113.b. */
static inline size_t fuzz_eth_ipv4(uint8_t *f, uint8_t proto, size_t l4len, uint8_t a, uint8_t b)
{
    static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    uint8_t *ip = f + 14;
    memcpy(f, mac, 12);
    f[12] = 0x08;
    f[13] = 0x00;
    ip[0] = 0x45;
    ip[1] = 0;
    fuzz_put16(ip + 2, (uint16_t)(20 + l4len));
    fuzz_put16(ip + 4, 1);
    fuzz_put16(ip + 6, 0x4000);     /* DF, not a fragment */
    ip[8] = 64;
    ip[9] = proto;
    ip[10] = ip[11] = 0;            /* checksum not verified by decoders */
    ip[12] = 198; ip[13] = 51; ip[14] = 100; ip[15] = a;
    ip[16] = 203; ip[17] = 0; ip[18] = 113; ip[19] = b;
    return 34;
}

#endif
