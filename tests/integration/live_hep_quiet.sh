#!/bin/sh
# live_hep_quiet.sh — the collector's own keep-alive of its agents (issue 19,
# kind hep_agent_quiet), with the whole receiver set up from --config
# [hep_in] (no --hep-in flag): listeners, allow-list, key file, a limit and
# the quiet threshold, which --hep-quiet overrides (the flag wins). In a
# network namespace made here (192.0.2.1 and .2 on its loopback):
#   - agent 43 (sipscope --hep-out over TCP, with the key) sends all along:
#     never quiet;
#   - agent 42 (sipscope --hep-out over UDP, with the key) sends once, then
#     only keyless records with its capture id from its address arrive (a
#     spoofer): they are refused and must not keep it "alive"; after
#     --hep-quiet 2 s the alert "new" hep_agent_quiet names it (site_id 42,
#     "the verdict for site 42 is incomplete"); it sends again: "recovered";
#     silent again: "new" (recurred);
#   - the report taken while it is silent (a monitor exits 0; its exit_status is 1): the finding (warning, count 2,
#     site_id 42), a diagnosis of role "collection" for it, agent 43 not
#     quiet, exit status 1;
#   - [hep_in] idle_ms = 1000: a connection that sends 5 bytes is closed;
#   - a key file readable by others is refused at start (exit 2), the key in
#     no output.
# Bounded (every wait has a limit; < 40 s); the namespace goes in the trap.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in ip python3 timeout; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--hep-quiet' || { echo "FAIL: sipscope --help has no --hep-quiet"; exit 1; }
NS=hepquiet$$
W=$(mktemp -d) || exit 1
PIDS=""
cleanup() {
    touch "$W/stop"
    for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || { echo "cannot create network namespaces"; exit 77; }
ip -n "$NS" link set lo up
for a in 192.0.2.1 192.0.2.2; do ip -n "$NS" addr add $a/32 dev lo; done
fail=0
IN=pcaps/lab/clean.pcap
X="ip netns exec $NS timeout 20"
SEND="$X python3 tests/integration/lib/hep_send.py"

KEY="q19-$$-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$KEY" >"$W/key"; chmod 600 "$W/key"
cat >"$W/central.ini" <<EOF
[hep_in]
listen = 192.0.2.1:9060, tcp:192.0.2.1:9061
allow = 192.0.2.0/30
key_file = $W/key
idle_ms = 1000
quiet = 600
EOF

# A key file others can read: refused before anything listens.
cp "$W/key" "$W/key644"; chmod 644 "$W/key644"
sed "s|^key_file = .*|key_file = $W/key644|" "$W/central.ini" >"$W/bad.ini"
$X "$SIPSCOPE" --no-tui --config "$W/bad.ini" >/dev/null 2>"$W/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q "key644" "$W/bad.err" ||
    { echo "FAIL: a key file of mode 644 from --config: exit $rc, $(head -1 "$W/bad.err")"; fail=1; }
grep -q -- "$KEY" "$W/bad.err" && { echo "FAIL: the key is printed"; fail=1; }

$X "$SIPSCOPE" --no-tui --config "$W/central.ini" --hep-quiet 2 --report json \
    --alerts "$W/alerts.ndjson" >"$W/central.json" 2>"$W/central.err" &
C=$!; PIDS="$PIDS $C"
i=0; while ! grep -q "listening on" "$W/central.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "listening on 192.0.2.1:9060, tcp:192.0.2.1:9061" "$W/central.err" ||
    { echo "FAIL: the listeners of [hep_in] listen did not start"; cat "$W/central.err"; exit 1; }

# Agent 43 sends all along (until the report is taken).
( while [ ! -e "$W/stop" ]; do
      $X "$SIPSCOPE" -q -r "$IN" --hep-out tcp:192.0.2.1:9061 --hep-id 43 \
          --hep-key-file "$W/key" >/dev/null 2>&1
      sleep 0.3
  done ) & L=$!; PIDS="$PIDS $L"

# event KIND EVENT N SECONDS: the alerts file has N events (kind, event) within SECONDS.
wait_events() {
    i=0
    while [ $i -lt $(($4 * 10)) ]; do
        n=$(python3 - "$W/alerts.ndjson" "$1" "$2" <<'PY'
import json, sys
try:
    ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
except FileNotFoundError:
    ev = []
print(sum(1 for e in ev if e["kind"] == sys.argv[2] and e["event"] == sys.argv[3]))
PY
)
        [ "$n" -ge "$3" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

agent42() { $X "$SIPSCOPE" -q -r "$IN" --hep-out 192.0.2.1:9060 --hep-id 42 "$@" >/dev/null 2>&1; }
# Spoofed: agent 42's id and address, no key, every 0.5 s while it is
# silent; refused, and no sign of life.
spoof_start() { rm -f "$W/nospoof"; ( while [ ! -e "$W/nospoof" ]; do agent42; sleep 0.5; done ) &
                S=$!; PIDS="$PIDS $S"; }
spoof_stop() { touch "$W/nospoof"; wait $S; }
agent42 --hep-key-file "$W/key"
t_sent=$(date +%s.%N)
spoof_start
wait_events hep_agent_quiet new 1 8 || { echo "FAIL: no 'new' hep_agent_quiet after 2 s of silence (spoofed records on)"; fail=1; }
t_new=$(date +%s.%N)
spoof_stop
agent42 --hep-key-file "$W/key"
wait_events hep_agent_quiet recovered 1 5 || { echo "FAIL: no 'recovered' when agent 42 sent again"; fail=1; }
spoof_start
wait_events hep_agent_quiet new 2 8 || { echo "FAIL: no second 'new' after agent 42 went silent again"; fail=1; }
spoof_stop
kill -INT $C; wait $C; rc=$?; PIDS="$L"
touch "$W/stop"; wait $L; PIDS=""
# A monitor (--alerts) exits 0 when stopped; the report's exit_status says 1.
[ $rc -eq 0 ] || { echo "FAIL: central exit $rc"; cat "$W/central.err"; fail=1; }
echo "agent 42 silent from $t_sent, alerted quiet at $t_new (threshold 2 s, checked twice a second)"

python3 - "$W/central.json" "$W/alerts.ndjson" <<'PY' || fail=1
import json, sys
rep = json.load(open(sys.argv[1]))
ev = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bad = []
q = [f for f in rep["findings"] if f["kind"] == "hep_agent_quiet"]
if [f["entity"] for f in q] != ["HEP agent 42 at 192.0.2.1"]:
    bad.append("hep_agent_quiet findings %s, want agent 42 only" % [f["entity"] for f in q])
else:
    f = q[0]
    if (f["severity"], f["count"], f.get("site_id")) != ("warning", 2, 42):
        bad.append("finding %s" % {k: f.get(k) for k in ("severity", "count", "site_id")})
    if "verdict for site 42 is incomplete" not in f["summary"]:
        bad.append("summary: " + f["summary"])
d = [x for x in rep["diagnosis"] if x["role"] == "collection"]
if [x["trunk"] for x in d] != ["HEP agent 42 at 192.0.2.1"]:
    bad.append("diagnosis %s" % [(x["role"], x["trunk"]) for x in rep["diagnosis"]])
if rep["exit_status"] != 1:
    bad.append("exit_status %s" % rep["exit_status"])
# Not before the threshold: the first alert comes --hep-quiet (2 s) after
# the agent's last admitted record, its evidence_time (checked twice a second).
for e in ev:
    if e["kind"] == "hep_agent_quiet" and e["event"] == "new" and e.get("reason") != "recurred":
        d = e["emitted"] - e["evidence_time"]
        if not 2.0 <= d <= 5.0:
            bad.append("quiet alert %.3f s after the last record, want 2..5 s" % d)
seq = [e["event"] for e in ev if e["kind"] == "hep_agent_quiet"]
if seq[:3] != ["new", "recovered", "new"] or any(e["site_id"] != 42 for e in ev
                                                  if e["kind"] == "hep_agent_quiet"):
    bad.append("alerts %s" % [(e["event"], e["site_id"]) for e in ev])
ag = {a["capture_id"]: a for a in rep["agents"]}
a42, a43 = ag.get(42), ag.get(43)
if a42 is None or a43 is None:
    bad.append("agents %s" % sorted(ag))
else:
    if not (a42["refused"] > 0 and a42["packets"] > 0 and a42["transport"] == "UDP"):
        bad.append("agent 42 %s" % a42)
    if not a42["last_admitted"] < a42["last_seen"]:
        bad.append("agent 42: the refused records must be seen after its last admitted one")
    if not (a43["packets"] > 0 and a43["refused"] == 0 and a43["transport"] == "TCP"):
        bad.append("agent 43 %s" % a43)
c = rep["stats"]["counters"]
if c.get("hep_in.refused.no_key", 0) < 3:
    bad.append("hep_in.refused.no_key %s" % c.get("hep_in.refused.no_key"))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# [hep_in] idle_ms = 1000 (the default is 120 s): a stalled connection is closed.
$X "$SIPSCOPE" --no-tui --config "$W/central.ini" --report json >"$W/idle.json" 2>"$W/idle.err" &
C=$!; PIDS="$C"
i=0; while ! grep -q "listening on" "$W/idle.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$($SEND slow 192.0.2.2 192.0.2.1 9061 4)" = closed ] ||
    { echo "FAIL: [hep_in] idle_ms = 1000: a stalled connection still open after 4 s"; fail=1; }
kill -INT $C; wait $C; PIDS=""

for f in "$W/central.json" "$W/central.err" "$W/alerts.ndjson" "$W/idle.json" "$W/idle.err"; do
    grep -q -- "$KEY" "$f" && { echo "FAIL: the key appears in $(basename "$f")"; fail=1; }
done
[ $fail -eq 0 ] && echo "live_hep_quiet: [hep_in] sets the receiver up; agent 42 quiet (spoofed keyless records refused), recovered, quiet again; agent 43 not; collection diagnosis"
exit $fail
