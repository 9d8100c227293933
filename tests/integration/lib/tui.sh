# tests/integration/lib/tui.sh — helpers for the tmux-driven dashboard
# tests (tests/integration/tui_*.sh). Sourced, not run: tests/run.sh only
# runs tests/integration/*.sh, so this subdirectory is never a test.
#
# Each test gets its own tmux server (socket h8test<pid>) and temporary
# directory; tui_cleanup (trap EXIT) kills only that server.

TUI_SOCK="h8test$$"
TUI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipscope-tui.XXXXXX")
TUI_FAILED=0

# The sipscope this test started in its pane (child of the pane's shell).
tui_pid() {
    sh_pid=$(tmux -L "$TUI_SOCK" display-message -p '#{pane_pid}' 2>/dev/null)
    [ -n "$sh_pid" ] && ps -o pid= --ppid "$sh_pid" | head -1 | tr -d ' '
}

# tui_stop: end this test's sipscope (by PID) and tmux server, e.g. before
# starting another session on the same socket or when a test fails early.
tui_stop() {
    pid=$(tui_pid)
    tmux -L "$TUI_SOCK" kill-server 2>/dev/null
    n=30
    while [ $n -gt 0 ] && tmux -L "$TUI_SOCK" has-session 2>/dev/null; do
        sleep 0.1; n=$((n - 1))
    done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        sleep 1
        kill -TERM "$pid" 2>/dev/null
        sleep 0.5
        kill -KILL "$pid" 2>/dev/null
    fi
    sleep 0.2
}

tui_cleanup() {
    tui_stop
    rm -rf "$TUI_TMP"
}
trap tui_cleanup EXIT

tui_require() {
    command -v tmux >/dev/null 2>&1 || { echo "tmux not installed"; exit 77; }
    command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
    [ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
    "$SIPSCOPE" --help 2>&1 | grep -q -- '--tui' || { echo "FAIL: this sipscope has no --tui"; exit 1; }
}

# tui_start W H ENV... -- ARGS...: run sipscope ARGS in a W x H pane with
# the environment assignments given (and $TUI_PREFIX before it, e.g.
# "ip netns exec NS"); its exit status and the terminal modes after it
# ends go to files, then the pane idles (bounded).
tui_start() {
    w=$1 h=$2; shift 2
    envs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    [ "${1:-}" = "--" ] && shift
    args=""
    for a in "$@"; do args="$args '$a'"; done
    cat >"$TUI_TMP/run.sh" <<EOF
cd '$TUI_TMP'
${TUI_PREFIX:-} env $envs '$SIPSCOPE' $args 2>'$TUI_TMP/stderr'
echo \$? >'$TUI_TMP/exit'
stty -a >'$TUI_TMP/stty' 2>&1
echo SIPSCOPE-ENDED
sleep 120
EOF
    rm -f "$TUI_TMP/exit" "$TUI_TMP/stty"
    tmux -L "$TUI_SOCK" -f /dev/null new-session -d -x "$w" -y "$h" "sh '$TUI_TMP/run.sh'"
}

tui_pane() {
    tmux -L "$TUI_SOCK" capture-pane -p "$@"
}

tui_keys() {
    tmux -L "$TUI_SOCK" send-keys "$@"
}

tui_resize() {
    tmux -L "$TUI_SOCK" resize-window -x "$1" -y "$2"
}

# tui_fail MSG: report, show the pane, fail the test at the end.
tui_fail() {
    echo "FAIL: $*"
    echo "---- pane ----"
    tui_pane
    echo "--------------"
    TUI_FAILED=1
}

# tui_wait TEXT [SECONDS]: wait until the pane shows TEXT (fixed string).
tui_wait() {
    n=$(( ${2:-15} * 10 ))
    while [ $n -gt 0 ]; do
        tui_pane | grep -qF -- "$1" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    tui_fail "timed out waiting for '$1'"
    return 1
}

# tui_wait_gone TEXT [SECONDS]
tui_wait_gone() {
    n=$(( ${2:-10} * 10 ))
    while [ $n -gt 0 ]; do
        tui_pane | grep -qF -- "$1" || return 0
        sleep 0.1
        n=$((n - 1))
    done
    tui_fail "'$1' still shown"
    return 1
}

# tui_expect TEXT [WHY]: the pane shows TEXT (within 3 s: a loaded CI
# machine may take a moment to redraw after a key or a resize).
tui_expect() {
    n=30
    while [ $n -gt 0 ]; do
        tui_pane | grep -qF -- "$1" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    tui_fail "pane does not show '$1'${2:+ ($2)}"
}

tui_expect_not() {
    tui_pane | grep -qF -- "$1" && tui_fail "pane shows '$1'${2:+ ($2)}"
    return 0
}

# tui_sane W H: the pane is exactly H rows, none wider than W columns, no
# control characters, the header and footer where they belong.
tui_sane() {
    n=30
    while [ $n -gt 1 ]; do
        tui_pane >"$TUI_TMP/pane"
        tui_sane_check "$@" >/dev/null && return 0
        sleep 0.1
        n=$((n - 1))
    done
    tui_pane >"$TUI_TMP/pane"
    tui_sane_check "$@" || tui_fail "layout at $1x$2 is not sane"
}

tui_sane_check() {
    python3 - "$1" "$2" "$TUI_TMP/pane" <<'EOF'
import sys, unicodedata
w, h, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
text = open(path, encoding="utf-8", errors="strict").read()
rows = text.split("\n")
if rows and rows[-1] == "":
    rows = rows[:-1]
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
bad = []
if len(rows) != h:
    bad.append("rows %d, want %d" % (len(rows), h))
for i, r in enumerate(rows):
    if width(r) > w:
        bad.append("row %d is %d wide" % (i, width(r)))
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in r):
        bad.append("row %d has a control character" % i)
if not rows or not rows[0].startswith(" sipscope"):
    bad.append("first row is not the header")
if len(rows) > 1 and "packets" not in rows[1]:
    bad.append("second row has no packet count")
if not any(k in rows[-1] for k in ("F1", "Esc", "Quit")):
    bad.append("last row is not the footer")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
}

# tui_quit: press q, then the program must end with status 0 and leave
# the terminal in its normal modes (canonical input, echo).
tui_quit() {
    tui_keys q
    n=100
    while [ $n -gt 0 ] && [ ! -s "$TUI_TMP/exit" ]; do sleep 0.1; n=$((n - 1)); done
    [ -s "$TUI_TMP/exit" ] || { tui_fail "q did not end the program"; return 1; }
    rc=$(cat "$TUI_TMP/exit")
    [ "$rc" = "${1:-0}" ] || tui_fail "exit status $rc after q, want ${1:-0} ($(cat "$TUI_TMP/stderr"))"
    sleep 0.3
    grep -qE '(^| )icanon( |$)' "$TUI_TMP/stty" || tui_fail "terminal left without icanon"
    grep -qE '(^| )echo( |$)' "$TUI_TMP/stty" || tui_fail "terminal left without echo"
    tui_expect "SIPSCOPE-ENDED" "the shell's screen is back"
    tui_expect_not "F1 Help" "the dashboard is gone after q"
}

tui_done() {
    [ "$TUI_FAILED" -eq 0 ] && echo "ok" && exit 0
    exit 1
}
