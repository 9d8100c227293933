#!/bin/sh
# lab_live.sh — the lab itself: make three captures afresh with real
# kamailio and sipp in new network namespaces (tests/lab/make-lab-pcaps.sh
# with LAB_OUT in a temporary directory) and check that they state the same
# facts (kinds, entities, evidence frames, carrier codes, password verdicts,
# message counts) as the committed ones, i.e. the lab is re-runnable and
# deterministic; and that its namespaces are gone afterwards.
# Needs root and the lab tools; skips (77) otherwise.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in kamailio sipp tcpdump tshark mergecap nft ip python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
ip netns add "labprobe$$" 2>/dev/null || { echo "cannot create network namespaces here"; exit 77; }
ip netns del "labprobe$$"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
names="clean auth_rejected_403 ip_rejected"
# shellcheck disable=SC2086
if ! LAB_OUT="$tmp" timeout 120 tests/lab/make-lab-pcaps.sh $names 2>"$tmp/log"; then
    echo "FAIL: make-lab-pcaps.sh failed"; tail -30 "$tmp/log"; exit 1
fi
fail=0
for n in $names; do
    grep -vE '^(#|msg )' "pcaps/lab/$n.expect" >"$tmp/$n.want"
    grep -vE '^(#|msg )' "$tmp/$n.expect" >"$tmp/$n.got"
    if ! diff -u "$tmp/$n.want" "$tmp/$n.got"; then
        echo "FAIL: $n: a fresh capture states other facts than pcaps/lab/$n.expect"; fail=1
    fi
done
for ns in $(sed -n 's/^lab: up: \([^ ]*\) .* <-> \([^ ]*\) .*/\1 \2/p' "$tmp/log"); do
    if ip netns list | grep -q "^$ns\b"; then echo "FAIL: namespace $ns left behind"; fail=1; fi
done
echo "lab_live: $names re-made and compared"
exit $fail
