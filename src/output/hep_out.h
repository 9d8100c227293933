/*
 * hep_out.h — `--hep-out [udp:|tcp:]HOST:PORT --hep-id N`: send every SIP
 * message as HEPv3 (Homer Encapsulation Protocol) so sipscope can be a
 * capture agent for HOMER or for a central sipscope (--hep-in). Each packet
 * carries the message's original addresses, ports, transport, capture time,
 * protocol type 1 (SIP), the capture-agent id and the SIP bytes.
 *
 * HOST is a numeric IPv4/IPv6 address (sipscope never resolves names; IPv6
 * as [addr]:port). UDP sends one datagram per message, never blocking: a
 * full socket buffer or an ICMP error drops the message and counts it.
 * TCP keeps a bounded send buffer (HEP_OUT_TCP_BUFFER); what does not fit
 * is dropped and counted; a broken connection is re-established at most
 * once a second, losing what was queued.
 *
 * Flow: sip_parse → pipeline → hep_out (beside engine). Thread: the analysis
 * thread after hep_out_open on the main thread. Errors: hep_out_open
 * returns NULL with errbuf filled (bad address, socket failure).
 */
#ifndef SIPSCOPE_HEP_OUT_H
#define SIPSCOPE_HEP_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "stats.h"

#define HEP_OUT_TCP_BUFFER (1u << 20)
#define HEP_OUT_MAX 65535           /* HEP3's total length is 16 bits */
#define HEP_OUT_KEY_MAX 256         /* bytes of an authentication key */

/* HEPv3 chunk types (vendor 0) this module writes. */
enum hep_chunk {
    HEP_IP_FAMILY = 0x0001,
    HEP_IP_PROTO = 0x0002,
    HEP_IPV4_SRC = 0x0003,
    HEP_IPV4_DST = 0x0004,
    HEP_IPV6_SRC = 0x0005,
    HEP_IPV6_DST = 0x0006,
    HEP_SRC_PORT = 0x0007,
    HEP_DST_PORT = 0x0008,
    HEP_TS_SEC = 0x0009,
    HEP_TS_USEC = 0x000a,
    HEP_PROTO_TYPE = 0x000b,
    HEP_CAPTURE_ID = 0x000c,
    HEP_AUTH_KEY = 0x000e,
    HEP_PAYLOAD = 0x000f,
};

struct hep_out;

struct hep_out *hep_out_open(const char *spec, uint32_t agent_id, char *errbuf);
void hep_out_close(struct hep_out *h);

/* --hep-key-file: send this authentication key (chunk 0x000e) in every
 * packet; 0, or ERR_LIMIT when longer than HEP_OUT_KEY_MAX. Never printed. */
int hep_out_set_key(struct hep_out *h, const uint8_t *key, size_t key_len);

/* Queue or send one SIP message (pl: the payload sip_parse accepted). */
void hep_out_send(struct hep_out *h, const struct sip_payload *pl);

/* hep_out.sent, hep_out.dropped, hep_out.errors, hep_out.reconnects. */
void hep_out_stats(const struct hep_out *h, stats_fn fn, void *ud);

/* Encode pl as one HEPv3 packet into buf; returns its length, or 0 when it
 * does not fit in cap or in HEP_OUT_MAX (exposed for tests). */
size_t hep_encode(uint8_t *buf, size_t cap, const struct sip_payload *pl, uint32_t agent_id);
/* The same with an authentication-key chunk when key_len > 0. */
size_t hep_encode_key(uint8_t *buf, size_t cap, const struct sip_payload *pl, uint32_t agent_id,
                      const uint8_t *key, size_t key_len);

#endif
