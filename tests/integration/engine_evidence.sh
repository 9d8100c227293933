#!/bin/sh
# engine_evidence.sh — `--evidence FILE` end to end: the written pcap holds
# exactly the frames the JSON report cites (compared with tshark), has mode
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
echo keep >"$tmp/exists.pcap"
"$SIPSCOPE" -q -r "$cap" --report json --no-tui --evidence "$tmp/exists.pcap" >/dev/null 2>&1
[ "$(cat "$tmp/exists.pcap")" = keep ] || { echo "FAIL: an existing file was overwritten"; exit 1; }
echo "evidence: frames $want"
