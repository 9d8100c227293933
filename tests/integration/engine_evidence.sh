#!/bin/sh
# engine_evidence.sh — `--evidence FILE` end to end: the written pcapng holds
# exactly the frames the JSON report cites (compared with tshark), each with
# a comment (tshark's frame.comment) naming its frame number in the input
# and the findings citing it (kind and role, as the JSON says), has mode
# 0600, and an existing file is never overwritten.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v tshark >/dev/null || { echo "tshark missing"; exit 77; }
cap="${SIPSCOPE_SHARED_PCAPS:-}/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
[ -f "$cap" ] || { echo "no capture"; exit 77; }
python3 tests/integration/engine_check.py probe || exit $?
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$SIPSCOPE" -q -r "$cap" --report json --no-tui --evidence "$tmp/ev.pcap" >"$tmp/r.json"
[ -f "$tmp/ev.pcap" ] || { echo "FAIL: no evidence file (app_report in main.c did not write it)"; exit 1; }
mode=$(stat -c %a "$tmp/ev.pcap")
[ "$mode" = 600 ] || { echo "FAIL: mode $mode"; exit 1; }
want=$(python3 -c "
import json; d=json.load(open('$tmp/r.json'))
print(' '.join(str(x) for x in sorted({e['frame'] for f in d['findings'] for e in f['evidence']})))")
# the frames' timestamps in the evidence file must be those of the cited input frames
got_ts=$(tshark -r "$tmp/ev.pcap" -T fields -e frame.time_epoch 2>/dev/null | tr '\n' ' ')
want_ts=""
for n in $want; do
    want_ts="$want_ts$(tshark -r "$cap" -Y "frame.number==$n" -T fields -e frame.time_epoch 2>/dev/null) "
done
[ "$got_ts" = "$want_ts" ] || { echo "FAIL: evidence frames [$got_ts] != cited [$want_ts] ($want)"; exit 1; }
[ -n "$want" ] || { echo "FAIL: nothing cited"; exit 1; }
# each packet's comment: "frame N of INPUT; F1 kind (severity): role" for
# the cited frame N, with every finding (JSON) that cites it
tshark -r "$tmp/ev.pcap" -T fields -e frame.comment 2>/dev/null >"$tmp/comments"
python3 - "$tmp/r.json" "$tmp/comments" "$cap" <<'EOF' || exit 1
import json, sys
rep = json.load(open(sys.argv[1]))
got = [l.rstrip("\n") for l in open(sys.argv[2])]
cites = {}
for f in rep["findings"]:
    for e in f["evidence"]:
        cites.setdefault(e["frame"], []).append("%s %s (%s): %s" % (f["id"], f["kind"], f["severity"], e["role"]))
want = ["sipscope evidence: frame %d of %s; %s" % (n, sys.argv[3], "; ".join(c)) for n, c in sorted(cites.items())]
if got != want:
    print("FAIL: evidence comments\n got  %s\n want %s" % (got, want)); sys.exit(1)
print("evidence: %d packet comments match the JSON's citations" % len(got))
EOF
echo keep >"$tmp/exists.pcap"
"$SIPSCOPE" -q -r "$cap" --report json --no-tui --evidence "$tmp/exists.pcap" >/dev/null 2>&1
[ "$(cat "$tmp/exists.pcap")" = keep ] || { echo "FAIL: an existing file was overwritten"; exit 1; }
echo "evidence: frames $want"
