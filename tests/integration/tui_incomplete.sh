#!/bin/sh
# tui_incomplete.sh — issue 14: when a table evicts past the memory budget,
# the dashboard's header says "analysis incomplete: ..." naming what was
# evicted, and says nothing of the kind when nothing was lost. Capture: the
# lab's brute_force run (12 REGISTER dialogs); tiny --cap values for the
# dialog and transaction tables stand in for a budget that is too small.
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/brute_force.pcap"
[ -f "$PCAP" ] || { echo "no capture"; exit 77; }

tui_start 160 40 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_expect_not "analysis incomplete" "nothing evicted: no warning"
tui_quit
tui_stop

tui_start 160 40 LANG=C.UTF-8 -- -r "$PCAP" --tui --cap dialogs=1 --cap transactions=2
tui_wait "replay done" 20 || tui_done
tui_expect "analysis incomplete:" "the header says the analysis lost state"
tui_expect "dialogs" "...and names the table"
tui_quit
tui_done
