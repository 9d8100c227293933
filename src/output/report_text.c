/*
 * report_text.c — the report for people: a headline verdict per peer
 * first, then findings by severity with evidence, causes and fixes, then
 * the per-peer summary table and the run statistics. ANSI colour only when
 * asked (a tty without NO_COLOR; main decides).
 *
 * Flow: snapshot → report. Thread: the caller's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "findings/kind_meta.h"
#include "report_fmt.h"
#include "report_tls.h"
#include "sip.h"
#include "tls.h"

struct style {
    const char *bold, *dim, *off, *sev[4];
};

static const struct style plain = { "", "", "", { "", "", "", "" } };
static const struct style ansi = {
    "\033[1m", "\033[2m", "\033[0m",
    { "\033[36m", "\033[33m", "\033[31m", "\033[1;31m" },   /* info warning error critical */
};

static void upper(const char *in, char *out, size_t len)
{
    size_t i = 0;

    for (; in[i] && i + 1 < len; i++)
        out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 32) : in[i];
    out[i] = '\0';
}

static void verdicts(FILE *f, const struct snapshot *s, const struct style *st)
{
    size_t shown = 0;

    fprintf(f, "%sVerdict%s\n", st->bold, st->off);
    for (size_t i = 0; i < s->n_peers; i++) {
        const char *v = report_peer_verdict(&s->peers[i]);
        if (v[0] == '\0')
            continue;
        fprintf(f, "  %s\n", v);
        shown++;
    }
    /* findings tied to no peer (account-wide, end-of-capture rules) */
    for (size_t i = 0; i < s->n_findings && shown == 0; i++) {
        if (s->findings[i].severity < SEV_WARNING)
            break;
        fprintf(f, "  %s\n", s->findings[i].summary);
        shown++;
    }
    if (shown == 0)
        fprintf(f, "  No problem found: %zu peer(s), %llu SIP message(s), nothing of severity "
                   "warning or worse.\n", s->n_peers, (unsigned long long)s->run.sip_messages);
    fputc('\n', f);
}

#define TEXT_EXPLAINS 4         /* folded findings named under a root cause */

#define TEXT_FRAMES 16          /* evidence frames named per root cause */

/* The other roots folded into a diagnosis, and its evidence frames. */
static void diagnosis_roots(FILE *f, const struct snap_diagnosis *d)
{
    uint32_t nr = d->n_roots < SNAP_MAX_EXPLAINS ? d->n_roots : SNAP_MAX_EXPLAINS;
    uint32_t nf = d->n_frames < SNAP_MAX_DIAG_FRAMES ? d->n_frames : SNAP_MAX_DIAG_FRAMES;

    if (d->n_roots > 1) {
        fprintf(f, "     %u roots of this cause folded here:", (unsigned)d->n_roots);
        for (uint32_t k = 0; k < nr; k++)
            fprintf(f, " %s", d->roots[k]);
        fprintf(f, "%s\n", d->n_roots > nr ? " ..." : "");
    }
    if (nf == 0)
        return;
    fprintf(f, "     evidence frames");
    for (uint32_t k = 0; k < nf && k < TEXT_FRAMES; k++)
        fprintf(f, " %llu", (unsigned long long)d->frames[k]);
    if (d->n_frames > TEXT_FRAMES)
        fprintf(f, " and %u more (--report json lists them)",
                (unsigned)(d->n_frames - TEXT_FRAMES));
    fputc('\n', f);
}
/*
 * The length budget of the default report (issue 14: a busy PBX's report is
 * read by a person). The report is first laid out with `normal`; when that
 * is longer than TEXT_REPORT_LINES it is laid out again with `tight` (the
 * differential only for the first root causes, fewer findings in full,
 * peers and calls). -v / --full (run_info.report_full) gives everything.
 * What is left out is counted where it would be; the JSON report has all.
 */
