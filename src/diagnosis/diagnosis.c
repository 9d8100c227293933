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
 * 4. Order: severity, then the number of findings explained, then the
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
    C_MULTI_SITE, C_SILENT_DROP, C_KEEPALIVE, C_CARRIER_POLICY, C_TLS, C_MEDIA, C_COUNT,
};

static const char *const cause_name[C_COUNT] = {
    "credentials", "ip_acl", "source_ip_changed", "suspended", "wrong_region", "nat_alg",
    "multi_site", "silent_drop", "keepalive_outage", "carrier_policy", "tls", "media",
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
            is_attack(f) || f->kind_id == KIND_PASSWORD_VERIFIED)
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
    uint32_t n_same;    /* more roots of the same kind on the same peer, folded in */
    size_t order;       /* creation index of the root, for a stable order */
    int rank;
};

static int cmp_diag(const void *a, const void *b)
{
    const struct scratch *x = a, *y = b;

    if (x->d.severity != y->d.severity)
        return x->d.severity > y->d.severity ? -1 : 1;
    if (x->d.n_explains != y->d.n_explains)
        return x->d.n_explains > y->d.n_explains ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void add_explained(struct snapshot *s, struct snap_finding *root, struct snap_diagnosis *d)
{
    for (size_t i = 0; i < s->n_findings; i++) {
        struct snap_finding *f = &s->findings[i];
        if (f == root || f->explained_by[0] == '\0' || root_of(s, f) != root)
            continue;
        if (f->severity > d->severity)
            d->severity = f->severity;
        if (d->n_explains < SNAP_MAX_EXPLAINS)
            fmt(d->explains[d->n_explains++], SNAP_ID, "%s", f->id);
    }
}

static void fill_entry(struct snapshot *s, struct snap_finding *root, struct snap_diagnosis *d)
{
    const struct snap_peer *p = diag_peer_of(s, root);
    char ip[ADDR_STRLEN];

    memset(d, 0, sizeof(*d));
    d->root_cause = root->kind_id;
    d->severity = root->severity;
    fmt(d->finding, sizeof(d->finding), "%s", root->id);
    add_explained(s, root, d);
    if (is_attack(root)) {
        fmt(d->role, sizeof(d->role), "attack");
        addr_str(&root->client_ip, ip, sizeof(ip));
        fmt(d->trunk, sizeof(d->trunk), "%s", p != NULL ? p->name : root->entity);
        attack_differential(s, root, d);
    } else {
        fmt(d->role, sizeof(d->role), "%s",
            p != NULL && strcmp(p->role, ROLE_PHONE) == 0 ? "phone" : "trunk");
        fmt(d->trunk, sizeof(d->trunk), "%s", p != NULL ? p->name : root->entity);
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
            if (a->n_explains < SNAP_MAX_EXPLAINS)
                fmt(a->explains[a->n_explains++], SNAP_ID, "%s", b->finding);
            for (uint32_t k = 0; k < b->n_explains && a->n_explains < SNAP_MAX_EXPLAINS; k++)
                fmt(a->explains[a->n_explains++], SNAP_ID, "%s", b->explains[k]);
            if (b->severity > a->severity)
                a->severity = b->severity;
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
        /* one cause on one trunk is one diagnosis, however many entities
         * (numbers, users) its findings name */
        for (size_t j = 0; j < n && same == NULL; j++)
            if (tab[j].d.root_cause == tab[n].d.root_cause &&
                strcmp(tab[j].d.trunk, tab[n].d.trunk) == 0)
                same = &tab[j];
        if (same != NULL) {
            struct snap_diagnosis *a = &same->d, *b = &tab[n].d;
            if (a->n_explains < SNAP_MAX_EXPLAINS)
                fmt(a->explains[a->n_explains++], SNAP_ID, "%s", b->finding);
            for (uint32_t k = 0; k < b->n_explains && a->n_explains < SNAP_MAX_EXPLAINS; k++)
                fmt(a->explains[a->n_explains++], SNAP_ID, "%s", b->explains[k]);
            if (b->severity > a->severity)
                a->severity = b->severity;
            same->n_same++;
            continue;
        }
        tab[n].rank = kind_meta(f->kind_id)->rank;
        tab[n].order = (size_t)strtoul(f->id[0] == 'F' ? f->id + 1 : "0", NULL, 10);
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        char more[40];
        size_t l = strlen(tab[i].d.summary);
        if (tab[i].n_same == 0)
            continue;
        fmt(more, sizeof(more), " (and %u more like it)", (unsigned)tab[i].n_same);
        if (l + strlen(more) < sizeof(tab[i].d.summary))
            memcpy(tab[i].d.summary + l, more, strlen(more) + 1);
    }
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
