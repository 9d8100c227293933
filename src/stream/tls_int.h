/*
 * tls_int.h — private to the stream stage's TLS tracker (tls.c): the X.509
 * reader it uses for the server's certificate (x509.c).
 * Thread: the caller's; no state.
 */
#ifndef SIPSCOPE_TLS_INT_H
#define SIPSCOPE_TLS_INT_H

#include <stdbool.h>

#include "cursor.h"
#include "tls.h"

/* Read one DER certificate (RFC 5280 §4.1) into x's subject, issuer, san,
 * not_before, not_after and self_signed. False when it is malformed (x
 * then holds what was read before the fault). */
bool tls_x509_parse(struct cursor cert, struct tls_conn *x);

/* TLS_CERT_* problems of x's parsed certificate for x->sni at time now_s
 * (Unix seconds). RFC 6125 §6.4: the SNI against each dNSName (a leading
 * "*." matches exactly one label), the CN only when there is no SAN. */
uint8_t tls_x509_problems(const struct tls_conn *x, int64_t now_s);

#endif
