#!/bin/sh
# tui_hostile.sh — wire text cannot take over the terminal. A capture made
# here holds a REGISTER whose User-Agent and From display name carry
# terminal escape sequences (clear screen, cursor home, red, an OSC title),
# a C1 CSI byte, invalid UTF-8, a tab and a 300-character header. On the
# dashboard, the dialog list and the call flow's raw text must show them as
# inert dots, the screen must stay sane (rows, widths, header, footer), and
# the escape text must be visible as text rather than acted upon.
. "$(dirname "$0")/lib/tui.sh"
tui_require

python3 - "$TUI_TMP/hostile.pcap" <<'EOF'
import struct, sys
def frame(payload, sport, dport):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([198, 51, 100, 7]), bytes([203, 0, 113, 9]))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp
esc = b"\x1b[2J\x1b[H\x1b[31mEVIL\x1b]0;pwned\x07\xc2\x9bK\xff\xfe\tTAB"
msg = (b"REGISTER sip:203.0.113.9 SIP/2.0\r\n"
       b"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKhostile1\r\n"
       b"Max-Forwards: 70\r\n"
       b"From: \"" + esc + b"\" <sip:1001@203.0.113.9>;tag=h1\r\n"
       b"To: <sip:1001@203.0.113.9>\r\n"
       b"Call-ID: hostile-1@198.51.100.7\r\n"
       b"CSeq: 1 REGISTER\r\n"
       b"User-Agent: " + esc + b"\r\n"
       b"X-Long: " + b"L" * 300 + b"\r\n"
       b"Contact: <sip:1001@198.51.100.7:5060>\r\n"
       b"Content-Length: 0\r\n\r\n")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    fr = frame(msg, 5060, 5060)
    f.write(struct.pack("<IIII", 1700000000, 0, len(fr), len(fr)) + fr)
EOF

tui_start 100 30 LANG=C.UTF-8 -- -r "$TUI_TMP/hostile.pcap" --tui
tui_wait "replay done" 20 || tui_done
tui_expect "SIP 1 " "the message was parsed"
tui_sane 100 30
tui_keys 3 Enter
tui_wait "Call flow:" || tui_done
tui_sane 100 30
# The escapes are shown as text behind a dot, not executed.
tui_expect "User-Agent: .[2J.[H.[31mEVIL.]0;pwned." "escapes drawn as dots"
tui_expect "TAB" "text after the escapes is still there"
# Nothing red came from the wire: the only SGR 31 is ours (4xx/5xx,
# errors), and none sits right before EVIL.
tui_pane -e | grep -q "$(printf '\033')\[[0-9;]*31m[^ ]*EVIL" && tui_fail "wire text turned red"
# The long header wraps inside the pane.
tui_keys NPage
sleep 0.2
tui_sane 100 30
tui_keys Escape
tui_quit 0
tui_done
