#!/bin/sh
# tls_pcaps.sh — the TLS scenarios of tls_lab.sh on the captures it made once
# (pcaps/tls/, TLS_LAB_KEEP=pcaps/tls): the same assertions (tls_check.py
# for the handshakes, tls_decrypt_check.py for --tls-keylog, tshark as the
# oracle) without namespaces, kamailio or root, so a change to the TLS
# tracker, the decryption or the tls_* kinds is caught wherever the suite runs.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
command -v tshark >/dev/null || { echo "SKIP: tshark missing"; exit 77; }
fail=0
python3 tests/integration/tls_check.py "$SIPSCOPE" pcaps/tls || fail=1
python3 tests/integration/tls_decrypt_check.py "$SIPSCOPE" pcaps/tls dec13_aes128 dec13_aes256 \
    dec13_chacha dec12_aes128 dec12_aes256 dec12_chacha dec12_rsa dec12_cbc128_sha \
    dec12_cbc256_sha_mte dec12_cbc128_sha256_mte dec12_cbc256_sha384 dec12_cbc256_sha384_mte \
    dec12_rsa_cbc_mte || fail=1
[ $fail -eq 0 ] && echo "tls_pcaps: all scenarios as expected"
exit $fail
