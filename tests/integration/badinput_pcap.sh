#!/bin/sh
# badinput_pcap.sh — hostile capture FILES (docs/bad-input.md, the pcap-level
# rows): each case is made at test time with python3 struct from a small valid
# SIP exchange, then run through `sipscope -r FILE --messages` under a time
# limit. Every case must end without a signal, sanitizer report or hang, with
# exit status 0, 1 or 2; a case that damages the file must say so on stderr;
# and wherever the file still holds whole SIP frames, those messages must be
# in the output (the damage loses only what it damaged).
set -u
: "${SIPSCOPE:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/h7bad.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

python3 - "$T" <<'EOF'
import os, random, struct, sys
T = sys.argv[1]

def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def udp_frame(src, dst, payload, tot_len=None, ihl=5):
    ulen = 8 + len(payload)
    tl = 20 + ulen if tot_len is None else tot_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, 1, 0x4000, 64, 17, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", 5060, 5060, ulen, 0)
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + udp + payload

PBX, TRUNK = [198, 51, 100, 20], [203, 0, 113, 5]
def sip(first, cseq, method, extra=b"", body=b""):
    return (first + b"\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK" + str(cseq).encode() +
            b"\r\nFrom: <sip:pbx@example.com>;tag=a1\r\nTo: <sip:+15005550006@example.pstn.twilio.com>" +
            (b";tag=b2" if first.startswith(b"SIP/") else b"") +
            b"\r\nCall-ID: bad-input-1@198.51.100.20\r\nCSeq: " + str(cseq).encode() + b" " + method +
            b"\r\nMax-Forwards: 70\r\n" + extra + b"Content-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)
INV = udp_frame(PBX, TRUNK, sip(b"INVITE sip:+15005550006@example.pstn.twilio.com SIP/2.0", 1, b"INVITE"))
TRY = udp_frame(TRUNK, PBX, sip(b"SIP/2.0 100 Trying", 1, b"INVITE"))
REJ = udp_frame(TRUNK, PBX, sip(b"SIP/2.0 403 Forbidden", 1, b"INVITE"))
GOOD = [INV, TRY, REJ]

def ghdr(lt=1, snap=262144, magic=0xA1B2C3D4, e="<"):
    return struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snap, lt)

def rec(frame, t=0, caplen=None, length=None, e="<", frac=None):
    c = len(frame) if caplen is None else caplen
    l = len(frame) if length is None else length
    return struct.pack(e + "IIII", 1700000000 + t, (t * 1000 if frac is None else frac), c, l) + frame

def pcap(frames, **kw):
    return ghdr(**kw) + b"".join(rec(f, i) for i, f in enumerate(frames))

def w(name, data):
    open(os.path.join(T, name), "wb").write(data)

good = pcap(GOOD)
w("good.pcap", good)
# 1 pcap header cut short; 2 header only (valid, empty)
w("empty.pcap", b"")
w("hdr_short.pcap", good[:10])
w("hdr_only.pcap", good[:24])
# 3 cut in the third record's data; 4 cut in the third record's header
third = 24 + 16 + len(INV) + 16 + len(TRY)
w("cut_data.pcap", good[:third + 16 + 30])
w("cut_rechdr.pcap", good[:third + 7])
# 5 caplen > len (impossible on the wire)
w("caplen_gt_len.pcap", ghdr() + rec(INV, 0) + rec(TRY, 1, length=len(TRY) - 40) + rec(REJ, 2))
# 6 a huge caplen the file does not hold
w("huge_caplen.pcap", ghdr() + rec(INV, 0) + struct.pack("<IIII", 1700000001, 0, 0x7FFFFFF0, 0x7FFFFFF0) + TRY)
# 7 caplen above the link type's maximum snaplen, bytes present
big = INV + b"\0" * (300000 - len(INV))
w("caplen_over_snaplen.pcap", ghdr() + rec(big, 0) + rec(TRY, 1) + rec(REJ, 2))
# 8 unknown link type
w("linktype_147.pcap", pcap(GOOD, lt=147))
# 9 zero-length records between real ones
w("zero_len.pcap", ghdr() + rec(INV, 0) + rec(b"", 1) + rec(TRY, 2) + rec(b"", 3, length=1500) + rec(REJ, 4))
# 10 jumbo frame: a 9000-byte SIP message (legal over UDP up to 65507 bytes)
body = b"v=0\r\n" + b"a=x-pad:" + b"y" * 8900 + b"\r\n"
JUMBO = udp_frame(PBX, TRUNK, sip(b"INVITE sip:+15005550006@example.pstn.twilio.com SIP/2.0", 1, b"INVITE",
                                  b"Content-Type: application/sdp\r\n", body))
