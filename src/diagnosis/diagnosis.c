/*
 * diagnosis.c — root causes from a snapshot's findings (diagnosis.h).
 *
 * 1. Roles (roles.c): who is the PBX, a trunk, a phone, an attacker.
 * 2. Links (rules.c): every finding that another one explains gets that
 *    one as explained_by (the most severe, then highest-ranked cause); the
 *    cause lists it in explains. The rules form no cycle (checked by the
 *    unit test), so following explained_by ends at a root.
 * 3. Roots: findings of severity warning or worse that nothing explains.
 *    Attack roots make one diagnosis ("attack"); every other root one of
 *    its own, named by its peer's role (trunk or phone). Its severity is
 *    the worst of what it explains, its confidence says how settled it is,
 *    and the differential says for each cause an engineer would consider
 *    whether this capture rules it out, or why it cannot tell.
 * 4. Order: severity, then the number of findings accounted for (explained
 *    or folded in as more roots of the same cause), then the
 *    kind's rank (kind_meta), then creation order: stable for one capture.
 *
 * Flow: engine_snapshot → diagnosis_run → output. Thread: the caller's.
 */
#include "diagnosis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"
#include "findings/kind_meta.h"

static void fmt(char *dst, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t len, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(dst, len, f, ap);
    va_end(ap);
}

static struct snap_finding *by_id(struct snapshot *s, const char *id)
{
    for (size_t i = 0; id[0] != '\0' && i < s->n_findings; i++)
        if (strcmp(s->findings[i].id, id) == 0)
            return &s->findings[i];
    return NULL;
}

/* c is a better cause than d (either may be NULL). */
static bool better(const struct snap_finding *c, const struct snap_finding *d)
{
    if (d == NULL)
        return true;
    if (c->severity != d->severity)
        return c->severity > d->severity;
    return kind_meta(c->kind_id)->rank > kind_meta(d->kind_id)->rank;
}

static void link_findings(struct snapshot *s)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        struct snap_finding *f = &s->findings[i];
        if (f->kind_id == KIND_NONE)
            f->kind_id = kind_of_snap(f);
        f->explained_by[0] = '\0';
        f->n_explains = 0;
    }
    for (size_t i = 0; i < s->n_findings; i++) {
        struct snap_finding *e = &s->findings[i], *best = NULL;
        for (size_t j = 0; j < s->n_findings; j++) {
            struct snap_finding *c = &s->findings[j];
            if (diag_rule_for(s, c, e) != NULL && better(c, best))
                best = c;
        }
        if (best == NULL)
            continue;
        fmt(e->explained_by, sizeof(e->explained_by), "%s", best->id);
        if (best->n_explains < SNAP_MAX_EXPLAINS)
            fmt(best->explains[best->n_explains++], SNAP_ID, "%s", e->id);
    }
}

/* The root f's chain ends at (explained_by followed; bounded by the count). */
static struct snap_finding *root_of(struct snapshot *s, struct snap_finding *f)
{
    for (size_t n = 0; n < s->n_findings && f->explained_by[0] != '\0'; n++) {
        struct snap_finding *up = by_id(s, f->explained_by);
        if (up == NULL)
            break;
        f = up;
    }
    return f;
}

static bool is_attack(const struct snap_finding *f)
{
    return kind_meta(f->kind_id)->attack;
}

/* ---- the differential ---- */

enum cause {
    C_CREDENTIALS, C_IP_ACL, C_SOURCE_IP, C_SUSPENDED, C_WRONG_REGION, C_NAT_ALG,
    C_MULTI_SITE, C_SILENT_DROP, C_KEEPALIVE, C_CARRIER_POLICY, C_TLS, C_MEDIA, C_COLLECTION,
    C_COUNT,
};

static const char *const cause_name[C_COUNT] = {
    "credentials", "ip_acl", "source_ip_changed", "suspended", "wrong_region", "nat_alg",
    "multi_site", "silent_drop", "keepalive_outage", "carrier_policy", "tls", "media",
    "collection",
};

