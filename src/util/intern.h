/*
 * intern.h — interned byte strings: one reference-counted copy of each
 * distinct short string (start lines, users, hosts, Call-IDs, addresses)
 * shared by every correlation record that names it, so a record holds a
 * 4-byte handle instead of a 112-byte buffer.
 *
 * Flow: correlate and media (each owns a table of its own). Thread: the
 * owner's (the analysis thread); no locking.
 *
 * Storage: four size classes (32, 64, 128 and 320-byte slots), each a
 * bounded struct ctab allocated once (intern_init: the two short classes get
 * cap slots, the long ones a quarter and a sixteenth); a string longer than the
 * largest class is truncated, as the fixed buffers it replaces were. A string
 * lives while some record holds it: intern_put takes a reference,
 * intern_drop gives it back and frees the slot at zero. A full class never
 * evicts (every entry is in use by a live record): intern_put returns
 * INTERN_NONE, which reads back as "", and counts it in `refused`.
 * Identity is the keyed 64-bit hash, checked against the bytes: a collision
 * is refused (counted) rather than answered with another string.
 */
#ifndef SIPSCOPE_INTERN_H
#define SIPSCOPE_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "ctable.h"

#define INTERN_NONE 0u
#define INTERN_CLASSES 4
#define INTERN_MAX 311      /* longest string kept (bytes): the largest slot's room */

struct intern {
    struct ctab cls[INTERN_CLASSES];
    uint64_t refused;       /* intern_put with its class full */
    uint64_t truncated;     /* strings cut to INTERN_MAX */
};

/* The short classes hold up to cap strings each, the long ones fewer (0 or ERR_NOMEM). */
int intern_init(struct intern *in, size_t cap);
/* Each class's slots given (the classes hold up to 23, 55, 119 and 311
 * bytes): for an owner that knows how many of its strings can be long. */
int intern_init_classes(struct intern *in, const size_t cap[INTERN_CLASSES]);
void intern_free(struct intern *in);
/* Handle of (s, len), taking a reference; INTERN_NONE for an empty string
 * or when the class is full (counted). */
uint32_t intern_put(struct intern *in, const void *s, size_t len);
/* intern_put(in, s, len), but when the handle cand (one the caller or a
 * record holds, a stale one, or INTERN_NONE) stands for exactly (s, len),
 * a reference to it without hashing or a lookup: a message that interns
 * an address or line a record of the same message already did. The result
 * and the counters are intern_put's. */
uint32_t intern_put_as(struct intern *in, uint32_t cand, const void *s, size_t len);
/* One more reference to h (h may be INTERN_NONE); returns h. */
uint32_t intern_ref(struct intern *in, uint32_t h);
/* Give a reference back; the string is freed at zero. */
void intern_drop(struct intern *in, uint32_t h);
/* The bytes of h and their length; "" (len 0) for INTERN_NONE. Valid until
 * the last reference is dropped. Text strings are NUL-terminated. */
const char *intern_get(const struct intern *in, uint32_t h, size_t *len);
/* Strings held now, over all classes. */
size_t intern_live(const struct intern *in);
/* The most each class held at once, summed (an upper bound of the most held
 * at once); kept by intern_release. */
size_t intern_peak(const struct intern *in);
/* Free the strings but keep the counters (refused, truncated, peaks). */
void intern_release(struct intern *in);

#endif
