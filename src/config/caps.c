/*
 * caps.c — default limits and their command-line overrides (see caps.h).
 * Main thread, at start-up only.
 */
#include "caps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void caps_default(struct caps *c)
{
#define CAPS_INIT(name, def, doc) c->name = (def);
    CAPS_FIELDS(CAPS_INIT)
#undef CAPS_INIT
}

int caps_set(struct caps *c, const char *assignment, char *errbuf)
{
    const char *eq = strchr(assignment, '=');
    char *end;
    unsigned long long v;
    size_t klen;

    if (eq == NULL) {
        err_set(errbuf, "--cap %s: expected NAME=VALUE", assignment);
        return ERR_INVAL;
    }
    klen = (size_t)(eq - assignment);
    errno = 0;
    v = strtoull(eq + 1, &end, 10);
    /* strtoull accepts "-5" (as 2^64-5) and leading spaces: digits only. */
    if (errno != 0 || eq[1] < '0' || eq[1] > '9' || *end != '\0' || v == 0) {
        err_set(errbuf, "--cap %s: value must be a positive integer", assignment);
        return ERR_INVAL;
    }
#define CAPS_MATCH(name, def, doc) \
    if (klen == sizeof(#name) - 1 && memcmp(assignment, #name, klen) == 0) { \
        c->name = v; \
        return 0; \
    }
    CAPS_FIELDS(CAPS_MATCH)
#undef CAPS_MATCH
    err_set(errbuf, "--cap %.*s: unknown limit", (int)klen, assignment);
    return ERR_INVAL;
}