static enum cause cause_of(enum kind_id k)
{
    switch (k) {
    case KIND_IP_REJECTED: return C_IP_ACL;
    case KIND_SOURCE_IP_CHANGED: return C_SOURCE_IP;
    case KIND_ACCOUNT_SUSPENDED: return C_SUSPENDED;
    case KIND_WRONG_REGION: return C_WRONG_REGION;
    case KIND_NAT_REWRITE: case KIND_SIP_ALG: return C_NAT_ALG;
    case KIND_MULTI_SITE: return C_MULTI_SITE;
    case KIND_NO_RESPONSE: case KIND_UNEXPECTED_PEER: return C_SILENT_DROP;
    case KIND_KEEPALIVE_FAILED: return C_KEEPALIVE;
    case KIND_CARRIER_REJECTED: return C_CARRIER_POLICY;
    case KIND_TLS_FAILED: case KIND_TLS_CERTIFICATE: case KIND_TLS_ENCRYPTED: return C_TLS;
    case KIND_MEDIA_NAT: case KIND_ONE_WAY_MEDIA: case KIND_NO_MEDIA: return C_MEDIA;
    case KIND_HEP_AGENT_QUIET: return C_COLLECTION;
    default: return C_CREDENTIALS;
    }
}

/* A finding about server (any client) whose kind is of cause c, not skip. */
static const struct snap_finding *finding_for(const struct snapshot *s, enum cause c,
                                              const struct addr *server,
                                              const struct snap_finding *skip)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *f = &s->findings[i];
        if (f == skip || f->severity < SEV_WARNING || cause_of(f->kind_id) != c ||
            is_attack(f) || f->kind_id == KIND_PASSWORD_VERIFIED ||
            f->kind_id == KIND_HEP_AGENT_QUIET)
            continue;
        if (addr_is_unset(&f->server_ip) || addr_eq(&f->server_ip, server))
            return f;
    }
    return NULL;
}

static const struct snap_finding *verified(const struct snapshot *s, const struct addr *server)
{
    for (size_t i = 0; i < s->n_findings; i++)
        if (s->findings[i].kind_id == KIND_PASSWORD_VERIFIED &&
            (addr_is_unset(&s->findings[i].server_ip) ||
             addr_eq(&s->findings[i].server_ip, server)))
            return &s->findings[i];
    return NULL;
}

#define RULED "ruled out because "
#define CANNOT "cannot tell from this capture because "

