/*
 * tls_text.c — a TLS connection (tls.h) in the words the tls_* kinds use:
 * its entity ("client to server:port"), one line of what the handshake
 * did (versions, cipher, SNI, ALPN), and the certificate in brief. Thread:
 * the analysis thread (kinds); no state.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "correlate.h"

/* The trunk a connection is to, the same for every client and connection:
 * the name asked for (SNI) and the server's address, so the tls_* findings
 * and the diagnosis group per trunk. */
void tls_entity(const struct tls_conn *c, char *buf, size_t len)
{
    char b[ADDR_STRLEN], sv[ADDR_STRLEN + 8];

    addr_str(&c->server.ip, b, sizeof(b));
    findings_fmt(sv, sizeof(sv), addr_is_v4(&c->server.ip) ? "%s:%u" : "[%s]:%u", b,
                 (unsigned)c->server.port);
    if (c->sni[0])
        findings_fmt(buf, len, "%s (%s)", c->sni, sv);
    else
        findings_fmt(buf, len, "%s", sv);
}

void tls_client_text(const struct tls_conn *c, char *buf, size_t len)
{
    char a[ADDR_STRLEN];

    addr_str(&c->client.ip, a, sizeof(a));
    findings_fmt(buf, len, addr_is_v4(&c->client.ip) ? "%s:%u" : "[%s]:%u", a,
                 (unsigned)c->client.port);
}

void tls_hello_text(const struct tls_conn *c, bool offer, char *buf, size_t len)
{
    char off[48], v[16], ci[48];

    tls_versions_text(c->offered, off, sizeof(off));
    if (!offer && c->version != 0 && c->sh_frame != 0)
        findings_fmt(buf, len, "%s, %s, SNI %s%s%s", tls_version_name(c->version, v, sizeof(v)),
                     tls_cipher_name(c->cipher, ci, sizeof(ci)), c->sni[0] ? c->sni : "none",
                     c->alpn_chosen[0] ? ", ALPN " : "", c->alpn_chosen);
    else
        findings_fmt(buf, len, "offered %s%s, %u cipher suite(s), SNI %s%s%s",
                     c->legacy_offer ? "up to " : "", off, (unsigned)c->n_ciphers,
                     c->sni[0] ? c->sni : "none", c->alpn[0] ? ", ALPN " : "", c->alpn);
}

static void day(int64_t s, char *buf, size_t len)
{
    time_t t = (time_t)s;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
        findings_fmt(buf, len, "?");
}

void tls_cert_text(const struct tls_conn *c, char *buf, size_t len)
{
    char nb[16], na[16];

    day(c->not_before, nb, sizeof(nb));
    day(c->not_after, na, sizeof(na));
    findings_fmt(buf, len, "certificate CN %s, issuer %s, valid %s to %s%s%s%s",
                 c->subject[0] ? c->subject : "-", c->issuer[0] ? c->issuer : "-", nb, na,
                 c->san[0] ? ", names " : "", c->san, c->san_more ? ",..." : "");
}

void tls_cert_problem_text(const struct tls_conn *c, char *buf, size_t len)
{
    char na[16], nb[16];
    size_t o = 0;

    buf[0] = '\0';
    day(c->not_after, na, sizeof(na));
    day(c->not_before, nb, sizeof(nb));
#define ADD(...) do { if (o < len) { int w_ = snprintf(buf + o, len - o, __VA_ARGS__); \
        if (w_ > 0) o += (size_t)w_; } } while (0)
    if (c->cert_problems & TLS_CERT_EXPIRED)
        ADD("%sexpired on %s", o ? ", " : "", na);
    if (c->cert_problems & TLS_CERT_NOT_YET)
        ADD("%snot valid before %s", o ? ", " : "", nb);
    if (c->cert_problems & TLS_CERT_NAME)
        ADD("%sdoes not name %s (it names %s)", o ? ", " : "", c->sni,
            c->san[0] ? c->san : c->subject);
    if (c->cert_problems & TLS_CERT_SELF_SIGNED)
        ADD("%sself-signed", o ? ", " : "");
#undef ADD
}

/* ---- the per-connection table ---------------------------------------- */

static void row_fill(struct snap_tls *r, enum tls_event ev, const struct tls_conn *c)
{
    r->id = c->id;
    r->client = c->client;
    r->server = c->server;
    r->first_frame = c->first_frame;
    r->first_us = c->first_us;
    r->midstream = c->midstream;
    findings_fmt(r->sni, sizeof(r->sni), "%s", c->sni);
    r->offered = c->offered;
    r->legacy_offer = c->legacy_offer;
    r->version = c->sh_frame ? c->version : 0;
    r->cipher = c->sh_frame ? c->cipher : 0;
    findings_fmt(r->alpn_offered, sizeof(r->alpn_offered), "%s", c->alpn);
    findings_fmt(r->alpn, sizeof(r->alpn), "%s", c->alpn_chosen);
    r->has_cert = c->n_certs > 0 && !c->cert_bad;
    if (r->has_cert) {
        r->self_signed = c->self_signed;
        r->cert_problems = c->cert_problems;
        findings_fmt(r->subject, sizeof(r->subject), "%s", c->subject);
        findings_fmt(r->issuer, sizeof(r->issuer), "%s", c->issuer);
        findings_fmt(r->san, sizeof(r->san), "%s%s", c->san, c->san_more ? ",..." : "");
        r->not_before = c->not_before;
        r->not_after = c->not_after;
    }
    r->alert = c->alert;
    r->alert_encrypted = c->alert_encrypted;
    r->alert_desc = c->alert_desc;
    r->alert_from = c->alert_from;
    r->alert_frame = c->alert_frame;
    r->fail = (uint8_t)c->fail;
    if (ev == TLS_EV_ESTABLISHED)
        r->established = true;
    r->keys = c->keys;
    r->decrypted = c->decrypted;
    r->undecryptable = c->undecryptable;
    r->sip_messages = c->sip_messages;
    if (ev == TLS_EV_DONE)
        r->done = true;
}

void tls_rows_update(struct engine *e, enum tls_event ev, const struct tls_conn *c)
{
    struct snap_tls *r = NULL;

    for (size_t i = 0; i < e->n_tls_rows && r == NULL; i++)
        if (e->tls_rows[i].id == c->id)
            r = &e->tls_rows[i];
    if (r == NULL && e->n_tls_rows < SNAP_MAX_TLS) {
        r = &e->tls_rows[e->n_tls_rows++];
        memset(r, 0, sizeof(*r));
    }
    if (r == NULL && c->fail != TLS_FAIL_NONE) {
        /* full: a failure matters more than the oldest that did not fail */
        for (size_t i = 0; i < e->n_tls_rows && r == NULL; i++)
            if (e->tls_rows[i].fail == TLS_FAIL_NONE)
                r = &e->tls_rows[i];
        if (r != NULL) {
            if (r->done)
                e->tls_rows_dropped++;  /* else counted at its end, below */
            memset(r, 0, sizeof(*r));
        }
    }
    if (r == NULL) {
        /* counted once per connection: at its end */
        if (ev == TLS_EV_DONE)
            e->tls_rows_dropped++;
        return;
    }
    row_fill(r, ev, c);
}
