/*
 * provider.c — the engine's one-call-each door to provider profiles
 * (profile.h, h6's module: INI data in profiles/): load, match a peer,
 * explain a carrier code or reason phrase, fetch a provider's fix text for
 * a finding kind. Every function accepts NULL (no profiles loaded, or no
 * provider matched) and then answers "nothing known", so the generic
 * phrase rules in explain.c still classify the response.
 * Flow: correlate. Thread: the analysis thread (profiles are read-only).
 */
#include "provider.h"

int prov_load(const char *const *dirs, struct profile_set **out, char *errbuf)
{
    return profile_set_load(dirs, out, errbuf);
}

void prov_free(struct profile_set *ps)
{
    if (ps != NULL)
        profile_set_free(ps);
}

const struct profile *prov_match(const struct profile_set *ps, const struct addr *server,
                                 struct span host)
{
    const struct profile *p;

    if (ps == NULL)
        return NULL;
    p = profile_match_addr(ps, server, NULL);
    if (p == NULL && host.len > 0)
        p = profile_match_host(ps, host, NULL);
    return p;
}

const struct profile *prov_find(const struct profile_set *ps, const char *id)
{
    return ps != NULL ? profile_find(ps, id) : NULL;
}

const char *prov_id(const struct profile *p)
{
    return p != NULL ? profile_id(p) : "";
}

const struct profile_code *prov_code(const struct profile *p, struct span value, int *code)
{
    *code = 0;
    if (p == NULL)
        return NULL;
    return profile_code_from_header(p, value, code);
}

const struct profile_reason *prov_reason(const struct profile *p, int status, struct span phrase)
{
    return p != NULL ? profile_reason(p, status, phrase) : NULL;
}

const char *prov_fix(const struct profile *p, const char *kind)
{
    return p != NULL ? profile_fix(p, kind) : NULL;
}
