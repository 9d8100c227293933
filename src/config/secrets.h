/*
 * secrets.h — the --secrets file: known SIP passwords, so the engine can
 * tell "wrong password" from "digest computed over something else".
 *
 * Format: one entry per line, "username[@realm] password" separated by
 * spaces or tabs; the password is the rest of the line with trailing
 * blanks removed (so it may contain inner spaces); '#' starts a comment
 * line; blank lines are ignored. The username part is split at the LAST
 * '@' so "user@example.com@sip.twilio.com" is user "user@example.com" in
 * realm "sip.twilio.com". Lines are at most SECRETS_LINE_MAX bytes, the
 * file at most 1 MiB and SECRETS_MAX entries. A later duplicate entry does
 * not replace an earlier one (first match wins).
 *
 * Safety: the file is refused (ERR_PERM, one line naming the file and its
 * mode) when group or others may read or write it, as ssh refuses private
 * keys; it must be a regular file owned by the running user or root.
 * Symlinks are FOLLOWED and the target is checked through fstat() on the
 * opened descriptor (no lstat/stat race): configuration management and
 * Kubernetes secret volumes present secrets as symlinks, and what matters
 * is who can read the bytes. Errors carry file:line.
 *
 * Passwords are never printed: use secrets_mask() for anything shown. All
 * entry memory is wiped with explicit_bzero() on free.
 * Thread: loaded on the main thread at start-up; read-only afterwards.
 */
#ifndef SIPSCOPE_SECRETS_H
#define SIPSCOPE_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "util/span.h"

#define SECRETS_LINE_MAX 1024
#define SECRETS_MAX 4096

struct secrets;

/*
 * Load path into *out. Returns 0, ERR_IO (cannot open/read), ERR_PERM
 * (mode, owner or file type), ERR_FORMAT (a malformed line; errbuf says
 * "FILE:LINE: ..."), ERR_LIMIT (too many entries or a line too long) or
 * ERR_NOMEM. errbuf never contains a password.
 */
int secrets_load(const char *path, struct secrets **out, char *errbuf);

/*
 * A key file (the HEP authentication key, --hep-key-file): the first line,
 * without its line end, into key (at most cap bytes, *len set), under the
 * same mode and owner checks as the secrets file. The same errors; errbuf
 * never contains the key, and the read buffer is wiped.
 */
int secrets_read_key(const char *path, uint8_t *key, size_t cap, size_t *len, char *errbuf);

/*
 * Open another file that holds secrets (a TLS key log) under the same
 * checks: a descriptor (>= 0, *size its size, at most max) or the negative
 * error with errbuf set.
 */
int secrets_open(const char *path, size_t max, size_t *size, char *errbuf);

/* Wipe and free (NULL is fine). */
void secrets_free(struct secrets *s);

/* Number of entries loaded. */
size_t secrets_count(const struct secrets *s);

/*
 * The password for (username, realm): an entry with that exact realm
 * first, else an entry without a realm. Username and realm compare
 * exactly (case-sensitive, as digest does). Returns NULL when unknown.
 * The pointer is valid until secrets_free(); never print it.
 */
const char *secrets_lookup(const struct secrets *s, struct span username, struct span realm);

/*
 * What to show instead of a password: always "********" whatever the
 * password (its length is not revealed). Returns buf (>= 9 bytes), or a
 * static "********" when buf is NULL.
 */
const char *secrets_mask(const char *password, char *buf, size_t len);

#endif
