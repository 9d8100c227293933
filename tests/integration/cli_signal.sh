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
    # The feeder writes them, then waits until sipscope has read every byte
    # out of the pipe (FIONREAD is 0) and touches "drained": the signal is
    # sent once the input is consumed, however slow a loaded machine is,
    # not after a fixed sleep.
    python3 -c '
import fcntl, os, struct, sys, termios, time
data = open(sys.argv[1], "rb").read(20000)
fd = os.open(sys.argv[2], os.O_WRONLY)
os.write(fd, data)
for _ in range(1200):                       # at most 60 s
    if struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0] == 0:
        break
    time.sleep(0.05)
open(sys.argv[3], "w").close()
time.sleep(60)' "$AAA" "$T/fifo.$sig" "$T/drained.$sig" &
    feeder=$!
    "$SIPSCOPE" -r - $mode <"$T/fifo.$sig" >"$T/out.$sig" 2>"$T/err.$sig" &
    pid=$!
    i=0; while [ ! -e "$T/drained.$sig" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$T/drained.$sig" ] || bad "$sig: sipscope did not read its input in 60 s"
    sleep 0.5     # read is not yet analysed: 153 frames take milliseconds
    kill -"$sig" "$pid"
    start=$(date +%s%N)
    wait "$pid"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$sig: stopped ${ms} ms after the signal"
    kill "$feeder" 2>/dev/null; wait "$feeder" 2>/dev/null; feeder=""
    [ $rc -lt 2 ] || bad "$sig: exit $rc: $(cat "$T/err.$sig")"
    # The deadline is "promptly" (the main loop polls every 20 ms); 5 s holds
    # under ASan on a loaded 2-core machine.
    [ $ms -le 5000 ] || bad "$sig: took ${ms} ms to stop (limit 5000)"
    grep -q "^sipscope: 153 packets, 11 SIP messages.*(interrupted)" "$T/err.$sig" \
        || bad "$sig: summary: $(cat "$T/err.$sig")"
    [ -s "$T/out.$sig" ] || bad "$sig: no output"
}

run_case INT --messages
[ "$(tail -n +2 "$T/out.INT" | wc -l)" -eq 11 ] || bad "INT: want 11 message lines"
run_case TERM "--report json"
grep -q '"packets": *153' "$T/out.TERM" || bad "TERM: report lacks the 153 packets"
exit $fail
