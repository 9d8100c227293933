/*
 * stats.h — how a module shows its counters without a central list.
 *
 * Each module that counts things exposes MODULE_stats(obj, fn, ud), which
 * calls fn once per counter with a dotted name ("decode.ipv4.hlen_short")
 * and its value. The report and the TUI walk these; nothing else needs to
 * know a module's counters. Called on the thread that owns obj.
 */
#ifndef SIPSCOPE_STATS_H
#define SIPSCOPE_STATS_H

#include <stdint.h>

typedef void (*stats_fn)(void *ud, const char *name, uint64_t value);

#endif
