#!/bin/sh
# live_hep.sh — sipscope as a HEP capture agent (--hep-out, --hep-id): in a
# network namespace made here (192.0.2.1 on its loopback), sipscope reads lab captures and sends every SIP message as
# HEPv3 over UDP and over TCP. Checked two independent ways against the
# sender's own --messages list:
#   - a small Python HEP3 parser (tests/integration/lib/hep_recv.py) that
#     receives the packets: same messages, same order, same time, addresses,
#     ports, transport, Call-ID, CSeq; protocol type 1 (SIP); agent id 42;
#   - sipscope itself reading the tcpdump capture of the HEP traffic: the
#     same --messages, and site_id 42 on its peers (a central sipscope).
# Also IPv6 from --hep-out to --hep-in, and no HEP loop through a capture.
# (tshark 4.0 has no HEP dissector, see /work/shared/pcaps/MANIFEST.md.)
# Bounded: every step has a timeout; the namespace goes in the EXIT trap.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in ip tcpdump python3 timeout; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--hep-out' || { echo "FAIL: sipscope --help has no --hep-out"; exit 1; }
NS=h10hep$$
W=$(mktemp -d) || exit 1
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || { echo "cannot create network namespaces"; exit 77; }
ip -n "$NS" link set lo up
ip -n "$NS" addr add 192.0.2.1/32 dev lo
fail=0

# wait_file F: until F exists (bounded, 5 s).
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }

for proto in udp tcp; do
    port=9060; spec="192.0.2.1:$port"
    [ $proto = tcp ] && { port=9061; spec="tcp:192.0.2.1:$port"; }
    for pc in clean brute_force; do
        in=pcaps/lab/$pc.pcap
        "$SIPSCOPE" -q -r "$in" --messages 2>/dev/null | tail -n +2 >"$W/want.tsv"
        n=$(wc -l <"$W/want.tsv")
        rm -f "$W/ready"
        ip netns exec "$NS" tcpdump -i lo -n -s 0 -B 16384 -U --immediate-mode -w "$W/hep.pcap" \
            "$proto port $port" 2>"$W/tcpdump.err" &
        TD=$!; PIDS="$PIDS $TD"
        wait_file "$W/tcpdump.err"
        i=0; while ! grep -q "listening on" "$W/tcpdump.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        ip netns exec "$NS" timeout 20 python3 tests/integration/lib/hep_recv.py $proto 192.0.2.1 \
            $port "$n" 15 "$W/got.tsv" "$W/ready" &
        RX=$!; PIDS="$PIDS $RX"
        wait_file "$W/ready" || { echo "FAIL: receiver did not start"; exit 1; }
        ip netns exec "$NS" timeout 20 "$SIPSCOPE" -q -r "$in" --hep-out "$spec" --hep-id 42 \
            --messages >"$W/sent.tsv" 2>"$W/sent.err" ||
            { [ $? -le 1 ] || { echo "FAIL: $proto $pc: sipscope --hep-out failed"; cat "$W/sent.err"; fail=1; }; }
        wait "$RX"
        sleep 1
        kill -INT "$TD"; wait "$TD"
        PIDS=""
        # The sender's own list equals the list without --hep-out.
        tail -n +2 "$W/sent.tsv" | diff -q - "$W/want.tsv" >/dev/null ||
            { echo "FAIL: $proto $pc: --messages changed with --hep-out"; fail=1; }
        # Independent parser: columns 2..11 of --messages, protocol 1, agent 42.
        cut -f2-6,8-11 "$W/want.tsv" | awk -F'\t' -v OFS='\t' '{print $1,$2,$3,$4,$5,"UDP",$6,$7,$8,$9,"1","42"}' >"$W/want_hep.tsv"
        if ! diff -u "$W/want_hep.tsv" "$W/got.tsv" >"$W/diff" 2>&1; then
            echo "FAIL: $proto $pc: HEP received differs from the messages sent"; head -20 "$W/diff"; fail=1
        fi
        # sipscope as the central collector, reading the HEP capture (over
        # TCP, one segment may carry dozens of HEP records).
        "$SIPSCOPE" -q -r "$W/hep.pcap" --messages 2>/dev/null | tail -n +2 | cut -f2- >"$W/central.tsv"
        cut -f2- "$W/want.tsv" | diff -u - "$W/central.tsv" >"$W/diff2" 2>&1 ||
            { echo "FAIL: $proto $pc: central sipscope sees other messages"; head -20 "$W/diff2";
              cat "$W/tcpdump.err"; fail=1; }
        "$SIPSCOPE" -q -r "$W/hep.pcap" --report json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = {p["site_id"] for p in d["peers"]}
sys.exit(0 if ids == {42} else "site ids %s" % ids)' || { echo "FAIL: $proto $pc: site_id"; fail=1; }
        echo "$proto $pc: $n messages sent and checked"
    done
done
# IPv6 both ways: sipscope --hep-out [v6]:port to sipscope --hep-in [v6]:port.
ip -n "$NS" addr add 2001:db8::1/128 dev lo nodad
ip netns exec "$NS" "$SIPSCOPE" --hep-in "[2001:db8::1]:9062" --no-tui \
    --report-file "$W/v6.json" --report json >/dev/null 2>"$W/v6.err" &
CT=$!; PIDS="$CT"
i=0; while ! grep -q "listening on" "$W/v6.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ip netns exec "$NS" timeout 20 "$SIPSCOPE" -q -r pcaps/lab/clean.pcap \
    --hep-out "[2001:db8::1]:9062" --hep-id 6 >/dev/null 2>&1
sleep 0.5
kill -TERM "$CT"; wait "$CT"; PIDS=""
python3 - "$W/v6.json" <<'PY' || { echo "FAIL: IPv6 HEP"; cat "$W/v6.err"; fail=1; }
import json, sys
d = json.load(open(sys.argv[1]))
n, sites = d["stats"]["sip_messages"], {p["site_id"] for p in d["peers"]}
print("IPv6 --hep-out -> --hep-in: %d messages, sites %s" % (n, sites))
sys.exit(0 if n == 16 and sites == {6} else 1)
PY

# A capture agent that sees its own HEP go out (-i on the interface the HEP
# leaves by) must not send it again: 3 SIP datagrams give 3 HEP packets (6:
# a capture on lo sees each datagram leave and arrive), not an endless loop.
rm -f "$W/ready"
ip netns exec "$NS" timeout 10 python3 tests/integration/lib/hep_recv.py udp 192.0.2.1 9060 \
    1000 4 "$W/loop.tsv" "$W/ready" &
RX=$!; PIDS="$RX"
wait_file "$W/ready" || { echo "FAIL: receiver did not start"; exit 1; }
ip netns exec "$NS" "$SIPSCOPE" -i lo -q --no-tui --hep-out 192.0.2.1:9060 --hep-id 5 \
    >"$W/agent.out" 2>"$W/agent.err" &
AG=$!; PIDS="$RX $AG"
sleep 1
ip netns exec "$NS" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 5060))
for i in range(3):
    s.sendto(("OPTIONS sip:t@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%d\r\n"
              "From: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:t@192.0.2.1>\r\nCall-ID: loop%d\r\n"
              "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (i, i)).encode(), ("192.0.2.1", 5062))
'
wait "$RX"
kill -TERM "$AG"; wait "$AG"; PIDS=""
got=$(wc -l <"$W/loop.tsv")
[ "$got" -ge 3 ] && [ "$got" -le 6 ] ||
    { echo "FAIL: 3 SIP datagrams on the captured interface gave $got HEP packets"; fail=1; }
echo "agent on its own HEP path: $got HEP packets for 3 messages"
exit $fail
