/*
 * source.c — sources (one address sending requests: what a scanner or a
 * brute-force attempt is seen as) and identities (a username at a trunk
 * host: the same account seen from several addresses, for
 * source_ip_changed and per-user brute force).
 *
 * Bounds: caps.sources entries shared by both tables (oldest evicted);
 * per source at most SOURCE_USERS distinct username hashes and the last
 * SOURCE_FAILS failure times; per identity IDENT_SOURCES addresses.
 *
 * Flow: engine_msg → source. Thread: the analysis thread.
 */
#include "correlate.h"

#include <stdio.h>
#include <string.h>

/* User-Agents of SIP scanning tools (SIPVicious svmap/svwar, sipcli,
 * VaxSIPUserAgent, sundayddr, pplsip, iWar, SIPScan, smap, sip-scan). */
static const char *const scanner_uas[] = {
    "friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "sundayddr", "pplsip",
    "iwar", "sipscan", "sip-scan", "smap", "siparmyknife", "voip-scanner", NULL,
};

static bool scanner_ua(struct span ua)
{
    for (size_t i = 0; scanner_uas[i]; i++)
        if (span_icontains(ua, scanner_uas[i]))
            return true;
    return false;
}

struct source *engine_source(struct engine *e, const struct addr *ip)
{
    return ctab_find(&e->sources, ctab_hash(&e->sources, ip->b, 16));
}

static void note_user(struct engine *e, struct source *s, struct span user, uint64_t frame)
{
    uint64_t h;

    if (user.len == 0)
        return;
    h = ctab_hash(&e->sources, user.p, user.len);
    for (uint32_t i = 0; i < s->n_users; i++)
        if (s->users[i] == h)
            return;
    if (s->n_users < SOURCE_USERS) {
        s->user_frames[s->n_users] = frame;
        s->users[s->n_users++] = h;
    }
}

struct source *source_on_request(struct engine *e, const struct sip_msg *m)
{
    bool created;
    uint64_t key = ctab_hash(&e->sources, m->src.ip.b, 16);
    struct source *s = ctab_get(&e->sources, key, &created);
    struct span ua = m->user_agent;

    if (s == NULL)
        return NULL;
    if (created) {
        s->key = key;
        s->ip = m->src.ip;
        s->first_us = m->ts_us;
        s->first_frame = m->frame;
    }
    s->last_us = m->ts_us;
    s->requests++;
    if (ua.len > 0 && s->ua[0] == '\0')
        corr_copy(s->ua, sizeof(s->ua), ua);
    if (!s->scanner_ua && ua.len > 0) {
        /* the word scan is the costly part: once per distinct User-Agent */
        uint64_t h = ctab_hash(&e->sources, ua.p, ua.len);
        if (h != s->ua_hash) {
            /* and once per User-Agent across sources: a PBX's phones share
             * a few models, a busy capture has thousands of sources */
            struct ua_cache *uc = &e->ua_cache[h % ENGINE_UA_CACHE];
            if (uc->hash != h) {
                uc->hash = h;
                uc->scanner = scanner_ua(ua);
            }
            s->ua_hash = h;
            if (uc->scanner) {
                s->scanner_ua = true;
                s->scanner_frame = m->frame;
                corr_copy(s->ua, sizeof(s->ua), ua);
            }
        }
    }
    /* Usernames tried: credentials, and the AOR of REGISTER/OPTIONS (what
     * svwar enumerates). The To user of an INVITE is a callee number, so a
     * PBX calling many numbers is not counted. An enumeration aims OPTIONS
     * at one server; a PBX qualifying its phones sends OPTIONS to many
     * addresses (or NAT ports), one user each: only OPTIONS to the first
     * target count, so a PBX's keepalives never make it a scanner. */
    if (m->cred.present) {
        s->cred_requests++;
        note_user(e, s, m->cred.username, m->frame);
    } else if (m->method == SIP_REGISTER) {
        note_user(e, s, m->to.uri.user, m->frame);
    } else if (m->method == SIP_OPTIONS) {
        if (!s->have_opt_dst) {
            s->have_opt_dst = true;
            s->opt_dst = m->dst;
        }
        if (addr_eq(&s->opt_dst.ip, &m->dst.ip) && s->opt_dst.port == m->dst.port)
            note_user(e, s, m->to.uri.user, m->frame);
    }
    return s;
}

void source_fail(struct source *s, uint64_t frame, int64_t ts, uint64_t retry_frame)
{
    uint32_t i = s->fail_n % SOURCE_FAILS;

    s->fail_ts[i] = ts;
    s->fail_frame[i] = frame;
    s->fail_retry[i] = retry_frame;
    s->fail_n++;
    s->auth_fail++;
}

struct ident *ident_get(struct engine *e, const char *user, const char *host)
{
    char name[sizeof(((struct ident *)0)->name)];
    bool created;
    struct ident *id;
    size_t n;

    {
        const char *u = user[0] ? user : "-", *h = host[0] ? host : "-";
        size_t ul = strnlen(u, sizeof(name) - 2), hl = strnlen(h, sizeof(name) - 2 - ul);
        memcpy(name, u, ul);
        name[ul] = '@';
        memcpy(name + ul + 1, h, hl);
        n = ul + 1 + hl;
        name[n] = '\0';
    }
    id = ctab_get(&e->idents, ctab_hash(&e->idents, name, n), &created);
    if (id != NULL && created) {
        id->key = ctab_hash(&e->idents, name, n);
        memcpy(id->name, name, n + 1);
    }
    return id;
}

void ident_outcome(struct ident *id, const struct addr *src, bool ok, bool fail, uint64_t frame,
                   int64_t ts)
{
    struct ident_src *s = NULL;

    for (uint8_t i = 0; i < id->n_src; i++)
        if (addr_eq(&id->src[i].ip, src))
            s = &id->src[i];
    if (s == NULL) {
        if (id->n_src >= IDENT_SOURCES)
            return;     /* a fifth address adds nothing to the diagnosis */
        s = &id->src[id->n_src++];
        memset(s, 0, sizeof(*s));
        s->ip = *src;
        s->first_us = ts;
    }
    if (ok) {
        if (s->ok == 0) {
            s->ok_first_frame = frame;
            s->ok_first_us = ts;
        }
        s->ok++;
        s->ok_frame = frame;
        s->ok_us = ts;
        id->ok_total++;
    }
    if (fail) {
        uint32_t i = id->fail_n % SOURCE_FAILS;
        if (s->fail == 0) {
            s->fail_frame = frame;
            s->fail_us = ts;
        }
        s->fail++;
        id->fail_total++;
        id->fail_ts[i] = ts;
        id->fail_frame[i] = frame;
        id->fail_n++;
    }
}
