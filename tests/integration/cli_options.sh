#!/bin/sh
# cli_options.sh — what a new user trips over on the command line (issue 15,
# item 5), each case one that once went wrong:
#  - a second capture file after -r was taken for a BPF filter (now merged);
#  - conflicting flags silently kept one (--report json --messages);
#  - no -D to list the interfaces;
#  - a permission error on an interface said nothing of what to do;
#  - errors from a side input did not name their option (--config);
#  - a pcap with no packets said nothing, and its exit status must equal
#    the JSON's exit_status;
#  - --evidence and -w paths were refused only after the analysis (or, for
#    --evidence with -r -, never: nothing was written and nothing said);
#  - --tui with stdout not a terminal silently printed the report.
# Every refusal is exit 2 with one line on stderr and nothing on stdout.
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
P=$SHARED/pcaps/nDPI__sip_hello.pcapng
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# refused PATTERN args...: exit 2, one stderr line matching PATTERN, no stdout.
refused() {
    pat=$1; shift
    "$SIPSCOPE" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    [ $rc -eq 2 ] || bad "'$*': exit $rc, want 2"
    [ "$(wc -l <"$T/err")" -eq 1 ] || { bad "'$*': stderr is not one line:"; cat "$T/err"; }
    grep -q -- "$pat" "$T/err" || bad "'$*': want '$pat': $(cat "$T/err")"
    [ ! -s "$T/out" ] || bad "'$*': wrote to stdout"
}

# 1. A second file is not a filter: it is merged (cli_merge.sh checks how).
cp "$P" "$T/b.pcapng"
"$SIPSCOPE" -q -r "$P" "$T/b.pcapng" --report json >"$T/out" 2>"$T/err" ||
    [ $? -eq 1 ] || bad "-r a b: $(cat "$T/err")"
grep -q "\"source\":\"$P + $T/b.pcapng\"" "$T/out" || bad "-r a b: source not both files"
refused "$T/b.pcapng: a capture file is read with -r" "$T/b.pcapng"

# 2. Conflicting options name both.
refused "^sipscope: --report json and --messages are exclusive" -r "$P" --report json --messages
refused "^sipscope: --tui and --no-tui are exclusive" -r "$P" --tui --no-tui
refused "^sipscope: --tui and --messages are exclusive" -r "$P" --messages --tui
refused "^sipscope: --report text and --report json" -r "$P" --report text --report json

# 3. -D lists the interfaces, numbered, as tcpdump -D; the loopback is one.
"$SIPSCOPE" -D >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || bad "-D: exit $rc: $(cat "$T/err")"
grep -q '^[0-9][0-9]*\.lo \[.*Loopback' "$T/out" || bad "-D: no numbered lo line: $(cat "$T/out")"
"$SIPSCOPE" --help | grep -q -- "^  -D " || bad "--help does not document -D"

# 4. A permission error says what to do (as nobody: root captures anything).
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$T"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$SIPSCOPE" -i lo -c 1 >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] || bad "-i lo as nobody: exit $rc, want 2"
    grep -q "^sipscope: -i lo: .*not permitted" "$T/err" || bad "-i lo as nobody: $(cat "$T/err")"
    grep -q "CAP_NET_RAW" "$T/err" && grep -q "setcap cap_net_raw,cap_net_admin=eip" "$T/err" &&
        grep -qi "root" "$T/err" && grep -q "chgrp sipscope" "$T/err" &&
        grep -q "adduser nobody sipscope" "$T/err" ||
        bad "-i lo as nobody: no hint (root, setcap, the group, this user): $(cat "$T/err")"
else
    skip_why="the permission case needs root and setpriv (util-linux); not run"
    echo "$skip_why"
fi

# 5. Every error names its option; --cap lists the valid names.
refused "^sipscope: --config /nonexistent: No such file or directory$" -r "$P" --config /nonexistent
refused "^sipscope: --secrets /nonexistent: " -r "$P" --secrets /nonexistent
refused "^sipscope: --profiles /nonexistent: " -r "$P" --profiles /nonexistent
refused "^sipscope: --geoip /nonexistent: " -r "$P" --geoip /nonexistent
refused "^sipscope: -r $T/missing.pcap: No such file" -r "$T/missing.pcap"
refused "^sipscope: -i sipscope-nosuch0: " -i sipscope-nosuch0
refused "^sipscope: --cap foo: unknown limit; valid names: ring_bytes, .*messages_kept, hep_conns, .*hep_agents, hep_quiet_ms, media_calls, media_streams$" \
    -r "$P" --cap foo=1

# 6. No packets: said so, and the exit status is the JSON's exit_status.
head -c 24 "$SHARED/pcaps/sngrep__aaa.pcap" >"$T/hdr.pcap"
"$SIPSCOPE" -r "$T/hdr.pcap" --report json >"$T/out" 2>"$T/err"
rc=$?
grep -q "^sipscope: no packets in $T/hdr.pcap$" "$T/err" || bad "no packets: $(cat "$T/err")"
js=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_status"])' "$T/out") ||
    bad "no packets: no JSON report"
[ "$rc" = "${js:-}" ] || bad "no packets: exit $rc, JSON exit_status ${js:-none}"
# A file cut inside its first record: exit 2, and the JSON says 2 too.
head -c 100 "$SHARED/pcaps/sngrep__aaa.pcap" >"$T/cut.pcap"
"$SIPSCOPE" -r "$T/cut.pcap" --report json >"$T/out" 2>"$T/err"
rc=$?
js=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_status"])' "$T/out") ||
    bad "cut file: no JSON report"
[ "$rc" = 2 ] && [ "${js:-}" = 2 ] || bad "cut file: exit $rc, JSON exit_status ${js:-none}, want 2 and 2"
"$SIPSCOPE" -r - <"$T/hdr.pcap" >/dev/null 2>"$T/err"
grep -q "^sipscope: no packets in standard input$" "$T/err" ||
    bad "no packets, stdin: $(cat "$T/err")"

# 7. --evidence and -w refused before the analysis: exists, unwritable, -r -.
echo keep >"$T/exists.pcap"
refused "^sipscope: --evidence $T/exists.pcap: File exists" -r "$P" --evidence "$T/exists.pcap"
refused "^sipscope: -w $T/exists.pcap: File exists" -r "$P" -w "$T/exists.pcap"
refused "^sipscope: --evidence $T/no/dir.pcap: cannot create: No such file" \
    -r "$P" --evidence "$T/no/dir.pcap"
refused "^sipscope: -w $T/no/dir.pcap: cannot create: No such file" -r "$P" -w "$T/no/dir.pcap"
refused "^sipscope: --evidence $T/ev.pcap: needs -r FILE: standard input" \
    -r - --evidence "$T/ev.pcap"
[ "$(cat "$T/exists.pcap")" = keep ] || bad "an existing file was touched"
[ ! -e "$T/ev.pcap" ] || bad "--evidence with -r - created its file"
# "Before the analysis": the refusal reads nothing from standard input.
printf 'x' >"$T/one"
( "$SIPSCOPE" -r - --evidence "$T/ev2.pcap" 2>/dev/null; cat >"$T/rest" ) <"$T/one"
[ "$(cat "$T/rest")" = x ] || bad "--evidence with -r - read its input before refusing"

# 8. --tui needs a terminal on stdout.
refused "^sipscope: --tui: standard output is not a terminal" -r "$P" --tui

[ $fail -eq 0 ] && [ -n "${skip_why:-}" ] && { echo "skip: $skip_why"; exit 77; }
exit $fail
