/*
 * hep_in.h — `--hep-in [ADDR:]PORT`: receive HEP (v2/v3, as Kamailio's
 * siptrace, heplify, captagent or another sipscope's --hep-out send it) on
 * a UDP socket, instead of capturing with libpcap. The capture thread
 * (capture.c) calls hep_in_recv in its loop and pushes each datagram into
 * the ring like a captured frame: wrapped in a synthesized IPv4 or IPv6 +
 * UDP header (link type DLT_RAW) from the sender to the address it arrived
 * on, so the normal decoder finds the HEP by content (decode_hep.c) and the
 * SIP keeps the addresses, time and capture-agent id (site_id) HEP carries.
 *
 * ADDR is numeric (IPv6 as [addr]:port); without it 0.0.0.0. Binding a
 * port below 1024 needs CAP_NET_BIND_SERVICE; 9060 is HEP's usual port.
 * Nothing is ever sent on the socket.
 *
 * Thread: open/close on the main thread, recv on the capture thread.
 * Errors: hep_in_open returns NULL with errbuf filled; hep_in_recv returns
 * 1 (a packet), 0 (timeout or a datagram to ignore) or ERR_IO.
 */
#ifndef SIPSCOPE_HEP_IN_H
#define SIPSCOPE_HEP_IN_H

#include <stdint.h>
#include <sys/time.h>

#define HEP_IN_MAX 65535    /* largest UDP payload; bigger is impossible */

struct hep_in;

struct hep_in *hep_in_open(const char *spec, char *errbuf);
void hep_in_close(struct hep_in *h);

/* Wait up to timeout_ms for one datagram. On 1, *pkt (valid until the next
 * call) holds the raw IP packet of *len bytes received at *ts. */
int hep_in_recv(struct hep_in *h, int timeout_ms, struct timeval *ts, const uint8_t **pkt,
                uint32_t *len);

/* Datagrams received, and too short to be HEP (under 6 bytes) ignored. */
uint64_t hep_in_received(const struct hep_in *h);

#endif
