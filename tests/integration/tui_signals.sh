#!/bin/sh
# tui_signals.sh — the terminal is given back on every way out: SIGTERM
# (the run ends cleanly, as q does), a fatal signal (SIGSEGV: the process
# dies, but the terminal is out of curses mode first); pause/resume (p)
# freezes only the display; a closed terminal ends the run. Signals go to
# the one sipscope process this test started, found by PID via its pane.
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$SHARED/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
[ -f "$PCAP" ] || { echo "missing $PCAP"; exit 77; }

stty_ok() {
    n=100
    while [ $n -gt 0 ] && [ ! -s "$TUI_TMP/stty" ]; do sleep 0.1; n=$((n - 1)); done
    grep -qE '(^| )icanon( |$)' "$TUI_TMP/stty" && grep -qE '(^| )echo( |$)' "$TUI_TMP/stty"
}

# Pause: the header says so; resume clears it.
tui_start 100 30 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_keys p
tui_wait "PAUSED" 3
tui_keys p
tui_wait_gone "PAUSED" 3

# SIGTERM: clean end, status 0 or 1 (findings), terminal restored.
pid=$(tui_pid)
[ -n "$pid" ] || { tui_fail "no sipscope process"; tui_done; }
kill -TERM "$pid"
tui_wait "SIPSCOPE-ENDED" 10
rc=$(cat "$TUI_TMP/exit" 2>/dev/null)
case "$rc" in 0|1) ;; *) tui_fail "exit status $rc after SIGTERM" ;; esac
stty_ok || tui_fail "terminal not restored after SIGTERM"
tui_expect_not "F1 Help"

# SIGSEGV: the process dies of it, the terminal is restored first.
tui_stop
tui_start 100 30 LANG=C.UTF-8 ASAN_OPTIONS=handle_segv=0 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
pid=$(tui_pid)
[ -n "$pid" ] || { tui_fail "no sipscope process"; tui_done; }
kill -SEGV "$pid"
tui_wait "SIPSCOPE-ENDED" 10
rc=$(cat "$TUI_TMP/exit" 2>/dev/null)
[ "$rc" != 0 ] || tui_fail "exit status 0 after SIGSEGV"
stty_ok || tui_fail "terminal not restored after SIGSEGV"
tui_expect_not "F1 Help"

# The terminal goes away (the pane is closed, as when ssh drops): the run
# must end by itself, not spin on a dead terminal. SIGHUP does not end it
# (main.c uses SIGHUP to reopen files), so the dashboard must notice.
tui_stop
tui_start 100 30 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
pid=$(tui_pid)
[ -n "$pid" ] || { tui_fail "no sipscope process"; tui_done; }
tmux -L "$TUI_SOCK" kill-server 2>/dev/null
n=50
while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: sipscope still running 5 s after its terminal closed"
    kill -KILL "$pid"
    TUI_FAILED=1
fi
tui_done
