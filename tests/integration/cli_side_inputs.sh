#!/bin/sh
# cli_side_inputs.sh — what a user sees when the side inputs are wrong or right,
# end to end through the CLI: --secrets readable by others is refused
# (exit 2, one line naming the file and its mode) and a password never
# appears in any report format or on stderr; --config and --profiles files
# with an error name FILE:LINE; a --geoip file that does not exist is an
# error, while no GeoIP database at all is silent.
set -u
: "${SIPSCOPE:?}"
cd "$(dirname "$0")/../.."
if ! "$SIPSCOPE" -h 2>&1 | grep -q -- '--secrets'; then echo "FAIL: sipscope -h has no --secrets"; exit 1; fi
PCAP=pcaps/lab/clean.pcap
[ -f "$PCAP" ] || { echo "no $PCAP"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/h6inputs.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. a secrets file readable by group/others is refused, naming file and mode
PW=$(awk '!/^#/ && NF >= 2 { print $2; exit }' tests/lab/secrets.txt)
[ -n "$PW" ] || { echo "no password in tests/lab/secrets.txt"; exit 1; }
cp tests/lab/secrets.txt "$T/secrets"
chmod 0644 "$T/secrets"
"$SIPSCOPE" -r "$PCAP" --no-tui --secrets "$T/secrets" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "0644 secrets: exit $rc, want 2"
grep -q "$T/secrets" "$T/err" || bad "0644 secrets: stderr does not name the file: $(cat "$T/err")"
grep -q "0644" "$T/err" || bad "0644 secrets: stderr does not give the mode: $(cat "$T/err")"

# 2. with mode 0600 it is used, and the password is in no output
chmod 0600 "$T/secrets"
for fmt in text json markdown; do
    "$SIPSCOPE" -r "$PCAP" --no-tui --report "$fmt" --secrets "$T/secrets" >"$T/out.$fmt" 2>"$T/err.$fmt"
    rc=$?
    [ $rc -le 1 ] || bad "0600 secrets, $fmt: exit $rc: $(head -3 "$T/err.$fmt")"
    if grep -qF -- "$PW" "$T/out.$fmt" "$T/err.$fmt"; then bad "password printed in $fmt report"; fi
done

# 3. a config error names file:line
printf '[trunk main]\nprovider = twilio\nip_acl = 198.51.100.0/24, 300.1.1.1\n' >"$T/trunks.ini"
"$SIPSCOPE" -r "$PCAP" --no-tui --config "$T/trunks.ini" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "bad config: exit $rc, want 2"
grep -q "$T/trunks.ini:3:" "$T/err" || bad "bad config: no file:line in: $(cat "$T/err")"

# 4. a profile error names file:line; a good user profile directory is accepted
mkdir "$T/prof"
printf '[provider]\nid = acme\n\n[edge main]\nhosts = sip.acme.example\nsignaling_typo = 1\n' >"$T/prof/acme.ini"
"$SIPSCOPE" -r "$PCAP" --no-tui --profiles "$T/prof" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "bad profile: exit $rc, want 2"
grep -q "$T/prof/acme.ini:6:" "$T/err" || bad "bad profile: no file:line in: $(cat "$T/err")"
printf '[provider]\nid = acme\n\n[edge main]\nhosts = sip.acme.example\n' >"$T/prof/acme.ini"
"$SIPSCOPE" -r "$PCAP" --no-tui --profiles "$T/prof" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -le 1 ] || bad "good profile dir: exit $rc: $(head -3 "$T/err")"

# 5. a named GeoIP file that does not exist is an error; none at all is silent
"$SIPSCOPE" -r "$PCAP" --no-tui --geoip "$T/nope.mmdb" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "missing --geoip file: exit $rc, want 2"
grep -q "$T/nope.mmdb" "$T/err" || bad "missing --geoip file not named: $(cat "$T/err")"

[ $fail -eq 0 ] && echo "cli_side_inputs: all checks passed"
exit $fail