#define TEXT_REPORT_LINES 200
struct text_budget {
    size_t lines;       /* findings shown in full while about this many lines last */
    size_t full;        /* ...and at least this many */
    size_t brief;       /* then this many one line each */
    size_t peers;       /* peers listed when there are more */
    size_t media_calls; /* calls in the Media section, bad audio first */
    size_t diag_full;   /* root causes shown with their differential */
    size_t explains;    /* folded findings named under a root cause */
};
static const struct text_budget normal = { 80, 2, 20, 8, 8, SIZE_MAX, TEXT_EXPLAINS };
static const struct text_budget tight = { 40, 1, 8, 4, 3, 2, 2 };
static const struct text_budget everything = { SIZE_MAX, SIZE_MAX, 0, SIZE_MAX, SIZE_MAX,
                                               SIZE_MAX, SNAP_MAX_EXPLAINS };

/* The diagnosis (diagnosis/diagnosis.h, docs/findings.md "Diagnosis"): one
 * block per root cause, most important first; the line formats are a
 * documented contract (tests and scripts read them). */
static void diagnosis_section(FILE *f, const struct snapshot *s, const struct style *st,
                              const struct text_budget *tb)
{
    size_t cut = 0;

    fprintf(f, "%sDiagnosis%s (%zu root cause(s), most important first)\n", st->bold, st->off,
            s->n_diagnosis + s->diagnosis_dropped);
    for (size_t i = 0; i < s->n_diagnosis && i < SNAP_MAX_DIAGNOSIS; i++) {
        const struct snap_diagnosis *d = &s->diagnosis[i];
        char sev[16];
        upper(severity_name(d->severity), sev, sizeof(sev));
        fprintf(f, "  %zu. %s[%s]%s %s%s%s on %s: %s (confidence %s)\n", i + 1,
                st->sev[d->severity & 3], sev, st->off, st->bold, kind_name(d->root_cause),
                st->off, d->role, d->trunk, d->confidence);
        fprintf(f, "     %s\n", d->summary);
        fprintf(f, "     root finding %s\n", d->finding);
        diagnosis_roots(f, d);
        for (uint32_t k = 0; k < d->n_explains && k < SNAP_MAX_EXPLAINS && k < tb->explains;
             k++) {
            const struct snap_finding *x = NULL;
            for (size_t j = 0; j < s->n_findings && x == NULL; j++)
                if (strcmp(s->findings[j].id, d->explains[k]) == 0)
                    x = &s->findings[j];
            fprintf(f, "     explains %s %s: %s\n", d->explains[k], x ? x->kind : "?",
                    x ? x->summary : "(not in this report)");
        }
        if (d->n_explains + d->explains_dropped > tb->explains)
            fprintf(f, "     explains %u more finding(s) (their ids are in --report json)\n",
                    (unsigned)(d->n_explains + d->explains_dropped - tb->explains));
        if (i < tb->diag_full)
            for (uint32_t k = 0; k < d->n_ruled_out && k < SNAP_MAX_RULED_OUT; k++)
                fprintf(f, "     - %s: %s\n", d->ruled_out[k].cause, d->ruled_out[k].why);
        else
            cut += d->n_ruled_out > 0;
        if (d->fix[0])
            fprintf(f, "     fix: %s\n", d->fix);
    }
    if (s->diagnosis_dropped)
        fprintf(f, "  %zu more root cause(s) not shown (at most %d): see the findings\n",
                s->diagnosis_dropped, SNAP_MAX_DIAGNOSIS);
    if (cut)
        fprintf(f, "  (the other causes each one rules out: -v or --report json)\n");
    fputc('\n', f);
}

/* Where a finding sits in the diagnosis: its id, and the root it folds under. */
static void folded(FILE *f, const struct snap_finding *x)
{
    if (x->id[0] == '\0')
        return;
    if (x->explained_by[0])
        fprintf(f, "   id %s, explained by %s (folded under it in the Diagnosis)\n", x->id,
                x->explained_by);
    else
        fprintf(f, "   id %s\n", x->id);
}

/* Evidence lines of a finding when the listing is over its budget. */
#define TEXT_EVIDENCE 8

