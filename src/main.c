/*
 * main.c — sipscope's entry point: parse the command line, open the
 * capture, start the capture and analysis threads, wait (handling
 * SIGINT/SIGTERM), then print the report or the message list and exit with
 * the status of STYLE.md §CLI (0 clean, 1 findings, 2 usage/runtime error).
 *
 * One run is a struct app: each step (check, open input, open outputs,
 * open the pipeline, run, finish) fills the members it opens and returns
 * 0 or the exit status 2 after printing its one error line; app_free then
 * releases whatever was opened, on every path.
 *
 * Threads: this is the main thread. It receives the signals (workers block
 * them all); the handler only sets a flag, and the wait loop turns that
 * into capture_stop (pcap_breakloop + waking a blocked read). Threads are
 * joined, never cancelled. Only main.c calls exit().
 */
#include <errno.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "app/cli.h"
#include "config/config.h"
#include "config/keylog.h"
#include "config/secrets.h"
#include "decode/decode.h"
#include "correlate/engine.h"
#include "diagnosis/diagnosis.h"
#include "util/err.h"
#include "output/evidence.h"
#include "output/hep_out.h"
#include "output/ladder.h"
#include "output/monitor.h"
#include "app/pipeline.h"
#include "output/report.h"
#include "capture/ring.h"
#include "run.h"
#include "output/snappub.h"
#include "snapshot.h"
#include "tui/tui.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reopen_requested;     /* SIGHUP: logrotate */
static volatile sig_atomic_t report_requested;     /* SIGUSR1: current report */

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reopen_requested = 1;
    else if (sig == SIGUSR1)
        report_requested = 1;
    else
        stop_requested = 1;
}

static int64_t wall_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: the wait loop's nanosleep returns at once. No
     * SA_RESETHAND either: wrappers such as timeout(1) deliver one SIGINT
     * twice (to the child and to its process group), and the second must
     * not kill a run that is already ending cleanly. */
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* -Z: supplementary groups, then gid, then uid; verify root cannot return. */
static int drop_privileges(const struct passwd *pw, char *errbuf)
{
    if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        return 0;
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 && setgroups(0, NULL) != 0) {
        err_set(errbuf, "-Z %s: cannot set groups: %s", pw->pw_name, strerror(errno));
        return ERR_PERM;
    }
    if (setgid(pw->pw_gid) != 0) {
        err_set(errbuf, "-Z %s: setgid: %s", pw->pw_name, strerror(errno));
        return ERR_PERM;
    }
    if (setuid(pw->pw_uid) != 0) {
        err_set(errbuf, "-Z %s: setuid: %s", pw->pw_name, strerror(errno));
        return ERR_PERM;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        err_set(errbuf, "-Z %s: privileges could be regained", pw->pw_name);
        return ERR_PERM;
    }
    return 0;
}

static void print_counter(void *ud, const char *name, uint64_t value)
{
    fprintf((FILE *)ud, "  %-40s %llu\n", name, (unsigned long long)value);
}

/*
 * Everything one run holds, freed in one place (app_free) whatever step
 * failed: each step fills what it opened, and a NULL member is skipped.
 */
struct app {
    struct cli_opts o;
    struct passwd *pw;              /* -Z, looked up before the capture opens */
    struct capture *cap;
    struct hep_in_opts hep_in;      /* --hep-in, for capture_open */
    uint8_t hep_key[HEP_KEY_MAX];   /* --hep-key-file; wiped by app_free */
    size_t hep_key_len;
    char hep_listeners[200];        /* the source: what --hep-in listens on */
    struct config_hep hep_cfg;      /* --config [hep_in], merged into o */
    struct snappub *pub;            /* dashboard or monitor publication */
    struct monitor *mon;
    struct hep_out *hep;
    struct keylog *keylog;          /* --tls-keylog; the decoder reads it, wiped by app_free */
    struct pipeline *pipe;
    struct capture_writer *writer;  /* -w */
    struct ring *ring;
    struct engine_opts eo;          /* the pipeline keeps pointers to both */
    struct pipeline_opts po;
    FILE *out;                      /* results: stdout, or stderr with -w - */
    const char *source;             /* the input as the user named it */
    char source_buf[512];           /* several -r files: "a.pcap + b.pcap" */
    char ltname[64];
    bool monitoring, tui;
    char errbuf[ERRBUF_SIZE];
};

