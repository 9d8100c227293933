/*
 * evidence.c — the --evidence writer (see evidence.h): re-read the input
 * capture files in the order the analysis read them (capture/merge.h: by
 * time, as mergecap merges them) and copy the frames the findings cite
 * (frame numbers count from 1 as tshark does) into a new pcapng file
 * created O_EXCL|O_NOFOLLOW, mode 0600.
 *
 * pcapng, not pcap, because each packet carries a comment (an opt_comment
 * of its Enhanced Packet Block, which tshark shows as frame.comment and
 * Wireshark in the packet list): the frame's number in the capture the
 * report cites ("frame 348 of trunk.pcap"), and the findings that cite it
 * with the role each gives it. The evidence file renumbers its packets
 * 1..N; the comment is what ties packet 3 back to the ticket's frame 348.
 * Timestamps keep the input's nanoseconds (if_tsresol 9).
 *
 * Live (or from standard input) nothing can be read again: the dashboard's
 * `w` then writes the SIP messages the engine kept for the cited frames
 * (evidence_write_kept), as Wireshark's "Export PDUs" does: link type
 * WIRESHARK_UPPER_PDU, each message behind an exported-PDU header with
 * its addresses, ports and original frame number, which Wireshark
 * dissects as SIP. Nothing is invented: no IP or UDP header is made up,
 * and the comment says the packet headers were not kept.
 *
 * Flow: after the report (main), or on `w` in the dashboard. Thread: the
 * caller's. Memory: the citation list and one block buffer per call.
 */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/merge.h"
#include "util/addr.h"
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
        for (uint32_t k = 0; k < s->findings[i].n_evidence && k < SNAP_MAX_EVIDENCE && n < max;
             k++)
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

/* One citation: finding f's evidence k is frame `frame`. */
struct cite {
    uint64_t frame;
    uint32_t finding, ev;
};

static int cmp_cite(const void *a, const void *b)
{
    const struct cite *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->finding != y->finding)
        return x->finding < y->finding ? -1 : 1;
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* ---- pcapng (draft-ietf-opsawg-pcapng) ---- */

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_TSRESOL 9

struct blk {
    uint8_t *p;
    size_t len, cap;
};

static int blk_room(struct blk *b, size_t n)
{
    uint8_t *np;
    size_t cap = b->cap ? b->cap : 4096;

    if (n <= b->cap - b->len)
        return 0;
    while (cap - b->len < n)
        cap *= 2;
    np = realloc(b->p, cap);
    if (np == NULL)
        return ERR_NOMEM;
    b->p = np;
    b->cap = cap;
    return 0;
}

/* Append n bytes and zero padding to a multiple of 4 (room checked first). */
static void blk_put(struct blk *b, const void *v, size_t n)
{
    memcpy(b->p + b->len, v, n);
    b->len += n;
    while (b->len % 4 != 0)
        b->p[b->len++] = 0;
}

static void blk_u32(struct blk *b, uint32_t v)
{
    blk_put(b, &v, 4);
}

static void blk_opt(struct blk *b, uint16_t code, const void *v, uint16_t n)
{
    uint16_t h[2] = { code, n };
    blk_put(b, h, 4);
    if (n > 0)
        blk_put(b, v, n);
}

/* Start a block: type and a length patched by blk_end. */
static void blk_begin(struct blk *b, uint32_t type)
{
    b->len = 0;
    blk_u32(b, type);
    blk_u32(b, 0);
}

static int blk_end(struct blk *b, FILE *fp)
{
    uint32_t total = (uint32_t)(b->len + 4);

    memcpy(b->p + 4, &total, 4);
    blk_u32(b, total);
    return fwrite(b->p, 1, b->len, fp) == b->len ? 0 : ERR_IO;
}

#define COMMENT_MAX 1024

/* Comment text from a snapshot string: printable ASCII only (the string
 * may hold wire bytes; the comment must be valid UTF-8). */
