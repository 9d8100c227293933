#!/usr/bin/env python3
"""make-corpus.py — seed corpora for the libFuzzer targets in tests/fuzz/.

Reads every capture (pcap or pcapng, parsed here with struct: no scapy) in
SHARED/pcaps and pcaps/lab/ and writes, in each target's input format (see
the header of tests/fuzz/fuzz_<target>.c), files named by content hash into
OUT/<target>/:

  fuzz_decode     selector byte + one frame (up to 40 frames per capture)
  fuzz_reasm_ip   selector byte + frames with 2-byte length prefixes (windows
                  around IPv4/IPv6 fragments, and each capture's first frames)
  fuzz_reasm_tcp  the TCP segments of each capture as records (dir/flags,
                  sequence delta, length, payload) + synthetic SIP-over-TCP
  fuzz_tls        the TCP payloads of each capture that carries TLS, as
                  records (dir/close/connection byte, length, payload)
  fuzz_tls_decrypt  the same after the capture's key log (pcaps/tls/NAME.keylog)
                  and two zero bytes
  fuzz_hep        HEP datagrams (UDP payloads starting HEP3 or version 1/2)
  fuzz_hep_frame  the same HEP records as framer reads (tests/fuzz/fuzz_hep_frame.c)
  fuzz_sip_parse  every distinct SIP payload (UDP), capped per capture
  fuzz_auth       Authorization value + "\\n" + challenge value, from the
                  captures and from RFC 2617 / RFC 7616 examples
  fuzz_files      reader byte + a secrets file, a config file, each
                  profiles/*.ini of the repository
  fuzz_pipeline   whole captures up to 64 KiB, larger ones cut to their first
                  blocks/records

  python3 tests/fuzz/make-corpus.py [--shared DIR] [--out DIR] [--max N]
"""
import argparse
import hashlib
import os
import re
import struct
import sys

LINKTYPES = [1, 113, 276, 12, 101, 228, 229, 0, 108, 9, 147, 1000]  # fuzz_common.h order
SIP_START = re.compile(rb"^(?:[A-Z]{3,10} [^ \r\n]{1,512} SIP/2\.0\r?\n|SIP/2\.0 \d{3} )")


