/*
 * err.h — error codes shared by every module.
 *
 * Functions return 0 on success, a negative enum err on failure, or a
 * documented count. Setup and I/O failures also fill a caller-supplied
 * errbuf (ERRBUF_SIZE bytes) with context, as libpcap does. A malformed
 * packet is never an error: it is a drop reason and a named counter.
 */
#ifndef SIPSCOPE_ERR_H
#define SIPSCOPE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define ERRBUF_SIZE 1024

enum err {
    ERR_OK = 0,
    ERR_NOMEM = -1,     /* allocation failed */
    ERR_IO = -2,        /* read/write/open failed (errno-based) */
    ERR_LIMIT = -3,     /* a cap was reached */
    ERR_INVAL = -4,     /* bad argument or bad input from a person */
    ERR_FORMAT = -5,    /* file is not what it claims to be */
    ERR_UNSUPP = -6,    /* valid but unsupported (link type, ...) */
    ERR_PERM = -7,      /* permission refused (secrets file mode, privileges) */
    ERR_TRUNC = -8,     /* input ended early */
    ERR_AGAIN = -9,     /* nothing now, try later */
};

const char *err_str(int e);

/* snprintf into errbuf (may be NULL); never overflows, always terminates. */
void err_set(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