/* The pipeline points at the capture, the publication and the HEP sender:
 * it goes first. */
static void app_free(struct app *a)
{
    if (a->writer != NULL)
        capture_writer_close(a->writer, NULL);
    pipeline_free(a->pipe);
    keylog_free(a->keylog);
    hep_out_close(a->hep);
    monitor_free(a->mon);
    snappub_free(a->pub);
    capture_close(a->cap);
    ring_free(a->ring);
    cli_free(&a->o);
    explicit_bzero(a->hep_key, sizeof(a->hep_key));
}

/* An error from a lower stage starts with the path it was given
 * ("/nonexistent: No such file or directory"): name the option that gave
 * it, so the user knows which flag to fix. */
static void name_option(const struct cli_opts *o, char *errbuf)
{
    const struct { const char *opt, *val; } named[] = {
        { "-r", o->read_file }, { "-i", o->iface }, { "-w", o->write_file },
        { "--config", o->config_file }, { "--secrets", o->secrets_file },
        { "--tls-keylog", o->tls_keylog },
        { "--evidence", o->evidence_file }, { "--alerts", o->alerts_file },
        { "--metrics", o->metrics_file }, { "--report-file", o->report_file },
        { "--hep-out", o->hep_out }, { "--hep-in", o->hep_in },
    };
    const char *opt = NULL;
    char tmp[ERRBUF_SIZE];
    size_t l;

    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) && opt == NULL; i++) {
        l = named[i].val != NULL ? strlen(named[i].val) : 0;
        if (l > 1 && strncmp(errbuf, named[i].val, l) == 0 && errbuf[l] == ':')
            opt = named[i].opt;
    }
    for (size_t i = 1; i < o->n_read_files && opt == NULL; i++) {
        l = strlen(o->read_files[i]);
        if (strncmp(errbuf, o->read_files[i], l) == 0 && errbuf[l] == ':')
            opt = "-r";
    }
    for (size_t i = 0; i < o->n_profile_dirs && opt == NULL; i++) {
        l = strlen(o->profile_dirs[i]);
        if (strncmp(errbuf, o->profile_dirs[i], l) == 0 && errbuf[l] == ':')
            opt = "--profiles";
    }
    for (size_t i = 0; i < o->n_geoip_files && opt == NULL; i++) {
        l = strlen(o->geoip_files[i]);
        if (strncmp(errbuf, o->geoip_files[i], l) == 0 && errbuf[l] == ':')
            opt = "--geoip";
    }
    if (opt == NULL)
        return;
    snprintf(tmp, sizeof(tmp), "%s %s", opt, errbuf);
    memcpy(errbuf, tmp, sizeof(tmp));
}

/* -w and --evidence create new files (O_EXCL) only after the capture or
 * the whole analysis: refuse an existing file or an unwritable directory
 * now, before any work is done. */
static int check_new_file(const char *opt, const char *path, char *errbuf)
{
    struct stat st;
    char dir[4096];
    const char *slash;
    size_t dl;

    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    if (lstat(path, &st) == 0) {
        err_set(errbuf, "%s %s: %s (an existing file is never overwritten)", opt, path,
                strerror(EEXIST));
        return ERR_INVAL;
    }
    slash = strrchr(path, '/');
    dl = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (dl >= sizeof(dir)) {
        err_set(errbuf, "%s %s: path too long", opt, path);
        return ERR_INVAL;
    }
    memcpy(dir, slash == NULL ? "." : path, dl);
    dir[dl] = '\0';
    if (access(dir, W_OK | X_OK) != 0) {
        err_set(errbuf, "%s %s: cannot create: %s", opt, path, strerror(errno));
        return ERR_INVAL;
    }
    return 0;
}

