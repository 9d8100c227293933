/*
 * caps.h — every limit on what the wire can make sipscope allocate.
 *
 * One struct caps is filled with defaults (caps_default) and overridden from
 * the command line (--cap NAME=VALUE). Each table evicts its oldest entry
 * (by packet time) at its cap and counts the eviction; nothing ever stops
 * capturing or grows past its cap. Read-only after start-up: any thread.
 *
 * Memory: the defaults keep peak RSS bounded however many Call-IDs, users
 * or addresses the wire brings (docs/performance.md has the sizes). A live
 * transaction is a 128-byte record with interned text (util/intern.h), kept
 * for as long as RFC 3261's timers say (until its final answer, then 64*T1
 * on UDP for retransmissions; an INVITE in Proceeding until timer C), then
 * retired (engine.transactions.retired), so 65536 holds ~1,000 new
 * transactions a second with none evicted. Other tables: auth exchanges
 * 4096 x 1.2 KB, dialogs 8192 x 0.4 KB, sources and identities 4096 x 1.2
 * + 0.8 KB, accounts 2048 x 2.1 KB, findings 256 x 11 KB, the ring 4 MiB
 * (~20 ms at 200 MB/s; the analysis thread keeps up on average, the ring
 * absorbs bursts) and ~1 KiB of raw text per kept message (twice: engine and
 * report snapshot). Only the pages a table uses are touched. What a cap
 * evicts is counted (engine.<table>.evicted, shown in the report and the
 * dashboard); engine.<table>.peak says how many entries it needed.
 */
#ifndef SIPSCOPE_CAPS_H
#define SIPSCOPE_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define CAPS_FIELDS(X) \
    X(ring_bytes,          4u << 20, "bytes in the capture ring (power of two)") \
    X(snaplen,             262144,   "bytes captured per packet") \
    X(sip_msg_bytes,       65536,    "largest SIP message parsed") \
    X(ip_frag_trackers,    1024,     "IP datagrams being reassembled at once") \
    X(ip_frag_bytes,       4u << 20, "bytes held by IP reassembly in all") \
    X(ip_frag_timeout_ms,  30000,    "IP reassembly timeout") \
    X(tcp_streams,         4096,     "TCP directions being reassembled at once") \
    X(tcp_stream_bytes,    262144,   "bytes buffered per TCP direction") \
    X(tcp_total_bytes,     16u << 20,"bytes buffered by TCP reassembly in all") \
    X(tcp_timeout_ms,      300000,   "idle TCP stream timeout") \
    X(tls_conns,           1024,     "TLS connections tracked (handshake facts)") \
    X(tls_handshake_bytes, 4u << 20, "bytes held by TLS handshake reassembly in all") \
    X(tls_plaintext_bytes, 8u << 20, "decrypted TLS bytes waiting to be framed, in all") \
    X(tunnel_depth,        4,        "nested encapsulations followed") \
    X(transactions,        65536,    "SIP transactions tracked") \
    X(dialogs,             65536,    "dialogs and registrations tracked") \
    X(auth_exchanges,      65536,    "auth challenge/retry exchanges tracked") \
    X(peers,               16384,    "peers (trunk/phone/source pairs) tracked") \
    X(sources,             16384,    "source addresses tracked for scanner/brute-force") \
    X(identities,          131072,   "identities (user@host) tracked") \
    X(accounts,            32768,    "accounts tracked for use from several sites") \
    X(findings,            256,      "distinct findings kept") \
    X(population_members,  131072,   "distinct users/sources named by population findings") \
    X(evidence_per_finding,32,       "evidence frames kept per finding") \
    X(messages_kept,       2048,     "recent raw messages kept for detail/evidence") \
    X(hep_conns,           64,       "--hep-in TCP/TLS connections at once (64 KiB each)") \
    X(hep_record_bytes,    65535,    "--hep-in largest HEP record admitted") \
    X(hep_idle_ms,         120000,   "--hep-in connection closed after no whole record") \
    X(hep_agent_rate,      20000,    "--hep-in records per second per agent") \
    X(hep_agents,          64,       "--hep-in agents accounted (at most 64)") \
    X(hep_quiet_ms,        300000,   "--hep-in agent quiet after no record this long (0: off)") \
    X(media_calls,         2048,     "calls whose SDP media is followed") \
    X(media_streams,       4096,     "RTP streams (SSRC, source, destination) measured")

struct caps {
#define CAPS_DECL(name, def, doc) uint64_t name;
    CAPS_FIELDS(CAPS_DECL)
#undef CAPS_DECL
    uint64_t mem;       /* --mem: the analysis tables' memory budget in bytes */
    uint64_t given;     /* bit per CAPS_FIELDS entry set with --cap (kept by caps_apply_mem) */
};

#define CAPS_MEM_DEFAULT (320ull << 20)
#define CAPS_MEM_MIN (16u << 20)

void caps_default(struct caps *c);
/* Apply "name=value"; returns 0 or ERR_INVAL with errbuf filled. */
int caps_set(struct caps *c, const char *assignment, char *errbuf);
/* "128M", "1G", "65536" (bytes; K, M, G are powers of 1024) into *out:
 * 0, or ERR_INVAL. */
int caps_parse_size(const char *s, uint64_t *out);
/* Size the tables the wire fills (transactions, dialogs, auth exchanges,
 * peers, sources, identities, accounts, media calls and streams, population
 * members) from c->mem, each its share at its record size
 * (docs/performance.md "Memory budget"); a cap given with --cap is kept.
 * Nothing is evicted before a table is full, so eviction happens only past
 * the budget. */
void caps_apply_mem(struct caps *c);

#endif
