#!/bin/sh
# lab_media.sh — real RTP through real namespaces: sipp (Debian sip-tester)
# plays /usr/share/sip-tester/g711a.pcap (play_pcap_audio) or echoes RTP
# (-rtp_echo, symmetric RTP) between a phone and a far end, directly or
# through a masquerading NAT (tests/lab/lib.sh lab_nat_up, nftables),
# captured with tcpdump where a carrier would capture; sipscope reads each
# capture and what it says is checked against what the lab did and what
# tshark sees (-z rtp,streams):
#   twoway      phone 198.51.100.10 <-> far end 203.0.113.5, both play:
#               two-way, no media finding;
#   oneway_fw   the phone 192.168.50.10 behind the NAT, the far end echoes
#               its RTP, the NAT router's firewall (nft forward) drops it;
#               captured at the phone: one_way_media error, "no RTP from the
#               callee", nothing NAT about the media seen there;
#   nat_void    the phone 192.168.50.10 behind the NAT announces its private
#               address; the far end plays to it (no symmetric RTP): the NAT
#               drops those packets (no mapping for them), the phone's own
#               RTP arrives from the NAT's address: one_way_media explained
#               by media_nat (error: media sent to a private SDP address,
#               symmetric-RTP latching explained), nat_rewrite for the
#               private SIP addresses;
#   nat_latch   the same phone, the far end echoes to the source (-rtp_echo):
#               two-way, media_nat warning only (media from another address
#               than SDP: NAT evidence), no one_way_media;
#   mirror      as twoway, but the far end's media host is 203.0.113.6 and
#               the capture (a one-leg mirror: SIP both ways, RTP only from
#               the phone) never sees that host send: one_way_media is info
#               and says the capture may not see that direction; the report
#               says what the capture can and cannot show.
# Live: during nat_void, sipscope -i on the carrier side must have alerted
# one_way_media and media_nat (--alerts) before it is stopped.
# And a call still up (long_up, 25 s): 10 s after the answer, at the next
# SIP message (an OPTIONS from the LAN at 15 s), its one-way audio is alerted
# while it lasts, once (not again at its BYE).
# Namespaces media<ID>{p,c,l,n}. Bounded: sipp -timeout and timeout(1),
# about 60 s. Env: SIPSCOPE. Exit 0 pass, 77 skip (not root, tool missing).
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in sipp tcpdump tshark nft ip python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed (scripts/install-deps test)"; exit 77; }
done
[ -f /usr/share/sip-tester/g711a.pcap ] || { echo "no /usr/share/sip-tester/g711a.pcap"; exit 77; }
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
LAB_NS_PREFIX=media
. "$ROOT/tests/lab/lib.sh"
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 77
lab_nat_up || exit 1
# the far end's second (media) address for the mirror case, and a way back
# to the NAT's LAN (the NAT drops what it has no mapping for)
lab_exec "$LAB_NS_CAR" ip addr add 203.0.113.6/24 dev "$LAB_IF_CAR"
lab_exec "$LAB_NS_CAR" ip route add 192.168.50.0/24 via 198.51.100.20 dev "lr$LAB_ID"
lab_exec "$LAB_NS_NAT" nft -f - <<NFT
table ip labnatfw {
    chain inbound { type filter hook forward priority 0; policy accept;
                    iifname "nb$LAB_ID" ct state new drop; }
}
NFT
[ $? -eq 0 ] || { echo "FAIL: nft (NAT firewall)"; exit 1; }
mkdir -p "$LAB_WORK"
sed 's|@PLAY@|<nop><action><exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/></action></nop>|' \
    tests/lab/sipp/media_uas.xml >"$LAB_WORK/uas_play.xml"
sed 's|@PLAY@||' tests/lab/sipp/media_uas.xml >"$LAB_WORK/uas_echo.xml"
fail=0

