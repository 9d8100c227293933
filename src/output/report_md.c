/*
 * report_md.c — `--report markdown`: a ticket-ready report to paste into a
 * provider support case or an issue tracker: verdicts, each finding with
 * its evidence table (frame, UTC time, exact start/status line), causes and
 * fixes, the call flow of each evidence dialog as a text ladder (the one
 * `--ladder CALL-ID` prints, at most MD_MAX_LADDERS, the rest counted), the
 * per-peer summary, the --hep-in agents and the capture statistics. No secrets (the snapshot
 * has none); '|' and newlines in cells are escaped.
 * Flow: snapshot → report. Thread: the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings/kind_meta.h"
#include "ladder.h"
#include "report.h"
#include "report_fmt.h"
#include "report_tls.h"
#include "tls.h"
#include "sip.h"

/* Markdown table cell / inline text: escape | ` * _ < > and drop controls. */
static void md(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20)
            fputc(' ', f);
        else if (strchr("|`*_<>[]\\", c) != NULL)
            fprintf(f, "\\%c", c);
        else
            fputc(c, f);
    }
}

/* Call flows drawn in a ticket: enough for the evidence of the top
 * findings, short enough to paste. */
#define MD_MAX_LADDERS 8

/* One dialog's text ladder as an indented code block: the ladder's text is
 * already cleaned of controls and non-ASCII (ladder.c), and an indented
 * block cannot be closed by anything inside it, unlike a ``` fence. */
static void md_ladder(FILE *f, const struct snapshot *s, const struct snap_dialog *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (m == NULL)
        return;
    ladder_text(m, s, d);
    if (fclose(m) != 0) {
        free(buf);
        return;
    }
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        fprintf(f, "    %.*s\n", (int)(e - i), buf + i);
        i = e + 1;
    }
    fputc('\n', f);
    free(buf);
}

/* "## Call flows": each kept dialog an evidence frame belongs to, once, in
 * the order of the findings; what is not drawn is counted. */
/* Media per call (src/media/): one table row per RTP stream, under its call. */
static void md_media(FILE *f, const struct snapshot *s)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];

    if (s->n_media_calls == 0 && s->n_media == 0)
        return;
    fprintf(f, "\n## Media\n\n| call | verdict | stream | SSRC | codec | packets | lost | "
               "jitter ms (max) |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < s->n_media_calls; i++) {
        const struct snap_media_call *c = &s->media_calls[i];
        bool any = false;
        for (size_t j = 0; j < s->n_media; j++) {
            const struct snap_media *m = &s->media[j];
            if (strcmp(m->call_id, c->call_id) != 0)
                continue;
            fprintf(f, "| ");
            md(f, c->call_id);
            fprintf(f, " | %s | %s:%u → %s:%u (%s) | 0x%08x | ", c->verdict,
                    addr_str(&m->src.ip, a, sizeof(a)), (unsigned)m->src.port,
                    addr_str(&m->dst.ip, b, sizeof(b)), (unsigned)m->dst.port, m->direction,
                    (unsigned)m->ssrc);
            md(f, m->codec[0] ? m->codec : "-");
            fprintf(f, " | %llu | %lld | %.2f (%.2f) |\n", (unsigned long long)m->packets,
                    (long long)m->lost, m->jitter_ms, m->jitter_max_ms);
            any = true;
        }
        if (!any) {
            fprintf(f, "| ");
            md(f, c->call_id);
            fprintf(f, " | %s | no RTP seen | | | 0 | | |\n", c->verdict);
        }
    }
    for (size_t i = 0; i < s->n_media_calls; i++)
        if (s->media_calls[i].note[0]) {
            fprintf(f, "\n- ");
            md(f, s->media_calls[i].call_id);
            fprintf(f, ": ");
            md(f, s->media_calls[i].note);
        }
    if (s->media_not_shown || s->media_calls_not_shown)
        fprintf(f, "\n- %llu stream(s) and %llu call(s) not shown (evicted at --cap "
                   "media_streams / media_calls, or past the report's limit)",
                (unsigned long long)s->media_not_shown,
                (unsigned long long)s->media_calls_not_shown);
    fputc('\n', f);
}

