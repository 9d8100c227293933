"""hep_recv.py — a small independent HEPv3 receiver and parser for the
live_hep.sh test (not sipscope's decoder): listens on ADDR PORT (udp or tcp)
for at most SECONDS or until COUNT messages, parses each HEP3 packet's
chunks (vendor 0: 1 family, 2 proto, 3/4 IPv4, 5/6 IPv6, 7/8 ports,
9/10 time, 11 protocol type, 12 capture id, 15 payload) and writes one TSV
line per packet in sipscope's --messages column order (without the frame):
time src sport dst dport transport method status call_id cseq, plus
proto_type and capture id.

Usage: hep_recv.py udp|tcp ADDR PORT COUNT SECONDS OUT.tsv READY_FILE
"""
import ipaddress
import re
import socket
import struct
import sys
import time


def parse(pkt):
    if pkt[:4] != b"HEP3":
        raise ValueError("not HEP3")
    total = struct.unpack("!H", pkt[4:6])[0]
    if total != len(pkt):
        raise ValueError("total length %d != %d" % (total, len(pkt)))
    off, c = 6, {}
    while off + 6 <= total:
        vendor, typ, ln = struct.unpack("!HHH", pkt[off:off + 6])
        if ln < 6 or off + ln > total:
            raise ValueError("bad chunk length")
        if vendor == 0:
            c[typ] = pkt[off + 6:off + ln]
        off += ln
    if off != total:
        raise ValueError("trailing bytes")
    fam = c[1][0]
    if fam == 2:
        src, dst = ipaddress.IPv4Address(c[3]), ipaddress.IPv4Address(c[4])
    else:
        src, dst = ipaddress.IPv6Address(c[5]), ipaddress.IPv6Address(c[6])
    sport, dport = struct.unpack("!H", c[7])[0], struct.unpack("!H", c[8])[0]
    sec, usec = struct.unpack("!I", c[9])[0], struct.unpack("!I", c[10])[0]
    proto = {17: "UDP", 6: "TCP", 132: "SCTP"}.get(c[2][0], "?")
    sip = c[15].decode("utf-8", "replace")
    first = sip.split("\r\n", 1)[0]
    m = re.match(r"^SIP/2\.0 (\d{3})", first)
    method, status = ("", m.group(1)) if m else (first.split(" ", 1)[0], "")
    cid = re.search(r"^(?:Call-ID|i)\s*:\s*(.*?)\r?$", sip, re.M | re.I)
    cseq = re.search(r"^CSeq\s*:\s*(\d+)\s+(\S+)", sip, re.M | re.I)
    return "\t".join([
        "%d.%06d" % (sec, usec), str(src), str(sport), str(dst), str(dport), proto, method,
        status, cid.group(1) if cid else "", "%s %s" % cseq.groups() if cseq else "",
        str(c[11][0]), str(struct.unpack("!I", c[12])[0])])


def main():
    kind, addr, port, count, secs, out, ready = sys.argv[1:8]
    count, deadline = int(count), time.time() + float(secs)
    lines, buf = [], b""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    if kind == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((addr, int(port)))
        conn = s
    else:
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, int(port)))
        ls.listen(1)
        conn = None
    open(ready, "w").close()
    while len(lines) < count and time.time() < deadline:
        if conn is None:
            ls.settimeout(max(0.1, deadline - time.time()))
            try:
                conn, _ = ls.accept()
            except socket.timeout:
                break
        conn.settimeout(max(0.1, deadline - time.time()))
        try:
            data = conn.recv(70000)
        except socket.timeout:
            break
        if kind == "udp":
            lines.append(parse(data))
            continue
        if not data:
            break
        buf += data
        while len(buf) >= 6 and len(buf) >= struct.unpack("!H", buf[4:6])[0]:
            n = struct.unpack("!H", buf[4:6])[0]
            lines.append(parse(buf[:n]))
            buf = buf[n:]
    with open(out, "w") as f:
        f.write("".join(l + "\n" for l in lines))


main()
