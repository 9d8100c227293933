/*
 * capture.c — the capture thread: libpcap (file, stdin or live interface)
 * into the ring (see capture.h).
 *
 * Place in the flow: first stage; capture → ring → pipeline. Owning
 * thread: the capture thread runs capture_main (pcap_dispatch only); the
 * rest runs on the main thread, except capture_writer_write (analysis).
 *
 * Files are read through our own descriptor wrapped in a stdio cookie
 * stream, for two reasons: open(2)/fstat(2) give exact reasons (missing,
 * unreadable, a directory, empty) in the one-line error, and the cookie's
 * read waits in poll(2) on the file and a wake-up pipe, so SIGINT ends a
 * run whose `-r -` pipe is silent (pcap_breakloop alone cannot interrupt a
 * blocking read, and the capture thread blocks every signal).
 *
 * A BPF filter on a file is run per frame with pcap_offline_filter in the
 * callback (what libpcap's own setfilter does for files, in the same
 * thread), so that frame numbers stay those of the file, as tshark and
 * Wireshark count them, even when a filter hides frames.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "hep_in.h"
#include "merge.h"
#include "util/thread.h"

#define CAPTURE_FILE_BATCH 256      /* frames per pcap_dispatch on a file */
#define CAPTURE_COMMIT_EVERY 64     /* records between ring commits */
#define CAPTURE_LIVE_TIMEOUT_MS 100 /* pcap buffer timeout: stats and stop checks */
#define CAPTURE_SPINS 64            /* full ring (file): spins before napping */
#define CAPTURE_NAP_NS 50000        /* full ring (file): nap length */

struct capture {
    pcap_t *p;
    bool live;
    int linktype;
    uint32_t snaplen;
    uint64_t count;
    char name[256];             /* file name or interface, for messages */

    /* file input */
    int fd;
    bool own_fd;
    int wake[2];                /* capture_stop writes here to end a blocked read */
    uint64_t bytes_read;

    /* filter (files: run per frame in the callback) */
    struct bpf_program prog;
    bool has_prog;
    bool offline_filter;

    struct hep_in *hep;         /* --hep-in: datagrams instead of pcap (c->p is a dead handle) */
    struct pcap_merge *merge;   /* several files: c->p is its first file's handle */

    /* capture-thread state */
    struct ring *ring;
    pthread_t thread;
    bool started;
    uint64_t frame;             /* frames read (file order) */
    uint64_t delivered;         /* frames passed to the ring (or dropped there) */
    uint64_t drops;
    unsigned uncommitted;
    bool count_reached;

    /* shared with the main thread */
    atomic_bool stop;
    atomic_bool finished;
    _Atomic uint64_t a_packets, a_frames, a_drops, a_ps_drop, a_ps_ifdrop;
    /* written by the capture thread before it sets finished (release) */
    bool truncated, failed, interrupted;
    char error[512];
};

/* ---- file input through a cookie stream -------------------------------- */

static ssize_t cookie_read(void *ck, char *buf, size_t n)
{
    struct capture *c = ck;

    for (;;) {
        struct pollfd pf[2] = { { c->fd, POLLIN, 0 }, { c->wake[0], POLLIN, 0 } };
        ssize_t k;

        if (atomic_load_explicit(&c->stop, memory_order_acquire))
            return 0;   /* look like end of file; interrupted is set by stop */
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (pf[1].revents != 0)
            continue;   /* re-check stop */
        k = read(c->fd, buf, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k > 0)
            c->bytes_read += (uint64_t)k;
        return k;
    }
}

