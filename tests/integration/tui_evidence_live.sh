#!/bin/sh
# tui_evidence_live.sh — `w` on a live capture (issue 15, item 4: it once
# said "not available"). Inside two private network namespaces joined by a
# veth pair, tcpreplay sends the lab's auth_rejected_403 capture (6 frames,
# documentation addresses, never routed anywhere) past `sipscope -i` with
# its dashboard open. The finding appears live; Enter opens it and `w`
# writes its evidence: the SIP messages the engine kept, as exported PDUs.
# tshark must read them as the same SIP messages as the capture's cited
# frames (methods and status codes in order), each carrying its live frame
# number (exported_pdu.orig_fno) and a comment that names the interface,
# the finding and that the packet headers were not kept.
# Needs root, `ip netns`, tcpreplay and tshark; skipped otherwise.
. "$(dirname "$0")/lib/tui.sh"
tui_require
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
for t in ip tcpreplay tshark; do
    command -v $t >/dev/null 2>&1 || { echo "$t missing"; exit 77; }
done
PCAP="$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/auth_rejected_403.pcap"
[ -f "$PCAP" ] || { echo "FAIL: no $PCAP"; exit 1; }

NS_C="uxec$$"
NS_S="uxes$$"
IF_C="uxvc$$"
IF_S="uxvs$$"
live_cleanup() {
    tui_stop
    ip netns del "$NS_C" 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    rm -rf "$TUI_TMP"
}
trap live_cleanup EXIT

ip netns add "$NS_C" 2>/dev/null || { echo "cannot create a network namespace"; exit 77; }
ip netns add "$NS_S" || exit 77
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S" || exit 77
# no IPv6 on the link: no router or neighbour solicitations among the frames
ip netns exec "$NS_C" sysctl -qw "net.ipv6.conf.$IF_C.disable_ipv6=1"
ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$IF_S.disable_ipv6=1"
ip -n "$NS_C" link set "$IF_C" up
ip -n "$NS_S" link set "$IF_S" up

TUI_PREFIX="ip netns exec $NS_S" tui_start 120 40 LANG=C.UTF-8 -- -i "$IF_S" -n
tui_wait "interface $IF_S" 10 || tui_done
ip netns exec "$NS_C" timeout 20 tcpreplay -q -i "$IF_C" "$PCAP" >/dev/null 2>&1 ||
    { tui_fail "tcpreplay failed"; tui_done; }
tui_wait "auth_rejected" 15 || tui_done
tui_keys 1 Home Enter
tui_wait "Finding detail" || tui_done
tui_keys w
tui_wait "write this finding's kept messages to:" || tui_done
tui_keys Enter
tui_wait "kept evidence message" || tui_done
tui_quit 0

tshark -r "$TUI_TMP/sipscope-evidence.pcapng" -T fields -e exported_pdu.orig_fno \
    -e sip.Method -e sip.Status-Code -e frame.comment 2>/dev/null >"$TUI_TMP/kept.tsv"
# the cited frames of the capture itself, read by tshark: 1, 2, 4, 5
tshark -r "$PCAP" -Y "frame.number == 1 || frame.number == 2 || frame.number == 4 || frame.number == 5" -T fields -e sip.Method -e sip.Status-Code \
    2>/dev/null >"$TUI_TMP/want.tsv"
python3 - "$TUI_TMP/kept.tsv" "$TUI_TMP/want.tsv" "$IF_S" <<'EOF' || tui_fail "live evidence differs"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
want = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
bad = []
if [r[1:3] for r in rows] != want:
    bad.append("messages %s, the capture's cited frames %s" % ([r[1:3] for r in rows], want))
for r in rows:
    if not r[3].startswith("sipscope evidence: frame %s of %s; F" % (r[0], sys.argv[3])) or \
       "auth_rejected" not in r[3] or "headers were not kept" not in r[3]:
        bad.append("comment %r" % r[3])
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
EOF
tui_done
