#!/bin/sh
# live_acl.sh — unattended monitor, live, clean traffic then an IP ACL
# change mid-run: kamailio (carrier) accepts only 198.51.100.10; sipp (PBX)
# places 40 calls at 10 calls/s from there (each: INVITE, 407, INVITE with
# credentials, 200, ACK, BYE, 200), then the PBX is renumbered to
# 198.51.100.77 and its calls get 403 + X-Twilio-Error 32201.
# The monitor (sipscope -i on the PBX veth) must stay silent during the
# clean calls, then emit "new" ip_rejected and source_ip_changed within
# 2 s (measured: tens of ms; the margin holds under ASan on a loaded 2-core
# machine, and monitor_check prints the latency) of the 403's capture
# time; no drops at that rate. Bounded (< 40 s).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib/monitor.sh
mon_prereq
mon_lab_up
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" WITH_ACL 'ACL_IP="198.51.100.10"' ||
    exit 1
mon_start
fail=0

scn=$(lab_scenario "$ROOT/tests/lab/sipp/invite.xml" "$RURI") || exit 1
run_sipp "$LAB_NS_PBX" -i "$LAB_PBX_IP" -p 5060 -sf "$scn" -m 40 -r 10 -key domain "$TW" \
    -key caller +15550009999 -key rport "" -s +15550100001 -auth_uri "${RURI#sip:}" \
    -au 1001 -ap "$PW1" "$LAB_CAR_IP:5060" ||
    { echo "FAIL: clean calls"; tail -20 "$LAB_WORK/sipp.log"; exit 1; }
sleep 1
if [ -s "$LAB_WORK/alerts.ndjson" ]; then
    echo "FAIL: events during clean calls:"; cut -c1-300 "$LAB_WORK/alerts.ndjson"; fail=1
fi
lab_pbx_addr 198.51.100.77/24
lab_pbx_addr_del "$LAB_PBX_IP/24"
sleep 1
invite 198.51.100.77 "$PW1" || { echo "FAIL: sipp from .77"; fail=1; }
wait_event ip_rejected new 3 || { echo "FAIL: no 'new' ip_rejected"; fail=1; }
invite 198.51.100.77 "$PW1"
sleep 5.5
mon_stop

python3 tests/integration/lib/monitor_check.py "$LAB_WORK/alerts.ndjson" "$LAB_WORK/metrics.prom" \
    seq:ip_rejected:new seq:source_ip_changed:new root:ip_rejected:source_ip_changed \
    root:source_ip_changed:source_ip_changed latency:2.0 nodup \
    'metric:sipscope_requests_total{method="INVITE"}>=82' \
    'metric:sipscope_responses_total{class="2xx"}>=80' \
    'metric:sipscope_drops_total{stage="ring"}==0' \
    'metric:sipscope_drops_total{stage="kernel"}==0' \
    'metric:sipscope_drops_total{stage="interface"}==0' \
    'metric:sipscope_auth_failures_total{kind="ip_rejected"}>=2' || fail=1
check_promtool "$LAB_WORK/metrics.prom" || fail=1
if [ $fail -ne 0 ]; then
    echo "--- alerts"; cut -c1-300 "$LAB_WORK/alerts.ndjson"
    echo "--- stderr"; head -20 "$LAB_WORK/mon.err"
fi
[ $fail -eq 0 ] && echo "live_acl: silent on clean calls, new on the ACL change, no drops"
lab_exit $fail