static int cookie_close(void *ck)
{
    struct capture *c = ck;

    if (c->own_fd && c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    return 0;
}

/* One line for a file libpcap refused at open. */
static void explain_open_error(struct capture *c, const char *pcap_err, char *errbuf)
{
    if (c->bytes_read == 0)
        err_set(errbuf, "%s: empty file", c->name);
    else if (strstr(pcap_err, "unknown file format") != NULL)
        err_set(errbuf, "%s: not a pcap or pcapng file (unknown file format; "
                "editcap -F pcap converts other capture formats)", c->name);
    else if (strstr(pcap_err, "truncated") != NULL)
        err_set(errbuf, "%s: file is truncated: its header is cut short (%s)", c->name,
                pcap_err);
    else
        err_set(errbuf, "%s: %s", c->name, pcap_err);
}

static int open_file(struct capture *c, const char *path, char *errbuf)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    cookie_io_functions_t io = { .read = cookie_read, .close = cookie_close };
    struct stat st;
    FILE *fp;

    if (strcmp(path, "-") == 0) {
        snprintf(c->name, sizeof(c->name), "%s", "standard input");
        c->fd = STDIN_FILENO;
        c->own_fd = false;
    } else {
        c->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (c->fd < 0) {
            err_set(errbuf, "%s: %s", c->name, strerror(errno));
            return errno == EACCES || errno == EPERM ? ERR_PERM : ERR_IO;
        }
        c->own_fd = true;
    }
    if (fstat(c->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            err_set(errbuf, "%s: %s", c->name, strerror(EISDIR));
            return ERR_IO;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) {
            err_set(errbuf, "%s: empty file", c->name);
            return ERR_FORMAT;
        }
    }
    if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        err_set(errbuf, "%s: pipe: %s", c->name, strerror(errno));
        return ERR_IO;
    }
    fp = fopencookie(c, "r", io);
    if (fp == NULL) {
        err_set(errbuf, "%s: %s", c->name, strerror(errno));
        return ERR_NOMEM;
    }
    setvbuf(fp, NULL, _IOFBF, 1u << 16);
    c->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, pe);
    if (c->p == NULL) {
        explain_open_error(c, pe, errbuf);
        fclose(fp);     /* closes c->fd through cookie_close */
        if (c->bytes_read == 0)
            return ERR_FORMAT;
        return strstr(pe, "truncated") != NULL ? ERR_TRUNC : ERR_FORMAT;
    }
    c->live = false;
    return 0;
}

/* Several files: one merged reader (merge.h); the filter is compiled on
 * its first handle and run per frame, as for one file. */
static int open_merge(struct capture *c, const struct capture_opts *o, char *errbuf)
{
    int err;

    snprintf(c->name, sizeof(c->name), "%s and %zu more file(s)", o->files[0], o->n_files - 1);
    c->merge = pcap_merge_open(o->files, o->n_files, errbuf, &err);
    if (c->merge == NULL)
        return err;
    c->p = pcap_merge_handle(c->merge);
    c->live = false;
    return 0;
}

static int open_live(struct capture *c, const struct capture_opts *o, char *errbuf)
{
    char pe[PCAP_ERRBUF_SIZE] = "";
    int rc;

    c->p = pcap_create(o->iface, pe);
    if (c->p == NULL) {
        err_set(errbuf, "%s: %s", c->name, pe);
        return ERR_IO;
    }
    if (pcap_set_snaplen(c->p, (int)o->snaplen) != 0 ||
        pcap_set_promisc(c->p, o->promisc ? 1 : 0) != 0 ||
        pcap_set_immediate_mode(c->p, 1) != 0 ||
        pcap_set_timeout(c->p, CAPTURE_LIVE_TIMEOUT_MS) != 0 ||
        (o->buffer_bytes > 0 &&
         pcap_set_buffer_size(c->p, o->buffer_bytes > INT_MAX ? INT_MAX
                                                               : (int)o->buffer_bytes) != 0)) {
        err_set(errbuf, "%s: cannot set capture options", c->name);
        return ERR_IO;
    }
    rc = pcap_activate(c->p);
    if (rc < 0) {
        const char *why = pcap_geterr(c->p);
        err_set(errbuf, "%s: %s", c->name,
                why != NULL && why[0] != '\0' ? why : pcap_statustostr(rc));
        return rc == PCAP_ERROR_PERM_DENIED ? ERR_PERM : ERR_IO;
    }
    c->live = true;
    return 0;
}

