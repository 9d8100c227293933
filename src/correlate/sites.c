/*
 * sites.c — one account used from several sites: per (digest username,
 * realm, server) the addresses its accepted retries came from (the
 * received= of the answer when there is one, else the packet's source), with
 * when each was used and its first accepted retries, so multi_site can say
 * "the same credentials work from 198.51.100.10 and 198.51.100.30 at the
 * same time": every site must be in the IP ACL, and registrations from one
 * site replace the other's binding (RFC 3261 §10.2.4).
 *
 * Address-authenticated trunks (no credentials) count too, per Request-URI
 * host and server, when a provider profile or --config names the trunk
 * (sites_on_trunk): otherwise any registrar with many phones would match.
 *
 * Flow: engine.c site_of: KEV_AUTH_OUTCOME (accepted) → sites_on_auth,
 * KEV_FINAL 2xx of a known trunk → sites_on_trunk; then kind multi_site
 * reads the record (kind_event.site).
 * Thread: the analysis thread. Bounds: caps.accounts records (oldest
 * evicted), SITES_SRC addresses per account (more are only counted),
 * SITES_FRAMES frames per address.
 */
#include "nat.h"

#include <stdlib.h>
#include <string.h>

#include "correlate.h"

struct sites_state *sites_new(const struct caps *caps)
{
    struct sites_state *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    if (ctab_init(&s->recs, caps->accounts ? caps->accounts : 1, sizeof(struct site_rec), NULL,
                  NULL) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void sites_free(struct sites_state *s)
{
    if (s == NULL)
        return;
    ctab_free(&s->recs);
    free(s);
}

void sites_stats(const struct sites_state *s, stats_fn fn, void *ud)
{
    if (s == NULL)
        return;
    fn(ud, "engine.sites.evicted", s->recs.evictions);
    fn(ud, "engine.sites.peak", s->recs.peak);
}

/* Note one accepted use of (user, realm, server) from src. */
static struct site_rec *note(struct engine *e, const char *user, const char *realm,
                             const struct addr *server, const struct addr *src, int64_t first_us,
                             int64_t last_us, uint64_t frame, int64_t frame_us, const char *line)
{
    struct sites_state *s = e->sites;
    uint8_t kb[48 + 96 + 16];
    size_t ul, rl;
    uint64_t key;
    struct site_rec *r;
    struct site_src *ss = NULL;
    bool created;

    ul = strnlen(user, 48);
    rl = strnlen(realm, 96);
    memcpy(kb, user, ul);
    memcpy(kb + ul, realm, rl);
    memcpy(kb + ul + rl, server->b, 16);
    key = ctab_hash(&s->recs, kb, ul + rl + 16);
    r = ctab_get(&s->recs, key, &created);
    if (r == NULL)
        return NULL;
    if (created) {
        r->key = key;
        findings_fmt(r->user, sizeof(r->user), "%s", user);
        findings_fmt(r->realm, sizeof(r->realm), "%s", realm);
        r->server = *server;
    }
    for (uint8_t i = 0; i < r->n_src; i++)
        if (addr_eq(&r->src[i].ip, src))
            ss = &r->src[i];
    if (ss == NULL) {
        if (r->n_src >= SITES_SRC) {
            r->more_src++;
            return r;
        }
        ss = &r->src[r->n_src++];
        ss->ip = *src;
        ss->first_us = first_us;
    }
    ss->last_us = last_us > first_us ? last_us : first_us;
    ss->accepted++;
    if (ss->n_frames < SITES_FRAMES) {
        ss->frames[ss->n_frames] = frame;
        ss->frame_us[ss->n_frames] = frame_us;
        findings_fmt(ss->line[ss->n_frames], sizeof(ss->line[0]), "%s", line);
        ss->n_frames++;
    }
    return r;
}

struct site_rec *sites_on_auth(struct engine *e, const struct auth_ex *ax, const struct txn *t)
{
    if (e->sites == NULL || ax == NULL || t == NULL || ax->username[0] == '\0')
        return NULL;
    return note(e, ax->username, ax->realm, &t->dst.ip, &t->effective_src, t->first_us,
                t->final_us, ax->retry_frame ? ax->retry_frame : t->frame,
                ax->retry_us ? ax->retry_us : t->first_us,
                ax->retry_line[0] ? ax->retry_line : t->req_line);
}

struct site_rec *sites_on_trunk(struct engine *e, const struct txn *t)
{
    if (e->sites == NULL || t == NULL || t->ruri_host[0] == '\0')
        return NULL;
    /* user "" marks an address-authenticated trunk: the realm slot holds
     * the Request-URI host (the trunk's termination URI) */
    return note(e, "", t->ruri_host, &t->dst.ip, &t->effective_src, t->first_us, t->final_us,
                t->frame, t->first_us, t->req_line);
}

bool sites_overlap(const struct site_rec *r, int *a, int *b)
{
    for (int i = 0; i < r->n_src; i++)
        for (int j = i + 1; j < r->n_src; j++) {
            const struct site_src *x = &r->src[i], *y = &r->src[j];
            /* [first, last] of each, widened by the window, intersect */
            if (x->first_us <= y->last_us + SITES_WINDOW_US &&
                y->first_us <= x->last_us + SITES_WINDOW_US) {
                *a = i;
                *b = j;
                return true;
            }
        }
    return false;
}
