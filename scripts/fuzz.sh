#!/bin/bash
# fuzz.sh — build the libFuzzer targets (tests/fuzz/fuzz_*.c) and run each
# for FUZZ_SECONDS. Called by `make fuzz`.
#
#   scripts/fuzz.sh [TARGET...]        default: every tests/fuzz/fuzz_*.c
#
# The project's objects are compiled into build/fuzz/ by the Makefile with
# CC=clang and SAN="-fsanitize=fuzzer-no-link,address,undefined" (coverage
# instrumentation without libFuzzer's main); each target links them with
# -fsanitize=fuzzer. A target that does not link (its module has not landed
# yet) is reported and skipped, never silently passed.
#
# Corpora: build/fuzz/corpus/<target>/ (seeded by tests/fuzz/make-corpus.py
# from the shared captures; libFuzzer adds what it finds). Dictionary:
# tests/fuzz/sip.dict for the SIP-level targets. A crash leaves its input in
# tests/fuzz/regressions/<target>/ (named crash-<sha1>): commit it with the
# fix; tests/integration/fuzz_replay.sh replays it in `make check` forever.
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_JOBS (parallel targets,
# default 1: the machine is shared), FUZZ_RSS_MB (default 1024),
# FUZZ_BUILD_ONLY=1 (build, do not run), CLANG (default clang, else clang-14).
# Results: build/fuzz/results.tsv (target, seconds, execs, corpus, crashes).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
B=build/fuzz
SECS=${FUZZ_SECONDS:-60}
RSS=${FUZZ_RSS_MB:-1024}
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
[ -n "$CLANG" ] || { echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

SAN_LIB="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-error"
make --no-print-directory -j2 BUILD=$B CC="$CLANG" OPT=-O1 SAN="$SAN_LIB" "$B/libsipscope.a" ||
    { echo "fuzz: building the library with $CLANG failed" >&2; exit 2; }

PKG_CFLAGS=$(pkg-config --cflags libpcap libmaxminddb json-c inih nettle gnutls ncursesw libosip2 2>/dev/null)
PKG_LIBS="$(pkg-config --libs libpcap libmaxminddb json-c inih nettle gnutls ncursesw 2>/dev/null) -losipparser2 -lpthread -lm"

if [ $# -gt 0 ]; then targets="$*"; else
    targets=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi

built=""
for t in $targets; do
    # shellcheck disable=SC2086
    if "$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-omit-frame-pointer -Iinclude -Isrc -Itests/fuzz $PKG_CFLAGS \
        -o "$B/$t" "tests/fuzz/$t.c" "$B/libsipscope.a" $PKG_LIBS 2>"$B/$t.build.log"; then
        built="$built $t"
    else
        echo "fuzz: $t does not build yet (see $B/$t.build.log): skipped" >&2
        grep -m3 -E 'undefined reference|error' "$B/$t.build.log" | sed 's/^/    /' >&2
    fi
done
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "fuzz: built:$built"; exit 0; }

python3 tests/fuzz/make-corpus.py --shared "$SHARED" --out "$B/corpus" >/dev/null ||
    echo "fuzz: seed extraction failed; fuzzing from empty corpora" >&2

R=$B/results.tsv
[ -f "$R" ] || printf 'date\ttarget\tseconds\texecs\texec_per_s\tcorpus\tcrashes\n' >"$R"
status=0
for t in $built; do
    mkdir -p "$B/corpus/$t" "tests/fuzz/regressions/$t" "$B/artifacts/$t"
    dict=""
    case "$t" in fuzz_sip_parse|fuzz_auth|fuzz_reasm_tcp|fuzz_pipeline) dict="-dict=tests/fuzz/sip.dict" ;; esac
    echo "fuzz: $t for ${SECS}s" >&2
    before=$(ls "$B/artifacts/$t" | wc -l)
    "$B/$t" $dict -max_total_time="$SECS" -rss_limit_mb="$RSS" -max_len=65536 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" "$B/corpus/$t" >"$B/$t.log" 2>&1
    rc=$?
    execs=$(awk '/stat::number_of_executed_units/{print $NF}' "$B/$t.log" | tail -1)
    crashes=$(( $(ls "$B/artifacts/$t" | wc -l) - before ))
    for a in "$B/artifacts/$t"/*; do
        [ -f "$a" ] || continue
        sha=$(sha1sum "$a" | cut -c1-16)
        dest="tests/fuzz/regressions/$t/$(basename "$a" | cut -d- -f1)-$sha"
        [ -f "$dest" ] || { cp "$a" "$dest"; echo "fuzz: $t: NEW $dest" >&2; }
    done
    [ $rc -ne 0 ] && { status=1; echo "fuzz: $t exited $rc; tail of $B/$t.log:" >&2; tail -30 "$B/$t.log" | sed 's/^/    /' >&2; }
    ncorp=$(ls "$B/corpus/$t" | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$SECS" "${execs:-?}" \
        "$(awk -v e="${execs:-0}" -v s="$SECS" 'BEGIN{printf "%.0f", e/s}')" "$ncorp" "$crashes" >>"$R"
    echo "fuzz: $t: ${execs:-?} execs, corpus $ncorp, new crash inputs $crashes" >&2
done
column -t -s "$(printf '\t')" "$R" | tail -n 20
exit $status
