/*
 * fuzz_reasm_ip.c — libFuzzer target for a sequence of frames through one
 * decoder, aimed at IPv4/IPv6 fragment reassembly (reasm_ip): overlaps,
 * duplicates, lying total lengths, floods past the tracker and byte caps,
 * timeouts by packet time.
 *
 * Input format: byte 0 selects the link type (as fuzz_decode), then frames,
 * each a 2-byte big-endian length followed by that many bytes (a short last
 * frame is fed as it is). Frame k has time base + k * 1 ms; every 64th frame
 * also runs decode_expire. Seeds: fragmented captures (sngrep__ipv6frag,
 * SIP-proxy-zadanie1__video_call) cut by tests/fuzz/make-corpus.py.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caps caps;
    struct sip_payload out[8];
    struct decoder *d;
    size_t off = 1;
    uint64_t k = 0;
    int64_t ts = 1700000000000000LL;

    if (size < 1 || size > 200000)
        return 0;
    fuzz_small_caps(&caps);
    d = decoder_new(&caps);
    if (d == NULL)
        return 0;
    int lt = fuzz_linktype(data[0]);
    while (off < size && k < 4096) {
        size_t len = 0;
        if (size - off >= 2) {
            len = ((size_t)data[off] << 8) | data[off + 1];
            off += 2;
        } else {
            off = size;
        }
        if (len > size - off)
            len = size - off;
        uint8_t *frame = malloc(len ? len : 1);
        if (frame == NULL)
            break;
        memcpy(frame, data + off, len);
        off += len;
        struct packet pkt = { .frame = ++k, .ts_us = ts + (int64_t)k * 1000,
                              .caplen = (uint32_t)len, .len = (uint32_t)len,
                              .linktype = lt, .data = frame };
        size_t n = decode_packet(d, &pkt, out, 8);
        for (size_t i = 0; i < n && i < 8; i++) {
            volatile uint8_t sink = 0;
            for (size_t j = 0; j < out[i].len; j++)
                sink ^= out[i].data[j];
            (void)sink;
        }
        free(frame);
        if ((k & 63) == 0)
            decode_expire(d, pkt.ts_us);
    }
    decode_expire(d, ts + 3600000000LL);
    decoder_free(d);
    return 0;
}
