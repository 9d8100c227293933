/*
 * tls_encrypted.c — kind tls_encrypted: a TLS handshake worked and SIP (or
 * whatever the connection carries) flows encrypted, so sipscope cannot see
 * it and its verdict covers only what was visible. Says what the handshake
 * chose and how to see inside (--tls-keylog, HEP), and, with a key log,
 * why it could not be opened. A warning on purpose: a trunk sipscope could
 * not look into is never reported healthy. Not raised when --tls-keylog
 * opened every record: that SIP is analysed like any other. One finding per (client,
 * server); count = connections. From KEV_TLS / TLS_EV_ESTABLISHED.
 * Thread: the analysis thread.
 */
#include "correlate/correlate.h"

static void on_event(struct kind_ctx *k, const struct kind_event *ev)
{
    const struct tls_conn *c = ev->tls;
    char entity[128], hello[192], cert[SNAP_TEXT], from[ADDR_STRLEN + 8], line[SNAP_TEXT];

    if (ev->type != KEV_TLS || ev->tls_ev != TLS_EV_ESTABLISHED)
        return;
    if (c->keys == TLS_KEYS_OK && c->undecryptable == 0)
        return;     /* --tls-keylog opened it: its SIP is analysed like any other */
    tls_entity(c, entity, sizeof(entity));
    struct finding *f = kind_raise(k, KIND_TLS_ENCRYPTED, SEV_WARNING, entity, c->est_us,
                                     NULL);
    if (f == NULL)
        return;
    finding_about(f, &c->client.ip, &c->server.ip);     /* for the diagnosis's folding */
    tls_hello_text(c, false, hello, sizeof(hello));
    finding_about(f, &c->client.ip, &c->server.ip);     /* the peer, for the diagnosis */
    finding_summary(f, "SIP over TLS to %s is encrypted (%s; %llu connection(s)): sipscope cannot "
                       "see it, so the verdict covers only what was visible",
                    entity, hello, (unsigned long long)f->f.count);
    tls_client_text(c, from, sizeof(from));
    findings_fmt(line, sizeof(line), "from %s", from);
    if (c->ch_frame)
        finding_cite(k->fs, f, c->ch_frame, c->ch_us, "ClientHello", line);
    if (c->sh_frame)
        finding_cite(k->fs, f, c->sh_frame, c->sh_us, "ServerHello", hello);
    if (c->cert_frame) {
        tls_cert_text(c, cert, sizeof(cert));
        finding_cite(k->fs, f, c->cert_frame, c->cert_us, "server certificate", cert);
    }
    finding_cite(k->fs, f, c->est_frame, c->est_us, "handshake finished", NULL);
    if (!finding_new(f))
        return;
    finding_cause(f, "the trunk signals over TLS; the handshake worked");
    if (c->keys == TLS_KEYS_MISSING)
        finding_cause(f, "the --tls-keylog file has no secrets for this connection (its "
                         "client random): the PBX wrote no key log when it connected");
    else if (c->keys == TLS_KEYS_UNSUPPORTED)
        finding_cause(f, "the cipher suite or TLS version is not one sipscope decrypts "
                         "(TLS 1.3; TLS 1.2 with AES-GCM, ChaCha20-Poly1305 or AES-CBC "
                         "with HMAC)");
    else if (c->keys == TLS_KEYS_OK)
        finding_cause(f, "%llu record(s) could not be decrypted (a lost segment or a key "
                         "log out of step)", (unsigned long long)c->undecryptable);
    finding_fix(f, "To see the SIP, run with --tls-keylog FILE, where FILE is the key log the "
                   "PBX's TLS library writes when started with SSLKEYLOGFILE=FILE (chmod 600)");
    finding_fix(f, "Or capture on the PBX with HEP: Asterisk res_hep_pjsip, FreeSWITCH "
                   "capture-server, Kamailio siptrace (sipscope --hep-in PORT)");
}

const struct kind kind_tls_encrypted = {
    KIND_TLS_ENCRYPTED, 0, on_event, NULL,
    KEV_BIT(KEV_TLS)
};
