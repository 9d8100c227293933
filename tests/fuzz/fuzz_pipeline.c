/*
 * fuzz_pipeline.c — libFuzzer target for the whole analysis on a capture
 * file: libpcap's file reader (pcap or pcapng) → decode_packet → sip_parse →
 * engine_msg → engine_finish → engine_snapshot → report_write in every
 * format. This is what `sipscope -r FILE` does, without the capture thread
 * and ring (which carry bytes, they do not interpret them).
 *
 * Input format: a complete pcap or pcapng file, opened with
 * pcap_fopen_offline() on fmemopen(). At most 2000 packets per input.
 * Caps are small (fuzz_common.h) so every table reaches its cap and
 * evicts. Seeds: the smaller captures of shared/pcaps, cut to a few dozen
 * packets by make-corpus.py.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "correlate/engine.h"
#include "util/err.h"
#include "fuzz_common.h"
#include "fuzz_sip.h"
#include "output/report.h"
#include "run.h"
#include "sip.h"
#include "snapshot.h"

struct walk_ctx {
    const struct decoder *d;
    const struct engine *e;
};

static void walk(const void *ctx, stats_fn fn, void *ud)
{
    const struct walk_ctx *w = ctx;
    decode_stats(w->d, fn, ud);
    engine_stats(w->e, fn, ud);
}

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errbuf[PCAP_ERRBUF_SIZE > ERRBUF_SIZE ? PCAP_ERRBUF_SIZE : ERRBUF_SIZE];
    struct caps caps;
    struct engine_opts opts;
    struct run_info run;
    struct snapshot snap;
    struct sip_payload out[16];
    struct sip_msg m;
    struct walk_ctx wctx;
    struct pcap_pkthdr *h;
    const u_char *bytes;
    uint64_t frame = 0;

    if (size < 24 || size > 1000000)
        return 0;
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        return 0;
    pcap_t *p = pcap_fopen_offline(f, errbuf);     /* owns f from here */
    if (p == NULL) {
        fclose(f);
        return 0;
    }
    fuzz_small_caps(&caps);
    memset(&opts, 0, sizeof(opts));
    struct decoder *d = decoder_new(&caps);
    struct sip_parser *sp = sip_parser_new(&caps);
    struct engine *e = engine_new(&caps, &opts, errbuf);
    if (d == NULL || sp == NULL || e == NULL)
        goto out;
    memset(&run, 0, sizeof(run));
    run.source = "fuzz";
    run.linktype = pcap_datalink(p);
    while (frame < 2000 && pcap_next_ex(p, &h, &bytes) == 1) {
        struct packet pkt = { .frame = ++frame,
                              .ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                              .caplen = h->caplen, .len = h->len, .linktype = run.linktype,
                              .data = bytes };
        if (run.packets == 0)
            run.first_ts_us = pkt.ts_us;
        run.last_ts_us = pkt.ts_us;
        run.packets++;
        run.bytes += h->caplen;
        size_t n = decode_packet(d, &pkt, out, 16);
        for (size_t i = 0; i < n && i < 16; i++) {
            memset(&m, 0, sizeof(m));
            if (sip_parse(sp, &out[i], &m) == SIP_OK) {
                fuzz_touch_msg(&m);
                run.sip_messages++;
                engine_msg(e, &m);
            } else {
                run.malformed++;
            }
        }
        if ((frame & 255) == 0) {
            decode_expire(d, pkt.ts_us);
            engine_tick(e, pkt.ts_us);
        }
    }
    engine_finish(e, run.last_ts_us);
    wctx.d = d;
    wctx.e = e;
    run.stats_walk = walk;
    run.stats_ctx = &wctx;
    if (snapshot_init(&snap, caps.findings, caps.peers, 16, 64, 16384, 256) == 0) {
        engine_snapshot(e, &run, &snap);
        report_write(devnull, REPORT_TEXT, &snap, false);
        report_write(devnull, REPORT_JSON, &snap, false);
        report_write(devnull, REPORT_MARKDOWN, &snap, true);
        int st = report_exit_status(&snap);
        if (st != 0 && st != 1)
            abort();    /* report.h: 0 or 1 */
        snapshot_free(&snap);
    }
out:
    if (e != NULL)
        engine_free(e);
    if (sp != NULL)
        sip_parser_free(sp);
    if (d != NULL)
        decoder_free(d);
    pcap_close(p);
    return 0;
}