/* Why cause c is or is not behind the trouble between p's sides. */
static void why_not(const struct snapshot *s, enum cause c, const struct snap_peer *p,
                    const struct snap_finding *root, char *w, size_t len)
{
    char l[ADDR_STRLEN], r[ADDR_STRLEN];
    const struct snap_side *re = &p->side_remote, *lo = &p->side_local;
    const struct snap_finding *other = finding_for(s, c, &p->remote.ip, root), *v;
    size_t others = 0;

    addr_str(&p->local.ip, l, sizeof(l));
    addr_str(&p->remote.ip, r, sizeof(r));
    if (other != NULL) {
        if (strcmp(other->explained_by, root->id) == 0)
            fmt(w, len, CANNOT "%s %s follows from the root cause; fix that first", other->id,
                kind_name(other->kind_id));
        else
            fmt(w, len, CANNOT "%s %s is a cause of its own here: see it", other->id,
                kind_name(other->kind_id));
        return;
    }
    switch (c) {
    case C_CREDENTIALS:
        if ((v = verified(s, &p->remote.ip)) != NULL)
            fmt(w, len, RULED "--secrets verified the password (%s)", v->id);
        else if (p->auth_ok > 0)
            fmt(w, len, RULED "%s accepted the credentials of %s %llu time(s)", r, l,
                (unsigned long long)p->auth_ok);
        else if (re->challenges == 0)
            fmt(w, len, RULED "%s never challenged (no 401/407): no credentials were checked",
                r);
        else
            fmt(w, len, CANNOT "no retry with credentials was accepted and no --secrets file "
                "tells the password");
        return;
    case C_IP_ACL:
        if (re->challenges > 0)
            fmt(w, len, RULED "%s challenged (%llu x 401/407): it let %s in and asked for "
                "credentials", r, (unsigned long long)re->challenges, l);
        else if (p->answers[2] > 0)
            fmt(w, len, RULED "%s answered 2xx %llu time(s)", r,
                (unsigned long long)p->answers[2]);
        else
            fmt(w, len, CANNOT "no request from %s was refused without a challenge", l);
        return;
    case C_SOURCE_IP:
        for (size_t i = 0; i < s->n_peers; i++)
            if (addr_eq(&s->peers[i].remote.ip, &p->remote.ip) &&
                !addr_eq(&s->peers[i].local.ip, &p->local.ip) &&
                strcmp(s->peers[i].role, ROLE_TRUNK) == 0)
                others++;
        if (others == 0)
            fmt(w, len, RULED "only %s sent requests to %s in this capture", l, r);
        else
            fmt(w, len, RULED "no account was accepted from one address and refused from "
                "another (%zu other address(es) talk to %s)", others, r);
        return;
    case C_SUSPENDED:
        if (p->answers[2] > 0)
            fmt(w, len, RULED "%s answered 2xx %llu time(s) and no answer says suspended or "
                "disabled", r, (unsigned long long)p->answers[2]);
        else if (re->responses > 0)
            fmt(w, len, RULED "none of the %llu answer(s) of %s says suspended, disabled or "
                "blocked", (unsigned long long)re->responses, r);
        else
            fmt(w, len, CANNOT "%s sent no answer at all", r);
        return;
    case C_WRONG_REGION:
        if (p->provider[0] != '\0')
            fmt(w, len, RULED "the profile %s knows %s, and its edge matches the Request-URI "
                "host", p->provider, r);
        else
            fmt(w, len, CANNOT "no provider profile or --config names the edges of %s", r);
        return;
    case C_NAT_ALG:
        if (lo->requests > 0)
            fmt(w, len, RULED "the %llu request(s) of %s advertise no private address in "
                "Via/Contact/SDP, and no header was rewritten on the way",
                (unsigned long long)lo->requests, l);
        else
            fmt(w, len, CANNOT "%s sent no request in it", l);
        return;
    case C_MULTI_SITE:
        if (p->auth_ok + p->answers[2] == 0)
            fmt(w, len, CANNOT "nothing was accepted, so a second site using the account "
                "cannot show");
        else
            fmt(w, len, RULED "everything %s accepted came from %s only", r, l);
        return;
    case C_SILENT_DROP:
        if (re->responses > 0)
            fmt(w, len, RULED "%s answered %llu message(s) (frames %llu-%llu)", r,
                (unsigned long long)re->responses, (unsigned long long)re->first_resp_frame,
                (unsigned long long)re->last_resp_frame);
        else if (lo->requests == 0)
            fmt(w, len, CANNOT "%s sent no request to %s", l, r);
        else
            fmt(w, len, CANNOT "%s never answered: a drop, or a capture that sees one "
                "direction only", r);
        return;
    case C_KEEPALIVE:
        if (p->requests[SIP_OPTIONS] == 0)
            fmt(w, len, CANNOT "no OPTIONS keep-alives were sent between %s and %s", l, r);
        else if (strcmp(p->keepalive, "down") == 0)
            fmt(w, len, CANNOT "the last keep-alive went unanswered (state down)");
        else
            fmt(w, len, RULED "the OPTIONS keep-alives to %s were answered (state %s)", r,
                p->keepalive);
        return;
    case C_CARRIER_POLICY:
        if (re->responses > 0)
            fmt(w, len, RULED "no answer of %s cites a carrier policy (caller ID, number "
                "format, call rate, geographic permission)", r);
        else
            fmt(w, len, CANNOT "%s sent no answer", r);
        return;
    case C_TLS:
        fmt(w, len, RULED "no TLS handshake between %s and %s failed in this capture", l, r);
        return;
    case C_MEDIA:
        fmt(w, len, RULED "no call between %s and %s had one-way or missing audio in this "
            "capture", l, r);
        return;
    case C_COLLECTION:
        /* only for what a HEP agent collected (site_id): was all of it here? */
        for (size_t i = 0; p->site_id != 0 && s->run.n_agents > 0 && i < s->n_findings; i++) {
            v = &s->findings[i];
            if (v->kind_id == KIND_HEP_AGENT_QUIET && v->site_id == p->site_id) {
                fmt(w, len, CANNOT "%s: %.180s", v->id, v->summary);
                return;
            }
        }
        /* said only by a live --hep-in receiver (its agents table): a file
         * read with -r has no collector that could have watched */
        if (p->site_id != 0 && s->run.n_agents > 0) {
            fmt(w, len, RULED "the HEP agent of site %u never went quiet (hep_agent_quiet)",
                (unsigned)p->site_id);
            return;
        }
        break;
    case C_COUNT:
        break;
    }
    w[0] = '\0';
}

