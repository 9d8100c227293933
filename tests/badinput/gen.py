#!/usr/bin/env python3
"""gen.py — hostile captures for tests/integration/badinput_{sip,net}.sh.

    python3 tests/badinput/gen.py sip|net DIR

Writes one classic pcap per case into DIR. Every case ends with the same
good exchange (INVITE -> 100 -> 403, Call-ID bad-input-1@198.51.100.20),
so a test can check that the hostile part cost only itself: the three good
messages must still come out of `sipscope --messages`. Built with struct
only; addresses are documentation ranges (RFC 5737, RFC 3849).
"""
import os
import struct
import sys

PBX, TRUNK = bytes([198, 51, 100, 20]), bytes([203, 0, 113, 5])
MAC = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02"


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000, tot=None):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload) if tot is None else tot, ident & 0xFFFF,
                    frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload


def tcp(sp, dp, seq, payload, flags=0x18, ack=1):
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack, 5 << 4, flags, 65535, 0, 0) + payload


def eth(l3, et=0x0800):
    return MAC + struct.pack("!H", et) + l3


def sip(first, cseq=1, method=b"INVITE", extra=b"", body=b"", cl=None, callid=b"bad-input-1@198.51.100.20"):
    resp = first.startswith(b"SIP/")
    return (first + b"\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK" + str(cseq).encode() +
            b"\r\nFrom: <sip:pbx@example.com>;tag=a1\r\nTo: <sip:+15005550006@example.pstn.twilio.com>" +
            (b";tag=b2" if resp else b"") + b"\r\nCall-ID: " + callid + b"\r\nCSeq: " + str(cseq).encode() +
            b" " + method + b"\r\nMax-Forwards: 70\r\n" + extra +
            (b"Content-Length: " + (str(len(body)).encode() if cl is None else cl) + b"\r\n" if cl != b"" else b"") +
            b"\r\n" + body)


INVITE_LINE = b"INVITE sip:+15005550006@example.pstn.twilio.com SIP/2.0"


def good_frames():
    return [eth(ipv4(PBX, TRUNK, 17, udp(5060, 5060, sip(INVITE_LINE)))),
            eth(ipv4(TRUNK, PBX, 17, udp(5060, 5060, sip(b"SIP/2.0 100 Trying")))),
            eth(ipv4(TRUNK, PBX, 17, udp(5060, 5060, sip(b"SIP/2.0 403 Forbidden"))))]


def udp_sip(payload, src=PBX, dst=TRUNK):
    return eth(ipv4(src, dst, 17, udp(5060, 5060, payload)))


def write(path, frames, lt=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, lt))
        for i, fr in enumerate(frames):
            t = 1700000000 * 1000000 + i * 1000
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)) + fr)


def tcp_stream(data, seg=1400, sport=40000, seq=1000):
    out = []
    for off in range(0, len(data), seg):
        out.append(eth(ipv4(PBX, TRUNK, 6, tcp(sport, 5060, seq + off, data[off:off + seg]))))
    return out


def ok_msg(cseq, callid):
    return sip(b"OPTIONS sip:example.pstn.twilio.com SIP/2.0", cseq, b"OPTIONS", callid=callid)


