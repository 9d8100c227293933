/*
 * caps.h — every limit on what the wire can make sipscope allocate.
 *
 * One struct caps is filled with defaults (caps_default) and overridden from
 * the command line (--cap NAME=VALUE). Each table evicts its oldest entry
 * (by packet time) at its cap and counts the eviction; nothing ever stops
 * capturing or grows past its cap. Read-only after start-up: any thread.
 */
#ifndef SIPSCOPE_CAPS_H
#define SIPSCOPE_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define CAPS_FIELDS(X) \
    X(ring_bytes,          8u << 20, "bytes in the capture ring (power of two)") \
    X(snaplen,             262144,   "bytes captured per packet") \
    X(sip_msg_bytes,       65536,    "largest SIP message parsed") \
    X(ip_frag_trackers,    1024,     "IP datagrams being reassembled at once") \
    X(ip_frag_bytes,       4u << 20, "bytes held by IP reassembly in all") \
    X(ip_frag_timeout_ms,  30000,    "IP reassembly timeout") \
    X(tcp_streams,         4096,     "TCP directions being reassembled at once") \
    X(tcp_stream_bytes,    262144,   "bytes buffered per TCP direction") \
    X(tcp_total_bytes,     16u << 20,"bytes buffered by TCP reassembly in all") \
    X(tcp_timeout_ms,      300000,   "idle TCP stream timeout") \
    X(tunnel_depth,        4,        "nested encapsulations followed") \
    X(transactions,        65536,    "SIP transactions tracked") \
    X(dialogs,             32768,    "dialogs and registrations tracked") \
    X(auth_exchanges,      16384,    "auth challenge/retry exchanges tracked") \
    X(peers,               1024,     "peers (trunk/phone/source pairs) tracked") \
    X(sources,             8192,     "source addresses tracked for scanner/brute-force") \
    X(findings,            256,      "distinct findings kept") \
    X(evidence_per_finding,32,       "evidence frames kept per finding") \
    X(messages_kept,       4096,     "recent raw messages kept for detail/evidence")

struct caps {
#define CAPS_DECL(name, def, doc) uint64_t name;
    CAPS_FIELDS(CAPS_DECL)
#undef CAPS_DECL
};

void caps_default(struct caps *c);
/* Apply "name=value"; returns 0 or ERR_INVAL with errbuf filled. */
int caps_set(struct caps *c, const char *assignment, char *errbuf);

#endif