/* -D, as tcpdump -D: number, name, description, flags. */
static int list_interfaces(void)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_if_t *all, *d;
    int n = 0;

    if (pcap_findalldevs(&all, perr) != 0) {
        fprintf(stderr, "sipscope: -D: %s\n", perr);
        return 2;
    }
    for (d = all; d != NULL; d = d->next) {
        bool first = true;
        const struct { bpf_u_int32 flag; const char *name; } fl[] = {
            { PCAP_IF_UP, "Up" }, { PCAP_IF_RUNNING, "Running" },
            { PCAP_IF_WIRELESS, "Wireless" }, { PCAP_IF_LOOPBACK, "Loopback" },
        };
        printf("%d.%s", ++n, d->name);
        if (d->description != NULL)
            printf(" (%s)", d->description);
        printf(" [");
        for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
            if (d->flags & fl[i].flag) {
                printf("%s%s", first ? "" : ", ", fl[i].name);
                first = false;
            }
        }
        switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED:
            printf("%sConnected", first ? "" : ", ");
            break;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
            printf("%sDisconnected", first ? "" : ", ");
            break;
        }
        printf("]\n");
    }
    pcap_freealldevs(all);
    if (n == 0) {
        fprintf(stderr, "sipscope: -D: no interface available for capture (listing them may "
                "need the same rights as capturing: see -i in sipscope(1))\n");
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 2;
}

/* What a user without capture rights can do about it (STYLE.md: errors say
 * what to do), the way Wireshark's dumpcap is set up: root, or file
 * capabilities on the binary with only a capture group allowed to run it.
 * The Debian package creates that group, "sipscope" (debian/README.Debian);
 * when it exists the steps are the package's, else the group is made. */
static void permission_hint(void)
{
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    const struct passwd *me = getpwuid(getuid());
    const char *user = me != NULL ? me->pw_name : "USER";

    if (n <= 0)
        n = snprintf(self, sizeof(self), "%s", "/usr/bin/sipscope");
    self[n] = '\0';
    fprintf(stderr, "sipscope: live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN "
            "capabilities: run it as root (then -Z USER), or let the capture group run it "
            "with them: %ssudo setcap cap_net_raw,cap_net_admin=eip %s; sudo chgrp "
            "sipscope %s; sudo chmod 0750 %s; sudo adduser %s sipscope (then log in "
            "again)%s\n", getgrnam("sipscope") != NULL ? "" : "sudo addgroup --system sipscope; ",
            self, self, self, user,
            getgrnam("sipscope") != NULL ? "; the Debian package's way is in "
            "/usr/share/doc/sipscope/README.Debian" : "");
}

/* --config's [media]: rtp_heuristic = yes turns --rtp-heuristic on. */
static int media_config(struct app *a)
{
    struct config *cfg;
    char eb[ERRBUF_SIZE];

    if (a->o.config_file == NULL || a->o.rtp_heuristic)
        return 0;
    if (config_load(a->o.config_file, &cfg, eb) != 0) {
        fprintf(stderr, "sipscope: --config %s\n", eb);
        return 2;
    }
    a->o.rtp_heuristic = config_media(cfg)->rtp_heuristic;
    config_free(cfg);
    return 0;
}

/* --config's [analysis]: mem = SIZE is the budget when --mem is not given
 * (the --cap tables stay as given). */
static int analysis_config(struct app *a)
{
    struct config *cfg;
    char eb[ERRBUF_SIZE];

    if (a->o.config_file == NULL || a->o.mem_given)
        return 0;
    if (config_load(a->o.config_file, &cfg, eb) != 0) {
        fprintf(stderr, "sipscope: --config %s\n", eb);
        return 2;
    }
    if (config_analysis(cfg)->mem > 0) {
        a->o.caps.mem = config_analysis(cfg)->mem;
        caps_apply_mem(&a->o.caps);
    }
    config_free(cfg);
    return 0;
}

/* --config's [hep_in] under the command line: its allow entries are added,
 * its listeners used when no --hep-in (nor -r, -i) was given, its files and
 * limits where no flag set them. The engine reads the file again for its
 * trunks. Without any input, the error cli_parse left for here. */
