#!/bin/sh
# tui_live.sh — `sipscope -i IFACE` on a terminal opens the dashboard by
# itself and follows live traffic: inside two private network namespaces
# joined by a veth pair (192.0.2.0/24, documentation addresses), a client
# sends a bounded number of SIP REGISTERs (30, one every 20 ms) to a
# server that reads and drops them; the header must say "live", name
# the interface and count every message, with no drops, while the elapsed
# clock runs. Then the terminal is frozen (XOFF, as Ctrl-S does: the UI
# thread blocks in write) while 300 more REGISTERs arrive through a 64 KiB
# ring, several times what the ring holds: had the analysis waited for the
# screen, the ring would overflow and count drops. After XON every message
# must be counted with zero drops. q then ends the capture with the
# terminal restored.
# Needs root and `ip netns`; skipped otherwise.
. "$(dirname "$0")/lib/tui.sh"
tui_require
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "no iproute2"; exit 77; }

NS_C="h8c$$"
NS_S="h8s$$"
IF_C="h8vc$$"
IF_S="h8vs$$"
RECV=""
live_cleanup() {
    [ -n "$RECV" ] && kill "$RECV" 2>/dev/null
    tui_stop
    ip netns del "$NS_C" 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    rm -rf "$TUI_TMP"
}
trap live_cleanup EXIT

ip netns add "$NS_C" 2>/dev/null || { echo "cannot create a network namespace"; exit 77; }
ip netns add "$NS_S" || exit 77
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S" || exit 77
ip -n "$NS_C" addr add 192.0.2.10/24 dev "$IF_C"
ip -n "$NS_S" addr add 192.0.2.20/24 dev "$IF_S"
ip -n "$NS_C" link set "$IF_C" up
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link set lo up

# The dashboard must open without --tui: stdout is a terminal.
TUI_PREFIX="ip netns exec $NS_S" tui_start 120 40 LANG=C.UTF-8 -- -i "$IF_S" -n \
    -s 2048 --cap ring_bytes=65536
tui_wait "interface $IF_S" 10 || tui_done
tui_expect "live"

# A receiver on the server side, so no ICMP port-unreachable (which
# quotes the SIP message) adds packets; bounded by timeout, killed by PID.
ip netns exec "$NS_S" timeout 30 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.20", 5060))
while True:
    s.recv(65535)
' &
RECV=$!
sleep 0.3

send() {
ip netns exec "$NS_C" python3 - "$1" "$2" "$3" <<'EOF'
import socket, sys, time
n, first, gap = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.10", 5060))
for i in range(first, first + n):
    msg = ("REGISTER sip:192.0.2.20 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKlive%d\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:1001@192.0.2.20>;tag=live%d\r\n"
           "To: <sip:1001@192.0.2.20>\r\n"
           "Call-ID: live-%d@192.0.2.10\r\n"
           "CSeq: 1 REGISTER\r\n"
           "Contact: <sip:1001@192.0.2.10:5060>\r\n"
           "Content-Length: 0\r\n\r\n") % (i, i, i)
    try:
        s.sendto(msg.encode(), ("192.0.2.20", 5060))
    except OSError:
        pass
    time.sleep(gap)
EOF
}
N=30
send $N 0 0.02

tui_wait "SIP $N " 10 || tui_done
hdr=$(tui_pane | sed -n 2p)
echo "$hdr" | grep -qE "ring drops 0 " || tui_fail "ring drops in '$hdr'"
echo "$hdr" | grep -qE "kernel drops 0 " || tui_fail "kernel drops in '$hdr'"
tui_expect "Dialogs ($N)" "one dialog per REGISTER"
# The elapsed clock runs while live.
# Polled (up to 10 s), not one fixed 2.2 s sleep: a loaded machine may redraw late.
e1=$(tui_pane | sed -n 1p)
e2=$e1 n=0
while [ "$e1" = "$e2" ] && [ $n -lt 100 ]; do sleep 0.1; e2=$(tui_pane | sed -n 1p); n=$((n + 1)); done
[ "$e1" != "$e2" ] || tui_fail "elapsed time does not move in 10 s: '$e1'"
echo "elapsed clock moved after $((n * 100)) ms"

# Frozen terminal: 300 more messages, 3 ms apart (about 190 KB through
# a 64 KiB ring), while the UI cannot write.
tui_keys C-s
sleep 0.3
send 300 $N 0.003
sleep 1
# The screen really was frozen: it still shows the first count.
tui_pane | sed -n 2p | grep -qE "SIP $N " || tui_fail "the terminal did not freeze (XOFF)"
tui_keys C-q
M=$((N + 300))
tui_wait "SIP $M " 10 || tui_done
hdr=$(tui_pane | sed -n 2p)
echo "$hdr" | grep -qE "ring drops 0 " || tui_fail "frozen terminal caused ring drops: '$hdr'"
echo "$hdr" | grep -qE "kernel drops 0 " || tui_fail "kernel drops in '$hdr'"

tui_keys q
n=100
while [ $n -gt 0 ] && [ ! -s "$TUI_TMP/exit" ]; do sleep 0.1; n=$((n - 1)); done
rc=$(cat "$TUI_TMP/exit" 2>/dev/null)
case "$rc" in 0|1) ;; *) tui_fail "exit status '$rc' after q ($(cat "$TUI_TMP/stderr"))" ;; esac
sleep 0.3
grep -qE '(^| )icanon( |$)' "$TUI_TMP/stty" || tui_fail "terminal left without icanon"
grep -qE '(^| )echo( |$)' "$TUI_TMP/stty" || tui_fail "terminal left without echo"
tui_done
