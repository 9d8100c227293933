/*
 * decode_sctp.c — SIP over SCTP (RFC 4168): the common header and DATA
 * (RFC 9260 §3.3.1) and I-DATA (RFC 8260) chunks. An unfragmented chunk
 * (B and E set) whose user data starts a SIP message is one payload, whatever
 * its PPID. Fragmented user messages are counted and skipped: SIP over SCTP
 * rarely exceeds one chunk and reassembly would need per-stream state.
 * Place in the flow: decode_ip → here → sip payloads.
 * Thread: the analysis thread that owns the decoder.
 */
#include "decode_int.h"

#define SCTP_DATA 0
#define SCTP_IDATA 64
#define SCTP_MAX_CHUNKS 64      /* bound the work per packet */

void decode_sctp(struct dctx *x, struct cursor c)
{
    uint16_t sport, dport;

    if (!cursor_be16(&c, &sport) || !cursor_be16(&c, &dport) || !cursor_skip(&c, 8)) {
        dctx_count(x, DC_SCTP_SHORT);
        return;
    }
    for (unsigned i = 0; i < SCTP_MAX_CHUNKS && cursor_left(&c) > 0; i++) {
        uint8_t type, flags;
        uint16_t clen;
        struct cursor ch;
        size_t hdr;

        if (!cursor_u8(&c, &type) || !cursor_u8(&c, &flags) || !cursor_be16(&c, &clen) ||
            clen < 4 || !cursor_sub(&c, (size_t)clen - 4, false, &ch)) {
            dctx_count(x, DC_SCTP_CHUNK_BAD);
            return;
        }
        /* Chunks are padded to 4 bytes; the last one may lack its padding. */
        cursor_skip(&c, (4 - (clen & 3)) & 3);
        if (type != SCTP_DATA && type != SCTP_IDATA)
            continue;
        hdr = type == SCTP_DATA ? 12 : 16;  /* after the 4-byte chunk header */
        if (!cursor_skip(&ch, hdr)) {
            dctx_count(x, DC_SCTP_CHUNK_BAD);
            continue;
        }
        if ((flags & 0x03) != 0x03) {
            dctx_count(x, DC_SCTP_FRAGMENTED);
            continue;
        }
        if (decode_is_sip(cursor_ptr(&ch), cursor_left(&ch)))
            decode_emit(x, cursor_ptr(&ch), cursor_left(&ch), TRANSPORT_SCTP, sport, dport);
        else
            dctx_count(x, DC_SCTP_NOT_SIP);
    }
}
