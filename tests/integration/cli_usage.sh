#!/bin/sh
# cli_usage: usage errors print one line and exit 2; --help and --version
# exit 0 on stdout; every long option the man page documents is accepted.
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
P=$SHARED/pcaps/nDPI__sip_hello.pcapng
fail=0
bad() { echo "FAIL: $*"; fail=1; }

usage_error() {
    pat=$1; shift
    "$SIPSCOPE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] || bad "'$*': exit $rc, want 2"
    [ "$(wc -l <"$T/err")" -eq 1 ] || { bad "'$*': not one line:"; cat "$T/err"; }
    grep -qi -- "$pat" "$T/err" || bad "'$*': want '$pat': $(cat "$T/err")"
}

usage_error "give -r FILE or -i IFACE"
usage_error "unknown option -x" -x -r "$P"
usage_error "unknown option '--bogus'" --bogus -r "$P"
usage_error "missing argument for option -r" -r
usage_error "-c abc" -r "$P" -c abc
usage_error "-c 0" -r "$P" -c 0
usage_error "-s 300000" -r "$P" -s 300000
usage_error "exclusive" -r "$P" -i lo
usage_error "--report xml" -r "$P" --report xml
usage_error "unknown limit" -r "$P" --cap nosuch=1
usage_error "positive integer" -r "$P" --cap dialogs=-5
usage_error "power of two" -r "$P" --cap ring_bytes=100000
usage_error "too small for snaplen" -r "$P" --cap ring_bytes=65536
usage_error "both with -f" -r "$P" -f udp port 5060
usage_error "no such user" -r "$P" -Z sipscope-no-such-user
usage_error "filter 'port 5060 and'" -r "$P" port 5060 and

"$SIPSCOPE" --help >"$T/out" 2>"$T/err" || bad "--help exit $?"
grep -q "^Usage: sipscope" "$T/out" || bad "--help text"
"$SIPSCOPE" -h >/dev/null || bad "-h"
"$SIPSCOPE" -V >"$T/out" || bad "-V exit"
grep -q "^sipscope [0-9]" "$T/out" || bad "-V text: $(cat "$T/out")"
grep -q "libpcap" "$T/out" || bad "-V names libpcap"

# The analysis-side flags parse (their features live elsewhere), with a
# small cap that still works, and -n/-q/-v/-p/--no-tui accepted.
"$SIPSCOPE" -n -q -v -r "$P" --no-tui --report markdown --cap dialogs=100 \
    --profiles "$T" --profiles "$T" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -le 1 ] || bad "flags: exit $rc: $(cat "$T/err")"
[ -s "$T/out" ] || bad "flags: no report"
# -v prints the named counters after the summary line.
grep -q "pipeline.packets" "$T/err" || bad "-v counters missing"

# Every option in --help is in the man page.
man=$(dirname "$0")/../../docs/sipscope.1
if [ -f "$man" ]; then
    for o in $("$SIPSCOPE" --help | grep -oE -- '--[a-z][a-z-]+|^  -[a-zA-Z]' | sed 's/^ *//' | sort -u); do
        esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$esc" "$man" || bad "man page lacks $o"
    done
fi
exit $fail
