# tests/integration/lib/monitor.sh — shared by the live_*.sh tests: the lab
# (tests/lab/lib.sh: kamailio carrier, sipp PBX, network namespaces with
# documentation addresses) plus a sipscope monitor capturing live on the
# PBX-side veth with --no-tui --alerts FILE --metrics FILE, and checks on
# its NDJSON events (tests/integration/lib/monitor_check.py).
#
# Sourced by POSIX sh after `cd` to the project root. Sets ROOT, PW1.
# Everything is bounded: sipp by run_sipp's timeouts, sipscope stopped by
# PID in mon_stop (and by lab_down's kill of LAB_PIDS from the EXIT trap).

mon_prereq() {
    [ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
    for t in kamailio sipp nft ip python3; do
        command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
    done
    [ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
    "$SIPSCOPE" --help 2>/dev/null | grep -q -- '--alerts' || { echo "FAIL: sipscope --help has no --alerts"; exit 1; }
    ip netns add "h10probe$$" 2>/dev/null || { echo "cannot create network namespaces"; exit 77; }
    ip netns del "h10probe$$"
}

mon_lab_up() {
    ROOT=$PWD
    # shellcheck disable=SC1091
    . "$ROOT/tests/lab/lib.sh"
    LAB_ID=h$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
    trap 'mon_stop; lab_down' EXIT
    trap 'exit 130' INT TERM
    lab_up || exit 77
    PW1=$(awk '$1 == "1001" { print $2 }' "$ROOT/tests/lab/accounts.txt")
    TW=labtrunk.pstn.twilio.com
    RURI="sip:+15550100001@$TW"
}

# mon_start [sipscope args...]: the monitor on the PBX's veth; waits until
# it listens. Files: $LAB_WORK/alerts.ndjson, metrics.prom, mon.out, mon.err.
MON_PID=""
mon_start() {
    ip netns exec "$LAB_NS_PBX" "$SIPSCOPE" -i "$LAB_IF_PBX" -n --no-tui \
        --alerts "$LAB_WORK/alerts.ndjson" --metrics "$LAB_WORK/metrics.prom" "$@" udp \
        >"$LAB_WORK/mon.out" 2>"$LAB_WORK/mon.err" &
    MON_PID=$!
    LAB_PIDS="$LAB_PIDS $MON_PID"
    _i=0
    while [ $_i -lt 50 ]; do
        grep -q "listening on" "$LAB_WORK/mon.err" 2>/dev/null && return 0
        kill -0 "$MON_PID" 2>/dev/null || break
        sleep 0.1; _i=$((_i + 1))
    done
    echo "FAIL: sipscope monitor did not start"; cat "$LAB_WORK/mon.err"; exit 1
}

# mon_stop: SIGTERM, wait (bounded), record the exit status in MON_RC.
MON_RC=""
mon_stop() {
    [ -n "$MON_PID" ] || return 0
    kill -TERM "$MON_PID" 2>/dev/null
    _i=0
    while kill -0 "$MON_PID" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    kill -KILL "$MON_PID" 2>/dev/null
    wait "$MON_PID"
    MON_RC=$?
    MON_PID=""
}

# invite SRC PASS: one call from SRC as user 1001 to the Twilio-like trunk.
invite() {
    _scn=$(lab_scenario "$ROOT/tests/lab/sipp/invite.xml" "$RURI") || exit 1
    run_sipp "$LAB_NS_PBX" -i "$1" -p 5060 -sf "$_scn" -m 1 -key domain "$TW" \
        -key caller +15550009999 -key rport "" -s +15550100001 -auth_uri "${RURI#sip:}" \
        -au 1001 -ap "$2" "$LAB_CAR_IP:5060"
}

# wait_event KIND EVENT SECONDS: until the alerts file has that event.
wait_event() {
    _i=0
    while [ $_i -lt $(($3 * 10)) ]; do
        python3 - "$LAB_WORK/alerts.ndjson" "$1" "$2" <<'PY' 2>/dev/null && return 0
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["kind"] == sys.argv[2] and o["event"] == sys.argv[3]:
        sys.exit(0)
sys.exit(1)
PY
        sleep 0.1; _i=$((_i + 1))
    done
    return 1
}

# check_promtool FILE: the metrics file passes promtool when installed.
check_promtool() {
    if command -v promtool >/dev/null 2>&1; then
        promtool check metrics <"$1" >"$LAB_WORK/promtool.out" 2>&1 ||
            { echo "FAIL: promtool check metrics:"; cat "$LAB_WORK/promtool.out"; return 1; }
    else
        # Not silent: the test ends with 77 (a failure under CI, where make check
        # installs prometheus) unless something else failed (lab_exit).
        echo "promtool not installed: metrics file not checked by promtool"
        LAB_SKIP="${LAB_SKIP:-}${LAB_SKIP:+; }promtool not installed"
    fi
    return 0
}

# lab_exit FAIL: exit FAIL when a check failed, else 77 when a sub-check could
# not run for a missing tool (LAB_SKIP says which), else 0.
lab_exit() {
    [ "$1" -ne 0 ] && exit "$1"
    [ -n "${LAB_SKIP:-}" ] && { echo "skip: $LAB_SKIP"; exit 77; }
    exit 0
}
