#!/usr/bin/env python3
"""media_compare.py — sipscope's RTP streams against tshark's (the oracle).

For one capture:
  1. tshark -z rtp,streams (RTP found through SDP, as sipscope does) gives the media ports;
     none: the capture carries no SDP-announced RTP and is not compared;
  2. tshark -d udp.port==P,rtp for each of those ports, -z rtp,streams: the oracle streams
     (every packet on those ports decoded as RTP);
  3. sipscope -r FILE --report json: its "media" array.
Streams are matched on (src, src_port, dst, dst_port, ssrc); packets and lost must be equal,
the maximum and mean jitter (RFC 3550 A.8, which tshark computes) within 0.01 ms + 0.5 %.
A stream on one side only is a difference. Prints one line per stream and a summary
"media-compare NAME: N/M streams agree".

  media_compare.py --sipscope BIN --pcap FILE [--tshark tshark] [--known known.tsv]
  media_compare.py --selftest

known.tsv: tab-separated NAME, stream key "src:sport>dst:dport/0xSSRC", field, reason: a
difference listed there is reported as known and does not fail. Exit 0 when everything agrees
(or is known), 1 otherwise, 77 when tshark finds no RTP in the capture.
"""
import argparse, json, re, subprocess, sys

ROW = re.compile(r'^\s*([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.*)$')


def parse_streams(text):
    """tshark -z rtp,streams rows -> {key: dict}."""
    out = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        tail = m.group(8).split()
        if tail and tail[-1] == 'X':
            tail = tail[:-1]
        # ... packets lost (pct%) minD meanD maxD minJ meanJ maxJ
        if len(tail) < 9:
            continue
        nums = tail[-9:]
        key = '%s:%s>%s:%s/0x%08x' % (m.group(3), m.group(4), m.group(5), m.group(6),
                                       int(m.group(7), 16))
        out[key] = {
            'packets': int(nums[0]), 'lost': int(nums[1]),
            'jitter_mean_ms': float(nums[7]), 'jitter_max_ms': float(nums[8]),
            'codec': ' '.join(tail[:-9]),
        }
    return out


def ours_streams(doc):
    out = {}
    for s in doc.get('media', []):
        key = '%s:%d>%s:%d/0x%08x' % (s['src'], s['src_port'], s['dst'], s['dst_port'], s['ssrc'])
        out[key] = s
    return out


def jitter_close(a, b):
    return abs(a - b) <= 0.01 + 0.005 * max(abs(a), abs(b))


def compare(name, oracle, ours, known):
    """-> (lines, agree, total, failures)"""
    lines, agree, fails = [], 0, 0
    for key in sorted(set(oracle) | set(ours)):
        o, s = oracle.get(key), ours.get(key)
        probs = []
        if o is None:
            probs.append(('stream', 'only sipscope has it (%d packets)' % s['packets']))
        elif s is None:
            probs.append(('stream', 'only tshark has it (%d packets)' % o['packets']))
        else:
            for f in ('packets', 'lost'):
                if o[f] != s[f]:
                    probs.append((f, 'tshark %d, sipscope %d' % (o[f], s[f])))
            for f in ('jitter_max_ms', 'jitter_mean_ms'):
                if not jitter_close(o[f], s[f]):
                    probs.append((f, 'tshark %.3f, sipscope %.3f' % (o[f], s[f])))
        if not probs:
            agree += 1
            lines.append('  ok    %s packets %d lost %d jitter max %.3f mean %.3f ms (tshark %.3f/%.3f)'
                         % (key, s['packets'], s['lost'], s['jitter_max_ms'], s['jitter_mean_ms'],
                            o['jitter_max_ms'], o['jitter_mean_ms']))
            continue
        for field, why in probs:
            reason = known.get((name, key, field))
            if reason:
                lines.append('  known %s %s: %s (%s)' % (key, field, why, reason))
            else:
                fails += 1
                lines.append('  DIFF  %s %s: %s' % (key, field, why))
    return lines, agree, len(set(oracle) | set(ours)), fails


