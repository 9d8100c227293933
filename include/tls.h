/*
 * tls.h — what the stream stage learns about one TLS connection (RFC 8446,
 * RFC 5246) from its cleartext handshake, handed to the engine, which turns
 * it into the tls_* findings (docs/findings.md).
 *
 * Flow: reasm_tcp → frame (TLS records) → stream/tls.c fills a struct
 * tls_conn → the decoder's tls sink (pipeline.c) → engine_tls → kinds.
 * A struct tls_conn is a self-contained copy: fixed strings, no pointers,
 * never a key or a secret. It is valid only during the sink call.
 *
 * Thread: the analysis thread. The name functions: any thread.
 */
#ifndef SIPSCOPE_TLS_H
#define SIPSCOPE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* Protocol versions as on the wire. */
#define TLS_V_SSL3 0x0300
#define TLS_V_10 0x0301
#define TLS_V_11 0x0302
#define TLS_V_12 0x0303
#define TLS_V_13 0x0304
/* Bit of a version in tls_conn.offered (SSL 3.0 = bit 0 ... TLS 1.3 = bit 4). */
#define TLS_VBIT(v) ((uint8_t)(((v) >= TLS_V_SSL3 && (v) <= TLS_V_13) ? 1u << ((v) - TLS_V_SSL3) : 0))

/* Why the sink is called; each fires at most once per connection, in this
 * order of precedence (a failed connection is never also "established"). */
enum tls_event {
    TLS_EV_CERT = 1,        /* the server's certificate was parsed (TLS <= 1.2) */
    TLS_EV_FAILED,          /* the handshake failed (tls_conn.fail says how) */
    TLS_EV_ESTABLISHED,     /* both sides finished the handshake */
    TLS_EV_DONE,            /* the connection ended (close, time-out, eviction,
                             * end of input): final counts */
};

/* How a handshake failed. */
enum tls_fail {
    TLS_FAIL_NONE = 0,
    TLS_FAIL_ALERT,         /* a cleartext fatal alert (alert_desc) */
    TLS_FAIL_ENC_ALERT,     /* TLS 1.3: the client's first encrypted record has
                             * the size of an alert, then the close */
    TLS_FAIL_NO_SERVER_HELLO, /* the server closed (or never answered) after the ClientHello */
    TLS_FAIL_CLOSED,        /* closed after the ServerHello, before the handshake ended */
    TLS_FAIL_NO_DATA,       /* handshake ended, then closed before any application data */
    TLS_FAIL_REFUSED,       /* TLS 1.3: the server's first record after the client's
                             * Finished has the size of an alert, then the close
                             * (how a server refuses a client certificate) */
};

/* What is wrong with the server's certificate (tls_conn.cert_problems). */
#define TLS_CERT_EXPIRED 0x01       /* not_after before the capture time */
#define TLS_CERT_NOT_YET 0x02       /* not_before after the capture time */
#define TLS_CERT_NAME 0x04          /* the SNI is not among its names (SAN, else CN) */
#define TLS_CERT_SELF_SIGNED 0x08

/* Decryption (tls_conn.keys). */
#define TLS_KEYS_OFF 0              /* no --tls-keylog */
#define TLS_KEYS_MISSING 1          /* the key log has no secrets for its client random */
#define TLS_KEYS_UNSUPPORTED 2      /* a suite or version sipscope cannot open
                                     * (not AEAD or AES-CBC-HMAC; TLS < 1.2) */
#define TLS_KEYS_OK 3

#define TLS_SIDE_CLIENT 0
#define TLS_SIDE_SERVER 1

#define TLS_MAX_CIPHERS 24      /* offered cipher suites kept (the count goes on) */

struct tls_conn {
    uint64_t id;                /* serial: the id-th TLS connection seen (1 first) */
    struct endpoint client, server;
    bool midstream;             /* picked up without its ClientHello */
    uint64_t first_frame;
    int64_t first_us, last_us;

    /* ClientHello */
    uint64_t ch_frame;
    int64_t ch_us;
    uint16_t ch_version;        /* legacy_version */
    uint8_t offered;            /* TLS_VBIT()s: supported_versions, else the legacy version */
    bool legacy_offer;          /* no supported_versions: offered means "up to" */
    uint16_t n_ciphers;         /* offered (GREASE values left out) */
    uint16_t ciphers[TLS_MAX_CIPHERS];
    char sni[128];              /* server_name (host_name), "" when none */
    char alpn[64];              /* offered protocols, comma separated */

    /* ServerHello */
    uint64_t sh_frame;
    int64_t sh_us;
    uint16_t version;           /* negotiated (supported_versions in TLS 1.3), 0 before */
    uint16_t cipher;
    char alpn_chosen[32];
    bool hello_retry;           /* a HelloRetryRequest came first */
    bool encrypt_then_mac;      /* the server accepted encrypt_then_mac (RFC 7366) */
    bool cert_requested;        /* CertificateRequest: the server wants a client certificate */
    bool client_cert_empty;     /* ...and the client sent none (an empty Certificate) */

    /* The server's leaf certificate (cleartext only in TLS <= 1.2) */
    uint64_t cert_frame;
    int64_t cert_us;
    uint32_t n_certs;           /* certificates in the chain */
    bool cert_bad;              /* present but not parsed (malformed DER) */
    bool self_signed;           /* issuer equals subject */
    char subject[128];          /* CN (else O) of the subject */
    char issuer[128];           /* CN (else O) of the issuer */
    char san[192];              /* dNSName / iPAddress entries, comma separated */
    bool san_more;              /* more entries than san holds */
    int64_t not_before, not_after; /* Unix seconds */
    uint8_t cert_problems;      /* TLS_CERT_* against the SNI and the capture time */

    /* Alerts (RFC 8446 §6): the first fatal one, or the first of any level */
    bool alert;
    bool alert_encrypted;       /* the record type says alert, its content is encrypted */
    uint8_t alert_level, alert_desc, alert_from; /* alert_from: TLS_SIDE_* */
    uint64_t alert_frame;
    int64_t alert_us;

    /* Progress and end */
    enum tls_fail fail;
    uint64_t fail_frame;
    int64_t fail_us;
    bool established;
    uint64_t est_frame;
    int64_t est_us;
    uint64_t app_records[2], app_bytes[2];  /* application-data records by side */
    /* With --tls-keylog */
    uint8_t keys;               /* TLS_KEYS_* */
    uint64_t decrypted;         /* records opened */
    uint64_t undecryptable;     /* encrypted records that could not be opened */
    uint64_t sip_messages;      /* SIP messages framed from the plaintext */
    uint8_t closed_by;          /* 0 open, 1 client, 2 server (FIN or RST) */
    bool reset;                 /* closed by RST */
    uint64_t close_frame;
    int64_t close_us;
};

/* Event sink: called by the stream stage, owner thread, c valid during the call. */
typedef void (*tls_sink_fn)(void *ud, enum tls_event ev, const struct tls_conn *c);

/* "TLS 1.2", "SSL 3.0", "0x7f1c" (buf >= 16). */
const char *tls_version_name(uint16_t v, char *buf, size_t len);
/* IANA name "TLS_AES_128_GCM_SHA256", or "0xc0ff" in buf (>= 8). */
const char *tls_cipher_name(uint16_t c, char *buf, size_t len);
/* "handshake_failure", "unknown_ca", ... or "alert 201" in buf (>= 12). */
const char *tls_alert_name(uint8_t desc, char *buf, size_t len);
/* Offered versions as "TLS 1.2, TLS 1.3" (buf >= 48). */
const char *tls_versions_text(uint8_t offered, char *buf, size_t len);

#endif
