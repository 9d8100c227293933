#!/bin/sh
# tls_pcaps.sh — the TLS scenarios of tls_lab.sh on the captures it made once
# (pcaps/tls/, TLS_LAB_KEEP=pcaps/tls): the same assertions (tls_check.py,
# tshark as the oracle) without namespaces, kamailio or root, so a change to
# the TLS tracker or the tls_* kinds is caught wherever the suite runs.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
command -v tshark >/dev/null || { echo "SKIP: tshark missing"; exit 77; }
python3 tests/integration/tls_check.py "$SIPSCOPE" pcaps/tls && echo "tls_pcaps: all scenarios as expected"
