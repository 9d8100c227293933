#!/bin/sh
# live_hep_receiver.sh — sipscope as a central HEP collector on a network it
# does not trust (issue 19), in a network namespace made here (192.0.2.1,
# .2 and .99 on its loopback). One central sipscope listens on UDP, TCP and
# TLS at once, with an allow-list (192.0.2.0/30), an authentication key and
# small limits (the IPv6 agent's network and the client CA from --config
# [hep_in]); then:
#   - real senders: sipscope --hep-out with the key over TCP (agent 42),
#     UDP (43) and TCP on IPv6 (47, 2001:db8::1); the same bytes over TLS by openssl s_client with a client
#     certificate (46) — all admitted;
#   - refused and counted per agent: keyless (44), wrong key (45); refused in
#     the totals only: a valid record from 192.0.2.99 (UDP and TCP), a TLS
#     client without a certificate;
#   - hostile TCP: garbage (framing lost), an oversize record followed by a
#     good one (skipped, the good one admitted), a record cut by the close,
#     a slow-loris sender (closed at hep_idle_ms), more connections than
#     hep_conns.
# Checked: the JSON report's counters and agents, the metrics; what the centre analysed
# (its -w capture read back) against tshark's view of the capture the
# agents sent; the key appears in no output.
# Bounded (every step has a timeout; < 40 s); the namespace goes in the trap.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in ip python3 timeout openssl tshark; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; exit 77; }
done
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
"$SIPSCOPE" --help 2>/dev/null | grep -q -- '--hep-key-file' || { echo "FAIL: sipscope --help has no --hep-key-file"; exit 1; }
NS=h19hep$$
W=$(mktemp -d) || exit 1
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || { echo "cannot create network namespaces"; exit 77; }
ip -n "$NS" link set lo up
for a in 192.0.2.1 192.0.2.2 192.0.2.99; do ip -n "$NS" addr add $a/32 dev lo; done
ip -n "$NS" addr add 2001:db8::1/128 dev lo nodad
fail=0
IN=pcaps/lab/clean.pcap
X="ip netns exec $NS timeout 20"
SEND="$X python3 tests/integration/lib/hep_send.py"
wait_file() { i=0; while [ ! -e "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e "$1" ]; }

# The key, and a CA that signed the listener's and one agent's certificate.
KEY="k19-$$-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$KEY" >"$W/key"; chmod 600 "$W/key"
printf 'wrong-%s\n' "$KEY" >"$W/badkey"; chmod 600 "$W/badkey"
cd "$W" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=hep-ca 2>/dev/null &&
for n in srv cli; do
    openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null &&
    openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.pem -days 2 2>/dev/null
done || { echo "FAIL: openssl could not make the certificates"; exit 1; }
cd - >/dev/null || exit 1

# What a real sender writes: sipscope --hep-out over TCP with the key (agent
# 46), recorded by a sink, replayed below over TLS, from .99 and broken.
rm -f "$W/ready"
$SEND sink 192.0.2.1 9070 "$W/stream46.bin" "$W/ready" 10 & SINK=$!; PIDS="$PIDS $SINK"
wait_file "$W/ready" || { echo "FAIL: sink did not start"; exit 1; }
$X "$SIPSCOPE" -q -r "$IN" --hep-out tcp:192.0.2.1:9070 --hep-id 46 --hep-key-file "$W/key" \
    >/dev/null 2>"$W/rec.err"
wait "$SINK"
N=$(tshark -r "$IN" -Y sip 2>/dev/null | wc -l)
[ "$N" -ge 10 ] || { echo "FAIL: tshark sees only $N SIP messages in $IN"; exit 1; }
$SEND first 1 "$W/stream46.bin" "$W/one.bin"
grep -q -- "$KEY" "$W/stream46.bin" || { echo "FAIL: --hep-out --hep-key-file sent no key"; fail=1; }

# Part of the receiver's set-up from --config (added to the flags).
printf '[hep_in]\nallow = 2001:db8::1\ntls_ca = %s\n' "$W/ca.pem" >"$W/central.ini"
$X "$SIPSCOPE" --no-tui --report json -w "$W/central.pcap" --metrics "$W/central.prom" \
    --hep-in 192.0.2.1:9060 --hep-in tcp:192.0.2.1:9061 --hep-in tls:192.0.2.1:9062 \
    --hep-in "tcp:[2001:db8::1]:9063" \
    --hep-tls-cert "$W/srv.pem" --hep-tls-key "$W/srv.key" --config "$W/central.ini" \
    --hep-allow 192.0.2.0/30 --hep-key-file "$W/key" --cap hep_idle_ms=3000 \
    --cap hep_conns=4 --cap hep_record_bytes=8192 >"$W/central.json" 2>"$W/central.err" &
C=$!; PIDS="$PIDS $C"
i=0; while ! grep -q "listening on" "$W/central.err" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "listening on 192.0.2.1:9060, tcp:192.0.2.1:9061, tls:192.0.2.1:9062, tcp:\[2001:db8::1\]:9063" "$W/central.err" ||
    { echo "FAIL: central did not start"; cat "$W/central.err"; exit 1; }

# Real senders, admitted.
$X "$SIPSCOPE" -q -r "$IN" --hep-out tcp:192.0.2.1:9061 --hep-id 42 --hep-key-file "$W/key" >/dev/null 2>&1
$X "$SIPSCOPE" -q -r "$IN" --hep-out 192.0.2.1:9060 --hep-id 43 --hep-key-file "$W/key" >/dev/null 2>&1
$X "$SIPSCOPE" -q -r "$IN" --hep-out "tcp:[2001:db8::1]:9063" --hep-id 47 --hep-key-file "$W/key" >/dev/null 2>&1
$X openssl s_client -connect 192.0.2.1:9062 -CAfile "$W/ca.pem" -cert "$W/cli.pem" \
    -key "$W/cli.key" -quiet -no_ign_eof <"$W/stream46.bin" >/dev/null 2>"$W/tls.err" ||
    { echo "FAIL: TLS with a client certificate: $(tail -2 "$W/tls.err")"; fail=1; }
# Refused per agent: no key, wrong key.
$X "$SIPSCOPE" -q -r "$IN" --hep-out 192.0.2.1:9060 --hep-id 44 >/dev/null 2>&1
$X "$SIPSCOPE" -q -r "$IN" --hep-out tcp:192.0.2.1:9061 --hep-id 45 --hep-key-file "$W/badkey" >/dev/null 2>&1
# Refused before any agent: outside the allow-list, TLS without a certificate.
$SEND udp 192.0.2.99 192.0.2.1 9060 "$W/one.bin"
[ "$($SEND refused 192.0.2.99 192.0.2.1 9061)" = closed ] || { echo "FAIL: TCP from 192.0.2.99 not closed"; fail=1; }
$X openssl s_client -connect 192.0.2.1:9062 -CAfile "$W/ca.pem" -quiet -no_ign_eof \
    <"$W/one.bin" >/dev/null 2>&1
# Hostile TCP from an allowed address.
$SEND tcp 192.0.2.2 192.0.2.1 9061 /dev/null 474554202f20485454502f312e300d0a0d0a   # GET / HTTP/1.0
# 9000-byte record (over hep_record_bytes=8192), then a good one.
big="48455033$(printf '%04x' 9000)$(head -c 8994 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
$SEND tcp 192.0.2.2 192.0.2.1 9061 "$W/one.bin" "$big"
head -c 50 "$W/one.bin" >"$W/cut.bin"     # cut by the close (truncated 1)
$SEND tcp 192.0.2.2 192.0.2.1 9061 "$W/cut.bin"
# 5 bytes and silence: closed at hep_idle_ms (truncated 2)
[ "$($SEND slow 192.0.2.2 192.0.2.1 9061 6)" = closed ] || { echo "FAIL: slow-loris connection still open after 6 s (hep_idle_ms 3000)"; fail=1; }
closed=$($SEND flood 192.0.2.2 192.0.2.1 9061 6 0.2)
[ "$closed" = 2 ] || { echo "FAIL: 6 connections over hep_conns=4: $closed closed at once, want 2"; fail=1; }
sleep 0.5
kill -INT $C; wait $C; rc=$?; PIDS=""
[ $rc -le 1 ] || { echo "FAIL: central exit $rc"; cat "$W/central.err"; fail=1; }

python3 - "$W/central.json" "$N" <<'PY' || fail=1
import json, sys
rep = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
c = rep["stats"]["counters"]
want = {
    "hep_in.records": 4 * n + 1, "hep_in.refused.no_key": n, "hep_in.refused.bad_key": n,
    "hep_in.refused.not_allowed": 2, "hep_in.conns.framing_lost": 1,
    "hep_in.refused.oversize": 1, "hep_in.conns.truncated_record": 2,
    "hep_in.conns.idle_closed": 1, "hep_in.conns.refused_cap": 2,
    "hep_in.tls.accepted": 2, "hep_in.tls.handshake_failed": 1, "hep_in.dropped.ring": 0,
}
bad = ["%s = %s, want %s" % (k, c.get(k), v) for k, v in want.items() if c.get(k) != v]
ag = {(a["capture_id"], a["address"]): a for a in rep["agents"]}
def agent(capid, addr, transport, packets, refused=0, malformed=0):
    a = ag.get((capid, addr))
    if a is None:
        bad.append("no agent %d %s in %s" % (capid, addr, sorted(ag)))
        return
    got = (a["transport"], a["packets"], a["refused"], a["malformed"])
    if got != (transport, packets, refused, malformed):
        bad.append("agent %d %s: %s, want %s" % (capid, addr, got,
                                                 (transport, packets, refused, malformed)))
    if packets and not (a["bytes"] > 0 and a["first_seen"] <= a["last_seen"]):
        bad.append("agent %d: bytes/first/last %s" % (capid, a))
agent(42, "192.0.2.1", "TCP", n)
agent(43, "192.0.2.1", "UDP", n)
agent(46, "192.0.2.1", "TLS", n)
agent(47, "2001:db8::1", "TCP", n)
agent(44, "192.0.2.1", "UDP", 0, refused=n)
agent(45, "192.0.2.1", "TCP", 0, refused=n)
agent(46, "192.0.2.2", "TCP", 1)
agent(0, "192.0.2.2", "TCP", 0, malformed=2)
if any(a["address"] == "192.0.2.99" for a in rep["agents"]):
    bad.append("a refused sender became an agent")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# What the centre analysed: tshark's view of the agents' capture, four
# times (TCP, UDP, TLS, IPv6 TCP agents), plus the one good record of the hostile test.
tshark -r "$IN" -Y sip -T fields -e sip.Call-ID -e sip.CSeq.seq -e sip.CSeq.method \
    -e sip.Method -e sip.Status-Code 2>/dev/null | sort >"$W/tshark.tsv"
"$SIPSCOPE" -q -r "$W/central.pcap" --messages 2>/dev/null | tail -n +2 |
    awk -F'\t' -v OFS='\t' '{split($11, c, " "); print $10, c[1], c[2], $8, $9}' | sort >"$W/central.tsv"
first=$("$SIPSCOPE" -q -r "$IN" --messages 2>/dev/null | sed -n 2p |
        awk -F'\t' -v OFS='\t' '{split($11, c, " "); print $10, c[1], c[2], $8, $9}')
{ cat "$W/tshark.tsv" "$W/tshark.tsv" "$W/tshark.tsv" "$W/tshark.tsv"; printf '%s\n' "$first"; } | sort >"$W/want.tsv"
diff -u "$W/want.tsv" "$W/central.tsv" >"$W/diff" ||
    { echo "FAIL: the centre analysed other messages than tshark sees sent"; head -20 "$W/diff"; fail=1; }

# The metrics: a series per agent, the refusals by reason.
for m in "sipscope_hep_agent_records_total{agent=\"42@192.0.2.1\",result=\"admitted\"} $N" \
         "sipscope_hep_agent_records_total{agent=\"45@192.0.2.1\",result=\"refused\"} $N" \
         "sipscope_hep_refused_total{reason=\"not_allowed\"} 2" \
         "sipscope_hep_refused_total{reason=\"oversize\"} 1"; do
    grep -qxF "$m" "$W/central.prom" || { echo "FAIL: metrics lack '$m'"; grep hep_ "$W/central.prom" | head; fail=1; }
done

# The key is a secret: in no output.
for f in "$W/central.json" "$W/central.err" "$W/central.prom"; do
    grep -q -- "$KEY" "$f" && { echo "FAIL: the key appears in $(basename "$f")"; fail=1; }
done
[ $fail -eq 0 ] && echo "live_hep_receiver: UDP/TCP/TLS agents admitted ($N messages each, = tshark), refused and hostile input counted by reason and agent"
exit $fail