/* --hep-in: the listeners; a dead pcap handle gives the link type (DLT_RAW),
 * the BPF compiler and the -w writer, as for an interface. */
static int open_hep(struct capture *c, const struct capture_opts *o, char *errbuf)
{
    char l[200];

    c->hep = hep_in_open(o->hep_in, errbuf);
    if (c->hep == NULL)
        return ERR_IO;
    snprintf(c->name, sizeof(c->name), "HEP %s", hep_in_describe(c->hep, l, sizeof(l)));
    c->p = pcap_open_dead(DLT_RAW, (int)o->snaplen);
    if (c->p == NULL) {
        err_set(errbuf, "%s: out of memory", c->name);
        return ERR_NOMEM;
    }
    c->live = true;
    return 0;
}

struct capture *capture_open(const struct capture_opts *o, char *errbuf, int *err)
{
    struct capture *c = calloc(1, sizeof(*c));
    int rc;

    *err = 0;
    if (c == NULL) {
        err_set(errbuf, "out of memory");
        *err = ERR_NOMEM;
        return NULL;
    }
    c->fd = -1;
    c->wake[0] = c->wake[1] = -1;
    c->snaplen = o->snaplen;
    c->count = o->count;
    atomic_init(&c->stop, false);
    atomic_init(&c->finished, false);
    snprintf(c->name, sizeof(c->name), "%s",
             o->file != NULL ? o->file : o->iface != NULL ? o->iface : "HEP");

    rc = o->hep_in != NULL ? open_hep(c, o, errbuf)
         : o->n_files > 1 ? open_merge(c, o, errbuf)
         : o->file != NULL ? open_file(c, o->file, errbuf) : open_live(c, o, errbuf);
    if (rc != 0) {
        *err = rc;
        capture_close(c);
        return NULL;
    }
    c->linktype = pcap_datalink(c->p);

    if (o->filter != NULL && o->filter[0] != '\0') {
        if (pcap_compile(c->p, &c->prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            err_set(errbuf, "filter '%s': %s", o->filter, pcap_geterr(c->p));
            *err = ERR_INVAL;
            capture_close(c);
            return NULL;
        }
        c->has_prog = true;
        if (c->live && c->hep == NULL) {
            if (pcap_setfilter(c->p, &c->prog) != 0) {
                err_set(errbuf, "%s: cannot set filter: %s", c->name, pcap_geterr(c->p));
                *err = ERR_IO;
                capture_close(c);
                return NULL;
            }
        } else {
            c->offline_filter = true;
        }
    }
    return c;
}

void capture_close(struct capture *c)
{
    if (c == NULL)
        return;
    if (c->has_prog)
        pcap_freecode(&c->prog);
    if (c->merge != NULL)
        pcap_merge_close(c->merge);     /* closes c->p too */
    else if (c->p != NULL)
        pcap_close(c->p);       /* a file: fclose → cookie_close closes fd */
    else if (c->own_fd && c->fd >= 0)
        close(c->fd);
    if (c->wake[0] >= 0)
        close(c->wake[0]);
    if (c->wake[1] >= 0)
        close(c->wake[1]);
    hep_in_close(c->hep);
    free(c);
}

int capture_linktype(const struct capture *c)
{
    return c->linktype;
}

const char *capture_linktype_name(const struct capture *c, char *buf, size_t len)
{
    const char *n = pcap_datalink_val_to_name(c->linktype);

    if (n != NULL)
        snprintf(buf, len, "%s", n);
    else
        snprintf(buf, len, "DLT %d", c->linktype);
    return buf;
}

bool capture_live(const struct capture *c)
{
    return c->live;
}

uint32_t capture_snaplen(const struct capture *c)
{
    return c->snaplen;
}

/* ---- the capture thread ------------------------------------------------ */

/* Saturating: a hostile pcapng can carry any 64-bit time. */
static int64_t tv_to_us(const struct timeval *tv)
{
    const int64_t lim = INT64_MAX / 1000000 - 10000;
    int64_t s = (int64_t)tv->tv_sec;
    int64_t u = (int64_t)tv->tv_usec;

    if (s > lim)
        s = lim;
    if (s < -lim)
        s = -lim;
    if (u > 1000000000)
        u = 1000000000;
    if (u < -1000000000)
        u = -1000000000;
    return s * 1000000 + u;
}

static void nap(void)
{
    struct timespec ts = { 0, CAPTURE_NAP_NS };
    nanosleep(&ts, NULL);
}

/* pcap callback: copy into the ring. No parsing, locks, malloc or stdio. */
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct capture *c = (struct capture *)user;
    struct packet pkt;
    uint32_t caplen;

