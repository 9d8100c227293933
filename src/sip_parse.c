/* sip_parse.c — PLACEHOLDER until the SIP parser lands (issue 3). */
#include "sip.h"

#include <stdlib.h>

struct sip_parser {
    uint64_t rejects[SIP_REJ_COUNT];
};

struct sip_parser *sip_parser_new(const struct caps *caps)
{
    (void)caps;
    return calloc(1, sizeof(struct sip_parser));
}

void sip_parser_free(struct sip_parser *sp)
{
    free(sp);
}

int sip_parse(struct sip_parser *sp, const struct sip_payload *in, struct sip_msg *out)
{
    (void)in; (void)out;
    sp->rejects[SIP_REJ_not_sip]++;
    return SIP_REJ_not_sip;
}

const uint64_t *sip_parser_rejects(const struct sip_parser *sp)
{
    return sp->rejects;
}

const char *sip_reject_name(int reason)
{
    (void)reason;
    return "?";
}

enum sip_method sip_method_from_span(struct span s)
{
    (void)s;
    return SIP_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
    (void)m;
    return "?";
}
