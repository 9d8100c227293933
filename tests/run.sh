#!/bin/sh
# tests/run.sh — run every test: the cmocka unit binaries under $BUILD/tests/
# (any depth: $BUILD/tests/<stage>/test_* or the flat $BUILD/tests/test_*),
# then each tests/integration/*.sh (given SIPSCOPE=path of the binary under
# test). The last line is the plain summary "check: N passed, N failed,
# N skipped".
#
# Outcomes:
#   pass  exit 0, and for a unit binary: at least one test ran, none skipped
#   skip  exit 77 (integration), or a unit binary in which cmocka skipped a
#         test ("[ SKIPPED ]", one or more spaces) or that ran 0 tests; the
#         skipped tests and the reason printed before them are shown
#   fail  anything else
# Under CI (CI=true) or with SIPSCOPE_STRICT=1, a skip is a failure: `make
# check` installs every tool the tests need, so a skip there means a test
# silently did not check what it should. SIPSCOPE_STRICT=0 turns this off.
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

strict=0
[ "${CI:-}" = true ] && strict=1
case "${SIPSCOPE_STRICT:-}" in 1) strict=1 ;; 0) strict=0 ;; esac
export SIPSCOPE_STRICT=$strict

# cmocka prints "[  SKIPPED ] name" (spacing varies between versions) per
# skipped test, then "[  SKIPPED ] N test(s), listed below:" and the names
# again: count the names once, from the per-test lines before the summary.
SKIP_RE='^\[ *SKIPPED *\] '
log="$BUILD/log.$$.txt"
pass=0 fail=0 skip=0 failed="" skipped=""

skip_or_fail() {    # name, why
    if [ "$strict" -eq 1 ]; then
        fail=$((fail + 1)); failed="$failed $1"
        echo "FAIL  $1: skipped under CI/SIPSCOPE_STRICT=1 (make check installs every" \
            "tool the tests need, so a skip is a failure): $2"
    else
        skip=$((skip + 1)); skipped="$skipped $1"
        echo "SKIP  $1: $2"
    fi
}

run_one() {    # kind (unit|integration), name, command...
    kind=$1 name=$2; shift 2
    case "$name" in *"$only"*) ;; *) return ;; esac
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    if [ "$kind" = unit ] && [ $rc -eq 0 ]; then
        ran=$(sed -n 's/^\[=*\] \([0-9]*\) test(s) run\..*/\1/p' "$log" | tail -1)
        # per-test skip lines come before the "N test(s), listed below" summary
        names=$(awk -v re="$SKIP_RE" '$0 ~ re && /test\(s\)/ {exit} $0 ~ re {print $NF}' "$log" |
            sort -u | tr '\n' ' ')
        nskip=$(printf '%s' "$names" | wc -w)
        if [ -z "$ran" ] || [ "$ran" -eq 0 ]; then
            why=$(grep -v '^\[' "$log" | grep -v '^ *[0-9]* SKIPPED' | grep . | tail -2 | tr '\n' ' ')
            skip_or_fail "$name" "ran ${ran:-no} test(s) (${secs}s) ${names:+[$names] }${why}"
            return
        fi
        if [ "$nskip" -gt 0 ]; then
            why=$(grep -v '^\[' "$log" | grep -v '^ *[0-9]* SKIPPED' | grep . | tail -2 | tr '\n' ' ')
            skip_or_fail "$name" "$nskip of $ran test(s) skipped: $names(${secs}s) ${why}"
            return
        fi
    fi
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); echo "PASS  $name (${secs}s)"
        grep -E '^\[ *(PASSED|FAILED) *\]|^\[==========\]' "$log" | tail -2 | sed 's/^/      /'
    elif [ $rc -eq 77 ]; then
        skip_or_fail "$name" "exit 77 (${secs}s): $(grep . "$log" | tail -1)"
    else
        fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc, ${secs}s)"
        tail -40 "$log" | sed 's/^/      /'
    fi
    rm -f "$log"
}

# Unit binaries at any depth; where a stale copy of the same test sits in
# the other layout (during a move), only the newest build of it runs.
units=$(find "$BUILD/tests" -type f -name 'test_*' -perm -u+x -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | awk '{ n = $2; sub(/.*\//, "", n); if (!(n in seen)) { seen[n] = 1; print $2 } }' |
    sort)
[ -n "$units" ] || [ -n "$only" ] || { echo "FAIL  unit: no test binaries under $BUILD/tests"; fail=$((fail + 1)); failed="$failed unit"; }
for t in $units; do
    run_one unit "unit/${t#"$BUILD"/tests/}" "$t"
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    run_one integration "integration/$(basename "$t" .sh)" sh "$t"
done
rm -f "$log"

[ -n "$skipped" ] && echo "skipped:$skipped"
[ -n "$failed" ] && echo "failed:$failed"
echo "check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