    c->frame++;
    if (c->count_reached)
        return;
    if (c->offline_filter && pcap_offline_filter(&c->prog, h, bytes) == 0)
        return;
    caplen = h->caplen < c->snaplen ? h->caplen : c->snaplen;
    if (!ring_fits(c->ring, caplen))
        caplen = (uint32_t)(ring_capacity(c->ring) - RING_ALIGN);
    pkt.frame = c->frame;
    pkt.ts_us = tv_to_us(&h->ts);
    pkt.caplen = caplen;
    pkt.len = h->len;
    pkt.linktype = c->linktype;
    pkt.data = bytes;
    if (ring_push(c->ring, &pkt)) {
        if (++c->uncommitted >= CAPTURE_COMMIT_EVERY) {
            ring_commit(c->ring);
            c->uncommitted = 0;
        }
    } else if (c->live) {
        c->drops++;     /* live: never wait */
    } else {
        /* file: wait for the analysis thread, nothing is lost */
        unsigned spins = 0;
        ring_commit(c->ring);
        c->uncommitted = 0;
        while (!ring_push(c->ring, &pkt)) {
            if (atomic_load_explicit(&c->stop, memory_order_relaxed))
                return;
            if (++spins > CAPTURE_SPINS)
                nap();
        }
        c->uncommitted = 1;
    }
    c->delivered++;
    if (c->count > 0 && c->delivered >= c->count) {
        c->count_reached = true;
        pcap_breakloop(c->p);
    }
}

static void publish_counters(struct capture *c)
{
    atomic_store_explicit(&c->a_packets, c->delivered, memory_order_relaxed);
    atomic_store_explicit(&c->a_frames, c->frame, memory_order_relaxed);
    atomic_store_explicit(&c->a_drops, c->drops, memory_order_relaxed);
}

