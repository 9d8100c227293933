/*
 * fuzz_hep_frame.c — libFuzzer target for the HEP receiver's admission
 * (src/capture/hep_frame.c): the HEPv3 stream framer fed in pieces of
 * fuzz-chosen sizes (several records per read, one record over many,
 * oversize records skipped by their length, framing lost), each framed
 * record through the gate with and without a key; and the whole input as
 * one UDP datagram through the gate.
 *
 * Input format: byte 0 selects the largest record admitted (max 64 * (b0 +
 * 1), so oversize is reached) and bit 0 of byte 1 whether the key "k" is
 * configured; the rest is a sequence of [length byte L][L bytes], each
 * written to the framer as one read (L 0 means 255).
 * Seeds: HEP datagrams of the shared captures (make-corpus.py, as fuzz_hep)
 * are accepted as they are: any bytes are a valid input.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/hep_frame.h"
#include "fuzz_common.h"

static struct hep_framer fr;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[] = "k";
    struct hep_rec r;
    size_t max, off = 2;
    bool keyed;

    if (size < 2)
        return 0;
    max = 64 * ((size_t)data[0] + 1);
    if (max > HEP_FRAME_BUF - 1)
        max = HEP_FRAME_BUF - 1;
    keyed = data[1] & 1;
    hep_gate(data + 2, size - 2, keyed ? key : NULL, keyed ? 1 : 0, max, &r);
    hep_framer_reset(&fr);
    while (off < size) {
        size_t want = data[off] ? data[off] : 255, room;
        uint8_t *p;
        off++;
        if (want > size - off)
            want = size - off;
        p = hep_frame_room(&fr, &room);
        if (want > room)
            want = room;
        memcpy(p, data + off, want);
        hep_frame_fill(&fr, want);
        off += want;
        for (;;) {
            const uint8_t *rec;
            size_t n;
            enum hep_frame_rc rc = hep_frame_next(&fr, max, &rec, &n);
            if (rc == HEP_FRAME_NEED)
                break;
            if (rc == HEP_FRAME_BAD)
                return 0;   /* the receiver closes the stream */
            if (rc == HEP_FRAME_RECORD) {
                /* A framed record is whole and within the maximum. */
                if (n < 6 || n > max || memcmp(rec, "HEP3", 4) != 0 ||
                    (((size_t)rec[4] << 8) | rec[5]) != n)
                    abort();
                hep_gate(rec, n, keyed ? key : NULL, keyed ? 1 : 0, max, &r);
                if (r.len != n)
                    abort();
            }
        }
        if (hep_frame_pending(&fr) > HEP_FRAME_BUF)
            abort();
    }
    return 0;
}