/* "## TLS connections": one row per connection (report_tls.h), failed first. */
static void md_tls(FILE *f, const struct snapshot *s)
{
    size_t idx[SNAP_MAX_TLS], n = s->n_tls < SNAP_MAX_TLS ? s->n_tls : SNAP_MAX_TLS;
    char c[64], sv[64], b[640], v[48], off[48], an[24];

    if (n == 0)
        return;
    report_tls_order(s, idx);
    fprintf(f, "\n## TLS connections\n\n| client | server | SNI | offered | chosen | cipher | "
               "ALPN | certificate | alert | result | decrypted |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct snap_tls *r = &s->tls[idx[i]];
        fprintf(f, "| %s | %s | ", report_tls_ep(&r->client, c, sizeof(c)),
                report_tls_ep(&r->server, sv, sizeof(sv)));
        md(f, r->sni[0] ? r->sni : "-");
        fprintf(f, " | %s%s | %s | %s | ", r->legacy_offer ? "up to " : "",
                tls_versions_text(r->offered, off, sizeof(off)),
                r->version ? tls_version_name(r->version, v, sizeof(v)) : "-",
                r->version ? tls_cipher_name(r->cipher, b, sizeof(b)) : "-");
        md(f, r->alpn[0] ? r->alpn : r->alpn_offered[0] ? r->alpn_offered : "-");
        fprintf(f, " | ");
        if (r->has_cert) {
            char nb[40], na[40];
            snprintf(b, sizeof(b), "CN %s, issuer %s, %.10s to %.10s%s%s%s", r->subject, r->issuer,
                     report_time_utc(r->not_before * 1000000, nb, sizeof(nb)),
                     report_time_utc(r->not_after * 1000000, na, sizeof(na)),
                     r->self_signed ? ", self-signed" : "", r->san[0] ? ", names " : "", r->san);
            md(f, b);
        } else {
            fprintf(f, "-");
        }
        if (r->alert)
            fprintf(f, " | %s from the %s | ",
                    r->alert_encrypted ? "encrypted" : tls_alert_name(r->alert_desc, an, sizeof(an)),
                    r->alert_from == TLS_SIDE_CLIENT ? "client" : "server");
        else
            fprintf(f, " | - | ");
        md(f, report_tls_result(r, b, sizeof(b)));
        const char *w = report_tls_why_not(r, b, sizeof(b));
        fprintf(f, " | ");
        if (w != NULL) {
            fprintf(f, "no: ");
            md(f, w);
        } else {
            fprintf(f, "yes (%llu SIP message(s))", (unsigned long long)r->sip_messages);
        }
        fprintf(f, " |\n");
    }
    if (s->tls_not_shown)
        fprintf(f, "\n- %llu connection(s) not shown (past the table's %d)\n",
                (unsigned long long)s->tls_not_shown, SNAP_MAX_TLS);
}

/* "## HEP agents": --hep-in's capture agents (run.h), most recent first,
 * with what each sent and what was refused, as the text report lists them. */
static void md_agents(FILE *f, const struct snapshot *s)
{
    const struct run_info *r = &s->run;
    char ip[ADDR_STRLEN], a[40], b[40], c[40];

    if (r->n_agents == 0)
        return;
    fprintf(f, "\n## HEP agents (%u, most recent first)\n\n| capture id | address | transport | "
               "records | bytes | malformed | refused (key) | dropped | first (UTC) | "
               "last (UTC) | last admitted (UTC) |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n",
            r->n_agents);
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *g = &r->agents[i];
        fprintf(f, "| %u | %s | %s | %llu | %llu | %llu | %llu | %llu | %s | %s | %s |\n",
                (unsigned)g->capid, addr_str(&g->ip, ip, sizeof(ip)),
                transport_name(g->transport), (unsigned long long)g->packets,
                (unsigned long long)g->bytes, (unsigned long long)g->malformed,
                (unsigned long long)g->refused, (unsigned long long)g->dropped,
                report_time_utc(g->first_us, a, sizeof(a)),
                report_time_utc(g->last_us, b, sizeof(b)),
                g->last_ok_us ? report_time_utc(g->last_ok_us, c, sizeof(c)) : "-");
    }
    if (r->agents_evicted)
        fprintf(f, "\n%llu agent(s) forgotten at the hep_agents cap.\n",
                (unsigned long long)r->agents_evicted);
}

