/*
 * capture.h — where packets come from: a pcap/pcapng file (or stdin) or a
 * live interface, read by the capture thread into the ring.
 *
 * Flow: capture → ring → pipeline. The capture thread only runs
 * pcap_dispatch; its callback copies (frame, time, caplen, len, bytes) into
 * the ring: no parsing, locks, malloc or stdio (STYLE.md §Threads). Reading
 * a file, the producer waits when the ring is full, so file results are
 * lossless; live, a full ring drops the frame and counts it. Once a second
 * the thread copies pcap_stats into atomics.
 *
 * Threads: capture_open/capture_start/capture_stop/capture_join/
 * capture_close and the writer's open/close on the main thread;
 * capture_stop is safe while the capture thread runs (not from a signal
 * handler: the handler sets a flag, the main loop calls capture_stop).
 * capture_result may be read at any time (atomics); its final values are
 * exact after capture_join. The writer's write runs on the analysis thread.
 *
 * Errors: capture_open returns NULL with errbuf set to one line that names
 * the file or interface and the reason, and *err to a negative enum err.
 */
#ifndef SIPSCOPE_CAPTURE_H
#define SIPSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "hep_in.h"
#include "packet.h"
#include "ring.h"
#include "stats.h"

struct capture_opts {
    const char *file;       /* -r FILE, "-" for stdin; NULL for live */
    const char *const *files;   /* n_files > 1: several files merged by time (merge.h),
                                 * frames numbered in the merged order; file is files[0] */
    size_t n_files;
    const char *iface;      /* -i IFACE */
    const char *filter;     /* BPF expression, NULL or "" for none */
    uint32_t snaplen;       /* -s: bytes kept per packet (live and file) */
    uint64_t buffer_bytes;  /* -B (already in bytes), 0 = libpcap default */
    bool promisc;           /* live: promiscuous unless -p */
    uint64_t count;         /* -c: stop after this many packets, 0 = no limit */
    const struct hep_in_opts *hep_in;   /* --hep-in: a HEP receiver (hep_in.h) instead
                             * of libpcap; live, link type DLT_RAW; NULL otherwise */
};

struct capture_result {
    uint64_t packets;       /* frames handed to the ring (or dropped at it) */
    uint64_t frames_read;   /* frames read from the file, before the filter */
    uint64_t ring_drops;    /* live frames lost because the ring was full */
    uint64_t kernel_drops;  /* pcap_stats ps_drop */
    uint64_t if_drops;      /* pcap_stats ps_ifdrop */
    bool truncated;         /* the file ended in the middle of a record */
    bool failed;            /* a read error other than truncation */
    bool interrupted;       /* capture_stop was called */
    char error[512];        /* one line for truncated/failed, else "" */
};

struct capture;

struct capture *capture_open(const struct capture_opts *o, char *errbuf, int *err);
void capture_close(struct capture *c);

/* DLT_* of the capture, and its libpcap name ("EN10MB", or "DLT 147"). */
int capture_linktype(const struct capture *c);
const char *capture_linktype_name(const struct capture *c, char *buf, size_t len);
bool capture_live(const struct capture *c);
uint32_t capture_snaplen(const struct capture *c);

/* Start the capture thread producing into r; 0 or ERR_* with errbuf. */
int capture_start(struct capture *c, struct ring *r, char *errbuf);
/* Ask the capture thread to stop soon (pcap_breakloop, wakes a blocked read). */
void capture_stop(struct capture *c);
/* True once the capture thread has closed the ring (end of input or stop). */
bool capture_finished(const struct capture *c);
/* Join the capture thread (the ring is closed by then). */
void capture_join(struct capture *c);
void capture_result(const struct capture *c, struct capture_result *out);

/* --hep-in: its counters (hep_in.*) and agents into run; nothing otherwise.
 * Any thread. */
void capture_stats(const struct capture *c, stats_fn fn, void *ud);
void capture_agents(const struct capture *c, struct run_info *run);
/* "192.0.2.50:9060, tcp:192.0.2.50:9061" for --hep-in, else NULL. */
const char *capture_hep_listeners(const struct capture *c, char *buf, size_t len);

/*
 * -w: a pcap file written with the capture's link type and snaplen.
 * Opened with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 (an existing file or a
 * symlink is refused); "-" writes to standard output. NULL with errbuf set.
 */
struct capture_writer;
struct capture_writer *capture_writer_open(struct capture *c, const char *path, char *errbuf);
/* Append one packet (analysis thread). Errors are remembered for close. */
void capture_writer_write(struct capture_writer *w, const struct packet *pkt);
/* Flush and close; 0 or ERR_IO with errbuf set (disk full ...). */
int capture_writer_close(struct capture_writer *w, char *errbuf);

#endif
