/*
 * fuzz_reasm_tcp.c — libFuzzer target for TCP stream reassembly (reasm_tcp)
 * and framing on a stream (frame.c; fuzz_frame takes the framer alone):
 * out-of-order, overlapping, retransmitted and far-out-of-window segments,
 * SYN/FIN/RST, several SIP messages in one segment, one message across
 * many, Content-Length lies, more streams than the tcp_streams cap (small
 * caps: 4 streams, 8 KiB per stream).
 *
 * The harness builds the Ethernet/IPv4/TCP headers itself so every input
 * byte goes to the stream logic, not to header parsing (fuzz_decode covers
 * that). Input format: a sequence of records
 *     byte 0   bit 0 direction (0: 198.51.100.1:5060+s -> 203.0.113.1:5060,
 *              1: the reverse); bit 1 SYN; bit 2 FIN; bit 3 RST;
 *              bit 4 "far": add 0x40000000 to the sequence number;
 *              bits 5-7 stream s (0..7)
 *     bytes 1-2  signed big-endian delta from the next expected sequence
 *                number of that stream direction (negative: overlap or
 *                retransmission; positive: a gap)
 *     bytes 3-4  payload length (big-endian, clipped to what is left)
 *     payload
 * Each record is one frame 1 ms after the previous one; every 64th frame
 * runs decode_expire. Seeds: make-corpus.py turns the TCP captures in
 * shared/pcaps into this format, plus synthetic SIP-over-TCP records.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caps caps;
    struct sip_payload out[16];
    struct decoder *d;
    uint32_t next[8][2];
    size_t off = 0;
    uint64_t k = 0;
    const int64_t ts = 1700000000000000LL;

    if (size > 300000)
        return 0;
    fuzz_small_caps(&caps);
    d = decoder_new(&caps);
    if (d == NULL)
        return 0;
    for (int s = 0; s < 8; s++) {
        next[s][0] = 1000u + (uint32_t)s * 100000u;
        next[s][1] = 5000000u + (uint32_t)s * 100000u;
    }
    while (size - off >= 5 && k < 4096) {
        uint8_t c = data[off];
        int dir = c & 1, s = c >> 5;
        int16_t delta = (int16_t)(((uint16_t)data[off + 1] << 8) | data[off + 2]);
        size_t plen = ((size_t)data[off + 3] << 8) | data[off + 4];
        off += 5;
        if (plen > size - off)
            plen = size - off;
        uint32_t seq = next[s][dir] + (uint32_t)(int32_t)delta;
        if (c & 0x10)
            seq += 0x40000000u;
        size_t flen = 34 + 20 + plen;
        uint8_t *f = malloc(flen);
        if (f == NULL)
            break;
        fuzz_eth_ipv4(f, 6, 20 + plen, 1, 1);
        if (dir) {  /* swap the IPv4 addresses */
            uint8_t tmp[4];
            memcpy(tmp, f + 26, 4);
            memcpy(f + 26, f + 30, 4);
            memcpy(f + 30, tmp, 4);
        }
        uint8_t *t = f + 34;
        uint16_t pa = (uint16_t)(5060 + s), pb = 5060;
        fuzz_put16(t, dir ? pb : pa);
        fuzz_put16(t + 2, dir ? pa : pb);
        fuzz_put32(t + 4, seq);
        fuzz_put32(t + 8, next[s][!dir]);
        t[12] = 5 << 4;
        uint8_t fl = 0x08; /* PSH */
        if (c & 0x02) fl |= 0x02;   /* SYN */
        if (c & 0x04) fl |= 0x01;   /* FIN */
        if (c & 0x08) fl |= 0x04;   /* RST */
        if (!((c & 0x02) && dir == 0)) fl |= 0x10; /* ACK except on a client SYN */
        t[13] = fl;
        fuzz_put16(t + 14, 65535);
        t[16] = t[17] = t[18] = t[19] = 0;
        memcpy(t + 20, data + off, plen);
        off += plen;
        uint32_t end = seq + (uint32_t)plen + ((c & 0x02) ? 1u : 0u);
        if ((int32_t)(end - next[s][dir]) > 0)
            next[s][dir] = end;
        struct packet pkt = { .frame = ++k, .ts_us = ts + (int64_t)k * 1000,
                              .caplen = (uint32_t)flen, .len = (uint32_t)flen,
                              .linktype = 1, .data = f };
        size_t n = decode_packet(d, &pkt, out, 16);
        for (size_t i = 0; i < n && i < 16; i++) {
            volatile uint8_t sink = 0;
            for (size_t j = 0; j < out[i].len; j++)
                sink ^= out[i].data[j];
            (void)sink;
        }
        free(f);
        if ((k & 63) == 0)
            decode_expire(d, pkt.ts_us);
    }
    decode_expire(d, ts + 3600000000LL);
    decoder_free(d);
    return 0;
}
