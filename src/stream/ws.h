/*
 * ws.h — WebSocket framing (RFC 6455 §5.2) for SIP over WebSocket
 * (RFC 7118). Pure functions over a byte range; used by the framer
 * (frame.c) on the reassembled stream; private to the stream stage.
 * Any thread.
 */
#ifndef SIPSCOPE_WS_H
#define SIPSCOPE_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_frame {
    bool fin;
    uint8_t opcode;         /* 0 cont, 1 text, 2 binary, 8.. control */
    size_t hdr_len;         /* header bytes incl. mask key */
    size_t payload_len;
    bool masked;
    uint8_t mask[4];
};

/* Parse the frame header at p[0..n). Returns 1 when the whole frame (header
 * and payload) is present, 0 when more bytes are needed, -1 when the frame
 * is invalid or its payload is longer than max. */
int ws_frame_parse(const uint8_t *p, size_t n, size_t max, struct ws_frame *f);

/* Unmask payload bytes in place (no-op for unmasked frames). */
void ws_unmask(uint8_t *payload, size_t n, const struct ws_frame *f);

/*
 * Join a fragmented message that starts at p (first frame not FIN, opcode
 * text/binary): when every frame up to the FIN continuation is present,
 * unmask each payload and move it down over the headers so the message is
 * contiguous at p (control frames in between are dropped). Returns 1 with
 * *used (bytes of frames consumed) and *msg (message length), 0 when more
 * bytes are needed, -1 when a frame is invalid or the message exceeds max.
 */
int ws_join(uint8_t *p, size_t n, size_t max, size_t *used, size_t *msg);

/* True when p[0..n) begins an HTTP upgrade request ("GET ") or the 101
 * answer ("HTTP/1.1 101"), i.e. the handshake before WebSocket frames. */
bool ws_is_handshake(const uint8_t *p, size_t n);

#endif