static void differential(const struct snapshot *s, const struct snap_peer *p,
                         const struct snap_finding *root, struct snap_diagnosis *d)
{
    enum cause own = cause_of(root->kind_id);

    d->n_ruled_out = 0;
    for (int c = 0; c < C_COUNT && d->n_ruled_out < SNAP_MAX_RULED_OUT; c++) {
        struct snap_ruled_out *r = &d->ruled_out[d->n_ruled_out];
        if ((enum cause)c == own)
            continue;
        fmt(r->cause, sizeof(r->cause), "%s", cause_name[c]);
        why_not(s, (enum cause)c, p, root, r->why, sizeof(r->why));
        if (r->why[0] != '\0')
            d->n_ruled_out++;
    }
}

/* Attacks: whether the PBX's own logins at the attacked server work. */
static void attack_differential(const struct snapshot *s, const struct snap_finding *root,
                                struct snap_diagnosis *d)
{
    struct snap_ruled_out *r = &d->ruled_out[0];
    uint64_t ok = 0;

    for (size_t i = 0; i < s->n_peers; i++)
        if (strcmp(s->peers[i].role, ROLE_ATTACKER) != 0 &&
            (addr_is_unset(&root->server_ip) || addr_eq(&s->peers[i].remote.ip, &root->server_ip)))
            ok += s->peers[i].auth_ok;
    fmt(r->cause, sizeof(r->cause), "credentials");
    if (ok > 0)
        fmt(r->why, sizeof(r->why), RULED "the failed logins are the attacker's; the other "
            "clients of the server authenticated %llu time(s)", (unsigned long long)ok);
    else
        fmt(r->why, sizeof(r->why), CANNOT "the failed logins are the attacker's, and no "
            "other client authenticated: the PBX's own credentials were not tried here");
    d->n_ruled_out = 1;
}

/* ---- confidence ---- */

static const char *confidence(const struct snapshot *s, const struct snap_finding *root,
                              const struct snap_peer *p, uint32_t n_explains)
{
    switch (root->kind_id) {
    case KIND_PASSWORD_MISMATCH:
    case KIND_ACCOUNT_SUSPENDED:
    case KIND_SOURCE_IP_CHANGED:
    case KIND_BRUTE_FORCE:
    case KIND_SCANNER:
    case KIND_KEEPALIVE_FAILED:
    case KIND_WRONG_REGION:
    case KIND_HEP_AGENT_QUIET:
        return "high";      /* the evidence names the cause itself */
    case KIND_NO_RESPONSE:
        /* silence proves least: a one-sided capture looks the same */
        return p != NULL && p->side_remote.responses > 0 ? "medium" : "low";
    default:
        break;
    }
    (void)s;
    if (root->severity >= SEV_ERROR && (n_explains > 0 || root->count > 1))
        return "high";
    return root->severity >= SEV_ERROR ? "medium" : "low";
}

/* ---- entries ---- */

struct scratch {
    struct snap_diagnosis d;
    uint32_t n_same;    /* more roots of the same cause, folded in */
    struct addr client, server; /* of the first root */
    uint32_t n_cl, n_sv;        /* distinct clients / servers of its roots (to the cap) */
    struct addr cl[SNAP_MAX_EXPLAINS], sv[SNAP_MAX_EXPLAINS];
    size_t order;       /* creation index of the root, for a stable order */
    int rank;
};