def load_known(path):
    known = {}
    if not path:
        return known
    try:
        with open(path) as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                p = line.rstrip('\n').split('\t')
                if len(p) >= 4:
                    known[(p[0], p[1], p[2])] = p[3]
    except FileNotFoundError:
        pass
    return known


def selftest():
    text = ('    3.697493      7.290681        10.0.2.4  7078        10.0.2.5  7078 0x15D7B1AC'
            '            g711A   152     0 (0.0%)           0.033          23.796          62.326'
            '           0.434          11.948          16.378 \n'
            '    29.970889     65.241311      10.23.1.52 16756    10.35.60.100 15580 0x17D90134'
            ' g711A, CN, RTPType-100  1171     3 (0.3%)           1.078          10.216'
            '          20.427           0.030           0.268           1.343 X\n')
    o = parse_streams(text)
    k1, k2 = '10.0.2.4:7078>10.0.2.5:7078/0x15d7b1ac', '10.23.1.52:16756>10.35.60.100:15580/0x17d90134'
    assert o[k1]['packets'] == 152 and o[k1]['jitter_max_ms'] == 16.378, o
    assert o[k2]['lost'] == 3 and o[k2]['codec'] == 'g711A, CN, RTPType-100', o
    ours = {k1: dict(o[k1]), 'x:1>y:2/0x00000001': {'packets': 1, 'lost': 0, 'jitter_max_ms': 0,
                                                    'jitter_mean_ms': 0}}
    ours[k1]['jitter_mean_ms'] = 11.9      # within 0.5 %: agrees
    _, agree, total, fails = compare('t', o, ours, {})
    assert (agree, total, fails) == (1, 3, 2), (agree, total, fails)
    ours[k1]['lost'] = 1
    _, agree, _, fails = compare('t', o, ours, {('t', k2, 'stream'): 'why'})
    assert (agree, fails) == (0, 2), (agree, fails)
    print('media_compare self-test: ok')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sipscope')
    ap.add_argument('--pcap')
    ap.add_argument('--tshark', default='tshark')
    ap.add_argument('--known')
    ap.add_argument('--selftest', action='store_true')
    a = ap.parse_args()
    if a.selftest:
        selftest()
        return 0
    name = a.pcap.rsplit('/', 1)[-1]
    base = subprocess.run([a.tshark, '-q', '-n', '-r', a.pcap, '-z', 'rtp,streams'],
                          capture_output=True, text=True, timeout=300).stdout
    ports = set()
    for key in parse_streams(base):
        sport = key.split('>')[0].rsplit(':', 1)[1]
        dport = key.split('>')[1].split('/')[0].rsplit(':', 1)[1]
        ports.update((sport, dport))
    if not ports:
        print('media-compare %s: tshark finds no SDP-announced RTP' % name)
        return 77
    cmd = [a.tshark, '-q', '-n', '-r', a.pcap]
    for p in sorted(ports, key=int):
        cmd += ['-d', 'udp.port==%s,rtp' % p]
    oracle = parse_streams(subprocess.run(cmd + ['-z', 'rtp,streams'], capture_output=True,
                                          text=True, timeout=300).stdout)
    r = subprocess.run([a.sipscope, '-r', a.pcap, '--report', 'json'], capture_output=True,
                       text=True, timeout=300)
    if r.returncode not in (0, 1):
        print('media-compare %s: sipscope exited %d: %s' % (name, r.returncode, r.stderr[-500:]))
        return 1
    ours = ours_streams(json.loads(r.stdout))
    lines, agree, total, fails = compare(name, oracle, ours, load_known(a.known))
    print('media-compare %s: %d/%d streams agree (ports %s)' % (name, agree, total,
                                                               ','.join(sorted(ports, key=int))))
    print('\n'.join(lines))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
