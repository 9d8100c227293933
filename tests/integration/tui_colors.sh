#!/bin/sh
# tui_colors.sh — colour, monochrome and character sets, and the two keys
# that write files.
#  - UTF-8 with colours: the pane carries colour escapes and box drawing.
#  - NO_COLOR=1 LANG=C: no colour escapes at all, every byte ASCII (the
#    ladder's arrows drawn with - > < |), still readable.
#  - s saves the report: the saved JSON reads back with the counts of the
#    --no-tui report; w writes the evidence pcap holding exactly the frames
#    the report's findings cite (checked against the input with tshark when
#    it is installed, else by counting pcap records).
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$SHARED/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
[ -f "$PCAP" ] || { echo "missing $PCAP"; exit 77; }

"$SIPSCOPE" -r "$PCAP" --no-tui --report json >"$TUI_TMP/report.json" 2>/dev/null

# Colour and UTF-8.
tui_start 100 30 LANG=C.UTF-8 TERM=screen-256color -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_pane -e | grep -q "$(printf '\033')\[[0-9;]*3[0-7][;m]" ||
    tui_pane -e | grep -q "$(printf '\033')\[[0-9;]*4[0-7][;m]" ||
    tui_fail "no colour escapes with colours on"
tui_keys 3 Enter
tui_wait "Call flow:" || tui_done
tui_pane | grep -q "$(printf '\342\224\202')" || tui_fail "no UTF-8 box drawing in a UTF-8 locale"
tui_keys Escape
tui_quit 0

# Monochrome and ASCII.
tui_stop
tui_start 100 30 LANG=C LC_ALL=C NO_COLOR=1 TERM=screen-256color -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done
tui_keys 3 Enter
tui_wait "Call flow:" || tui_done
tui_pane -e >"$TUI_TMP/mono"
if grep -q "$(printf '\033')\[[0-9;]*[34][0-7][;m]" "$TUI_TMP/mono" ||
   grep -q "$(printf '\033')\[[0-9;]*[34]8;" "$TUI_TMP/mono"; then
    tui_fail "colour escapes under NO_COLOR"
fi
LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TUI_TMP/mono" && tui_fail "non-ASCII bytes under LANG=C"
tui_pane | grep -qE '\|-+ *[A-Z]+ *-+>\|' || tui_fail "no ASCII request arrow in the ladder"
tui_pane | grep -qE '\|<-+ *[0-9]{3} ' || tui_fail "no ASCII response arrow in the ladder"
tui_keys Escape
tui_wait_gone "Call flow:"

# s: save the report as JSON.
tui_keys s
tui_wait "[t]ext, [j]son or [m]arkdown" || tui_done
tui_keys j
tui_wait "sipscope-report.json" || tui_done
tui_keys C-u s a v e d . j s o n Enter
tui_wait "saved to saved.json" || tui_done
python3 - "$TUI_TMP/saved.json" "$TUI_TMP/report.json" <<'EOF' || tui_fail "saved report differs from the --no-tui report"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("packets", "sip_messages", "malformed", "ring_drops", "kernel_drops"):
    if a["stats"][k] != b["stats"][k]:
        print("  %s: %r vs %r" % (k, a["stats"][k], b["stats"][k])); sys.exit(1)
ka = [(f["kind"], f["entity"], f["count"]) for f in a["findings"]]
kb = [(f["kind"], f["entity"], f["count"]) for f in b["findings"]]
if ka != kb:
    print("  findings %r vs %r" % (ka, kb)); sys.exit(1)
EOF

# w: the evidence pcap, then w again refuses to overwrite it.
tui_keys w
tui_wait "write evidence pcap to:" || tui_done
tui_keys Enter
tui_wait "evidence frame" || tui_done
n=$(tui_pane | sed -n 's/.*wrote \([0-9]*\) evidence frames* to.*/\1/p' | head -1)
want=$(python3 -c "
import json,sys
d=json.load(open('$TUI_TMP/report.json'))
print(len({e['frame'] for f in d['findings'] for e in f['evidence']}))")
[ "$n" = "$want" ] || tui_fail "wrote '$n' evidence frames, the report cites $want"
[ -s "$TUI_TMP/sipscope-evidence.pcapng" ] || tui_fail "no evidence file"
if command -v tshark >/dev/null 2>&1; then
    got=$(tshark -r "$TUI_TMP/sipscope-evidence.pcapng" 2>/dev/null | wc -l)
    [ "$got" = "$want" ] || tui_fail "tshark reads $got frames in the evidence pcap, want $want"
else
    skip_why="tshark not installed: evidence pcap not read back"; echo "$skip_why"
fi
tui_keys w Enter
tui_wait "exists" 5 || true
tui_quit 0
[ "$TUI_FAILED" -eq 0 ] && [ -n "${skip_why:-}" ] && { echo "skip: $skip_why"; exit 77; }
tui_done