def cases_sip(d):
    G = good_frames()
    big_cl = b"99999999999999999999999"
    c = {
        "cl_negative": [udp_sip(sip(INVITE_LINE, cl=b"-1", callid=b"x1"))],
        "cl_huge": [udp_sip(sip(INVITE_LINE, cl=big_cl, callid=b"x2"))],
        "cl_absent": [udp_sip(sip(INVITE_LINE, cl=b"", body=b"v=0\r\n", callid=b"x3"))],
        "cl_lying_long": [udp_sip(sip(INVITE_LINE, cl=b"5000", body=b"v=0\r\n", callid=b"x4"))],
        "cl_lying_short": [udp_sip(sip(INVITE_LINE, cl=b"2", body=b"v=0\r\nINVITE sip:a SIP/2.0\r\n", callid=b"x5"))],
        "cl_twice": [udp_sip(sip(INVITE_LINE, extra=b"Content-Length: 7\r\nl: 0\r\n", callid=b"x6"))],
        "nul_bytes": [udp_sip(sip(INVITE_LINE, extra=b"Subject: a\0b\r\nX-\0Nul: \0\r\n", callid=b"x\0y7")),
                      udp_sip(b"INVITE\0sip:a SIP/2.0\r\n\r\n")],
        "non_utf8": [udp_sip(sip(INVITE_LINE, extra=b"User-Agent: \xff\xfe\xc3\x28\xa0\xa1\r\n"
                                 b"X-Display: \"\xe9\xe8\" <sip:\xff@h>\r\n", callid=b"\xc0\xafx8"))],
        "via_1300_udp": [udp_sip(sip(INVITE_LINE, extra=b"".join(
            b"Via: SIP/2.0/UDP 192.0.2.%d;branch=z9hG4bK%d\r\n" % (i % 250, i) for i in range(1300)), callid=b"x9"))],
        "via_10000_tcp": tcp_stream(sip(INVITE_LINE, extra=b"".join(
            b"Via: SIP/2.0/TCP 192.0.2.%d;branch=z9hG4bK%d\r\n" % (i % 250, i) for i in range(10000)),
            callid=b"x10") + ok_msg(2, b"after-vias@x"), sport=40001),
        "header_60k_udp": [udp_sip(sip(INVITE_LINE, extra=b"Subject: " + b"A" * 60000 + b"\r\n", callid=b"x11"))],
        "header_100k_tcp": tcp_stream(sip(INVITE_LINE, extra=b"Subject: " + b"A" * 100000 + b"\r\n",
                                          callid=b"x12") + ok_msg(2, b"after-long@x"), sport=40002),
        "folding_abuse": [udp_sip(sip(INVITE_LINE, extra=b"Subject: a" + b"\r\n b" * 5000 + b"\r\n"
                                      b"Call-ID:\r\n \r\n\t folded-callid\r\n", callid=b"x13")),
                          udp_sip(b" INVITE sip:a SIP/2.0\r\n\r\n"),
                          udp_sip(INVITE_LINE + b"\r\n\r\n From: x\r\n\r\n")],
        "only_crlfs_udp": [udp_sip(b"\r\n" * 30000), udp_sip(b"\r\n\r\n"), udp_sip(b"\n"), udp_sip(b"")],
        "only_crlfs_tcp": tcp_stream(b"\r\n" * 40000 + ok_msg(2, b"after-crlf@x"), sport=40003),
        "bad_auth": [udp_sip(sip(b"REGISTER sip:example.com SIP/2.0", 1, b"REGISTER", extra=h, callid=b"x14-%d" % i))
                     for i, h in enumerate([
                         b"Authorization: Digest username=\"unterminated\r\n",
                         b"Authorization: Digest \r\n",
                         b"Authorization: Digest " + b"," * 5000 + b"\r\n",
                         b"Authorization: Digest username=a, username=b, realm=\"r\", realm=\"s\", nonce=\r\n",
                         b"Authorization: Digest username=\"\\\"\\\\\\\", nc=zzzzzzzz, qop=auth\r\n",
                         b"Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n",
                         b"Proxy-Authorization: =\"\"=\"\"\r\n",
                         b"WWW-Authenticate: Digest realm=\"" + b"r" * 20000 + b"\r\n"])],
        "bad_start_lines": [udp_sip(b"SIP/2.0 9999999999 Huge\r\n\r\n"), udp_sip(b"SIP/2.0 -1 X\r\n\r\n"),
                            udp_sip(b"INVITE sip:" + b"a" * 40000 + b" SIP/2.0\r\n\r\n"),
                            udp_sip(b"SIP/2.0 200\r\n\r\n"), udp_sip(b"SIP/2.0"),
                            udp_sip(b"CSeq: 1 INVITE\r\nCall-ID: z\r\n\r\n")],
        "bad_cseq_callid": [udp_sip(sip(INVITE_LINE, extra=b"CSeq: 99999999999999999999 INVITE\r\n", callid=b"x15")),
                            udp_sip(INVITE_LINE + b"\r\nCall-ID: \r\nCSeq: x y\r\n\r\n")],
    }
    for name, frames in c.items():
        write(os.path.join(d, name + ".pcap"), frames + G)


def frag4(src, dst, ident, off8, mf, payload, proto=17):
    return eth(ipv4(src, dst, proto, payload, ident=ident, frag=(0x2000 if mf else 0) | (off8 & 0x1FFF)))


