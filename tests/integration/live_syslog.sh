#!/bin/sh
# live_syslog.sh — --syslog: the alert events reach syslog(3) as one line
# each, facility daemon, priority by severity (error → LOG_ERR, warning →
# LOG_WARNING), "sipscope" as the tag, no password. In a private mount
# namespace made here, /dev is replaced by a directory holding only null and
# a log socket a small Python receiver listens on; nothing outside sees it.
# Bounded (< 15 s).
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "needs root (mount namespace)"; exit 77; }
command -v unshare >/dev/null 2>&1 || { echo "no unshare"; exit 77; }
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--syslog' || { echo "FAIL: sipscope --help has no --syslog"; exit 1; }
W=$(mktemp -d) || exit 1
RX=""
trap '[ -n "$RX" ] && { kill "$RX" 2>/dev/null; wait "$RX" 2>/dev/null; }; rm -rf "$W"' EXIT
mkdir "$W/dev" && touch "$W/dev/null"
timeout 15 python3 - "$W/dev/log" "$W/got" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(8)
out = open(sys.argv[2], "w")
try:
    while True:
        out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
        out.flush()
        s.settimeout(1)
except socket.timeout:
    pass
PY
RX=$!
i=0; while [ ! -S "$W/dev/log" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$W/dev/log" ] || { echo "FAIL: receiver did not start"; exit 1; }
unshare -m --propagation private sh -c '
    mount --bind /dev/null "$1/dev/null" && mount --bind "$1/dev" /dev &&
    "$2" -q -r pcaps/lab/brute_force.pcap --syslog' sh "$W" "$SIPSCOPE" >"$W/out" 2>"$W/err"
rc=$?
wait "$RX"; RX=""
fail=0
[ $rc -eq 0 ] || { echo "FAIL: exit $rc"; cat "$W/err"; fail=1; }
[ ! -s "$W/out" ] || { echo "FAIL: output on stdout with only --syslog"; fail=1; }
# <PRI>: facility daemon (3) * 8 + LOG_ERR (3) = 27, LOG_WARNING (4) = 28.
python3 - "$W/got" <<'PY' || fail=1
import re, sys
lines = open(sys.argv[1]).read().splitlines()
bad = []
rx = re.compile(r"^<(\d+)>.*sipscope\[\d+\]: (new|escalated|recovered) (\w+) (\w+) \(")
evs = []
for l in lines:
    m = rx.match(l)
    if not m:
        bad.append("not an alert line: %r" % l[:120]); continue
    pri, ev, sev, kind = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    want = {"error": 27, "warning": 28, "critical": 26, "info": 30}[sev] if ev != "recovered" else 29
    if pri != want:
        bad.append("%s %s %s: priority %d, want %d" % (ev, sev, kind, pri, want))
    evs.append((ev, kind))
if ("new", "auth_rejected") not in evs or ("new", "brute_force") not in evs:
    bad.append("missing events: %s" % evs)
for b in bad:
    print("FAIL: " + b)
if not bad:
    print("syslog: %d lines, %s" % (len(lines), sorted(set(evs))))
sys.exit(1 if bad else 0)
PY
exit $fail
