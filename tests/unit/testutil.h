/*
 * testutil.h — shared helpers for the cmocka unit tests.
 */
#ifndef SIPSCOPE_TESTUTIL_H
#define SIPSCOPE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <cmocka.h>

/* Directory of the shared captures (../shared/pcaps), overridable by env. */
static inline const char *testutil_shared_pcaps(void)
{
    const char *d = getenv("SIPSCOPE_SHARED_PCAPS");
    return d != NULL ? d : "../shared/pcaps";
}

#endif
