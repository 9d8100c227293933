/*
 * siphash.h — SipHash-2-4 (Aumasson & Bernstein, 2012), the keyed hash for
 * every table whose keys come from the wire (reassembly trackers, TCP
 * streams), so a sender cannot pick keys that all land in one bucket.
 * Pure function; any thread.
 */
#ifndef SIPSCOPE_SIPHASH_H
#define SIPSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit SipHash-2-4 of in[0..n) under the 16-byte key k. */
uint64_t siphash24(const void *in, size_t n, const uint8_t k[16]);

/* SipHash-1-3 (one compression, three finalisation rounds; the variant
 * Rust's HashMap and CPython use): about half the cost of 2-4, still keyed,
 * so colliding keys cannot be chosen without the seed. For the per-message
 * correlation tables (ctable.h), where 2-4 was 12% of all instructions. */
uint64_t siphash13(const void *in, size_t n, const uint8_t k[16]);

/* Fill a 16-byte key from the OS random source (getrandom), falling back to
 * time and address bits when that fails (still unpredictable to a sender). */
void siphash_seed(uint8_t k[16]);

#endif
