/*
 * sites.c — one account used from several sites: per (digest username,
 * realm, server) the addresses its accepted retries came from (the
 * received= of the answer when there is one, else the packet's source), with
 * when each was used and its first accepted retries, so multi_site can say
 * "the same credentials work from 198.51.100.10 and 198.51.100.30 at the
 * same time": every site must be in the IP ACL, and registrations from one
 * site replace the other's binding (RFC 3261 §10.2.4).
 *
 * Flow: KEV_AUTH_OUTCOME (accepted) → sites_on_auth → kind multi_site.
 * Thread: the analysis thread. Bounds: caps.sources records (oldest
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
    if (ctab_init(&s->recs, caps->sources ? caps->sources : 1, sizeof(struct site_rec), NULL,
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

struct site_rec *sites_on_auth(struct engine *e, const struct auth_ex *ax, const struct txn *t)
{
    struct sites_state *s = e->sites;
    uint8_t kb[48 + 64 + 16];
    size_t ul, rl;
    struct site_rec *r;
    struct site_src *ss = NULL;
    bool created;

    if (s == NULL || ax == NULL || t == NULL || ax->username[0] == '\0')
        return NULL;
    ul = strlen(ax->username);
    rl = strlen(ax->realm);
    memcpy(kb, ax->username, ul);
    memcpy(kb + ul, ax->realm, rl);
    memcpy(kb + ul + rl, t->dst.ip.b, 16);
    r = ctab_get(&s->recs, ctab_hash(&s->recs, kb, ul + rl + 16), &created);
    if (r == NULL)
        return NULL;
    if (created) {
        r->key = ctab_hash(&s->recs, kb, ul + rl + 16);
        findings_fmt(r->user, sizeof(r->user), "%s", ax->username);
        findings_fmt(r->realm, sizeof(r->realm), "%s", ax->realm);
        r->server = t->dst.ip;
    }
    for (uint8_t i = 0; i < r->n_src; i++)
        if (addr_eq(&r->src[i].ip, &t->effective_src))
            ss = &r->src[i];
    if (ss == NULL) {
        if (r->n_src >= SITES_SRC) {
            r->more_src++;
            return r;
        }
        ss = &r->src[r->n_src++];
        ss->ip = t->effective_src;
        ss->first_us = t->first_us;
    }
    ss->last_us = t->final_us > t->first_us ? t->final_us : t->first_us;
    ss->accepted++;
    if (ss->n_frames < SITES_FRAMES) {
        ss->frames[ss->n_frames] = ax->retry_frame ? ax->retry_frame : t->frame;
        ss->frame_us[ss->n_frames] = ax->retry_us ? ax->retry_us : t->first_us;
        findings_fmt(ss->line[ss->n_frames], sizeof(ss->line[0]), "%s",
                     ax->retry_line[0] ? ax->retry_line : t->req_line);
        ss->n_frames++;
    }
    return r;
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
