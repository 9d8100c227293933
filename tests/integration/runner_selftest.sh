#!/bin/sh
# runner_selftest.sh — tests/run.sh itself: a cmocka binary that skips a test
# (cmocka's own output, one space or two), or runs none, is counted as
# skipped and never as passed; under CI=true a skip fails the run; a binary
# that passes is a pass. Fake unit binaries in a scratch BUILD directory.
set -u
cd "$(dirname "$0")/../.."
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
B="build/selftest.$$"; mkdir -p "$B/tests/x"; trap 'rm -rf "$T" "$B"' EXIT
fake() {    # name, body lines printed by the fake test binary, exit code
    printf '#!/bin/sh\ncat <<"X"\n%s\nX\nexit %s\n' "$2" "$3" >"$B/tests/x/$1"; chmod +x "$B/tests/x/$1"
}
fake test_selfskip2 '[==========] Running 1 test(s).
[ RUN      ] t1
[  SKIPPED ] t1
[==========] 1 test(s) run.
[  PASSED  ] 0 test(s).
[  SKIPPED ] 1 test(s), listed below:
[  SKIPPED ] t1' 0
fake test_selfskip1 '[==========] Running 1 test(s).
[ RUN      ] t1
[ SKIPPED ] t1
[==========] 1 test(s) run.
[ PASSED ] 0 test(s).
[ SKIPPED ] 1 test(s), listed below:
[ SKIPPED ] t1' 0
fake test_selfnone '[==========] Running 0 test(s).
[==========] 0 test(s) run.
[  PASSED  ] 0 test(s).' 0
fake test_selfok '[==========] Running 1 test(s).
[ RUN      ] t1
[       OK ] t1
[==========] 1 test(s) run.
[  PASSED  ] 1 test(s).' 0
fail=0
out=$(env -u CI SIPSCOPE_STRICT=0 BUILD="$B" TESTS=test_self sh tests/run.sh 2>&1)
for t in selfskip2 selfskip1 selfnone; do
    echo "$out" | grep -q "^SKIP  unit/x/test_$t" || { echo "FAIL: test_$t not reported as skipped"; fail=1; }
done
echo "$out" | grep -q "^PASS  unit/x/test_selfok" || { echo "FAIL: test_selfok not a pass"; fail=1; }
echo "$out" | tail -1 | grep -qx 'check: 1 passed, 0 failed, 3 skipped' ||
    { echo "FAIL: summary '$(echo "$out" | tail -1)'"; fail=1; }
if CI=true BUILD="$B" TESTS=test_selfskip sh tests/run.sh >"$T/ci" 2>&1; then
    echo "FAIL: under CI=true a skipped test did not fail the run"; fail=1
fi
[ $fail -eq 0 ] || { echo "$out"; exit 1; }
echo "runner_selftest: skips counted as skips, strict under CI"