def read_capture(path):
    """Yield (linktype, ts_us, frame bytes). Raises ValueError on a format it cannot read."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xD4, 0x4D) else ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        lt = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
            off += 16
            if incl > len(data) - off:
                break
            yield lt, sec * 1000000 + (frac // 1000 if nano else frac), data[off:off + incl]
            off += incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        ifaces = []
        off = 0
        while off + 12 <= len(data):
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            if blen < 12 or off + blen > len(data):
                break
            body = data[off + 8:off + blen - 4]
            if btype == 0x0A0D0D0A:
                ifaces = []
            elif btype == 1:
                ifaces.append(struct.unpack(e + "H", body[:2])[0])
            elif btype == 6 and len(body) >= 20:
                iid, hi, lo, cap, _orig = struct.unpack(e + "IIIII", body[:20])
                if iid < len(ifaces):
                    yield ifaces[iid], (hi << 32 | lo), body[20:20 + cap]
            elif btype == 3 and len(body) >= 4 and ifaces:
                yield ifaces[0], 0, body[4:]
            off += blen
    else:
        raise ValueError("not a capture")


def l3_of(lt, f):
    """(ethertype-ish version, l3 bytes) for the common link types, else (None, b'')."""
    if lt == 1:
        off, et = 12, None
        while off + 2 <= len(f):
            et = struct.unpack("!H", f[off:off + 2])[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            off += 2
            break
        if et == 0x0800:
            return 4, f[off:]
        if et == 0x86DD:
            return 6, f[off:]
        return None, b""
    if lt == 113 and len(f) >= 16:
        et = struct.unpack("!H", f[14:16])[0]
        return {0x0800: 4, 0x86DD: 6}.get(et), f[16:]
    if lt in (12, 101, 228, 229) and f:
        return f[0] >> 4, f
    if lt in (0, 108) and len(f) >= 4:
        return (f[4] >> 4 if len(f) > 4 else None), f[4:]
    return None, b""


def l4_of(lt, f):
    """(proto, src, dst, sport, dport, l4 header bytes + payload, is_fragment) or None."""
    v, ip = l3_of(lt, f)
    if v == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        fragf = struct.unpack("!H", ip[6:8])[0]
        frag = (fragf & 0x2000) != 0 or (fragf & 0x1FFF) != 0
        return ip[9], ip[12:16], ip[16:20], ip[ihl:min(tot, len(ip))], frag
    if v == 6 and len(ip) >= 40:
        nh, off, frag = ip[6], 40, False
        while nh in (0, 43, 60, 44, 51) and off + 8 <= len(ip):
            if nh == 44:
                frag = True
                nh, off = ip[off], off + 8
            elif nh == 51:
                nh, off = ip[off], off + (ip[off + 1] + 2) * 4
            else:
                nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        return nh, ip[8:24], ip[24:40], ip[off:], frag
    return None


class Out:
    def __init__(self, root, maxper):
        self.root, self.maxper, self.n = root, maxper, {}

    def add(self, target, blob):
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        if self.n.get(target, 0) >= self.maxper:
            return
        p = os.path.join(d, hashlib.sha1(blob).hexdigest()[:16])
        if not os.path.exists(p):
            with open(p, "wb") as fh:
                fh.write(blob)
            self.n[target] = self.n.get(target, 0) + 1


def frames_blob(sel, frames):
    out = bytearray([sel])
    for f in frames:
        f = f[:65535]
        out += struct.pack("!H", len(f)) + f
    return bytes(out)


def tcp_records(lt, frames):
    """TCP segments as fuzz_reasm_tcp records (streams 0..7 by first appearance)."""
    streams, nxt, out = {}, {}, bytearray()
    for f in frames:
        l4 = l4_of(lt, f)
        if l4 is None or l4[0] != 6 or len(l4[3]) < 20:
            continue
        _, src, dst, seg, _frag = l4
        sp, dp, seq = struct.unpack("!HHI", seg[:8])
        doff = (seg[12] >> 4) * 4
        flags = seg[13]
        payload = seg[doff:]
        a, b = (src, sp), (dst, dp)
        key = (a, b) if (a, b) in streams or (b, a) not in streams else (b, a)
        if key not in streams:
            if len(streams) >= 8:
                continue
            streams[key] = len(streams)
        s = streams[key]
        d = 0 if (a, b) == key else 1
        if (s, d) not in nxt:
            nxt[(s, d)] = seq
        delta = (seq - nxt[(s, d)]) & 0xFFFFFFFF
        if delta >= 0x80000000:
            delta -= 0x100000000
        delta = max(-32768, min(32767, delta))
        end = (seq + len(payload) + (1 if flags & 2 else 0)) & 0xFFFFFFFF
        if ((end - nxt[(s, d)]) & 0xFFFFFFFF) < 0x80000000:
            nxt[(s, d)] = end
        c = d | (2 if flags & 2 else 0) | (4 if flags & 1 else 0) | (8 if flags & 4 else 0) | (s << 5)
        payload = payload[:65535]
        out += struct.pack("!BhH", c, delta, len(payload)) + payload
    return bytes(out)


def tls_records(lt, frames):
    """TCP payloads as fuzz_tls records (connections 0..3 by first appearance),
    only when some payload starts like a TLS record."""
    conns, out, tls = {}, bytearray(), False
    for f in frames:
        l4 = l4_of(lt, f)
        if l4 is None or l4[0] != 6 or len(l4[3]) < 20:
            continue
        _, src, dst, seg, _frag = l4
        sp, dp = struct.unpack("!HH", seg[:4])
        flags = seg[13]
        payload = seg[(seg[12] >> 4) * 4:]
        a, b = (src, sp), (dst, dp)
        key = (a, b) if (a, b) in conns or (b, a) not in conns else (b, a)
        if key not in conns:
            if len(conns) >= 4:
                continue
            conns[key] = len(conns)
        if payload[:1] in (b"\x15", b"\x16") and payload[1:2] == b"\x03":
            tls = True
        if not payload and not flags & 5:
            continue
        c = (0 if (a, b) == key else 1) | (2 if flags & 1 else 0) | (4 if flags & 4 else 0) | (conns[key] << 3)
        payload = payload[:65535]
        out += struct.pack("!BH", c, len(payload)) + payload
    return bytes(out) if tls else b""


def synthetic(o):
    reg = (b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK1\r\n"
           b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: c1@x\r\n"
           b"CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
    resp = (b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK1\r\n"
             b"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\nCall-ID: c1@x\r\n"
             b"CSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\"\r\n"
             b"Content-Length: 5\r\n\r\nhello")
    rec = lambda c, delta, p: struct.pack("!BhH", c, delta, len(p)) + p
    o.add("fuzz_reasm_tcp", rec(2, 0, b"") + rec(3, 0, b"") + rec(0, 1, reg + reg) + rec(1, 1, resp))
    o.add("fuzz_reasm_tcp", rec(0, 0, reg[:40]) + rec(0, 20, reg[60:]) + rec(0, -20, reg[40:60]))
    o.add("fuzz_reasm_tcp", rec(0, 0, b"\r\n\r\n" + reg) + rec(0x10, 0, reg) + rec(4, 0, b""))
    o.add("fuzz_sip_parse", reg)
    o.add("fuzz_sip_parse", resp)
    # RFC 2617 §3.5 and RFC 7616 §3.9.1 credentials and challenges
    o.add("fuzz_auth", b'Digest username="Mufasa", realm="testrealm@host.com", '
          b'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, '
          b'cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", '
          b'opaque="5ccc069c403ebaf9f0171e9517f40e41"\nDigest realm="testrealm@host.com", '
          b'qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
          b'opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    o.add("fuzz_auth", b'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
          b'algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, '
          b'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, '
          b'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", '
          b'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"\nDigest realm="http-auth@example.org", '
          b'qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
          b'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
    o.add("fuzz_auth", b'Digest username="a\\"b", realm="x", nonce="unterminated')
    o.add("fuzz_files", b"\x00# comment\nalice secret\nbob@sip.example.com pass word  \n\n")
    o.add("fuzz_files", b"\x01[trunk main]\nprovider = twilio\npublic_ip = 198.51.100.20, 198.51.100.21\n"
          b"username = pbx-main\ntermination_uri = sip:example.pstn.twilio.com\n"
          b"ip_acl = 198.51.100.0/28, 203.0.113.7\nedge = ashburn\npeer = 54.172.60.0/30\n")
    o.add("fuzz_files", b"\x01[trunk a]\nip_acl = 2001:db8::/32\n[trunk a]\nbogus\n")
    o.add("fuzz_sdp", b"v=0\r\nc=IN IP6 2001:db8::5\r\nm=audio 30000 RTP/SAVPF 111 101\r\n"
          b"a=rtpmap:111 opus/48000/2\r\na=rtcp:30011 IN IP6 2001:db8::6\r\na=rtcp-mux\r\na=sendonly\r\n"
          b"m=image 16756 udptl t38\r\n")
    # multipart bodies (Content-Type NUL body): SDP + ISUP, PIDF + SDP, nested
    sdp = b"v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 40000 RTP/AVP 8\r\n"
    o.add("fuzz_sdp", b"multipart/mixed;boundary=unique-boundary-1\0--unique-boundary-1\r\n"
          b"Content-Type: application/sdp\r\n\r\n" + sdp + b"\r\n--unique-boundary-1\r\n"
          b"Content-Type: application/ISUP;version=nxv3\r\n\r\n\x01\x00\x49\r\n--unique-boundary-1--\r\n")
    o.add("fuzz_sdp", b'multipart/alternative; boundary="bx"\0pre\r\n--bx\r\nc: application/pidf+xml'
          b"\r\n\r\n<presence/>\r\n--bx\r\nc: application/sdp\r\n\r\n" + sdp + b"\r\n--bx--")
    o.add("fuzz_sdp", b"multipart/mixed;boundary=o\0--o\nContent-Type: multipart/alternative;boundary=i"
          b"\n\n--i\nContent-Type: application/sdp\n\n" + sdp + b"\n--i--\n--o--\n")
    rtp = bytes([0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7]) + b"\xd5" * 160
    rtcp = bytes([0x81, 200, 0, 12]) + bytes(48) + bytes([0x81, 202, 0, 1]) + bytes(4)
    o.add("fuzz_media", struct.pack("!BBH", 0, 20, len(rtp)) + rtp +
          struct.pack("!BBH", 1, 20, len(rtcp)) + rtcp +
          struct.pack("!BBH", 4, 20, 25) + b"c=IN IP4 0.0.0.0\r\nm=au" )
    # calls that end and retire (control records, sel & 12 == 12: BYE, 200 s later an
    # OPTIONS, late RTP, the call again, 486/407/CANCEL, minutes passing)
    ctl = lambda sel, secs: struct.pack("!BBH", sel, secs, 0)
    o.add("fuzz_media", struct.pack("!BBH", 0, 20, len(rtp)) + rtp + ctl(0x0c, 1) + ctl(0x6c, 200) +
          struct.pack("!BBH", 1, 5, len(rtp)) + rtp + ctl(0x4c, 1) + ctl(0x5c, 1) +
          struct.pack("!BBH", 0, 20, len(rtp)) + rtp + ctl(0x2c, 1) + ctl(0x1c, 0) + ctl(0x3c, 0) +
          ctl(0x6c, 250) + ctl(0x6c, 250) + struct.pack("!BBH", 3, 1, len(rtp)) + rtp)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(root), "shared"))
    ap.add_argument("--out", default=os.path.join(root, "build", "fuzz", "corpus"))
    ap.add_argument("--max", type=int, default=400, help="files per target")
    args = ap.parse_args()
    o = Out(args.out, args.max)
    synthetic(o)
    for p in sorted(os.listdir(os.path.join(root, "profiles"))) if os.path.isdir(os.path.join(root, "profiles")) else []:
        if p.endswith(".ini"):
            o.add("fuzz_files", b"\x02" + open(os.path.join(root, "profiles", p), "rb").read())
    caps = []
    for d in (os.path.join(args.shared, "pcaps"), os.path.join(root, "pcaps", "lab"), os.path.join(root, "pcaps"),
              os.path.join(root, "pcaps", "tls")):
        if os.path.isdir(d):
            caps += [os.path.join(d, f) for f in sorted(os.listdir(d))
                     if re.search(r"\.(pcap|pcapng|cap)$", f)]
    seen_caps = set()
    for path in caps:
        try:
            raw = open(path, "rb").read()
            h = hashlib.sha1(raw).digest()
            if h in seen_caps:
                continue
            seen_caps.add(h)
            recs = list(read_capture(path))
        except (ValueError, OSError, struct.error):
            continue
        if not recs:
            continue
        lt = recs[0][0]
        sel = LINKTYPES.index(lt) if lt in LINKTYPES else 0
        frames = [f for l, _, f in recs if l == lt]
        # fuzz_pipeline: the capture itself, or its start
        if len(raw) <= 65536:
            o.add("fuzz_pipeline", raw)
        elif raw[:4] == b"\x0a\x0d\x0d\x0a":
            e = "<" if raw[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
            off, n = 0, 0
            while off + 12 <= len(raw) and off < 65536 and n < 60:
                off += struct.unpack(e + "I", raw[off + 4:off + 8])[0]
                n += 1
            o.add("fuzz_pipeline", raw[:off])
        else:
            e = "<" if raw[0] in (0xD4, 0x4D) else ">"
            off, n = 24, 0
            while off + 16 <= len(raw) and off < 65536 and n < 60:
                off += 16 + struct.unpack(e + "I", raw[off + 8:off + 12])[0]
                n += 1
            o.add("fuzz_pipeline", raw[:off])
        sip_frames, per_sip, per_dec = [], 0, 0
        media = []
        frag_idx = []
        for i, f in enumerate(frames):
            l4 = l4_of(lt, f)
            is_sip = False
            if l4 is not None:
                proto, _s, _d, seg, frag = l4
                if frag:
                    frag_idx.append(i)
                if proto == 17 and len(seg) >= 8 and not frag:
                    pl = seg[8:]
                    if SIP_START.match(pl) and per_sip < 20:
                        o.add("fuzz_sip_parse", pl)
                        per_sip += 1
                        is_sip = True
                        for m in re.finditer(rb"\r\n(?:Proxy-)?Authorization:[ \t]*([^\r\n]*)", pl):
                            chal = re.search(rb"\r\n(?:WWW|Proxy)-Authenticate:[ \t]*([^\r\n]*)", pl)
                            o.add("fuzz_auth", m.group(1) + (b"\n" + chal.group(1) if chal else b""))
                        for m in re.finditer(rb"\r\n(?:WWW|Proxy)-Authenticate:[ \t]*([^\r\n]*)", pl):
                            o.add("fuzz_auth", b'Digest username="u", realm="r", nonce="n", uri="sip:x", '
                                  b'response="00000000000000000000000000000000"\n' + m.group(1))
                    if pl[:4] == b"HEP3" or (pl[:1] in (b"\x01", b"\x02") and len(pl) > 16):
                        o.add("fuzz_hep", pl)
                        # the same record as one framer read, any size, no key
                        o.add("fuzz_hep_frame", bytes([255, 0]) +
                              b"".join(bytes([len(pl[i:i + 200])]) + pl[i:i + 200]
                                       for i in range(0, len(pl), 200)))
                    # media: SDP bodies, and RTP/RTCP-looking datagrams as fuzz_media records
                    if is_sip and b"\r\n\r\n" in pl and b"m=" in pl:
                        o.add("fuzz_sdp", pl.split(b"\r\n\r\n", 1)[1])
                    if not is_sip and len(pl) >= 12 and pl[0] >> 6 == 2 and len(media) < 60:
                        media.append(struct.pack("!BBH", len(media) % 3, 20, len(pl)) + pl)
            if (is_sip or per_dec < 4) and per_dec < 12:
                o.add("fuzz_decode", bytes([sel]) + f)
                per_dec += 1
            if is_sip:
                sip_frames.append(i)
        if media:
            o.add("fuzz_media", b"".join(media))
        o.add("fuzz_reasm_ip", frames_blob(sel, frames[:48]))
        for i in frag_idx[:400:8]:
            o.add("fuzz_reasm_ip", frames_blob(sel, frames[max(0, i - 2):i + 10]))
        tl = tls_records(lt, frames[:400])
        if tl:
            o.add("fuzz_tls", tl[:60000])
            keys = re.sub(r"\.pcap$", ".keylog", path)
            if keys != path and os.path.isfile(keys):
                o.add("fuzz_tls_decrypt", open(keys, "rb").read() + b"\0\0" + tl[:60000])
        tr = tcp_records(lt, frames[:400])
        if tr:
            o.add("fuzz_reasm_tcp", tr[:60000])
    for t, n in sorted(o.n.items()):
        print("%-16s %d new seeds" % (t, n))


if __name__ == "__main__":
    sys.exit(main())
