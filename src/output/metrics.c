/*
 * metrics.c — snapshot → Prometheus text exposition format 0.0.4 (see
 * metrics.h). One "# HELP" and "# TYPE" per metric name, each name's
 * samples together, label values escaped (\\, \", \n) as the format
 * requires. Peer labels: the top N peers by activity, the rest "other".
 *
 * Place in the flow: a consumer of snapshots. Thread: the caller's.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "findings/kind_meta.h"
#include "util/err.h"
#include "report_fmt.h"
#include "sip.h"

/* Kinds that are authentication or admission failures: kind_meta's
 * auth_failure flag (docs/findings.md); af[] is indexed by enum kind_id. */
#define N_AUTH_KINDS ((size_t)KIND_COUNT)

static const char *const answer_class[SNAP_ANSWER_CLASSES] = {
    "unanswered", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx",
};

struct mctx {
    FILE *f;
    const struct snapshot *s;
    size_t nl;              /* peer labels: top N, plus "other" when used */
    char (*label)[160];
    size_t *lab_of;         /* snapshot peer index → label index */
    bool other;
};

static void put_label_value(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            fputs("\\\\", f);
        else if (*v == '"')
            fputs("\\\"", f);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            putc(*v, f);
    }
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2, uint64_t value)
{
    fputs(name, f);
    if (k1 != NULL) {
        fprintf(f, "{%s=\"", k1);
        put_label_value(f, v1);
        putc('"', f);
        if (k2 != NULL) {
            fprintf(f, ",%s=\"", k2);
            put_label_value(f, v2);
            putc('"', f);
        }
        putc('}', f);
    }
    fprintf(f, " %" PRIu64 "\n", value);
}

static uint64_t activity(const struct snap_peer *p)
{
    uint64_t n = 0;
    for (int i = 0; i < SIP_METHOD_COUNT; i++)
        n += p->requests[i];
    for (int i = 0; i < SNAP_ANSWER_CLASSES; i++)
        n += p->answers[i];
    return n;
}

static const struct snapshot *sort_snap;

