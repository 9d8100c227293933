/*
 * evidence.c — the --evidence writer (see evidence.h): re-read the input
 * capture with libpcap and copy the frames the findings cite (frame numbers
 * count from 1 as tshark does) into a new pcap created O_EXCL|O_NOFOLLOW,
 * mode 0600. Flow: after the report. Thread: the main thread.
 */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

size_t evidence_frames(const struct snapshot *s, uint64_t *frames, size_t max)
{
    size_t n = 0, out = 0;

    for (size_t i = 0; i < s->n_findings; i++)
        for (uint32_t k = 0; k < s->findings[i].n_evidence && n < max; k++)
            if (s->findings[i].evidence[k].frame > 0)
                frames[n++] = s->findings[i].evidence[k].frame;
    if (n == 0)
        return 0;
    qsort(frames, n, sizeof(*frames), cmp_u64);
    for (size_t i = 0; i < n; i++)
        if (out == 0 || frames[out - 1] != frames[i])
            frames[out++] = frames[i];
    return out;
}

int evidence_write(const struct snapshot *s, const char *input_pcap, const char *out_path,
                   char *errbuf)
{
    size_t max = s->n_findings * SNAP_MAX_EVIDENCE + 1, n, next = 0;
    uint64_t *frames = calloc(max, sizeof(*frames));
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *in = NULL;
    pcap_dumper_t *dump = NULL;
    FILE *fp = NULL;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    int fd = -1, rc, written = 0;

    if (frames == NULL) {
        err_set(errbuf, "--evidence: out of memory");
        return ERR_NOMEM;
    }
    n = evidence_frames(s, frames, max);
    in = pcap_open_offline(input_pcap, perr);
    if (in == NULL) {
        err_set(errbuf, "--evidence: cannot re-read %s: %s", input_pcap, perr);
        free(frames);
        return ERR_FORMAT;
    }
    fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || (fp = fdopen(fd, "wb")) == NULL) {
        err_set(errbuf, "--evidence: cannot create %s: %s", out_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        pcap_close(in);
        free(frames);
        return ERR_IO;
    }
    dump = pcap_dump_fopen(in, fp);
    if (dump == NULL) {
        err_set(errbuf, "--evidence: %s: %s", out_path, pcap_geterr(in));
        fclose(fp);
        pcap_close(in);
        free(frames);
        return ERR_IO;
    }
    while (next < n && (rc = pcap_next_ex(in, &h, &data)) == 1) {
        frame++;
        if (frame == frames[next]) {
            pcap_dump((u_char *)dump, h, data);
            written++;
            next++;
        }
    }
    rc = pcap_dump_flush(dump);
    pcap_dump_close(dump);      /* closes fp */
    pcap_close(in);
    free(frames);
    if (rc != 0) {
        err_set(errbuf, "--evidence: writing %s failed", out_path);
        return ERR_IO;
    }
    return written;
}
