#!/usr/bin/env python3
"""tls_check.py SIPSCOPE DIR — the assertions of tls_lab.sh (live captures)
and tls_pcaps.sh (the same scenarios kept in pcaps/tls/), per scenario
DIR/NAME.pcap: sipscope's JSON and text reports and exit status against
tshark's dissection of the same capture (frame|srcport|handshake types|SNI|
supported versions|handshake version|cipher suites|alert description|record
content types), checking what a VoIP engineer reads: the kinds, which side
sent which alert, version, cipher, SNI, evidence frames, the verdict."""
import json, os, subprocess, sys
import tempfile

SIPSCOPE, SRC = sys.argv[1], sys.argv[2]
D = tempfile.mkdtemp(prefix='tls_check.')
SCENARIOS = ('ok13 ok12 unknown_ca unknown_ca13 wrong_name expired expired_verify version mtls12 '
             'mtls_kam12 mtls_kam13 wrong_name_verify').split()
for s in SCENARIOS:
    cap = os.path.join(SRC, s + '.pcap')
    with open(os.path.join(D, s + '.json'), 'w') as o:
        rc = subprocess.call([SIPSCOPE, '-r', cap, '--report', 'json'], stdout=o, stderr=subprocess.DEVNULL)
    open(os.path.join(D, s + '.rc'), 'w').write('%d\n' % rc)
    with open(os.path.join(D, s + '.txt'), 'w') as o:
        subprocess.call([SIPSCOPE, '-r', cap], stdout=o, stderr=subprocess.DEVNULL)
    fields = ['frame.number', 'tcp.srcport', 'tls.handshake.type', 'tls.handshake.extensions_server_name',
              'tls.handshake.extensions.supported_version', 'tls.handshake.version',
              'tls.handshake.ciphersuite', 'tls.alert_message.desc', 'tls.record.content_type']
    cmd = ['tshark', '-r', cap, '-T', 'fields', '-E', 'separator=|']
    for f in fields:
        cmd += ['-e', f]
    with open(os.path.join(D, s + '.tshark'), 'w') as o:
        subprocess.check_call(cmd, stdout=o, stderr=subprocess.DEVNULL)
ALERTS = {40: 'handshake_failure', 42: 'bad_certificate', 45: 'certificate_expired',
          46: 'certificate_unknown', 48: 'unknown_ca', 70: 'protocol_version',
          116: 'certificate_required'}
