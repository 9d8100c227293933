#!/bin/sh
# fuzz_replay.sh — every input in tests/fuzz/regressions/<target>/ (inputs that
# once crashed a parser) and a handful of seeds per target (made from the
# shared captures by tests/fuzz/make-corpus.py) run through the fuzz targets'
# LLVMFuzzerTestOneInput with tests/fuzz/replay.c, built with gcc + ASan/UBSan
# against $SIPSCOPE_BUILD/libsipscope.a. A sanitizer report, crash or
# timeout fails the test; a target whose module has not landed (undefined
# references when linking) is skipped with a message; all skipped: exit 77.
set -u
cd "$(dirname "$0")/../.."
LIB=${SIPSCOPE_BUILD:?}/libsipscope.a
[ -f "$LIB" ] || { echo "no $LIB"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/h7replay.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

PKGS="libpcap libmaxminddb json-c inih nettle gnutls ncursesw"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Isrc -Itests/fuzz $(pkg-config --cflags $PKGS libosip2 2>/dev/null)"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null) -losipparser2 -lpthread -lm"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

python3 tests/fuzz/make-corpus.py --shared "${SHARED:-../shared}" --out "$T/seeds" --max 12 >/dev/null 2>&1 ||
    echo "note: seed extraction failed; replaying regressions only"

ran=0 failed=0 skipped=""
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    # shellcheck disable=SC2086
    if ! ${CC:-cc} $CFLAGS $SAN -o "$T/$t" "$src" tests/fuzz/replay.c "$LIB" $LIBS 2>"$T/$t.log"; then
        if grep -q 'undefined reference' "$T/$t.log" && ! grep -qE '\.[ch]:[0-9]+:[0-9]+: error:' "$T/$t.log"; then
            skipped="$skipped $t"
            echo "SKIP $t: $(grep -m1 -o "undefined reference to \`[a-z_0-9]*'" "$T/$t.log") (module not landed)"
            continue
        fi
        echo "FAIL $t: does not compile"; cat "$T/$t.log"; failed=$((failed + 1)); continue
    fi
    set --
    [ -d "tests/fuzz/regressions/$t" ] && set -- "$@" "tests/fuzz/regressions/$t"
    [ -d "$T/seeds/$t" ] && set -- "$@" "$T/seeds/$t"
    [ $# -gt 0 ] || { echo "---- $t: no inputs"; continue; }
    n=$(find "$@" -type f | wc -l)
    if timeout 300 "$T/$t" "$@" >"$T/$t.run" 2>&1; then
        echo "ok   $t: $n inputs"
        ran=$((ran + 1))
    else
        echo "FAIL $t (exit $?): $n inputs from $*"
        tail -40 "$T/$t.run"
        failed=$((failed + 1))
    fi
done
echo "fuzz_replay: $ran targets replayed, $failed failed, skipped:${skipped:- none}"
[ $failed -eq 0 ] || exit 1
[ $ran -gt 0 ] || exit 77
exit 0
