/*
 * scanner.c — kind scanner: a source whose User-Agent is a known SIP
 * scanning tool (friendly-scanner, sipvicious, sipcli, VaxSIPUserAgent...)
 * or that tries many usernames (REGISTER/OPTIONS AORs or credential
 * usernames) without ever authenticating. Reads KEV_REQUEST.
 * Thread: the analysis thread.
 *
 * One finding per attacked server, not per source (docs/findings.md
 * "Populations"): its members are the scanning sources, counted exactly
 * within the member budget (then estimated, marked so), the worst named
 * (sample); its targets are the accounts they tried. A single scanner reads
 * as before: its address is the entity. With several, the summary counts
 * them, names their tools and what they sent, and gives the time span and
 * rate: "50 scanners (friendly-scanner, sipvicious) made 1,320 REGISTER and
 * 465 INVITE attempts".
 */
#include <string.h>

#include "correlate/correlate.h"
#include "correlate/nat.h"

#define SCANNER_USERS SOURCE_SCAN_USERS    /* distinct usernames from one source */

/* The kind's own state: what the summary of each population says beyond
 * the store's counts (requests by method, the tools seen). Direct-mapped by
 * finding order; a slot taken by another finding restarts (the summary then
 * counts from there, and says nothing wrong: it only names fewer tools). */
#define SCAN_POPS 64
#define SCAN_UAS 3
struct scan_pop {
    uint64_t order;
    uint64_t reg, inv, other;
    uint32_t n_ua;
    bool ua_more;
    char ua[SCAN_UAS][32];
};
struct scan_own {
    struct scan_pop pop[SCAN_POPS];
    bool have_key;              /* the store key of the last server looked up */
    struct addr key_dst;
    char key[128];
};

/* The store key of the population of server dst (cached: a scan goes to
 * one server, and formatting it per request was a tenth of a message's
 * instructions). */
static const char *key_of(struct kind_ctx *k, const struct addr *dst)
{
    struct scan_own *o = k->own;

    if (!o->have_key || !addr_eq(&o->key_dst, dst)) {
        engine_attack_key(o->key, sizeof(o->key), KIND_SCANNER, dst);
        o->key_dst = *dst;
        o->have_key = true;
    }
    return o->key;
}

/* How often a known scanner's next request refreshes the summary (the
 * counts also refresh with each new member and at the end). */
#define SCAN_TEXT_EVERY 64

static void fixes(struct finding *f, const char *ip)
{
    finding_cause(f, "internet background scanning for open SIP servers and weak accounts");
    finding_fix(f, "Allow SIP only from the provider's signalling addresses (firewall "
                   "allow-list); drop %s", ip);
    finding_fix(f, "Use strong, unique SIP passwords and fail2ban-style blocking on repeated "
                   "auth failures (not on first challenges)");
}

static struct scan_pop *pop_of(struct kind_ctx *k, const struct finding *f)
{
    struct scan_pop *p = &((struct scan_own *)k->own)->pop[f->order % SCAN_POPS];

    if (p->order != f->order) {
        memset(p, 0, sizeof(*p));
        p->order = f->order;
    }
    return p;
}

/* Count m's request and its tool for the population summary. */
static void pop_count(struct scan_pop *p, const struct source *s, const char *ua,
                      enum sip_method method)
{
    if (method == SIP_REGISTER)
        p->reg++;
    else if (method == SIP_INVITE)
        p->inv++;
    else
        p->other++;
    if (!s->scanner_ua || ua[0] == '\0')
        return;
    for (uint32_t i = 0; i < p->n_ua; i++)
        if (strncmp(p->ua[i], ua, sizeof(p->ua[i]) - 1) == 0)
            return;
    if (p->n_ua < SCAN_UAS)
        findings_fmt(p->ua[p->n_ua++], sizeof(p->ua[0]), "%s", ua);
    else
        p->ua_more = true;
}

/* The population's entity and summary, once it has more than one source. */
static void pop_text(struct finding *f, const struct scan_pop *p, const struct addr *server)
{
    char srv[ADDR_STRLEN], tools[128] = "", top[200] = "";
    const struct snap_finding *sf = &f->f;
    double span = (double)(sf->last_us - sf->first_us) / 1e6;
    char rate[64] = "";
    size_t n = 0;

    addr_str(server, srv, sizeof(srv));
    for (uint32_t i = 0; i < p->n_ua && n + 1 < sizeof(tools); i++) {
        findings_fmt(tools + n, sizeof(tools) - n, "%s%s", i ? ", " : " (", p->ua[i]);
        n += strlen(tools + n);
    }
    if (p->n_ua > 0 && n + 1 < sizeof(tools))
        findings_fmt(tools + n, sizeof(tools) - n, "%s)", p->ua_more ? ", ..." : "");
    findings_sample_text(sf, top, sizeof(top));
    findings_fmt(f->f.entity, sizeof(f->f.entity), "%llu%s sources to %s",
                 (unsigned long long)sf->n_members, sf->members_dropped ? "+" : "", srv);
    if (span >= 1)
        findings_fmt(rate, sizeof(rate), " over %.0f s (%.1f/s)", span, (double)sf->count / span);
    finding_summary(f, "%llu%s scanners%s made %llu REGISTER, %llu INVITE and %llu other "
                       "requests to %s%s; most: %s",
                    (unsigned long long)(sf->members_dropped ? sf->n_estimate : sf->n_members),
                    sf->members_dropped ? " (estimate)" : "", tools,
                    (unsigned long long)p->reg, (unsigned long long)p->inv,
                    (unsigned long long)p->other, srv, rate, top);
}

