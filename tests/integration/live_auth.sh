#!/bin/sh
# live_auth.sh — unattended monitor, live, wrong password and recovery:
# real kamailio (carrier) and sipp (PBX) in network namespaces made here;
# sipscope -i on the PBX-side veth with --no-tui --alerts --metrics.
#   1. a clean call: no event;
#   2. a call with a wrong password (407, retry, 403 + 32202): one "new"
#      auth_rejected, emitted within 2 s (measured tens of ms, printed) of the 403's capture time;
#   3. SIGUSR1 writes the current report to --report-file;
#   4. the alerts file is rotated (mv + SIGHUP): later events go to the
#      new file;
#   5. a clean call again: "recovered" for that finding;
# then: nothing on stdout, exit 0 on SIGTERM, the metrics file passes
# promtool and counts the INVITEs with zero drops. Bounded (< 60 s).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib/monitor.sh
mon_prereq
mon_lab_up
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" || exit 1
mon_start --report-file "$LAB_WORK/report.json" --report json
fail=0

invite "$LAB_PBX_IP" "$PW1" || { echo "FAIL: clean call"; tail -20 "$LAB_WORK/sipp.log"; exit 1; }
invite "$LAB_PBX_IP" "$PW1-typo" || { echo "FAIL: sipp (wrong password)"; exit 1; }
wait_event auth_rejected new 3 || { echo "FAIL: no 'new' auth_rejected within 3 s"; fail=1; }

kill -USR1 "$MON_PID"
i=0
while [ ! -s "$LAB_WORK/report.json" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
python3 - "$LAB_WORK/report.json" <<'PY' || { echo "FAIL: SIGUSR1 report"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(f["kind"] == "auth_rejected" for f in d["findings"]) else 1)
PY

mv "$LAB_WORK/alerts.ndjson" "$LAB_WORK/alerts.1"
kill -HUP "$MON_PID"
sleep 0.5
invite "$LAB_PBX_IP" "$PW1" || { echo "FAIL: clean call after the failure"; fail=1; }
wait_event auth_rejected recovered 3 || { echo "FAIL: no 'recovered' in the reopened file"; fail=1; }
sleep 5.5   # one more metrics rewrite (every 5 s) with everything in it
mon_stop

[ "$MON_RC" -eq 0 ] || { echo "FAIL: monitor exit $MON_RC after SIGTERM, want 0"; fail=1; }
[ ! -s "$LAB_WORK/mon.out" ] || { echo "FAIL: the monitor printed on stdout:"; head -5 "$LAB_WORK/mon.out"; fail=1; }
grep -q recovered "$LAB_WORK/alerts.1" && { echo "FAIL: event written to the rotated file"; fail=1; }
cat "$LAB_WORK/alerts.1" "$LAB_WORK/alerts.ndjson" >"$LAB_WORK/all.ndjson"
python3 tests/integration/lib/monitor_check.py "$LAB_WORK/all.ndjson" "$LAB_WORK/metrics.prom" \
    seq:auth_rejected:new,recovered latency:2.0 nodup \
    'metric:sipscope_requests_total{method="INVITE"}>=6' \
    'metric:sipscope_drops_total{stage="ring"}==0' \
    'metric:sipscope_drops_total{stage="kernel"}==0' \
    'metric:sipscope_findings{kind="auth_rejected"}>=1' \
    'metric:sipscope_auth_failures_total{kind="auth_rejected"}>=1' || fail=1
check_promtool "$LAB_WORK/metrics.prom" || fail=1
grep -q -- "$PW1" "$LAB_WORK/all.ndjson" "$LAB_WORK/metrics.prom" "$LAB_WORK/report.json" &&
    { echo "FAIL: a password is in the monitor's output"; fail=1; }
if [ $fail -ne 0 ]; then
    echo "--- alerts"; cat "$LAB_WORK/all.ndjson" | cut -c1-300
    echo "--- stderr"; head -20 "$LAB_WORK/mon.err"
fi
[ $fail -eq 0 ] && echo "live_auth: new, recovered, SIGUSR1, SIGHUP, metrics ok"
lab_exit $fail
