#!/bin/sh
# cli_read: -r FILE and -r - agree; -c N stops after N packets; a BPF filter
# given as trailing arguments or with -f keeps file frame numbers; -w
# writes a valid pcap (read back by tcpdump and by sipscope), mode 0600,
# and refuses to overwrite; -Z drops privileges (the -w file is then
# created by that user).
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
P=$SHARED/pcaps
AAA=$P/sngrep__aaa.pcap
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. stdin gives the same messages and the same report as the file.
"$SIPSCOPE" -r "$AAA" --messages >"$T/file.tsv" 2>"$T/file.err" || bad "file run"
"$SIPSCOPE" -r - --messages <"$AAA" >"$T/stdin.tsv" 2>"$T/stdin.err" || bad "stdin run"
cmp -s "$T/file.tsv" "$T/stdin.tsv" || bad "-r - differs from -r FILE"
head -1 "$T/file.tsv" | grep -q "^frame	time	src	sport	dst	dport	transport	method	status	call_id	cseq$" \
    || bad "--messages header: $(head -1 "$T/file.tsv")"
# aaa.pcap has 691 frames (capinfos) and tshark sees 81 SIP frames.
grep -q "^sipscope: 691 packets, 81 SIP messages" "$T/stdin.err" || bad "stdin summary: $(cat "$T/stdin.err")"
[ "$(tail -n +2 "$T/file.tsv" | wc -l)" -eq 81 ] || bad "81 message lines expected"
cat "$AAA" | "$SIPSCOPE" -r - --report json >"$T/stdin.json" 2>/dev/null
"$SIPSCOPE" -r "$AAA" --report json >"$T/file.json" 2>/dev/null
sed 's/"source":"[^"]*"//' "$T/stdin.json" >"$T/a"; sed 's/"source":"[^"]*"//' "$T/file.json" >"$T/b"
cmp -s "$T/a" "$T/b" || bad "stdin report differs from file report"

# 1b. A nanosecond pcap (tcpdump's conversion) gives the same messages.
tcpdump --time-stamp-precision=nano -r "$AAA" -w "$T/nano.pcap" 2>/dev/null
"$SIPSCOPE" -r "$T/nano.pcap" --messages >"$T/nano.tsv" 2>/dev/null || bad "nano run"
cmp -s "$T/file.tsv" "$T/nano.tsv" || bad "nanosecond pcap gives other messages/times"

# 2. -c: the first 30 frames of aaa.pcap hold SIP frames 19, 20 and 30
# (tshark -c 30 -Y sip is the oracle).
want=$(tshark -r "$AAA" -c 30 -Y sip -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
"$SIPSCOPE" -r "$AAA" -c 30 --messages >"$T/c.tsv" 2>"$T/c.err" || bad "-c run"
got=$(tail -n +2 "$T/c.tsv" | cut -f1 | tr '\n' ' ')
[ "$got" = "$want" ] || bad "-c 30 frames: got '$got' want '$want'"
grep -q "^sipscope: 30 packets" "$T/c.err" || bad "-c summary: $(cat "$T/c.err")"

# 3. BPF filter, trailing words and -f: frame numbers stay the file's.
want=$(tshark -r "$AAA" -Y 'sip && ip.addr==212.242.33.35' -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
"$SIPSCOPE" -r "$AAA" --messages udp and host 212.242.33.35 >"$T/f1.tsv" 2>"$T/f1.err" || bad "filter run"
got=$(tail -n +2 "$T/f1.tsv" | cut -f1 | tr '\n' ' ')
[ "$got" = "$want" ] || bad "trailing filter frames: got '$got' want '$want'"
"$SIPSCOPE" -r "$AAA" --messages -f 'udp and host 212.242.33.35' >"$T/f2.tsv" 2>/dev/null
cmp -s "$T/f1.tsv" "$T/f2.tsv" || bad "-f and trailing filter differ"
npk=$(tcpdump -r "$AAA" 'udp and host 212.242.33.35' 2>/dev/null | wc -l)
grep -q "^sipscope: $npk packets" "$T/f1.err" || bad "filter count: want $npk: $(cat "$T/f1.err")"

# 4. -w: 40 frames written, readable by tcpdump, same messages as -c 40.
"$SIPSCOPE" -r "$AAA" -c 40 -w "$T/out.pcap" --messages >"$T/w.tsv" 2>/dev/null || bad "-w run"
[ "$(tcpdump -r "$T/out.pcap" 2>/dev/null | wc -l)" -eq 40 ] || bad "-w: tcpdump does not read 40 frames"
[ "$(stat -c %a "$T/out.pcap")" = 600 ] || bad "-w mode $(stat -c %a "$T/out.pcap")"
"$SIPSCOPE" -r "$T/out.pcap" --messages >"$T/w2.tsv" 2>/dev/null
cmp -s "$T/w.tsv" "$T/w2.tsv" || bad "-w file does not replay the same messages"
# Bytes identical to tcpdump's own copy of the first 40 frames (from the record on).
tcpdump -r "$AAA" -c 40 -w "$T/td.pcap" 2>/dev/null
cmp -s "$T/out.pcap" "$T/td.pcap" || {
    # Headers may differ only in snaplen; compare the records.
    tail -c +25 "$T/out.pcap" >"$T/r1"; tail -c +25 "$T/td.pcap" >"$T/r2"
    cmp -s "$T/r1" "$T/r2" || bad "-w records differ from tcpdump -w"
}
"$SIPSCOPE" -r "$AAA" -c 1 -w "$T/out.pcap" >/dev/null 2>"$T/err"
[ $? -eq 2 ] || bad "-w over an existing file should fail"
grep -q "File exists" "$T/err" || bad "-w existing: $(cat "$T/err")"
ln -s "$T/elsewhere" "$T/link.pcap"
"$SIPSCOPE" -r "$AAA" -c 1 -w "$T/link.pcap" >/dev/null 2>&1 && bad "-w through a symlink"
[ ! -e "$T/elsewhere" ] || bad "-w followed a symlink"
# -w - : the pcap on stdout, readable by tcpdump from a pipe.
"$SIPSCOPE" -r "$AAA" -c 5 -w - 2>/dev/null | tcpdump -r - 2>/dev/null | wc -l >"$T/n"
[ "$(cat "$T/n")" -eq 5 ] || bad "-w -: $(cat "$T/n") frames"

# 5. -Z nobody: runs, and the -w file belongs to nobody.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$T/drop" && chmod 1777 "$T/drop" && chmod 755 "$T"
    "$SIPSCOPE" -r "$AAA" -Z nobody -w "$T/drop/z.pcap" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -le 1 ] || bad "-Z nobody: exit $rc: $(cat "$T/err")"
    [ "$(stat -c %U "$T/drop/z.pcap" 2>/dev/null)" = nobody ] || bad "-Z: -w file not owned by nobody"
else
    echo "note: -Z case needs root; not run"
fi
exit $fail
