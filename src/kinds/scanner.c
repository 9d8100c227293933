/*
 * scanner.c — kind scanner: a source whose User-Agent is a known SIP
 * scanning tool (friendly-scanner, sipvicious, sipcli, VaxSIPUserAgent...)
 * or that tries many usernames (REGISTER/OPTIONS AORs or credential
 * usernames) without ever authenticating. Reads KEV_REQUEST.
 * Thread: the analysis thread.
 */
#include "correlate/correlate.h"
#include "correlate/nat.h"

#define SCANNER_USERS SOURCE_SCAN_USERS    /* distinct usernames from one source */

static void fixes(struct finding *f, const char *ip)
{
    finding_cause(f, "internet background scanning for open SIP servers and weak accounts");
    finding_fix(f, "Allow SIP only from the provider's signalling addresses (firewall "
                   "allow-list); drop %s", ip);
    finding_fix(f, "Use strong, unique SIP passwords and fail2ban-style blocking on repeated "
                   "auth failures (not on first challenges)");
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct source *s = ev->source;
    char ip[ADDR_STRLEN], line[160], geo[32];
    struct finding *f;

    if (ev->type != KEV_REQUEST || s == NULL || ev->m == NULL)
        return;
    if (!s->scanner_ua && s->n_users < SCANNER_USERS)
        return;     /* not (yet) a scanner: every branch below needs one of these */
    addr_str(&s->ip, ip, sizeof(ip));
    if ((s->scanner_ua || s->n_users >= SCANNER_USERS) &&
        (f = findings_find(k->fs, KIND_SCANNER, ip)) != NULL) {
        f->f.count++;
        f->f.last_us = ev->m->ts_us;
        finding_cite_latest(k->fs, f, ev->m->frame, ev->m->ts_us, "latest request",
                            ev->txn ? ev->txn->req_line : "");
        return;
    }
    if (s->scanner_ua && s->scanner_frame == ev->m->frame) {
        f = kind_raise(k, KIND_SCANNER, SEV_WARNING, ip, ev->m->ts_us, ev->peer);
        if (f == NULL)
            return;
        finding_about(f, &s->ip, &ev->m->dst.ip);
        nat_geo(k->v->geoip, &s->ip, geo, sizeof(geo));   /* " [CC ASn]" with GeoIP */
        finding_summary(f, "%s%s is a SIP scanner (User-Agent \"%s\")", ip, geo, s->ua);
        findings_fmt(line, sizeof(line), "%s; User-Agent: %s%s", ev->txn ? ev->txn->req_line : "",
                     s->ua, geo);
        finding_cite(k->fs, f, ev->m->frame, ev->m->ts_us, "scanner request", line);
        fixes(f, ip);
        return;
    }
    if (s->n_users == SCANNER_USERS && s->auth_ok == 0 &&
        s->user_frames[SCANNER_USERS - 1] == ev->m->frame) {
        f = kind_raise(k, KIND_SCANNER, SEV_WARNING, ip, ev->m->ts_us, ev->peer);
        if (f == NULL)
            return;
        finding_about(f, &s->ip, &ev->m->dst.ip);
        finding_summary(f, "%s%s tries many different usernames (%d or more) without ever "
                           "authenticating", ip, nat_geo(k->v->geoip, &s->ip, geo, sizeof(geo)),
                        SCANNER_USERS);
        for (int i = 0; i < SCANNER_USERS; i++)
            finding_cite(k->fs, f, s->user_frames[i], 0, "username tried", NULL);
        fixes(f, ip);
    }
}

const struct kind kind_scanner = { KIND_SCANNER, 0, on_event, NULL };
