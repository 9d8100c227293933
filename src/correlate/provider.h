/*
 * provider.h — one call each for what the engine asks provider profiles
 * (see profile.h for the data; src/correlate/provider.c for the binding).
 * Thread: the analysis thread; profiles are read-only after loading.
 * Pointers returned live as long as the profile set.
 */
#ifndef SIPSCOPE_PROVIDER_H
#define SIPSCOPE_PROVIDER_H

#include "util/addr.h"
#include "config/profile.h"
#include "util/span.h"

/* Load the profile search path plus dirs (NULL-terminated, may be NULL). */
int prov_load(const char *const *dirs, struct profile_set **out, char *errbuf);
void prov_free(struct profile_set *ps);
/* Provider of a trunk: by its signalling address, else the Request-URI host. */
const struct profile *prov_match(const struct profile_set *ps, const struct addr *server,
                                 struct span host);
const struct profile *prov_find(const struct profile_set *ps, const char *id);
const char *prov_id(const struct profile *p);
/* Carrier error header value ("32201 Source IP ...") → code entry; *code
 * gets the number even when the profile does not know it. */
const struct profile_code *prov_code(const struct profile *p, struct span value, int *code);
const struct profile_reason *prov_reason(const struct profile *p, int status, struct span phrase);
/* Provider fix lines for a finding kind ('\n'-separated), NULL if none. */
const char *prov_fix(const struct profile *p, const char *kind);

#endif
