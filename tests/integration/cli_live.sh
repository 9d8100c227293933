#!/bin/sh
# cli_live: live capture (-i) on a veth pair between two network namespaces
# made here (names prefixed h1, documentation addresses only). Five SIP
# OPTIONS datagrams go from 198.51.100.1 to 203.0.113.1; sipscope captures
# them on the receiving side with a BPF filter and -c 5, and must count
# exactly 5 packets and 5 SIP messages, then stop by itself. A second run
# checks -w and SIGINT on an idle live capture; a third, a burst into a
# tiny ring: live frames are dropped and counted, never waited for.
# Needs root; else skipped.
set -u
: "${SIPSCOPE:?}"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    echo "needs root, ip and python3"; exit 77
fi
A=h1a$$ B=h1b$$
T=$(mktemp -d) || exit 1
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

ip netns add "$A" && ip netns add "$B" || { echo "cannot create namespaces"; exit 77; }
ip -n "$A" link add h1va type veth peer name h1vb netns "$B" || { echo "no veth"; exit 77; }
ip -n "$A" addr add 198.51.100.1/24 dev h1va
ip -n "$B" addr add 203.0.113.1/24 dev h1vb
ip -n "$A" link set h1va up; ip -n "$A" link set lo up
ip -n "$B" link set h1vb up; ip -n "$B" link set lo up
ip -n "$A" route add 203.0.113.0/24 dev h1va
ip -n "$B" route add 198.51.100.0/24 dev h1vb

# send N: N OPTIONS datagrams, 50 ms apart (bounded count and time).
send() {
    ip netns exec "$A" timeout 20 python3 - "$1" <<'PY'
import socket, sys, time
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 5060))
for i in range(n):
    msg = ("OPTIONS sip:203.0.113.1 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-h1-%d\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:probe@198.51.100.1>;tag=h1t%d\r\n"
           "To: <sip:203.0.113.1>\r\n"
           "Call-ID: h1-live-%d@198.51.100.1\r\n"
           "CSeq: %d OPTIONS\r\n"
           "Content-Length: 0\r\n\r\n") % (i, i, i, i + 1)
    s.sendto(msg.encode(), ("203.0.113.1", 5060))
    time.sleep(0.05)
PY
}

# wait_listening FILE: until sipscope says it is capturing (at most 10 s).
wait_listening() {
    i=0
    while ! grep -q "listening on" "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1
    done
}

# 1. -c 5 with a filter: stops by itself after the 5 datagrams. Also -p,
# -B, and -Z nobody: capturing goes on after the privileges are dropped.
ip netns exec "$B" timeout 30 "$SIPSCOPE" -i h1vb -c 5 -p -B 1024 -Z nobody --no-tui \
    --messages udp port 5060 >"$T/out" 2>"$T/err" &
pid=$!
wait_listening "$T/err" || bad "never started: $(cat "$T/err")"
send 5
wait "$pid"; rc=$?; pid=""
[ $rc -eq 0 ] || bad "-c 5: exit $rc: $(cat "$T/err")"
grep -q "^sipscope: 5 packets, 5 SIP messages" "$T/err" || bad "-c 5 summary: $(cat "$T/err")"
[ "$(grep -c "	198.51.100.1	5060	203.0.113.1	5060	UDP	OPTIONS	" "$T/out")" -eq 5 ] \
    || bad "-c 5: want 5 OPTIONS lines: $(cat "$T/out")"
grep -q "kernel drops" "$T/err" || bad "summary lacks kernel drops"

# 2. -w, then SIGINT while idle: the file holds the 3 datagrams.
ip netns exec "$B" timeout 30 "$SIPSCOPE" -i h1vb -w "$T/live.pcap" --no-tui \
    -f 'udp port 5060' >"$T/out2" 2>"$T/err2" &
pid=$!
wait_listening "$T/err2" || bad "second run never started"
send 3
sleep 0.5
kill -INT "$pid"
wait "$pid"; rc=$?; pid=""
[ $rc -le 1 ] || bad "SIGINT live: exit $rc: $(cat "$T/err2")"
grep -q "^sipscope: 3 packets, 3 SIP messages.*(interrupted)" "$T/err2" || bad "live summary: $(cat "$T/err2")"
[ -s "$T/out2" ] || bad "no report after SIGINT"
[ "$(tcpdump -r "$T/live.pcap" 2>/dev/null | wc -l)" -eq 3 ] || bad "-w live: want 3 frames"

# 3. A burst into a tiny ring: live capture never waits, it drops and
# counts. Every frame is accounted for: analysed + ring drops = packets,
# and packets + kernel drops = what was sent (the filter sees only ours).
N=20000
ip netns exec "$B" timeout 30 "$SIPSCOPE" -i h1vb -s 1500 --cap ring_bytes=4096 --no-tui \
    --messages udp port 5060 >"$T/out4" 2>"$T/err4" &
pid=$!
wait_listening "$T/err4" || bad "burst run never started"
ip netns exec "$A" timeout 20 python3 - "$N" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
m = (b"OPTIONS sip:203.0.113.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-b\r\n"
     b"From: <sip:burst@198.51.100.1>;tag=b\r\nTo: <sip:203.0.113.1>\r\nCall-ID: burst@h1\r\n"
     b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
for i in range(int(sys.argv[1])):
    s.sendto(m, ("203.0.113.1", 5060))
PY
sleep 1
kill -INT "$pid"
wait "$pid"; pid=""
line=$(grep "^sipscope: [0-9]* packets" "$T/err4")
set -- $(echo "$line" | tr -cs '0-9' ' ')
pk=$1 sip=$2 rd=$4 kd=$5 ifd=$6
[ -n "$pk" ] || bad "burst: no summary: $(cat "$T/err4")"
[ "$(tail -n +2 "$T/out4" | wc -l)" -eq "$sip" ] || bad "burst: message lines != $sip"
[ $((sip + rd)) -eq "$pk" ] || bad "burst: $sip analysed + $rd ring drops != $pk packets"
[ $((pk + kd + ifd)) -eq $N ] || bad "burst: $pk packets + $kd + $ifd kernel drops != $N sent"
echo "burst of $N: $pk packets, $rd ring drops, $kd kernel drops"

# 4. A missing interface: one line, exit 2.
ip netns exec "$B" "$SIPSCOPE" -i h1nosuch0 --no-tui >/dev/null 2>"$T/err3"
[ $? -eq 2 ] || bad "missing iface exit"
grep -q "h1nosuch0" "$T/err3" || bad "missing iface message: $(cat "$T/err3")"
exit $fail
