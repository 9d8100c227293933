#!/bin/sh
# media_heuristic.sh — --rtp-heuristic end to end (issue 17): the two-way
# call of tests/media_pcap.py with its SIP removed (tshark -Y 'not sip', as
# a capture that missed the signalling) holds 2 RTP streams no SDP
# announced. Without the flag sipscope only counts them
# (media.udp.rtp_unannounced); with --rtp-heuristic, or with
# "[media] rtp_heuristic = yes" in --config, it reports both, marked
# heuristic, in no call, with tshark's packets; the text report lists them
# apart. Env: SIPSCOPE. Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.."
: "${SIPSCOPE:?SIPSCOPE not set}"
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 missing"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/media_heuristic.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
python3 tests/media_pcap.py "$tmp" || exit 1
tshark -r "$tmp/twoway.pcap" -Y 'not sip' -w "$tmp/nosip.pcap" 2>/dev/null || exit 1
tshark -q -n -r "$tmp/nosip.pcap" -o rtp.heuristic_rtp:TRUE -z rtp,streams 2>/dev/null |
    awk '/0x/ {print $3, $4, $5, $6, $7, $9}' >"$tmp/tshark.txt"
printf '[media]\nrtp_heuristic = yes\n' >"$tmp/media.ini"
"$SIPSCOPE" -r "$tmp/nosip.pcap" --report json >"$tmp/off.json" 2>/dev/null
"$SIPSCOPE" -r "$tmp/nosip.pcap" --rtp-heuristic --report json >"$tmp/on.json" 2>/dev/null
"$SIPSCOPE" -r "$tmp/nosip.pcap" --config "$tmp/media.ini" --report json >"$tmp/cfg.json" 2>/dev/null
"$SIPSCOPE" -r "$tmp/nosip.pcap" --rtp-heuristic >"$tmp/on.txt" 2>/dev/null
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
bad = []
def need(c, what):
    print("  %s %s" % ("ok  " if c else "FAIL", what))
    if not c:
        bad.append(what)
ts = {}
for line in open(d + "/tshark.txt"):
    sa, sp, da, dp, ssrc, pk = line.split()
    ts[(sa, int(sp), da, int(dp), int(ssrc, 16))] = int(pk)
need(len(ts) == 2, "tshark (heuristic RTP) finds 2 streams in the SIP-less capture")
off = json.load(open(d + "/off.json"))
need(off["media"] == [] and off["media_calls"] == [], "off by default: no stream, no call")
for n in ("on", "cfg"):
    doc = json.load(open("%s/%s.json" % (d, n)))
    got = {(m["src"], m["src_port"], m["dst"], m["dst_port"], m["ssrc"]): m["packets"]
           for m in doc["media"]}
    need(got == ts, "%s: the streams equal tshark's (%s)" % (n, got))
    need(all(m["heuristic"] is True and m["call_id"] is None for m in doc["media"]),
         "%s: every stream marked heuristic, in no call" % n)
    need(doc["media_calls"] == [] and not any(f["kind"] in ("one_way_media", "no_media", "media_nat")
                                              for f in doc["findings"]),
         "%s: no call and no media finding from guessed streams" % n)
txt = open(d + "/on.txt").read()
need("heuristic (--rtp-heuristic): 2 stream(s) on ports no SDP announced, in no call" in txt,
     "text report lists the heuristic streams apart")
sys.exit(1 if bad else 0)
PY
