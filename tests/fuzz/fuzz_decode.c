/*
 * fuzz_decode.c — libFuzzer target for one frame through decode_packet():
 * link layer, VLAN/QinQ, IPv4/IPv6 (options, extension headers), tunnels,
 * UDP/TCP/SCTP, HEP and the SIP content detector.
 *
 * Input format: byte 0 selects the link type (fuzz_linktype(): Ethernet,
 * SLL, SLL2, RAW, IPV4, IPV6, NULL, LOOP, and unsupported ones); bytes 1..
 * are the captured frame (caplen = len = size - 1). A fresh decoder with
 * small caps per input keeps runs reproducible.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caps caps;
    struct sip_payload out[8];
    struct packet pkt;
    struct decoder *d;
    uint8_t *frame;

    if (size < 1 || size > 70000)
        return 0;
    fuzz_small_caps(&caps);
    d = decoder_new(&caps);
    if (d == NULL)
        return 0;
    /* a private copy, so ASan sees a read past the frame as overflow */
    frame = malloc(size - 1 ? size - 1 : 1);
    if (frame == NULL) {
        decoder_free(d);
        return 0;
    }
    memcpy(frame, data + 1, size - 1);
    memset(&pkt, 0, sizeof(pkt));
    pkt.frame = 1;
    pkt.ts_us = 1700000000000000LL;
    pkt.caplen = (uint32_t)(size - 1);
    pkt.len = (uint32_t)(size - 1);
    pkt.linktype = fuzz_linktype(data[0]);
    pkt.data = frame;
    (void)decode_linktype_supported(pkt.linktype);
    size_t n = decode_packet(d, &pkt, out, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        /* touch every payload byte: it must lie inside valid memory */
        volatile uint8_t sink = 0;
        for (size_t j = 0; j < out[i].len; j++)
            sink ^= out[i].data[j];
        (void)sink;
    }
    decode_expire(d, pkt.ts_us + 3600000000LL);
    free(frame);
    decoder_free(d);
    return 0;
}
