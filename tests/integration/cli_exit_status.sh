#!/bin/sh
# cli_exit_status.sh — the exit status a script or cron check acts on
# (sipscope.1: 0 nothing of severity warning or worse, 1 such findings, 2 an
# error), on every lab capture: the status equals what the findings say, the
# JSON's exit_status equals the real status, and the lab's known-clean
# captures exit 0 while the warning-only ones (a scanner, one account from
# two sites, an unanswered challenge) exit 1.
set -u
: "${SIPSCOPE:?}"
cd "$(dirname "$0")/../.."
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0 n=0
for f in pcaps/lab/*.pcap; do
    n=$((n + 1))
    "$SIPSCOPE" -r "$f" --report json >"$T/j" 2>"$T/e"; rc=$?
    want=$(python3 - "$T/j" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = any(x['severity'] in ('warning', 'error', 'critical') for x in d['findings'])
print(1 if bad else 0, d['exit_status'])
PY
) || { echo "FAIL $f: no JSON (exit $rc): $(head -2 "$T/e")"; fail=$((fail + 1)); continue; }
    set -- $want
    if [ "$rc" != "$1" ] || [ "$rc" != "$2" ]; then
        echo "FAIL $f: exit $rc, findings say $1, JSON exit_status $2"; fail=$((fail + 1))
    fi
    case "$(basename "$f" .pcap)" in
    clean|nat_correct) [ "$rc" = 0 ] || { echo "FAIL $f: a clean lab capture exits $rc"; fail=$((fail + 1)); } ;;
    scanner|multi_site|challenge_unanswered)
        [ "$rc" = 1 ] || { echo "FAIL $f: a warning-only capture exits $rc, not 1"; fail=$((fail + 1)); } ;;
    esac
done
echo "cli_exit_status: $n captures, $fail problem(s)"
[ "$n" -gt 0 ] && [ $fail -eq 0 ]
