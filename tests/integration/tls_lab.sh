#!/bin/sh
# tls_lab.sh — TLS trunks without keys, made for real: kamailio's tls module
# as the carrier (tests/lab/carrier_tls.cfg) or `openssl s_server`, and
# `openssl s_client` as the PBX sending a REGISTER, inside a network
# namespace of our own (loopback only), captured with tcpdump. Certificates
# are made fresh each run by openssl (a lab CA, a carrier certificate, an
# expired one, a foreign CA). Each scenario's report must say what a VoIP
# engineer checks, and agree with tshark's dissection of the same capture:
#   ok13 / ok12   handshake works (TLS 1.3 / 1.2): tls_encrypted, never
#                 "No problem found", exit status 1; version, cipher, SNI as tshark
#   unknown_ca    the PBX does not trust the carrier's CA: tls_failed, alert
#                 unknown_ca from the client, at tshark's frame
#   wrong_name    TLS 1.2, SNI not in the certificate: tls_certificate (name)
#   expired       TLS 1.2, expired certificate: tls_certificate (expired); with
#                 verification on: tls_failed, alert certificate_expired
#   version       client TLS 1.2 only, server TLS 1.3 only: tls_failed,
#                 protocol_version from the server
#   mtls12        server requires a client certificate: tls_failed,
#                 handshake_failure from the server, no client certificate
#   mtls_kam12/13 kamailio requires a client certificate (mutual TLS): TLS 1.2
#                 handshake_failure, the cause "sent none"; TLS 1.3 without
#                 keys: the server's alert-sized record then the close
#                 (refused, mutual TLS the cause), with the key log the alert
#                 certificate_required itself
#   wrong_name_verify  the PBX checks the host name: bad_certificate from the
#                 client, the name (not the CA bundle) as the cause and fix
#   dec*          --tls-keylog with the client's key log: TLS 1.3 AES-128-GCM,
#                 AES-256-GCM, ChaCha20-Poly1305; TLS 1.2 ECDHE AES-128/256-GCM,
#                 ChaCha20-Poly1305, RSA AES-128-GCM; a REGISTER, a 20 kB OPTIONS
#                 over two records and a third message: --messages equals
#                 tshark -o tls.keylog_file (tls_decrypt_check.py), no secret
#                 in any output, a 0644 key log refused
# Bounded: every client run is under timeout(1); about 30 s in all.
# TLS_LAB_KEEP=DIR copies the captures and the clients' key logs
# (SSLKEYLOGFILE format) there: that is how pcaps/tls/ was made.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
SIPSCOPE=${SIPSCOPE:-$ROOT/sipscope}
[ -x "$SIPSCOPE" ] || { echo "FAIL: no sipscope binary at $SIPSCOPE"; exit 1; }
for t in openssl tshark tcpdump kamailio python3 ip; do
    command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