CIPHERS = {0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384',
           0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
           0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
           0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
           0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'}
bad = []


def num(s):
    return int(s, 0)


def load(name):
    rep = json.load(open(os.path.join(D, name + '.json')))
    txt = open(os.path.join(D, name + '.txt')).read()
    rc = int(open(os.path.join(D, name + '.rc')).read())
    rows = []
    for line in open(os.path.join(D, name + '.tshark')):
        f = line.rstrip('\n').split('|')
        f += [''] * (9 - len(f))
        rows.append(dict(frame=int(f[0]), sport=int(f[1] or 0), hs=f[2].split(',') if f[2] else [],
                         sni=f[3], sv=f[4].split(',') if f[4] else [], hv=f[5],
                         cs=f[6].split(',') if f[6] else [], alert=f[7], ct=f[8]))
    return rep, txt, rc, rows


def check(name, cond, what):
    if not cond:
        bad.append('%s: %s' % (name, what))


def one(rep, kind):
    return [f for f in rep['findings'] if f['kind'] == kind]


def ev(f, role):
    return [e for e in f['evidence'] if e['role'] == role]


def hello_facts(rows):
    """(ClientHello frame, SNI, ServerHello frame, chosen version, chosen cipher) per tshark."""
    ch = next(r for r in rows if '1' in r['hs'])
    sh = next((r for r in rows if '2' in r['hs']), None)
    ver = cip = None
    if sh:
        ver = num(sh['sv'][0]) if sh['sv'] else num(sh['hv'].split(',')[0])
        cip = num(sh['cs'][0])
    return ch['frame'], ch['sni'], sh['frame'] if sh else None, ver, cip


def vname(v):
    return {0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3'}[v]


def scenario_ok(name, want_ver):
    rep, txt, rc, rows = load(name)
    chf, sni, shf, ver, cip = hello_facts(rows)
    check(name, ver == want_ver, 'tshark: chosen version %r, scenario wants %x' % (ver, want_ver))
    enc = one(rep, 'tls_encrypted')
    check(name, len(enc) == 1, 'one tls_encrypted finding, got %s' % [f['kind'] for f in rep['findings']])
    check(name, not one(rep, 'tls_failed'), 'no tls_failed on a working handshake')
    check(name, 'No problem found' not in txt, 'the text report says "No problem found"')
    check(name, rc == 1, 'exit status %d, want 1 (unseen SIP is not healthy)' % rc)
    if enc:
        s = enc[0]['summary']
        check(name, vname(ver) in s, 'version %s not in %r' % (vname(ver), s))
        check(name, CIPHERS.get(cip, '?') in s, 'cipher %s not in %r' % (CIPHERS.get(cip), s))
        check(name, 'SNI ' + sni in s, 'SNI %s not in %r' % (sni, s))
        check(name, [e['frame'] for e in ev(enc[0], 'ClientHello')] == [chf],
              'ClientHello evidence frame, tshark says %d' % chf)
        check(name, [e['frame'] for e in ev(enc[0], 'ServerHello')] == [shf],
              'ServerHello evidence frame, tshark says %d' % shf)
        check(name, '--hep-in' in ' '.join(enc[0]['fix']), 'no fix saying how to see the SIP')
    return rep


def scenario_alert(name, desc, sender, cause_word=None):
    rep, txt, rc, rows = load(name)
    chf, sni, shf, ver, cip = hello_facts(rows)
    server_port = 5061
    al = [r for r in rows if r['alert']]
    fl = one(rep, 'tls_failed')
    check(name, len(fl) == 1, 'one tls_failed finding, got %s' % [f['kind'] for f in rep['findings']])
    check(name, rc == 1, 'exit status %d, want 1' % rc)
    check(name, not one(rep, 'tls_encrypted'), 'a failed handshake reported as encrypted SIP')
    if not fl:
        return rep
    f = fl[0]
    check(name, len(al) >= 1 and num(al[0]['alert'].split(',')[0]) == desc,
          'tshark: first alert %r, scenario wants %d' % (al[0]['alert'] if al else None, desc))
    s = f['summary']
    check(name, ('the %s sent the alert %s (%d)' % (sender, ALERTS[desc], desc)) in s,
          'summary %r does not name the %s alert %s' % (s, sender, ALERTS[desc]))
    if al:
        got_from = 'server' if al[0]['sport'] == server_port else 'client'
        check(name, got_from == sender, 'tshark says the %s sent it' % got_from)
        check(name, [e['frame'] for e in ev(f, 'alert from ' + sender)] == [al[0]['frame']],
              'alert evidence frames %s, tshark %d' % ([e['frame'] for e in f['evidence']], al[0]['frame']))
    check(name, [e['frame'] for e in ev(f, 'ClientHello')] == [chf], 'ClientHello frame %d' % chf)
    if cause_word:
        check(name, any(cause_word in c for c in f['causes']),
              'no cause with %r in %s' % (cause_word, f['causes']))
    check(name, len(f['fix']) >= 1 or len(f['causes']) >= 1, 'no cause or fix')
    return rep


scenario_ok('ok13', 0x0304)
rep = scenario_ok('ok12', 0x0303)
enc = one(rep, 'tls_encrypted')
if enc:
    c = ev(enc[0], 'server certificate')
    check('ok12', c and 'CN sip.carrier.example, issuer Lab Root CA' in c[0]['line'],
          'the TLS 1.2 certificate is not described: %s' % enc[0]['evidence'])
check('ok12', not one(rep, 'tls_certificate'), 'a valid certificate reported as a problem')

scenario_alert('unknown_ca', 48, 'client', 'CA bundle')
# TLS 1.3: OpenSSL's client sends this alert before its keys change, so it
# is cleartext; what matters is that sipscope says what tshark sees.
rep, txt, rc, rows = load('unknown_ca13')
if any(r['alert'] for r in rows):
    scenario_alert('unknown_ca13', 48, 'client', 'CA bundle')
else:
    fl = one(rep, 'tls_failed')
    check('unknown_ca13', fl and 'encrypted alert' in fl[0]['summary'],
          'TLS 1.3 refusal not seen: %s' % [f['summary'] for f in rep['findings']])

rep, txt, rc, rows = load('wrong_name')
cf = one(rep, 'tls_certificate')
check('wrong_name', len(cf) == 1 and 'does not name pbx.wrong.example' in cf[0]['summary'],
      'name mismatch not reported: %s' % [f['summary'] for f in rep['findings']])
check('wrong_name', len(one(rep, 'tls_encrypted')) == 1, 'the (unchecked) handshake worked')

rep, txt, rc, rows = load('expired')
cf = one(rep, 'tls_certificate')
check('expired', len(cf) == 1 and 'expired on 2025-01-01' in cf[0]['summary'],
      'expiry not reported: %s' % [f['summary'] for f in rep['findings']])
scenario_alert('expired_verify', 45, 'client')
rep = scenario_alert('version', 70, 'server', 'TLS version')
rep = scenario_alert('mtls12', 40, 'server', 'client certificate')


def first_cause_fix(name, rep, kind, cause_word, fix_word):
    fl = one(rep, kind)
    if fl:
        c, x = fl[0]['causes'], fl[0]['fix']
        check(name, c and cause_word in c[0], 'first cause %r lacks %r' % (c[:1], cause_word))
        check(name, x and fix_word in x[0], 'first fix %r lacks %r' % (x[:1], fix_word))


# kamailio requires a client certificate (mutual TLS) and the PBX has none.
# TLS 1.2: CertificateRequest, an empty client Certificate, handshake_failure.
rep = scenario_alert('mtls_kam12', 40, 'server', 'client certificate')
first_cause_fix('mtls_kam12', rep, 'tls_failed', 'sent none', 'client certificate')
check('mtls_kam12', not any('no cipher suite' in c for f in one(rep, 'tls_failed') for c in f['causes']),
      'a ServerHello chose a suite, yet "no cipher suite in common" is a cause')
# TLS 1.3: all of that is encrypted; the server's first record after the
# client's Finished is alert-sized, then it closes. Without keys: refused,
# mutual TLS as the cause; with the key log: the alert itself.
rep, txt, rc, rows = load('mtls_kam13')
fl = one(rep, 'tls_failed')
check('mtls_kam13', len(fl) == 1 and not one(rep, 'tls_encrypted'),
      'a refused TLS 1.3 client reported as %s' % [f['kind'] for f in rep['findings']])
check('mtls_kam13', rc == 1, 'exit status %d' % rc)
lens = subprocess.check_output(['tshark', '-r', os.path.join(SRC, 'mtls_kam13.pcap'), '-Y',
                                'tcp.srcport==5061 && tls.record.length==19', '-T', 'fields',
                                '-e', 'frame.number', '-e', 'tls.record.length'],
                               stderr=subprocess.DEVNULL).decode().split('\n')
alert_frames = [int(l.split('\t')[0]) for l in lens if l.endswith('\t19')]
if fl:
    f = fl[0]
    check('mtls_kam13', 'server refused the client' in f['summary'], 'summary %r' % f['summary'])
    check('mtls_kam13', [e['frame'] for e in ev(f, 'alert from server')] == alert_frames[:1],
          'alert evidence %s, tshark\'s 19-byte server record %s' % (f['evidence'], alert_frames))
first_cause_fix('mtls_kam13', rep, 'tls_failed', 'mutual TLS', 'client certificate')
keys = os.path.join(D, 'mtls_kam13.keylog')
open(keys, 'w').write(open(os.path.join(SRC, 'mtls_kam13.keylog')).read())
os.chmod(keys, 0o600)
rep = json.loads(subprocess.run([SIPSCOPE, '-r', os.path.join(SRC, 'mtls_kam13.pcap'), '--tls-keylog',
                                 keys, '--report', 'json'], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL).stdout)
dec = subprocess.check_output(['tshark', '-r', os.path.join(SRC, 'mtls_kam13.pcap'), '-o',
                               'tls.keylog_file:' + keys, '-Y', 'tls.alert_message.desc', '-T',
                               'fields', '-e', 'frame.number', '-e', 'tls.alert_message.desc'],
                              stderr=subprocess.DEVNULL).decode().split()
fl = one(rep, 'tls_failed')
check('mtls_kam13+keys', dec[1:2] == ['116'], 'tshark decrypts alert %s, want 116' % dec)
check('mtls_kam13+keys', fl and 'the server sent the alert certificate_required (116)' in fl[0]['summary']
      and [e['frame'] for e in ev(fl[0], 'alert from server')] == [int(dec[0])],
      'decrypted alert not reported: %s' % [(f['summary'], f['evidence']) for f in fl])
first_cause_fix('mtls_kam13+keys', rep, 'tls_failed', 'sent none', 'client certificate')
# The PBX checks the host name: alert from the client, the name is the cause.
rep = scenario_alert('wrong_name_verify', 42, 'client')
first_cause_fix('wrong_name_verify', rep, 'tls_failed', 'does not name pbx.wrong.example',
                "trunk's host")
check('wrong_name_verify', not any('CA bundle' in c for f in one(rep, 'tls_failed') for c in f['causes']),
      'a name mismatch blamed on the CA bundle')
first_cause_fix('unknown_ca', load('unknown_ca')[0], 'tls_failed', 'CA bundle', 'root CA')
first_cause_fix('version', load('version')[0], 'tls_failed', 'no TLS version in common', 'TLS 1.2')

# The per-connection table (JSON "tls", and the same rows in the text,
# Markdown and HTML reports) against tshark, for every scenario: one row per
# ClientHello, its client port, SNI, chosen version and cipher, the alert and
# its side, failed or not as the findings say.
ALERT_BY_NUM = dict(ALERTS)
for name in SCENARIOS:
    rep, txt, rc, rows = load(name)
    chf, sni, shf, ver, cip = hello_facts(rows)
    t = rep.get('tls', [])
    hellos = [r for r in rows if '1' in r['hs']]
    check(name, len(t) == len(hellos), 'tls table has %d row(s), tshark %d ClientHello(s)'
          % (len(t), len(hellos)))
    if not t:
        continue
    r = t[0]
    check(name, r['client']['port'] == hellos[0]['sport'] and r['server']['port'] == 5061,
          'tls row endpoints %s -> %s' % (r['client'], r['server']))
    check(name, (r['sni'] or '') == sni, 'tls row SNI %r, tshark %r' % (r['sni'], sni))
    check(name, r['version'] == (vname(ver) if ver else None), 'tls row version %r' % r['version'])
    check(name, r['cipher'] == (CIPHERS.get(cip, r['cipher']) if cip else None),
          'tls row cipher %r, tshark %r' % (r['cipher'], cip))
    al = [x for x in rows if x['alert']]
    if al:
        a = r['alerts'][0] if r['alerts'] else {}
        d = num(al[0]['alert'].split(',')[0])
        check(name, a.get('description') == ALERT_BY_NUM.get(d) and
              a.get('side') == ('server' if al[0]['sport'] == 5061 else 'client') and
              a.get('frame') == al[0]['frame'],
              'tls row alert %s, tshark %d from port %d at frame %d' % (a, d, al[0]['sport'],
                                                                      al[0]['frame']))
    check(name, r['failed'] == bool(one(rep, 'tls_failed')), 'tls row failed=%s' % r['failed'])
    check(name, r['decrypted'] is False and r['not_decrypted_why'] == 'no --tls-keylog',
          'without a key log: decrypted %s, why %r' % (r['decrypted'], r['not_decrypted_why']))
    if shf and name in ('ok12', 'expired', 'wrong_name'):
        c = r['certificate'] or {}
        check(name, c.get('subject') == 'sip.carrier.example' and c.get('issuer') == 'Lab Root CA'
              and 'sip.carrier.example' in c.get('san', ''), 'tls row certificate %s' % c)
    check(name, 'TLS connections (%d)' % len(t) in txt and r['result'] in txt,
          'the text report lacks the TLS table or its result %r' % r['result'])
    for fmt, mark in (('markdown', '## TLS connections'), ('html', 'id="tls"')):
        out = subprocess.run([SIPSCOPE, '-r', os.path.join(SRC, name + '.pcap'), '--report', fmt],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
        check(name, mark in out and (r['sni'] or '-') in out.split(mark, 1)[-1],
              'the %s report lacks the TLS table' % fmt)

# One trunk, two failed connections (two client ports, TLS 1.2 and 1.3, the
# same SNI and server): one tls_failed finding counting both, each
# ClientHello cited with its client, and one diagnosis root for the trunk.
both = os.path.join(D, 'both.pcap')
subprocess.check_call(['mergecap', '-w', both, os.path.join(SRC, 'unknown_ca.pcap'),
                       os.path.join(SRC, 'unknown_ca13.pcap')])
rep = json.loads(subprocess.run([SIPSCOPE, '-r', both, '--report', 'json'], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL).stdout)
fl = one(rep, 'tls_failed')
check('grouped', len(fl) == 1, 'two failed connections to one trunk: %d tls_failed findings'
      % len(fl))
if fl:
    f = fl[0]
    check('grouped', f['count'] == 2, 'count %d, want 2' % f['count'])
    check('grouped', f['entity'] == 'sip.carrier.example (127.0.0.1:5061)',
          'entity %r is not the trunk (SNI and server)' % f['entity'])
    hellos = ev(f, 'ClientHello')
    ports = set(r['sport'] for r in load('unknown_ca')[3] + load('unknown_ca13')[3]
                if '1' in r['hs'])
    check('grouped', len(hellos) == 2 and
          set(int(e['line'].split(',')[0].rsplit(':', 1)[1]) for e in hellos) == ports,
          'the ClientHellos do not name both clients %s: %s' % (ports, hellos))
    roots = [d for d in rep['diagnosis'] if d['root_cause'] == 'tls_failed']
    check('grouped', len(roots) == 1 and 'sip.carrier.example' in roots[0]['trunk'],
          'diagnosis roots for the trunk: %s' % roots)

for b in bad:
    print('FAIL:', b)
if not bad:
    import shutil
    shutil.rmtree(D)
else:
    print('outputs kept in', D)
sys.exit(1 if bad else 0)