/* Kinds about the client's own set-up (its TLS stack, its NAT, its SIP
 * ALG): the same failure towards many servers is one cause, and many
 * clients failing the same way against one server is one cause of that
 * server. Every other kind folds per trunk only: a wrong password on two
 * trunks is two accounts to fix. */
static bool client_wide(enum kind_id k)
{
    return k == KIND_TLS_FAILED || k == KIND_TLS_CERTIFICATE || k == KIND_TLS_ENCRYPTED ||
           k == KIND_NAT_REWRITE || k == KIND_SIP_ALG;
}

/* b (just filled from root f) is the same cause as t: one kind on one
 * trunk, however many entities (numbers, users) its findings name; for a
 * client-wide kind, one client or one server. */
static bool same_cause(const struct snapshot *s, const struct scratch *t,
                       const struct snap_diagnosis *b, const struct snap_finding *f)
{
    (void)s;
    if (t->d.root_cause != b->root_cause || strcmp(t->d.role, b->role) != 0)
        return false;
    if (strcmp(t->d.trunk, b->trunk) == 0)
        return true;
    if (!client_wide(b->root_cause))
        return false;
    return (!addr_is_unset(&t->client) && addr_eq(&t->client, &f->client_ip)) ||
           (!addr_is_unset(&t->server) && addr_eq(&t->server, &f->server_ip));
}

/* a, once, in a set of at most SNAP_MAX_EXPLAINS (past it: n says "at least"). */
static void note_addr(struct addr *set, uint32_t *n, const struct addr *a)
{
    for (uint32_t i = 0; i < *n && i < SNAP_MAX_EXPLAINS; i++)
        if (addr_eq(&set[i], a))
            return;
    if (*n < SNAP_MAX_EXPLAINS)
        set[*n] = *a;
    if (*n <= SNAP_MAX_EXPLAINS)
        (*n)++;
}

/* A folded entry says how many roots it holds, and where they are. */
static void name_folded(struct scratch *t)
{
    struct snap_diagnosis *d = &t->d;
    char more[64], c[ADDR_STRLEN], sv[ADDR_STRLEN];
    const char *plus;
    size_t l = strlen(d->summary);

    if (t->n_same == 0)
        return;
    addr_str(&t->client, c, sizeof(c));
    addr_str(&t->server, sv, sizeof(sv));
    if (t->n_sv > 1 && t->n_cl == 1) {
        plus = t->n_sv > SNAP_MAX_EXPLAINS ? "more than " : "";
        fmt(d->trunk, sizeof(d->trunk), "%s to %s%u servers", c, plus,
            (unsigned)(t->n_sv > SNAP_MAX_EXPLAINS ? SNAP_MAX_EXPLAINS : t->n_sv));
    } else if (t->n_cl > 1 && t->n_sv == 1) {
        plus = t->n_cl > SNAP_MAX_EXPLAINS ? "more than " : "";
        fmt(d->trunk, sizeof(d->trunk), "%s%u clients to %s", plus,
            (unsigned)(t->n_cl > SNAP_MAX_EXPLAINS ? SNAP_MAX_EXPLAINS : t->n_cl), sv);
    }
    fmt(more, sizeof(more), " (and %u more like it)", (unsigned)t->n_same);
    if (l + strlen(more) < sizeof(d->summary))
        memcpy(d->summary + l, more, strlen(more) + 1);
}

