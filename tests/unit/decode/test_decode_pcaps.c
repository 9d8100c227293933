/*
 * test_decode_pcaps.c — feed every frame of the shared real captures through
 * the decoder (libpcap) and compare the SIP payloads with the tshark oracle
 * NAME.sip.tsv: the set of frame numbers must be equal, and each frame must
 * carry as many messages as tshark dissected there (sip.Method plus
 * sip.Status-Code entries). See /work/shared/pcaps/MANIFEST.md.
 */
#include "testutil.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "decode/decode.h"
#include "stream/stream.h"

#define MAXF 8192

struct oracle {
    unsigned count[MAXF];   /* messages per frame (0 = not SIP) */
    unsigned rows;
    struct endpoint src[MAXF], dst[MAXF];   /* innermost, as tshark shows them */
    bool has_addr[MAXF], has_port[MAXF];
};

struct seen {
    unsigned count[MAXF];
    struct endpoint src[MAXF], dst[MAXF];   /* the frame's first payload */
};

/* The last comma-separated item (tshark lists outer,inner). */
static const char *last_item(const char *f)
{
    const char *c = strrchr(f, ',');
    return c != NULL ? c + 1 : f;
}

static bool parse_ep(const char *ip4, const char *ip6, const char *p1, const char *p2,
                     struct endpoint *e, bool *has_port)
{
    const char *ip = *ip4 ? last_item(ip4) : last_item(ip6);
    const char *port = *p1 ? last_item(p1) : last_item(p2);
    memset(e, 0, sizeof(*e));
    if (!addr_parse(ip, strlen(ip), &e->ip))
        return false;
    *has_port = *port != '\0';
    e->port = (uint16_t)strtoul(port, NULL, 10);
    return true;
}

static size_t count_items(const char *f)
{
    size_t n = 0;
    if (*f == '\0')
        return 0;
    n = 1;
    for (; *f; f++)
        if (*f == ',')
            n++;
    return n;
}

static int load_oracle(const char *path, struct oracle *o)
{
    FILE *fp = fopen(path, "r");
    char line[65536];
    memset(o, 0, sizeof(*o));
    if (fp == NULL)
        return -1;
    if (fgets(line, sizeof(line), fp) == NULL) {
        fclose(fp);
        return -1;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *cols[17] = { 0 };
        int nc = 0;
        char *p = line;
        line[strcspn(line, "\r\n")] = '\0';
        while (nc < 17) {
            cols[nc++] = p;
            char *t = strchr(p, '\t');
            if (t == NULL)
                break;
            *t = '\0';
            p = t + 1;
        }
        unsigned long fr = strtoul(cols[0], NULL, 10);
        if (fr == 0 || fr >= MAXF)
            continue;
        size_t m = (nc > 10 ? count_items(cols[10]) : 0) + (nc > 11 ? count_items(cols[11]) : 0);
        o->count[fr] = (unsigned)(m ? m : 1);
        o->rows++;
        if (nc >= 10) {
            bool hp1 = false, hp2 = false;
            o->has_addr[fr] = parse_ep(cols[2], cols[3], cols[4], cols[5], &o->src[fr], &hp1) &&
                              parse_ep(cols[6], cols[7], cols[8], cols[9], &o->dst[fr], &hp2);
            o->has_port[fr] = hp1 && hp2;
        }
    }
    fclose(fp);
    return 0;
}

