#!/usr/bin/env python3
"""add_rtp.py — an RTP-carrying bench workload (issue 17): the SIP capture of
/work/shared/bench/gen_sip_pcap.py (read-only, so this wraps its output) with
the media of every call it answers added, as a PBX's interface would see it.

For each Call-ID whose INVITE and 2xx carry SDP inside the capture, two RTP
streams (G.711 PCMU, 20 ms: 50 packets/s each way, one SSRC per direction,
sequence and timestamp advancing as a phone's do) flow between the two SDP
addresses from the ACK time (2xx + 10 ms) until the BYE, or the end of the
capture for calls still up. Frames are Ethernet/IPv4/UDP (IPv4 header
checksum valid, UDP checksum 0 as RFC 768 allows) merged in time order with
the SIP frames. Deterministic (the seed is derived from the Call-ID).

Usage: add_rtp.py IN.pcap OUT.pcap [--stats FILE.json]
The stats JSON: sip_frames, rtp_packets, calls_with_media, streams.
Python 3 stdlib only.
"""
import argparse
import hashlib
import heapq
import json
import re
import struct
import sys

PTIME_US = 20000
PAYLOAD = b"\xff" * 160          # PCMU silence
MAC_A = bytes.fromhex("525400a1b2c3")
MAC_B = bytes.fromhex("0025908e4f11")


def frames(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        if len(gh) < 24:
            raise SystemExit("add_rtp: %s: not a pcap" % path)
        magic = struct.unpack("<I", gh[:4])[0]
        if magic != 0xA1B2C3D4:
            raise SystemExit("add_rtp: %s: want a little-endian microsecond pcap" % path)
        yield gh
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, usec, incl, orig = struct.unpack("<IIII", rh)
            yield (sec * 1000000 + usec, rh, f.read(incl))


def udp_payload(b):
    """(src ip, dst ip, payload) of an Ethernet/IPv4/UDP frame, or None."""
    if len(b) < 42 or b[12:14] != b"\x08\x00" or b[23] != 17:
        return None
    ihl = (b[14] & 15) * 4
    return b[26:30], b[30:34], b[14 + ihl + 8:]


SDP_C = re.compile(rb"\r\nc=IN IP4 ([0-9.]+)")
SDP_M = re.compile(rb"\r\nm=audio ([0-9]+) ")
CALLID = re.compile(rb"\r\n(?:Call-ID|i):\s*([^\r\n]+)", re.I)
CSEQ = re.compile(rb"\r\nCSeq:\s*[0-9]+\s+([A-Z]+)", re.I)


def ip_sum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


def rtp_frame(src, sport, dst, dport, ssrc, seq, ts, ident):
    rtp = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + PAYLOAD
    udp = struct.pack("!HHHH", sport, dport, 8 + len(rtp), 0)
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0xB8, 20 + len(udp) + len(rtp), ident & 0xFFFF, 0x4000,
                      64, 17, 0, src, dst)
    iph = iph[:10] + struct.pack("!H", ip_sum(iph)) + iph[12:]
    return MAC_B + MAC_A + b"\x08\x00" + iph + udp + rtp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--stats")
    a = ap.parse_args()

    it = frames(a.inp)
    gh = next(it)
    sip = []
    calls = {}          # call-id -> dict(offer=(ip,port), answer=(ip,port), t_ans, t_bye)
    last_us = 0
    for t, rh, b in it:
        sip.append((t, rh, b))
        last_us = max(last_us, t)
        u = udp_payload(b)
        if u is None:
            continue
        _, _, pl = u
        m = CALLID.search(pl)
        if m is None:
            continue
        c = calls.setdefault(m.group(1).strip(), {})
        first = pl[:pl.find(b"\r\n")]
        cseq = CSEQ.search(pl)
        method = cseq.group(1).upper() if cseq else b""
        cm, mm = SDP_C.search(pl), SDP_M.search(pl)
        if first.startswith(b"INVITE ") and cm and mm:
            c["offer"] = (cm.group(1).decode(), int(mm.group(1)))
        elif first.startswith(b"SIP/2.0 2") and method == b"INVITE" and cm and mm and "t_ans" not in c:
            c["answer"] = (cm.group(1).decode(), int(mm.group(1)))
            c["t_ans"] = t
        elif first.startswith(b"BYE ") and "t_bye" not in c:
            c["t_bye"] = t

    def stream(cid, d, src, dst, t0, t1):
        h = hashlib.sha1(cid + bytes([d])).digest()
        ssrc, seq, ts = struct.unpack("!IHI", h[:10])
        s = bytes(int(x) for x in src[0].split("."))
        dd = bytes(int(x) for x in dst[0].split("."))
        k, t = 0, t0 + d * 3000    # the answerer starts 3 ms later
        while t < t1:
            yield (t, rtp_frame(s, src[1], dd, dst[1], ssrc, seq + k, ts + 160 * k, seq + k))
            k += 1
            t += PTIME_US

    gens = []
    n_calls = 0
    for cid, c in calls.items():
        if "offer" not in c or "answer" not in c:
            continue
        t0 = c["t_ans"] + 10000
        t1 = c.get("t_bye", last_us)
        if t1 <= t0:
            continue
        n_calls += 1
        gens.append(stream(cid, 0, c["offer"], c["answer"], t0, t1))
        gens.append(stream(cid, 1, c["answer"], c["offer"], t0, t1))

    n_rtp = 0
    with open(a.out, "wb") as o:
        o.write(gh)
        sip_it = ((t, 0, b, rh) for t, rh, b in sip)
        rtp_it = heapq.merge(*gens, key=lambda x: x[0])
        for t, kind, b, *rh in heapq.merge(sip_it, ((t, 1, b) for t, b in rtp_it),
                                            key=lambda x: (x[0], x[1])):
            if kind == 0:
                o.write(rh[0])
            else:
                n_rtp += 1
                o.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(b), len(b)))
            o.write(b)
    st = {"sip_frames": len(sip), "rtp_packets": n_rtp, "calls_with_media": n_calls,
          "streams": 2 * n_calls}
    if a.stats:
        json.dump(st, open(a.stats, "w"))
    print("add_rtp: %d SIP frames, %d RTP packets, %d calls with media" %
          (len(sip), n_rtp, n_calls), file=sys.stderr)


if __name__ == "__main__":
    main()