static void md_ladders(FILE *f, const struct snapshot *s)
{
    struct ladder_index x;
    unsigned char *seen = calloc(s->n_dialogs ? s->n_dialogs : 1, 1);
    size_t drawn = 0, cut = 0, missing = 0;

    if (seen == NULL || ladder_index_init(&x, s) != 0) {
        fprintf(f, "## Call flows\n\nNot drawn: out of memory.\n\n");
        ladder_index_free(&x);
        free(seen);
        return;
    }
    fprintf(f, "## Call flows\n\n");
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *fd = &s->findings[i];
        for (uint32_t k = 0; k < fd->n_evidence && k < SNAP_MAX_EVIDENCE; k++) {
            uint32_t di = ladder_dialog_of_frame(&x, fd->evidence[k].frame);
            if (di == LADDER_NO_DIALOG) {
                missing++;
                continue;
            }
            if (seen[di])
                continue;
            seen[di] = 1;
            if (drawn >= MD_MAX_LADDERS) {
                cut++;
                continue;
            }
            fprintf(f, "Evidence of finding %zu (", i + 1);
            md(f, fd->kind);
            fprintf(f, "), frame %llu:\n\n", (unsigned long long)fd->evidence[k].frame);
            md_ladder(f, s, &s->dialogs[di]);
            drawn++;
        }
    }
    if (drawn == 0 && missing == 0)
        fprintf(f, "None: no finding cites a frame.\n\n");
    if (cut > 0)
        fprintf(f, "%zu more evidence dialog(s) not drawn (limit %d); `sipscope -r FILE "
                   "--ladder CALL-ID` prints any of them.\n\n", cut, MD_MAX_LADDERS);
    if (missing > 0)
        fprintf(f, "%zu evidence frame(s) are in no kept dialog (raise --cap dialogs or "
                   "--cap messages_kept).\n\n", missing);
    ladder_index_free(&x);
    free(seen);
}

#define MD_FRAMES 32            /* evidence frames listed per root cause */

static const struct snap_finding *md_finding(const struct snapshot *s, const char *id)
{
    for (size_t j = 0; j < s->n_findings; j++)
        if (strcmp(s->findings[j].id, id) == 0)
            return &s->findings[j];
    return NULL;
}

/* "## Diagnosis" (diagnosis/diagnosis.h, docs/findings.md "Diagnosis"): per
 * root cause its confidence, evidence frames, the findings it explains,
 * the differential and the fix; it leads the report, as in the text one. */
