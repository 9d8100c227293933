/*
 * report_tls.c — see report_tls.h.
 */
#include "report_tls.h"

#include <stdio.h>

#include "tls.h"

const char *report_tls_ep(const struct endpoint *e, char *buf, size_t len)
{
    char a[ADDR_STRLEN];

    addr_str(&e->ip, a, sizeof(a));
    snprintf(buf, len, addr_is_v4(&e->ip) ? "%s:%u" : "[%s]:%u", a, (unsigned)e->port);
    return buf;
}

const char *report_tls_result(const struct snap_tls *r, char *buf, size_t len)
{
    char an[24];
    const char *side = r->alert_from == TLS_SIDE_CLIENT ? "client" : "server";

    switch (r->fail) {
    case TLS_FAIL_ALERT:
        if (r->alert_encrypted)
            snprintf(buf, len, "failed: encrypted alert from the %s", side);
        else
            snprintf(buf, len, "failed: alert %s (%u) from the %s",
                     tls_alert_name(r->alert_desc, an, sizeof(an)), (unsigned)r->alert_desc,
                     side);
        return buf;
    case TLS_FAIL_ENC_ALERT:
        snprintf(buf, len, "failed: the client refused the server (TLS 1.3 alert-sized record)");
        return buf;
    case TLS_FAIL_NO_SERVER_HELLO:
        snprintf(buf, len, "failed: no ServerHello");
        return buf;
    case TLS_FAIL_CLOSED:
        snprintf(buf, len, "failed: closed during the handshake");
        return buf;
    case TLS_FAIL_NO_DATA:
        snprintf(buf, len, "failed: closed after the handshake, before any data");
        return buf;
    case TLS_FAIL_REFUSED:
        snprintf(buf, len, "failed: the server refused the client after the handshake "
                           "(TLS 1.3 alert-sized record)");
        return buf;
    default:
        break;
    }
    if (r->established)
        snprintf(buf, len, "established");
    else if (r->midstream)
        snprintf(buf, len, "picked up mid-way (no ClientHello)");
    else if (r->version == 0)
        snprintf(buf, len, "no ServerHello yet");
    else
        snprintf(buf, len, "handshake not finished");
    return buf;
}

bool report_tls_decrypted(const struct snap_tls *r)
{
    return r->keys == TLS_KEYS_OK && r->undecryptable == 0 && r->decrypted > 0;
}

const char *report_tls_why_not(const struct snap_tls *r, char *buf, size_t len)
{
    if (report_tls_decrypted(r))
        return NULL;
    if (r->keys == TLS_KEYS_OFF && r->midstream)
        snprintf(buf, len, "no --tls-keylog; picked up mid-way");
    else if (r->keys == TLS_KEYS_OFF)
        snprintf(buf, len, "no --tls-keylog");
    else if (r->midstream)
        snprintf(buf, len, "picked up mid-way: no ClientHello, no client random");
    else if (r->keys == TLS_KEYS_MISSING)
        snprintf(buf, len, "the key log has no secrets for its client random");
    else if (r->keys == TLS_KEYS_UNSUPPORTED)
        snprintf(buf, len, "a cipher suite or TLS version sipscope does not decrypt");
    else if (r->undecryptable > 0)
        snprintf(buf, len, "%llu record(s) did not open (lost segment or key log out of step)",
                 (unsigned long long)r->undecryptable);
    else
        snprintf(buf, len, "no encrypted record to open");
    return buf;
}

static bool before(const struct snap_tls *x, const struct snap_tls *y)
{
    if ((x->fail != 0) != (y->fail != 0))
        return x->fail != 0;
    return x->id < y->id;
}

void report_tls_order(const struct snapshot *s, size_t *idx)
{
    size_t n = s->n_tls < SNAP_MAX_TLS ? s->n_tls : SNAP_MAX_TLS;

    for (size_t i = 0; i < n; i++) {    /* insertion sort: n <= SNAP_MAX_TLS, no state */
        size_t j = i;
        while (j > 0 && before(&s->tls[i], &s->tls[idx[j - 1]])) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
}
