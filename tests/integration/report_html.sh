#!/bin/sh
# report_html.sh — `--report html` and `--ladder` end to end:
#  - a lab capture (pcaps/lab/auth_rejected_403.pcap, with --secrets) gives a
#    page that parses without errors (balanced tags, unique ids: a strict
#    python html.parser check), holds no password of tests/lab/secrets.txt
#    and no digest response of the capture (tshark's view);
#  - headless Chromium renders it: the dumped DOM holds the diagnosis (the
#    JSON report's top finding summary) and every evidence frame of the
#    JSON report, both in the evidence table and on the SVG ladder; a
#    screenshot is made;
#  - the diagnosis section holds the JSON report's diagnosis (summaries,
#    ruled-out causes, fix), or its top finding when it has none;
#  - --report-file writes the same page; --ladder's frame numbers equal
#    tshark's for each Call-ID of two shared captures (their .sip.tsv);
#    the Markdown ticket's call flows hold every evidence frame, each
#    ladder's frames equal to tshark's for its Call-ID; an unknown
#    Call-ID exits 2.
# Exit 77 only when a tool is absent (chromium, tshark, python3).
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
command -v tshark >/dev/null || { echo "tshark missing"; exit 77; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "chromium missing (scripts/install-deps test)"; exit 77; }
cap=pcaps/lab/auth_rejected_403.pcap
[ -f "$cap" ] || { echo "FAIL: no $cap"; exit 1; }
tmp=$(mktemp -d) || exit 1     # absolute: file:// URLs below
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

install -m 600 tests/lab/secrets.txt "$tmp/secrets.txt"
"$SIPSCOPE" -q -r "$cap" --no-tui --secrets "$tmp/secrets.txt" --report html >"$tmp/r.html"
rc=$?
[ $rc -eq 1 ] || bad "--report html exit $rc, want 1 (findings)"
"$SIPSCOPE" -q -r "$cap" --no-tui --secrets "$tmp/secrets.txt" --report json >"$tmp/r.json"
"$SIPSCOPE" -q -r "$cap" --no-tui --secrets "$tmp/secrets.txt" --report html \
    --report-file "$tmp/file.html" >/dev/null 2>&1
[ -s "$tmp/file.html" ] || bad "--report-file wrote no page"
grep -q '</html>' "$tmp/file.html" || bad "--report-file page incomplete"