static int hep_config(struct app *a)
{
    struct config *cfg;
    const struct config_hep *h;
    char eb[ERRBUF_SIZE];
    bool no_input = a->o.read_file == NULL && a->o.iface == NULL && a->o.hep_in == NULL;

    if (a->o.config_file == NULL || (a->o.hep_in == NULL && a->o.hep_out == NULL && !no_input))
        return 0;
    if (config_load(a->o.config_file, &cfg, eb) != 0) {
        fprintf(stderr, "sipscope: --config %s\n", eb);
        return 2;
    }
    h = config_hep(cfg);
    a->hep_cfg = *h;
    config_free(cfg);
    h = &a->hep_cfg;
    if (no_input) {
        if (h->n_listen == 0) {
            fprintf(stderr, "sipscope: nothing to read: give -r FILE, -i IFACE, --hep-in, or "
                    "listen in the [hep_in] section of --config %s\n", a->o.config_file);
            return 2;
        }
        for (size_t i = 0; i < h->n_listen; i++) {
            if (hep_in_check_spec(h->listen[i], eb) != 0) {
                fprintf(stderr, "sipscope: --config %s: [hep_in] listen: %s\n",
                        a->o.config_file, eb);
                return 2;
            }
            a->o.hep_listen[a->o.n_hep_listen++] = h->listen[i];
        }
        a->o.hep_in = a->o.hep_listen[0];
    }
    for (size_t i = 0; i < h->allow.n; i++) {
        if (a->o.hep_allow.n == CIDR_LIST_MAX) {
            fprintf(stderr, "sipscope: --config %s: [hep_in] allow: more than %d networks with "
                    "--hep-allow\n", a->o.config_file, CIDR_LIST_MAX);
            return 2;
        }
        a->o.hep_allow.v[a->o.hep_allow.n++] = h->allow.v[i];
    }
    if (a->o.hep_key_file == NULL && h->key_file[0] != '\0')
        a->o.hep_key_file = h->key_file;
    if (a->o.hep_in == NULL)
        return 0;
    if (a->o.hep_tls_cert == NULL && h->tls_cert[0] != '\0')
        a->o.hep_tls_cert = h->tls_cert;
    if (a->o.hep_tls_key == NULL && h->tls_key[0] != '\0')
        a->o.hep_tls_key = h->tls_key;
    if (a->o.hep_tls_ca == NULL && h->tls_ca[0] != '\0')
        a->o.hep_tls_ca = h->tls_ca;
    for (int i = 0; i < CONFIG_HEP_CAPS; i++) {
        char as[64];
        if (!h->cap_set[i] || a->o.hep_cap_given[i])
            continue;
        snprintf(as, sizeof(as), "%s=%llu", config_hep_cap_name(i),
                 (unsigned long long)h->cap[i]);
        if (caps_set(&a->o.caps, as, eb) != 0) {
            fprintf(stderr, "sipscope: --config %s: [hep_in]: %s\n", a->o.config_file, eb);
            return 2;
        }
    }
    return 0;
}

/* The HEP receiver's options; the key read from its file into key. */
static void hep_opts(const struct cli_opts *o, struct hep_in_opts *h, const uint8_t *key,
                     size_t key_len)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->listen, o->hep_listen, sizeof(h->listen));
    h->n_listen = o->n_hep_listen;
    h->allow = &o->hep_allow;
    h->key = key;
    h->key_len = key_len;
    h->tls_cert = o->hep_tls_cert;
    h->tls_key = o->hep_tls_key;
    h->tls_ca = o->hep_tls_ca;
    h->max_conns = o->caps.hep_conns;
    h->max_record = o->caps.hep_record_bytes;
    h->idle_ms = o->caps.hep_idle_ms;
    h->agent_rate = o->caps.hep_agent_rate;
    h->max_agents = o->caps.hep_agents;
}

