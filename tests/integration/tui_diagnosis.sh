#!/bin/sh
# tui_diagnosis.sh — the dashboard's first screen names the root causes, as
# the text report does (docs/findings.md "Diagnosis"), driven in tmux as a
# person would: right under the header, "Diagnosis: N root cause(s)" and one
# row per root cause in the report's order and words ("1. [ERROR]
# auth_rejected on trunk: PBX ... (confidence high)"), the findings panel
# still below it with every finding kind (folded, never hidden) and Enter
# still opening the first finding (its detail gives its id, and the root that
# explains it: lab source_ip_changed, whose ip_rejected is explained); on a
# small terminal the top root cause still shows; a capture with nothing
# wrong shows no diagnosis panel.
# Captures: sngrep__aaa (4 root causes: wrong password, NAT, a late answer,
# an unanswered challenge); nDPI__webex (failed TLS handshakes of one
# client to many servers: one root cause, not one per server).
. "$(dirname "$0")/lib/tui.sh"
tui_require

facts() {   # capture -> "N" then one "sev|kind|role|trunk|confidence" line per entry
    "$SIPSCOPE" -q --no-tui -r "$1" --report json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d["diagnosis"]))
for x in d["diagnosis"]:
    print("|".join([x["severity"].upper(), x["root_cause"], x["role"], x["trunk"], x["confidence"]]))
for f in d["findings"]:
    print("kind|" + f["kind"])'
}

AAA="$SHARED/pcaps/sngrep__aaa.pcap"
WEBEX="$SHARED/pcaps/nDPI__webex.pcap"
CLEAN="$SHARED/pcaps/ISA__real_call.pcap"
for f in "$AAA" "$WEBEX" "$CLEAN"; do [ -f "$f" ] || { echo "missing $f"; exit 77; }; done

facts "$AAA" >"$TUI_TMP/aaa" || { echo "FAIL: report unreadable"; exit 1; }
ndiag=$(head -1 "$TUI_TMP/aaa")
[ "$ndiag" -ge 2 ] || { echo "FAIL: sngrep__aaa has $ndiag root causes, the test needs 2 or more"; exit 1; }

tui_start 160 45 LANG=C.UTF-8 -- -r "$AAA" --tui
tui_wait "replay done" 20 || tui_done
tui_wait " Diagnosis: $ndiag root cause(s), most important first" || tui_done
tui_pane >"$TUI_TMP/pane"
# the diagnosis is the first thing under the header, in the report's order
python3 - "$TUI_TMP/pane" "$TUI_TMP/aaa" <<'PY' || tui_fail "first screen does not lead with the diagnosis"
import sys
rows = open(sys.argv[1]).read().split("\n")
facts = open(sys.argv[2]).read().split("\n")
n = int(facts[0])
entries = [l.split("|") for l in facts[1:1 + n]]
top = [i for i, r in enumerate(rows) if r.startswith(" Diagnosis: ")]
fnd = [i for i, r in enumerate(rows) if r.startswith(" Findings (")]
if not top or top[0] > 4:
    print("  no Diagnosis title right under the header"); sys.exit(1)
if not fnd or fnd[0] < top[0] + 1 + min(n, 5):
    print("  the findings panel does not follow the diagnosis"); sys.exit(1)
for k, (sev, kind, role, trunk, conf) in enumerate(entries[:5]):
    want = " %d. [%s] %s on %s: %s (confidence %s)" % (k + 1, sev, kind, role, trunk, conf)
    if not rows[top[0] + 1 + k].startswith(want):
        print("  row %d is %r, want it to start %r" % (k + 1, rows[top[0] + 1 + k], want)); sys.exit(1)
PY
# the findings stay reachable: every kind is listed, Enter opens the first
grep '^kind|' "$TUI_TMP/aaa" | cut -d'|' -f2 | sort -u | while read -r k; do
    grep -E "^(info|WARN|ERROR|CRIT) +$k " "$TUI_TMP/pane" >/dev/null ||
        echo "$k" >>"$TUI_TMP/missing"
done
[ -s "$TUI_TMP/missing" ] && tui_fail "findings panel lacks $(tr '\n' ' ' <"$TUI_TMP/missing")"
tui_keys Enter
tui_wait "Finding detail" || tui_done
first_id=$("$SIPSCOPE" -q --no-tui -r "$AAA" --report json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["findings"][0]["id"])')
tui_expect "id $first_id" "the finding's id in its detail"
tui_keys Escape
tui_wait " Diagnosis: $ndiag root cause(s)" || tui_done

# a small terminal: the top root cause still shows, and what is left out is said
tui_resize 80 20
first=$(sed -n 2p "$TUI_TMP/aaa" | awk -F'|' '{print $1 "] " $2 " on " $3 ": "}')
tui_expect " 1. [$first" "top root cause at 80x20"
tui_expect "not shown here (s saves the report)" "how many root causes are not shown"
tui_sane 80 20
tui_quit 0
tui_stop

# many failed handshakes of one client: one root cause, with the server count
facts "$WEBEX" >"$TUI_TMP/webex"
tui_start 140 40 LANG=C.UTF-8 -- -r "$WEBEX" --tui
tui_wait "replay done" 30 || tui_done
tui_expect "tls_failed on trunk: 10.8.0.1 to " "one tls_failed root cause"
[ "$(tui_pane | grep -c 'tls_failed on trunk')" = 1 ] || tui_fail "tls_failed is not one root cause"
tui_quit 0
tui_stop

# an explained finding says so in its detail, and its root heads the screen
IPCH=$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/source_ip_changed.pcap
"$SIPSCOPE" -q --no-tui -r "$IPCH" --report json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = d["findings"][0]
print(f["id"], f.get("explained_by") or "-", d["diagnosis"][0]["root_cause"])' >"$TUI_TMP/ipch"
read -r fid fby froot <"$TUI_TMP/ipch"
[ "$fby" != - ] || { echo "FAIL: $IPCH: the first finding is not explained any more"; exit 1; }
tui_start 120 40 LANG=C.UTF-8 -- -r "$IPCH" --tui
tui_wait "replay done" 20 || tui_done
tui_expect " 1. [ERROR] $froot on trunk: " "the root cause first"
tui_keys Enter
tui_wait "Finding detail" || tui_done
tui_expect "id $fid, explained by $fby: its root cause is in the Diagnosis" "folded, not hidden"
tui_keys Escape
tui_quit 0
tui_stop

# nothing of severity warning or worse: no diagnosis panel, findings first
[ "$(facts "$CLEAN" | head -1)" = 0 ] || { echo "FAIL: $CLEAN has a diagnosis now"; exit 1; }
tui_start 120 40 LANG=C.UTF-8 -- -r "$CLEAN" --tui
tui_wait "replay done" 20 || tui_done
tui_expect_not " Diagnosis:" "a clean capture"
tui_expect " Findings (" "the findings panel"
tui_quit 0
tui_done