# 1. The page parses: every non-void element closed in order, ids unique,
#    no entity or markup error the parser reports.
python3 - "$tmp/r.html" <<'EOF' || fail=1
import sys
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SVG_EMPTY = {"line", "polygon", "path", "rect", "circle"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.ids, self.errors = [], set(), []
    def err(self, m):
        self.errors.append("line %d: %s" % (self.getpos()[0], m))
    def attrs(self, a):
        for k, v in a:
            if k == "id":
                if v in self.ids: self.err("duplicate id %s" % v)
                self.ids.add(v)
    def handle_starttag(self, t, a):
        self.attrs(a)
        if t not in VOID: self.stack.append(t)
    def handle_startendtag(self, t, a):
        self.attrs(a)
        if t not in VOID and t not in SVG_EMPTY: self.err("self-closed <%s/>" % t)
    def handle_endtag(self, t):
        if t in VOID: self.err("end tag of void </%s>" % t); return
        if not self.stack or self.stack[-1] != t:
            self.err("</%s> closes <%s>" % (t, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
    def handle_entityref(self, name):
        if name not in ("amp", "lt", "gt", "quot"): self.err("entity &%s;" % name)
    def unknown_decl(self, d): self.err("declaration %s" % d)
html = open(sys.argv[1], encoding="utf-8").read()   # also: valid UTF-8
p = P(); p.feed(html); p.close()
if p.stack: p.err("unclosed: %s" % p.stack)
if not html.startswith("<!DOCTYPE html>"): p.err("no doctype")
for forbidden in ("<script", "src=", "@import", "url("):
    if forbidden in html: p.err("external resource or script: %s" % forbidden)
for e in p.errors[:10]: print("FAIL: html:", e)
sys.exit(1 if p.errors else 0)
EOF

# 2. No secret: the --secrets passwords and the digest responses on the wire.
grep -v '^#' tests/lab/secrets.txt | awk 'NF >= 2 {print $2}' >"$tmp/pw"
[ -s "$tmp/pw" ] || bad "no password read from tests/lab/secrets.txt"
if grep -F -f "$tmp/pw" "$tmp/r.html" >/dev/null; then bad "a --secrets password is in the page"; fi
tshark -r "$cap" -T fields -e sip.auth.digest.response 2>/dev/null | tr -d '"' | tr ',' '\n' |
    grep . >"$tmp/resp"
[ -s "$tmp/resp" ] || bad "tshark found no digest response in $cap (wrong capture?)"
if grep -F -f "$tmp/resp" "$tmp/r.html" >/dev/null; then bad "a digest response is in the page"; fi
grep -q 'response=&quot;\*\*\*\*\*\*\*\*&quot;' "$tmp/r.html" ||
    bad "no masked response in the message text"

# 3. Chromium renders it; the DOM holds the diagnosis and every evidence frame.
chrome() {
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$(mktemp -d "$tmp/prof.XXXXXX")" "$@" 2>>"$tmp/chrome.err"
}
chrome --dump-dom "file://$tmp/r.html" >"$tmp/dom.html"
[ -s "$tmp/dom.html" ] || { bad "chromium dumped no DOM: $(tail -2 "$tmp/chrome.err")"; }
python3 - "$tmp/r.json" "$tmp/dom.html" <<'EOF' || fail=1
import html, json, re, sys
rep = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
errors = []
if not rep["findings"]:
    errors.append("the JSON report has no finding to look for")
diag = re.search(r'<section id="diagnosis">(.*?)</section>', dom, re.S)
dtext = html.unescape(re.sub(r"<[^>]+>", "", diag.group(1))) if diag else ""
# The diagnosis the JSON report gives (root causes, what was ruled out and
# the fix) is what the section shows; without one, the top finding.
want = [d["summary"] for d in rep.get("diagnosis", [])]
want += [r["cause"] + ": " + r["why"] for d in rep.get("diagnosis", []) for r in d["ruled_out"]]
want += [d["fix"] for d in rep.get("diagnosis", []) if d.get("fix")]
if not want:
    want = [rep["findings"][0]["summary"]]
for w in want:
    if w not in dtext:
        errors.append("diagnosis %r not in the rendered diagnosis section" % w)
table = set(int(x) for x in re.findall(r'<td class="n frame">(\d+)</td>', dom))
svg = set(int(x) for x in re.findall(r'>#(\d+)</text>', dom))
frames = sorted({e["frame"] for f in rep["findings"] for e in f["evidence"]})
if not frames:
    errors.append("no evidence frame cited")
for fr in frames:
    if fr not in table: errors.append("evidence frame %d not in an evidence table" % fr)
    if fr not in svg: errors.append("evidence frame %d not on a ladder" % fr)
if "<svg" not in dom: errors.append("no SVG ladder")
if dom.count("<details") < len(frames): errors.append("fewer <details> than evidence frames")
for e in errors: print("FAIL: dom:", e)
if not errors: print("dom: diagnosis found; evidence frames", frames)
sys.exit(1 if errors else 0)
EOF
chrome --window-size=1000,1600 --screenshot="$tmp/shot.png" "file://$tmp/r.html" >/dev/null
head -c 8 "$tmp/shot.png" 2>/dev/null | od -An -c | grep -q 'P   N   G' || bad "no PNG screenshot"

# 4. --ladder frames equal tshark's, per Call-ID (UDP captures: one message a frame).
for c in sip_captures__sip-register-wrong_password-401-403-401-403.pcapng ISA__real_call.pcap; do
    p="${SIPSCOPE_SHARED_PCAPS:-}/$c"
    [ -f "$p" ] && [ -f "$p.sip.tsv" ] || { bad "shared capture $c missing"; continue; }
    col=$(head -1 "$p.sip.tsv" | tr '\t' '\n' | grep -nx 'sip.Call-ID' | cut -d: -f1)
    [ -n "$col" ] || { bad "$c.sip.tsv has no sip.Call-ID column"; continue; }
    n=0
    for cid in $(awk -F'\t' -v c="$col" 'NR > 1 && $c != "" {print $c}' "$p.sip.tsv" | awk '!s[$0]++' | head -5); do
        want=$(awk -F'\t' -v c="$col" -v id="$cid" 'NR > 1 && $c == id {print $1}' "$p.sip.tsv" | tr '\n' ' ')
        "$SIPSCOPE" -q -r "$p" --ladder "$cid" >"$tmp/ladder.txt" 2>"$tmp/ladder.err" ||
            { bad "$c --ladder $cid: exit $? $(cat "$tmp/ladder.err")"; continue; }
        # message rows only: a media band ("|====" or "|<===") gives its first RTP frame
        got=$(awk '/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ +[0-9]+ / && !/\|<?==/ {print $2}' "$tmp/ladder.txt" | tr '\n' ' ')
        [ "$got" = "$want" ] || bad "$c --ladder $cid: frames [$got], tshark [$want]"
        n=$((n + 1))
    done
    [ $n -gt 0 ] || bad "$c: no Call-ID compared"
    echo "ladder: $c: $n Call-ID(s) match tshark"
done
# 5. The Markdown ticket's call flows: each evidence dialog's frames equal
#    tshark's frames of that Call-ID, and every evidence frame is on one.
"$SIPSCOPE" -q -r "$cap" --no-tui --report markdown >"$tmp/r.md"
tshark -r "$cap" -Y sip -T fields -e frame.number -e sip.Call-ID >"$tmp/cid.tsv" 2>/dev/null
python3 - "$tmp/r.md" "$tmp/cid.tsv" "$tmp/r.json" <<'EOF' || fail=1
import json, re, sys
md = open(sys.argv[1]).read()
want = {}
for line in open(sys.argv[2]):
    fr, cid = line.rstrip("\n").split("\t")
    want.setdefault(cid, []).append(int(fr))
sec = md.split("## Call flows\n", 1)[1].split("\n## ", 1)[0]
errors, drawn = [], set()
for block in re.split(r"\n    Call flow: ", sec)[1:]:
    cid = re.match(r"\S+  Call-ID (\S+)", block).group(1)
    got = [int(m) for m in re.findall(r"^    \d\d:\d\d:\d\d\.\d+ +(\d+) ", block, re.M)]
    if got != want.get(cid):
        errors.append("ticket ladder %s: frames %s, tshark %s" % (cid, got, want.get(cid)))
    drawn.update(got)
rep = json.load(open(sys.argv[3]))
for fr in {e["frame"] for f in rep["findings"] for e in f["evidence"]}:
    if fr not in drawn:
        errors.append("evidence frame %d on no ladder of the ticket" % fr)
if not drawn:
    errors.append("the ticket has no call flow")
for e in errors: print("FAIL: markdown:", e)
if not errors: print("markdown: ticket ladders match tshark, frames", sorted(drawn))
sys.exit(1 if errors else 0)
EOF
"$SIPSCOPE" -q -r "$cap" --ladder no-such-call-id >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || bad "--ladder of an unknown Call-ID: exit $rc, want 2"
grep -q "no dialog with this Call-ID" "$tmp/err" || bad "--ladder unknown: $(cat "$tmp/err")"
[ $fail -eq 0 ] && echo "report_html: page parses, renders, no secret, ladders match tshark"
exit $fail
