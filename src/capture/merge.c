/*
 * merge.c — capture files merged by time (see merge.h). Each file has one
 * libpcap handle opened with nanosecond timestamps and one frame read
 * ahead; pcap_merge_next hands out the earliest, and reads that file's
 * next frame at the following call (libpcap's data stays valid until the
 * handle is read again). With n files a step costs n comparisons (n <= 64):
 * no heap needed. A file that ends is skipped; a read error in any file
 * ends the merge there with that error, as a truncated single file ends
 * the read.
 *
 * Thread: the caller's (the capture thread, or the main thread for the
 * evidence). Memory: one allocation at open.
 */
#include "merge.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct merge_in {
    pcap_t *p;
    const char *name;
    struct pcap_pkthdr *h;      /* the frame read ahead, NULL when ended */
    const u_char *data;
    uint64_t frames;            /* frames read from this file */
};

struct pcap_merge {
    size_t n;
    size_t pending;             /* file whose frame was handed out, n when none */
    int err;                    /* sticky: the error that ended the merge */
    uint64_t frame;
    int linktype;
    uint32_t snaplen;
    char error[512];
    struct merge_in in[];
};

/* Read file i's next frame ahead: 0, or a negative enum err with m->error. */
static int read_ahead(struct pcap_merge *m, size_t i)
{
    struct merge_in *f = &m->in[i];
    int rc = pcap_next_ex(f->p, &f->h, &f->data);

    if (rc == 1)
        return 0;
    f->h = NULL;
    if (rc == PCAP_ERROR_BREAK)
        return 0;       /* end of this file */
    snprintf(m->error, sizeof(m->error), strstr(pcap_geterr(f->p), "truncated") != NULL
             ? "%s: file is truncated: it ends in the middle of frame %llu (%s)"
             : "%s: frame %llu: %s", f->name, (unsigned long long)f->frames + 1,
             pcap_geterr(f->p));
    return strstr(pcap_geterr(f->p), "truncated") != NULL ? ERR_TRUNC : ERR_FORMAT;
}

struct pcap_merge *pcap_merge_open(const char *const *files, size_t n, char *errbuf, int *err)
{
    struct pcap_merge *m;
    char pe[PCAP_ERRBUF_SIZE];

    *err = ERR_INVAL;
    if (n == 0 || n > PCAP_MERGE_MAX_FILES) {
        err_set(errbuf, "%zu capture files: from 1 to %d can be read at once", n,
                PCAP_MERGE_MAX_FILES);
        return NULL;
    }
    m = calloc(1, sizeof(*m) + n * sizeof(m->in[0]));
    if (m == NULL) {
        *err = ERR_NOMEM;
        err_set(errbuf, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct merge_in *f = &m->in[i];
        f->name = files[i];
        pe[0] = '\0';
        errno = 0;
        f->p = pcap_open_offline_with_tstamp_precision(files[i], PCAP_TSTAMP_PRECISION_NANO, pe);
        if (f->p == NULL) {
            *err = errno == EACCES || errno == EPERM ? ERR_PERM : ERR_FORMAT;
            err_set(errbuf, "%s: %s", files[i], pe);
            pcap_merge_close(m);
            return NULL;
        }
        m->n = i + 1;
        if (i == 0) {
            m->linktype = pcap_datalink(f->p);
        } else if (pcap_datalink(f->p) != m->linktype) {
            const char *a = pcap_datalink_val_to_name(m->linktype);
            const char *b = pcap_datalink_val_to_name(pcap_datalink(f->p));
            *err = ERR_UNSUPP;
            err_set(errbuf, "%s: link type %s differs from %s's (%s): files of one link type "
                    "only can be merged; read them one at a time", files[i], b ? b : "?",
                    files[0], a ? a : "?");
            pcap_merge_close(m);
            return NULL;
        }
        if ((uint32_t)pcap_snapshot(f->p) > m->snaplen)
            m->snaplen = (uint32_t)pcap_snapshot(f->p);
    }
    m->pending = n;
    for (size_t i = 0; i < n && m->err == 0; i++)
        m->err = read_ahead(m, i);
    return m;
}

void pcap_merge_close(struct pcap_merge *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (m->in[i].p != NULL)
            pcap_close(m->in[i].p);
    free(m);
}

/* a no later than b: mergecap's is_earlier(), so of frames at one instant
 * the file given last goes first, as in mergecap's output */
static bool not_later(const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
    if (a->ts.tv_sec != b->ts.tv_sec)
        return a->ts.tv_sec < b->ts.tv_sec;
    return a->ts.tv_usec <= b->ts.tv_usec;
}

int pcap_merge_next(struct pcap_merge *m, struct pcap_merge_frame *out)
{
    size_t best = m->n;
    struct merge_in *f;

    if (m->err == 0 && m->pending < m->n) {
        m->err = read_ahead(m, m->pending);
        m->pending = m->n;
    }
    if (m->err != 0)
        return m->err;
    for (size_t i = 0; i < m->n; i++)
        if (m->in[i].h != NULL && (best == m->n || not_later(m->in[i].h, m->in[best].h)))
            best = i;
    if (best == m->n)
        return 0;
    f = &m->in[best];
    out->h = f->h;
    out->data = f->data;
    out->file = best;
    out->frame_in_file = ++f->frames;
    out->frame = ++m->frame;
    m->pending = best;
    return 1;
}

const char *pcap_merge_error(const struct pcap_merge *m)
{
    return m->error;
}

int pcap_merge_linktype(const struct pcap_merge *m)
{
    return m->linktype;
}

uint32_t pcap_merge_snaplen(const struct pcap_merge *m)
{
    return m->snaplen;
}

pcap_t *pcap_merge_handle(const struct pcap_merge *m)
{
    return m->in[0].p;
}
