#!/bin/sh
# cli_errors: every bad input file gives one line on stderr that names the
# file and the reason, and exit status 2 (never a crash). A file cut in the
# middle of a record is still analysed: the report says it was cut short.
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
P=$SHARED/pcaps
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# expect_error NAME PATTERN -- args...: exit 2, exactly one stderr line
# mentioning NAME and matching PATTERN, nothing on stdout.
expect_error() {
    name=$1 pat=$2; shift 3
    "$SIPSCOPE" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] || bad "$*: exit $rc, want 2"
    [ "$(wc -l <"$T/err")" -eq 1 ] || { bad "$*: stderr is not one line:"; cat "$T/err"; }
    grep -q -- "$name" "$T/err" || bad "$*: error does not name $name: $(cat "$T/err")"
    grep -qi -- "$pat" "$T/err" || bad "$*: error lacks '$pat': $(cat "$T/err")"
    [ ! -s "$T/out" ] || bad "$*: wrote to stdout"
}

expect_error "$T/missing.pcap" "no such file" -- -r "$T/missing.pcap"
mkdir "$T/dir.pcap"
expect_error "$T/dir.pcap" "is a directory" -- -r "$T/dir.pcap"
: >"$T/empty.pcap"
expect_error "$T/empty.pcap" "empty" -- -r "$T/empty.pcap"
printf 'Hello, this is plain text and not a capture at all.\n' >"$T/text.pcap"
expect_error "$T/text.pcap" "not a pcap" -- -r "$T/text.pcap"
# Only the first 10 bytes of a pcap: its 24-byte header is cut short.
head -c 10 "$P/sngrep__aaa.pcap" >"$T/hdr.pcap"
expect_error "$T/hdr.pcap" "truncated" -- -r "$T/hdr.pcap"

# Unreadable: root reads anything, so read as nobody (setpriv) a 0600 file.
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    cp "$P/nDPI__sip_hello.pcapng" "$T/secret.pcap"
    chmod 600 "$T/secret.pcap"
    chmod 755 "$T"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$SIPSCOPE" -r "$T/secret.pcap" >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] || bad "unreadable: exit $rc"
    grep -q "secret.pcap: Permission denied" "$T/err" || bad "unreadable: $(cat "$T/err")"
else
    skip_why="unreadable-file case needs root and setpriv (util-linux); not run"
    echo "$skip_why"
fi

# Unsupported link type: a pcap with DLT 147 (USER0) and one record.
python3 - "$T/dlt147.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
    f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"abcd")
PY
expect_error "$T/dlt147.pcap" "unsupported link type.*147" -- -r "$T/dlt147.pcap"

# Cut mid-record: 50000 bytes of the 111077-byte aaa.pcap. tshark agrees on
# how many whole frames precede the cut (its count is the oracle here).
head -c 50000 "$P/sngrep__aaa.pcap" >"$T/cut.pcap"
want=$(tshark -r "$T/cut.pcap" 2>/dev/null | wc -l)
"$SIPSCOPE" -r "$T/cut.pcap" --report json >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "cut: exit $rc, want 2"
grep -q "cut.pcap: file is truncated" "$T/err" || bad "cut: $(cat "$T/err")"
grep -q '"truncated": *true' "$T/out" || bad "cut: report does not say truncated"
grep -q "^sipscope: $want packets" "$T/err" || bad "cut: want $want packets: $(cat "$T/err")"
# pcapng cut inside a block.
head -c 3000 "$P/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng" >"$T/cut.pcapng"
"$SIPSCOPE" -r "$T/cut.pcapng" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] || bad "cut pcapng: exit $rc, want 2"
grep -q "cut.pcapng: file is truncated" "$T/err" || bad "cut pcapng: $(cat "$T/err")"
[ -s "$T/out" ] || bad "cut pcapng: no report"

[ $fail -eq 0 ] && [ -n "${skip_why:-}" ] && { echo "skip: $skip_why"; exit 77; }
exit $fail
