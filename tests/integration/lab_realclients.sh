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
LAB_NS_PREFIX=diag
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 77
PW1=$(awk '$1 == "1001" { print $2 }' tests/lab/accounts.txt)
TW=labtrunk.pstn.twilio.com
start_kamailio "$ROOT/tests/lab/carrier.cfg" "PW_1001=\"$PW1\"" || exit 1

. "$ROOT/tests/lab/realclients_lib.sh"
fail=0
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
