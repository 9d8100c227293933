/*
 * bench_sip_parse.c — instructions per message of sip_parse on a capture
 * (not part of the binary or the test suite; built by hand).
 *
 *   python3 ../shared/bench/gen_sip_pcap.py -n 20000 -o /tmp/sip_20k.pcap
 *   make BUILD=build/rel
 *   cc -O2 -g -std=c11 -D_GNU_SOURCE -Iinclude -o /tmp/bench_sip_parse \
 *       tests/bench_sip_parse.c build/rel/libsipscope.a -losipparser2 -lpcap -lpthread
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out /tmp/bench_sip_parse /tmp/sip_20k.pcap
 *   callgrind_annotate --inclusive=yes /tmp/cg.out | grep -E ' (sip_parse|osip_message_parse) '
 *
 * Add -v to also run sip_verify (libosip2's full parse) on each message,
 * which gives both costs in one profile and checks every message.
 * Ethernet/IPv4/UDP only, as the generator writes.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "sip.h"

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE], why[256];
    struct pcap_pkthdr *h;
    const u_char *b;
    unsigned long ok = 0, rej = 0, differ = 0;
    int verify = argc > 2 && strcmp(argv[1], "-v") == 0;
    struct caps caps;
    struct sip_parser *sp;
    struct sip_msg m;
    pcap_t *pc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s [-v] FILE.pcap\n", argv[0]);
        return 2;
    }
    pc = pcap_open_offline(argv[argc - 1], err);
    if (pc == NULL) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    caps_default(&caps);
    sp = sip_parser_new(&caps);
    if (sp == NULL)
        return 2;
    while (pcap_next_ex(pc, &h, &b) == 1) {
        size_t ihl, off;
        struct sip_payload in = { 0 };
        if (h->caplen < 14 + 20 + 8 || b[12] != 0x08 || b[13] != 0x00 || b[23] != 17)
            continue;
        ihl = (size_t)(b[14] & 15) * 4;
        off = 14 + ihl + 8;
        if (off > h->caplen)
            continue;
        in.data = b + off;
        in.len = h->caplen - off;
        if (sip_parse(sp, &in, &m) != SIP_OK) {
            rej++;
            continue;
        }
        ok++;
        if (verify && sip_verify(&m, in.data, in.len, why, sizeof why) != 0) {
            if (differ++ < 5)
                fprintf(stderr, "differs: %s\n", why);
        }
    }
    fprintf(stderr, "parsed %lu rejected %lu differ %lu\n", ok, rej, differ);
    sip_parser_free(sp);
    pcap_close(pc);
    return 0;
}
