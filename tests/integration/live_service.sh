#!/bin/sh
# live_service.sh — contrib/sipscope.service: systemd accepts the unit
# (systemd-analyze verify), its offline security exposure stays "OK" (<= 3),
# only CAP_NET_RAW and CAP_NET_ADMIN are ambient and bounding, every flag of
# its ExecStart exists; and sipscope really runs with nothing more: as an
# unprivileged user holding only those two ambient capabilities (setpriv),
# it captures on a veth in a namespace made here, writes its metrics file,
# and stops with status 0 on SIGTERM. Bounded (< 20 s).
set -u
cd "$(dirname "$0")/../.." || exit 1
U=contrib/sipscope.service
[ -f "$U" ] || { echo "no $U"; exit 77; }
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
fail=0
W=$(mktemp -d) || exit 1
NS=h10svc$$
MON=""
cleanup() {
    [ -n "$MON" ] && { kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null; }
    ip netns del "$NS" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

grep -q '^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN$' "$U" || { echo "FAIL: ambient caps"; fail=1; }
grep -q '^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$' "$U" || { echo "FAIL: bounding set"; fail=1; }
[ "$(grep -c '^Capabilit\|^AmbientCap' "$U")" -eq 2 ] || { echo "FAIL: other capability lines"; fail=1; }
grep -q '^DynamicUser=yes$' "$U" && grep -q '^ProtectSystem=strict$' "$U" &&
    grep -q '^NoNewPrivileges=yes$' "$U" || { echo "FAIL: sandboxing lines missing"; fail=1; }
# Every long flag the unit passes is one sipscope knows.
for f in $(sed -n '/^ExecStart=/,/^$/p' "$U" | grep -o -- '--[a-z-]*'); do
    "$SIPSCOPE" --help | grep -q -- "$f" || { echo "FAIL: unknown flag $f in ExecStart"; fail=1; }
done

if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s|/usr/bin/sipscope|$SIPSCOPE|" "$U" >"$W/sipscope.service"
    # The man page is not installed in a build tree: that one complaint only.
    systemd-analyze verify "$W/sipscope.service" 2>&1 | grep -v "man sipscope(1)" >"$W/verify"
    [ ! -s "$W/verify" ] || { echo "FAIL: systemd-analyze verify:"; cat "$W/verify"; fail=1; }
    exp=$(systemd-analyze security --offline=true "$W/sipscope.service" 2>/dev/null |
          sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    echo "security exposure: $exp"
    python3 -c "import sys; sys.exit(0 if float('${exp:-99}') <= 3.0 else 1)" ||
        { echo "FAIL: exposure ${exp:-?} > 3.0"; fail=1; }
else
    skip_why="systemd-analyze not installed: unit not verified"
    echo "$skip_why"
fi

# Run as nobody with only the two ambient capabilities, like the unit.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && ip netns add "$NS" 2>/dev/null; then
    ip -n "$NS" link add va type veth peer name vb
    ip -n "$NS" addr add 192.0.2.1/24 dev va
    ip -n "$NS" addr add 192.0.2.2/24 dev vb
    ip -n "$NS" link set va up; ip -n "$NS" link set vb up
    chmod 0777 "$W"
    ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
        --inh-caps=-all,+net_raw,+net_admin --ambient-caps=-all,+net_raw,+net_admin \
        --bounding-set=-all,+net_raw,+net_admin \
        "$SIPSCOPE" -i va -q --no-tui --alerts "$W/alerts.ndjson" --metrics "$W/m.prom" \
        >"$W/out" 2>"$W/err" &
    MON=$!
    i=0; while [ ! -s "$W/m.prom" ] && [ $i -lt 50 ] && kill -0 $MON 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    [ -s "$W/m.prom" ] || { echo "FAIL: no metrics file as nobody with the unit's capabilities"; cat "$W/err"; fail=1; }
    grep -q "^CapEff:.*0000000000003000$" /proc/$MON/status 2>/dev/null ||
        { echo "FAIL: effective capabilities are not exactly net_admin+net_raw:"; grep Cap /proc/$MON/status; fail=1; }
    kill -TERM $MON; wait $MON; rc=$?; MON=""
    [ $rc -eq 0 ] || { echo "FAIL: exit $rc on SIGTERM"; cat "$W/err"; fail=1; }
    [ ! -s "$W/out" ] || { echo "FAIL: output on stdout"; fail=1; }
else
    skip_why="${skip_why:-}${skip_why:+; }not root / no setpriv / no namespaces: the unprivileged run is skipped"
    echo "not root / no setpriv / no namespaces: the unprivileged run is skipped"
fi
[ $fail -eq 0 ] && echo "live_service: unit verified; runs as nobody with net_raw+net_admin only"
[ $fail -eq 0 ] && [ -n "${skip_why:-}" ] && { echo "skip: $skip_why"; exit 77; }
exit $fail