/* Open the input and check its link type. */
static int app_open_input(struct app *a)
{
    struct capture_opts co;
    const char *lt;
    int rc, dlt;

    memset(&co, 0, sizeof(co));
    co.file = a->o.read_file;
    co.files = a->o.read_files;
    co.n_files = a->o.n_read_files;
    co.iface = a->o.iface;
    if (analysis_config(a) != 0)
        return 2;
    if (media_config(a) != 0)
        return 2;
    if (a->o.hep_key_file != NULL &&
        secrets_read_key(a->o.hep_key_file, a->hep_key, HEP_KEY_MAX, &a->hep_key_len,
                         a->errbuf) != 0) {
        fprintf(stderr, "sipscope: --hep-key-file %s\n", a->errbuf);
        return 2;
    }
    if (a->o.hep_in != NULL) {
        hep_opts(&a->o, &a->hep_in, a->hep_key, a->hep_key_len);
        co.hep_in = &a->hep_in;
    }
    co.filter = a->o.filter;
    co.snaplen = (uint32_t)a->o.caps.snaplen;
    co.buffer_bytes = a->o.buffer_bytes;
    co.promisc = a->o.promisc;
    co.count = a->o.count;
    a->cap = capture_open(&co, a->errbuf, &rc);
    if (a->cap == NULL) {
        name_option(&a->o, a->errbuf);
        fprintf(stderr, "sipscope: %s\n", a->errbuf);
        if (rc == ERR_PERM && a->o.iface != NULL)
            permission_hint();
        return 2;
    }
    if (a->o.hep_in != NULL)
        a->source = capture_hep_listeners(a->cap, a->hep_listeners, sizeof(a->hep_listeners));
    capture_linktype_name(a->cap, a->ltname, sizeof(a->ltname));
    dlt = capture_linktype(a->cap);
    if (!decode_linktype_supported(dlt)) {
        lt = a->ltname;
        fprintf(stderr, "sipscope: %s: unsupported link type %s%s%d%s\n",
                a->o.read_file != NULL && strcmp(a->o.read_file, "-") == 0 ? "standard input"
                                                                          : a->source,
                strncmp(lt, "DLT ", 4) == 0 ? "DLT " : lt,
                strncmp(lt, "DLT ", 4) == 0 ? "" : " (DLT ", dlt,
                strncmp(lt, "DLT ", 4) == 0 ? "" : ")");
        return 2;
    }
    return 0;
}

/* Dashboard or monitor, and the HEP sender. */
static int app_open_outputs(struct app *a)
{
    const struct cli_opts *o = &a->o;
    struct snappub_sizes sz;

    /* Unattended monitoring (docs/monitoring.md) never opens the dashboard. */
    a->monitoring = o->alerts_file != NULL || o->syslog || o->metrics_file != NULL ||
                    o->report_file != NULL;
    /* The dashboard (docs/tui.md): --tui, or by default a live capture,
     * and only when stdout is a terminal; otherwise the report. */
    a->tui = !o->messages && !a->monitoring && a->out == stdout && o->tui != CLI_TUI_OFF &&
             (o->tui == CLI_TUI_ON || capture_live(a->cap)) && tui_possible();
    if (a->tui) {
        snappub_sizes_for(&o->caps, &sz);
        a->pub = snappub_new(&sz, a->errbuf);
        if (a->pub == NULL) {
            fprintf(stderr, "sipscope: %s; printing the report instead\n", a->errbuf);
            a->tui = false;
        }
    }
    /* Without the dashboard, a live capture or --alerts/--metrics gets the
     * monitor: snapshots a few times a second (no dialogs: cheap) for the
     * alerts, the metrics file and the SIGUSR1 report. */
    if (!a->tui && !o->messages && (a->monitoring || capture_live(a->cap))) {
        struct monitor_opts mo = {
            .alerts_file = o->alerts_file,
            .syslog = o->syslog,
            .metrics_file = o->metrics_file,
            .metrics_peers = (size_t)o->metrics_peers,
            .report_file = o->report_file,
            .report = o->report,
        };
        monitor_sizes(&o->caps, &sz);
        mo.max_findings = sz.findings;
        a->pub = snappub_new(&sz, a->errbuf);
        a->mon = a->pub != NULL ? monitor_new(&mo, a->errbuf) : NULL;
        if (a->mon == NULL)
            goto fail;
    }
    if (o->hep_out != NULL) {
        a->hep = hep_out_open(o->hep_out, o->hep_id, a->errbuf);
        if (a->hep == NULL)
            goto fail;
        if (hep_out_set_key(a->hep, a->hep_key, a->hep_key_len) != 0) {
            err_set(a->errbuf, "--hep-key-file %s: a key of at most %d bytes",
                    o->hep_key_file, HEP_OUT_KEY_MAX);
            goto fail;
        }
    }
    return 0;
fail:
    name_option(o, a->errbuf);
    fprintf(stderr, "sipscope: %s\n", a->errbuf);
    return 2;
}

