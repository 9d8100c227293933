/*
 * keylog.h — the --tls-keylog file: TLS secrets in the NSS key log format
 * that SSLKEYLOGFILE (OpenSSL, GnuTLS, NSS, BoringSSL) writes and Wireshark
 * reads, one "LABEL CLIENT_RANDOM SECRET" line each (hex), '#' comments:
 *   CLIENT_RANDOM                     TLS <= 1.2 master secret (48 bytes)
 *   CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0
 *                                     TLS 1.3 (32 or 48 bytes)
 * Other labels (EXPORTER_SECRET, EARLY_*) are ignored; a malformed line is
 * counted, never an error (the file is written while sipscope reads it).
 *
 * Safety: opened with the --secrets checks (regular file, mode 0600 or
 * stricter, owned by the user or root). The secrets never appear in any
 * output, log or snapshot; their memory is wiped on free.
 *
 * Bounds: at most KEYLOG_MAX client randoms (later ones counted and
 * dropped), lines of at most KEYLOG_LINE_MAX bytes.
 *
 * Live: the descriptor stays open; keylog_find on a miss reads what the
 * file gained since (at most once a second of capture time), so a PBX that
 * appends as it connects is followed.
 *
 * Thread: loaded on the main thread; afterwards owned by the analysis
 * thread (the decoder's TLS tracker).
 */
#ifndef SIPSCOPE_KEYLOG_H
#define SIPSCOPE_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define KEYLOG_MAX 65536
#define KEYLOG_LINE_MAX 512
#define KEYLOG_SECRET_MAX 48

/* What one client random has. */
enum {
    KEYLOG_MASTER = 1,      /* TLS <= 1.2 master secret */
    KEYLOG_CHTS = 2,        /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_SHTS = 4,        /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_CATS = 8,        /* CLIENT_TRAFFIC_SECRET_0 */
    KEYLOG_SATS = 16,       /* SERVER_TRAFFIC_SECRET_0 */
};

struct keylog_secrets {
    uint8_t random[32];
    uint8_t have;           /* KEYLOG_* */
    uint8_t len13;          /* length of the TLS 1.3 secrets (32 or 48) */
    uint8_t master[48];
    uint8_t chts[KEYLOG_SECRET_MAX], shts[KEYLOG_SECRET_MAX];
    uint8_t cats[KEYLOG_SECRET_MAX], sats[KEYLOG_SECRET_MAX];
};

struct keylog;

/* Open and read path. 0, or ERR_IO / ERR_PERM / ERR_LIMIT / ERR_NOMEM with
 * errbuf set (never a secret in it). */
int keylog_open(const char *path, struct keylog **out, char *errbuf);
/* Wipe and free (NULL is fine). */
void keylog_free(struct keylog *k);

/* The secrets of client random cr, NULL when the file has none (yet);
 * now_us (capture time) paces the re-reads. Valid until the next call. */
const struct keylog_secrets *keylog_find(struct keylog *k, const uint8_t cr[32], int64_t now_us);

/* Counters "keylog.*": entries, lines_bad, dropped_full, rereads. */
void keylog_stats(const struct keylog *k, stats_fn fn, void *ud);

#endif
