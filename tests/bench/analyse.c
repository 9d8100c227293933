/*
 * analyse.c — the analysis stages alone, on one thread, for `make bench`:
 * pcap_loop → decode_packet → sip_parse → engine_msg → engine_finish →
 * engine_snapshot → JSON report to /dev/null, with default caps. Compared
 * with `sipscope -r` it leaves out the capture thread and the ring, so the
 * difference between the two is what that hand-off costs; compared with
 * floor_osip it is what sipscope's decode + parse + correlation cost against
 * libosip2's parse alone.
 *
 *   analyse FILE [NAME=VALUE...]   caps overrides as with --cap; prints
 *                                  "packets=N sip=N malformed=N" to stderr
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "correlate/engine.h"
#include "util/err.h"
#include "output/report.h"
#include "run.h"
#include "sip.h"
#include "snapshot.h"

struct ctx {
    struct decoder *d;
    struct sip_parser *sp;
    struct engine *e;
    struct run_info run;
    int linktype;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct ctx *c = (struct ctx *)user;
    struct sip_payload out[16];
    struct sip_msg m;
    struct packet pkt = { .frame = ++c->run.packets,
                          .ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                          .caplen = h->caplen, .len = h->len, .linktype = c->linktype,
                          .data = bytes };
    if (c->run.packets == 1)
        c->run.first_ts_us = pkt.ts_us;
    c->run.last_ts_us = pkt.ts_us;
    c->run.bytes += h->caplen;
    size_t n = decode_packet(c->d, &pkt, out, 16);
    for (size_t i = 0; i < n; i++) {
        if (sip_parse(c->sp, &out[i], &m) == SIP_OK) {
            c->run.sip_messages++;
            engine_msg(c->e, &m);
        } else {
            c->run.malformed++;
        }
    }
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE > ERRBUF_SIZE ? PCAP_ERRBUF_SIZE : ERRBUF_SIZE];
    struct caps caps;
    struct engine_opts opts;
    struct snapshot snap;
    struct ctx c;

    if (argc < 2) {
        fprintf(stderr, "usage: analyse FILE [CAP=VALUE...]\n");
        return 2;
    }
    caps_default(&caps);
    for (int i = 2; i < argc; i++) {
        if (caps_set(&caps, argv[i], errbuf) != 0) {
            fprintf(stderr, "analyse: %s\n", errbuf);
            return 2;
        }
    }
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "analyse: %s\n", errbuf);
        return 2;
    }
    memset(&opts, 0, sizeof(opts));
    memset(&c, 0, sizeof(c));
    c.linktype = pcap_datalink(p);
    c.d = decoder_new(&caps);
    c.sp = sip_parser_new(&caps);
    c.e = engine_new(&caps, &opts, errbuf);
    if (c.d == NULL || c.sp == NULL || c.e == NULL) {
        fprintf(stderr, "analyse: setup failed: %s\n", errbuf);
        return 2;
    }
    c.run.source = argv[1];
    c.run.linktype = c.linktype;
    if (pcap_loop(p, -1, on_packet, (u_char *)&c) == PCAP_ERROR)
        fprintf(stderr, "analyse: %s\n", pcap_geterr(p));
    engine_finish(c.e, c.run.last_ts_us);
    if (snapshot_init(&snap, caps.findings, caps.peers, 256, 1024, 1u << 20, 512) == 0 &&
        snapshot_members_init(&snap, caps.population_members) == 0) {
        engine_snapshot(c.e, &c.run, &snap);
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull != NULL) {
            report_write(devnull, REPORT_JSON, &snap, false);
            fclose(devnull);
        }
        snapshot_free(&snap);
    }
    fprintf(stderr, "packets=%llu sip=%llu malformed=%llu\n", (unsigned long long)c.run.packets,
            (unsigned long long)c.run.sip_messages, (unsigned long long)c.run.malformed);
    engine_free(c.e);
    sip_parser_free(c.sp);
    decoder_free(c.d);
    pcap_close(p);
    return 0;
}
