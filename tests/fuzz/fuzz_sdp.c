/*
 * fuzz_sdp.c — libFuzzer target for the SDP parser (src/media/sdp.c): the
 * input is one SDP body, as a SIP message's application/sdp body would carry
 * it; every field of the result is read back through the accessors
 * (sdp_media_addr, sdp_media_dir, sdp_codec for every payload type), and
 * the invariants a caller relies on are checked (bounded counts, NUL-terminated
 * printable codec names).
 *
 * Input format: the SDP body bytes (no framing); or, when the input holds a
 * NUL byte, a Content-Type value, NUL, and a SIP body: sdp_in_body finds its
 * SDP part (multipart/mixed or alternative, RFC 2046 §5.1), which must lie
 * inside the body, and that part is parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "media/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sdp s;
    struct addr a;
    uint32_t clock;
    char buf[ADDR_STRLEN];

    const uint8_t *nul;

    if (size > 65536)
        return 0;
    nul = memchr(data, '\0', size);
    if (nul != NULL) {
        const uint8_t *body = nul + 1, *part = NULL;
        size_t body_n = size - (size_t)(body - data), part_n = 0;
        if (!sdp_in_body(data, (size_t)(nul - data), body, body_n, &part, &part_n))
            return 0;
        if (part < body || part_n > body_n || (size_t)(part - body) > body_n - part_n)
            abort();
        data = part;
        size = part_n;
    }
    (void)sdp_parse(data, size, &s);
    if (s.n_media > SDP_MAX_MEDIA)
        abort();
    for (unsigned i = 0; i <= s.n_media; i++) {     /* one past the end: refused */
        bool has = sdp_media_addr(&s, i, &a);
        if (i == s.n_media && has)
            abort();
        if (has)
            addr_str(&a, buf, sizeof(buf));
        if (sdp_dir_name(sdp_media_dir(&s, i)) == NULL)
            abort();
        if (i == s.n_media)
            break;
        const struct sdp_media *m = &s.media[i];
        if (m->n_fmt > SDP_MAX_FMT)
            abort();
        for (unsigned k = 0; k < m->n_fmt; k++) {
            if (memchr(m->fmt[k].name, '\0', SDP_CODEC_LEN) == NULL || m->fmt[k].pt > 127)
                abort();
            (void)sdp_codec(m, m->fmt[k].pt, &clock);
        }
        for (unsigned pt = 0; pt < 128; pt++)
            (void)sdp_codec(m, (uint8_t)pt, &clock);
    }
    return 0;
}