static int cmp_activity(const void *a, const void *b)
{
    uint64_t x = activity(&sort_snap->peers[*(const size_t *)a]);
    uint64_t y = activity(&sort_snap->peers[*(const size_t *)b]);
    if (x != y)
        return x > y ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void peer_label(const struct snap_peer *p, char *buf, size_t len)
{
    char l[64], r[64];

    report_endpoint(&p->local, l, sizeof(l));
    report_endpoint(&p->remote, r, sizeof(r));
    if (p->site_id != 0)
        snprintf(buf, len, "site%u %s->%s", (unsigned)p->site_id, l, r);
    else
        snprintf(buf, len, "%s->%s", l, r);
}

/* Rank the peers and give the top N a label each; the rest share "other". */
static int make_labels(struct mctx *m, size_t top)
{
    const struct snapshot *s = m->s;
    size_t n = s->n_peers, *order;

    m->label = calloc(top + 1, sizeof(*m->label));
    m->lab_of = calloc(n ? n : 1, sizeof(*m->lab_of));
    order = calloc(n ? n : 1, sizeof(*order));
    if (m->label == NULL || m->lab_of == NULL || order == NULL) {
        free(order);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_snap = s;
    if (n > 1)
        qsort(order, n, sizeof(*order), cmp_activity);
    m->nl = n < top ? n : top;
    for (size_t i = 0; i < n; i++) {
        if (i < m->nl) {
            peer_label(&s->peers[order[i]], m->label[i], sizeof(m->label[i]));
            m->lab_of[order[i]] = i;
        } else {
            m->lab_of[order[i]] = top;
            m->other = true;
        }
    }
    snprintf(m->label[top], sizeof(m->label[top]), "other");
    if (m->other)
        m->nl = top + 1;
    free(order);
    return 0;
}

/* Per-label sums of a per-peer value. */
static void per_peer(struct mctx *m, const char *name, const char *k2, const char *v2,
                     uint64_t (*get)(const struct snap_peer *, int), int arg)
{
    uint64_t *sum = calloc(m->nl ? m->nl : 1, sizeof(*sum));
    bool *seen = calloc(m->nl ? m->nl : 1, sizeof(*seen));

    if (sum == NULL || seen == NULL) {
        free(sum);
        free(seen);
        return;
    }
    for (size_t i = 0; i < m->s->n_peers; i++) {
        size_t l = m->lab_of[i];
        uint64_t v = get(&m->s->peers[i], arg);
        if (l >= m->nl)
            l = m->nl - 1;
        sum[l] += v;
        seen[l] |= v != 0;
    }
    for (size_t l = 0; l < m->nl; l++)
        if (seen[l])
            sample(m->f, name, "peer", m->label[l], k2, v2, sum[l]);
    free(sum);
    free(seen);
}

static uint64_t get_req(const struct snap_peer *p, int m) { return p->requests[m]; }
static uint64_t get_ans(const struct snap_peer *p, int c) { return p->answers[c]; }
static uint64_t get_auth_ok(const struct snap_peer *p, int u) { (void)u; return p->auth_ok; }
static uint64_t get_auth_failed(const struct snap_peer *p, int u)
{
    (void)u;
    return p->auth_failed;
}

static const struct snap_peer *peer_by_key(const struct snapshot *s, uint64_t key, size_t *idx)
{
    if (key == 0)
        return NULL;
    for (size_t i = 0; i < s->n_peers; i++)
        if (s->peers[i].key == key) {
            *idx = i;
            return &s->peers[i];
        }
    return NULL;
}

static void findings_metrics(struct mctx *m)
{
    const struct snapshot *s = m->s;
    FILE *f = m->f;
    size_t nl = m->nl + 1;  /* + "none": findings about no peer */
    uint64_t *af = calloc(nl * N_AUTH_KINDS, sizeof(*af));
    bool any = false;

    head(f, "sipscope_findings", "gauge",
         "Distinct findings kept, by kind and severity (docs/findings.md).");
    /* Group by (kind, severity): the snapshot is small (caps.findings). */
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *x = &s->findings[i];
        uint64_t n = 0;
        bool first = true;
        for (size_t j = 0; j < s->n_findings; j++) {
            const struct snap_finding *y = &s->findings[j];
            if (y->severity != x->severity || kind_of_snap(y) != kind_of_snap(x))
                continue;
            if (j < i) {
                first = false;
                break;
            }
            n++;
        }
        if (first)
            sample(f, "sipscope_findings", "kind", x->kind, "severity",
                   severity_name(x->severity), n);
    }
    head(f, "sipscope_findings_by_severity", "gauge",
         "Findings held by the engine, by severity (including any not exported above).");
    for (int i = 0; i < 4; i++)
        sample(f, "sipscope_findings_by_severity", "severity", severity_name((enum severity)i),
               NULL, NULL, s->findings_by_severity[i]);

    if (af == NULL)
        return;
    for (size_t i = 0; i < s->n_findings; i++) {
        const struct snap_finding *x = &s->findings[i];
        size_t pi = 0, l = nl - 1;
        for (size_t k = 0; k < N_AUTH_KINDS; k++) {
            if (k != (size_t)kind_of_snap(x) || !kind_meta((enum kind_id)k)->auth_failure)
                continue;
            if (peer_by_key(s, x->peer_key, &pi) != NULL)
                l = m->lab_of[pi] < m->nl ? m->lab_of[pi] : m->nl - 1;
            af[l * N_AUTH_KINDS + k] += x->count;
            any = true;
        }
    }
    head(f, "sipscope_auth_failures_total", "counter",
         "Occurrences of authentication/admission findings, by peer and kind.");
    for (size_t l = 0; any && l < nl; l++)
        for (size_t k = 0; k < N_AUTH_KINDS; k++)
            if (af[l * N_AUTH_KINDS + k] != 0)
                sample(f, "sipscope_auth_failures_total", "peer",
                       l + 1 == nl ? "none" : m->label[l], "kind", kind_name((enum kind_id)k),
                       af[l * N_AUTH_KINDS + k]);
    free(af);
}

/* --hep-in: records per agent by what became of them, the agent's last
 * record, and the receiver's refusals by reason (the hep_in.refused.* and
 * hep_in.dropped.* counters). An agent is "CAPID@ADDRESS". */
static void agents_metrics(struct mctx *m)
{
    const struct run_info *r = &m->s->run;
    FILE *f = m->f;
    char ip[ADDR_STRLEN], lab[80];

    if (r->n_agents == 0)
        return;
    head(f, "sipscope_hep_agents", "gauge", "HEP capture agents accounted (--hep-in).");
    sample(f, "sipscope_hep_agents", NULL, NULL, NULL, NULL, r->n_agents);
    head(f, "sipscope_hep_agent_records_total", "counter",
         "HEP records per agent: admitted, malformed, refused (key), dropped (rate, ring).");
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *a = &r->agents[i];
        snprintf(lab, sizeof(lab), "%" PRIu32 "@%s", a->capid, addr_str(&a->ip, ip, sizeof(ip)));
        sample(f, "sipscope_hep_agent_records_total", "agent", lab, "result", "admitted",
               a->packets);
        sample(f, "sipscope_hep_agent_records_total", "agent", lab, "result", "malformed",
               a->malformed);
        sample(f, "sipscope_hep_agent_records_total", "agent", lab, "result", "refused",
               a->refused);
        sample(f, "sipscope_hep_agent_records_total", "agent", lab, "result", "dropped",
               a->dropped);
    }
    head(f, "sipscope_hep_agent_last_seen_timestamp_seconds", "gauge",
         "Wall-clock time of an agent's last HEP record (Unix seconds).");
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *a = &r->agents[i];
        snprintf(lab, sizeof(lab), "%" PRIu32 "@%s", a->capid, addr_str(&a->ip, ip, sizeof(ip)));
        fputs("sipscope_hep_agent_last_seen_timestamp_seconds{agent=\"", f);
        put_label_value(f, lab);
        fprintf(f, "\"} %.3f\n", (double)a->last_us / 1e6);
    }
    /* What hep_agent_quiet judges: refused (spoofable) records do not count. */
    head(f, "sipscope_hep_agent_last_admitted_timestamp_seconds", "gauge",
         "Wall-clock time of an agent's last HEP record that passed the key and length "
         "checks (Unix seconds; absent while none did).");
    for (uint32_t i = 0; i < r->n_agents && i < RUN_MAX_AGENTS; i++) {
        const struct run_agent *a = &r->agents[i];
        if (a->last_ok_us == 0)
            continue;
        snprintf(lab, sizeof(lab), "%" PRIu32 "@%s", a->capid, addr_str(&a->ip, ip, sizeof(ip)));
        fputs("sipscope_hep_agent_last_admitted_timestamp_seconds{agent=\"", f);
        put_label_value(f, lab);
        fprintf(f, "\"} %.3f\n", (double)a->last_ok_us / 1e6);
    }
    head(f, "sipscope_hep_refused_total", "counter",
         "HEP records refused or dropped by the receiver, by reason.");
    for (size_t i = 0; i < m->s->n_counters; i++) {
        const char *name = m->s->counters[i].name;
        if (strncmp(name, "hep_in.refused.", 15) == 0 || strncmp(name, "hep_in.dropped.", 15) == 0)
            sample(f, "sipscope_hep_refused_total", "reason", name + 15, NULL, NULL,
                   m->s->counters[i].value);
    }
}

