/*
 * reasm_ip.h — IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) fragment reassembly
 * for the decoder.
 *
 * Bounded: at most caps->ip_frag_trackers datagrams and caps->ip_frag_bytes
 * bytes (fragment data plus per-fragment overhead) are held; a new datagram
 * at either cap evicts the oldest tracker (by first-fragment packet time)
 * and counts it. A tracker older than caps->ip_frag_timeout_ms (packet time)
 * is dropped. Fragment bytes are kept in fixed 240-byte chunks from a pool
 * of ip_frag_bytes allocated at start-up (that pool is the byte cap), so
 * no packet path allocates.
 *
 * Overlap policy: FIRST WINS. Bytes already received are never overwritten
 * by a later fragment; a later fragment only fills holes. This is what BSD
 * and Windows stacks deliver and what Wireshark shows, and it stops a
 * later (possibly injected) fragment from rewriting SIP that was already
 * seen. An exact duplicate is counted as a duplicate, other overlaps as
 * overlaps. Two last fragments (MF=0) that disagree on the total length,
 * or a fragment reaching past a known total, drop the datagram (counted):
 * such a datagram has no single meaning.
 *
 * Thread: the analysis thread that owns the decoder.
 */
#ifndef SIPSCOPE_REASM_IP_H
#define SIPSCOPE_REASM_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "caps.h"
#include "stats.h"

struct reasm_ip;

struct reasm_ip_key {
    struct addr src, dst;
    uint32_t id;        /* IPv4: 16-bit id; IPv6: 32-bit identification */
    uint8_t family;     /* 4 or 6 */
    uint8_t proto;      /* IPv4 protocol (part of the key); 0 for IPv6 */
};

/* outbufs: how many reassembled datagrams may be live at once (one per
 * nesting level, so an inner reassembly does not clobber an outer one). */
struct reasm_ip *reasm_ip_new(const struct caps *caps, unsigned outbufs);
void reasm_ip_free(struct reasm_ip *r);

/*
 * Feed one fragment: offset in bytes of data within the datagram's payload,
 * more = MF flag, proto = the protocol carried (IPv6: the fragment header's
 * next header; taken from the offset-0 fragment). Returns true when this
 * fragment completes the datagram: *out and *outlen then hold the whole payload
 * and *outproto its protocol; the bytes live in output buffer `slot`
 * (< outbufs) until the next completion into the same slot.
 */
bool reasm_ip_feed(struct reasm_ip *r, const struct reasm_ip_key *k, uint32_t offset,
                   bool more, uint8_t proto, const uint8_t *data, size_t len, int64_t now_us,
                   unsigned slot, const uint8_t **out, size_t *outlen, uint8_t *outproto);

/* Drop trackers older than the timeout. */
void reasm_ip_expire(struct reasm_ip *r, int64_t now_us);

/* Trackers and bytes held now (for tests and the TUI). */
size_t reasm_ip_trackers(const struct reasm_ip *r);
size_t reasm_ip_bytes(const struct reasm_ip *r);

void reasm_ip_stats(const struct reasm_ip *r, stats_fn fn, void *ud);

#endif