# call NAME PHONE_NS PHONE_IP "CAP_NS CAP_IF" UAS_SCENARIO MEDIA_IP [UAS_FLAGS] [TCPDUMP_FILTER]
call() {
    _name=$1 _ns=$2 _ip=$3 _sf=$5 _mi=$6 _flags=${7:-} _filt=${8:-udp}
    set -- $4
    _cns=$1 _if=$2
    _pcap=$LAB_WORK/$_name.pcap
    rm -f "$_pcap" "$LAB_WORK/$_name.tcpdump.err"
    lab_exec "$_cns" tcpdump -i "$_if" -n -s 0 -U --immediate-mode -Z root -w "$_pcap" \
        "$_filt" 2>"$LAB_WORK/$_name.tcpdump.err" &
    _cap=$!
    _i=0
    until grep -q "listening on" "$LAB_WORK/$_name.tcpdump.err" 2>/dev/null || [ $_i -ge 50 ]; do
        sleep 0.1; _i=$((_i + 1))
    done
    # the far end: one call, bounded
    # shellcheck disable=SC2086
    timeout -k 2 40 ip netns exec "$LAB_NS_CAR" sipp -nostdin -timeout 30s -timeout_error \
        -sf "$_sf" -i 203.0.113.5 -p 5060 -mi "$_mi" -mp 20000 -m 1 $_flags \
        >"$LAB_WORK/$_name.uas.log" 2>&1 &
    _uas=$!
    sleep 0.5
    timeout -k 2 40 ip netns exec "$_ns" sipp -nostdin -timeout 30s -timeout_error \
        -sf tests/lab/sipp/media_uac.xml -s 2002 -i "$_ip" -p 5070 -mi "$_ip" -mp 30000 -m 1 \
        -d "${CALL_MS:-7600}" \
        203.0.113.5:5060 >"$LAB_WORK/$_name.uac.log" 2>&1
    _rc=$?
    wait "$_uas"
    _urc=$?
    sleep 0.3
    # TERM: a background job of a non-interactive shell ignores SIGINT;
    # tcpdump writes out what it holds on either
    kill -TERM "$_cap" 2>/dev/null
    wait "$_cap" 2>/dev/null
    if [ $_rc -ne 0 ] || [ $_urc -ne 0 ]; then
        echo "FAIL: $_name: sipp exited $_rc (phone) / $_urc (far end)"
        tail -5 "$LAB_WORK/$_name.uac.log" "$LAB_WORK/$_name.uas.log"
        fail=1
    fi
    tshark -q -n -r "$_pcap" -z rtp,streams -o rtp.heuristic_rtp:TRUE 2>/dev/null |
        awk '/0x/ {print $3, $4, $5, $6, $7, $9}' >"$LAB_WORK/$_name.tshark"
    "$SIPSCOPE" -r "$_pcap" --report json >"$LAB_WORK/$_name.json" 2>"$LAB_WORK/$_name.err"
    "$SIPSCOPE" -r "$_pcap" >"$LAB_WORK/$_name.txt" 2>/dev/null
    echo "lab_media: $_name captured ($(wc -l <"$LAB_WORK/$_name.tshark") RTP stream(s) in tshark)"
}

CAR="$LAB_NS_CAR $LAB_IF_CAR" WAN="$LAB_NS_CAR lr$LAB_ID" LAN="$LAB_NS_LAN la$LAB_ID"
call twoway "$LAB_NS_PBX" 198.51.100.10 "$CAR" "$LAB_WORK/uas_play.xml" 203.0.113.5
# the phone's own firewall (its NAT router) drops the far end's RTP: captured at the phone
lab_exec "$LAB_NS_NAT" nft -f - <<NFT
table ip labrtpfw {
    chain rtpdrop { type filter hook forward priority -10; policy accept;
                    iifname "nb$LAB_ID" udp sport 20000 drop; }
}
NFT
[ $? -eq 0 ] || { echo "FAIL: nft (RTP drop)"; exit 1; }
call oneway_fw "$LAB_NS_LAN" 192.168.50.10 "$LAN" "$LAB_WORK/uas_echo.xml" 203.0.113.5 -rtp_echo
lab_exec "$LAB_NS_NAT" nft delete table ip labrtpfw
# live: sipscope -i on the carrier side during the call; its media alerts must be
# out while it still runs (at the BYE), not only when it stops
lab_exec "$LAB_NS_CAR" "$SIPSCOPE" -i "lr$LAB_ID" -q --no-tui --alerts "$LAB_WORK/live.alerts" \
    udp >"$LAB_WORK/live.out" 2>"$LAB_WORK/live.err" &