static int decode_file(const char *path, struct seen *got, char *err)
{
    pcap_t *pc = pcap_open_offline(path, err);
    struct caps caps;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    struct sip_payload out[32];

    if (pc == NULL) {
        /* libpcap cannot read NetMon (sipnab__c07-sip-r2.cap): convert it
         * with Wireshark's editcap when that is installed. */
        char tmp[] = "/tmp/sipscope_decode_XXXXXX", cmd[1400];
        int fd = mkstemp(tmp);
        if (fd < 0)
            return -1;
        close(fd);
        snprintf(cmd, sizeof(cmd), "editcap -F pcap '%s' '%s' 2>/dev/null", path, tmp);
        if (system(cmd) == 0)
            pc = pcap_open_offline(tmp, err);
        unlink(tmp);
        if (pc == NULL)
            return -1;
    }
    caps_default(&caps);
    struct decoder *d = decoder_new(&caps);
    assert_non_null(d);
    int lt = pcap_datalink(pc);
    assert_true(decode_linktype_supported(lt));
    memset(got, 0, sizeof(*got));
    while (pcap_next_ex(pc, &h, &data) == 1) {
        struct packet pkt = { ++frame, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                              h->caplen, h->len, lt, data };
        size_t n = decode_packet(d, &pkt, out, 32);
        for (size_t i = 0; i < n; i++) {
            assert_true(out[i].len > 0);
            assert_true(frame_is_sip(out[i].data, out[i].len));
            if (out[i].frame < MAXF && got->count[out[i].frame]++ == 0) {
                got->src[out[i].frame] = out[i].src;
                got->dst[out[i].frame] = out[i].dst;
            }
        }
    }
    decoder_free(d);
    pcap_close(pc);
    return 0;
}

static const char *const files[] = {
    "hep-wireshark__hep.pcap",
    "heplify__erspan_sip_ipv4_udp.pcapng",
    "heplify__ipip0.pcap",
    "heplify__sip_ipv4_tcp_retrans.pcap",
    "heplify__sip_sctp.pcap",
    "heplify__sip_tcp_websocket.pcap",
    "ISA__real_call.pcap",
    "ISA__sip.pcap",
    "nDPI__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap",
    "nDPI__gre_sip.pcapng",
    "nDPI__sip_hello.pcapng",
    "nDPI__webex.pcap",
    "pcapApplication__MagicJack+_short_call.pcap",
    "PcapPlusPlus__sip_non_default_port.pcap",
    "PcapPlusPlus__sip_reqs.pcap",
    "PcapPlusPlus__sip_resp.pcap",
    "SIP-proxy-zadanie1__video_call.pcap",
    "sip_captures__private-test-sip.pcapng",
    "sip_captures__sip-2phones-B2BUA-Asterisk.pcapng",
    "sip_captures__sip-488-Not-Acceptable-Here-codec-null.pcapng",
    "sip_captures__sip-register-publish-subscribe-489-401.pcapng",
    "sip_captures__sip-register-wrong_password-401-403-401-403.pcapng",
    "sip_captures__test_voip.pcap.pcapng",
    "sip_captures__voip-extension2downata.pcap",
    "sipnab__Asterisk_ZFONE_XLITE.pcap",
    "sipnab__c07-sip-r2.cap",
    "sipnab__DTMFsipinfo.pcap",
    "sipnab__h263-over-rtp.pcap",
    "sngrep__aaa.pcap",
    "sngrep__ipip.pcap",
    "sngrep__ipv6frag.pcap",
    "suricata-verify__sip-body-large_sip-body-large.pcap",
    "suricata-verify__sip-options-method_input.pcap",
    "suricata-verify__sip-pattern-matching_sip.pcap",
    "suricata-verify__sip-sdp_sdp.pcap",
    "suricata-verify__sip-tcp-method_sip-tcp.pcap",
};

