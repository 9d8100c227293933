/*
 * pcap_engine.h — run a capture file through the analysis stages alone
 * (pcap_loop → decode_packet → sip_parse → engine_msg → engine_finish →
 * engine_snapshot), as tests/bench/analyse.c does, so unit tests can assert
 * findings on the real lab captures (pcaps/lab/) without the CLI.
 * Header-only, static functions; include after engine_testlib.h.
 */
#ifndef SIPSCOPE_PCAP_ENGINE_H
#define SIPSCOPE_PCAP_ENGINE_H

#include <pcap/pcap.h>

#include "decode/decode.h"
#include "run.h"

struct pe_ctx {
    struct decoder *d;
    struct sip_parser *sp;
    struct engine *e;
    struct run_info run;
    int linktype;
};

static void pe_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pe_ctx *c = (struct pe_ctx *)user;
    struct sip_payload out[16];
    struct sip_msg m;
    struct packet pkt = { .frame = ++c->run.packets,
                          .ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                          .caplen = h->caplen, .len = h->len, .linktype = c->linktype,
                          .data = bytes };
    size_t n;

    if (c->run.packets == 1)
        c->run.first_ts_us = pkt.ts_us;
    c->run.last_ts_us = pkt.ts_us;
    n = decode_packet(c->d, &pkt, out, 16);
    for (size_t i = 0; i < n; i++)
        if (sip_parse(c->sp, &out[i], &m) == SIP_OK)
            engine_msg(c->e, &m);
}

/*
 * Analyse path with the given options into snap (made with snapshot_init).
 * Returns 0, or -1 when the file or the engine cannot be opened (the
 * caller skips: a missing capture is not this module's failure).
 */
static inline int pe_run(const char *path, const struct engine_opts *opts, struct snapshot *snap)
{
    char errbuf[PCAP_ERRBUF_SIZE > 512 ? PCAP_ERRBUF_SIZE : 512];
    struct engine_opts none = { 0 };
    struct caps caps;
    struct pe_ctx c;
    pcap_t *p;

    memset(&c, 0, sizeof(c));
    caps_default(&caps);
    p = pcap_open_offline(path, errbuf);
    if (p == NULL)
        return -1;
    c.linktype = pcap_datalink(p);
    c.d = decoder_new(&caps);
    c.sp = sip_parser_new(&caps);
    c.e = engine_new(&caps, opts ? opts : &none, errbuf);
    if (c.d == NULL || c.sp == NULL || c.e == NULL) {
        pcap_close(p);
        decoder_free(c.d);
        sip_parser_free(c.sp);
        engine_free(c.e);
        return -1;
    }
    c.run.source = path;
    pcap_loop(p, -1, pe_packet, (u_char *)&c);
    pcap_close(p);
    engine_finish(c.e, c.run.last_ts_us);
    engine_snapshot(c.e, &c.run, snap);
    engine_free(c.e);
    sip_parser_free(c.sp);
    decoder_free(c.d);
    return 0;
}

#endif
