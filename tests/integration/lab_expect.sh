#!/bin/sh
# lab_expect.sh — every lab capture (pcaps/lab/*.pcap) has its expectation
# file, and that file is exactly what tshark reads from the capture today
# (tests/lab/expect.py): the facts the engine tests assert were never
# typed by hand and have not drifted from the bytes. Also: no password from
# tests/lab/accounts.txt appears in an expectation file.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
ls pcaps/lab/*.pcap >/dev/null 2>&1 || { echo "no lab captures"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for p in pcaps/lab/*.pcap; do
    name=$(basename "$p" .pcap)
    n=$((n + 1))
    if [ ! -f "pcaps/lab/$name.expect" ]; then
        echo "FAIL: $name.pcap has no $name.expect"; fail=1; continue
    fi
    if ! python3 tests/lab/expect.py "$name" "$p" >"$tmp/$name.expect"; then
        echo "FAIL: expect.py failed on $name.pcap"; fail=1; continue
    fi
    if ! diff -u "pcaps/lab/$name.expect" "$tmp/$name.expect" >"$tmp/diff"; then
        echo "FAIL: $name.expect differs from what tshark reads:"; head -20 "$tmp/diff"; fail=1
    fi
    grep -q '^kind ' "pcaps/lab/$name.expect" || { echo "FAIL: $name.expect states no kind"; fail=1; }
done
awk '!/^#/ && NF == 2 { print $2 }' tests/lab/accounts.txt >"$tmp/pw"
if grep -F -f "$tmp/pw" pcaps/lab/*.expect pcaps/lab/README.md >/dev/null 2>&1; then
    echo "FAIL: a lab password appears in pcaps/lab/"; fail=1
fi
echo "lab_expect: $n capture(s) checked"
[ $n -ge 12 ] || { echo "FAIL: expected at least the 12 diagnosis captures, found $n"; fail=1; }
exit $fail