LIVE=$!
sleep 1
call nat_void "$LAB_NS_LAN" 192.168.50.10 "$WAN" "$LAB_WORK/uas_play.xml" 203.0.113.5
sleep 2
live_kinds=$(python3 -c 'import json, sys
print(" ".join(sorted({json.loads(l)["kind"] for l in open(sys.argv[1]) if l.strip()})))' \
    "$LAB_WORK/live.alerts" 2>/dev/null)
kill -0 "$LIVE" 2>/dev/null && alive=yes || alive=no
kill -TERM "$LIVE" 2>/dev/null
wait "$LIVE" 2>/dev/null
case "$alive $live_kinds" in
    yes*media_nat*one_way_media*) echo "  ok   live: one_way_media and media_nat alerted while sipscope ran ($live_kinds)" ;;
    *) echo "FAIL: live: media alerts while running: '$live_kinds' (running: $alive)"; tail -3 "$LAB_WORK/live.err"; fail=1 ;;
esac
# live, a call still up: a 25 s call; 10 s after its answer, at the next SIP
# message (an OPTIONS ping from the LAN at 15 s), the one-way audio is alerted
# while the call lasts (before its BYE)
lab_exec "$LAB_NS_CAR" "$SIPSCOPE" -i "lr$LAB_ID" -q --no-tui --alerts "$LAB_WORK/long.alerts" \
    udp >"$LAB_WORK/long.out" 2>"$LAB_WORK/long.err" &
LIVE=$!
sleep 1
( sleep 15
  lab_exec "$LAB_NS_LAN" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.168.50.10", 5080))
s.sendto(b"OPTIONS sip:203.0.113.5:5099 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.50.10:5080;branch=z9hG4bKping1\r\n"
         b"From: <sip:ping@192.168.50.10>;tag=p1\r\nTo: <sip:203.0.113.5>\r\nCall-ID: ping1@lab\r\n"
         b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", ("203.0.113.5", 5099))'
  sleep 2
  python3 -c 'import json, sys
k = sorted({json.loads(l)["kind"] for l in open(sys.argv[1]) if l.strip()})
print(" ".join(k))' "$LAB_WORK/long.alerts" >"$LAB_WORK/long.during" 2>/dev/null ) &
PING=$!
CALL_MS=25000 call long_up "$LAB_NS_LAN" 192.168.50.10 "$WAN" "$LAB_WORK/uas_play.xml" 203.0.113.5
wait "$PING"
kill -TERM "$LIVE" 2>/dev/null
wait "$LIVE" 2>/dev/null
during=$(cat "$LAB_WORK/long.during" 2>/dev/null)
case "$during" in
    *one_way_media*) echo "  ok   live: a call still up is alerted one-way 17 s in, before its BYE ($during)" ;;
    *) echo "FAIL: live: no one_way_media alert during the 25 s call (alerts then: '$during')"; fail=1 ;;
esac
python3 -c 'import json, sys
n = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ow = [a for a in n if a["kind"] == "one_way_media"]
sys.exit(0 if len(ow) == 1 and ow[0]["count"] == 1 else 1)' "$LAB_WORK/long.alerts" &&
    echo "  ok   live: judged once (one one_way_media alert, count 1, none again at the BYE)" ||
    { echo "FAIL: live: the call was judged more than once"; fail=1; }
call nat_latch "$LAB_NS_LAN" 192.168.50.10 "$WAN" "$LAB_WORK/uas_echo.xml" 203.0.113.5 -rtp_echo
call mirror "$LAB_NS_PBX" 198.51.100.10 "$CAR" "$LAB_WORK/uas_play.xml" 203.0.113.6 "" \
    "udp and (port 5060 or src host 198.51.100.10)"

python3 - "$LAB_WORK" <<'PY' || fail=1
import json, sys
d = sys.argv[1]
bad = []
def need(c, what):
    print("  %s %s" % ("ok  " if c else "FAIL", what))
    if not c:
        bad.append(what)
def load(n):
    doc = json.load(open("%s/%s.json" % (d, n)))
    ts = {}
    for line in open("%s/%s.tshark" % (d, n)):
        sa, sp, da, dp, ssrc, pk = line.split()
        ts[(sa, int(sp), da, int(dp), int(ssrc, 16))] = int(pk)
    return doc, ts, open("%s/%s.txt" % (d, n)).read()
def kinds(doc):
    return {f["kind"]: f for f in doc["findings"]}
def media_kinds(doc):
    return {k: f for k, f in kinds(doc).items() if k in ("one_way_media", "no_media", "media_nat")}
def streams(doc):
    return {(m["src"], m["src_port"], m["dst"], m["dst_port"], m["ssrc"]): m["packets"]
            for m in doc["media"]}
def verdicts(doc):
    return [c["verdict"] for c in doc["media_calls"]]

