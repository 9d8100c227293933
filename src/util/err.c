/*
 * err.c — error strings and the errbuf helper (see err.h). Any thread.
 */
#include "err.h"

#include <stdio.h>

const char *err_str(int e)
{
    switch (e) {
    case ERR_OK: return "ok";
    case ERR_NOMEM: return "out of memory";
    case ERR_IO: return "I/O error";
    case ERR_LIMIT: return "limit reached";
    case ERR_INVAL: return "invalid argument";
    case ERR_FORMAT: return "bad format";
    case ERR_UNSUPP: return "unsupported";
    case ERR_PERM: return "permission refused";
    case ERR_TRUNC: return "truncated";
    case ERR_AGAIN: return "try again";
    default: return "unknown error";
    }
}

void err_set(char *errbuf, const char *fmt, ...)
{
    va_list ap;

    if (errbuf == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
    va_end(ap);
}
