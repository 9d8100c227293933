#!/bin/sh
# cli_signal: SIGINT (and SIGTERM) end a run whose input is a silent pipe
# (`-r -`) promptly and cleanly: what arrived is analysed, the report and
# the summary line are printed, and the status is not a signal death.
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
AAA=$SHARED/pcaps/sngrep__aaa.pcap
T=$(mktemp -d) || exit 1
feeder=""
trap '[ -n "$feeder" ] && kill "$feeder" 2>/dev/null; rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

run_case() {
    sig=$1 mode=$2
    mkfifo "$T/fifo.$sig"
    # 20000 bytes (153 whole frames, the 11 SIP ones among them), then silence.
    ( head -c 20000 "$AAA"; sleep 30 ) >"$T/fifo.$sig" &
    feeder=$!
    "$SIPSCOPE" -r - $mode <"$T/fifo.$sig" >"$T/out.$sig" 2>"$T/err.$sig" &
    pid=$!
    sleep 2
    kill -"$sig" "$pid"
    start=$(date +%s)
    wait "$pid"
    rc=$?
    took=$(( $(date +%s) - start ))
    kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null; feeder=""
    [ $rc -lt 2 ] || bad "$sig: exit $rc: $(cat "$T/err.$sig")"
    [ $took -le 3 ] || bad "$sig: took ${took}s to stop"
    grep -q "^sipscope: 153 packets, 11 SIP messages.*(interrupted)" "$T/err.$sig" \
        || bad "$sig: summary: $(cat "$T/err.$sig")"
    [ -s "$T/out.$sig" ] || bad "$sig: no output"
}

run_case INT --messages
[ "$(tail -n +2 "$T/out.INT" | wc -l)" -eq 11 ] || bad "INT: want 11 message lines"
run_case TERM "--report json"
grep -q '"packets": *153' "$T/out.TERM" || bad "TERM: report lacks the 153 packets"
exit $fail
