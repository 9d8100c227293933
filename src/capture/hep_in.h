/*
 * hep_in.h — `--hep-in [udp:|tcp:|tls:]ADDR:PORT` (repeatable): receive HEP
 * (v2/v3 over UDP; v3 over TCP and TLS, framed by its own length), as
 * Kamailio's siptrace, heplify, captagent, Asterisk res_hep, FreeSWITCH or
 * another sipscope's --hep-out send it, instead of capturing with libpcap.
 * The capture thread (capture.c) calls hep_in_recv in its loop and pushes
 * each admitted record into the ring like a captured frame: wrapped in a
 * synthesized IPv4 or IPv6 + UDP header (link type DLT_RAW) from the agent
 * to the address it arrived on, so the normal decoder finds the HEP by
 * content (decode_hep.c) and the SIP keeps the addresses, time and
 * capture-agent id (site_id) HEP carries.
 *
 * Who may send: an allow-list of agent networks (refused at accept for
 * TCP/TLS, per datagram for UDP); when a key is set, the HEPv3
 * authentication-key chunk must match it (hep_frame.h). What is refused is
 * counted per reason and never analysed. The key is held only here and is
 * never printed.
 *
 * ADDR is numeric (IPv6 as [addr]:port). A bare PORT listens on loopback
 * only: all interfaces must be asked for (0.0.0.0:PORT, [::]:PORT). Nothing
 * is ever sent on a UDP socket; TCP/TLS only answer the TLS handshake.
 *
 * Limits (caps.h: hep_conns, hep_record_bytes, hep_idle_ms, hep_agent_rate,
 * hep_agents): connections at once (beyond: closed at accept, counted), one
 * 64 KiB framing buffer per connection allocated at open (so all
 * connections together hold at most hep_conns x 64 KiB), the largest record
 * (at most 65487 bytes: it must fit the synthesized IP packet),
 * a connection that completes no record for hep_idle_ms is closed (a
 * slow-loris sender cannot hold a slot), records per second per agent.
 *
 * Thread: open/close on the main thread; recv on the capture thread;
 * hep_in_stats and hep_in_agents may be called from any thread at any
 * time (atomics; the agent table is published by the capture thread with a
 * try-lock it never waits on, at most every 200 ms).
 * Errors: hep_in_open returns NULL with errbuf filled; hep_in_recv returns
 * 1 (a record), 0 (timeout or nothing admitted) or ERR_IO.
 */
#ifndef SIPSCOPE_HEP_IN_H
#define SIPSCOPE_HEP_IN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "config/cidr.h"
#include "run.h"
#include "stats.h"

#define HEP_IN_MAX 65535        /* largest UDP payload, largest HEPv3 record */
#define HEP_IN_LISTEN_MAX 8     /* --hep-in given at most this often */
#define HEP_KEY_MAX 256         /* bytes of an authentication key */

struct hep_in_opts {
    const char *listen[HEP_IN_LISTEN_MAX];  /* "[udp:|tcp:|tls:]ADDR:PORT" */
    size_t n_listen;
    const struct cidr_list *allow;  /* NULL or empty: any sender */
    const uint8_t *key;             /* authentication key, key_len 0 for none */
    size_t key_len;
    const char *tls_cert, *tls_key; /* PEM files, needed by a tls: listener */
    const char *tls_ca;             /* PEM file: require client certificates it signed */
    uint64_t max_conns, max_record, idle_ms, agent_rate, max_agents;
};

struct hep_in;

/* Check a listener spec without opening anything (the command line). */
int hep_in_check_spec(const char *spec, char *errbuf);

struct hep_in *hep_in_open(const struct hep_in_opts *o, char *errbuf);
void hep_in_close(struct hep_in *h);

/* "udp:192.0.2.50:9060, tcp:192.0.2.50:9061" for the start-up line. */
const char *hep_in_describe(const struct hep_in *h, char *buf, size_t len);

/* Wait up to timeout_ms for one admitted record. On 1, *pkt (valid until the
 * next call) holds the raw IP packet of *len bytes received at *ts. */
int hep_in_recv(struct hep_in *h, int timeout_ms, struct timeval *ts, const uint8_t **pkt,
                uint32_t *len);

/* The record last returned by hep_in_recv was lost at the ring. */
void hep_in_lost(struct hep_in *h);

/* Publish the agent table now (the capture thread, at its end). */
void hep_in_publish(struct hep_in *h);

/* Counters (hep_in.*), any thread. */
void hep_in_stats(const struct hep_in *h, stats_fn fn, void *ud);
/* The agents, most recent first, into run->agents; any thread. */
void hep_in_agents(struct hep_in *h, struct run_info *run);

#endif
