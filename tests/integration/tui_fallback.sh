#!/bin/sh
# tui_fallback.sh — when the dashboard runs and when the report is printed.
#  - --tui with stdout not a terminal (a file, a pipe): an error that says
#    so, exit 2, nothing on stdout; without --tui the report, as --no-tui.
#  - TERM=dumb: no dashboard, the report on the terminal.
#  - After q, the report is printed only when asked for with --report, and
#    then the exit status is the report's (1: findings); without --report
#    quitting the dashboard exits 0.
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$SHARED/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
[ -f "$PCAP" ] || { echo "missing $PCAP"; exit 77; }

"$SIPSCOPE" -r "$PCAP" --no-tui >"$TUI_TMP/plain" 2>/dev/null
want=$?
"$SIPSCOPE" -r "$PCAP" >"$TUI_TMP/auto" 2>/dev/null
got=$?
[ "$got" = "$want" ] || tui_fail "no --tui to a file exits $got, --no-tui $want"
[ -s "$TUI_TMP/plain" ] || tui_fail "--no-tui printed nothing"
cmp -s "$TUI_TMP/plain" "$TUI_TMP/auto" || tui_fail "no --tui to a file is not the plain report"
[ "$want" = 1 ] || tui_fail "this capture has findings: want exit 1, got $want"
"$SIPSCOPE" -r "$PCAP" --tui >"$TUI_TMP/tui" 2>"$TUI_TMP/tui.err"
got=$?
[ "$got" = 2 ] || tui_fail "--tui to a file exits $got, want 2"
[ -s "$TUI_TMP/tui" ] && tui_fail "--tui to a file printed a report"
grep -qF "not a terminal" "$TUI_TMP/tui.err" || tui_fail "--tui to a file does not say why: $(cat "$TUI_TMP/tui.err")"

# A terminal that cannot run it: the report on the terminal.
tui_start 100 30 TERM=dumb -- -r "$PCAP" --tui
tui_wait "SIPSCOPE-ENDED" 15 || tui_done
tui_expect_not "F1 Help"
tui_pane -S - | grep -qF auth_rejected || tui_fail "no text report on a dumb terminal"

# q with --report json: the dashboard, then the JSON report, status 1.
tui_stop
tui_start 100 30 LANG=C.UTF-8 -- -r "$PCAP" --tui --report json
tui_wait "replay done" 20 || tui_done
tui_quit 1
tui_pane -S - | grep -qF '"version":1' || tui_fail "no JSON report after q"

# q without --report: nothing printed but the summary line, status 0.
tui_stop
tui_start 100 30 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_quit 0
tui_pane -S - | grep -qF -e '"version"' -e auth_rejected && tui_fail "a report was printed after q"
tui_done