/* The analysis (engine, side inputs), then -Z, the -w writer and the ring. */
static int app_open_pipeline(struct app *a)
{
    const struct cli_opts *o = &a->o;
    struct engine_opts *eo = &a->eo;
    struct pipeline_opts *po = &a->po;

    /* a is zeroed (static), so the fields not set here are 0 */
    eo->secrets_file = o->secrets_file;
    eo->config_file = o->config_file;
    eo->profile_dirs = o->profile_dirs;
    eo->geoip_files = o->geoip_files;
    eo->verify_parse = o->verify_parse;
    po->caps = &o->caps;
    po->engine = eo;
    po->live = capture_live(a->cap);
    po->messages = o->messages ? a->out : NULL;
    po->capture = a->cap;
    po->source = a->source;
    po->n_files = (uint32_t)o->n_read_files;
    po->linktype = capture_linktype(a->cap);
    po->pub = a->pub;
    po->hep = a->hep;
    po->hep_relay = o->hep_in != NULL;
    if (o->tls_keylog != NULL && keylog_open(o->tls_keylog, &a->keylog, a->errbuf) != 0)
        goto fail;
    po->tls_keylog = a->keylog;
    po->rtp_heuristic = o->rtp_heuristic;
    a->pipe = pipeline_new(po, a->errbuf);
    if (a->pipe == NULL)
        goto fail;
    if (a->pw != NULL && drop_privileges(a->pw, a->errbuf) != 0)
        goto fail;
    if (o->write_file != NULL) {
        a->writer = capture_writer_open(a->cap, o->write_file, a->errbuf);
        if (a->writer == NULL)
            goto fail;
        pipeline_set_writer(a->pipe, a->writer);
    }
    a->ring = ring_new(o->caps.ring_bytes, a->errbuf);
    if (a->ring == NULL)
        goto fail;
    return 0;
fail:
    name_option(o, a->errbuf);
    fprintf(stderr, "sipscope: %s\n", a->errbuf);
    return 2;
}

/* Start the threads, run the dashboard or wait for the end of the input
 * (or a signal), join. 0, or 2 when a thread did not start. */
static int app_run(struct app *a)
{
    const struct cli_opts *o = &a->o;
    int dlt = capture_linktype(a->cap);

    if (capture_live(a->cap) && !o->quiet)
        fprintf(stderr, "sipscope: listening on %s, link-type %s (%s), snapshot length %u bytes\n",
                a->source, a->ltname, pcap_datalink_val_to_description_or_dlt(dlt),
                capture_snaplen(a->cap));
    else if (o->verbose > 0)
        fprintf(stderr, "sipscope: reading from %s, link-type %s (%s)\n", a->source, a->ltname,
                pcap_datalink_val_to_description_or_dlt(dlt));

    if (o->messages) {
        fputs(PIPELINE_MESSAGES_HEADER, a->out);
        fflush(a->out);
    }

    /* Handlers first, so a signal during start-up is not lost; the workers
     * start with every signal blocked and never see them. */
    install_signals();
    if (pipeline_start(a->pipe, a->ring, a->errbuf) != 0 ||
        capture_start(a->cap, a->ring, a->errbuf) != 0) {
        fprintf(stderr, "sipscope: %s\n", a->errbuf);
        /* The analysis thread (if any) ends when the ring closes. */
        ring_close(a->ring);
        pipeline_join(a->pipe);
        return 2;
    }
    if (a->tui) {
        struct tui_opts to = {
            .source = a->source,
            .live = capture_live(a->cap),
            .stop = &stop_requested,
            .save_format = o->report,
            .evidence_inputs = o->read_file != NULL && strcmp(o->read_file, "-") != 0
                               ? o->read_files : NULL,
            .n_evidence_inputs = o->n_read_files,
        };
        if (tui_run(a->pub, &to, a->errbuf) != 0) {
            fprintf(stderr, "sipscope: %s; printing the report instead\n", a->errbuf);
            a->tui = false;
        } else if (!capture_finished(a->cap)) {
            capture_stop(a->cap);      /* q before the end of input */
        }
    }
    while (!capture_finished(a->cap)) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        if (stop_requested) {
            capture_stop(a->cap);
            stop_requested = 0;
        }
        if (a->mon != NULL) {
            monitor_poll(a->mon, a->pub, wall_now_us());
            if (reopen_requested) {
                reopen_requested = 0;
                monitor_reopen(a->mon);
            }
            if (report_requested) {
                report_requested = 0;
                monitor_report(a->mon, monitor_latest(a->mon));
            }
        }
        nanosleep(&ts, NULL);
    }
    capture_join(a->cap);
    pipeline_join(a->pipe);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_IGN);    /* a late rotation must not kill the final report */
    signal(SIGUSR1, SIG_IGN);
    return 0;
}

