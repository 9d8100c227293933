/*
 * packet.h — one captured frame, as the capture thread copies it into the
 * ring and the analysis thread reads it back.
 *
 * The bytes pointed to by data belong to the ring slot (or to the caller in
 * tests) and are valid only until the consumer releases that record.
 */
#ifndef SIPSCOPE_PACKET_H
#define SIPSCOPE_PACKET_H

#include <stdint.h>

struct packet {
    uint64_t frame;         /* 1-based frame number, as tshark counts */
    int64_t ts_us;          /* capture time, microseconds since the epoch */
    uint32_t caplen;        /* bytes present in data */
    uint32_t len;           /* bytes on the wire */
    int linktype;           /* DLT_* of the capture */
    const uint8_t *data;
};

#endif