/* A REGISTER names the account it tries (To user at the Request-URI host). */
static void note_target(struct kind_ctx *k, struct finding *f, const struct kind_event *ev)
{
    char acct[64];

    if (ev->txn == NULL || ev->m->method != SIP_REGISTER || ev->txn->from_user[0] == '\0')
        return;
    findings_fmt(acct, sizeof(acct), "%s@%s", ev->txn->from_user, ev->txn->ruri_host);
    findings_note_target(k->fs, f, acct);
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct source *s = ev->source;
    char ip[ADDR_STRLEN], line[160], geo[32];
    const char *key, *ua;
    struct finding *f;
    bool fresh;

    if (ev->type != KEV_REQUEST || s == NULL || ev->m == NULL)
        return;
    if (!s->scanner_ua && s->n_users < SCANNER_USERS)
        return;     /* not (yet) a scanner: every branch below needs one of these */
    ua = source_ua(k->v, s);
    addr_str(&s->ip, ip, sizeof(ip));
    key = key_of(k, &ev->m->dst.ip);
    f = findings_find(k->fs, KIND_SCANNER, key);
    if (f != NULL && findings_member_count(k->fs, f, ip) > 0) {
        /* a known scanner's next request: more of the same attack */
        f->f.count++;
        if (ev->m->ts_us > f->f.last_us)
            f->f.last_us = ev->m->ts_us;
        findings_note_member(k->fs, f, "sources", ip);
        finding_cite_latest(k->fs, f, ev->m->frame, ev->m->ts_us, "latest request",
                            ev->txn ? ev->txn->req_line : "");
        pop_count(pop_of(k, f), s, ua, ev->m->method);
        note_target(k, f, ev);
        if (f->f.n_members > 1 && f->f.count % SCAN_TEXT_EVERY == 0)
            pop_text(f, pop_of(k, f), &ev->m->dst.ip);
        return;
    }
    /* a new scanner: its first scanning-tool request, or its tenth username */
    if (s->scanner_ua && s->scanner_frame == ev->m->frame) {
        fresh = true;
    } else if (s->n_users == SCANNER_USERS && s->auth_ok == 0 &&
               s->user_frames[SCANNER_USERS - 1] == ev->m->frame) {
        fresh = false;
    } else {
        return;
    }
    f = kind_raise(k, KIND_SCANNER, SEV_WARNING, key, ev->m->ts_us, ev->peer);
    if (f == NULL)
        return;
    findings_note_member(k->fs, f, "sources", ip);
    pop_count(pop_of(k, f), s, ua, ev->m->method);
    note_target(k, f, ev);
    if (fresh) {
        nat_geo(k->v->geoip, &s->ip, geo, sizeof(geo));   /* " [CC ASn]" with GeoIP */
        findings_fmt(line, sizeof(line), "%s; User-Agent: %s%s", ev->txn ? ev->txn->req_line : "",
                     ua, geo);
        finding_cite(k->fs, f, ev->m->frame, ev->m->ts_us, "scanner request", line);
    } else {
        for (int i = 0; i < SCANNER_USERS; i++)
            finding_cite(k->fs, f, s->user_frames[i], 0, "username tried", NULL);
    }
    if (f->f.n_members > 1) {
        pop_text(f, pop_of(k, f), &ev->m->dst.ip);
        /* the first scanner's fix speaks for all of them now */
        if (f->f.n_fix > 0)
            findings_fmt(f->f.fix[0], sizeof(f->f.fix[0]), "Allow SIP only from the provider's "
                         "signalling addresses (firewall allow-list); drop the scanning sources "
                         "(--report json lists every one)");
        return;
    }
    /* the first scanner of this server: the finding reads as one source's */
    finding_about(f, &s->ip, &ev->m->dst.ip);
    findings_fmt(f->f.entity, sizeof(f->f.entity), "%s", ip);
    if (fresh)
        finding_summary(f, "%s%s is a SIP scanner (User-Agent \"%s\")", ip, geo, ua);
    else
        finding_summary(f, "%s%s tries many different usernames (%d or more) without ever "
                           "authenticating", ip, nat_geo(k->v->geoip, &s->ip, geo, sizeof(geo)),
                        SCANNER_USERS);
    fixes(f, ip);
}

/* The populations' counts as the capture ended. */
static void on_finish(struct kind_ctx *k)
{
    for (struct finding *f = findings_first(k->fs); f; f = findings_next(k->fs, f))
        if (f->f.kind_id == KIND_SCANNER && f->f.n_members > 1 &&
            ((struct scan_own *)k->own)->pop[f->order % SCAN_POPS].order == f->order)
            pop_text(f, pop_of(k, f), &f->f.server_ip);
}

const struct kind kind_scanner = {
    KIND_SCANNER, sizeof(struct scan_own), on_event, on_finish,
    KEV_BIT(KEV_REQUEST)
};
