/* decode.c — PLACEHOLDER until the decode work lands (issue 3). */
#include "decode.h"

#include <stdlib.h>

struct decoder {
    int unused;
};

struct decoder *decoder_new(const struct caps *caps)
{
    (void)caps;
    return calloc(1, sizeof(struct decoder));
}

void decoder_free(struct decoder *d)
{
    free(d);
}

bool decode_linktype_supported(int linktype)
{
    return linktype == 1;
}

size_t decode_packet(struct decoder *d, const struct packet *pkt, struct sip_payload *out,
                     size_t max)
{
    (void)d; (void)pkt; (void)out; (void)max;
    return 0;
}

void decode_expire(struct decoder *d, int64_t now_us)
{
    (void)d; (void)now_us;
}

void decode_stats(const struct decoder *d, stats_fn fn, void *ud)
{
    (void)d; (void)fn; (void)ud;
}
