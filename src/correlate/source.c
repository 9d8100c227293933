/*
 * source.c — sources (one address sending requests: what a scanner or a
 * brute-force attempt is seen as) and identities (a username at a trunk
 * host: the same account seen from several addresses, for
 * source_ip_changed and per-user brute force).
 *
 * Bounds: caps.sources and caps.identities entries (oldest evicted); per
 * source at most SOURCE_USERS distinct username hashes and the last
 * SOURCE_FAILS failure times; per identity IDENT_SOURCES addresses and the
 * last IDENT_FAILS refusals. An identity's name and addresses are interned
 * (engine strings): it gives them back when evicted (ident_on_evict), the
 * rest go with the engine.
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

/* ---- frames and times as deltas (the compact records) ---- */

#define T48_MAX ((INT64_C(1) << 47) - 1)

static uint32_t sat32_inc(uint32_t v)
{
    return v == UINT32_MAX ? v : v + 1;
}

/* Store (frame, ts) as deltas from a record's base (frame0, us0); a delta
 * out of range keeps the stamp unknown (its frame reads as 0: never cited). */
static void stamp_put(uint64_t frame0, int64_t us0, uint32_t *df, uint32_t *lo, int16_t *hi,
                      uint64_t frame, int64_t ts)
{
    int64_t dt = (int64_t)((uint64_t)ts - (uint64_t)us0);
    bool dt_ok = (ts >= us0) ? (uint64_t)ts - (uint64_t)us0 <= (uint64_t)T48_MAX
                             : (uint64_t)us0 - (uint64_t)ts <= (uint64_t)T48_MAX + 1;

    if (frame < frame0 || frame - frame0 >= IDENT_FRAME_UNKNOWN || !dt_ok) {
        *df = IDENT_FRAME_UNKNOWN;
        *lo = 0;
        *hi = 0;
        return;
    }
    *df = (uint32_t)(frame - frame0);
    *lo = (uint32_t)((uint64_t)dt & 0xffffffffu);
    *hi = (int16_t)(dt >> 32);
}

/* The stamp back; false (frame 0, ts 0) when it is unknown. */
static bool stamp_get(uint64_t frame0, int64_t us0, uint32_t df, uint32_t lo, int16_t hi,
                      uint64_t *frame, int64_t *ts)
{
    if (df == IDENT_FRAME_UNKNOWN) {
        *frame = 0;
        *ts = 0;
        return false;
    }
    *frame = frame0 + df;
    *ts = us0 + (int64_t)(((uint64_t)(int64_t)hi << 32) | lo);
    return true;
}

/* ---- sources ---- */

_Static_assert(sizeof(struct source) <= 512, "a source fits in 512 bytes");
_Static_assert(SOURCE_USERS >= SOURCE_SCAN_USERS, "the usernames kept hold the scanner rule");

static void source_on_evict(void *ud, void *entry)
{
    struct engine *e = ud;
    struct source *s = entry;

    intern_drop(&e->strings, s->ua);
    s->ua = INTERN_NONE;
}

int source_table_init(struct engine *e, size_t cap)
{
    return ctab_init(&e->sources, cap, sizeof(struct source), source_on_evict, e);
}

static void set_ua(struct engine *e, struct source *s, struct span ua)
{
    char b[64];         /* the size of the buffer the interned text replaced */

    corr_copy(b, sizeof(b), ua);
    intern_drop(&e->strings, s->ua);
    s->ua = intern_put(&e->strings, b, strlen(b));
}

const char *source_ua(const struct corr_view *v, const struct source *s)
{
    return intern_get(v->strings, s->ua, NULL);
}

