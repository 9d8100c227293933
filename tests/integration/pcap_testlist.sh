#!/bin/sh
# pcap_testlist.sh — run every tests/pcap/TESTLIST entry through the real
# binary and diff its stdout with the expected file (tcpdump's TESTLIST way).
# A missing capture or expected file is a failure, never a skip.
set -u
: "${SIPSCOPE:?}"
cd "$(dirname "$0")/../.."
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0 n=0
grep -v '^[[:space:]]*#' tests/pcap/TESTLIST | grep -v '^[[:space:]]*$' >"$T/list"
while read -r name cap exp opts; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # options are words by design
    "$SIPSCOPE" -r "$cap" $opts >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -gt 1 ]; then
        echo "FAIL $name: exit $rc: $(head -3 "$T/err")"; fail=$((fail + 1)); continue
    fi
    if ! diff -u "tests/pcap/expected/$exp" "$T/out" >"$T/diff" 2>&1; then
        echo "FAIL $name: output differs from tests/pcap/expected/$exp"; head -20 "$T/diff"
        fail=$((fail + 1)); continue
    fi
    echo "ok   $name"
done <"$T/list"
[ "$n" -gt 0 ] || { echo "FAIL: TESTLIST has no entries"; exit 1; }
echo "pcap_testlist: $((n - fail))/$n as expected"
[ $fail -eq 0 ]
