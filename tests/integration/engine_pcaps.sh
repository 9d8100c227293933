#!/bin/sh
# engine_pcaps.sh — the diagnosis engine on the shared third-party captures
# (../shared/pcaps, MANIFEST.md; expected frames read with tshark): wrong
# password → auth_rejected with the exact frames, a one-sided capture →
# no_response, friendly-scanner → scanner, healthy calls → nothing of
# severity warning or worse; every JSON report matches docs/json-schema.md.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
[ -d "${SIPSCOPE_SHARED_PCAPS:-}" ] || { echo "no shared captures"; exit 77; }
python3 tests/integration/engine_check.py probe || exit $?
python3 tests/integration/engine_check.py shared "$SIPSCOPE_SHARED_PCAPS"
