#!/usr/bin/env python3
"""tls_decrypt_check.py SIPSCOPE DIR NAME... — --tls-keylog against tshark.

For each DIR/NAME.pcap with its key log DIR/NAME.keylog (SSLKEYLOGFILE format,
copied here to a 0600 file as sipscope requires):
- `sipscope -r NAME.pcap --tls-keylog K --messages` lists exactly the SIP
  messages tshark decrypts with `-o tls.keylog_file:K` (frame, addresses,
  ports, method or status, Call-ID, CSeq), with transport TLS;
- the report has no tls_encrypted finding (the SIP was seen) and analyses
  the REGISTER like plain SIP (a peer, the messages counted);
- every encrypted record opens (-v: tls.records_not_authentic and
  tls.records_no_key 0);
- no secret from the key log appears, in any case, in stdout or stderr of
  the text, JSON and Markdown reports or the messages list (with -v);
- a key log that group or others can read is refused (exit 2, naming
  --tls-keylog).
"""
import json, os, re, shutil, stat, subprocess, sys, tempfile

SIPSCOPE, SRC, NAMES = sys.argv[1], sys.argv[2], sys.argv[3:]
W = tempfile.mkdtemp(prefix='tls_decrypt.')
bad = []


def run(args):
    p = subprocess.run([SIPSCOPE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def tshark_msgs(cap, keys):
    out = subprocess.check_output(
        ['tshark', '-r', cap, '-o', 'tls.keylog_file:' + keys, '-Y', 'sip', '-T', 'fields',
         '-E', 'separator=\t', '-e', 'frame.number', '-e', 'ip.src', '-e', 'tcp.srcport',
         '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'sip.Method', '-e', 'sip.Status-Code',
         '-e', 'sip.Call-ID', '-e', 'sip.CSeq'], stderr=subprocess.DEVNULL).decode()
    rows = []
    for line in out.splitlines():
        f = line.split('\t')
        # one frame may hold several messages: tshark joins them with ','
        n = max(len(x.split(',')) for x in f[5:9])
        for i in range(n):
            def g(j):
                v = f[j].split(',')
                return v[i] if i < len(v) else v[-1]
            rows.append((int(f[0]), f[1], int(f[2]), f[3], int(f[4]), g(5), g(6), g(7), g(8)))
    return sorted(rows)


def our_msgs(text):
    rows = []
    for line in text.splitlines()[1:]:
        f = line.split('\t')
        if len(f) < 11:
            continue
        if f[6] != 'TLS':
            bad.append('transport %s, want TLS: %s' % (f[6], line))
        rows.append((int(f[0]), f[2], int(f[3]), f[4], int(f[5]), f[7], f[8], f[9], f[10]))
    return sorted(rows)


for name in NAMES:
    cap = os.path.join(SRC, name + '.pcap')
    keys = os.path.join(W, name + '.keylog')
    shutil.copy(os.path.join(SRC, name + '.keylog'), keys)
    os.chmod(keys, 0o600)
    secrets = set()
    for line in open(keys):
        f = line.split()
        if len(f) == 3 and not line.startswith('#'):
            secrets.add(f[2].lower())
    want = tshark_msgs(cap, keys)
    rc, out, err = run(['-r', cap, '--tls-keylog', keys, '--messages', '-v'])
    got = our_msgs(out)
    # every record of the capture opened: none failed its tag or MAC, none
    # lacked a key (the -v counters on stderr)
    ctr = dict((m.group(1), int(m.group(2)))
               for m in re.finditer(r'^\s*(tls\.records\w*)\s+(\d+)\s*$', err, re.M))
    if ctr.get('tls.records_not_authentic', -1) != 0 or ctr.get('tls.records_no_key', -1) != 0 \
            or ctr.get('tls.records_decrypted', 0) < 4:
        bad.append('%s: records not all opened: %s' % (name, ctr))
    if not want:
        bad.append('%s: tshark decrypts no SIP: the scenario is broken' % name)
    if got != want:
        bad.append('%s: --messages differs from tshark:\n  ours   %s\n  tshark %s' % (name, got, want))
    texts = [out, err]
    for fmt in ('text', 'json', 'markdown'):
        rc, o, e = run(['-r', cap, '--tls-keylog', keys, '--report', fmt, '-v'])
        texts += [o, e]
        if fmt == 'json':
            rep = json.loads(o)
            kinds = [f['kind'] for f in rep['findings']]
            if 'tls_encrypted' in kinds:
                bad.append('%s: decrypted, yet tls_encrypted: %s' % (name, kinds))
            if not rep['peers']:
                bad.append('%s: the decrypted REGISTER made no peer' % name)
            t = rep.get('tls', [])
            if len(t) != 1 or t[0]['decrypted'] is not True or t[0]['not_decrypted_why'] is not None \
                    or t[0]['records_undecryptable'] != 0 or t[0]['sip_messages'] != len(
                        [w for w in want if w[5] or w[6]]) or t[0]['failed']:
                bad.append('%s: the tls table does not say it was decrypted: %s' % (name, t))
    blob = '\n'.join(texts).lower()
    for s in secrets:
        for k in (s, s[:16]):
            if k in blob:
                bad.append('%s: a key log secret appears in the output' % name)
                break

# The permission check, as for --secrets.
if NAMES:
    keys = os.path.join(W, NAMES[0] + '.keylog')
    os.chmod(keys, 0o644)
    rc, out, err = run(['-r', os.path.join(SRC, NAMES[0] + '.pcap'), '--tls-keylog', keys])
    if rc != 2 or '--tls-keylog' not in err or 'chmod 600' not in err:
        bad.append('a 0644 key log was not refused: exit %d, %r' % (rc, err.strip()))

for b in bad:
    print('FAIL:', b)
shutil.rmtree(W)
sys.exit(1 if bad else 0)