w("jumbo.pcap", pcap([JUMBO, TRY, REJ]))
# 11 IPv4 header lies, each followed by the good exchange
lies = [udp_frame(PBX, TRUNK, b"x" * 100, tot_len=1500),    # total length > captured
        udp_frame(PBX, TRUNK, b"x" * 100, tot_len=12),      # total length < header
        udp_frame(PBX, TRUNK, b"x" * 100, ihl=2),           # IHL below 5
        udp_frame(PBX, TRUNK, b"x" * 100, ihl=15, tot_len=40)]  # IHL beyond total length
w("ip_len_lies.pcap", pcap(lies + GOOD))
# 12 valid variants: big-endian header, nanosecond magic, time going backwards
w("bigendian.pcap", ghdr(e=">") + b"".join(rec(f, i, e=">") for i, f in enumerate(GOOD)))
w("nanosec.pcap", ghdr(magic=0xA1B23C4D) + b"".join(rec(f, i, frac=i * 1000000) for i, f in enumerate(GOOD)))
w("time_backwards.pcap", ghdr() + rec(INV, 50) + rec(TRY, 10) + rec(REJ, 0))
# 13 pcapng with a block length that lies
shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
idb = struct.pack("<IIHHI", 1, 20, 1, 0, 262144) + struct.pack("<I", 20)
def epb(f, t):
    pad = (-len(f)) % 4
    n = 32 + len(f) + pad
    return struct.pack("<IIIIIII", 6, n, 0, 0, t, len(f), len(f)) + f + b"\0" * pad + struct.pack("<I", n)
ng = shb + idb + epb(INV, 0) + epb(TRY, 1)
bad_epb = bytearray(epb(REJ, 2)); bad_epb[4:8] = struct.pack("<I", 0x00FFFFF0)
w("pcapng_bad_blocklen.pcapng", ng + bytes(bad_epb))
w("pcapng_good.pcapng", ng + epb(REJ, 2))
# 14 random garbage
r = random.Random(7)
w("garbage.pcap", bytes(r.randrange(256) for _ in range(4096)))
EOF

fail=0
# run CASE EXPECT... : EXPECT words: exit=LIST (allowed codes), err=REGEX (stderr must match),
# msgs=N (exactly N SIP messages in --messages output), file (stderr names the file)
run() {
    name=$1; shift
    f="$T/$name"
    timeout 60 "$SIPSCOPE" -r "$f" --messages >"$T/out" 2>"$T/err"
    rc=$?
    why=""
    if [ $rc -eq 124 ]; then why="timed out"
    elif [ $rc -ge 128 ]; then why="killed by signal $((rc - 128))"
    elif grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$T/err"; then why="sanitizer report"
    fi
    for x in "$@"; do
        [ -n "$why" ] && break
        case "$x" in
            exit=*) echo ",${x#exit=}," | grep -q ",$rc," || why="exit $rc, expected ${x#exit=}" ;;
            err=*) grep -qiE "${x#err=}" "$T/err" || why="stderr lacks /${x#err=}/" ;;
            file) grep -qF "$name" "$T/err" || why="stderr does not name the file" ;;
            msgs=*) n=$(tail -n +2 "$T/out" | grep -c .)
                    [ "$n" -eq "${x#msgs=}" ] || why="$n SIP messages, expected ${x#msgs=}" ;;
        esac
    done
    if [ -n "$why" ]; then
        echo "FAIL $name: $why"; sed 's/^/    err: /' "$T/err" | head -8; fail=1
    else
        echo "ok   $name (exit $rc)"
    fi
}

run good.pcap                   exit=0,1 msgs=3
run empty.pcap                  exit=2 file err='empty'
run hdr_short.pcap              exit=2 file err='trunc|short|header|format|pcap'
run hdr_only.pcap               exit=0,1 msgs=0
run cut_data.pcap               exit=0,1,2 msgs=2 err='trunc|cut short'
run cut_rechdr.pcap             exit=0,1,2 msgs=2 err='trunc|cut short'
run caplen_gt_len.pcap          exit=0,1,2
run huge_caplen.pcap            exit=0,1,2 err='.'
run caplen_over_snaplen.pcap    exit=0,1,2
run linktype_147.pcap           exit=2 err='link|147|DLT|USER0'
run zero_len.pcap               exit=0,1 msgs=3
run jumbo.pcap                  exit=0,1 msgs=3
run ip_len_lies.pcap            exit=0,1 msgs=3
run bigendian.pcap              exit=0,1 msgs=3
run nanosec.pcap                exit=0,1 msgs=3
run time_backwards.pcap         exit=0,1 msgs=3
run pcapng_good.pcapng          exit=0,1 msgs=3
run pcapng_bad_blocklen.pcapng  exit=0,1,2 msgs=2 err='.'
run garbage.pcap                exit=2 file
exit $fail