# every capture: sipscope's streams are tshark's (addresses, ports, SSRC, packets)
for n in ("twoway", "oneway_fw", "nat_void", "nat_latch", "mirror"):
    doc, ts, _ = load(n)
    need(streams(doc) == ts and len(ts) > 0,
         "%s: %d stream(s) equal tshark's (sipscope %s, tshark %s)" % (n, len(ts), streams(doc), ts))

doc, ts, _ = load("twoway")
need(len(ts) == 2 and all(p == 236 for p in ts.values()), "twoway: 236 packets each way on the wire")
need(verdicts(doc) == ["two-way"] and not media_kinds(doc), "twoway: two-way, no media finding")

doc, ts, txt = load("oneway_fw")
mk = media_kinds(doc)
ow = mk.get("one_way_media")
need(len(ts) == 1 and verdicts(doc) == ["one-way"], "oneway_fw: one stream, verdict one-way")
need(ow is not None and ow["severity"] == "error" and "no RTP from the callee" in ow["summary"],
     "oneway_fw: one_way_media error, the callee is silent")
need("media_nat" not in mk, "oneway_fw: no NAT finding (nothing moved)")
need(any(r["root_cause"] == "one_way_media" for r in doc["diagnosis"]),
     "oneway_fw: one_way_media is a root cause (nothing explains it)")

doc, ts, txt = load("nat_void")
k = kinds(doc)
ow, mn = k.get("one_way_media"), k.get("media_nat")
need(verdicts(doc) == ["one-way"], "nat_void: verdict one-way")
need(any(s[0] == "198.51.100.20" and s[2] == "203.0.113.5" for s in ts) and
     any(s[2] == "192.168.50.10" for s in ts),
     "nat_void: the wire has the phone's RTP from the NAT and the far end's to the private address")
need(ow is not None and ow["severity"] == "error", "nat_void: one_way_media error")
need(mn is not None and mn["severity"] == "error" and "192.168.50.10:30000" in mn["summary"],
     "nat_void: media_nat error: media sent to the private SDP address")
need(mn is not None and any("symmetric RTP" in c for c in mn["causes"]),
     "nat_void: media_nat explains symmetric-RTP latching")
roles = {e["role"] for e in (mn or {}).get("evidence", [])}
need({"media from another address", "RTP to a private SDP address"} <= roles,
     "nat_void: media_nat cites the moved source and the RTP to the private address")
need(ow is not None and mn is not None and ow.get("explained_by") == mn["id"],
     "nat_void: one_way_media explained by media_nat")
need("nat_rewrite" in k, "nat_void: nat_rewrite for the private SIP addresses")
roots = [r["root_cause"] for r in doc["diagnosis"]]
need("one_way_media" not in roots and "media_nat" in roots,
     "nat_void: diagnosis roots %s: media_nat, not one_way_media" % roots)

doc, ts, txt = load("nat_latch")
mk = media_kinds(doc)
mn = mk.get("media_nat")
need(verdicts(doc) == ["two-way"], "nat_latch: two-way (the far end latched onto the NAT address)")
need(mn is not None and mn["severity"] == "warning" and "198.51.100.20" in mn["summary"],
     "nat_latch: media_nat warning: media from the NAT address, not the SDP's")
need("one_way_media" not in mk and "no_media" not in mk, "nat_latch: no one-way or missing audio")

doc, ts, txt = load("mirror")
ow = media_kinds(doc).get("one_way_media")
need(len(ts) == 1, "mirror: the capture holds one direction of RTP")
need(ow is not None and ow["severity"] == "info" and "may not see" in ow["summary"],
     "mirror: one_way_media only info: the capture may not see that direction")
need(not any(f["severity"] in ("error", "critical") for f in doc["findings"]),
     "mirror: nothing of error severity")
need([c["note"] for c in doc["media_calls"]] ==
     ["this capture shows nothing sent from the callee's media host 203.0.113.6 (one direction "
      "of a mirror?): it cannot show whether the callee sent RTP"],
     "mirror: the call's media note says what the capture cannot show")
need("may not see" in txt and "it cannot show whether the callee sent RTP" in txt,
     "mirror: the text report says the call is one-way as captured and what the capture may not see")
sys.exit(1 if bad else 0)
PY
[ $fail -eq 0 ] || { for n in twoway oneway_fw nat_void nat_latch mirror; do
    echo "--- $n"; sed -n '/^Media/,/^$/p' "$LAB_WORK/$n.txt"; done; }
exit $fail