static void md_diagnosis(FILE *f, const struct snapshot *s)
{
    fprintf(f, "## Diagnosis\n\n%zu root cause(s), most important first; every finding "
               "stays listed under Findings.\n\n", s->n_diagnosis + s->diagnosis_dropped);
    for (size_t i = 0; i < s->n_diagnosis && i < SNAP_MAX_DIAGNOSIS; i++) {
        const struct snap_diagnosis *d = &s->diagnosis[i];
        uint32_t nr = d->n_roots < SNAP_MAX_EXPLAINS ? d->n_roots : SNAP_MAX_EXPLAINS;
        uint32_t nf = d->n_frames < SNAP_MAX_DIAG_FRAMES ? d->n_frames : SNAP_MAX_DIAG_FRAMES;

        fprintf(f, "### Root cause %zu: %s on %s ", i + 1, kind_name(d->root_cause), d->role);
        md(f, d->trunk);
        fprintf(f, "\n\n");
        md(f, d->summary);
        fprintf(f, "\n\n- Severity: %s, confidence: %s\n- Root finding: %s",
                severity_name(d->severity), d->confidence, d->finding);
        if (d->n_roots > 1) {
            fprintf(f, " (%u roots of this cause folded here:", (unsigned)d->n_roots);
            for (uint32_t k = 0; k < nr; k++)
                fprintf(f, " %s", d->roots[k]);
            fprintf(f, "%s)", d->n_roots > nr ? " ..." : "");
        }
        if (nf > 0) {
            fprintf(f, "\n- Evidence frames:");
            for (uint32_t k = 0; k < nf && k < MD_FRAMES; k++)
                fprintf(f, "%s %llu", k ? "," : "", (unsigned long long)d->frames[k]);
            if (d->n_frames > MD_FRAMES)
                fprintf(f, " and %u more (`--report json` lists them)",
                        (unsigned)(d->n_frames - MD_FRAMES));
        }
        fprintf(f, "\n\n");
        if (d->n_explains > 0) {
            fprintf(f, "Explains (folded under this root cause):\n\n");
            for (uint32_t k = 0; k < d->n_explains && k < SNAP_MAX_EXPLAINS; k++) {
                const struct snap_finding *x = md_finding(s, d->explains[k]);
                fprintf(f, "- %s %s: ", d->explains[k], x ? x->kind : "?");
                md(f, x ? x->summary : "(not in this report)");
                fputc('\n', f);
            }
            if (d->explains_dropped)
                fprintf(f, "- and %u more finding(s)\n", (unsigned)d->explains_dropped);
            fputc('\n', f);
        }
        if (d->n_ruled_out > 0) {
            fprintf(f, "Differential:\n\n| cause | verdict |\n|---|---|\n");
            for (uint32_t k = 0; k < d->n_ruled_out && k < SNAP_MAX_RULED_OUT; k++) {
                fprintf(f, "| ");
                md(f, d->ruled_out[k].cause);
                fprintf(f, " | ");
                md(f, d->ruled_out[k].why);
                fprintf(f, " |\n");
            }
            fputc('\n', f);
        }
        if (d->fix[0]) {
            fprintf(f, "Fix: ");
            md(f, d->fix);
            fprintf(f, "\n\n");
        }
    }
    if (s->diagnosis_dropped)
        fprintf(f, "%zu more root cause(s) not shown (at most %d): see the findings.\n\n",
                s->diagnosis_dropped, SNAP_MAX_DIAGNOSIS);
}

/* A peer with nothing of its own to diagnose (role none) is left out of the
 * table; the JSON report keeps it, with its role and reason. */
static bool md_peer_listed(const struct snap_peer *p)
{
    return strcmp(p->role, "none") != 0;
}