static int cmp_diag(const void *a, const void *b)
{
    const struct scratch *x = a, *y = b;

    if (x->d.severity != y->d.severity)
        return x->d.severity > y->d.severity ? -1 : 1;
    /* the findings it accounts for: what it explains and its folded roots */
    uint64_t nx = (uint64_t)x->d.n_explains + x->d.explains_dropped + x->d.n_roots;
    uint64_t ny = (uint64_t)y->d.n_explains + y->d.explains_dropped + y->d.n_roots;
    if (nx != ny)
        return nx > ny ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* A folded finding's id (past the cap: counted in explains_dropped). */
static void add_id(struct snap_diagnosis *d, const char *id)
{
    if (d->n_explains < SNAP_MAX_EXPLAINS)
        fmt(d->explains[d->n_explains++], SNAP_ID, "%s", id);
    else
        d->explains_dropped++;
}

/* A frame of the evidence chain, kept ascending and once; past the cap it
 * is counted. */
static void add_frame(struct snap_diagnosis *d, uint64_t fr)
{
    uint32_t n = d->n_frames < SNAP_MAX_DIAG_FRAMES ? d->n_frames : SNAP_MAX_DIAG_FRAMES, i = 0;

    if (fr == 0)
        return;
    while (i < n && d->frames[i] < fr)
        i++;
    if (i < n && d->frames[i] == fr)
        return;
    d->n_frames++;
    if (n == SNAP_MAX_DIAG_FRAMES)
        return;
    memmove(&d->frames[i + 1], &d->frames[i], (n - i) * sizeof(d->frames[0]));
    d->frames[i] = fr;
}

/* A root finding of this entry: its id and its evidence frames. */
static void add_root(struct snap_diagnosis *d, const struct snap_finding *root)
{
    if (d->n_roots < SNAP_MAX_EXPLAINS)
        fmt(d->roots[d->n_roots], SNAP_ID, "%s", root->id);
    d->n_roots++;
    for (uint32_t k = 0; k < root->n_evidence && k < SNAP_MAX_EVIDENCE; k++)
        add_frame(d, root->evidence[k].frame);
}

/* a takes in b (another root of the same cause): its roots, frames and
 * what it explains. */
static void absorb(struct snap_diagnosis *a, const struct snap_diagnosis *b)
{
    uint32_t nr = b->n_roots < SNAP_MAX_EXPLAINS ? b->n_roots : SNAP_MAX_EXPLAINS;
    uint32_t nf = b->n_frames < SNAP_MAX_DIAG_FRAMES ? b->n_frames : SNAP_MAX_DIAG_FRAMES;

    for (uint32_t k = 0; k < nr; k++)
        if (a->n_roots < SNAP_MAX_EXPLAINS)
            fmt(a->roots[a->n_roots++], SNAP_ID, "%s", b->roots[k]);
        else
            a->n_roots++;
    a->n_roots += b->n_roots - nr;
    for (uint32_t k = 0; k < nf; k++)
        add_frame(a, b->frames[k]);
    a->n_frames += b->n_frames - nf;
    for (uint32_t k = 0; k < b->n_explains; k++)
        add_id(a, b->explains[k]);
    a->explains_dropped += b->explains_dropped;
    if (b->severity > a->severity)
        a->severity = b->severity;
}

static void add_explained(struct snapshot *s, struct snap_finding *root, struct snap_diagnosis *d)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        struct snap_finding *f = &s->findings[i];
        if (f == root || f->explained_by[0] == '\0' || root_of(s, f) != root)
            continue;
        if (f->severity > d->severity)
            d->severity = f->severity;
        add_id(d, f->id);
    }
}

