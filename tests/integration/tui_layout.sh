#!/bin/sh
# tui_layout.sh — the dashboard keeps a sane layout at every size a person
# uses: started at 120x40, resized to 80x24 (tabbed panels) and to 200x60
# (all panels stacked), on the main view, the finding detail, the call-flow
# ladder and the help screen. "Sane": exactly the pane's rows, none wider
# than the pane, no control characters, header first, footer last, the
# drop counters visible. Capture: the lab's brute_force run (12 refused
# REGISTER retries from one source), with many dialogs to lay out.
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/brute_force.pcap"
[ -f "$PCAP" ] || PCAP="$SHARED/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
[ -f "$PCAP" ] || { echo "no capture"; exit 77; }

tui_start 120 40 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_sane 120 40
tui_expect "ring drops 0"
tui_expect "kernel drops 0"
tui_expect "Findings ("
tui_expect "Peers ("
tui_expect "Dialogs ("

# 80x24: one panel at a time under a tab bar.
tui_resize 80 24
sleep 0.5
tui_sane 80 24
tui_expect "1 Findings"
tui_expect "3 Dialogs"
tui_expect "ring drops 0" "drop counters stay visible at 80 columns"
tui_keys Tab
sleep 0.3
tui_sane 80 24
tui_expect "PEER"
tui_keys Tab
sleep 0.3
tui_expect "METHOD"
# Page through the dialogs: still sane at the end of the list.
tui_keys NPage NPage End
sleep 0.3
tui_sane 80 24

# Ladder at 80x24, then resized while open.
tui_keys Enter
tui_wait "Call flow:" || tui_done
tui_sane 80 24
tui_keys NPage
sleep 0.2
tui_sane 80 24
tui_resize 200 60
sleep 0.5
tui_sane 200 60
tui_expect "Call flow:"
tui_keys Escape
tui_wait_gone "Call flow:"

# 200x60: all three panels at once.
tui_sane 200 60
tui_expect "Findings ("
tui_expect "Peers ("
tui_expect "Dialogs ("
tui_expect "6xx" "wide peer columns"
tui_expect_not "GEO" "no GEO column without GeoIP data (tui_keys.sh)"

# Detail at 200x60 and after shrinking back to 80x24.
tui_keys 1 Enter
tui_wait "Finding detail" || tui_done
tui_sane 200 60
tui_resize 80 24
sleep 0.5
tui_sane 80 24
tui_expect "Finding detail"
tui_keys NPage NPage NPage End
sleep 0.2
tui_sane 80 24
tui_keys Escape

# Help: every key group listed, any key returns.
tui_keys '?'
tui_wait "Help: keys" || tui_done
tui_sane 80 24
tui_resize 120 40
sleep 0.4
tui_sane 120 40
for k in "Tab" "Enter" "filter" "save the report" "evidence pcap" "pause" "quit"; do
    tui_expect "$k" "help lists $k"
done
tui_keys x
tui_wait_gone "Help: keys"

# Far too small: a message, no crash; back to normal afterwards.
tui_resize 30 8
sleep 0.4
tui_expect "too small"
tui_resize 100 30
sleep 0.4
tui_sane 100 30

tui_quit 0
tui_done
