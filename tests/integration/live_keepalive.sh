#!/bin/sh
# live_keepalive.sh — unattended monitor, live, keep-alive outage and
# recovery: sipp (PBX) sends an OPTIONS every second to kamailio (carrier);
# after 5 s the carrier's nftables drops SIP for 36 s, then allows it again.
# The monitor (sipscope -i on the PBX veth, --alerts, --metrics) must say
# "new" keepalive_failed once the lost ping's transaction times out (timer F,
# 32 s, RFC 3261 17.1.2.2), within 1 s of that time, the metrics must show
# the peer down meanwhile, and "recovered" must follow the first answered
# ping. Bounded: about 50 s.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib/monitor.sh
mon_prereq
mon_lab_up
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" || exit 1
mon_start
fail=0

scn=$(lab_scenario "$ROOT/tests/lab/sipp/options.xml" "sip:$TW") || exit 1
# 52 pings, one a second; sipp fails the lost ones and goes on.
LAB_SIPP_TIMEOUT=70 LAB_SIPP_HARD=80 run_sipp "$LAB_NS_PBX" -i "$LAB_PBX_IP" -p 5060 -sf "$scn" \
    -m 52 -r 1 -rp 1000 -key domain "$TW" -key caller +15550009999 -key rport "" \
    "$LAB_CAR_IP:5060" &
SIPP=$!
LAB_PIDS="$LAB_PIDS $SIPP"
sleep 5
carrier_drop
t0=$(date +%s)
# The outage is detected 32 s after the first lost ping.
wait_event keepalive_failed new 40 || { echo "FAIL: no 'new' keepalive_failed within 40 s of the drop"; fail=1; }
echo "detected $(( $(date +%s) - t0 )) s after the drop"
sleep 5.5   # a metrics rewrite while down
cp "$LAB_WORK/metrics.prom" "$LAB_WORK/metrics.down"
carrier_allow
wait_event keepalive_failed recovered 5 || { echo "FAIL: no 'recovered' within 5 s of allowing"; fail=1; }
sleep 5.5
mon_stop
kill "$SIPP" 2>/dev/null; wait "$SIPP" 2>/dev/null

python3 tests/integration/lib/monitor_check.py "$LAB_WORK/alerts.ndjson" "$LAB_WORK/metrics.down" \
    seq:keepalive_failed:new,recovered latency:1.0 nodup \
    'metric:sipscope_peer_keepalive_up==0' \
    'metric:sipscope_peers_keepalive{state="down"}==1' \
    'metric:sipscope_drops_total{stage="ring"}==0' || fail=1
python3 tests/integration/lib/monitor_check.py "$LAB_WORK/alerts.ndjson" "$LAB_WORK/metrics.prom" \
    'metric:sipscope_peer_keepalive_up==1' \
    'metric:sipscope_requests_total{method="OPTIONS"}>=10' \
    'metric:sipscope_findings{kind="keepalive_failed"}==1' >/dev/null || {
    echo "FAIL: final metrics"; grep -E 'keepalive|OPTIONS|findings\{' "$LAB_WORK/metrics.prom"; fail=1; }
check_promtool "$LAB_WORK/metrics.prom" || fail=1
if [ $fail -ne 0 ]; then
    echo "--- alerts"; cut -c1-400 "$LAB_WORK/alerts.ndjson"
    echo "--- stderr"; head -20 "$LAB_WORK/mon.err"
fi
[ $fail -eq 0 ] && echo "live_keepalive: new on timer F, down in metrics, recovered"
lab_exit $fail
