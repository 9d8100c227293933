#!/bin/sh
# lab_realclients.sh — real client software, not a scripted one, against
# real kamailio (tests/lab/carrier.cfg, Twilio-style) in network namespaces
# (tests/lab/lib.sh, documentation addresses): baresip (Debian baresip) as
# the PBX's trunk side. Each scenario is captured with tcpdump on the
# carrier's veth, read by sipscope (JSON), and checked as a user would
# (tests/lab/realclients_check.py): the root cause sipscope gives first, and
# every evidence frame is, in tshark's reading, the message it quotes.
#   clean:          right password: nothing of warning or worse;
#   wrong password: baresip answers the 407 once with the wrong digest and
#                   gets 403 + X-Twilio-Error 32202: auth_rejected;
#   suspended:      the carrier (SUSPENDED) answers baresip's INVITE with
#                   403 "Account suspended" (Warning 399, Reason): account_suspended;
#   IP ACL:         the carrier (WITH_ACL, ACL 198.51.100.20) refuses the
#                   INVITE from .10 with 403 + X-Twilio-Error 32201, never
#                   challenging: ip_rejected;
#   wrong region:   baresip's account names the dublin edge
#                   (mytrunk.pstn.dublin.twilio.com) but its outbound proxy is
#                   203.0.113.5, the ashburn edge in tests/lab/profiles: the
#                   call goes through; wrong_region (--profiles tests/lab/profiles);
#   scan:           sipvicious's svmap (Debian sipvicious) from 192.0.2.66,
#                   one OPTIONS with User-Agent friendly-scanner: scanner.
#   scan, unbound:  svmap without -b, as usually run: its Contact is
#                   127.0.0.1; still the scanner, never nat_rewrite.
#                   (svwar is left out: sipvicious 0.3.3's svwar ignores -b
#                   and sends from the PBX's own address.)
# Bounded: baresip -t and timeout(1); about 30 s under ASan.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for t in kamailio baresip svmap tcpdump tshark nft ip python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not installed (scripts/install-deps test)"; exit 77; }
done
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-}"; exit 1; }
. "$ROOT/tests/lab/lib.sh"
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 77
PW1=$(awk '$1 == "1001" { print $2 }' tests/lab/accounts.txt)
TW=labtrunk.pstn.twilio.com
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" || exit 1

# baresip_call NAME PASSWORD: one call to +15550100001 through the carrier
# (outbound proxy 203.0.113.5, no REGISTER: regint=0), hung up by -t.
baresip_call() {
    _d=$LAB_WORK/baresip.$1
    mkdir -p "$_d"
    cat >"$_d/config" <<CFG
poll_method epoll
sip_listen $LAB_PBX_IP:5060
net_interface $LAB_IF_PBX
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module_app account.so
module_app menu.so
audio_source ausine,440
audio_player ausine,440
CFG
    echo "<sip:1001@${BS_DOMAIN:-$TW}>;auth_pass=$2;outbound=\"sip:$LAB_CAR_IP:5060\";regint=0" >"$_d/accounts"
    capture_start "$LAB_WORK/$1.pcap" || return 1
    timeout -k 2 15 ip netns exec "$LAB_NS_PBX" baresip -f "$_d" -e "/dial +15550100001" -t 3 \
        >"$_d/out" 2>&1 </dev/null
    capture_stop
}

# sipvicious_scan NAME: svmap from the scanner address 192.0.2.66.
sipvicious_scan() {
    capture_start "$LAB_WORK/$1.pcap" || return 1
    timeout -k 2 20 ip netns exec "$LAB_NS_PBX" svmap -b 192.0.2.66 -p5060 "$LAB_CAR_IP" \
        >"$LAB_WORK/$1.out" 2>&1 </dev/null
    capture_stop
}

# sipvicious_scan_unbound NAME: svmap as it is usually run, without -b: it
# sends from the namespace's own address with Contact sip:100@127.0.0.1,
# which is the scanner's forged header, not NAT.
sipvicious_scan_unbound() {
    capture_start "$LAB_WORK/$1.pcap" || return 1
    timeout -k 2 20 ip netns exec "$LAB_NS_PBX" svmap -p5060 "$LAB_CAR_IP" \
        >"$LAB_WORK/$1.out" 2>&1 </dev/null
    capture_stop
}

fail=0
# scenario NAME CLIENT ARG ROOT
scenario() {
    _n=$1 _root=$4
    "$2" "$_n" "$3" || { echo "FAIL: $_n: capture"; fail=1; return; }
    grep -a -q -E 'User-Agent: (baresip|friendly-scanner)' "$LAB_WORK/$_n.pcap" ||
        { echo "FAIL: $_n: the client sent nothing"; fail=1; return; }
    # shellcheck disable=SC2086
    "$SIPSCOPE" -q -r "$LAB_WORK/$_n.pcap" ${SCOPE_ARGS:-} --report json --no-tui >"$LAB_WORK/$_n.json" 2>"$LAB_WORK/$_n.err"
    python3 tests/lab/realclients_check.py "$LAB_WORK/$_n.pcap" "$LAB_WORK/$_n.json" "$_root" ||
        { fail=1; return; }
    grep -q -- "$PW1" "$LAB_WORK/$_n.json" && { echo "FAIL: $_n: the password is in the report"; fail=1; return; }
    echo "$_n: root cause $_root, evidence agrees with tshark"
}
lab_pbx_addr 192.0.2.66/24 || exit 1
scenario baresip_clean baresip_call "$PW1" none
scenario baresip_wrong_password baresip_call "$PW1-typo" auth_rejected
scenario sipvicious_scan sipvicious_scan - scanner
scenario sipvicious_scan_unbound sipvicious_scan_unbound - scanner
BS_DOMAIN=mytrunk.pstn.dublin.twilio.com SCOPE_ARGS="--profiles tests/lab/profiles"
scenario baresip_wrong_region baresip_call "$PW1" wrong_region
BS_DOMAIN="" SCOPE_ARGS=""
stop_kamailio
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" SUSPENDED || exit 1
scenario baresip_suspended baresip_call "$PW1" account_suspended
stop_kamailio
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" WITH_ACL 'ACL_IP="198.51.100.20"' || exit 1
scenario baresip_ip_acl baresip_call "$PW1" ip_rejected
exit $fail
