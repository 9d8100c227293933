#!/bin/sh
# verify_parse: --verify-parse runs every SIP message of a capture through
# libosip2 as well (sip_verify) and reports what it checked: one stderr
# summary line and the sip.verify.* counters of the JSON report. Checked
# must equal the SIP messages the report counts (tshark sees 81 in
# sngrep__aaa.pcap), the counters appear only with the flag, and on these
# captures the fast parser and libosip2 agree (0 differences; a difference
# is a parser bug to look at, named by frame on stderr).
set -u
: "${SIPSCOPE:?}" "${SHARED:?}"
P=$SHARED/pcaps
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
n=0
for f in "$P"/sngrep__aaa.pcap "$P"/PcapPlusPlus__sip_resp.pcap "$P"/heplify__ipip0.pcap \
         "$P"/nDPI__sip_hello.pcapng; do
    [ -r "$f" ] || continue
    n=$((n + 1))
    b=$(basename "$f")
    "$SIPSCOPE" --verify-parse -r "$f" --report json >"$T/$b.json" 2>"$T/$b.err"
    rc=$?
    [ "$rc" -le 1 ] || bad "$b: exit $rc"
    grep -q "^sipscope: --verify-parse: [0-9]* messages checked against libosip2, 0 differ" \
        "$T/$b.err" || bad "$b: summary: $(grep verify "$T/$b.err")"
    python3 - "$T/$b.json" "$b" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
c = d["stats"]["counters"]
n = d["stats"]["sip_messages"]
if c.get("sip.verify.checked") != n or n == 0:
    print("FAIL: %s: checked %s of %s SIP messages" % (sys.argv[2], c.get("sip.verify.checked"), n))
    sys.exit(1)
if c.get("sip.verify.differences") != 0:
    print("FAIL: %s: %s differences" % (sys.argv[2], c.get("sip.verify.differences")))
    sys.exit(1)
PY
done
[ "$n" -gt 0 ] || { echo "SKIP: no shared captures in $P"; exit 77; }
grep -q "^sipscope: 691 packets, 81 SIP messages" "$T/sngrep__aaa.pcap.err" ||
    bad "aaa summary: $(cat "$T/sngrep__aaa.pcap.err")"
grep -q "81 messages checked" "$T/sngrep__aaa.pcap.err" || bad "aaa: 81 messages checked expected"
# without the flag: no verification counters, no summary line
"$SIPSCOPE" -r "$P/sngrep__aaa.pcap" --report json >"$T/plain.json" 2>"$T/plain.err"
grep -q "sip.verify" "$T/plain.json" && bad "sip.verify counters without --verify-parse"
grep -q "verify-parse" "$T/plain.err" && bad "verify summary without --verify-parse"
exit $fail
