#!/bin/sh
# tui_keys.sh — what a new user of the dashboard tripped over (issue 15,
# item 6), each a case that once went wrong:
#  - after `/` and `c` a list stayed scrolled: the findings panel showed the
#    one finding that was selected and a blank row, not both;
#  - at 120 columns an empty GEO column kept 22 columns while peer names
#    were cut;
#  - sngrep's F2 (save), F3 (search) and F7 (filter) did nothing and said
#    nothing; other F-keys now say what to press;
#  - the program said "need 80x24" below 40x10, while the docs said 40x10:
#    at 40x10 it draws, at 39x10 it says the real minimum;
#  - `w` was unavailable on a live capture (or -r -): it now writes the
#    selected finding's kept SIP messages (exported PDUs, tshark-checked).
# Capture: the lab's brute_force run (12 REGISTER dialogs, 2 findings).
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$(cd "$(dirname "$0")/../.." && pwd)/pcaps/lab/brute_force.pcap"
[ -f "$PCAP" ] || { echo "no capture"; exit 77; }

tui_start 120 40 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done

# 1. Scrolled lists: the last finding selected, filtered to it, then cleared.
tui_keys 1 End
sleep 0.3
tui_keys /
tui_wait "filter (Enter" || tui_done
tui_keys "brute_force" Enter
tui_wait "filtered)" || tui_done
tui_keys c
tui_wait_gone "filtered)" || tui_done
sleep 0.3
n=$(tui_pane | grep -cE "^ERROR +(auth_rejected|brute_force) ")
[ "$n" -eq 2 ] || tui_fail "after / and c the findings panel shows $n of its 2 findings"

# 2. No GEO column without GeoIP: the peer heading ends with KA.
tui_pane | grep -E "^PEER .* KA *$" >/dev/null || tui_fail "peer heading keeps a GEO column: $(tui_pane | grep '^PEER')"

# 3. sngrep's keys.
tui_keys F2
tui_wait "save report as" || tui_done
tui_keys Escape
tui_wait_gone "save report as" || tui_done
tui_keys F3
tui_wait "filter (Enter" || tui_done
tui_keys Escape
tui_wait_gone "filter (Enter" || tui_done
tui_keys F7
tui_wait "filter (Enter" || tui_done
tui_keys Escape
tui_wait_gone "filter (Enter" || tui_done
tui_keys F5
tui_wait "F5 does nothing here: F1 help, F2 save, F3 or F7 filter" || tui_done
tui_keys F1
tui_wait "s  F2" || tui_done
tui_expect "/  F3  F7"
tui_keys Escape
tui_wait_gone "s  F2" || tui_done

# 4. The minimum size is the one documented (docs/tui.md: 40x10).
tui_resize 40 10
sleep 0.5
tui_expect_not "terminal too small" "40x10 is the documented minimum"
tui_sane 40 10
tui_resize 39 10
tui_wait "terminal too small" || tui_done
tui_expect "39x10; need 40x10"
tui_resize 40 9
tui_wait "40x9; need 40x10" || tui_done
grep -q "Below 40x10 the" "$(dirname "$0")/../../docs/tui.md" ||
    tui_fail "docs/tui.md does not give 40x10 as the minimum"
tui_resize 120 40
sleep 0.3
tui_quit

# 5. w where the input cannot be read again (a live capture, or -r - as
#    here: the same code path): from a finding's detail, that finding's
#    kept SIP messages as exported PDUs that tshark dissects as SIP, each
#    with its original frame number (exported_pdu.orig_fno) and a comment.
command -v tshark >/dev/null 2>&1 || { echo "tshark missing"; exit 77; }
tui_stop
"$SIPSCOPE" -q -r "$PCAP" --report json >"$TUI_TMP/r.json" 2>/dev/null
TUI_PREFIX="<'$PCAP'"     # a redirection may lead the command in run.sh
tui_start 120 40 LANG=C.UTF-8 -- -r - --tui
TUI_PREFIX=
tui_wait "replay done" 20 || tui_done
tui_keys 1 Home Enter
tui_wait "Finding detail" || tui_done
tui_keys w
tui_wait "write this finding's kept messages to:" || tui_done
tui_keys Enter
tui_wait "kept evidence message" || tui_done
tui_expect "0 cited frame(s) no longer kept"
tshark -r "$TUI_TMP/sipscope-evidence.pcapng" -T fields -e exported_pdu.orig_fno -e sip.CSeq \
    -e frame.comment 2>/dev/null >"$TUI_TMP/kept.tsv"
python3 - "$TUI_TMP/r.json" "$TUI_TMP/kept.tsv" <<'EOF' || tui_fail "kept evidence differs"
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
want = sorted({e["frame"] for e in f["evidence"]})
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
got = [int(r[0]) for r in rows]
bad = []
if got != want:
    bad.append("frames %s, the first finding cites %s" % (got, want))
for r in rows:
    if len(r) < 3 or not r[1]:
        bad.append("not dissected as SIP: %r" % r)
    elif not r[2].startswith("sipscope evidence: frame %s of standard input; %s %s" % (r[0], f["id"], f["kind"])):
        bad.append("comment %r" % r[2])
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
EOF
tui_quit
tui_done