/* The report (or the ladder) from the final snapshot; the exit status. */
static int app_report(struct app *a, const struct run_info *run, int status)
{
    const struct cli_opts *o = &a->o;
    struct snappub_sizes sz;
    struct snapshot snap;
    const char *nc;
    bool color;

    snappub_sizes_for(&o->caps, &sz);
    if (snapshot_init(&snap, sz.findings, sz.peers, sz.dialogs, sz.msgs, sz.raw_bytes,
                      sz.counters) != 0 ||
        snapshot_members_init(&snap, o->caps.population_members) != 0) {
        fprintf(stderr, "sipscope: out of memory for the report\n");
        return 2;
    }
    engine_snapshot(pipeline_engine(a->pipe), run, &snap);
    snap.run.report_full = o->full || o->verbose > 0;
    diagnosis_run(&snap);
    /* --evidence: copy the frames the final findings cite from the input
     * file (cli_check allows it only with -r FILE, never -r -) */
    if (o->evidence_file != NULL &&
        evidence_write(&snap, o->read_files, o->n_read_files, -1, o->evidence_file,
                       a->errbuf) < 0) {
        fprintf(stderr, "sipscope: %s\n", a->errbuf);
        status = 2;
    }
    /* the report's exit_status is the one the run ends with */
    snap.run.failed = status == 2;
    /* the report is built where the correlation tables were */
    engine_release(pipeline_engine(a->pipe));
    nc = getenv("NO_COLOR");
    color = isatty(fileno(a->out)) && (nc == NULL || nc[0] == '\0');
    if (a->mon != NULL) {
        monitor_final(a->mon, &snap, wall_now_us());
        if (o->report_file != NULL && monitor_report(a->mon, &snap) != 0)
            status = 2;
    }
    /* After the dashboard, only when asked for with --report; a
     * monitor prints only its alerts unless --report asks too. */
    if (o->ladder != NULL) {
        /* --ladder: one dialog's call flow instead of the report */
        if (ladder_print(a->out, &snap, o->ladder, a->errbuf) != 0) {
            fprintf(stderr, "sipscope: %s\n", a->errbuf);
            status = 2;
        }
    } else if ((!a->tui || o->report_given) && (!a->monitoring || o->report_given) &&
               o->report_file == NULL &&
               (report_write(a->out, o->report, &snap, color) != 0 || fflush(a->out) != 0)) {
        fprintf(stderr, "sipscope: cannot write the report: %s\n", strerror(errno));
        status = 2;
    }
    /* A dashboard the user quit exits 0 unless a report was asked
     * for: the findings were on the screen (docs/tui.md). A
     * monitor exits 0 when stopped: its findings went out as
     * alerts, and a service manager must not see a failure. */
    if (status == 0 && o->ladder == NULL && (!a->tui || o->report_given) && !a->monitoring)
        status = report_exit_status(&snap);
    snapshot_free(&snap);
    return status;
}

