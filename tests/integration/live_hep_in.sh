#!/bin/sh
# live_hep_in.sh — sipscope as the central collector (--hep-in) of a real
# capture agent: Kamailio's siptrace module, on the lab carrier, mirrors
# every SIP message as HEPv3 (capture id 11), then in a second round as
# HEPv2 (capture id 12), and in a third over TCP as HEPv3 with an
# authentication key (capture id 13, the centre holding the same key in
# --hep-key-file and accounting the agent as TCP), to a sipscope in the carrier's
# namespace listening on 192.0.2.50:9060 (no libpcap at all). sipp (PBX)
# places a call with a wrong password, then a good one. The central
# sipscope must alert "new" auth_rejected within 2 s (measured tens of ms, printed) of the 403's capture
# time (the time inside the HEP) and then "recovered", with site_id 11 on
# the events and on the peer in its report, and see every message the PBX
# exchanged (compared with a tcpdump of the PBX veth read by sipscope -r).
# Then Kamailio stops: within seconds (--hep-quiet 3) the alert "new"
# hep_agent_quiet names the agent, and the report has it (warning, site_id,
# "the verdict for site N is incomplete", a diagnosis of role collection).
# Bounded (< 40 s); namespaces removed by the EXIT trap.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib/monitor.sh
mon_prereq
command -v tcpdump >/dev/null 2>&1 || { echo "tcpdump not installed"; exit 77; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--hep-in' || { echo "FAIL: sipscope --help has no --hep-in"; exit 1; }
mon_lab_up
[ -f "$LAB_KAM_MODDIR/siptrace.so" ] || { echo "no siptrace module in $LAB_KAM_MODDIR"; exit 77; }
lab_exec "$LAB_NS_CAR" ip addr add 192.0.2.50/32 dev lo
fail=0

printf 'siptrace-key-%s\n' "$$" >"$LAB_WORK/hep.key"; chmod 600 "$LAB_WORK/hep.key"
for spec in "3 11 udp" "2 12 udp" "3 13 tcp"; do
    set -- $spec; VER=$1; ID=$2; PROTO=$3
    LISTEN=192.0.2.50:9060; DEST='HEP_DEST="sip:192.0.2.50:9060"'; EXTRA=""; KAMX=""
    if [ "$PROTO" = tcp ]; then
        LISTEN=tcp:192.0.2.50:9061; DEST='HEP_DEST="sip:192.0.2.50:9061;transport=tcp"'
        EXTRA="--hep-key-file $LAB_WORK/hep.key"
        KAMX="HEP_TCP HEP_KEY=\"siptrace-key-$$\""
    fi
    rm -f "$LAB_WORK/alerts.ndjson" "$LAB_WORK/central.json" "$LAB_WORK/central.pcap" "$LAB_WORK/mon.err"
    # shellcheck disable=SC2086
    ip netns exec "$LAB_NS_CAR" "$SIPSCOPE" --hep-in $LISTEN $EXTRA --no-tui --hep-quiet 3 \
        --alerts "$LAB_WORK/alerts.ndjson" --metrics "$LAB_WORK/metrics.prom" \
        --report-file "$LAB_WORK/central.json" --report json -w "$LAB_WORK/central.pcap" \
        >"$LAB_WORK/mon.out" 2>"$LAB_WORK/mon.err" &
    MON_PID=$!
    LAB_PIDS="$LAB_PIDS $MON_PID"
    i=0; while ! grep -q "listening on" "$LAB_WORK/mon.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "listening on $LISTEN" "$LAB_WORK/mon.err" || { echo "FAIL: --hep-in did not start"; cat "$LAB_WORK/mon.err"; exit 1; }

    # shellcheck disable=SC2086
    start_kamailio "$ROOT/tests/integration/lib/carrier_siptrace.cfg" "PW_1001=\"$PW1\"" \
        "$DEST" "HEP_ID=$ID" "HEP_VER=$VER" $KAMX || exit 1
    capture_start "$LAB_WORK/pbx.pcap" "$LAB_NS_PBX" "$LAB_IF_PBX" || exit 1
    invite "$LAB_PBX_IP" "$PW1-typo" || { echo "FAIL: sipp (wrong password)"; fail=1; }
    wait_event auth_rejected new 3 || { echo "FAIL: no 'new' auth_rejected from HEP"; fail=1; }
    invite "$LAB_PBX_IP" "$PW1" || { echo "FAIL: sipp (good call)"; fail=1; }
    # Kamailio sends HEP only while there is SIP: its last record comes with
    # this call, so the quiet alert may come before it is stopped, never before this.
    t_last=$(date +%s.%N)
    wait_event auth_rejected recovered 3 || { echo "FAIL: no 'recovered' from HEP"; fail=1; }
    capture_stop
    # The agent stops: the collector says so (hep_agent_quiet, --hep-quiet 3)
    # within a few seconds, and the report taken then still has it.
    stop_kamailio
    i=0
    until python3 - "$LAB_WORK/alerts.ndjson" "$t_last" <<'PY' 2>/dev/null; do
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
q = [e for e in ev if e["kind"] == "hep_agent_quiet"]
sys.exit(0 if q and q[-1]["event"] == "new" and q[-1]["emitted"] > float(sys.argv[2]) else 1)
PY
        i=$((i + 1)); [ $i -lt 80 ] || { echo "FAIL: no hep_agent_quiet within 8 s of stopping kamailio"; fail=1; break; }
        sleep 0.1
    done
    mon_stop

    [ "$MON_RC" -eq 0 ] || { echo "FAIL: central exit $MON_RC"; tail -5 "$LAB_WORK/mon.err"; fail=1; }
    check_promtool "$LAB_WORK/metrics.prom" || fail=1
    grep -q "^sipscope_hep_agent_last_admitted_timestamp_seconds{agent=\"$ID@" "$LAB_WORK/metrics.prom" ||
        { echo "FAIL: no last admitted time of agent $ID in the metrics"; fail=1; }
    python3 tests/integration/lib/monitor_check.py "$LAB_WORK/alerts.ndjson" "$LAB_WORK/metrics.prom" \
        seq:auth_rejected:new,recovered latency:2.0 nodup || fail=1
    python3 - "$LAB_WORK/alerts.ndjson" "$LAB_WORK/central.json" "$ID" "$PROTO" <<'PY' || fail=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
rep = json.load(open(sys.argv[2]))
want = int(sys.argv[3])
bad = [e["kind"] + " " + e["event"] for e in ev if e["site_id"] != want]
if bad:
    print("FAIL: events without site_id %d: %s" % (want, bad))
sites = {p["site_id"] for p in rep["peers"]}
if sites != {want}:
    print("FAIL: peers' site ids %s, want {%d}" % (sites, want))
    bad.append(1)
# The site names the peers and the diagnoses about them (two sites with the
# same addresses must never read alike).
names = [p["name"] for p in rep["peers"]] + [d["trunk"] for d in rep["diagnosis"]
                                             if d["role"] != "collection"]
if not names or any(not n.startswith("site %d: " % want) for n in names):
    print("FAIL: names without 'site %d: ': %s" % (want, names))
    bad.append(1)
# Kamailio stopped: the agent is quiet, and the verdict for its site incomplete.
q = [f for f in rep["findings"] if f["kind"] == "hep_agent_quiet"]
col = [d for d in rep["diagnosis"] if d["role"] == "collection"]
if len(q) != 1 or q[0]["severity"] != "warning" or q[0].get("site_id") != want or \
        "verdict for site %d is incomplete" % want not in q[0]["summary"] or \
        [d["trunk"] for d in col] != [q[0]["entity"]]:
    print("FAIL: hep_agent_quiet %s, collection diagnoses %s" % (q, col))
    bad.append(1)
# The one agent, as the receiver accounted it: kamailio's records, none refused.
ag = rep["agents"]
if [(a["capture_id"], a["transport"]) for a in ag] != [(want, sys.argv[4].upper())] or \
        ag[0]["packets"] < 10 or ag[0]["refused"] or ag[0]["malformed"] or ag[0]["dropped"]:
    print("FAIL: agents %s, want one %s agent %d with its records admitted" % (ag, sys.argv[4], want))
    bad.append(1)
sys.exit(1 if bad else 0)
PY
    # Every message the PBX exchanged reached the centre through HEP, with its
    # addresses, ports, method/status, Call-ID and CSeq (the time is Kamailio's,
    # not the PBX veth's). The centre's -w file (the HEP datagrams it received)
    # read back by sipscope gives what the centre analysed.
    "$SIPSCOPE" -q -r "$LAB_WORK/pbx.pcap" --messages 2>"$LAB_WORK/pbx.err" | tail -n +2 |
        cut -f3- | sort >"$LAB_WORK/want"
    "$SIPSCOPE" -q -r "$LAB_WORK/central.pcap" --messages 2>"$LAB_WORK/central.err" | tail -n +2 |
        cut -f3- | sort >"$LAB_WORK/got"
    n=$(wc -l <"$LAB_WORK/want")
    [ "$n" -ge 10 ] || { echo "FAIL: only $n messages on the PBX veth"; fail=1; }
    missing=$(comm -23 "$LAB_WORK/want" "$LAB_WORK/got" | wc -l)
    [ "$missing" -eq 0 ] || { echo "FAIL: $missing PBX messages never reached the centre:";
                              comm -23 "$LAB_WORK/want" "$LAB_WORK/got" | head -5; fail=1; }
    echo "HEPv$VER over $PROTO, site $ID: $n PBX messages, all among the $(wc -l <"$LAB_WORK/got") the centre received"
    if [ $fail -ne 0 ]; then
        echo "--- alerts"; cut -c1-300 "$LAB_WORK/alerts.ndjson"
        echo "--- stderr"; head -20 "$LAB_WORK/mon.err" "$LAB_WORK/pbx.err"; ls -l "$LAB_WORK"
        break
    fi
    stop_kamailio
done
[ $fail -eq 0 ] && echo "live_hep_in: kamailio siptrace HEPv3, HEPv2 (UDP) and HEPv3 with a key (TCP) -> sipscope --hep-in: sites, agents, new/recovered"
exit $fail
