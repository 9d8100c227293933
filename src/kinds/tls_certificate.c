/*
 * tls_certificate.c — kind tls_certificate: the certificate a TLS server
 * showed (TLS <= 1.2, where it is cleartext) is expired or not yet valid
 * at the capture's time, does not name the host the client asked for (SNI
 * against subjectAltName, RFC 6125 §6.4), or is self-signed. A client that
 * checks will refuse it (then tls_failed says so too); one that does not
 * check is open to impersonation. One finding per server; evidence: the
 * Certificate frame. From KEV_TLS / TLS_EV_CERT. Thread: analysis.
 */
#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct tls_conn *c = ev->tls;
    char entity[128], bad[SNAP_TEXT], cert[SNAP_TEXT];

    if (ev->type != KEV_TLS || ev->tls_ev != TLS_EV_CERT || c->cert_problems == 0)
        return;
    tls_entity(c, entity, sizeof(entity));
    struct finding *f = kind_raise(k, KIND_TLS_CERTIFICATE, SEV_WARNING, entity, c->cert_us,
                                     NULL);
    if (f == NULL)
        return;
    finding_about(f, &c->client.ip, &c->server.ip);     /* for the diagnosis's rules */
    tls_cert_problem_text(c, bad, sizeof(bad));
    tls_cert_text(c, cert, sizeof(cert));
    finding_summary(f, "The TLS certificate of %s %s (CN %s, issuer %s)", entity, bad,
                    c->subject[0] ? c->subject : "-", c->issuer[0] ? c->issuer : "-");
    finding_cite(k->fs, f, c->cert_frame, c->cert_us, "server certificate", cert);
    if (!finding_new(f))
        return;
    if (c->cert_problems & (TLS_CERT_EXPIRED | TLS_CERT_NOT_YET)) {
        finding_cause(f, "the certificate was not renewed, or a clock is wrong");
        finding_fix(f, "Renew the server's certificate; check NTP on both ends");
    }
    if (c->cert_problems & TLS_CERT_NAME) {
        finding_cause(f, "the client asks for a host the certificate does not cover (a trunk "
                         "configured by IP or an old host name)");
        finding_fix(f, "Configure the trunk with a host name the certificate lists (SNI %s is "
                       "not among them)", c->sni);
    }
    if (c->cert_problems & TLS_CERT_SELF_SIGNED) {
        finding_cause(f, "a self-signed certificate: no public CA vouches for it, so a client "
                         "that checks refuses it");
        finding_fix(f, "Use a certificate from a public CA, or add this one to the client's "
                       "trusted CAs on purpose");
    }
}

const struct kind kind_tls_certificate = {
    KIND_TLS_CERTIFICATE, 0, on_event, NULL,
    KEV_BIT(KEV_TLS)
};