/* After the join: capture errors, -w, the results, the final counters. */
static int app_finish(struct app *a)
{
    const struct cli_opts *o = &a->o;
    struct capture_result cr;
    struct run_info run;
    int status = 0;

    capture_result(a->cap, &cr);
    if (cr.truncated || cr.failed) {
        fprintf(stderr, "sipscope: %s\n", cr.error);
        status = 2;
    }
    if (a->writer != NULL) {
        if (capture_writer_close(a->writer, a->errbuf) != 0) {
            fprintf(stderr, "sipscope: %s\n", a->errbuf);
            status = 2;
        }
        a->writer = NULL;
    }

    pipeline_run_info(a->pipe, &run);
    /* An empty file gives an empty report: say why, before it. The exit
     * status stays the report's (nothing found), as its JSON says. */
    if (!capture_live(a->cap) && run.packets == 0 && !cr.failed && !cr.truncated) {
        const char *name = strcmp(o->read_file, "-") == 0 ? "standard input" : a->source;
        if (o->filter != NULL && o->filter[0] != '\0')
            fprintf(stderr, "sipscope: no packets in %s match the filter '%s'\n", name,
                    o->filter);
        else
            fprintf(stderr, "sipscope: no packets in %s\n", name);
    }
    if (!o->messages)
        status = app_report(a, &run, status);
    else if (fflush(a->out) != 0) {
        status = 2;
    }

    fprintf(stderr,
            "sipscope: %llu packets, %llu SIP messages, %llu malformed, %llu ring drops, "
            "%llu kernel drops, %llu interface drops%s%s\n",
            (unsigned long long)run.packets, (unsigned long long)run.sip_messages,
            (unsigned long long)run.malformed, (unsigned long long)run.ring_drops,
            (unsigned long long)run.kernel_drops, (unsigned long long)run.if_drops,
            cr.interrupted ? " (interrupted)" : "", run.truncated ? " (file truncated)" : "");
    if (o->verbose > 0 && run.stats_walk != NULL)
        run.stats_walk(run.stats_ctx, print_counter, stderr);
    return status;
}

/* Checks that need the system but no capture: -Z's user, stdout being a
 * terminal for --tui, the new files -w and --evidence will create. */
static int app_check(struct app *a)
{
    const struct cli_opts *o = &a->o;

    if (o->user != NULL) {
        errno = 0;
        a->pw = getpwnam(o->user);
        if (a->pw == NULL) {
            fprintf(stderr, "sipscope: -Z %s: no such user\n", o->user);
            return 2;
        }
    }
    if (o->tui == CLI_TUI_ON && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "sipscope: --tui: standard output is not a terminal (without --tui "
                "the report is printed)\n");
        return 2;
    }
    if (check_new_file("-w", o->write_file, a->errbuf) != 0 ||
        check_new_file("--evidence", o->evidence_file, a->errbuf) != 0) {
        fprintf(stderr, "sipscope: %s\n", a->errbuf);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct app a;    /* zero-initialised: app_free skips what was never opened */
    int status;

    if (cli_parse(&a.o, argc, argv, a.errbuf) != 0) {
        fprintf(stderr, "sipscope: %s\n", a.errbuf);
        cli_free(&a.o);
        return 2;
    }
    switch (a.o.action) {
    case CLI_HELP:
        cli_usage(stdout);
        cli_free(&a.o);
        return 0;
    case CLI_VERSION:
        printf("sipscope %s\n%s\n", SIPSCOPE_VERSION, pcap_lib_version());
        cli_free(&a.o);
        return 0;
    case CLI_LIST_IFACES:
        cli_free(&a.o);
        return list_interfaces();
    case CLI_RUN:
        break;
    }
    /* [hep_in] first: it may name the listeners, the source of the run. */
    if (hep_config(&a) != 0) {
        app_free(&a);
        return 2;
    }
    a.source = a.o.read_file != NULL ? a.o.read_file : a.o.iface != NULL ? a.o.iface
                                                                          : a.o.hep_in;
    if (a.o.n_read_files > 1) {
        /* "a.pcap + b.pcap", or "a.pcap + 11 more files" when that is long */
        size_t l = (size_t)snprintf(a.source_buf, sizeof(a.source_buf), "%s", a.o.read_file);
        for (size_t i = 1; i < a.o.n_read_files && l < sizeof(a.source_buf); i++)
            l += (size_t)snprintf(a.source_buf + l, sizeof(a.source_buf) - l, " + %s",
                                  a.o.read_files[i]);
        if (l >= sizeof(a.source_buf))
            snprintf(a.source_buf, sizeof(a.source_buf), "%.200s + %zu more files",
                     a.o.read_file, a.o.n_read_files - 1);
        a.source = a.source_buf;
    }
    /* -w - puts the pcap on stdout: results go to stderr then. */
    a.out = a.o.write_file != NULL && strcmp(a.o.write_file, "-") == 0 ? stderr : stdout;

    status = app_check(&a);
    if (status == 0)
        status = app_open_input(&a);
    if (status == 0)
        status = app_open_outputs(&a);
    if (status == 0)
        status = app_open_pipeline(&a);
    if (status == 0)
        status = app_run(&a);
    if (status == 0)
        status = app_finish(&a);
    app_free(&a);
    return status;
}