static void fill_entry(struct snapshot *s, struct snap_finding *root, struct snap_diagnosis *d)
{
    const struct snap_peer *p = diag_peer_of(s, root);
    /* a population of addresses (sources, or accounts each used from
     * several) is named by its entity ("50 sources to 192.0.2.10"), not by
     * the one peer that raised it last; users may share one peer */
    bool many = root->n_members > 1 && (strcmp(root->population, "sources") == 0 ||
                                         strcmp(root->population, "accounts") == 0);
    const char *name = p != NULL && !many ? p->name : root->entity;
    char ip[ADDR_STRLEN];

    memset(d, 0, sizeof(*d));
    d->root_cause = root->kind_id;
    d->severity = root->severity;
    fmt(d->finding, sizeof(d->finding), "%s", root->id);
    add_root(d, root);
    add_explained(s, root, d);
    if (root->kind_id == KIND_HEP_AGENT_QUIET) {
        /* the collection, not the SIP: no peer, no differential; its summary
         * says from when the verdict for that site is incomplete */
        fmt(d->role, sizeof(d->role), "collection");
        fmt(d->trunk, sizeof(d->trunk), "%s", root->entity);
    } else if (is_attack(root)) {
        fmt(d->role, sizeof(d->role), "attack");
        addr_str(&root->client_ip, ip, sizeof(ip));
        fmt(d->trunk, sizeof(d->trunk), "%s", name);
        attack_differential(s, root, d);
    } else {
        fmt(d->role, sizeof(d->role), "%s",
            p != NULL && strcmp(p->role, ROLE_PHONE) == 0 ? "phone" : "trunk");
        fmt(d->trunk, sizeof(d->trunk), "%s", name);
        if (p != NULL)
            differential(s, p, root, d);
    }
    fmt(d->confidence, sizeof(d->confidence), "%s", confidence(s, root, p, d->n_explains));
    if (d->n_explains > 0)
        fmt(d->summary, sizeof(d->summary), "%.200s (explains %u other finding(s))",
            root->summary, (unsigned)d->n_explains);
    else
        fmt(d->summary, sizeof(d->summary), "%s", root->summary);
    if (root->n_fix > 0)
        fmt(d->fix, sizeof(d->fix), "%s", root->fix[0]);
}

/* One attack diagnosis: the worst attack root; the other attack roots and
 * everything they explain fold under it. */
static void merge_attacks(struct snapshot *s, struct scratch *tab, size_t *n)
{
    size_t first = *n, out = 0;

    for (size_t i = 0; i < *n; i++)
        if (strcmp(tab[i].d.role, "attack") == 0) {
            first = i;
            break;
        }
    if (first == *n)
        return;
    for (size_t i = 0; i < *n; i++) {
        struct snap_diagnosis *a = &tab[first].d, *b = &tab[i].d;
        if (i != first && strcmp(b->role, "attack") == 0) {
            absorb(a, b);
            continue;
        }
        tab[out++] = tab[i];
        if (i == first)
            first = out - 1;
    }
    *n = out;
    (void)s;
}

void diagnosis_run(struct snapshot *s)
{
    struct scratch *tab;
    size_t n = 0;

    s->n_diagnosis = 0;
    s->diagnosis_dropped = 0;
    diag_roles(s);
    link_findings(s);
    tab = calloc(s->n_findings ? s->n_findings : 1, sizeof(*tab));
    if (tab == NULL)
        return;
    for (size_t i = 0; i < s->n_findings; i++) {
        struct snap_finding *f = &s->findings[i];
        struct scratch *same = NULL;
        if (f->severity < SEV_WARNING || f->explained_by[0] != '\0')
            continue;
        fill_entry(s, f, &tab[n].d);
        for (size_t j = 0; j < n && same == NULL; j++)
            if (same_cause(s, &tab[j], &tab[n].d, f))
                same = &tab[j];
        if (same != NULL) {
            absorb(&same->d, &tab[n].d);
            note_addr(same->cl, &same->n_cl, &f->client_ip);
            note_addr(same->sv, &same->n_sv, &f->server_ip);
            same->n_same++;
            continue;
        }
        tab[n].client = f->client_ip;
        tab[n].server = f->server_ip;
        note_addr(tab[n].cl, &tab[n].n_cl, &f->client_ip);
        note_addr(tab[n].sv, &tab[n].n_sv, &f->server_ip);
        tab[n].rank = kind_meta(f->kind_id)->rank;
        tab[n].order = (size_t)strtoul(f->id[0] == 'F' ? f->id + 1 : "0", NULL, 10);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        name_folded(&tab[i]);
    qsort(tab, n, sizeof(*tab), cmp_diag);
    merge_attacks(s, tab, &n);
    qsort(tab, n, sizeof(*tab), cmp_diag);
    for (size_t i = 0; i < n; i++) {
        if (s->n_diagnosis >= SNAP_MAX_DIAGNOSIS) {
            s->diagnosis_dropped++;
            continue;
        }
        s->diagnosis[s->n_diagnosis++] = tab[i].d;
    }
    free(tab);
}
