/*
 * provider.c — the engine's one-call-each door to provider profiles
 * (profile.h, written by h6): load, match a peer, explain a carrier code or
 * reason phrase, fetch a provider's fix text for a finding kind.
 *
 * Kept apart so the engine does not depend on how profiles are stored.
 * Until src/profile.c lands in the tree these answer "no profile" (NULL),
 * and the generic phrase rules in explain.c still classify the response.
 * Flow: correlate. Thread: the analysis thread (profiles are read-only).
 */
#include "provider.h"

int prov_load(const char *const *dirs, struct profile_set **out, char *errbuf)
{
    (void)dirs; (void)errbuf;
    *out = NULL;
    return 0;
}

void prov_free(struct profile_set *ps)
{
    (void)ps;
}

const struct profile *prov_match(const struct profile_set *ps, const struct addr *server,
                                 struct span host)
{
    (void)ps; (void)server; (void)host;
    return NULL;
}

const struct profile *prov_find(const struct profile_set *ps, const char *id)
{
    (void)ps; (void)id;
    return NULL;
}

const char *prov_id(const struct profile *p)
{
    (void)p;
    return "";
}

const struct profile_code *prov_code(const struct profile *p, struct span value, int *code)
{
    (void)p; (void)value;
    *code = 0;
    return NULL;
}

const struct profile_reason *prov_reason(const struct profile *p, int status, struct span phrase)
{
    (void)p; (void)status; (void)phrase;
    return NULL;
}

const char *prov_fix(const struct profile *p, const char *kind)
{
    (void)p; (void)kind;
    return NULL;
}