def hep3(chunks):
    body = b"".join(struct.pack("!HHH", v, t, 6 + len(p)) + p for v, t, p in chunks)
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def cases_net(d):
    G = good_frames()
    msg = udp(5060, 5060, sip(INVITE_LINE, callid=b"frag-1"))
    c = {}
    # 2000 first fragments of different datagrams, never completed: tracker cap + eviction
    # (non-last fragments carry a multiple of 8 bytes, RFC 791, or they are refused outright)
    c["frag_flood"] = [frag4(PBX, TRUNK, i, 0, True, msg[:256]) for i in range(2000)]
    # overlapping and duplicate fragments of one datagram (teardrop-style)
    c["frag_overlap"] = [frag4(PBX, TRUNK, 7, 0, True, msg[:200]), frag4(PBX, TRUNK, 7, 10, True, msg[80:304]),
                         frag4(PBX, TRUNK, 7, 5, True, msg[40:120]), frag4(PBX, TRUNK, 7, 0, True, msg[:200]),
                         frag4(PBX, TRUNK, 7, 25, False, msg[200:])]
    # a fragment whose end passes 65535 (ping of death) and a zero-length middle fragment
    c["frag_oversize"] = [frag4(PBX, TRUNK, 9, 0, True, msg[:64]), frag4(PBX, TRUNK, 9, 8189, False, b"x" * 1400),
                          frag4(PBX, TRUNK, 10, 0, True, msg[:64]), frag4(PBX, TRUNK, 10, 8, True, b""),
                          frag4(PBX, TRUNK, 10, 8, False, msg[64:])]
    # TCP: a stream that jumps 2^31 ahead, retransmits far behind, then a real message
    stream = ok_msg(5, b"tcp-after-jump@x")
    c["tcp_far_window"] = (
        [eth(ipv4(PBX, TRUNK, 6, tcp(40010, 5060, 1000, ok_msg(4, b"tcp-first@x"))))] +
        [eth(ipv4(PBX, TRUNK, 6, tcp(40010, 5060, 1000 + 0x80000000 + i * 1400, b"Z" * 1400))) for i in range(50)] +
        [eth(ipv4(PBX, TRUNK, 6, tcp(40010, 5060, 1000 - 0x40000000, b"Y" * 1400)))] +
        [eth(ipv4(PBX, TRUNK, 6, tcp(40010, 5060, 1000 + len(ok_msg(4, b"tcp-first@x")), stream)))])
    # HEPv3 whose lengths lie (sngrep #532): total > datagram, chunk > total, zero-length chunk
    inner = sip(INVITE_LINE, callid=b"hep-1")
    good_chunks = [(0, 1, b"\x02"), (0, 2, b"\x11"), (0, 3, PBX), (0, 4, TRUNK), (0, 7, b"\x13\xc4"),
                   (0, 8, b"\x13\xc4"), (0, 9, struct.pack("!I", 1700000000)), (0, 10, b"\0\0\0\0"),
                   (0, 11, b"\x01"), (0, 12, b"\0\0\0\x07"), (0, 15, inner)]
    hep_ok = hep3(good_chunks)
    lie_total = bytearray(hep_ok); lie_total[4:6] = struct.pack("!H", 65000)
    lie_chunk = bytearray(hep_ok); lie_chunk[6 + 4:6 + 6] = struct.pack("!H", 60000)
    zero_chunk = bytearray(hep_ok); zero_chunk[6 + 4:6 + 6] = struct.pack("!H", 0)
    short_chunk = bytearray(hep_ok); short_chunk[6 + 4:6 + 6] = struct.pack("!H", 3)
    c["hep_lying"] = [eth(ipv4(PBX, TRUNK, 17, udp(9060, 9060, bytes(p))))
                      for p in (lie_total, lie_chunk, zero_chunk, short_chunk, hep_ok[:40], b"HEP3", b"\x02\x10\x02")]
    # 40 nested 802.1Q tags, 30 nested IP-in-IP headers: the depth caps
    c["vlan_deep"] = [MAC + b"\x81\x00\x00\x01" * 40 + b"\x08\x00" + ipv4(PBX, TRUNK, 17, msg)]
    l3 = ipv4(PBX, TRUNK, 17, msg)
    for _ in range(30):
        l3 = ipv4(PBX, TRUNK, 4, l3)
    c["ipip_deep"] = [eth(l3)]
    # zero-length and truncated-everything frames
    c["tiny_frames"] = [b"", b"\x02", MAC, MAC + b"\x08\x00", MAC + b"\x08\x00\x45",
                        MAC + b"\x86\xdd\x60", eth(ipv4(PBX, TRUNK, 17, b"\x13\xc4"))]
    for name, frames in c.items():
        write(os.path.join(d, name + ".pcap"), frames + G)


if __name__ == "__main__":
    {"sip": cases_sip, "net": cases_net}[sys.argv[1]](sys.argv[2])
