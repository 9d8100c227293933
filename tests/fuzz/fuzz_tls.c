/*
 * fuzz_tls.c — libFuzzer target for the TLS tracker (src/stream/tls.c,
 * x509.c) behind the framer's TLS record cutting (frame.c FRAME_MODE_TLS):
 * records, handshake messages joined over records, ClientHello/ServerHello
 * extensions, certificates (DER), alerts, closes, evictions at a cap of 2
 * connections, and the end-of-input judgement.
 *
 * Input format: a sequence of chunks
 *     byte 0   bit 0: direction (0 client→server, 1 server→client);
 *              bit 1: FIN after the bytes; bit 2: RST after the bytes;
 *              bits 3-4: connection 0..3 (client port 40000 + n)
 *     bytes 1-2  length N (big-endian)
 *     N bytes  TCP payload of that direction, in order
 * Each direction keeps its own framer and buffer (as reasm_tcp does); every
 * record the framer cuts goes to tls_record, and every event's strings are
 * read in full (ASan checks their bounds).
 */
#include "fuzz_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size <= 300000)
        fuzz_tls_run(NULL, data, size);
    return 0;
}