static void finding(FILE *f, const struct snap_finding *x, size_t n, const struct style *st,
                    uint32_t max_evidence)
{
    char sev[16], a[40], b[40];

    upper(severity_name(x->severity), sev, sizeof(sev));
    fprintf(f, "%zu. %s[%s]%s %s%s%s: %s\n", n, st->sev[x->severity & 3], sev, st->off,
            st->bold, x->kind, st->off, x->summary);
    folded(f, x);
    fprintf(f, "   entity: %s", x->entity);
    if (x->provider[0])
        fprintf(f, "   provider: %s", x->provider);
    fprintf(f, "\n   seen %llu time(s), first %s, last %s (UTC)\n", (unsigned long long)x->count,
            report_time_utc(x->first_us, a, sizeof(a)), report_time_utc(x->last_us, b, sizeof(b)));
    if (x->n_members > 1 || x->members_dropped > 0) {
        fprintf(f, "   %s: %llu%s", x->population, (unsigned long long)x->n_members,
                x->members_dropped ? " counted (more not counted)" : "");
        for (uint32_t i = 0; i < x->n_sample; i++)
            fprintf(f, "%s%s (%llu)", i ? ", " : ", most: ", x->sample[i].name,
                    (unsigned long long)x->sample[i].count);
        fputc('\n', f);
    }
    if (x->n_targets > 0) {
        fprintf(f, "   targets:");
        for (uint32_t i = 0; i < x->n_targets && i < SNAP_MAX_TARGETS; i++)
            fprintf(f, "%s %s", i ? "," : "", x->targets[i]);
        fputc('\n', f);
    }
    if (x->n_evidence > 0) {
        fprintf(f, "   evidence:\n");
        for (uint32_t i = 0; i < x->n_evidence && i < max_evidence; i++) {
            const struct snap_evidence *ev = &x->evidence[i];
            fprintf(f, "     frame %-6llu %s  %-28s %s\n", (unsigned long long)ev->frame,
                    report_time_utc(ev->ts_us, a, sizeof(a)), ev->role, ev->line);
        }
        if (x->n_evidence > max_evidence)
            fprintf(f, "     ... %u more frame(s) in the JSON report\n",
                    x->n_evidence - max_evidence);
    }
    if (x->n_causes > 0) {
        fprintf(f, "   likely causes (most likely first):\n");
        for (uint32_t i = 0; i < x->n_causes; i++)
            fprintf(f, "     %u. %s\n", i + 1, x->causes[i]);
    }
    if (x->n_fix > 0) {
        fprintf(f, "   fix:\n");
        for (uint32_t i = 0; i < x->n_fix; i++)
            fprintf(f, "     - %s\n", x->fix[i]);
    }
    fputc('\n', f);
}

static void finding_brief(FILE *f, const struct snap_finding *x, size_t n,
                          const struct style *st)
{
    char sev[16];

    upper(severity_name(x->severity), sev, sizeof(sev));
    fprintf(f, "%zu. %s[%s]%s %s: %s\n", n, st->sev[x->severity & 3], sev, st->off, x->kind,
            x->summary);
}

/* Lines finding() prints for x with at most max_evidence frames. */
static size_t finding_lines(const struct snap_finding *x, uint32_t max_evidence)
{
    return 4 + (x->n_evidence ? 1 + (x->n_evidence < max_evidence ? x->n_evidence
                                                                  : max_evidence + 1) : 0) +
           (x->n_causes ? 1 + x->n_causes : 0) + (x->n_fix ? 1 + x->n_fix : 0) +
           (x->n_members > 1 || x->members_dropped) + (x->n_targets > 0);
}

static void findings_listing(FILE *f, const struct snapshot *s, const struct style *st,
                             const struct text_budget *tb)
{
    size_t n = s->n_findings, all = 0, used = 0, i;
    uint32_t ev = SNAP_MAX_EVIDENCE;

    for (i = 0; i < n; i++)
        all += finding_lines(&s->findings[i], SNAP_MAX_EVIDENCE);
    if (all > tb->lines)
        ev = TEXT_EVIDENCE;
    /* in full while the budget lasts (the first TEXT_FULL always), then
     * one line each, then a count */
    for (i = 0; i < n; i++) {
        size_t l = finding_lines(&s->findings[i], ev);
        if (all > tb->lines && i >= tb->full && used + l > tb->lines)
            break;
        finding(f, &s->findings[i], i + 1, st, ev);
        used += l;
    }
    for (size_t b = 0; i < n && b < tb->brief; i++, b++)
        finding_brief(f, &s->findings[i], i + 1, st);
    if (i < n)
        fprintf(f, "\n... and %zu more finding(s) of lower rank (the JSON report lists every "
                   "finding)\n\n", n - i);
    else if (all > tb->lines)
        fputc('\n', f);
}