static void counters_metrics(struct mctx *m)
{
    const struct snapshot *s = m->s;
    FILE *f = m->f;

    head(f, "sipscope_table_evictions_total", "counter",
         "Entries evicted from a bounded table at its cap (caps.h), by counter name.");
    for (size_t i = 0; i < s->n_counters; i++) {
        const char *name = s->counters[i].name;
        size_t n = strnlen(name, sizeof(s->counters[i].name));
        if (n > 8 && memcmp(name + n - 8, ".evicted", 8) == 0)
            sample(f, "sipscope_table_evictions_total", "table", name, NULL, NULL,
                   s->counters[i].value);
    }
}

int metrics_render(FILE *f, const struct snapshot *s, size_t top_peers, int64_t now_us)
{
    struct mctx m = { .f = f, .s = s };
    const struct run_info *r = &s->run;
    uint64_t up = 0, down = 0;

    if (top_peers == 0)
        top_peers = 1;
    if (make_labels(&m, top_peers) != 0) {
        free(m.label);
        free(m.lab_of);
        return ERR_NOMEM;
    }
    head(f, "sipscope_last_update_timestamp_seconds", "gauge",
         "Wall-clock time this file was written (Unix seconds).");
    fprintf(f, "sipscope_last_update_timestamp_seconds %.3f\n", (double)now_us / 1e6);
    head(f, "sipscope_packets_total", "counter", "Packets captured (including ring drops).");
    sample(f, "sipscope_packets_total", NULL, NULL, NULL, NULL, r->packets);
    head(f, "sipscope_bytes_total", "counter", "Bytes captured (wire length).");
    sample(f, "sipscope_bytes_total", NULL, NULL, NULL, NULL, r->bytes);
    head(f, "sipscope_sip_messages_total", "counter", "SIP messages parsed.");
    sample(f, "sipscope_sip_messages_total", NULL, NULL, NULL, NULL, r->sip_messages);
    head(f, "sipscope_malformed_total", "counter", "SIP payloads rejected as malformed.");
    sample(f, "sipscope_malformed_total", NULL, NULL, NULL, NULL, r->malformed);
    head(f, "sipscope_drops_total", "counter",
         "Packets lost: at the full ring, in the kernel, at the interface.");
    sample(f, "sipscope_drops_total", "stage", "ring", NULL, NULL, r->ring_drops);
    sample(f, "sipscope_drops_total", "stage", "kernel", NULL, NULL, r->kernel_drops);
    sample(f, "sipscope_drops_total", "stage", "interface", NULL, NULL, r->if_drops);
    head(f, "sipscope_evictions_total", "counter", "Entries evicted from all bounded tables.");
    sample(f, "sipscope_evictions_total", NULL, NULL, NULL, NULL, s->evictions);
    counters_metrics(&m);
    agents_metrics(&m);

    head(f, "sipscope_peers", "gauge", "Peers (address pairs) tracked.");
    sample(f, "sipscope_peers", NULL, NULL, NULL, NULL, s->n_peers);
    head(f, "sipscope_requests_total", "counter", "SIP requests by peer and method.");
    for (int k = 0; k < SIP_METHOD_COUNT; k++)
        per_peer(&m, "sipscope_requests_total", "method",
                 k ? sip_method_name((enum sip_method)k) : "other", get_req, k);
    head(f, "sipscope_responses_total", "counter",
         "Final answers by peer and status class; unanswered = requests timed out.");
    for (int c = 0; c < SNAP_ANSWER_CLASSES; c++)
        per_peer(&m, "sipscope_responses_total", "class", answer_class[c], get_ans, c);
    head(f, "sipscope_auth_ok_total", "counter", "Authentication exchanges that succeeded.");
    per_peer(&m, "sipscope_auth_ok_total", NULL, NULL, get_auth_ok, 0);
    head(f, "sipscope_auth_failed_total", "counter", "Authentication exchanges that failed.");
    per_peer(&m, "sipscope_auth_failed_total", NULL, NULL, get_auth_failed, 0);

    head(f, "sipscope_peer_keepalive_up", "gauge",
         "OPTIONS keep-alive state of a labelled peer: 1 up, 0 down.");
    for (size_t i = 0; i < s->n_peers; i++) {
        const struct snap_peer *p = &s->peers[i];
        bool is_up = strcmp(p->keepalive, "up") == 0, is_down = strcmp(p->keepalive, "down") == 0;
        up += is_up;
        down += is_down;
        if ((is_up || is_down) && m.lab_of[i] < top_peers && m.lab_of[i] < m.nl)
            sample(f, "sipscope_peer_keepalive_up", "peer", m.label[m.lab_of[i]], NULL, NULL,
                   is_up);
    }
    head(f, "sipscope_peers_keepalive", "gauge", "Peers by OPTIONS keep-alive state.");
    sample(f, "sipscope_peers_keepalive", "state", "up", NULL, NULL, up);
    sample(f, "sipscope_peers_keepalive", "state", "down", NULL, NULL, down);

    findings_metrics(&m);
    free(m.label);
    free(m.lab_of);
    return ferror(f) ? ERR_IO : 0;
}

struct render_ctx {
    const struct snapshot *s;
    size_t top_peers;
    int64_t now_us;
};

static int render_fill(FILE *f, const void *ctx)
{
    const struct render_ctx *r = ctx;
    return metrics_render(f, r->s, r->top_peers, r->now_us);
}

int metrics_write(const char *path, const struct snapshot *s, size_t top_peers, int64_t now_us,
                  char *errbuf)
{
    struct render_ctx r = { s, top_peers, now_us };

    return atomicfile_write(path, 0644, render_fill, &r, "--metrics", errbuf);
}
