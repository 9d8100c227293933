/*
 * main.c — sipscope's entry point: parse the command line, open the
 * capture, start the capture and analysis threads, wait (handling
 * SIGINT/SIGTERM), then print the report or the message list and exit with
 * the status of STYLE.md §CLI (0 clean, 1 findings, 2 usage/runtime error).
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
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "app/cli.h"
#include "decode/decode.h"
#include "correlate/engine.h"
#include "util/err.h"
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

static void die_usage(const char *msg)
{
    fprintf(stderr, "sipscope: %s\n", msg);
    exit(2);
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

int main(int argc, char **argv)
{
    char errbuf[ERRBUF_SIZE] = "";
    char ltname[64];
    struct cli_opts o;
    struct capture_opts co;
    struct engine_opts eo;
    struct pipeline_opts po;
    struct capture_result cr;
    struct run_info run;
    struct snapshot snap;
    struct snappub_sizes sz;
    struct passwd *pw = NULL;
    struct capture *cap;
    struct capture_writer *writer = NULL;
    struct pipeline *pipe;
    struct ring *ring;
    struct snappub *pub = NULL;
    struct monitor *mon = NULL;
    struct hep_out *hep = NULL;
    bool monitoring;
    FILE *out = stdout;
    const char *nc;
    bool color, tui;
    int rc, status = 0;

    rc = cli_parse(&o, argc, argv, errbuf);
    if (rc != 0) {
        cli_free(&o);
        die_usage(errbuf);
    }
    if (o.action == CLI_HELP) {
        cli_usage(stdout);
        cli_free(&o);
        return 0;
    }
    if (o.action == CLI_VERSION) {
        printf("sipscope %s\n%s\n", SIPSCOPE_VERSION, pcap_lib_version());
        cli_free(&o);
        return 0;
    }
    if (o.user != NULL) {
        errno = 0;
        pw = getpwnam(o.user);
        if (pw == NULL) {
            fprintf(stderr, "sipscope: -Z %s: no such user\n", o.user);
            cli_free(&o);
            return 2;
        }
    }
    /* -w - puts the pcap on stdout: results go to stderr then. */
    if (o.write_file != NULL && strcmp(o.write_file, "-") == 0)
        out = stderr;

    memset(&co, 0, sizeof(co));
    co.file = o.read_file;
    co.iface = o.iface;
    co.hep_in = o.hep_in;
    co.filter = o.filter;
    co.snaplen = (uint32_t)o.caps.snaplen;
    co.buffer_bytes = o.buffer_bytes;
    co.promisc = o.promisc;
    co.count = o.count;
    cap = capture_open(&co, errbuf, &rc);
    if (cap == NULL) {
        fprintf(stderr, "sipscope: %s\n", errbuf);
        cli_free(&o);
        return 2;
    }
    capture_linktype_name(cap, ltname, sizeof(ltname));
    if (!decode_linktype_supported(capture_linktype(cap))) {
        fprintf(stderr, "sipscope: %s: unsupported link type %s%s%d%s\n",
                o.read_file != NULL ? (strcmp(o.read_file, "-") == 0 ? "standard input"
                                                                     : o.read_file)
                                    : o.iface != NULL ? o.iface : o.hep_in,
                strncmp(ltname, "DLT ", 4) == 0 ? "DLT " : ltname,
                strncmp(ltname, "DLT ", 4) == 0 ? "" : " (DLT ", capture_linktype(cap),
                strncmp(ltname, "DLT ", 4) == 0 ? "" : ")");
        capture_close(cap);
        cli_free(&o);
        return 2;
    }

    /* Unattended monitoring (docs/monitoring.md) never opens the dashboard. */
    monitoring = o.alerts_file != NULL || o.syslog || o.metrics_file != NULL ||
                 o.report_file != NULL;
    /* The dashboard (docs/tui.md): --tui, or by default a live capture,
     * and only when stdout is a terminal; otherwise the report. */
    tui = !o.messages && !monitoring && out == stdout && o.tui != CLI_TUI_OFF &&
          (o.tui == CLI_TUI_ON || capture_live(cap)) && tui_possible();
    if (tui) {
        snappub_sizes_for(&o.caps, &sz);
        pub = snappub_new(&sz, errbuf);
        if (pub == NULL) {
            fprintf(stderr, "sipscope: %s; printing the report instead\n", errbuf);
            tui = false;
        }
    }
    /* Without the dashboard, a live capture or --alerts/--metrics gets the
     * monitor: snapshots a few times a second (no dialogs: cheap) for the
     * alerts, the metrics file and the SIGUSR1 report. */
    if (!tui && !o.messages && (monitoring || capture_live(cap))) {
        struct monitor_opts mo = {
            .alerts_file = o.alerts_file,
            .syslog = o.syslog,
            .metrics_file = o.metrics_file,
            .metrics_peers = (size_t)o.metrics_peers,
            .report_file = o.report_file,
            .report = o.report,
        };
        monitor_sizes(&o.caps, &sz);
        mo.max_findings = sz.findings;
        pub = snappub_new(&sz, errbuf);
        mon = pub != NULL ? monitor_new(&mo, errbuf) : NULL;
        if (mon == NULL) {
            fprintf(stderr, "sipscope: %s\n", errbuf);
            snappub_free(pub);
            capture_close(cap);
            cli_free(&o);
            return 2;
        }
    }
    if (o.hep_out != NULL) {
        hep = hep_out_open(o.hep_out, o.hep_id, errbuf);
        if (hep == NULL) {
            fprintf(stderr, "sipscope: %s\n", errbuf);
            monitor_free(mon);
            snappub_free(pub);
            capture_close(cap);
            cli_free(&o);
            return 2;
        }
    }

    memset(&eo, 0, sizeof(eo));
    eo.secrets_file = o.secrets_file;
    eo.config_file = o.config_file;
    eo.profile_dirs = o.profile_dirs;
    eo.geoip_files = o.geoip_files;
    eo.evidence_file = o.evidence_file;
    eo.verify_parse = o.verify_parse;
    memset(&po, 0, sizeof(po));
    po.caps = &o.caps;
    po.engine = &eo;
    po.live = capture_live(cap);
    po.messages = o.messages ? out : NULL;
    po.capture = cap;
    po.source = o.read_file != NULL ? o.read_file : o.iface != NULL ? o.iface : o.hep_in;
    po.linktype = capture_linktype(cap);
    po.pub = pub;
    po.hep = hep;
    po.hep_relay = o.hep_in != NULL;
    pipe = pipeline_new(&po, errbuf);
    if (pipe == NULL) {
        fprintf(stderr, "sipscope: %s\n", errbuf);
        capture_close(cap);
        cli_free(&o);
        return 2;
    }
    if (pw != NULL && drop_privileges(pw, errbuf) != 0) {
        fprintf(stderr, "sipscope: %s\n", errbuf);
        pipeline_free(pipe);
        capture_close(cap);
        cli_free(&o);
        return 2;
    }
    if (o.write_file != NULL) {
        writer = capture_writer_open(cap, o.write_file, errbuf);
        if (writer == NULL) {
            fprintf(stderr, "sipscope: %s\n", errbuf);
            pipeline_free(pipe);
            capture_close(cap);
            cli_free(&o);
            return 2;
        }
        pipeline_set_writer(pipe, writer);
    }
    ring = ring_new(o.caps.ring_bytes, errbuf);
    if (ring == NULL) {
        fprintf(stderr, "sipscope: %s\n", errbuf);
        capture_writer_close(writer, NULL);
        pipeline_free(pipe);
        capture_close(cap);
        cli_free(&o);
        return 2;
    }
    if (capture_live(cap) && !o.quiet)
        fprintf(stderr, "sipscope: listening on %s, link-type %s (%s), snapshot length %u bytes\n",
                po.source, ltname,
                pcap_datalink_val_to_description_or_dlt(capture_linktype(cap)),
                capture_snaplen(cap));
    else if (o.verbose > 0)
        fprintf(stderr, "sipscope: reading from %s, link-type %s (%s)\n", po.source, ltname,
                pcap_datalink_val_to_description_or_dlt(capture_linktype(cap)));

    if (o.messages) {
        fputs(PIPELINE_MESSAGES_HEADER, out);
        fflush(out);
    }

    /* Handlers first, so a signal during start-up is not lost; the workers
     * start with every signal blocked and never see them. */
    install_signals();
    if (pipeline_start(pipe, ring, errbuf) != 0 || capture_start(cap, ring, errbuf) != 0) {
        fprintf(stderr, "sipscope: %s\n", errbuf);
        /* The analysis thread (if any) ends when the ring closes. */
        ring_close(ring);
        pipeline_join(pipe);
        status = 2;
        goto out;
    }
    if (tui) {
        struct tui_opts to = {
            .source = po.source,
            .live = capture_live(cap),
            .stop = &stop_requested,
            .save_format = o.report,
            .evidence_input = o.read_file != NULL && strcmp(o.read_file, "-") != 0
                              ? o.read_file : NULL,
        };
        if (tui_run(pub, &to, errbuf) != 0) {
            fprintf(stderr, "sipscope: %s; printing the report instead\n", errbuf);
            tui = false;
        } else if (!capture_finished(cap)) {
            capture_stop(cap);      /* q before the end of input */
        }
    }
    while (!capture_finished(cap)) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        if (stop_requested) {
            capture_stop(cap);
            stop_requested = 0;
        }
        if (mon != NULL) {
            monitor_poll(mon, pub, wall_now_us());
            if (reopen_requested) {
                reopen_requested = 0;
                monitor_reopen(mon);
            }
            if (report_requested) {
                report_requested = 0;
                monitor_report(mon, monitor_latest(mon));
            }
        }
        nanosleep(&ts, NULL);
    }
    capture_join(cap);
    pipeline_join(pipe);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_IGN);    /* a late rotation must not kill the final report */
    signal(SIGUSR1, SIG_IGN);

    capture_result(cap, &cr);
    if (cr.truncated || cr.failed) {
        fprintf(stderr, "sipscope: %s\n", cr.error);
        status = 2;
    }
    if (writer != NULL) {
        if (capture_writer_close(writer, errbuf) != 0) {
            fprintf(stderr, "sipscope: %s\n", errbuf);
            status = 2;
        }
        writer = NULL;
    }

    pipeline_run_info(pipe, &run);
    if (!o.messages) {
        snappub_sizes_for(&o.caps, &sz);
        if (snapshot_init(&snap, sz.findings, sz.peers, sz.dialogs, sz.msgs, sz.raw_bytes,
                          sz.counters) != 0) {
            fprintf(stderr, "sipscope: out of memory for the report\n");
            status = 2;
        } else {
            engine_snapshot(pipeline_engine(pipe), &run, &snap);
            /* the report is built where the correlation tables were */
            engine_release(pipeline_engine(pipe));
            nc = getenv("NO_COLOR");
            color = isatty(fileno(out)) && (nc == NULL || nc[0] == '\0');
            if (mon != NULL) {
                monitor_final(mon, &snap, wall_now_us());
                if (o.report_file != NULL && monitor_report(mon, &snap) != 0)
                    status = 2;
            }
            /* After the dashboard, only when asked for with --report; a
             * monitor prints only its alerts unless --report asks too. */
            if (o.ladder != NULL) {
                /* --ladder: one dialog's call flow instead of the report */
                if (ladder_print(out, &snap, o.ladder, errbuf) != 0) {
                    fprintf(stderr, "sipscope: %s\n", errbuf);
                    status = 2;
                }
            } else if ((!tui || o.report_given) && (!monitoring || o.report_given) &&
                o.report_file == NULL &&
                (report_write(out, o.report, &snap, color) != 0 || fflush(out) != 0)) {
                fprintf(stderr, "sipscope: cannot write the report: %s\n", strerror(errno));
                status = 2;
            }
            /* A dashboard the user quit exits 0 unless a report was asked
             * for: the findings were on the screen (docs/tui.md). A
             * monitor exits 0 when stopped: its findings went out as
             * alerts, and a service manager must not see a failure. */
            if (status == 0 && o.ladder == NULL && (!tui || o.report_given) && !monitoring)
                status = report_exit_status(&snap);
            snapshot_free(&snap);
        }
    } else if (fflush(out) != 0) {
        status = 2;
    }

    fprintf(stderr,
            "sipscope: %llu packets, %llu SIP messages, %llu malformed, %llu ring drops, "
            "%llu kernel drops, %llu interface drops%s%s\n",
            (unsigned long long)run.packets, (unsigned long long)run.sip_messages,
            (unsigned long long)run.malformed, (unsigned long long)run.ring_drops,
            (unsigned long long)run.kernel_drops, (unsigned long long)run.if_drops,
            cr.interrupted ? " (interrupted)" : "", run.truncated ? " (file truncated)" : "");
    if (o.verbose > 0 && run.stats_walk != NULL)
        run.stats_walk(run.stats_ctx, print_counter, stderr);

out:
    if (writer != NULL)
        capture_writer_close(writer, NULL);
    pipeline_free(pipe);
    hep_out_close(hep);
    monitor_free(mon);
    snappub_free(pub);
    capture_close(cap);
    ring_free(ring);
    cli_free(&o);
    return status;
}
