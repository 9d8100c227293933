#!/bin/sh
# media_findings.sh — what sipscope says about a call's audio, on captures with known media
# (tests/media_pcap.py writes them; tshark confirms their streams first, so the scenario is
# what the wire shows):
#   nat_oneway     one_way_media (error) naming the caller's private SDP address, and
#                  media_nat (error) citing the RTP from the NAT address and the RTP sent to
#                  the private address; call verdict one-way
#   mirror_oneway  one_way_media at info only, saying the capture may not see that direction
#   hold           a sendonly re-INVITE explains the one-way flow: no media finding
#   twoway         no media finding, verdict two-way, streams 250 packets each way, 0 lost
#   many           nine calls a minute apart through --cap media_calls=2 / media_streams=2:
#                  each is retired once SIP ended it, so nothing is evicted (no "analysis
#                  incomplete"), the report still lists all nine with their verdicts and
#                  streams, and the kinds still find the 3 one-way and 3 no-media calls
# Env: SIPSCOPE. Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.."
: "${SIPSCOPE:?SIPSCOPE not set}"
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 missing"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/media_findings.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
python3 tests/media_pcap.py "$tmp" || exit 1
fail=0
for c in nat_oneway mirror_oneway hold twoway; do
    tshark -q -n -r "$tmp/$c.pcap" -z rtp,streams 2>/dev/null | grep -c ' 0x' >"$tmp/$c.ts"
    "$SIPSCOPE" -r "$tmp/$c.pcap" --report json >"$tmp/$c.json" 2>"$tmp/$c.err"
    rc=$?
    [ $rc -le 1 ] || { echo "$c: sipscope exited $rc"; cat "$tmp/$c.err"; fail=1; }
done
"$SIPSCOPE" -r "$tmp/many.pcap" --cap media_calls=2 --cap media_streams=2 --report json \
    >"$tmp/many.json" 2>"$tmp/many.err"
[ $? -le 1 ] || { echo "many: sipscope failed"; cat "$tmp/many.err"; fail=1; }
"$SIPSCOPE" -r "$tmp/many.pcap" --cap media_calls=2 --cap media_streams=2 >"$tmp/many.txt" 2>&1
if grep -q 'analysis incomplete' "$tmp/many.txt"; then
    echo "  FAIL many: the text report says the analysis is incomplete"; fail=1
else
    echo "  ok   many: no \"analysis incomplete\" through a 2-call media table"
fi
# every report shows the call's media next to its signalling
"$SIPSCOPE" -r "$tmp/nat_oneway.pcap" >"$tmp/t.txt" 2>/dev/null
"$SIPSCOPE" -r "$tmp/nat_oneway.pcap" --report markdown >"$tmp/t.md" 2>/dev/null
if grep -q '^  call media-nat@example.com: one-way' "$tmp/t.txt" &&
   grep -q '203.0.113.9:61000 -> 198.51.100.20:5000 caller->callee SSRC 0x00001111 PCMU: 250 packets, 0 lost' "$tmp/t.txt" &&
   grep -q '^| media-nat@example.com | one-way | 203.0.113.9:61000 → 198.51.100.20:5000' "$tmp/t.md"; then
    echo "  ok   text and Markdown reports show the call's streams and verdict"
else
    echo "  FAIL text/Markdown media section"; sed -n '/^Media/,/^Run/p' "$tmp/t.txt"; fail=1
fi
python3 - "$tmp" <<'PY' || fail=1
import json, sys
d = sys.argv[1]
bad = []
def load(n):
    return json.load(open('%s/%s.json' % (d, n))), int(open('%s/%s.ts' % (d, n)).read())
def media_findings(doc):
    return {f['kind']: f for f in doc['findings'] if f['kind'] in ('one_way_media', 'no_media', 'media_nat')}
def need(c, what):
    if not c:
        bad.append(what)
    print('  %s %s' % ('ok  ' if c else 'FAIL', what))

doc, ts = load('nat_oneway')
need(ts == 2 and len(doc['media']) == 2, 'nat_oneway: tshark and sipscope see 2 streams')
f = media_findings(doc)
ow, mn = f.get('one_way_media'), f.get('media_nat')
need(ow is not None and ow['severity'] == 'error', 'nat_oneway: one_way_media error')
need(ow is not None and 'no RTP from the callee' in ow['summary'], 'nat_oneway: names the silent side')
need(ow is not None and any('192.168.1.2:30000' in c for c in ow['causes']),
     'nat_oneway: cause names the private SDP address')
need(mn is not None and mn['severity'] == 'error' and '192.168.1.2:30000' in mn['summary'],
     'nat_oneway: media_nat error on the private address')
roles = {e['role']: e for e in (mn or {}).get('evidence', [])}
need('media from another address' in roles and '203.0.113.9:61000' in roles['media from another address']['line'],
     'nat_oneway: media_nat cites the RTP from the NAT address')
need('RTP to a private SDP address' in roles, 'nat_oneway: media_nat cites RTP sent to the private address')
need(mn is not None and any('symmetric RTP' in c for c in mn['causes']), 'nat_oneway: latching explained')
need([c['verdict'] for c in doc['media_calls']] == ['one-way'], 'nat_oneway: verdict one-way')

doc, ts = load('mirror_oneway')
ow = media_findings(doc).get('one_way_media')
need(ts == 1 and ow is not None and ow['severity'] == 'info' and 'may not see' in ow['summary'],
     'mirror_oneway: one_way_media only info, the capture may not see that direction')

doc, ts = load('hold')
need(ts == 1 and not media_findings(doc), 'hold: sendonly explains one-way, no media finding')
need([c['verdict'] for c in doc['media_calls']] == ['one-way'], 'hold: verdict one-way (as the SDP asked)')

doc, ts = load('twoway')
need(ts == 2 and not media_findings(doc), 'twoway: no media finding')
need(sorted((m['packets'], m['lost']) for m in doc['media']) == [(250, 0), (250, 0)],
     'twoway: 250 packets each way, 0 lost')
doc = json.load(open('%s/many.json' % d))
ctr = doc['stats']['counters']
need(all(ctr['media.%s.evicted' % t] == 0 for t in ('calls', 'ports', 'streams')),
     'many: no media call, port or stream evicted')
need(ctr['media.calls.retired'] == 9 and ctr['media.streams.retired'] == 9 and
     ctr['media.ports.retired'] == 36, 'many: 9 calls, 36 ports, 9 streams retired')
want = ['no media'] * 3 + ['one-way'] * 3 + ['two-way'] * 3
need([c['verdict'] for c in doc['media_calls']] == want and doc['media_calls_not_shown'] == 0 and
     [c['call_id'] for c in doc['media_calls']] == ['media-m%d@example.com' % i
                                                    for i in range(8, -1, -1)],
     'many: all nine calls listed, latest first, with their verdicts')
need(len(doc['media']) == 9 and doc['media_not_shown'] == 0 and
     all(m['packets'] == 250 for m in doc['media']), 'many: all nine streams listed, 250 packets')
f = media_findings(doc)
need(f.get('one_way_media', {}).get('count') == 3 and f['one_way_media']['severity'] == 'error',
     'many: one_way_media error for the 3 one-way calls')
need(f.get('no_media', {}).get('count') == 3 and f['no_media']['severity'] == 'error',
     'many: no_media error for the 3 calls without RTP')
sys.exit(1 if bad else 0)
PY
exit $fail
