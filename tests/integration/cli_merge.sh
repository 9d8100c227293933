#!/bin/sh
# cli_merge.sh — several capture files read as one (issue 15, item 5), with
# mergecap and tshark as the oracle:
#  - a lab capture split into its odd and even frames: `-r even odd`,
#    `-r even -r odd` and `-r even odd FILTER` give the same messages and the
#    same JSON report (but the source name) as `mergecap -w all even odd`;
#  - two files whose frames have equal timestamps: the merged order is
#    mergecap's (at one instant the file given last first), frame by frame;
#  - the evidence pcapng of a merged run: each packet's comment names its
#    file and its frame there, and tshark finds that very frame (same time)
#    in that file; the merged number is the one the JSON report cites;
#  - the Markdown ticket and the HTML page say their frame numbers are the
#    merged capture's;
#  - refusals: `-r -` with a file, a file given twice, files of two link
#    types (both named); a second file cut inside a record exits 2 and its
#    JSON's exit_status is 2.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
for t in tshark mergecap python3; do
    command -v $t >/dev/null || { echo "$t missing"; exit 77; }
done
cap=pcaps/lab/brute_force.pcap
[ -f "$cap" ] || { echo "FAIL: no $cap"; exit 1; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. Odd and even frames, merged back.
tshark -r "$cap" -Y "frame.number % 2 == 1" -w "$T/odd.pcap" 2>/dev/null
tshark -r "$cap" -Y "frame.number % 2 == 0" -w "$T/even.pcap" 2>/dev/null
mergecap -F pcap -w "$T/all.pcap" "$T/even.pcap" "$T/odd.pcap"
"$SIPSCOPE" -q -r "$T/all.pcap" --messages >"$T/want.tsv" 2>/dev/null
[ "$(wc -l <"$T/want.tsv")" -gt 10 ] || bad "mergecap's file gives $(wc -l <"$T/want.tsv") lines"
"$SIPSCOPE" -q -r "$T/even.pcap" "$T/odd.pcap" --messages >"$T/a.tsv" 2>/dev/null ||
    bad "-r even odd: exit $?"
cmp -s "$T/want.tsv" "$T/a.tsv" || bad "-r even odd: messages differ from mergecap's file"
"$SIPSCOPE" -q -r "$T/even.pcap" -r "$T/odd.pcap" --messages >"$T/b.tsv" 2>/dev/null
cmp -s "$T/want.tsv" "$T/b.tsv" || bad "-r even -r odd: messages differ from mergecap's file"
"$SIPSCOPE" -q -r "$T/all.pcap" --messages udp >"$T/wantf.tsv" 2>/dev/null
"$SIPSCOPE" -q -r "$T/even.pcap" udp "$T/odd.pcap" --messages >"$T/f.tsv" 2>/dev/null
cmp -s "$T/wantf.tsv" "$T/f.tsv" || bad "-r even udp odd: messages differ (filter lost?)"
"$SIPSCOPE" -q -r "$T/all.pcap" --report json >"$T/want.json" 2>/dev/null
"$SIPSCOPE" -q -r "$T/even.pcap" "$T/odd.pcap" --report json >"$T/a.json" 2>/dev/null
rc=$?
[ $rc -eq 1 ] || bad "-r even odd --report json: exit $rc, want 1 (brute force found)"
python3 - "$T/want.json" "$T/a.json" "$T/even.pcap + $T/odd.pcap" <<'EOF' || fail=1
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if b["source"] != sys.argv[3]:
    print("FAIL: merged source %r, want %r" % (b["source"], sys.argv[3])); sys.exit(1)
a.pop("source"); b.pop("source")
if a != b:
    print("FAIL: merged JSON report differs from mergecap's file's"); sys.exit(1)
print("merge: %d findings, same report as mergecap's file" % len(b["findings"]))
EOF

# The ticket and the page say whose frame numbers they cite.
for fmt in markdown html; do
    "$SIPSCOPE" -q -r "$T/even.pcap" "$T/odd.pcap" --report $fmt 2>/dev/null |
        grep -q "merged by time, as Wireshark numbers the frames of mergecap" ||
        bad "--report $fmt of a merged run does not say its frame numbers are the merged ones"
    "$SIPSCOPE" -q -r "$T/all.pcap" --report $fmt 2>/dev/null | grep -q "merged by time" &&
        bad "--report $fmt of one file speaks of merged files"
done

# 2. Ties: two files with frames at the same instants.
python3 - "$T/t1.pcap" "$T/t2.pcap" <<'EOF'
import struct, sys
def pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, cid in frames:
            sip = ("OPTIONS sip:a@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%s\r\n"
                   "From: <sip:b@192.0.2.1>;tag=1\r\nTo: <sip:a@192.0.2.2>\r\nCall-ID: %s\r\n"
                   "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (cid, cid)).encode()
            udp = struct.pack(">HHHH", 5060, 5060, 8 + len(sip), 0) + sip
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                             bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp
            eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip
            f.write(struct.pack("<IIII", sec, usec, len(eth), len(eth)) + eth)
pcap(sys.argv[1], [(100, 0, "A1"), (100, 500, "A2"), (101, 0, "A3"), (103, 0, "A4")])
pcap(sys.argv[2], [(100, 0, "B1"), (100, 400, "B2"), (101, 0, "B3"), (102, 0, "B4")])
EOF
mergecap -F pcap -w "$T/tie.pcap" "$T/t1.pcap" "$T/t2.pcap"
want=$(tshark -r "$T/tie.pcap" -T fields -e frame.number -e sip.Call-ID 2>/dev/null | tr '\t\n' ': ')
got=$("$SIPSCOPE" -q -r "$T/t1.pcap" "$T/t2.pcap" --messages 2>/dev/null |
      awk -F'\t' 'NR > 1 {print $1 ":" $10}' | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ] || bad "ties: sipscope [$got], mergecap+tshark [$want]"

# 3. The evidence of a merged run names each frame's own file and number.
"$SIPSCOPE" -q -r "$T/even.pcap" "$T/odd.pcap" --evidence "$T/ev.pcapng" >/dev/null 2>&1
[ -s "$T/ev.pcapng" ] || bad "no evidence file for a merged run"
tshark -r "$T/ev.pcapng" -T fields -e frame.time_epoch -e frame.comment 2>/dev/null >"$T/ev.tsv"
python3 - "$T/ev.tsv" "$T/a.json" "$T/even.pcap" "$T/odd.pcap" <<'EOF' || fail=1
import json, re, subprocess, sys
rep = json.load(open(sys.argv[2]))
cited = sorted({e["frame"] for f in rep["findings"] for e in f["evidence"]})
times = {}
for path in sys.argv[3:]:
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.time_epoch"],
                         capture_output=True, text=True).stdout.split()
    times[path] = out
errors, merged = [], []
for line in open(sys.argv[1]):
    ts, c = line.rstrip("\n").split("\t", 1)
    m = re.match(r"sipscope evidence: frame (\d+) of (\S+) \(frame (\d+) of the merged input\); ", c)
    if not m:
        errors.append("comment %r" % c); continue
    k, path, n = int(m.group(1)), m.group(2), int(m.group(3))
    merged.append(n)
    if path not in times or k > len(times[path]) or times[path][k - 1] != ts:
        errors.append("frame %d of %s is not the packet at %s" % (k, path, ts))
if merged != cited:
    errors.append("merged numbers %s, the JSON cites %s" % (merged, cited))
for e in errors[:10]: print("FAIL: evidence:", e)
if not errors: print("merge: %d evidence packets traced to their own files" % len(merged))
sys.exit(1 if errors else 0)
EOF

# 4. Refusals, and a cut second file.
"$SIPSCOPE" -q -r - -r "$T/odd.pcap" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "standard input cannot be merged" "$T/err" || bad "-r - -r odd: exit $rc $(cat "$T/err")"
"$SIPSCOPE" -q -r "$T/odd.pcap" -r "$T/odd.pcap" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "given twice" "$T/err" || bad "-r odd -r odd: exit $rc $(cat "$T/err")"
editcap -T linux-sll "$T/odd.pcap" "$T/sll.pcap" 2>/dev/null ||
    tshark -r "$T/odd.pcap" -F pcap -w "$T/sll.pcap" 2>/dev/null
if [ "$(capinfos -E "$T/sll.pcap" 2>/dev/null | grep -c -i 'linux')" -gt 0 ]; then
    "$SIPSCOPE" -q -r "$T/even.pcap" "$T/sll.pcap" >/dev/null 2>"$T/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "^sipscope: -r $T/sll.pcap: link type LINUX_SLL differs from $T/even.pcap's (EN10MB)" "$T/err" ||
        bad "two link types: exit $rc $(cat "$T/err")"
else
    bad "editcap made no LINUX_SLL copy"
fi
head -c 300 "$T/odd.pcap" >"$T/cut.pcap"
"$SIPSCOPE" -q -r "$T/even.pcap" "$T/cut.pcap" --report json >"$T/cut.json" 2>"$T/err"; rc=$?
js=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_status"])' "$T/cut.json" 2>/dev/null)
[ $rc -eq 2 ] && [ "${js:-}" = 2 ] || bad "cut second file: exit $rc, JSON exit_status ${js:-none}"
grep -q "cut.pcap: file is truncated" "$T/err" || bad "cut second file: $(cat "$T/err")"

[ $fail -eq 0 ] && echo "cli_merge: merged runs equal mergecap's, evidence traced per file"
exit $fail
