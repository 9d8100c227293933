/*
 * fuzz_hep.c — libFuzzer target for HEP (v1, v2, v3) decapsulation: chunk
 * lengths that lie, nested or repeated chunks, bad address families, a
 * payload chunk longer than the datagram (sngrep #532).
 *
 * Input format: the UDP payload. The harness wraps it in Ethernet/IPv4/UDP
 * from 198.51.100.1:9060 to 203.0.113.1:9060 (HEP is found by content on
 * any port) and runs decode_packet; every payload returned is read in full.
 * Seeds: the HEP datagrams of hep-wireshark__hep.pcap (make-corpus.py).
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

    if (size > 65000)
        return 0;
    fuzz_small_caps(&caps);
    d = decoder_new(&caps);
    if (d == NULL)
        return 0;
    size_t flen = 34 + 8 + size;
    uint8_t *f = malloc(flen);
    if (f == NULL) {
        decoder_free(d);
        return 0;
    }
    fuzz_eth_ipv4(f, 17, 8 + size, 1, 1);
    fuzz_put16(f + 34, 9060);
    fuzz_put16(f + 36, 9060);
    fuzz_put16(f + 38, (uint16_t)(8 + size));
    fuzz_put16(f + 40, 0);          /* no UDP checksum */
    memcpy(f + 42, data, size);
    struct packet pkt = { .frame = 1, .ts_us = 1700000000000000LL, .caplen = (uint32_t)flen,
                          .len = (uint32_t)flen, .linktype = 1, .data = f };
    size_t n = decode_packet(d, &pkt, out, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        volatile uint8_t sink = 0;
        for (size_t j = 0; j < out[i].len; j++)
            sink ^= out[i].data[j];
        (void)sink;
    }
    free(f);
    decoder_free(d);
    return 0;
}
