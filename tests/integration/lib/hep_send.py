"""hep_send.py — the sending and hostile sides of live_hep_receiver.sh (not
sipscope code): a TCP sink that records what a real sender (sipscope
--hep-out) writes, and senders that replay those bytes, or break them,
from a chosen source address. Every wait is bounded.

Usage:
  hep_send.py sink ADDR PORT OUT READY SECONDS     accept one connection, save its bytes
  hep_send.py udp SRC DST PORT FILE                each HEP3 record of FILE as a datagram
  hep_send.py tcp SRC DST PORT FILE [PREFIX_HEX]   PREFIX then FILE's bytes, 1..97-byte writes
  hep_send.py first N FILE OUT                     the first N records of FILE into OUT
  hep_send.py slow SRC DST PORT SECONDS            5 bytes, then wait for the server to close:
                                                   prints "closed" or "open"
  hep_send.py flood SRC DST PORT N SECONDS         N connections held SECONDS; prints how
                                                   many the server closed at once
  hep_send.py refused SRC DST PORT                 connect: prints "closed" when the server
                                                   closes without reading
"""
import socket
import struct
import sys
import time


def records(data):
    off = 0
    while off + 6 <= len(data):
        if data[off:off + 4] != b"HEP3":
            raise ValueError("not HEP3 at %d" % off)
        n = struct.unpack("!H", data[off + 4:off + 6])[0]
        yield data[off:off + n]
        off += n


def conn(src, dst, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect((dst, port))
    return s


def closed_by_peer(s, seconds):
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def main(a):
    cmd = a[0]
    if cmd == "sink":
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a[1], int(a[2])))
        ls.listen(1)
        ls.settimeout(float(a[5]))
        open(a[4], "w").close()
        c, _ = ls.accept()
        c.settimeout(float(a[5]))
        buf = b""
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                buf += b
        except socket.timeout:
            pass
        open(a[3], "wb").write(buf)
    elif cmd == "first":
        data = open(a[2], "rb").read()
        out = b"".join(r for _, r in zip(range(int(a[1])), records(data)))
        open(a[3], "wb").write(out)
    elif cmd == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a[1], 0))
        for r in records(open(a[4], "rb").read()):
            s.sendto(r, (a[2], int(a[3])))
            time.sleep(0.002)
    elif cmd == "tcp":
        data = (bytes.fromhex(a[5]) if len(a) > 5 else b"") + open(a[4], "rb").read()
        s = conn(a[1], a[2], int(a[3]))
        off, step = 0, 1
        try:
            while off < len(data):
                s.sendall(data[off:off + step])
                off += step
                step = step % 97 + 1    # records split everywhere, several per write
            time.sleep(0.3)
        except (BrokenPipeError, ConnectionResetError):
            pass    # the receiver closed a stream it cannot frame
        s.close()
    elif cmd == "slow":
        s = conn(a[1], a[2], int(a[3]))
        s.sendall(b"HEP3\x01")
        print("closed" if closed_by_peer(s, float(a[4])) else "open")
    elif cmd == "flood":
        socks = [conn(a[1], a[2], int(a[3])) for _ in range(int(a[4]))]
        time.sleep(0.5)
        n = sum(1 for s in socks if closed_by_peer(s, 0.2))
        time.sleep(float(a[5]))
        print(n)
    elif cmd == "refused":
        s = conn(a[1], a[2], int(a[3]))
        print("closed" if closed_by_peer(s, 3) else "open")
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
