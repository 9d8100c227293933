#!/bin/sh
# engine_lab.sh — the diagnosis engine on the lab captures made with real
# kamailio + sipp (pcaps/lab/, expectations from tshark in NAME.expect):
# exact kinds, entities, evidence frames and carrier codes, password
# verdicts with --secrets, and nothing of severity warning or worse on the
# clean capture. A binary that crashes or prints bad JSON fails.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
ls pcaps/lab/*.expect >/dev/null 2>&1 || { echo "no lab captures yet"; exit 77; }
python3 tests/integration/engine_check.py probe || exit $?
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
secrets=""
if [ -f tests/lab/secrets.txt ]; then
    cp tests/lab/secrets.txt "$tmp/secrets.txt" && chmod 600 "$tmp/secrets.txt"
    secrets="$tmp/secrets.txt"
fi
python3 tests/integration/engine_check.py lab pcaps/lab $secrets