void source_fails(const struct source *s, struct source_fails *out)
{
    memset(out, 0, sizeof(*out));
    for (uint32_t j = 0; j < SOURCE_FAILS && j < s->fail_n; j++) {
        int64_t ts;
        if (stamp_get(s->first_frame, s->first_us, s->fail_df[j], s->fail_dt_lo[j],
                      s->fail_dt_hi[j], &out->frame[j], &out->ts[j]))
            stamp_get(s->first_frame, s->first_us, s->fail_rdf[j], 0, 0, &out->retry[j], &ts);
    }
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
    for (uint32_t i = 0; i < s->n_users && i < SOURCE_USERS; i++)
        if (s->users[i] == h)
            return;
    if (s->n_users < SOURCE_USERS) {
        s->user_frames[s->n_users] = frame;
        s->users[s->n_users++] = h;
    } else {
        s->n_users = SOURCE_USERS + 1;  /* one more than kept: "more than SOURCE_USERS" */
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
    if (ua.len > 0 && s->ua == INTERN_NONE)
        set_ua(e, s, ua);
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
                set_ua(e, s, ua);
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
    uint32_t i = s->fail_n % SOURCE_FAILS, lo;
    int16_t hi;

    stamp_put(s->first_frame, s->first_us, &s->fail_df[i], &s->fail_dt_lo[i], &s->fail_dt_hi[i],
              frame, ts);
    /* the retry's frame alone (no time is shown for it) */
    stamp_put(s->first_frame, s->first_us, &s->fail_rdf[i], &lo, &hi, retry_frame, ts);
    s->fail_n++;
    s->auth_fail++;
}

/* ---- identities: the compact record (struct ident) ---- */

_Static_assert(sizeof(struct ident) <= 304, "an identity fits in 304 bytes");
_Static_assert(sizeof(struct ident_past) <= 56, "a retired identity fits in 56 bytes");

static const struct addr *addr_of(const struct intern *in, uint32_t h)
{
    static const struct addr none;
    size_t n;
    const char *b = intern_get(in, h, &n);

    return n == sizeof(struct addr) ? (const struct addr *)(const void *)b : &none;
}

static void ident_drop_strings(struct intern *in, struct ident *id)
{
    intern_drop(in, id->name);
    intern_drop(in, id->server);
    for (uint8_t i = 0; i < id->n_src && i < IDENT_SOURCES; i++)
        intern_drop(in, id->src[i].ip);
    id->name = id->server = INTERN_NONE;
    id->n_src = 0;
}

static void src_put(const struct ident *id, struct ident_src *s, enum ident_stamp k,
                    uint64_t frame, int64_t ts)
{
    stamp_put(id->frame0, id->us0, &s->df[k], &s->dt_lo[k], &s->dt_hi[k], frame, ts);
}

static void src_get(const struct ident *id, const struct ident_src *s, enum ident_stamp k,
                    uint64_t *frame, int64_t *ts)
{
    stamp_get(id->frame0, id->us0, s->df[k], s->dt_lo[k], s->dt_hi[k], frame, ts);
}

/* At most one address, and nothing refused or accepted since its last
 * refusal (IDENT_LAST_OK): what a retired identity keeps (struct
 * ident_past) is all a kind can still use. A refusal that was followed by
 * an acceptance from the same address proves no suspended account
 * (account_suspended wants every answer a 403), no brute force (that wants
 * several addresses) and no address change; its finding (auth_rejected,
 * password_mismatch, ...) was raised when it happened. */
bool ident_settled(const struct ident *id)
{
    return id->n_src <= 1 &&
           ((id->fail_n == 0 && id->forbidden_total == 0) || (id->flags & IDENT_LAST_OK));
}

/* Into the retirement queue, once: 64*T1 after its last request or answer
 * (ident_due looks again then). */
static void ident_queue(struct engine *e, struct ident *id)
{
    if (!(id->flags & IDENT_QUEUED) && ident_settled(id)) {
        id->flags |= IDENT_QUEUED;
        ctab_dlq_push(&e->ident_due, &e->idents, id, e->now_us + CORR_TIMEOUT_US);
    }
}

/* Keep what is left of a settled identity (the history may forget its oldest
 * entry for it: ident_past_on_evict), and give back its name. The caller
 * removes the entry (or the table is evicting it). */
static void ident_to_past(struct engine *e, struct ident *id)
{
    struct ident_past *ps = ctab_insert(&e->ident_past, id->key);

    intern_drop(&e->strings, id->name);
    id->name = INTERN_NONE;
    if (ps == NULL) {
        ident_drop_strings(&e->strings, id);
        return;
    }
    memset(ps, 0, sizeof(*ps));
    ps->key = id->key;
    ps->flags = id->flags & (IDENT_WITH_CRED | IDENT_WITHOUT_CRED | IDENT_HAVE_SERVER);
    ps->server = id->server;
    ps->final_total = id->final_total;
    ps->ip = INTERN_NONE;
    if (id->n_src == 1) {
        ps->ip = id->src[0].ip;
        src_get(id, &id->src[0], IDENT_OK_FIRST, &ps->ok_first_frame, &ps->ok_first_us);
        src_get(id, &id->src[0], IDENT_OK_LAST, &ps->ok_last_frame, &ps->ok_last_us);
    }
    id->server = INTERN_NONE;   /* the strings are the history's now */
    id->n_src = 0;
}

/* An identity seen again takes its history back. */
static void ident_from_past(struct engine *e, struct ident *id, struct ident_past *ps)
{
    id->flags |= ps->flags;
    id->server = ps->server;
    id->final_total = ps->final_total;
    if (ps->ip != INTERN_NONE) {
        struct ident_src *s = &id->src[0];
        id->flags |= IDENT_HAVE_BASE;
        id->frame0 = ps->ok_first_frame;
        id->us0 = ps->ok_first_us;
        id->n_src = 1;
        s->ip = ps->ip;
        s->flags = IDENT_SRC_OK | IDENT_SRC_FIRST_OK;
        src_put(id, s, IDENT_OK_FIRST, ps->ok_first_frame, ps->ok_first_us);
        src_put(id, s, IDENT_OK_LAST, ps->ok_last_frame, ps->ok_last_us);
    }
    ctab_remove(&e->ident_past, ps);
    e->n_idents_revived++;
}

static void ident_on_evict(void *ud, void *entry)
{
    struct engine *e = ud;
    struct ident *id = entry;

    if (ident_settled(id))
        ident_to_past(e, id);
    else
        ident_drop_strings(&e->strings, entry);
}

static void ident_past_on_evict(void *ud, void *entry)
{
    struct engine *e = ud;
    struct ident_past *ps = entry;

    intern_drop(&e->strings, ps->ip);
    intern_drop(&e->strings, ps->server);
}

/* The history holds half as many as the table: what it keeps matters for
 * an identity that pauses (a small PBX's trunk account overnight), and a
 * busy PBX's own accounts never go quiet for 64*T1; the callers' numbers
 * that fill it on a busy PBX are forgotten first (caps.c: its bytes are in
 * the identities' share). */
int ident_table_init(struct engine *e, size_t cap)
{
    return ctab_init(&e->idents, cap, sizeof(struct ident), ident_on_evict, e) |
           ctab_init(&e->ident_past, cap / 2 + 1, sizeof(struct ident_past),
                     ident_past_on_evict, e) |
           ctab_dlq_init(&e->ident_due, cap);
}

/* A settled identity leaves 64*T1 after its last request or answer (what a
 * late retransmission may still bring), to its history (struct
 * ident_past). One that explains something (a refusal not followed by an
 * acceptance) or moved stays; it is queued again if an acceptance settles
 * it (ident_outcome). */
void ident_due(struct engine *e, int64_t now)
{
    struct ident *id;

    while ((id = ctab_dlq_pop(&e->ident_due, &e->idents, now)) != NULL) {
        id->flags &= (uint8_t)~IDENT_QUEUED;
        if (!ident_settled(id))
            continue;   /* queued again if an acceptance settles it */
        if (id->last_us + CORR_TIMEOUT_US > now) {
            id->flags |= IDENT_QUEUED;
            ctab_dlq_push(&e->ident_due, &e->idents, id, id->last_us + CORR_TIMEOUT_US);
            continue;
        }
        ident_to_past(e, id);
        ctab_remove(&e->idents, id);
        e->n_idents_retired++;
    }
}

struct ident *ident_get(struct engine *e, const char *user, const char *host)
{
    char name[112];             /* user@host, as the 112-byte buffer it replaces */
    uint64_t key;
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
    key = ctab_hash(&e->idents, name, n);
    id = ctab_get(&e->idents, key, &created);
    if (id == NULL)
        return NULL;
    if (created) {
        struct ident_past *ps = ctab_find(&e->ident_past, key);
        id->key = key;
        id->name = intern_put(&e->strings, name, n);
        if (ps != NULL)
            ident_from_past(e, id, ps);
    }
    id->last_us = e->now_us;
    ident_queue(e, id);
    return id;
}

void ident_on_request(struct engine *e, struct ident *id, const struct addr *server, bool cred)
{
    if (!(id->flags & IDENT_HAVE_SERVER)) {
        id->flags |= IDENT_HAVE_SERVER;
        id->server = intern_put(&e->strings, server->b, sizeof(server->b));
    }
    id->flags |= cred ? IDENT_WITH_CRED : IDENT_WITHOUT_CRED;
}

void ident_on_final(struct ident *id, int status)
{
    id->final_total = sat32_inc(id->final_total);
    if (status == 403)
        id->forbidden_total = sat32_inc(id->forbidden_total);
}

void ident_outcome(struct engine *e, struct ident *id, const struct addr *src, bool ok, bool fail,
                   uint64_t frame, int64_t ts)
{
    struct ident_src *s = NULL;

    for (uint8_t i = 0; i < id->n_src; i++)
        if (addr_eq(addr_of(&e->strings, id->src[i].ip), src))
            s = &id->src[i];
    if (s == NULL) {
        uint32_t h;
        if (id->n_src >= IDENT_SOURCES)
            return;     /* a fifth address adds nothing to the diagnosis */
        h = intern_put(&e->strings, src->b, sizeof(src->b));
        if (h == INTERN_NONE)
            return;     /* no room to name it (engine.strings.refused): as a fifth */
        s = &id->src[id->n_src++];
        memset(s, 0, sizeof(*s));
        s->ip = h;
        if (!(id->flags & IDENT_HAVE_BASE)) {
            id->flags |= IDENT_HAVE_BASE;
            id->frame0 = frame;
            id->us0 = ts;
        }
        if (ok)
            s->flags |= IDENT_SRC_FIRST_OK;     /* its first_us is ok_first's */
    }
    if (ok) {
        if (!(s->flags & IDENT_SRC_OK))
            src_put(id, s, IDENT_OK_FIRST, frame, ts);
        s->flags |= IDENT_SRC_OK;
        src_put(id, s, IDENT_OK_LAST, frame, ts);
    }
    if (fail) {
        uint32_t i = id->fail_n % IDENT_FAILS;
        if (!(s->flags & IDENT_SRC_FAIL))
            src_put(id, s, IDENT_FAIL_FIRST, frame, ts);
        s->flags |= IDENT_SRC_FAIL;
        stamp_put(id->frame0, id->us0, &id->fail_df[i], &id->fail_dt_lo[i], &id->fail_dt_hi[i],
                  frame, ts);
        id->fail_n++;
        id->flags &= (uint8_t)~IDENT_LAST_OK;
    } else if (ok) {
        id->flags |= IDENT_LAST_OK;
        id->last_us = e->now_us;
        ident_queue(e, id);     /* settled by this acceptance */
    }
}

void ident_bare_refusal(struct engine *e, struct ident *id, const struct addr *src)
{
    for (uint8_t i = 0; i < id->n_src; i++)
        if (addr_eq(addr_of(&e->strings, id->src[i].ip), src))
            id->src[i].flags |= IDENT_SRC_BARE_FAIL;
}

void ident_read(const struct corr_view *v, const struct ident *id, struct ident_view *out)
{
    memset(out, 0, sizeof(*out));
    out->key = id->key;
    out->name = intern_get(v->strings, id->name, NULL);
    out->server = *addr_of(v->strings, id->server);
    out->n_src = id->n_src;
    for (uint8_t i = 0; i < id->n_src && i < IDENT_SOURCES; i++) {
        const struct ident_src *s = &id->src[i];
        struct ident_src_view *o = &out->src[i];
        o->ip = *addr_of(v->strings, s->ip);
        o->ok = (s->flags & IDENT_SRC_OK) != 0;
        o->fail = (s->flags & IDENT_SRC_FAIL) != 0;
        o->bare_fail = (s->flags & IDENT_SRC_BARE_FAIL) != 0;
        if (o->ok) {
            src_get(id, s, IDENT_OK_FIRST, &o->ok_first_frame, &o->ok_first_us);
            src_get(id, s, IDENT_OK_LAST, &o->ok_frame, &o->ok_us);
        }
        if (o->fail)
            src_get(id, s, IDENT_FAIL_FIRST, &o->fail_frame, &o->fail_us);
        /* the address was added at its first outcome: an acceptance or a refusal */
        o->first_us = (s->flags & IDENT_SRC_FIRST_OK) ? o->ok_first_us : o->fail_us;
    }
    out->fail_n = id->fail_n;
    for (uint32_t j = 0; j < IDENT_FAILS && j < id->fail_n; j++)
        stamp_get(id->frame0, id->us0, id->fail_df[j], id->fail_dt_lo[j], id->fail_dt_hi[j],
                  &out->fail_frame[j], &out->fail_ts[j]);
    out->forbidden_total = id->forbidden_total;
    out->final_total = id->final_total;
    out->with_cred = (id->flags & IDENT_WITH_CRED) != 0;
    out->without_cred = (id->flags & IDENT_WITHOUT_CRED) != 0;
}
