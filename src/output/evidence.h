/*
 * evidence.h — `--evidence FILE.pcap`: a capture holding just the frames
 * the findings cite, so a support ticket can carry the proof and nothing
 * else. Offline only: the input file is read again with libpcap and the
 * cited frames are copied with their original timestamps and link type.
 * The output is created with O_EXCL|O_NOFOLLOW and mode 0600 (never
 * overwrites, never follows a planted symlink; may hold phone numbers).
 * Thread: the main thread after the report.
 */
#ifndef SIPSCOPE_EVIDENCE_H
#define SIPSCOPE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* Sorted, de-duplicated frame numbers cited by s's findings into frames
 * (at most max); returns how many. */
size_t evidence_frames(const struct snapshot *s, uint64_t *frames, size_t max);

/*
 * Copy the frames cited by s from input_pcap to out_path. Returns the
 * number of frames written (>= 0) or a negative enum err with errbuf
 * filled (ERR_IO: cannot open/create — including "exists"; ERR_FORMAT:
 * input is not a capture).
 */
int evidence_write(const struct snapshot *s, const char *input_pcap, const char *out_path,
                   char *errbuf);

#endif
