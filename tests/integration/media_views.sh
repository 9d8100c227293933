#!/bin/sh
# media_views.sh — a call's media next to its signalling in the views a
# user opens (issue 17): the text ladder (--ladder), the HTML report (its
# Media table and the SVG ladder, as headless chromium renders them) and
# the TUI's call flow (a tmux screen dump). On the nat_oneway capture of
# tests/media_pcap.py (caller behind a NAT: its RTP reaches the callee from
# 203.0.113.9:61000; the callee's RTP goes to the private 192.168.1.2:30000)
# each view must show both streams as bands from sender to receiver, with
# addresses, codec, packets, loss, jitter and first..last, and the call's
# one-way verdict with the NAT note.
# Env: SIPSCOPE. Exit 0 pass, 77 skip (a tool missing), 1 fail.
. "$(dirname "$0")/lib/tui.sh"
set -u
cd "$(dirname "$0")/../.."
: "${SIPSCOPE:?SIPSCOPE not set}"
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 missing"; exit 77; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "skip: chromium missing (scripts/install-deps test)"; exit 77; }
tui_require
tmp=$TUI_TMP
python3 tests/media_pcap.py "$tmp" || exit 1
cap=$tmp/nat_oneway.pcap
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "  ok   $*"; }

# 1. --ladder: each stream is an '=' band from its sender's column to its receiver's,
#    between the ACK and the BYE, with its figures.
"$SIPSCOPE" -r "$cap" --ladder media-nat@example.com >"$tmp/ladder.txt" 2>/dev/null ||
    bad "--ladder exited $?"
grep -q '^  media: one-way, 2 RTP stream(s); caller media comes from 203.0.113.9:61000, not its SDP address' "$tmp/ladder.txt" ||
    bad "--ladder: no media verdict line"
grep -qE '^22:13:20\.520000  5 +\|=+ RTP PCMU =+>\|  203\.0\.113\.9:61000 -> 198\.51\.100\.20:5000 PCMU, 250 pkt, 0 lost, jitter 0\.00 ms, 22:13:20\.520\.\.22:13:25\.500$' "$tmp/ladder.txt" ||
    bad "--ladder: caller->callee band missing or wrong"
grep -qE '^22:13:20\.523000  6 +\|<=+ RTP PCMU =+\|  198\.51\.100\.20:5000 -> 192\.168\.1\.2:30000 PCMU, 250 pkt, 0 lost' "$tmp/ladder.txt" ||
    bad "--ladder: callee->caller band (to the private address) missing"
# the bands sit between the ACK and the BYE
order=$(grep -oE 'ACK|RTP PCMU =+>|<=+ RTP PCMU|BYE' "$tmp/ladder.txt" | sed 's/=* *//g' | tr '\n' ' ')
[ "$order" = "ACK RTPPCMU> <RTPPCMU BYE " ] || bad "--ladder: rows in order '$order'"
[ $fail -eq 0 ] && ok "--ladder shows both streams as bands between ACK and BYE" || sed 's/^/    /' "$tmp/ladder.txt"

# 2. HTML: the Media section's table and the SVG bands, as chromium renders the page.
"$SIPSCOPE" -q -r "$cap" --report html >"$tmp/r.html" 2>/dev/null
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$tmp/prof" --dump-dom "file://$tmp/r.html" >"$tmp/dom.html" 2>"$tmp/chrome.err"
[ -s "$tmp/dom.html" ] || bad "chromium dumped no DOM: $(tail -2 "$tmp/chrome.err")"
python3 - "$tmp/dom.html" <<'PY' || fail=1
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
bad = []
def need(c, what):
    print("  %s %s" % ("ok  " if c else "FAIL", what))
    if not c:
        bad.append(what)
sec = re.search(r'<section id="media">(.*?)</section>', dom, re.S)
need(sec is not None, "html: a Media section")
sec = sec.group(1) if sec else ""
text = html.unescape(re.sub(r"<[^>]+>", " ", sec))
text = re.sub(r"\s+", " ", text)
need("call media-nat@example.com : one-way" in text, "html: the call's verdict one-way")
need("caller media comes from 203.0.113.9:61000, not its SDP address" in text, "html: the NAT note")
rows = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r))).strip()
        for r in re.findall(r"<tr>(.*?)</tr>", sec, re.S)]
need(any(r.startswith("203.0.113.9:61000 → 198.51.100.20:5000 caller->callee 0x00001111 PCMU (PT 0) 250 0 (0.0%)")
         for r in rows), "html: the caller's stream row (addresses, SSRC, codec, packets, lost)")
need(any(r.startswith("198.51.100.20:5000 → 192.168.1.2:30000 callee->caller") for r in rows),
     "html: the callee's stream row, to the private address")
# the SVG ladder of the one_way_media finding's dialog: two bands with their figures
bands = re.findall(r'<g class="band[^"]*">(.*?)</g>', dom, re.S)
need(len(bands) >= 2, "html: the ladder draws the streams as bands (%d)" % len(bands))
bt = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", b))) for b in bands]
need(any("203.0.113.9:61000 → 198.51.100.20:5000" in b and "RTP PCMU 250 pkt, 0 lost, 0.00 ms" in b
         for b in bt), "html: a band says src → dst, codec, packets, lost, jitter")
need(re.search(r"media:\s*one-way\s*, 2 RTP stream\(s\) drawn as bands", html.unescape(re.sub(r"<[^>]+>", " ", dom))) is not None,
     "html: the ladder's caption gives the media verdict")
sys.exit(1 if bad else 0)
PY

# 3. TUI: the call flow of the dialog shows both bands; selecting one shows its figures.
tui_start 160 45 LANG=C.UTF-8 -- -r "$cap" --tui
tui_wait "replay done" 20 || tui_done
tui_keys 3
sleep 0.3
tui_keys Enter
tui_wait "Call flow:" || tui_done
tui_expect "media: one-way, 2 stream(s)" "TUI title gives the media verdict"
tui_expect "RTP PCMU, 250 pkt, 0 lost, jitter 0.00 ms" "TUI band figures"
tui_expect "203.0.113.9:61000 > 198.51.100.20:5000" "TUI caller band addresses"
tui_expect "..22:13:25.500" "TUI band last packet"
tui_expect "198.51.100.20:5000 > 192.168.1.2:30000" "TUI callee band addresses"
# rows: INVITE 180 200 ACK band band BYE 200: the fifth row is the first band
tui_keys Home Down Down Down Down
tui_wait "RTP stream  203.0.113.9:61000 > 198.51.100.20:5000" || tui_done
tui_expect "250 packets of 250 expected, 0 lost (0.0%)" "TUI band details"
tui_expect "Call media: one-way" "TUI band pane: the call's verdict"
tui_expect "caller media comes from 203.0.113.9:61000, not its SDP address" "TUI band pane: NAT note"
tui_quit
[ "$TUI_FAILED" -eq 0 ] || fail=1
exit $fail
