#!/bin/sh
# engine_lab_network.sh — nat_rewrite (both sides of the NAT), keepalive_failed,
# multi_site, wrong_region (--profiles tests/lab/profiles) and
# unexpected_peer (--config) through `sipscope -r ... --report json` on the
# lab captures (pcaps/lab/, facts from tshark in NAME.expect); the
# correct-NAT and clean captures must stay clean. A binary that crashes
# or prints bad JSON fails.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
exec python3 tests/integration/engine_network.py
