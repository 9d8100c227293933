/*
 * tls_failed.c — kind tls_failed: a TLS handshake to a trunk failed, so no
 * SIP got through it: a fatal alert (RFC 8446 §6.2, RFC 5246 §7.2.2) and
 * which side sent it, a ClientHello the server never answered, a close
 * before the handshake ended, a TLS 1.3 client refusing the server's
 * certificate (an encrypted alert, told by its size), or a handshake that
 * ended and was closed before any SIP. One finding per trunk (the server
 * and the SNI asked for, tls_entity), whichever client: count = failed
 * connections; evidence per connection: the ClientHello (from which
 * client), the ServerHello, the certificate, the alert, the close. From KEV_TLS / TLS_EV_FAILED.
 * Thread: the analysis thread.
 */
#include <string.h>

#include "correlate/correlate.h"

static const char *side(uint8_t s)
{
    return s == TLS_SIDE_CLIENT ? "client" : "server";
}

/* Causes and fixes for an alert description, by who sent it. */
static void alert_advice(struct finding *f, const struct tls_conn *c)
{
    bool by_client = c->alert_from == TLS_SIDE_CLIENT;
    char off[48];

    tls_versions_text(c->offered, off, sizeof(off));
    switch (c->alert_desc) {
    case 70: /* protocol_version */
    case 86: /* inappropriate_fallback */
        finding_cause(f, "no TLS version in common: the client offers %s%s", 
                      c->legacy_offer ? "up to " : "", off);
        finding_fix(f, "Enable TLS 1.2 (and 1.3) on the PBX's SIP TLS transport (Asterisk "
                       "pjsip method=tlsv1_2, FreeSWITCH tls-version=tlsv1.2,tlsv1.3); most "
                       "carriers, Microsoft Teams among them, refuse TLS 1.0/1.1");
        break;
    case 40: /* handshake_failure */
    case 71: /* insufficient_security */
        if (!by_client && c->cert_requested && c->client_cert_empty) {
            /* seen: CertificateRequest, then an empty client Certificate */
            finding_cause(f, "the server requires a client certificate (mutual TLS) and the PBX "
                             "sent none");
            finding_fix(f, "Configure a client certificate and key on the PBX's TLS transport, "
                           "from a CA the carrier trusts, with its whole chain");
            break;
        }
        if (c->sh_frame == 0)
            finding_cause(f, "no cipher suite or signature algorithm in common (the client "
                             "offers %u suites)", (unsigned)c->n_ciphers);
        if (!by_client)
            finding_cause(f, "the server requires a client certificate (mutual TLS) and got "
                             "none it accepts");
        if (c->sh_frame == 0)
            finding_fix(f, "Compare the PBX's cipher list with the carrier's: allow "
                           "ECDHE-RSA/ECDSA with AES-GCM (TLS 1.2) or the TLS 1.3 suites");
        finding_fix(f, "If the carrier requires mutual TLS, give the PBX a certificate from a CA "
                       "the carrier trusts, with its whole chain");
        break;
    case 42: /* bad_certificate */
    case 43: /* unsupported_certificate */
    case 46: /* certificate_unknown */
    case 48: /* unknown_ca */
        if (by_client && (c->cert_problems & TLS_CERT_NAME) && c->alert_desc != 48) {
            /* the name mismatch is on the wire: the PBX checks the host name */
            finding_fix(f, "Set the trunk's host (the SNI, %s) to a name the carrier's "
                           "certificate lists%s%s", c->sni[0] ? c->sni : "none",
                        c->san[0] ? ": " : "", c->san);
        } else if (by_client && (c->cert_problems & (TLS_CERT_EXPIRED | TLS_CERT_NOT_YET)) &&
                   c->alert_desc != 48) {
            finding_fix(f, "The carrier must renew its certificate; check NTP on the PBX");
        } else if (by_client) {
            finding_cause(f, "the PBX does not trust the carrier's certificate: its CA bundle "
                             "lacks the issuing CA or an intermediate is missing");
            finding_fix(f, "Install the carrier's root CA in the PBX's CA file (or point it at "
                           "the system bundle, /etc/ssl/certs/ca-certificates.crt, and update "
                           "ca-certificates)");
        } else {
            finding_cause(f, "the carrier does not accept the PBX's client certificate (issuer "
                             "not trusted, chain incomplete or wrong certificate)");
            finding_fix(f, "Use a client certificate from a CA the carrier lists, and send the "
                           "intermediate certificates with it");
        }
        break;
    case 45: /* certificate_expired */
        finding_cause(f, "the %s's certificate has expired, or the clock of the %s is wrong",
                      by_client ? "server" : "client", side(c->alert_from));
        finding_fix(f, "Renew the certificate; check NTP on the PBX");
        break;
    case 44: /* certificate_revoked */
        finding_cause(f, "the %s's certificate is revoked", by_client ? "server" : "client");
        break;
    case 116: /* certificate_required */
        finding_cause(f, "the server requires a client certificate (mutual TLS) and the PBX "
                         "sent none");
        finding_fix(f, "Configure a client certificate and key on the PBX's TLS transport");
        break;
    case 112: /* unrecognized_name */
        finding_cause(f, "the server does not serve the name the client asked for (SNI %s)",
                      c->sni[0] ? c->sni : "none");
        finding_fix(f, "Set the trunk's host (SNI) to the carrier's documented FQDN, not an IP");
        break;
    case 49: /* access_denied */
        finding_cause(f, "the server refuses this client (an access list or an unknown "
                         "certificate identity)");
        break;
    case 20: /* bad_record_mac */
    case 51: /* decrypt_error */
        finding_cause(f, "keys did not agree: a middlebox rewriting the traffic, or a wrong "
                         "private key for the certificate");
        break;
    default:
        finding_cause(f, "the %s ended the handshake with an alert", side(c->alert_from));
        break;
    }
}

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct tls_conn *c = ev->tls;
    char entity[128], hello[192], offer[192], cert[SNAP_TEXT], bad[SNAP_TEXT], an[24], line[160];
    char from[ADDR_STRLEN + 8], ch[SNAP_TEXT];
    const char *what;

    if (ev->type != KEV_TLS || ev->tls_ev != TLS_EV_FAILED)
        return;
    tls_entity(c, entity, sizeof(entity));
    struct finding *f = kind_raise(k, KIND_TLS_FAILED, SEV_ERROR, entity, c->fail_us, NULL);
    if (f == NULL)
        return;
    finding_about(f, &c->client.ip, &c->server.ip);     /* for the diagnosis's rules */
    tls_hello_text(c, false, hello, sizeof(hello));
    const char *an_s = tls_alert_name(c->alert_desc, an, sizeof(an));
    switch (c->fail) {
    case TLS_FAIL_ALERT:
        if (c->alert_encrypted)
            findings_fmt(line, sizeof(line), "the %s sent an encrypted alert before the "
                         "handshake ended", side(c->alert_from));
        else
            findings_fmt(line, sizeof(line), "the %s sent the alert %s (%u)",
                         side(c->alert_from), an_s, (unsigned)c->alert_desc);
        what = line;
        break;
    case TLS_FAIL_ENC_ALERT:
        what = "the client refused the server's handshake (TLS 1.3: an encrypted alert, the "
               "size of one, instead of its Finished)";
        break;
    case TLS_FAIL_NO_SERVER_HELLO:
        what = c->closed_by == 2 ? "the server closed the connection without answering the "
                                   "ClientHello"
               : c->closed_by == 1 ? "the client gave up: the server never answered the "
                                     "ClientHello"
                                   : "the server never answered the ClientHello";
        break;
    case TLS_FAIL_CLOSED:
        what = c->closed_by == 1 ? "the client closed the connection during the handshake"
                                 : "the server closed the connection during the handshake";
        break;
    case TLS_FAIL_REFUSED:
        what = "the server refused the client right after the handshake (TLS 1.3: its first "
               "record an encrypted alert, the size of one, then the close)";
        break;
    case TLS_FAIL_NO_DATA:
        what = c->alert_encrypted && c->alert_from == TLS_SIDE_SERVER
                   ? "the handshake ended, then the server sent an alert and the connection "
                     "closed before any SIP"
                   : "the handshake ended, then the connection closed before any SIP";
        break;
    default:
        what = "the handshake failed";
        break;
    }
    finding_summary(f, "TLS handshake to %s failed: %s (%s); %llu connection(s) failed",
                    entity, what, hello, (unsigned long long)f->f.count);
    tls_hello_text(c, true, offer, sizeof(offer));
    tls_client_text(c, from, sizeof(from));
    findings_fmt(ch, sizeof(ch), "from %s, %s", from, offer);
    if (c->ch_frame)
        finding_cite(k->fs, f, c->ch_frame, c->ch_us, "ClientHello", ch);
    if (c->sh_frame)
        finding_cite(k->fs, f, c->sh_frame, c->sh_us, "ServerHello", hello);
    if (c->cert_frame) {
        tls_cert_text(c, cert, sizeof(cert));
        finding_cite(k->fs, f, c->cert_frame, c->cert_us, "server certificate", cert);
    }
    if (c->alert)
        finding_cite(k->fs, f, c->alert_frame, c->alert_us,
                     c->alert_from == TLS_SIDE_CLIENT ? "alert from client" : "alert from server",
                     c->alert_encrypted ? "encrypted alert" : an_s);
    if (c->close_frame)
        finding_cite(k->fs, f, c->close_frame, c->close_us,
                     c->reset ? "connection reset" : "connection closed",
                     c->closed_by == 1 ? "by the client" : "by the server");
    if (!finding_new(f))
        return;
    /* What the certificate shows comes first: it is seen, not guessed. */
    if (c->cert_problems) {
        tls_cert_problem_text(c, bad, sizeof(bad));
        finding_cause(f, "the server's certificate %s", bad);
    }
    if (c->fail == TLS_FAIL_ALERT && !c->alert_encrypted) {
        alert_advice(f, c);
    } else if (c->fail == TLS_FAIL_ENC_ALERT) {
        finding_cause(f, "the PBX does not trust the server's certificate (unknown CA, name not "
                         "the configured host, expired)");
        finding_fix(f, "Check the PBX's CA bundle and that the trunk host equals a name in the "
                       "carrier's certificate; `openssl s_client -connect HOST:PORT "
                       "-servername HOST` shows the chain");
    } else if (c->fail == TLS_FAIL_NO_SERVER_HELLO) {
        char off[48];
        tls_versions_text(c->offered, off, sizeof(off));
        if (!(c->offered & (TLS_VBIT(TLS_V_12) | TLS_VBIT(TLS_V_13))))
            finding_cause(f, "the client offers only %s; the server wants TLS 1.2 or later", off);
        finding_cause(f, "no TLS version or cipher suite in common, or the SNI is one the "
                         "server does not serve (SNI %s)", c->sni[0] ? c->sni : "none");
        finding_cause(f, "the port is not a TLS port, or a firewall/IPS cuts TLS");
        finding_fix(f, "Try the handshake by hand: `openssl s_client -connect HOST:PORT "
                       "-servername HOST -tls1_2` (and -tls1_3)");
    } else if (c->fail == TLS_FAIL_REFUSED) {
        finding_cause(f, "the carrier requires a client certificate (mutual TLS) and the PBX "
                         "sent none, or one it does not trust (TLS 1.3 hides which: "
                         "certificate_required or unknown_ca; --tls-keylog shows it)");
        finding_fix(f, "Configure a client certificate and key on the PBX's TLS transport, from "
                       "a CA the carrier trusts, with its whole chain");
    } else if (c->fail == TLS_FAIL_NO_DATA) {
        finding_cause(f, "the server refused the client after the handshake (mutual TLS: the "
                         "client certificate is missing or not trusted)");
        finding_cause(f, "the PBX opened the connection and had nothing to send (a probe)");
        finding_fix(f, "If the carrier requires mutual TLS, configure the PBX's client "
                       "certificate; otherwise check the PBX log for why it closed");
    } else {
        finding_cause(f, "the %s gave up during the handshake (certificate or parameters "
                         "refused without an alert)", c->closed_by == 1 ? "client" : "server");
        finding_fix(f, "Look at the PBX's TLS log; `openssl s_client -connect HOST:PORT "
                       "-servername HOST` shows where the handshake stops");
    }
    bool said = c->fail == TLS_FAIL_ALERT && c->alert_from == TLS_SIDE_SERVER &&
                (c->alert_desc == 40 || c->alert_desc == 71 || c->alert_desc == 116);
    if (c->cert_requested && c->client_cert_empty && !said)
        finding_cause(f, "the server asked for a client certificate and the client sent none");
}

const struct kind kind_tls_failed = {
    KIND_TLS_FAILED, 0, on_event, NULL,
    KEV_BIT(KEV_TLS)
};
