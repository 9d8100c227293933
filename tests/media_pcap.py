#!/usr/bin/env python3
"""media_pcap.py — small captures with known media behaviour, for media_findings.sh.

  media_pcap.py OUTDIR    writes OUTDIR/{nat_oneway,mirror_oneway,hold,twoway,many}.pcap

Documentation addresses only (RFC 5737). Each capture: INVITE with SDP, 180, 200 with SDP,
ACK, 5 s of 20 ms PCMU RTP (as the scenario says), BYE, 200.
  nat_oneway    caller behind NAT: SDP c=192.168.1.2:30000, its SIP and RTP reach the
                callee from 203.0.113.9 (RTP from port 61000); the callee follows SDP and
                sends RTP to 192.168.1.2:30000, which cannot arrive: one-way audio + media_nat.
  mirror_oneway the caller's media server (SDP 198.51.100.11) is not on the captured path:
                only callee -> 198.51.100.11 RTP is seen: one-way, but the capture cannot
                show the other direction (info).
  hold          the callee re-INVITEs with a=sendonly and only it sends: not a finding.
  twoway        both directions flow: no media finding.
  many          nine calls a minute apart between the same two hosts (distinct ports):
                m0-m2 two-way, m3-m5 one-way (no RTP from the callee, whose host the
                capture sees sending), m6-m8 no RTP at all; then an OPTIONS two minutes
                later. More calls over time than a small --cap media_calls: SIP ends each.
"""
import os, struct, sys

def ip4(s):
    return bytes(int(x) for x in s.split('.'))

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, sport, dst, dport, payload):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                      ip4(src), ip4(dst))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    return b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00' + iph + udp

class Cap:
    def __init__(self):
        self.recs, self.t = [], 1700000000.0
    def add(self, dt, *a):
        self.t += dt
        self.recs.append((self.t, frame(*a)))
    def write(self, path):
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, b in sorted(self.recs, key=lambda r: r[0]):
                f.write(struct.pack('<IIII', int(t), int(round((t % 1) * 1e6)), len(b), len(b)) + b)

def sdp(ip, port, extra=''):
    return ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n'
            'a=rtpmap:0 PCMU/8000\r\n%s' % (ip, ip, port, extra))

def sip(start, via, ftag, ttag, cseq, body='', cid=None):
    h = ('%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\nFrom: <sip:1001@example.com>;tag=%s\r\n'
         'To: <sip:2002@example.com>%s\r\nCall-ID: media-%s@example.com\r\nCSeq: %s\r\n'
         'Contact: <sip:%s>\r\n' % (start, via, cseq.split()[0], ftag,
                                    ';tag=' + ttag if ttag else '', cid or ftag, cseq, via))
    if body:
        h += 'Content-Type: application/sdp\r\n'
    return (h + 'Content-Length: %d\r\n\r\n%s' % (len(body), body)).encode()

def rtp(seq, ssrc):
    return struct.pack('!BBHII', 0x80, 0, seq & 0xffff, seq * 160, ssrc) + b'\xff' * 160

def call(c, tag, a_sig, a_sdp, b_sig, b_sdp, flows, reinvite_sendonly=False):
    """flows: list of (src, sport, dst, dport, ssrc) RTP streams during the call."""
    c.add(0.0, a_sig, 5060, b_sig, 5060, sip('INVITE sip:2002@example.com SIP/2.0', a_sig, tag,
          None, '1 INVITE', sdp(*a_sdp)))
    c.add(0.01, b_sig, 5060, a_sig, 5060, sip('SIP/2.0 180 Ringing', a_sig, tag, 'b' + tag, '1 INVITE'))
    c.add(0.5, b_sig, 5060, a_sig, 5060, sip('SIP/2.0 200 OK', a_sig, tag, 'b' + tag, '1 INVITE',
          sdp(*b_sdp)))
    c.add(0.01, a_sig, 5060, b_sig, 5060, sip('ACK sip:2002@example.com SIP/2.0', a_sig, tag,
          'b' + tag, '1 ACK'))
    if reinvite_sendonly:
        c.add(0.01, b_sig, 5060, a_sig, 5060, sip('INVITE sip:1001@example.com SIP/2.0', b_sig,
              'b' + tag, tag, '2 INVITE', sdp(b_sdp[0], b_sdp[1], 'a=sendonly\r\n'), cid=tag))
        c.add(0.01, a_sig, 5060, b_sig, 5060, sip('SIP/2.0 200 OK', b_sig, 'b' + tag, tag,
              '2 INVITE', sdp(a_sdp[0], a_sdp[1], 'a=recvonly\r\n'), cid=tag))
    t0 = c.t
    for i in range(250):
        for k, (s, sp, d, dp, ssrc) in enumerate(flows):
            c.t = t0 + i * 0.02 + k * 0.003
            c.add(0.0, s, sp, d, dp, rtp(i + 1, ssrc))
    c.t = t0 + 5.1
    c.add(0.0, a_sig, 5060, b_sig, 5060, sip('BYE sip:2002@example.com SIP/2.0', a_sig, tag,
          'b' + tag, '2 BYE'))
    c.add(0.01, b_sig, 5060, a_sig, 5060, sip('SIP/2.0 200 OK', a_sig, tag, 'b' + tag, '2 BYE'))

def main(out):
    os.makedirs(out, exist_ok=True)
    c = Cap()
    call(c, 'nat', '203.0.113.9', ('192.168.1.2', 30000), '198.51.100.20', ('198.51.100.20', 5000),
         [('203.0.113.9', 61000, '198.51.100.20', 5000, 0x1111),
          ('198.51.100.20', 5000, '192.168.1.2', 30000, 0x2222)])
    c.write(os.path.join(out, 'nat_oneway.pcap'))
    c = Cap()
    call(c, 'mir', '198.51.100.10', ('198.51.100.11', 40000), '203.0.113.30', ('203.0.113.30', 6000),
         [('203.0.113.30', 6000, '198.51.100.11', 40000, 0x3333)])
    c.write(os.path.join(out, 'mirror_oneway.pcap'))
    c = Cap()
    call(c, 'hold', '198.51.100.10', ('198.51.100.10', 40000), '203.0.113.30', ('203.0.113.30', 6000),
         [('203.0.113.30', 6000, '198.51.100.10', 40000, 0x4444)], reinvite_sendonly=True)
    c.write(os.path.join(out, 'hold.pcap'))
    c = Cap()
    call(c, 'two', '198.51.100.10', ('198.51.100.10', 40000), '203.0.113.30', ('203.0.113.30', 6000),
         [('203.0.113.30', 6000, '198.51.100.10', 40000, 0x5555),
          ('198.51.100.10', 40000, '203.0.113.30', 6000, 0x6666)])
    c.write(os.path.join(out, 'twoway.pcap'))
    c = Cap()
    a, b = '198.51.100.10', '203.0.113.30'
    for i in range(9):
        ap, bp = 40000 + 2 * i, 6000 + 2 * i
        flows = [(b, bp, a, ap, 0x7000 + i), (a, ap, b, bp, 0x8000 + i)][:2 if i < 3 else 1]
        call(c, 'm%d' % i, a, (a, ap), b, (b, bp), flows if i < 6 else [])
        c.t += 60
    c.t += 60
    c.add(0.0, a, 5060, b, 5060, sip('OPTIONS sip:2002@example.com SIP/2.0', a, 'opt', None,
          '1 OPTIONS'))
    c.write(os.path.join(out, 'many.pcap'))

if __name__ == '__main__':
    main(sys.argv[1])