static void put_clean(char *dst, size_t cap, size_t *len, const char *s)
{
    for (; *s != '\0' && *len + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        dst[(*len)++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[*len] = '\0';
}

static void put_num(char *dst, size_t cap, size_t *len, unsigned long long v)
{
    char num[24];
    snprintf(num, sizeof(num), "%llu", v);
    put_clean(dst, cap, len, num);
}

/* "frame 348 of trunk.pcap; F1 auth_rejected: failing answer; F2 ...";
 * with several inputs also the merged number the report cites. */
static size_t comment(char *c, const struct snapshot *s, const struct cite *ct, size_t nct,
                      const struct pcap_merge_frame *fr, const char *file, bool merged)
{
    size_t len = 0;

    c[0] = '\0';
    put_clean(c, COMMENT_MAX, &len, "sipscope evidence: frame ");
    put_num(c, COMMENT_MAX, &len, fr->frame_in_file);
    put_clean(c, COMMENT_MAX, &len, " of ");
    put_clean(c, COMMENT_MAX, &len, file);
    if (merged) {
        put_clean(c, COMMENT_MAX, &len, " (frame ");
        put_num(c, COMMENT_MAX, &len, fr->frame);
        put_clean(c, COMMENT_MAX, &len, " of the merged input)");
    }
    for (size_t i = 0; i < nct; i++) {
        const struct snap_finding *x = &s->findings[ct[i].finding];
        char id[SNAP_ID + 1];
        memcpy(id, x->id, SNAP_ID);
        id[SNAP_ID] = '\0';
        put_clean(c, COMMENT_MAX, &len, "; ");
        if (id[0] != '\0') {
            put_clean(c, COMMENT_MAX, &len, id);
            put_clean(c, COMMENT_MAX, &len, " ");
        } else {
            put_clean(c, COMMENT_MAX, &len, "finding ");
            put_num(c, COMMENT_MAX, &len, (unsigned long long)ct[i].finding + 1);
            put_clean(c, COMMENT_MAX, &len, " ");
        }
        put_clean(c, COMMENT_MAX, &len, x->kind);
        put_clean(c, COMMENT_MAX, &len, " (");
        put_clean(c, COMMENT_MAX, &len, severity_name(x->severity));
        put_clean(c, COMMENT_MAX, &len, "): ");
        put_clean(c, COMMENT_MAX, &len, x->evidence[ct[i].ev].role);
    }
    return len;
}

static int write_headers(struct blk *b, FILE *fp, int linktype, uint32_t snaplen)
{
    static const char app[] = "sipscope";
    const uint8_t tsresol = 9;     /* nanoseconds, as the input was read */
    uint16_t lt[2];
    uint32_t bom = 0x1A2B3C4Du, ver = 1;   /* major 1, minor 0 (in host order) */
    uint32_t sect[2] = { 0xffffffffu, 0xffffffffu };     /* section length unknown */

    if (blk_room(b, 256) != 0)
        return ERR_NOMEM;
    blk_begin(b, PCAPNG_SHB);
    blk_u32(b, bom);
    blk_put(b, &ver, 4);
    blk_put(b, sect, 8);
    blk_opt(b, OPT_SHB_USERAPPL, app, sizeof(app) - 1);
    blk_opt(b, OPT_ENDOFOPT, NULL, 0);
    if (blk_end(b, fp) != 0)
        return ERR_IO;
    blk_begin(b, PCAPNG_IDB);
    lt[0] = (uint16_t)linktype;
    lt[1] = 0;
    blk_put(b, lt, 4);
    blk_u32(b, snaplen);
    blk_opt(b, OPT_IF_TSRESOL, &tsresol, 1);
    blk_opt(b, OPT_ENDOFOPT, NULL, 0);
    return blk_end(b, fp);
}

static int write_packet(struct blk *b, FILE *fp, const struct pcap_merge_frame *fr,
                        const char *c, size_t clen)
{
    uint64_t ts = (uint64_t)fr->h->ts.tv_sec * 1000000000u + (uint64_t)fr->h->ts.tv_usec;

    if (blk_room(b, 64 + fr->h->caplen + clen) != 0)
        return ERR_NOMEM;
    blk_begin(b, PCAPNG_EPB);
    blk_u32(b, 0);                          /* interface 0 */
    blk_u32(b, (uint32_t)(ts >> 32));
    blk_u32(b, (uint32_t)ts);
    blk_u32(b, fr->h->caplen);
    blk_u32(b, fr->h->len);
    blk_put(b, fr->data, fr->h->caplen);
    if (clen > 0)
        blk_opt(b, OPT_COMMENT, c, (uint16_t)clen);
    blk_opt(b, OPT_ENDOFOPT, NULL, 0);
    return blk_end(b, fp);
}

/* The citations of finding number `finding` (all findings when -1),
 * sorted by frame; NULL when out of memory. */
static struct cite *collect_cites(const struct snapshot *s, long finding, size_t *n)
{
    size_t max = (finding >= 0 ? 1 : s->n_findings) * SNAP_MAX_EVIDENCE + 1;
    struct cite *ct = calloc(max, sizeof(*ct));

    *n = 0;
    if (ct == NULL)
        return NULL;
    for (size_t i = 0; i < s->n_findings; i++) {
        if (finding >= 0 && (size_t)finding != i)
            continue;
        for (uint32_t k = 0; k < s->findings[i].n_evidence && k < SNAP_MAX_EVIDENCE; k++)
            if (s->findings[i].evidence[k].frame > 0 && *n < max)
                ct[(*n)++] = (struct cite){ s->findings[i].evidence[k].frame, (uint32_t)i, k };
    }
    qsort(ct, *n, sizeof(*ct), cmp_cite);
    return ct;
}

/* A new file: never an existing one, never through a symlink, mode 0600
 * (it may hold phone numbers). NULL with errbuf set. */
static FILE *create_new(const char *path, const char *who, char *errbuf)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;

    if (fp == NULL) {
        err_set(errbuf, "%s: cannot create %s: %s", who, path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return fp;
}

int evidence_write(const struct snapshot *s, const char *const *inputs, size_t n_inputs,
                   long finding, const char *out_path, char *errbuf)
{
    size_t nct, next = 0;
    struct cite *ct = collect_cites(s, finding, &nct);
    char *c = malloc(COMMENT_MAX);
    struct pcap_merge *in = NULL;
    struct pcap_merge_frame fr;
    struct blk b = { NULL, 0, 0 };
    FILE *fp = NULL;
    int rc = 0, written = 0, oerr;

    if (ct == NULL || c == NULL) {
        err_set(errbuf, "--evidence: out of memory");
        rc = ERR_NOMEM;
        goto out;
    }
    in = pcap_merge_open(inputs, n_inputs, errbuf, &oerr);
    if (in == NULL) {
        char m[ERRBUF_SIZE];
        snprintf(m, sizeof(m), "--evidence: cannot re-read the input: %s", errbuf);
        memcpy(errbuf, m, ERRBUF_SIZE);
        rc = ERR_FORMAT;
        goto out;
    }
    fp = create_new(out_path, "--evidence", errbuf);
    if (fp == NULL) {
        rc = ERR_IO;
        goto out;
    }
    rc = write_headers(&b, fp, pcap_merge_linktype(in), pcap_merge_snaplen(in));
    while (rc == 0 && next < nct && pcap_merge_next(in, &fr) == 1) {
        size_t first = next, clen;
        /* merged frames count 1, 2, 3 ...: a citation is never passed, but
         * a frame number the input does not hold must not stall the walk */
        while (next < nct && ct[next].frame < fr.frame)
            first = ++next;
        while (next < nct && ct[next].frame == fr.frame)
            next++;
        if (next == first)
            continue;
        clen = comment(c, s, ct + first, next - first, &fr, inputs[fr.file], n_inputs > 1);
        rc = write_packet(&b, fp, &fr, c, clen);
        written++;
    }
    if (fclose(fp) != 0 && rc == 0)
        rc = ERR_IO;
    if (rc != 0)
        err_set(errbuf, "--evidence: writing %s failed: %s", out_path, err_str(rc));
out:
    pcap_merge_close(in);
    free(b.p);
    free(c);
    free(ct);
    return rc != 0 ? rc : written;
}

/* ---- live: the SIP messages the engine kept ---- */

/* Exported PDU tags (Wireshark epan/exported_pdu.h; LINKTYPE_WIRESHARK_UPPER_PDU):
 * a big-endian (tag, length) pair and the value, strings NUL-padded to 4. */
#define LINKTYPE_UPPER_PDU 252
#define EXP_PDU_TAG_END_OF_OPT 0
#define EXP_PDU_TAG_PROTO_NAME 12
#define EXP_PDU_TAG_IPV4_SRC 20
#define EXP_PDU_TAG_IPV4_DST 21
#define EXP_PDU_TAG_IPV6_SRC 22
#define EXP_PDU_TAG_IPV6_DST 23
#define EXP_PDU_TAG_PORT_TYPE 24
#define EXP_PDU_TAG_SRC_PORT 25
#define EXP_PDU_TAG_DST_PORT 26
#define EXP_PDU_TAG_ORIG_FNO 30
#define EXP_PDU_PT_SCTP 1
#define EXP_PDU_PT_TCP 2
#define EXP_PDU_PT_UDP 3

static void pdu_tag(uint8_t *p, size_t *n, uint16_t tag, const void *v, uint16_t len)
{
    p[(*n)++] = (uint8_t)(tag >> 8);
    p[(*n)++] = (uint8_t)tag;
    p[(*n)++] = (uint8_t)(len >> 8);
    p[(*n)++] = (uint8_t)len;
    if (len > 0)
        memcpy(p + *n, v, len);
    *n += len;
}

static void pdu_u32(uint8_t *p, size_t *n, uint16_t tag, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    pdu_tag(p, n, tag, b, 4);
}

/* The exported-PDU header of one kept message (at most 84 bytes). */
static size_t pdu_header(uint8_t *p, const struct snap_msg *m)
{
    size_t n = 0;
    bool v4 = addr_is_v4(&m->src.ip) && addr_is_v4(&m->dst.ip);
    uint32_t pt = m->transport == TRANSPORT_UDP ? EXP_PDU_PT_UDP
                  : m->transport == TRANSPORT_SCTP ? EXP_PDU_PT_SCTP : EXP_PDU_PT_TCP;

    pdu_tag(p, &n, EXP_PDU_TAG_PROTO_NAME, "sip\0", 4);
    if (v4) {
        pdu_tag(p, &n, EXP_PDU_TAG_IPV4_SRC, m->src.ip.b + 12, 4);
        pdu_tag(p, &n, EXP_PDU_TAG_IPV4_DST, m->dst.ip.b + 12, 4);
    } else {
        pdu_tag(p, &n, EXP_PDU_TAG_IPV6_SRC, m->src.ip.b, 16);
        pdu_tag(p, &n, EXP_PDU_TAG_IPV6_DST, m->dst.ip.b, 16);
    }
    pdu_u32(p, &n, EXP_PDU_TAG_PORT_TYPE, pt);
    pdu_u32(p, &n, EXP_PDU_TAG_SRC_PORT, m->src.port);
    pdu_u32(p, &n, EXP_PDU_TAG_DST_PORT, m->dst.port);
    pdu_u32(p, &n, EXP_PDU_TAG_ORIG_FNO, (uint32_t)m->frame);
    pdu_tag(p, &n, EXP_PDU_TAG_END_OF_OPT, NULL, 0);
    return n;
}

int evidence_write_kept(const struct snapshot *s, long finding, const char *out_path,
                        size_t *not_kept, char *errbuf)
{
    size_t nct;
    struct cite *ct = collect_cites(s, finding, &nct);
    char *c = malloc(COMMENT_MAX);
    uint8_t *pkt = NULL;
    struct blk b = { NULL, 0, 0 };
    FILE *fp = NULL;
    int rc = 0, written = 0;

    *not_kept = 0;
    if (ct == NULL || c == NULL) {
        err_set(errbuf, "evidence: out of memory");
        rc = ERR_NOMEM;
        goto out;
    }
    fp = create_new(out_path, "evidence", errbuf);
    if (fp == NULL) {
        rc = ERR_IO;
        goto out;
    }
    rc = write_headers(&b, fp, LINKTYPE_UPPER_PDU, 0);
    for (size_t i = 0; rc == 0 && i < nct;) {
        size_t first = i, clen, found = 0;
        while (i < nct && ct[i].frame == ct[first].frame)
            i++;
        /* every kept message of that frame (a TCP segment may carry two) */
        for (size_t m = 0; rc == 0 && m < s->n_msgs; m++) {
            const struct snap_msg *sm = &s->msgs[m];
            struct pcap_pkthdr h;
            struct pcap_merge_frame fr = { &h, NULL, 0, sm->frame, sm->frame };
            size_t hl;
            uint8_t *np;
            if (sm->frame != ct[first].frame || sm->raw_len == 0 ||
                (size_t)sm->raw_off > s->raw_len || sm->raw_len > s->raw_len - sm->raw_off)
                continue;
            np = realloc(pkt, 96 + sm->raw_len);
            if (np == NULL) {
                rc = ERR_NOMEM;
                break;
            }
            pkt = np;
            hl = pdu_header(pkt, sm);
            memcpy(pkt + hl, s->raw + sm->raw_off, sm->raw_len);
            h.ts.tv_sec = (time_t)(sm->ts_us / 1000000);
            h.ts.tv_usec = (suseconds_t)(sm->ts_us % 1000000 * 1000);    /* ns, as read */
            h.caplen = h.len = (uint32_t)(hl + sm->raw_len);
            fr.data = pkt;
            clen = comment(c, s, ct + first, i - first, &fr,
                           s->run.source == NULL || strcmp(s->run.source, "-") == 0
                           ? "standard input" : s->run.source, false);
            put_clean(c, COMMENT_MAX, &clen, " [the SIP message as the engine kept it; its "
                      "link, IP and transport headers were not kept]");
            rc = write_packet(&b, fp, &fr, c, clen);
            written++;
            found++;
        }
        if (found == 0)
            (*not_kept)++;
    }
    if (fclose(fp) != 0 && rc == 0)
        rc = ERR_IO;
    if (rc != 0)
        err_set(errbuf, "evidence: writing %s failed: %s", out_path, err_str(rc));
out:
    free(pkt);
    free(b.p);
    free(c);
    free(ct);
    return rc != 0 ? rc : written;
}