/* A peer worth a line in a long listing: something failed on it. */
static bool peer_notable(const struct snap_peer *p)
{
    return p->auth_failed > 0 || p->verdict[0] != '\0' || p->answers[0] > 0 ||
           p->answers[4] + p->answers[5] + p->answers[6] > 0;
}

static void peers(FILE *f, const struct snapshot *s, const struct style *st,
                  const struct text_budget *tb)
{
    static const char *cls[SNAP_ANSWER_CLASSES] = { "unanswered", "1xx", "2xx", "3xx", "4xx",
                                                     "5xx", "6xx" };
    char a[40], b[40];

    size_t shown = 0, notable = 0, silent = 0;
    bool budget = s->n_peers > tb->peers;

    fprintf(f, "%sPeers%s\n", st->bold, st->off);
    if (s->n_peers == 0)
        fprintf(f, "  (none)\n");
    for (size_t i = 0; i < s->n_peers; i++)
        notable += peer_notable(&s->peers[i]);
    for (size_t i = 0; i < s->n_peers; i++) {
        const struct snap_peer *p = &s->peers[i];
        int rate = report_auth_rate(p);
        bool any = false;
        if (strcmp(p->role, "none") == 0) {
            silent++;   /* nothing of its own to diagnose: the JSON keeps it */
            continue;
        }
        if (budget && (shown >= tb->peers || !peer_notable(p)))
            continue;
        shown++;
        fprintf(f, "  %s%s%s%s%s\n", st->bold, p->name, st->off,
                p->provider[0] ? "  provider " : "", p->provider);
        if (p->role_why[0])
            fprintf(f, "    role: %s, because it %s\n", p->role, p->role_why);
        fprintf(f, "    requests:");
        for (int m = 0; m < SIP_METHOD_COUNT; m++)
            if (p->requests[m]) {
                fprintf(f, " %s %llu", m ? sip_method_name((enum sip_method)m) : "other",
                        (unsigned long long)p->requests[m]);
                any = true;
            }
        fprintf(f, "%s\n    answers: ", any ? "" : " none");
        any = false;
        for (int c = 1; c < SNAP_ANSWER_CLASSES; c++)
            if (p->answers[c]) {
                fprintf(f, "%s%s %llu", any ? ", " : "", cls[c], (unsigned long long)p->answers[c]);
                any = true;
            }
        if (p->answers[0]) {
            fprintf(f, "%s%s %llu", any ? ", " : "", cls[0], (unsigned long long)p->answers[0]);
            any = true;
        }
        fprintf(f, "%s\n", any ? "" : "none");
        if (rate >= 0)
            fprintf(f, "    auth: %llu accepted, %llu refused (%d%% success)\n",
                    (unsigned long long)p->auth_ok, (unsigned long long)p->auth_failed, rate);
        else
            fprintf(f, "    auth: no authenticated request decided\n");
        if (p->first_fail_us)
            fprintf(f, "    failures: first %s, last %s (UTC)\n",
                    report_time_utc(p->first_fail_us, a, sizeof(a)),
                    report_time_utc(p->last_fail_us, b, sizeof(b)));
    }
    if (budget)
        fprintf(f, "  ... %zu peer(s) in all, %zu with a failure; %zu shown (the JSON report "
                   "lists every peer)\n", s->n_peers, notable, shown);
    if (silent > 0)
        fprintf(f, "  %zu peer(s) with no request and no answer of their own not listed "
                   "(role none; --report json lists every peer)\n", silent);
    fputc('\n', f);
}

/* --hep-in: each capture agent's health; what was refused is said, never
 * silently left out of the analysis. */
