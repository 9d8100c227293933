/*
 * report_fmt.h — formatting helpers shared by the report renderers, the
 * ladder, alerts and metrics (report_fmt.c).
 */
#ifndef SIPSCOPE_REPORT_FMT_H
#define SIPSCOPE_REPORT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* "2026-11-25 09:47:17.123456" (UTC) into buf (>= 32 bytes); "-" for 0. */
char *report_time_utc(int64_t ts_us, char *buf, size_t len);
/* "ip:port" or "[v6]:port" into buf (>= 56 bytes). */
char *report_endpoint(const struct endpoint *ep, char *buf, size_t len);
/* Headline per peer: the peer's verdict, "" when healthy. */
const char *report_peer_verdict(const struct snap_peer *p);
/* Auth success rate in percent, or -1 when no auth was decided. */
int report_auth_rate(const struct snap_peer *p);
/* The sentence saying whose frame numbers the report cites: those
 * Wireshark shows for the file, or, for several files merged by time,
 * those of mergecap's output (the evidence comments give per-file ones). */
const char *report_frames_note(const struct run_info *r);
/* When the analysis lost state (a table evicted past its budget, a
 * deadline dropped, packets lost in capture), the one line the report opens
 * with and the dashboard's header shows: "analysis incomplete: 6982 media
 * calls, 10464 media ports evicted; raise --mem". False (buf "") when
 * nothing was lost. */
bool report_incomplete(const struct snapshot *s, char *buf, size_t len);

#endif
