/*
 * report_tls.h — the per-connection TLS table (snapshot.tls) in the words
 * every report uses (text, JSON, Markdown, HTML), so they agree: what the
 * handshake came to, whether --tls-keylog opened it and why not. Thread:
 * any; no state.
 */
#ifndef SIPSCOPE_REPORT_TLS_H
#define SIPSCOPE_REPORT_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* "established", "failed: the client sent unknown_ca (48)", ... */
const char *report_tls_result(const struct snap_tls *r, char *buf, size_t len);
/* Every encrypted record opened with --tls-keylog. */
bool report_tls_decrypted(const struct snap_tls *r);
/* Why not (NULL when report_tls_decrypted): "no --tls-keylog", "no secrets
 * for its client random", ... */
const char *report_tls_why_not(const struct snap_tls *r, char *buf, size_t len);
/* "203.0.113.5:5061" / "[2001:db8::5]:5061" */
const char *report_tls_ep(const struct endpoint *e, char *buf, size_t len);
/* Order for listing: failed first, then by id; idx[] gets n indexes. */
void report_tls_order(const struct snapshot *s, size_t *idx);

#endif
