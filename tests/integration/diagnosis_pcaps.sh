#!/bin/sh
# diagnosis_pcaps.sh — the root cause first, on every shared and lab capture
# (tests/diagnosis/expected.tsv; what is checked: diagnosis_pcaps.py).
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
exec python3 tests/integration/diagnosis_pcaps.py