MODDIR=${LAB_KAM_MODDIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
[ -f "$MODDIR/tls.so" ] || { echo "SKIP: kamailio tls module missing (kamailio-tls-modules)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }

tmp=$(mktemp -d) || exit 1
NS=tlslab$$
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$NS" || exit 1
ip netns exec "$NS" ip link set lo up
# (a background job is never a shell function: its $! would be a subshell's)
X() { ip netns exec "$NS" "$@"; }

# ---- certificates -------------------------------------------------------
cd "$tmp" || exit 1
q() { "$@" >/dev/null 2>&1 || { echo "FAIL: $*"; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=Lab Root CA"
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 3650 -subj "/CN=Other CA"
q openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=sip.carrier.example" \
    -addext "subjectAltName=DNS:sip.carrier.example,DNS:*.carrier.example"
mkdir ca; : > ca/index.txt; echo 01 > ca/serial
cat > ca/ca.cnf <<EOF
[ca]
default_ca = lab
[lab]
database = $tmp/ca/index.txt
new_certs_dir = $tmp/ca
serial = $tmp/ca/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
EOF
q openssl ca -batch -config ca/ca.cnf -cert ca.crt -keyfile ca.key -in srv.csr -out srv.crt -days 365
q openssl ca -batch -config ca/ca.cnf -cert ca.crt -keyfile ca.key -in srv.csr -out exp.crt \
    -startdate 20240101000000Z -enddate 20250101000000Z
cp srv.key exp.key
printf 'REGISTER sip:sip.carrier.example SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5062;branch=z9hG4bK-tls1\r\nMax-Forwards: 70\r\nFrom: <sip:1001@sip.carrier.example>;tag=t1\r\nTo: <sip:1001@sip.carrier.example>\r\nCall-ID: tls-lab-1@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:1001@127.0.0.1:5062;transport=tls>\r\nContent-Length: 0\r\n\r\n' > reg.txt

# For the decryption scenarios: the REGISTER, then an OPTIONS with a 20 kB
# body (it spans two TLS records), then another OPTIONS in the same write.
{
    cat reg.txt
    body=$(head -c 20000 /dev/zero | tr '\0' x)
    printf 'OPTIONS sip:sip.carrier.example SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5062;branch=z9hG4bK-tls2\r\nMax-Forwards: 70\r\nFrom: <sip:1001@sip.carrier.example>;tag=t2\r\nTo: <sip:sip.carrier.example>\r\nCall-ID: tls-lab-2@127.0.0.1\r\nCSeq: 2 OPTIONS\r\nContent-Type: text/plain\r\nContent-Length: 20000\r\n\r\n%s' "$body"
    printf 'OPTIONS sip:sip.carrier.example SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5062;branch=z9hG4bK-tls3\r\nMax-Forwards: 70\r\nFrom: <sip:1001@sip.carrier.example>;tag=t3\r\nTo: <sip:sip.carrier.example>\r\nCall-ID: tls-lab-3@127.0.0.1\r\nCSeq: 3 OPTIONS\r\nContent-Length: 0\r\n\r\n'
} > more.txt

# ---- carriers -------------------------------------------------------------
kam_start() {   # kam_start CERT: kamailio TLS carrier on 127.0.0.1:5061
    cat > kam_tls.cfg <<EOF
[server:default]
method = TLSv1.2+
certificate = $tmp/$1.crt
private_key = $tmp/$1.key
verify_certificate = ${KAM_REQ:-no}
require_certificate = ${KAM_REQ:-no}
ca_list = $tmp/ca.crt
[client:default]
verify_certificate = no
EOF
    mkdir -p kamrun
    ip netns exec "$NS" kamailio -DD -E -f "$ROOT/tests/lab/carrier_tls.cfg" -Y "$tmp/kamrun" -m 32 -M 4 -L "$MODDIR" \
        -A 'CARRIER_IP="127.0.0.1"' -A "TLS_CFG=\"$tmp/kam_tls.cfg\"" >>kamailio.log 2>&1 &
    KAM=$!
    PIDS="$PIDS $KAM"
    wait_listen || { echo "FAIL: kamailio did not listen on 5061"; tail -5 kamailio.log; exit 1; }
}
wait_listen() {
    i=0
    while [ $i -lt 50 ]; do
        X ss -Hltn "sport = :5061" 2>/dev/null | grep -q 5061 && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
srv_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; i=0
    while [ $i -lt 30 ] && X ss -Hltn "sport = :5061" 2>/dev/null | grep -q 5061; do sleep 0.1; i=$((i + 1)); done; }
ssl_start() {   # ssl_start OPTS...: openssl s_server on 5061
    ( sleep 8 ) | ip netns exec "$NS" openssl s_server -quiet -accept 127.0.0.1:5061 -cert srv.crt -key srv.key \
        -CAfile ca.crt "$@" >>s_server.log 2>&1 &
    SSL=$!
    PIDS="$PIDS $SSL"
    wait_listen || { echo "FAIL: s_server did not listen"; exit 1; }
}

# client NAME OPTS...: one PBX connection with a REGISTER, captured into NAME.pcap
client() {
    name=$1; shift
    ip netns exec "$NS" tcpdump -U --immediate-mode -n -s 0 -i lo -w "$name.pcap" tcp port 5061 2>"$name.tcpdump" &
    tp=$!
    i=0; while [ $i -lt 50 ] && ! grep -q "listening on" "$name.tcpdump" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    ( cat "${INPUT:-reg.txt}"; sleep 1 ) | X timeout 6 openssl s_client -quiet -connect 127.0.0.1:5061 \
        -keylogfile "$tmp/$name.keys" "$@" >"$name.client" 2>&1
    sleep 0.4
    kill -INT $tp; wait $tp 2>/dev/null
}

kam_start srv
client ok13 -servername sip.carrier.example -CAfile ca.crt -verify_return_error
client ok12 -tls1_2 -servername sip.carrier.example -CAfile ca.crt -verify_return_error
client unknown_ca -tls1_2 -servername sip.carrier.example -CAfile other.crt -verify_return_error
client unknown_ca13 -servername sip.carrier.example -CAfile other.crt -verify_return_error
client wrong_name -tls1_2 -servername pbx.wrong.example -CAfile ca.crt
# --tls-keylog: every cipher family, both versions, RSA and ECDHE key exchange
INPUT=more.txt
client dec13_aes128 -ciphersuites TLS_AES_128_GCM_SHA256 -servername sip.carrier.example
client dec13_aes256 -ciphersuites TLS_AES_256_GCM_SHA384 -servername sip.carrier.example
client dec13_chacha -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -servername sip.carrier.example
client dec12_aes128 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername sip.carrier.example
client dec12_aes256 -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -servername sip.carrier.example
client dec12_chacha -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -servername sip.carrier.example
client dec12_rsa -tls1_2 -cipher AES128-GCM-SHA256 -servername sip.carrier.example
# AES-CBC with HMAC: encrypt_then_mac (OpenSSL's default, RFC 7366) and
# MAC-then-encrypt (-no_etm); SHA-1, SHA-256 and SHA-384 MACs (the last with
# the SHA-384 PRF); RSA key exchange
client dec12_cbc128_sha -tls1_2 -cipher ECDHE-RSA-AES128-SHA -servername sip.carrier.example
client dec12_cbc256_sha_mte -tls1_2 -no_etm -cipher ECDHE-RSA-AES256-SHA -servername sip.carrier.example
client dec12_cbc128_sha256_mte -tls1_2 -no_etm -cipher ECDHE-RSA-AES128-SHA256 -servername sip.carrier.example
client dec12_cbc256_sha384 -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -servername sip.carrier.example
client dec12_cbc256_sha384_mte -tls1_2 -no_etm -cipher ECDHE-RSA-AES256-SHA384 -servername sip.carrier.example
client dec12_rsa_cbc_mte -tls1_2 -no_etm -cipher AES256-SHA256 -servername sip.carrier.example
INPUT=reg.txt
srv_stop "$KAM"
kam_start exp
client expired -tls1_2 -servername sip.carrier.example -CAfile ca.crt
client expired_verify -tls1_2 -servername sip.carrier.example -CAfile ca.crt -verify_return_error
srv_stop "$KAM"
# the carrier requires a client certificate (mutual TLS), the PBX has none
KAM_REQ=yes kam_start srv
client mtls_kam12 -tls1_2 -servername sip.carrier.example -CAfile ca.crt
client mtls_kam13 -servername sip.carrier.example -CAfile ca.crt
srv_stop "$KAM"
kam_start srv
# the PBX checks the name: the trunk host is not in the carrier's certificate
client wrong_name_verify -tls1_2 -servername pbx.wrong.example -verify_hostname pbx.wrong.example \
    -CAfile ca.crt -verify_return_error
srv_stop "$KAM"
ssl_start -tls1_3
client version -tls1_2 -servername sip.carrier.example
srv_stop "$SSL"
ssl_start -Verify 1
client mtls12 -tls1_2 -servername sip.carrier.example -CAfile ca.crt
srv_stop "$SSL"

grep -q "SIP/2.0 200 OK" ok13.client || { echo "FAIL: the TLS 1.3 REGISTER got no 200 from kamailio"; cat ok13.client; exit 1; }
fail=0
cp mtls_kam13.keys mtls_kam13.keylog
SCENARIOS="ok13 ok12 unknown_ca unknown_ca13 wrong_name expired expired_verify version mtls12
    mtls_kam12 mtls_kam13 wrong_name_verify"
python3 "$ROOT/tests/integration/tls_check.py" "$SIPSCOPE" "$tmp" || fail=1
DECRYPT="dec13_aes128 dec13_aes256 dec13_chacha dec12_aes128 dec12_aes256 dec12_chacha dec12_rsa
    dec12_cbc128_sha dec12_cbc256_sha_mte dec12_cbc128_sha256_mte dec12_cbc256_sha384
    dec12_cbc256_sha384_mte dec12_rsa_cbc_mte"
for s in $DECRYPT; do cp "$s.keys" "$s.keylog"; done
python3 "$ROOT/tests/integration/tls_decrypt_check.py" "$SIPSCOPE" "$tmp" $DECRYPT || fail=1
SCENARIOS="$SCENARIOS $DECRYPT"
if [ -n "${TLS_LAB_KEEP:-}" ]; then
    mkdir -p "$TLS_LAB_KEEP" && for s in $SCENARIOS; do
        cp "$s.pcap" "$TLS_LAB_KEEP/"; [ -s "$s.keys" ] && cp "$s.keys" "$TLS_LAB_KEEP/$s.keylog"
    done
fi
[ $fail -eq 0 ] && echo "tls_lab: all scenarios as expected"
exit $fail