int report_markdown(FILE *f, const struct snapshot *s)
{
    size_t unlisted = 0;
    char a[40], b[40];
    size_t shown = 0;

    fprintf(f, "# SIP trunk diagnosis: ");
    md(f, s->run.source ? s->run.source : "-");
    fprintf(f, "\n\nCapture %s to %s UTC, %llu packets, %llu SIP messages.\n\n",
            report_time_utc(s->run.first_ts_us, a, sizeof(a)),
            report_time_utc(s->run.last_ts_us, b, sizeof(b)),
            (unsigned long long)s->run.packets, (unsigned long long)s->run.sip_messages);
    {
        /* lost state is said before anything that may rest on it */
        char inc[512];
        if (report_incomplete(s, inc, sizeof(inc))) {
            fputs("> **", f);
            md(f, inc);
            fputs("**\n\n", f);
        }
    }

    if (s->n_diagnosis > 0)
        md_diagnosis(f, s);
    else
        fprintf(f, "## Verdict\n\n");
    for (size_t i = 0; i < s->n_peers && s->n_diagnosis == 0; i++) {
        if (s->peers[i].verdict[0] == '\0')
            continue;
        fprintf(f, "- ");
        md(f, s->peers[i].verdict);
        fputc('\n', f);
        shown++;
    }
    if (shown == 0 && s->n_diagnosis == 0)
        fprintf(f, "- No problem of severity warning or worse found.\n");

    fprintf(f, "\n## Findings\n\n");
    if (s->n_findings == 0)
        fprintf(f, "None.\n");
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *x = &s->findings[i];
        fprintf(f, "### %zu. %s: %s\n\n", i + 1, severity_name(x->severity), x->kind);
        md(f, x->summary);
        fprintf(f, "\n\n");
        if (x->id[0]) {
            fprintf(f, "- Id: %s", x->id);
            if (x->explained_by[0])
                fprintf(f, ", explained by %s (folded under it in the Diagnosis)",
                        x->explained_by);
            fputc('\n', f);
        }
        fprintf(f, "- Entity: ");
        md(f, x->entity);
        if (x->provider[0]) {
            fprintf(f, "\n- Provider: ");
            md(f, x->provider);
        }
        fprintf(f, "\n- Seen %llu time(s), first %s UTC, last %s UTC\n\n",
                (unsigned long long)x->count, report_time_utc(x->first_us, a, sizeof(a)),
                report_time_utc(x->last_us, b, sizeof(b)));
        if (x->n_evidence > 0) {
            fprintf(f, "| frame | time (UTC) | role | message |\n|---:|---|---|---|\n");
            for (uint32_t k = 0; k < x->n_evidence; k++) {
                const struct snap_evidence *ev = &x->evidence[k];
                fprintf(f, "| %llu | %s | ", (unsigned long long)ev->frame,
                        report_time_utc(ev->ts_us, a, sizeof(a)));
                md(f, ev->role);
                fprintf(f, " | ");
                md(f, ev->line);
                fprintf(f, " |\n");
            }
            fputc('\n', f);
        }
        if (x->n_causes > 0) {
            fprintf(f, "Likely causes (most likely first):\n\n");
            for (uint32_t k = 0; k < x->n_causes; k++) {
                fprintf(f, "%u. ", k + 1);
                md(f, x->causes[k]);
                fputc('\n', f);
            }
            fputc('\n', f);
        }
        if (x->n_fix > 0) {
            fprintf(f, "Fix:\n\n");
            for (uint32_t k = 0; k < x->n_fix; k++) {
                fprintf(f, "- ");
                md(f, x->fix[k]);
                fputc('\n', f);
            }
            fputc('\n', f);
        }
    }

    md_ladders(f, s);
    fprintf(f, "## Peers\n\n| peer | requests | answers (1xx/2xx/3xx/4xx/5xx/6xx/none) | "
               "auth ok/refused | first failure (UTC) | last failure (UTC) |\n"
               "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < s->n_peers; i++) {
        const struct snap_peer *p = &s->peers[i];
        bool any = false;
        if (!md_peer_listed(p)) {
            unlisted++;
            continue;
        }
        fprintf(f, "| ");
        md(f, p->name);
        fprintf(f, " | ");
        for (int m = 0; m < SIP_METHOD_COUNT; m++)
            if (p->requests[m]) {
                fprintf(f, "%s%s %llu", any ? ", " : "",
                        m ? sip_method_name((enum sip_method)m) : "other",
                        (unsigned long long)p->requests[m]);
                any = true;
            }
        fprintf(f, " | %llu/%llu/%llu/%llu/%llu/%llu/%llu | %llu/%llu | %s | %s |\n",
                (unsigned long long)p->answers[1], (unsigned long long)p->answers[2],
                (unsigned long long)p->answers[3], (unsigned long long)p->answers[4],
                (unsigned long long)p->answers[5], (unsigned long long)p->answers[6],
                (unsigned long long)p->answers[0], (unsigned long long)p->auth_ok,
                (unsigned long long)p->auth_failed,
                report_time_utc(p->first_fail_us, a, sizeof(a)),
                report_time_utc(p->last_fail_us, b, sizeof(b)));
    }
    if (unlisted > 0)
        fprintf(f, "\n%zu peer(s) with no request and no answer of their own are not listed "
                   "(role none; `--report json` lists every peer).\n", unlisted);
    md_agents(f, s);
    md_media(f, s);
    md_tls(f, s);
    fprintf(f, "\n## Capture statistics\n\n");
    fprintf(f, "- packets: %llu\n- SIP messages: %llu\n- malformed SIP: %llu\n"
               "- ring drops: %llu\n- kernel drops: %llu\n- table evictions: %llu\n",
            (unsigned long long)s->run.packets, (unsigned long long)s->run.sip_messages,
            (unsigned long long)s->run.malformed, (unsigned long long)s->run.ring_drops,
            (unsigned long long)s->run.kernel_drops, (unsigned long long)s->evictions);
    if (s->run.truncated)
        fprintf(f, "- **the file was cut short**: results cover what was read\n");
    fprintf(f, "\nGenerated by sipscope. %s\n", report_frames_note(&s->run));
    return ferror(f) ? -2 : 0;
}
