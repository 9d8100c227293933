/*
 * merge.h — several capture files read as one, in time order, the way
 * mergecap merges them: the next frame is the earliest of the files' next
 * frames, and of frames at one instant the one of the file given last
 * comes first (mergecap's rule). Each frame comes with
 * the file it is from and its number in that file (counting from 1, as
 * tshark does), so a merged frame number can always be traced back.
 *
 * Used by the capture thread for `-r a.pcap b.pcap` and by the evidence
 * writer, which re-reads the inputs in the same order to find the frames
 * the findings cite: both must order frames identically, so the order is
 * decided here only, on nanosecond timestamps.
 *
 * Thread: whoever opened it. Errors: pcap_merge_open returns NULL with
 * errbuf naming the file; pcap_merge_next returns a negative enum err and
 * pcap_merge_error says which file and frame.
 */
#ifndef SIPSCOPE_MERGE_H
#define SIPSCOPE_MERGE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

/* Files read at once; more are refused (each holds a libpcap handle). */
#define PCAP_MERGE_MAX_FILES 64

struct pcap_merge;

struct pcap_merge_frame {
    const struct pcap_pkthdr *h;    /* ts.tv_usec holds nanoseconds */
    const u_char *data;             /* valid until the next call */
    size_t file;                    /* index into the files given */
    uint64_t frame_in_file;         /* 1-based, per file */
    uint64_t frame;                 /* 1-based, merged order */
};

/* Open n (1..PCAP_MERGE_MAX_FILES) files; all must share one link type.
 * ERR_* in *err and errbuf filled on failure (ERR_PERM for EACCES). */
struct pcap_merge *pcap_merge_open(const char *const *files, size_t n, char *errbuf, int *err);
void pcap_merge_close(struct pcap_merge *m);

/* 1: a frame in *out; 0: every file ended; ERR_TRUNC: a file ends inside a
 * record; ERR_FORMAT: another read error (pcap_merge_error says which). */
int pcap_merge_next(struct pcap_merge *m, struct pcap_merge_frame *out);
const char *pcap_merge_error(const struct pcap_merge *m);

int pcap_merge_linktype(const struct pcap_merge *m);
uint32_t pcap_merge_snaplen(const struct pcap_merge *m);   /* the largest */
/* The handle of file 0, for libpcap calls that need one (filters, dumpers). */
pcap_t *pcap_merge_handle(const struct pcap_merge *m);

#endif
