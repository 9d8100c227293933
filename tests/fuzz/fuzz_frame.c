/*
 * fuzz_frame.c — libFuzzer target for the framer alone (src/stream/frame.c,
 * ws.c): SIP by Content-Length, WebSocket upgrade and frames (masked,
 * fragmented, control), HEPv3 records, keep-alives, resynchronisation,
 * without reassembly in between (fuzz_reasm_tcp covers the two together).
 *
 * Input format:
 *     byte 0   bit 0: start mode (0 FRAME_MODE_START, as after a SYN;
 *              1 FRAME_MODE_SYNC, a mid-stream pick-up); bits 1-7: the
 *              largest message, 64 << (bits % 11) bytes
 *     byte 1   chunk size 1..256 (byte + 1): the stream arrives in pieces of
 *              this many bytes, framed after each, as reasm_tcp does
 *     rest     the stream bytes
 * Each framed message is read in full (ASan checks its bounds).
 */
#include <stdlib.h>
#include <string.h>

#include "stream/frame.h"
#include "stream/stream.h"

static void sink(void *ud, const uint8_t *p, size_t n, enum frame_kind k)
{
    volatile uint8_t *acc = ud;
    for (size_t i = 0; i < n; i++)
        *acc ^= p[i];
    *acc ^= (uint8_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct framer f = { 0 };
    struct frame_counters c = { 0 };
    volatile uint8_t acc = 0;
    uint8_t *buf;
    size_t held = 0, off = 2, chunk, max;

    if (size < 2 || size > 300000)
        return 0;
    f.mode = (data[0] & 1) ? FRAME_MODE_SYNC : FRAME_MODE_START;
    max = (size_t)64 << ((data[0] >> 1) % 11);
    chunk = (size_t)data[1] + 1;
    buf = malloc(size);
    if (buf == NULL)
        return 0;
    while (off < size && f.mode != FRAME_MODE_NONSIP) {
        size_t k = size - off < chunk ? size - off : chunk;
        memcpy(buf + held, data + off, k);
        held += k;
        off += k;
        size_t used = frame_run(&f, buf, held, max, &c, sink, (void *)&acc);
        if (used > held)
            abort();
        memmove(buf, buf + used, held - used);
        held -= used;
    }
    free(buf);
    return 0;
}
