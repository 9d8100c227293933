#!/bin/sh
# tui_dashboard.sh — the dashboard on a real capture, driven in tmux as a
# person would: after the replay the header's packet and SIP counts equal
# tshark's, the findings panel lists the report's finding kinds, the
# detail screen shows the evidence frames the report cites, the call-flow
# ladder shows the dialog's messages with the frame numbers and methods or
# status codes tshark gives those frames, the filter narrows the dialogs,
# and q exits 0 with the terminal restored.
# Capture: sip_captures wrong_password 401-403-401-403 (REGISTER and
# SUBSCRIBE, each challenged, retried, refused with 403).
. "$(dirname "$0")/lib/tui.sh"
tui_require

PCAP="$SHARED/pcaps/sip_captures__sip-register-wrong_password-401-403-401-403.pcapng"
ORACLE="$PCAP.sip.tsv"
[ -f "$PCAP" ] || { echo "missing $PCAP"; exit 77; }

"$SIPSCOPE" -r "$PCAP" --no-tui --report json >"$TUI_TMP/report.json" 2>/dev/null
python3 - "$TUI_TMP/report.json" >"$TUI_TMP/facts" <<'EOF' || { echo "report unreadable"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
s = d["stats"]
print("packets", s["packets"])
print("sip", s["sip_messages"])
print("findings", len(d["findings"]))
lab = {"info": "info", "warning": "WARN", "error": "ERROR", "critical": "CRIT"}
for f in d["findings"]:
    print("kind", f["kind"], lab[f["severity"]])
if d["findings"]:
    for e in d["findings"][0]["evidence"]:
        print("frame", e["frame"])
EOF
# The header's counts are the capture's, as tshark sees it: every frame, and
# every SIP message of the oracle (one line each after the column names).
command -v tshark >/dev/null || { echo "tshark missing"; exit 77; }
packets=$(tshark -r "$PCAP" 2>/dev/null | wc -l)
sip=$(($(grep -c . "$ORACLE") - 1))
[ "$packets" = "$(awk '$1=="packets"{print $2}' "$TUI_TMP/facts")" ] ||
    { echo "FAIL: report says $(awk '$1=="packets"{print $2}' "$TUI_TMP/facts") packets, tshark $packets"; exit 1; }
[ "$(awk '$1=="findings"{print $2}' "$TUI_TMP/facts")" -gt 0 ] || { echo "report has no findings"; exit 1; }

tui_start 120 40 LANG=C.UTF-8 -- -r "$PCAP" --tui
tui_wait "replay done" 20 || tui_done

# Header counts equal tshark's.
hdr=$(tui_pane | sed -n 2p)
echo "$hdr" | grep -qE "packets $packets( |$)" || tui_fail "header '$hdr' does not say packets $packets"
echo "$hdr" | grep -qE "SIP $sip( |$)" || tui_fail "header '$hdr' does not say SIP $sip"

# Every finding kind of the report is listed, with its severity.
awk '$1=="kind"{print $2, $3}' "$TUI_TMP/facts" >"$TUI_TMP/kinds"
while read -r k sev; do
    tui_expect "$k" "findings panel"
    tui_pane | grep -E "(^| )$sev +.*$k" >/dev/null ||
        tui_fail "findings panel row of $k does not show severity $sev"
done <"$TUI_TMP/kinds"

# Enter on the first finding: detail with its evidence frames.
tui_keys Enter
tui_wait "Finding detail" || tui_done
tui_expect "Evidence ("
for f in $(awk '$1=="frame"{print $2}' "$TUI_TMP/facts" | head -8); do
    tui_pane | grep -qE "frame $f +[0-9]" || tui_fail "detail does not list evidence frame $f"
done
# Enter in the detail: the call flow of the first evidence message, with
# that frame selected; Esc comes back to the detail.
first=$(awk '$1=="frame"{print $2; exit}' "$TUI_TMP/facts")
tui_keys Enter
tui_wait "Call flow:" || tui_done
tui_pane | grep -qE " frame $first  " || tui_fail "call flow does not select evidence frame $first"
tui_keys Escape
tui_wait "Finding detail" || tui_done
tui_keys Escape
tui_wait_gone "Finding detail"

# Enter on a dialog: the ladder. Each row's frame and label must be what
# tshark says that frame is.
tui_keys 3
tui_keys Enter
tui_wait "Call flow:" || tui_done
tui_pane >"$TUI_TMP/ladder"
python3 - "$TUI_TMP/ladder" "$ORACLE" <<'EOF' || tui_fail "ladder rows do not match the capture"
import re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
oracle = {}
for line in open(sys.argv[2], encoding="utf-8").read().split("\n")[1:]:
    f = line.split("\t")
    if len(f) > 11 and f[0]:
        oracle[int(f[0])] = f[10] or f[11]      # method or status code
seen = 0
for r in rows:
    m = re.match(r"^\d\d:\d\d:\d\d\.\d{3} #(\d+)\s", r)
    if not m:
        continue
    frame = int(m.group(1))
    want = oracle.get(frame)
    if want is None or want not in r:
        print("  frame %d: ladder row %r, tshark says %r" % (frame, r.strip(), want))
        sys.exit(1)
    if not re.search("[\u2500-\u257f\u25b6\u25c0]", r):
        print("  frame %d: no arrow drawn: %r" % (frame, r))
        sys.exit(1)
    seen += 1
if seen < 2:
    print("  only %d ladder rows" % seen)
    sys.exit(1)
EOF
# The raw text of the selected (first) message is below the ladder.
tui_expect "Call-ID:" "raw message text"
tui_expect "CSeq:" "raw message text"
tui_keys Down
sleep 0.3
tui_expect "SIP/2.0 401 Unauthorized" "raw text of the second message"
tui_keys Escape
tui_wait_gone "Call flow:"

# The filter narrows the dialog list, and c clears it.
total=$(tui_pane | sed -n 's/.*Dialogs (\([0-9]*\)).*/\1/p' | head -1)
[ -n "$total" ] && [ "$total" -ge 2 ] || tui_fail "expected at least 2 dialogs, got '$total'"
tui_keys / m e t h o d : R E G I S T E R Enter
tui_wait "filtered)" || tui_done
tui_expect "Dialogs (1 of $total, filtered)"
tui_expect "filter: method:REGISTER"
tui_pane | grep -E '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] ' | grep -qv REGISTER &&
    tui_fail "a non-REGISTER dialog is still listed"
tui_keys c
tui_wait "Dialogs ($total)" || true

tui_quit 0
tui_done
