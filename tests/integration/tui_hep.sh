#!/bin/sh
# tui_hep.sh — the dashboard of a central `sipscope --hep-in` shows its
# agents and what they sent that was refused (issue 19): in a network
# namespace made here (192.0.2.1 on its loopback), the central sipscope
# holds an authentication key; sipscope --hep-out sends the lab capture with
# the key (agent 42) and without it (agent 44). The header must count 2 HEP
# agents and the 44's records as refused, the SIP count only the 42's; q
# restores the terminal. Needs root and `ip netns`; skipped otherwise.
. "$(dirname "$0")/lib/tui.sh"
tui_require
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "no iproute2"; exit 77; }
NS="h19tui$$"
hep_cleanup() {
    tui_stop
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TUI_TMP"
}
trap hep_cleanup EXIT
ip netns add "$NS" 2>/dev/null || { echo "cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up
ip -n "$NS" addr add 192.0.2.1/32 dev lo
IN=$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/clean.pcap
printf 'tui-key-%s\n' "$$" >"$TUI_TMP/key"; chmod 600 "$TUI_TMP/key"
N=$("$SIPSCOPE" -q -r "$IN" --messages 2>/dev/null | tail -n +2 | wc -l)

TUI_PREFIX="ip netns exec $NS" tui_start 200 40 LANG=C.UTF-8 -- --hep-in 192.0.2.1:9060 \
    --hep-key-file "$TUI_TMP/key" -n
tui_wait "F1 Help" 10 || tui_done
ip netns exec "$NS" timeout 20 "$SIPSCOPE" -q -r "$IN" --hep-out 192.0.2.1:9060 --hep-id 42 \
    --hep-key-file "$TUI_TMP/key" >/dev/null 2>&1
ip netns exec "$NS" timeout 20 "$SIPSCOPE" -q -r "$IN" --hep-out 192.0.2.1:9060 --hep-id 44 \
    >/dev/null 2>&1
tui_wait "HEP agents 2 " 10 || tui_done
tui_wait "HEP refused $N" 10 || tui_done
hdr=$(tui_pane | sed -n 2p)
echo "$hdr" | grep -qE " SIP $N " || tui_fail "SIP count is not the keyed agent's $N: '$hdr'"
tui_quit 0
tui_done
