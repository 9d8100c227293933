/*
 * evidence.h — `--evidence FILE`: a capture holding just the frames the
 * findings cite, so a support ticket can carry the proof and nothing
 * else. Offline only: the input files are read again (in the merged order
 * the analysis used) and the cited frames are copied with their original
 * timestamps and link type into a pcapng file whose packets each carry a
 * comment (tshark: frame.comment) with the frame's number in its input file
 * and the findings that cite it. The output is created with
 * O_EXCL|O_NOFOLLOW and mode 0600 (never overwrites, never follows a
 * planted symlink; may hold phone numbers).
 * Thread: the main thread after the report, or the dashboard's.
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
 * Copy the frames cited by s's findings (only finding number `finding`,
 * 0-based, when >= 0; all when -1) from the n_inputs capture files (merged
 * by time as the analysis read them) to a new pcapng out_path. Returns the
 * number of frames written (>= 0) or a negative enum err with errbuf
 * filled (ERR_IO: cannot create — including "exists" — or write;
 * ERR_FORMAT: an input cannot be read again).
 */
int evidence_write(const struct snapshot *s, const char *const *inputs, size_t n_inputs,
                   long finding, const char *out_path, char *errbuf);

/*
 * Live or standard input: write the SIP messages s kept (snapshot.msgs and
 * .raw, bounded by --cap messages_kept) for the frames the findings cite
 * (one finding when finding >= 0) to a new pcapng out_path, as exported
 * PDUs (link type WIRESHARK_UPPER_PDU) commented like evidence_write's.
 * *not_kept counts cited frames whose message text is no longer kept.
 * Returns the messages written or a negative enum err with errbuf set.
 */
int evidence_write_kept(const struct snapshot *s, long finding, const char *out_path,
                        size_t *not_kept, char *errbuf);

#endif
