#!/bin/sh
# lab_live_engine.sh — end to end, live: sipscope captures (-i) on the lab
# carrier's veth while real sipp (PBX) places a call with a wrong password
# to real kamailio (carrier, Twilio-style 403 + X-Twilio-Error 32202). After
# SIGINT the JSON report must name auth_rejected for user 1001, quote the
# carrier's code, and with --secrets say password_mismatch without printing
# the password. Uses tests/lab/lib.sh. Needs root and the lab tools; skips
# (77) until sipscope produces a JSON report.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in kamailio sipp tcpdump nft ip python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" -q -r pcaps/lab/clean.pcap --report json --no-tui 2>/dev/null |
    python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("version") == 1 else 1)' \
    2>/dev/null || { echo "FAIL: sipscope crashed or printed no JSON report on pcaps/lab/clean.pcap"; exit 1; }

. "$ROOT/tests/lab/lib.sh"
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 77
PW1=$(awk '$1 == "1001" { print $2 }' tests/lab/accounts.txt)
cp tests/lab/secrets.txt "$LAB_WORK/secrets.txt" && chmod 600 "$LAB_WORK/secrets.txt"
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" || exit 1

# live: one sipscope without secrets, one with; both on the carrier's veth.
ip netns exec "$LAB_NS_CAR" "$SIPSCOPE" -i "$LAB_IF_CAR" -n --no-tui --report json udp \
    >"$LAB_WORK/plain.json" 2>"$LAB_WORK/plain.err" &
P1=$!
ip netns exec "$LAB_NS_CAR" "$SIPSCOPE" -i "$LAB_IF_CAR" -n --no-tui --report json \
    --secrets "$LAB_WORK/secrets.txt" udp >"$LAB_WORK/sec.json" 2>"$LAB_WORK/sec.err" &
P2=$!
LAB_PIDS="$LAB_PIDS $P1 $P2"
sleep 2

RURI="sip:+15550100001@labtrunk.pstn.twilio.com"
scn=$(lab_scenario "$ROOT/tests/lab/sipp/invite.xml" "$RURI") || exit 1
run_sipp "$LAB_NS_PBX" -i "$LAB_PBX_IP" -p 5060 -sf "$scn" -m 1 -key domain labtrunk.pstn.twilio.com \
    -key caller +15550009999 -key rport "" -s +15550100001 -auth_uri "${RURI#sip:}" \
    -au 1001 -ap "$PW1-typo" "$LAB_CAR_IP:5060" || { echo "FAIL: sipp"; tail -20 "$LAB_WORK/sipp.log"; exit 1; }
sleep 1

fail=0
for p in $P1 $P2; do
    kill -INT "$p" 2>/dev/null
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 "$p" 2>/dev/null; then echo "FAIL: sipscope did not stop on SIGINT"; fail=1; fi
    wait "$p"
    rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: sipscope exit $rc after SIGINT, want 1 (findings)"; fail=1; }
done
python3 - "$LAB_WORK" "$PW1" <<'PY' || fail=1
import json, sys
d, pw = sys.argv[1], sys.argv[2]
bad = []
for name, want in (("plain", "auth_rejected"), ("sec", "password_mismatch")):
    raw = open("%s/%s.json" % (d, name)).read()
    doc = json.loads(raw)
    kinds = [f["kind"] for f in doc["findings"]]
    if want not in kinds:
        bad.append("%s: no %s in %s" % (name, want, kinds))
    if (pw + "-typo") in raw or pw in raw:
        bad.append("%s: a password is in the report" % name)
    ar = [f for f in doc["findings"] if f["kind"] == "auth_rejected"]
    if not ar:
        bad.append("%s: no auth_rejected" % name)
    elif "1001" not in ar[0]["entity"]:
        bad.append("%s: auth_rejected entity %r lacks 1001" % (name, ar[0]["entity"]))
    elif not any("32202" in e.get("line", "") for e in ar[0]["evidence"]):
        bad.append("%s: auth_rejected evidence does not quote 32202" % name)
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
LAB_PIDS=""   # reaped above
[ $fail -eq 0 ] || { echo "stderr:"; cat "$LAB_WORK/plain.err" "$LAB_WORK/sec.err" | head -20; }
echo "lab_live_engine: live capture of a rejected call checked"
exit $fail