static void agents(FILE *f, const struct snapshot *s, const struct style *st)
{
    const struct run_info *r = &s->run;
    char ip[ADDR_STRLEN], a[40], b[40];

    if (r->n_agents == 0)
        return;
    fprintf(f, "%sHEP agents%s (%u, most recent first)\n", st->bold, st->off, r->n_agents);
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *g = &r->agents[i];
        bool bad = g->malformed || g->refused || g->dropped;
        fprintf(f, "  %sagent %u at %s over %s%s: %llu records (%llu bytes), %llu malformed, "
                   "%llu refused (key), %llu dropped; %s .. %s (UTC)\n",
                bad ? st->sev[SEV_WARNING] : "", (unsigned)g->capid,
                addr_str(&g->ip, ip, sizeof(ip)), transport_name(g->transport),
                bad ? st->off : "", (unsigned long long)g->packets,
                (unsigned long long)g->bytes, (unsigned long long)g->malformed,
                (unsigned long long)g->refused, (unsigned long long)g->dropped,
                report_time_utc(g->first_us, a, sizeof(a)),
                report_time_utc(g->last_us, b, sizeof(b)));
    }
    if (r->agents_evicted)
        fprintf(f, "  %llu agent(s) forgotten at the hep_agents cap\n",
                (unsigned long long)r->agents_evicted);
    fputc('\n', f);
}

static bool media_bad(const struct snap_media_call *c)
{
    return strcmp(c->verdict, "one-way") == 0 || strcmp(c->verdict, "no media") == 0;
}

static void media_stream(FILE *f, const struct snap_media *m)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];

    fprintf(f, "    %s:%u -> %s:%u %s SSRC 0x%08x %s: %llu packets, %lld lost (%.1f%%), "
               "jitter %.2f ms (max %.2f), %.1f s",
            addr_str(&m->src.ip, a, sizeof(a)), (unsigned)m->src.port,
            addr_str(&m->dst.ip, b, sizeof(b)), (unsigned)m->dst.port, m->direction,
            (unsigned)m->ssrc, m->codec[0] ? m->codec : "PT", (unsigned long long)m->packets,
            (long long)m->lost,
            m->expected > 0 ? 100.0 * (double)m->lost / (double)m->expected : 0.0,
            m->jitter_ms, m->jitter_max_ms, (double)(m->last_us - m->first_us) / 1e6);
    if (m->dtmf_events)
        fprintf(f, ", %u DTMF event(s)", m->dtmf_events);
    fputc('\n', f);
}

/* Media per call (src/media/): the verdict, the SDP addresses and each
 * stream; at most TEXT_MEDIA_CALLS calls, those with bad audio first. */
static void media(FILE *f, const struct snapshot *s, const struct style *st,
                  const struct text_budget *tb)
{
    static const char *const side[2] = { "caller", "callee" };
    char a[ADDR_STRLEN];
    size_t shown = 0;

    if (s->n_media_calls == 0 && s->n_media == 0)
        return;
    fprintf(f, "%sMedia%s (%zu call(s) with SDP, %zu RTP stream(s))\n", st->bold, st->off,
            s->n_media_calls, s->n_media);
    for (size_t n = 0; n < 2 * s->n_media_calls && shown < tb->media_calls; n++) {
        /* pass 1: calls with bad audio; pass 2: the others */
        const struct snap_media_call *c = &s->media_calls[n % s->n_media_calls];
        bool bad = media_bad(c);
        if (bad != (n < s->n_media_calls))
            continue;
        shown++;
        fprintf(f, "  call %s: %s%s%s\n", c->call_id, bad ? st->sev[SEV_WARNING] : "",
                c->verdict, bad ? st->off : "");
        fprintf(f, "    SDP:");
        for (int k = 0; k < 2; k++) {
            if (c->have_sdp[k])
                fprintf(f, " %s %s:%u", side[k], addr_str(&c->sdp[k].ip, a, sizeof(a)),
                        (unsigned)c->sdp[k].port);
            else
                fprintf(f, " %s none", side[k]);
            fputc(k == 0 ? ',' : '\n', f);
        }
        for (size_t j = 0; j < s->n_media; j++)
            if (!s->media[j].heuristic && strcmp(s->media[j].call_id, c->call_id) == 0)
                media_stream(f, &s->media[j]);
        if (c->note[0])
            fprintf(f, "    %s\n", c->note);
    }
    if (shown < s->n_media_calls)
        fprintf(f, "  %zu more call(s) not listed here (all are in --report json)\n",
                s->n_media_calls - shown);
    if (s->n_media_heuristic > 0) {
        size_t listed = 0;
        fprintf(f, "  heuristic (--rtp-heuristic): %zu stream(s) on ports no SDP announced, "
                   "in no call\n", s->n_media_heuristic);
        for (size_t j = 0; j < s->n_media && listed < tb->media_calls; j++)
            if (s->media[j].heuristic)
                media_stream(f, &s->media[j]), listed++;
    }
    if (s->media_not_shown || s->media_calls_not_shown)
        fprintf(f, "  %llu stream(s) and %llu call(s) not shown (evicted at --cap media_streams / "
                   "media_calls, or past the report's limit)\n",
                (unsigned long long)s->media_not_shown,
                (unsigned long long)s->media_calls_not_shown);
    fputc('\n', f);
}

