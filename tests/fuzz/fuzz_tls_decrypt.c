/*
 * fuzz_tls_decrypt.c — libFuzzer target for --tls-keylog: the key log
 * reader (src/config/keylog.c) and the record decryptor (tls_crypto.c and
 * the sealed-record path of tls.c: TLS 1.3 and 1.2 key derivation, AEAD
 * opening, inner content types, Finished/KeyUpdate key changes, decrypted
 * handshake messages and certificates, the plaintext SIP framer).
 *
 * Input format:
 *     key log text (NSS format) up to the first two zero bytes "\0\0",
 *     then the chunks of fuzz_tls.c (dir/FIN/RST/connection byte, 2-byte
 *     length, TCP payload).
 * The key log is written to a private 0600 file and opened as
 * --tls-keylog would; seeds pair the captures of pcaps/tls/ with their key
 * logs, so the fuzzer starts from records that decrypt.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_tls.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    char eb[ERRBUF_SIZE];
    struct keylog *kl = NULL;
    size_t kn = 0;

    if (size > 300000)
        return 0;
    while (kn + 1 < size && !(data[kn] == 0 && data[kn + 1] == 0))
        kn++;
    if (path[0] == '\0')
        snprintf(path, sizeof(path), "/tmp/fuzz_tls_decrypt.%ld", (long)getpid());
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 0;
    fchmod(fileno(f), 0600);
    fwrite(data, 1, kn, f);
    fclose(f);
    if (keylog_open(path, &kl, eb) == 0) {
        size_t off = kn + 2 <= size ? kn + 2 : size;
        fuzz_tls_run(kl, data + off, size - off);
        keylog_free(kl);
    }
    unlink(path);
    return 0;
}