static void copy_pcap_stats(struct capture *c)
{
    struct pcap_stat ps;

    if (c->live && pcap_stats(c->p, &ps) == 0) {
        atomic_store_explicit(&c->a_ps_drop, ps.ps_drop, memory_order_relaxed);
        atomic_store_explicit(&c->a_ps_ifdrop, ps.ps_ifdrop, memory_order_relaxed);
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --hep-in: one datagram at a time into the ring through on_packet (so -c,
 * the BPF filter and live drop counting behave as for an interface); the
 * poll timeout bounds how long a stop waits. */
static void hep_loop(struct capture *c)
{
    while (!c->count_reached && !atomic_load_explicit(&c->stop, memory_order_acquire)) {
        struct pcap_pkthdr h;
        const uint8_t *data;
        uint32_t len;
        int rc = hep_in_recv(c->hep, CAPTURE_LIVE_TIMEOUT_MS, &h.ts, &data, &len);

        if (rc < 0) {
            c->failed = true;
            snprintf(c->error, sizeof(c->error), "%s: receive failed: %s", c->name,
                     strerror(errno));
            break;
        }
        if (rc == 1) {
            uint64_t drops = c->drops;
            h.caplen = h.len = len;
            on_packet((u_char *)c, &h, data);
            if (c->drops != drops)
                hep_in_lost(c->hep);
            ring_commit(c->ring);
            c->uncommitted = 0;
            publish_counters(c);
        }
    }
    hep_in_publish(c->hep);
}

/* Several files: frames in merged order through on_packet (filter, -c and
 * the ring behave as for one file), committed in batches. */
static void merge_loop(struct capture *c)
{
    struct pcap_merge_frame fr;
    unsigned n = 0;
    int rc = 1;

    while (!c->count_reached && !atomic_load_explicit(&c->stop, memory_order_acquire) &&
           (rc = pcap_merge_next(c->merge, &fr)) == 1) {
        struct pcap_pkthdr h = *fr.h;
        h.ts.tv_usec = (suseconds_t)(fr.h->ts.tv_usec / 1000);    /* ns -> us */
        on_packet((u_char *)c, &h, fr.data);
        if (++n % CAPTURE_FILE_BATCH == 0) {
            ring_commit(c->ring);
            c->uncommitted = 0;
            publish_counters(c);
        }
    }
    ring_commit(c->ring);
    c->uncommitted = 0;
    publish_counters(c);
    if (rc == ERR_TRUNC)
        c->truncated = true;
    else if (rc < 0)
        c->failed = true;
    if (rc < 0)
        snprintf(c->error, sizeof(c->error), "%s", pcap_merge_error(c->merge));
}

static void *capture_main(void *arg)
{
    struct capture *c = arg;
    int64_t last_stats = mono_ms();
    bool own_loop = false;

    if (c->hep != NULL || c->merge != NULL) {
        if (c->hep != NULL)
            hep_loop(c);
        else
            merge_loop(c);
        own_loop = true;
    }
    while (!own_loop && !c->count_reached &&
           !atomic_load_explicit(&c->stop, memory_order_acquire)) {
        int n = pcap_dispatch(c->p, c->live ? -1 : CAPTURE_FILE_BATCH, on_packet, (u_char *)c);
        ring_commit(c->ring);
        c->uncommitted = 0;
        publish_counters(c);
        if (n == PCAP_ERROR_BREAK)
            break;
        if (n == PCAP_ERROR) {
            const char *why = pcap_geterr(c->p);
            if (atomic_load_explicit(&c->stop, memory_order_acquire))
                break;  /* our cookie said EOF mid-record: not the file's fault */
            if (strstr(why, "truncated") != NULL) {
                c->truncated = true;
                snprintf(c->error, sizeof(c->error),
                         "%s: file is truncated: it ends in the middle of frame %llu (%s)",
                         c->name, (unsigned long long)c->frame + 1, why);
            } else {
                c->failed = true;
                snprintf(c->error, sizeof(c->error), "%s: %s", c->name, why);
            }
            break;
        }
        if (!c->live && n == 0)
            break;      /* end of file */
        if (c->live && mono_ms() - last_stats >= 1000) {
            copy_pcap_stats(c);
            last_stats = mono_ms();
        }
    }
    copy_pcap_stats(c);
    publish_counters(c);
    c->interrupted = atomic_load_explicit(&c->stop, memory_order_acquire) && !c->count_reached;
    ring_close(c->ring);
    atomic_store_explicit(&c->finished, true, memory_order_release);
    return NULL;
}

int capture_start(struct capture *c, struct ring *r, char *errbuf)
{
    int rc;

    c->ring = r;
    rc = thread_spawn(&c->thread, capture_main, c);
    if (rc != 0) {
        err_set(errbuf, "cannot start the capture thread: %s", strerror(rc));
        return ERR_NOMEM;
    }
    c->started = true;
    return 0;
}

void capture_stop(struct capture *c)
{
    char b = 1;

    atomic_store_explicit(&c->stop, true, memory_order_release);
    if (c->wake[1] >= 0 && write(c->wake[1], &b, 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
    pcap_breakloop(c->p);
}

bool capture_finished(const struct capture *c)
{
    return atomic_load_explicit(&c->finished, memory_order_acquire);
}

void capture_join(struct capture *c)
{
    if (c->started) {
        pthread_join(c->thread, NULL);
        c->started = false;
    }
}

void capture_result(const struct capture *c, struct capture_result *out)
{
    memset(out, 0, sizeof(*out));
    out->packets = atomic_load_explicit(&c->a_packets, memory_order_relaxed);
    out->frames_read = atomic_load_explicit(&c->a_frames, memory_order_relaxed);
    out->ring_drops = atomic_load_explicit(&c->a_drops, memory_order_relaxed);
    out->kernel_drops = atomic_load_explicit(&c->a_ps_drop, memory_order_relaxed);
    out->if_drops = atomic_load_explicit(&c->a_ps_ifdrop, memory_order_relaxed);
    if (atomic_load_explicit(&c->finished, memory_order_acquire)) {
        out->truncated = c->truncated;
        out->failed = c->failed;
        out->interrupted = c->interrupted;
        snprintf(out->error, sizeof(out->error), "%s", c->error);
    }
}

void capture_stats(const struct capture *c, stats_fn fn, void *ud)
{
    if (c->hep != NULL)
        hep_in_stats(c->hep, fn, ud);
}

void capture_agents(const struct capture *c, struct run_info *run)
{
    if (c->hep != NULL)
        hep_in_agents(c->hep, run);
}

const char *capture_hep_listeners(const struct capture *c, char *buf, size_t len)
{
    return c->hep != NULL ? hep_in_describe(c->hep, buf, len) : NULL;
}

/* ---- -w ------------------------------------------------------------------ */

struct capture_writer {
    pcap_dumper_t *d;
    char path[256];
    bool failed;
    int err;
};

struct capture_writer *capture_writer_open(struct capture *c, const char *path, char *errbuf)
{
    struct capture_writer *w = calloc(1, sizeof(*w));
    FILE *fp;
    int fd;

    if (w == NULL) {
        err_set(errbuf, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->path, sizeof(w->path), "%s", strcmp(path, "-") == 0 ? "standard output" : path);
    if (strcmp(path, "-") == 0)
        fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    else
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(errbuf, "%s: %s", w->path, strerror(errno));
        free(w);
        return NULL;
    }
    fp = fdopen(fd, "wb");
    if (fp == NULL) {
        err_set(errbuf, "%s: %s", w->path, strerror(errno));
        close(fd);
        free(w);
        return NULL;
    }
    w->d = pcap_dump_fopen(c->p, fp);
    if (w->d == NULL) {
        err_set(errbuf, "%s: %s", w->path, pcap_geterr(c->p));
        fclose(fp);
        free(w);
        return NULL;
    }
    return w;
}

void capture_writer_write(struct capture_writer *w, const struct packet *pkt)
{
    struct pcap_pkthdr h;
    int64_t s = pkt->ts_us / 1000000, u = pkt->ts_us % 1000000;

    if (w == NULL || w->failed)
        return;
    if (u < 0) {
        u += 1000000;
        s -= 1;
    }
    h.ts.tv_sec = (time_t)s;
    h.ts.tv_usec = (suseconds_t)u;
    h.caplen = pkt->caplen;
    h.len = pkt->len;
    pcap_dump((u_char *)w->d, &h, pkt->data);
    if (ferror(pcap_dump_file(w->d))) {
        w->failed = true;
        w->err = errno;
    }
}

int capture_writer_close(struct capture_writer *w, char *errbuf)
{
    int rc = 0;

    if (w == NULL)
        return 0;
    if (!w->failed && (pcap_dump_flush(w->d) != 0 || ferror(pcap_dump_file(w->d)))) {
        w->failed = true;
        w->err = errno;
    }
    if (w->failed) {
        err_set(errbuf, "%s: write failed: %s", w->path,
                w->err != 0 ? strerror(w->err) : "I/O error");
        rc = ERR_IO;
    }
    pcap_dump_close(w->d);
    free(w);
    return rc;
}