static void test_all_captures(void **state)
{
    (void)state;
    static struct oracle o;
    static struct seen seen;
    unsigned *got = seen.count;
    char path[1024], err[PCAP_ERRBUF_SIZE];
    unsigned bad_files = 0, checked = 0, all_addrs = 0;

    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        snprintf(path, sizeof(path), "%s/%s.sip.tsv", testutil_shared_pcaps(), files[f]);
        if (load_oracle(path, &o) != 0) {
            print_message("missing oracle %s\n", path);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", testutil_shared_pcaps(), files[f]);
        if (decode_file(path, &seen, err) != 0) {
            print_message("cannot open %s: %s\n", path, err);
            continue;
        }
        checked++;
        unsigned miss = 0, extra = 0, wrongn = 0, total = 0, gtotal = 0, addrs = 0;
        /* HEP: tshark shows the outer addresses; the inner ones are in
         * NAME.hep.tsv and are checked in test_hep_addresses. */
        bool hep = strncmp(files[f], "hep-wireshark", 13) == 0;
        for (unsigned i = 0; i < MAXF; i++) {
            total += o.count[i];
            gtotal += got[i];
            if (o.count[i] && !got[i]) {
                if (miss++ < 5)
                    print_message("  %s: frame %u missing\n", files[f], i);
            } else if (!o.count[i] && got[i]) {
                if (extra++ < 5)
                    print_message("  %s: frame %u extra\n", files[f], i);
            } else if (o.count[i] != got[i]) {
                if (wrongn++ < 5)
                    print_message("  %s: frame %u has %u msgs, tshark %u\n", files[f], i,
                                  got[i], o.count[i]);
            } else if (o.count[i] && o.has_addr[i] && !hep && ++addrs &&
                       (!addr_eq(&o.src[i].ip, &seen.src[i].ip) ||
                        !addr_eq(&o.dst[i].ip, &seen.dst[i].ip) ||
                        (o.has_port[i] && (o.src[i].port != seen.src[i].port ||
                                           o.dst[i].port != seen.dst[i].port)))) {
                if (wrongn++ < 5)
                    print_message("  %s: frame %u addresses/ports differ\n", files[f], i);
            }
        }
        print_message("%-66s oracle %4u msgs, got %4u, %4u addressed%s\n", files[f], total,
                      gtotal, addrs, miss + extra + wrongn ? "  MISMATCH" : "");
        all_addrs += addrs;
        if (miss + extra + wrongn)
            bad_files++;
    }
    assert_true(checked > 0);
    assert_true(all_addrs > 1000);
    assert_int_equal(bad_files, 0);
}

/* HEP: the inner addresses, ports, time and capture id against the
 * hep-wireshark Lua dissector's fields (NAME.hep.tsv). */
static void test_hep_addresses(void **state)
{
    (void)state;
    char path[1024], err[PCAP_ERRBUF_SIZE], line[4096];
    static struct seen seen;
    struct sip_payload out[8];
    struct caps caps;

    snprintf(path, sizeof(path), "%s/hep-wireshark__hep.pcap", testutil_shared_pcaps());
    pcap_t *pc = pcap_open_offline(path, err);
    if (pc == NULL)
        skip();
    caps_default(&caps);
    struct decoder *d = decoder_new(&caps);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    static struct sip_payload first[MAXF];
    memset(&seen, 0, sizeof(seen));
    while (pcap_next_ex(pc, &h, &data) == 1) {
        struct packet pkt = { ++frame, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
                              h->caplen, h->len, pcap_datalink(pc), data };
        size_t n = decode_packet(d, &pkt, out, 8);
        if (n > 0 && frame < MAXF)
            first[frame] = out[0];
    }
    pcap_close(pc);
    snprintf(path, sizeof(path), "%s/hep-wireshark__hep.pcap.hep.tsv", testutil_shared_pcaps());
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp));
    unsigned rows = 0;
    while (fgets(line, sizeof(line), fp) != NULL) {
        unsigned long fr, sp, dp, sec, usec, cid;
        char s4[64], d4[64];
        /* frame, version, src4, (src6 empty), sport, dst4, (dst6), dport, sec, usec, node */
        if (sscanf(line, "%lu\tHEP3\t%63[^\t]\t\t%lu\t%63[^\t]\t\t%lu\t%lu\t%lu\t%lu", &fr, s4,
                   &sp, d4, &dp, &sec, &usec, &cid) != 8)
            continue;
        struct addr a;
        assert_true(fr < MAXF);
        assert_int_equal(first[fr].frame, fr);
        assert_true(addr_parse(s4, strlen(s4), &a));
        assert_true(addr_eq(&a, &first[fr].src.ip));
        assert_true(addr_parse(d4, strlen(d4), &a));
        assert_true(addr_eq(&a, &first[fr].dst.ip));
        assert_int_equal(first[fr].src.port, sp);
        assert_int_equal(first[fr].dst.port, dp);
        assert_int_equal(first[fr].ts_us, (int64_t)sec * 1000000 + (int64_t)usec);
        assert_int_equal(first[fr].site_id, cid);
        rows++;
    }
    fclose(fp);
    decoder_free(d);
    assert_int_equal(rows, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_captures),
        cmocka_unit_test(test_hep_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
