#!/bin/sh
# live_flags.sh — the monitoring and HEP flags' usage errors (sipscope(1)):
# each is one line on stderr naming the flag, nothing on stdout, exit 2,
# before any capture is opened; and a monitor reading a file prints only
# its alerts on stdout (--alerts -), one JSON object per line, exit 0.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--alerts' || { echo "FAIL: sipscope --help has no --alerts"; exit 1; }
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
fail=0
P=pcaps/lab/auth_rejected_403.pcap

usage() {   # usage WORD ARGS...: exit 2, one stderr line containing WORD
    want=$1; shift
    "$SIPSCOPE" "$@" >"$W/out" 2>"$W/err"
    rc=$?
    if [ $rc -ne 2 ] || [ -s "$W/out" ] || [ "$(wc -l <"$W/err")" -ne 1 ] ||
       ! grep -q -- "$want" "$W/err"; then
        echo "FAIL: sipscope $*: rc $rc, stderr: $(cat "$W/err")"; fail=1
    fi
}
usage "--messages" -r "$P" --messages --alerts "$W/a"
usage "--tui" -r "$P" --tui --metrics "$W/m"
usage "standard output" -r "$P" --alerts - -w -
usage "--hep-in" -r "$P" --hep-in 9060
usage "--hep-in" -i lo --hep-in 9060
usage "--hep-out" -r "$P" --hep-out hep.example.com:9060
usage "--hep-out" -r "$P" --hep-out 192.0.2.1
usage "--hep-id" -r "$P" --hep-id 4294967296
usage "--metrics-peers" -r "$P" --metrics "$W/m" --metrics-peers 0
usage "--metrics" -r "$P" --metrics -
usage "--report-file" -r "$P" --report-file ""
usage "--alerts" -r "$P" --alerts ""
usage "--hep-in" --hep-in 99999
usage "--hep-in" --hep-in "[2001:db8::1]"
[ -e "$W/a" ] || [ -e "$W/m" ] && { echo "FAIL: a refused run created an output file"; fail=1; }

# A monitor on a file: alerts on stdout only, valid NDJSON, exit 0.
"$SIPSCOPE" -q -r "$P" --alerts - >"$W/out" 2>"$W/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: monitor on a file exit $rc"; fail=1; }
python3 - "$W/out" <<'PY' || fail=1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
evs = [json.loads(l) for l in lines]
kinds = [(e["event"], e["kind"]) for e in evs]
if ("new", "auth_rejected") not in kinds:
    print("FAIL: no new auth_rejected on stdout: %s" % kinds); sys.exit(1)
PY
[ $fail -eq 0 ] && echo "live_flags: usage errors and stdout-only alerts ok"
exit $fail
