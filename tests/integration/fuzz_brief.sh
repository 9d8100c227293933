#!/bin/sh
# fuzz_brief: every libFuzzer target must build and survive a short run in
# CI (FUZZ_CI_SECONDS each, default 20), so a regression that a fuzzer finds
# in seconds shows up in `make check`. Long runs are `make fuzz`
# (FUZZ_SECONDS). A crash input lands in tests/fuzz/regressions/ for
# fuzz_replay to keep replaying once fixed.
set -u
cd "$(dirname "$0")/../.."
command -v clang >/dev/null 2>&1 || command -v clang-14 >/dev/null 2>&1 ||
    { echo "clang not installed (scripts/install-deps installs it)"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
FUZZ_SECONDS=${FUZZ_CI_SECONDS:-20} scripts/fuzz.sh >"$log" 2>&1
rc=$?
grep -E '^fuzz: fuzz_[a-z_]+: ' "$log"
want=$(ls tests/fuzz/fuzz_*.c | wc -l)
ran=$(grep -cE '^fuzz: fuzz_[a-z_]+: [0-9]+ execs' "$log")
if grep -q 'does not build' "$log"; then
    echo "FAIL: a fuzz target does not build:"; grep -A3 'does not build' "$log"; exit 1
fi
if [ "$ran" -ne "$want" ]; then
    echo "FAIL: $ran of $want fuzz targets ran"; tail -30 "$log"; exit 1
fi
if [ $rc -ne 0 ] || grep -q 'NEW tests/fuzz/regressions' "$log"; then
    echo "FAIL: a fuzz target crashed (input kept under tests/fuzz/regressions/)"; tail -40 "$log"; exit 1
fi
echo "fuzz_brief: $ran targets, ${FUZZ_CI_SECONDS:-20}s each, no crash"
