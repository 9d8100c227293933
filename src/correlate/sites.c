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

static void drop_strings(struct intern *in, struct site_rec *r)
{
    intern_drop(in, r->user);
    intern_drop(in, r->realm);
    intern_drop(in, r->server);
    for (uint8_t i = 0; i < r->n_src; i++) {
        intern_drop(in, r->src_ip[i]);
        for (uint8_t j = 0; j < r->n_frames[i]; j++)
            intern_drop(in, r->src[i].line[j]);
    }
}

static void on_evict(void *ud, void *entry)
{
    struct sites_state *s = ud;

    drop_strings(s->strings, entry);
}

struct sites_state *sites_new(const struct caps *caps, struct intern *strings)
{
    struct sites_state *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->strings = strings;
    if (ctab_init(&s->recs, caps->accounts ? caps->accounts : 1, sizeof(struct site_rec),
                  on_evict, s) != 0) {
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

/* Text into an interned string, cut to the cap-1 bytes the view holds. */
/* cand: a handle that may hold the text already (intern_put_as) */
static uint32_t put_text(struct intern *in, uint32_t cand, const char *text, size_t cap)
{
    return intern_put_as(in, cand, text, strnlen(text, cap - 1));
}

static bool same_addr(const struct intern *in, uint32_t h, const struct addr *a)
{
    size_t n;
    const char *b = intern_get(in, h, &n);

    return n == sizeof(a->b) && memcmp(b, a->b, n) == 0;
}

/* The view multi_site reads; NULL while the record has fewer than two
 * sources (nothing to compare). */
static const struct site_view *view_of(struct sites_state *s, const struct site_rec *r)
{
    struct site_view *v = &s->view;
    const struct intern *in = s->strings;

    if (r == NULL || r->n_src < 2)
        return NULL;
    memset(v, 0, sizeof(*v));
    corr_get_text(in, r->user, v->user, sizeof(v->user));
    /* an account whose user string was refused (strings full, counted)
     * still reads as an account */
    if (!r->trunk && v->user[0] == '\0')
        findings_fmt(v->user, sizeof(v->user), "?");
    corr_get_text(in, r->realm, v->realm, sizeof(v->realm));
    corr_get_addr(in, r->server, &v->server);
    v->n_src = r->n_src;
    v->more_src = r->more_src;
    for (uint8_t i = 0; i < r->n_src; i++) {
        const struct site_src_rec *rs = &r->src[i];
        struct site_src *vs = &v->src[i];
        corr_get_addr(in, r->src_ip[i], &vs->ip);
        vs->first_us = rs->first_us;
        vs->last_us = rs->last_us;
        vs->n_frames = r->n_frames[i];
        for (uint8_t j = 0; j < r->n_frames[i]; j++) {
            vs->frames[j] = r->frame0 + (uint64_t)(int64_t)rs->dframe[j];
            vs->frame_us[j] = rs->frame_us[j];
            corr_get_text(in, rs->line[j], vs->line[j], sizeof(vs->line[j]));
        }
    }
    return v;
}

/* Note one accepted use of (user, realm, server) from src; held: handles
 * the exchange or transaction holds that may be user, realm and line
 * (INTERN_NONE: none), taken without hashing when they are. */
static const struct site_view *note(struct engine *e, const char *user, const char *realm,
                                    const struct addr *server, const struct addr *src,
                                    int64_t first_us, int64_t last_us, uint64_t frame,
                                    int64_t frame_us, const char *line, const uint32_t held[3])
{
    struct sites_state *s = e->sites;
    struct intern *in = s->strings;
    uint8_t kb[48 + 96 + 16];
    size_t ul, rl;
    uint64_t key;
    int64_t df;
    struct site_rec *r;
    struct site_src_rec *ss = NULL;
    uint8_t si = 0;
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
        r->frame0 = frame;
        r->user = put_text(in, held[0], user, sizeof(s->view.user));
        r->realm = put_text(in, held[1], realm, sizeof(s->view.realm));
        r->trunk = user[0] == '\0';
        r->server = corr_put_addr(in, server);
    }
    for (uint8_t i = 0; i < r->n_src; i++)
        if (same_addr(in, r->src_ip[i], src)) {
            ss = &r->src[i];
            si = i;
        }
    if (ss == NULL) {
        if (r->n_src >= SITES_SRC) {
            r->more_src++;
            return view_of(s, r);
        }
        si = r->n_src++;
        ss = &r->src[si];
        r->src_ip[si] = corr_put_addr(in, src);
        ss->first_us = first_us;
    }
    ss->last_us = last_us > first_us ? last_us : first_us;
    /* a frame too far from the record's first is not kept rather than
     * shown wrong (2^31 frames apart: a capture of days at line rate) */
    df = (int64_t)(frame - r->frame0);
    if (r->n_frames[si] < SITES_FRAMES && df >= INT32_MIN && df <= INT32_MAX) {
        uint8_t j = r->n_frames[si]++;
        ss->dframe[j] = (int32_t)df;
        ss->frame_us[j] = frame_us;
        ss->line[j] = put_text(in, held[2], line, sizeof(s->view.src[0].line[0]));
    }
    return view_of(s, r);
}

const struct site_view *sites_on_auth(struct engine *e, const struct auth_ex *ax,
                                      const struct txn *t)
{
    uint32_t held[3] = { INTERN_NONE, INTERN_NONE, INTERN_NONE };

    if (e->sites == NULL || ax == NULL || t == NULL || ax->username[0] == '\0')
        return NULL;
    if (ax->rec != NULL) {
        held[0] = ax->rec->username;
        held[1] = ax->rec->realm;
        held[2] = ax->retry_line[0] ? ax->rec->retry_line : INTERN_NONE;
    }
    if (!ax->retry_line[0] && t->rec != NULL)
        held[2] = t->rec->req;
    return note(e, ax->username, ax->realm, &t->dst.ip, &t->effective_src, t->first_us,
                t->final_us, ax->retry_frame ? ax->retry_frame : t->frame,
                ax->retry_us ? ax->retry_us : t->first_us,
                ax->retry_line[0] ? ax->retry_line : t->req_line, held);
}

const struct site_view *sites_on_trunk(struct engine *e, const struct txn *t)
{
    uint32_t held[3] = { INTERN_NONE, INTERN_NONE, INTERN_NONE };

    if (e->sites == NULL || t == NULL || t->ruri_host[0] == '\0')
        return NULL;
    if (t->rec != NULL)
        held[2] = t->rec->req;
    /* user "" marks an address-authenticated trunk: the realm slot holds
     * the Request-URI host (the trunk's termination URI) */
    return note(e, "", t->ruri_host, &t->dst.ip, &t->effective_src, t->first_us, t->final_us,
                t->frame, t->first_us, t->req_line, held);
}

bool sites_overlap(const struct site_view *r, int *a, int *b)
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
