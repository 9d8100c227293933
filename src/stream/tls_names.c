/*
 * tls_names.c — names of TLS protocol versions, cipher suites (IANA TLS
 * registry, the suites SIP trunks and PBXs offer) and alert descriptions
 * (RFC 8446 §6, RFC 5246 §7.2), for the findings and the reports (tls.h).
 * Constant data, any thread.
 */
#include <stdio.h>
#include <string.h>

#include "tls.h"

const char *tls_version_name(uint16_t v, char *buf, size_t len)
{
    switch (v) {
    case TLS_V_SSL3: return "SSL 3.0";
    case TLS_V_10: return "TLS 1.0";
    case TLS_V_11: return "TLS 1.1";
    case TLS_V_12: return "TLS 1.2";
    case TLS_V_13: return "TLS 1.3";
    default:
        snprintf(buf, len, "0x%04x", (unsigned)v);
        return buf;
    }
}

static const struct { uint16_t id; const char *name; } ciphers[] = {
    { 0x1301, "TLS_AES_128_GCM_SHA256" },
    { 0x1302, "TLS_AES_256_GCM_SHA384" },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
    { 0x1304, "TLS_AES_128_CCM_SHA256" },
    { 0x1305, "TLS_AES_128_CCM_8_SHA256" },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
    { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
    { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
    { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
    { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
    { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
    { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
    { 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
    { 0x5600, "TLS_FALLBACK_SCSV" },
};

const char *tls_cipher_name(uint16_t c, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
        if (ciphers[i].id == c)
            return ciphers[i].name;
    snprintf(buf, len, "0x%04x", (unsigned)c);
    return buf;
}

static const char *const alerts[] = {
    [0] = "close_notify", [10] = "unexpected_message", [20] = "bad_record_mac",
    [21] = "decryption_failed", [22] = "record_overflow", [30] = "decompression_failure",
    [40] = "handshake_failure", [41] = "no_certificate", [42] = "bad_certificate",
    [43] = "unsupported_certificate", [44] = "certificate_revoked",
    [45] = "certificate_expired", [46] = "certificate_unknown", [47] = "illegal_parameter",
    [48] = "unknown_ca", [49] = "access_denied", [50] = "decode_error", [51] = "decrypt_error",
    [60] = "export_restriction", [70] = "protocol_version", [71] = "insufficient_security",
    [80] = "internal_error", [86] = "inappropriate_fallback", [90] = "user_canceled",
    [100] = "no_renegotiation", [109] = "missing_extension", [110] = "unsupported_extension",
    [111] = "certificate_unobtainable", [112] = "unrecognized_name",
    [113] = "bad_certificate_status_response", [114] = "bad_certificate_hash_value",
    [115] = "unknown_psk_identity", [116] = "certificate_required",
    [120] = "no_application_protocol",
};

const char *tls_alert_name(uint8_t desc, char *buf, size_t len)
{
    if (desc < sizeof(alerts) / sizeof(alerts[0]) && alerts[desc] != NULL)
        return alerts[desc];
    snprintf(buf, len, "alert %u", (unsigned)desc);
    return buf;
}

const char *tls_versions_text(uint8_t offered, char *buf, size_t len)
{
    size_t o = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (uint16_t v = TLS_V_SSL3; v <= TLS_V_13; v++) {
        char tmp[16];
        if (!(offered & TLS_VBIT(v)))
            continue;
        int w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", tls_version_name(v, tmp, sizeof(tmp)));
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    if (o == 0)
        snprintf(buf, len, "none");
    return buf;
}