/* TLS connections (snapshot.tls, report_tls.h): failed ones first; two
 * lines each, at most tb->peers connections (all with -v). */
static void tls_section(FILE *f, const struct snapshot *s, const struct style *st,
                        const struct text_budget *tb)
{
    size_t idx[SNAP_MAX_TLS], n = s->n_tls < SNAP_MAX_TLS ? s->n_tls : SNAP_MAX_TLS, shown = 0;
    char c[64], sv[64], res[160], v[48], ci[64], why[160], off[48], nb[40], na[40], an[24];

    if (n == 0)
        return;
    report_tls_order(s, idx);
    fprintf(f, "%sTLS connections%s (%zu)\n", st->bold, st->off, n);
    for (size_t i = 0; i < n && shown < tb->peers; i++, shown++) {
        const struct snap_tls *r = &s->tls[idx[i]];
        report_tls_result(r, res, sizeof(res));
        fprintf(f, "  %s -> %s%s%s%s: %s, %s%s%s\n", report_tls_ep(&r->client, c, sizeof(c)),
                r->sni[0] ? r->sni : "", r->sni[0] ? " (" : "",
                report_tls_ep(&r->server, sv, sizeof(sv)), r->sni[0] ? ")" : "",
                r->version ? tls_version_name(r->version, v, sizeof(v)) : "no version chosen",
                r->fail ? st->sev[SEV_ERROR] : "", res, r->fail ? st->off : "");
        fprintf(f, "    offered %s%s", r->legacy_offer ? "up to " : "",
                tls_versions_text(r->offered, off, sizeof(off)));
        if (r->version)
            fprintf(f, "; cipher %s", tls_cipher_name(r->cipher, ci, sizeof(ci)));
        if (r->alpn[0] || r->alpn_offered[0])
            fprintf(f, "; ALPN %s", r->alpn[0] ? r->alpn : r->alpn_offered);
        if (r->has_cert)
            fprintf(f, "; certificate CN %s, issuer %s, %.10s to %.10s%s%s",
                    r->subject[0] ? r->subject : "-", r->issuer[0] ? r->issuer : "-",
                    report_time_utc(r->not_before * 1000000, nb, sizeof(nb)),
                    report_time_utc(r->not_after * 1000000, na, sizeof(na)),
                    r->self_signed ? ", self-signed" : "", r->san[0] ? ", names " : "");
        if (r->has_cert && r->san[0])
            fprintf(f, "%s", r->san);
        if (r->alert)
            fprintf(f, "; alert %s from the %s",
                    r->alert_encrypted ? "(encrypted)" : tls_alert_name(r->alert_desc, an,
                                                                        sizeof(an)),
                    r->alert_from == TLS_SIDE_CLIENT ? "client" : "server");
        const char *w = report_tls_why_not(r, why, sizeof(why));
        if (w != NULL)
            fprintf(f, "; not decrypted: %s\n", w);
        else
            fprintf(f, "; decrypted: %llu record(s), %llu SIP message(s)\n",
                    (unsigned long long)r->decrypted, (unsigned long long)r->sip_messages);
    }
    if (shown < n || s->tls_not_shown)
        fprintf(f, "  %llu more connection(s) not listed here (%llu past the table's %d; the "
                   "rest are in --report json)\n",
                (unsigned long long)(n - shown + s->tls_not_shown),
                (unsigned long long)s->tls_not_shown, SNAP_MAX_TLS);
    fputc('\n', f);
}

