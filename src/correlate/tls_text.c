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
