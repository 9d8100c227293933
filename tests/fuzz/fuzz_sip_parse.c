/*
 * fuzz_sip_parse.c — libFuzzer target for sip_parse(): start line, header
 * scanning (folding, compact forms, NUL bytes, huge lines, thousands of
 * Via), the libosip2 per-header parsers it calls, Content-Length and SDP.
 *
 * Input format: the SIP payload bytes exactly as decode would hand them
 * over (one UDP datagram or one framed TCP message), copied into a buffer
 * of exactly that size. Every span of the result is read back (fuzz_sip.h).
 * Seeds: every SIP payload of shared/pcaps (make-corpus.py); dictionary
 * tests/fuzz/sip.dict.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_sip.h"
#include "sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct caps caps;
    struct sip_parser *sp;
    struct sip_msg m;
    uint8_t *buf;

    if (size > 200000)
        return 0;
    fuzz_small_caps(&caps);
    sp = sip_parser_new(&caps);
    if (sp == NULL)
        return 0;
    buf = malloc(size ? size : 1);
    if (buf == NULL) {
        sip_parser_free(sp);
        return 0;
    }
    memcpy(buf, data, size);
    struct sip_payload in;
    memset(&in, 0, sizeof(in));
    in.frame = 1;
    in.ts_us = 1700000000000000LL;
    in.transport = (size & 1) ? TRANSPORT_TCP : TRANSPORT_UDP;
    in.data = buf;
    in.len = size;
    memset(&m, 0, sizeof(m));
    int r = sip_parse(sp, &in, &m);
    if (r == SIP_OK)
        fuzz_touch_msg(&m);
    else if (r < 0 || r >= SIP_REJ_COUNT || sip_reject_name(r) == NULL)
        abort();    /* sip.h: SIP_OK or an enum sip_reject */
    (void)sip_parser_rejects(sp);
    free(buf);
    sip_parser_free(sp);
    return 0;
}
