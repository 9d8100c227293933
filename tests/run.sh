#!/bin/sh
# tests/run.sh — run every test: the cmocka unit binaries in $BUILD/tests/,
# then each tests/integration/*.sh (given SIPSCOPE=path of the binary under
# test). An integration script exits 0 (pass), 77 (skipped: counted as
# skipped, never as passed) or anything else (fail). The last line is the
# plain summary "check: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/asan}
export SIPSCOPE="$PWD/$BUILD/sipscope"
export SIPSCOPE_BUILD="$PWD/$BUILD"
export SHARED="${SHARED:-$(cd .. && pwd)/shared}"
export SIPSCOPE_SHARED_PCAPS="$SHARED/pcaps"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
only=${TESTS:-}

pass=0 fail=0 skip=0 failed=""
run_one() {
    name=$1; shift
    case "$name" in *"$only"*) ;; *) return ;; esac
    start=$(date +%s)
    "$@" >"$BUILD/log.$$.txt" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); echo "PASS  $name (${secs}s)"
        grep -E '^\[  (PASSED|FAILED|SKIPPED)  \]|^\[==========\]' "$BUILD/log.$$.txt" | tail -3 | sed 's/^/      /'
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1)); echo "SKIP  $name: $(tail -1 "$BUILD/log.$$.txt")"
    else
        fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc)"
        tail -40 "$BUILD/log.$$.txt" | sed 's/^/      /'
    fi
    rm -f "$BUILD/log.$$.txt"
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    run_one "integration/$(basename "$t" .sh)" sh "$t"
done

[ -n "$failed" ] && echo "failed:$failed"
echo "check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