static void run_stats(FILE *f, const struct snapshot *s, const struct style *st)
{
    const struct run_info *r = &s->run;
    char a[40], b[40];

    fprintf(f, "%sRun%s\n", st->bold, st->off);
    fprintf(f, "  source %s%s, %s .. %s (UTC)\n", r->source ? r->source : "-",
            r->live ? " (live)" : "", report_time_utc(r->first_ts_us, a, sizeof(a)),
            report_time_utc(r->last_ts_us, b, sizeof(b)));
    fprintf(f, "  packets %llu, SIP messages %llu, malformed %llu, ring drops %llu, "
               "kernel drops %llu, interface drops %llu, evictions %llu\n",
            (unsigned long long)r->packets, (unsigned long long)r->sip_messages,
            (unsigned long long)r->malformed, (unsigned long long)r->ring_drops,
            (unsigned long long)r->kernel_drops, (unsigned long long)r->if_drops,
            (unsigned long long)s->evictions);
    if (r->truncated)
        fprintf(f, "  %sthe file was cut short%s: the last packet is incomplete, results cover "
                   "what was read\n", st->sev[SEV_WARNING], st->off);
    if (r->ring_drops || r->kernel_drops || r->if_drops)
        fprintf(f, "  %spackets were lost during capture%s: some findings may be missing or "
                   "wrong\n", st->sev[SEV_WARNING], st->off);
    if (s->evictions)
        fprintf(f, "  tables reached their caps %llu time(s): raise them with --cap NAME=N\n",
                (unsigned long long)s->evictions);
    for (size_t i = 0; i < s->n_counters; i++)
        if (s->counters[i].value > 0 &&
            strcmp(s->counters[i].name, "engine.identity_history.forgotten") == 0)
            fprintf(f, "  %llu settled identities (nothing refused since last accepted) forgotten, "
                       "the oldest first: a "
                       "source address change after their last acceptance cannot be told\n",
                    (unsigned long long)s->counters[i].value);
}

/* Lost state is said before anything that may rest on it. */
static void incomplete(FILE *f, const struct snapshot *s, const struct style *st)
{
    char buf[512];

    if (report_incomplete(s, buf, sizeof(buf)))
        fprintf(f, "%s%s%s\n\n", st->sev[SEV_WARNING], buf, st->off);
}

/* One layout of the report with budget tb. */
static void layout(FILE *f, const struct snapshot *s, const struct style *st,
                   const struct text_budget *tb)
{
    fprintf(f, "%ssipscope report%s: %s\n\n", st->bold, st->off,
            s->run.source ? s->run.source : "-");
    incomplete(f, s, st);
    if (s->n_diagnosis > 0)
        diagnosis_section(f, s, st, tb);
    else
        verdicts(f, s, st);
    fprintf(f, "%sFindings%s (%llu critical, %llu error, %llu warning, %llu info)\n\n", st->bold,
            st->off, (unsigned long long)s->findings_by_severity[SEV_CRITICAL],
            (unsigned long long)s->findings_by_severity[SEV_ERROR],
            (unsigned long long)s->findings_by_severity[SEV_WARNING],
            (unsigned long long)s->findings_by_severity[SEV_INFO]);
    findings_listing(f, s, st, tb);
    peers(f, s, st, tb);
    agents(f, s, st);
    media(f, s, st, tb);
    tls_section(f, s, st, tb);
    run_stats(f, s, st);
}

int report_text(FILE *f, const struct snapshot *s, bool color)
{
    const struct style *st = color ? &ansi : &plain;
    const struct text_budget *tb = &normal;

    if (s->run.report_full) {
        tb = &everything;
    } else {
        /* lay it out once to count its lines; too long: the tight budget */
        char *buf = NULL;
        size_t len = 0, lines = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m != NULL) {
            layout(m, s, &plain, &normal);
            if (fclose(m) == 0)
                for (size_t i = 0; i < len; i++)
                    lines += buf[i] == '\n';
            free(buf);
        }
        if (lines > TEXT_REPORT_LINES)
            tb = &tight;
    }
    layout(f, s, st, tb);
    return ferror(f) ? -2 : 0;
}
