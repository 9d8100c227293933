#!/bin/sh
# tests/lab/make-lab-pcaps.sh — regenerate pcaps/lab/: every capture is made
# by real SIP software (kamailio as the carrier, sipp as the PBX) talking
# over a veth pair between two network namespaces, captured with tcpdump on
# the carrier's side, then described by tshark in NAME.expect.
#
# Usage (root): tests/lab/make-lab-pcaps.sh [NAME...]   (default: all)
#   LAB_OUT=DIR   write there instead of pcaps/lab/
# Re-runnable: each run makes fresh namespaces (lab<random>) and removes
# them on exit, whatever happens. Whole run: about 2 minutes.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${LAB_OUT:-$ROOT/pcaps/lab}
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"

for t in kamailio sipp tcpdump tshark mergecap nft ip python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "make-lab-pcaps: $t not installed (scripts/install-deps test)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "make-lab-pcaps: needs root (network namespaces)" >&2; exit 1; }

trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 1
mkdir -p "$OUT"

# The carrier's accounts (test values) come from accounts.txt; the PBX's
# deliberate mistakes are spelt out here.
acct() { awk -v u="$1" '$1 == u { print $2 }' "$HERE/accounts.txt"; }
PW1=$(acct 1001); PW2=$(acct 1002)
WRONG1="${PW1}-typo"
TW=labtrunk.pstn.twilio.com         # Twilio-like termination host
GEN=trunk.carrier.example           # a non-Twilio carrier (re-challenges)
FAILED=""

# kam DEFINE...: (re)start the carrier with these behaviours (carrier.cfg).
kam() {
    stop_kamailio
    start_kamailio "$HERE/carrier.cfg" "PW_1001=\"$PW1\"" "PW_1002=\"$PW2\"" "$@" || exit 1
}

# pbx SRC TEMPLATE RURI DOMAIN [sipp args]: one bounded sipp run as the PBX
# (in $PBX_NS if set; advertising $ADV instead of SRC if set).
pbx() {
    _src=$1; _tpl=$2; _ruri=$3; _dom=$4; shift 4
    _scn=$(lab_scenario "$HERE/sipp/$_tpl" "$_ruri" "${ADV:-}") || exit 1
    run_sipp "${PBX_NS:-$LAB_NS_PBX}" -i "$_src" -p 5060 -sf "$_scn" -key domain "$_dom" \
        -auth_uri "${_ruri#sip:}" "$@" "$LAB_CAR_IP:5060"
}

# expect_ok STATUS WHAT: sipp's status must be 0 (the scenario went as planned).
expect_ok() { [ "$1" -eq 0 ] || { echo "make-lab-pcaps: $CUR: sipp failed ($2), see below" >&2; tail -30 "$LAB_WORK/sipp.log" >&2; FAILED="$FAILED $CUR"; }; }

# begin NAME [NS IFACE]: start capturing NAME.pcap (default: the carrier's
# veth); also_capture NAME NS IFACE: one more capture point for this step.
begin() { CUR=$1; CAPS=""; : >"$LAB_WORK/sipp.log"; also_capture "$@"; }
also_capture() {
    _n=$1; shift
    CAPS="$CAPS $_n"
    capture_start "$LAB_WORK/$_n.pcap" "$@" || exit 1
}
finish() {
    capture_stop
    for _c in $CAPS; do
        cp "$LAB_WORK/$_c.pcap" "$OUT/$_c.pcap"
        chmod 0644 "$OUT/$_c.pcap"
        python3 "$HERE/expect.py" "$_c" "$OUT/$_c.pcap" >"$OUT/$_c.expect" ||
            { echo "make-lab-pcaps: $_c: expect.py failed" >&2; FAILED="$FAILED $_c"; }
        echo "lab: $_c.pcap $(wc -c <"$OUT/$_c.pcap") bytes, $(grep -c '^msg ' "$OUT/$_c.expect") SIP messages" >&2
    done
}

# invite SRC USER PASS [sipp args]: one call to +15550100001 on the Twilio-like trunk.
invite() {
    _s=$1; _u=$2; _p=$3; shift 3
    pbx "$_s" invite.xml "sip:+15550100001@$TW" "$TW" -m 1 -key caller +15550009999 \
        -key rport "" -s +15550100001 -au "$_u" -ap "$_p" "$@"
}
register() {
    _s=$1; _u=$2; _p=$3; _d=$4; shift 4
    pbx "$_s" register.xml "sip:$_d" "$_d" -m 1 -key user "$_u" -key rport "" -au "$_u" -ap "$_p" "$@"
}
options() {
    pbx "$1" options.xml "sip:$TW" "$TW" -m 1 -key caller +15550009999 -key rport ""
}

# ---- 1. clean: REGISTER 401/200, INVITE 407/200, BYE, OPTIONS --------------
cap_clean() {
    kam
    begin clean
    register "$LAB_PBX_IP" 1001 "$PW1" "$TW"; expect_ok $? register
    invite "$LAB_PBX_IP" 1001 "$PW1"; expect_ok $? invite
    options "$LAB_PBX_IP"; expect_ok $? options
    finish
}

# ---- 2. wrong password, Twilio style: 407, retry, 403 + X-Twilio-Error 32202
cap_auth_rejected_403() {
    kam
    begin auth_rejected_403
    invite "$LAB_PBX_IP" 1001 "$WRONG1"; expect_ok $? invite
    finish
}

# ---- 3. wrong password, re-challenged with a fresh 401 (non-Twilio) -------
cap_auth_rejected_rechallenge() {
    kam 'REALM="carrier.example"' FAIL_RECHALLENGE
    begin auth_rejected_rechallenge
    register "$LAB_PBX_IP" 1002 "${PW2}-old" "$GEN"; expect_ok $? register
    finish
}

# ---- 4. source IP not in the ACL: 403 + 32201 at once, never challenged ---
cap_ip_rejected() {
    kam WITH_ACL 'ACL_IP="198.51.100.20"'
    begin ip_rejected
    invite "$LAB_PBX_IP" 1001 "$PW1"; expect_ok $? invite
    finish
}

# ---- 5. calls work from .10; the PBX moves to .77 and gets 403 ------------
cap_source_ip_changed() {
    kam WITH_ACL 'ACL_IP="198.51.100.10"'
    begin source_ip_changed
    invite "$LAB_PBX_IP" 1001 "$PW1"; expect_ok $? "invite from .10"
    options "$LAB_PBX_IP"; expect_ok $? options
    lab_pbx_addr 198.51.100.77/24
    lab_pbx_addr_del "$LAB_PBX_IP/24"
    sleep 1
    invite 198.51.100.77 1001 "$PW1"; expect_ok $? "invite from .77"
    invite 198.51.100.77 1001 "$PW1"; expect_ok $? "invite from .77"
    lab_pbx_addr "$LAB_PBX_IP/24"
    lab_pbx_addr_del 198.51.100.77/24
    finish
}

# ---- 6. account suspended: 403 "Account suspended" to everything ---------
cap_account_suspended() {
    kam SUSPENDED
    begin account_suspended
    register "$LAB_PBX_IP" 1001 "$PW1" "$TW"; expect_ok $? register
    invite "$LAB_PBX_IP" 1001 "$PW1"; expect_ok $? invite
    options "$LAB_PBX_IP"; expect_ok $? options
    finish
}

# ---- 7. challenge never answered: INVITE 407 ACK, no retry ----------------
cap_challenge_unanswered() {
    kam
    begin challenge_unanswered
    pbx "$LAB_PBX_IP" invite_noretry.xml "sip:+15550100001@$TW" "$TW" -m 1 \
        -key caller +15550009999 -key rport "" -s +15550100001
    expect_ok $? invite
    finish
}

# ---- 8. retry with a digest that cannot match (nonce never issued) -------
cap_digest_mismatch() {
    kam
    begin digest_mismatch
    pbx "$LAB_PBX_IP" invite_badauth.xml "sip:+15550100001@$TW" "$TW" -m 1 \
        -key caller +15550009999 -key rport "" -s +15550100001
    expect_ok $? invite
    finish
}

# ---- 9. carrier silently drops: INVITE retransmitted (timer A) ------------
# T1 = 500 ms as RFC 3261; sipp gives up after 6 retransmissions (last one
# at 31.5 s). An OPTIONS at ~34 s, also dropped and not retransmitted,
# moves capture time past 64*T1 so the INVITE is a timeout, not merely
# unanswered at the end of the file.
cap_no_response() {
    kam
    carrier_drop
    begin no_response
    if LAB_SIPP_TIMEOUT=34 invite "$LAB_PBX_IP" 1001 "$PW1" -max_invite_retrans 6; then
        echo "make-lab-pcaps: no_response: sipp got an answer" >&2; FAILED="$FAILED no_response"
    fi
    LAB_SIPP_TIMEOUT=1 pbx "$LAB_PBX_IP" options.xml "sip:$TW" "$TW" -m 1 -key caller +15550009999 \
        -key rport "" -max_non_invite_retrans 0
    finish
    carrier_allow
}

# ---- 10. scanner from 192.0.2.66: OPTIONS ping, REGISTER 100..140 ---------
cap_scanner() {
    kam
    lab_pbx_addr 192.0.2.66/24
    _inf="$LAB_WORK/users.csv"
    { echo SEQUENTIAL; i=100; while [ $i -le 140 ]; do echo "$i;"; i=$((i + 1)); done; } >"$_inf"
    begin scanner
    pbx 192.0.2.66 scanner_options.xml "sip:100@$LAB_CAR_IP" "$LAB_CAR_IP" -m 1 -key caller 100 -key rport ";rport"
    expect_ok $? options
    pbx 192.0.2.66 scanner.xml "sip:$LAB_CAR_IP" "$LAB_CAR_IP" -m 41 -r 20 -inf "$_inf"
    expect_ok $? register
    finish
    lab_pbx_addr_del 192.0.2.66/24
}

# ---- 11. brute force: many REGISTERs for 1001, each wrong, from one source
cap_brute_force() {
    kam
    lab_pbx_addr 192.0.2.77/24
    begin brute_force
    for guess in 123456 password 1001 admin; do
        register 192.0.2.77 1001 "$guess" "$TW" -m 3 -r 10; expect_ok $? "register $guess"
    done
    finish
    lab_pbx_addr_del 192.0.2.77/24
}

# ---- 12. carrier's own refusals after successful auth --------------------
cap_carrier_rejected() {
    kam CARRIER_REJECT
    begin carrier_rejected
    pbx "$LAB_PBX_IP" invite.xml "sip:+15550100001@$TW" "$TW" -m 1 -key caller 5551234 \
        -key rport "" -s +15550100001 -au 1002 -ap "$PW2"; expect_ok $? "invalid caller id"
    pbx "$LAB_PBX_IP" invite.xml "sip:+15550100002@$TW" "$TW" -m 1 -key caller +15550009999 \
        -key rport "" -s +15550100002 -au 1002 -ap "$PW2"; expect_ok $? "cps"
    pbx "$LAB_PBX_IP" invite.xml "sip:+15550100003@$TW" "$TW" -m 1 -key caller +15550009999 \
        -key rport "" -s +15550100003 -au 1002 -ap "$PW2"; expect_ok $? "tls"
    finish
}

# ---- 13. PBX behind NAT advertising its private address, no rport -------
# The NAT maps 5060 to 4000x; the carrier answers the Via port (5060), which
# the NAT has no mapping for, so the PBX never hears back and retransmits.
nat_up() { [ -n "${LAB_NS_LAN:-}" ] || lab_nat_up || exit 1; }
cap_nat_rewrite() {
    nat_up
    kam
    begin nat_rewrite_pbx "$LAB_NS_LAN" "la$LAB_ID"
    also_capture nat_rewrite_carrier "$LAB_NS_CAR" "lr$LAB_ID"
    if LAB_SIPP_TIMEOUT=34 PBX_NS=$LAB_NS_LAN invite 192.168.50.10 1001 "$PW1" -max_invite_retrans 6; then
        echo "make-lab-pcaps: nat_rewrite: the PBX got an answer" >&2; FAILED="$FAILED nat_rewrite"
    fi
    finish
}

# ---- 14. same NAT, PBX advertises its public address and uses rport -----
cap_nat_correct() {
    nat_up
    kam
    begin nat_correct "$LAB_NS_CAR" "lr$LAB_ID"
    _scn=$(lab_scenario "$HERE/sipp/invite.xml" "sip:+15550100001@$TW" 198.51.100.20) || exit 1
    run_sipp "$LAB_NS_LAN" -i 192.168.50.10 -p 5060 -sf "$_scn" -key domain "$TW" \
        -auth_uri "+15550100001@$TW" -m 1 -key caller +15550009999 -key rport ";rport" \
        -s +15550100001 -au 1001 -ap "$PW1" "$LAB_CAR_IP:5060"
    expect_ok $? invite
    finish
}

# ---- 15. OPTIONS keepalive every 4 s; carrier drops SIP for 40 s --------
cap_keepalive_failed() {
    kam
    begin keepalive_failed
    LAB_SIPP_TIMEOUT=64 pbx "$LAB_PBX_IP" options.xml "sip:$TW" "$TW" -m 15 -r 1 -rp 4000 \
        -key caller +15550009999 -key rport "" &
    _sp=$!
    LAB_PIDS="$LAB_PIDS $_sp"
    sleep 9
    carrier_drop
    sleep 40
    carrier_allow
    wait "$_sp"
    finish
}

# ---- 16. two PBX sites, one trunk account ---------------------------------
cap_multi_site() {
    kam
    if [ -z "${LAB_NS_SITE2:-}" ]; then
        lab_site_up s 198.51.100.30 || exit 1
        LAB_NS_SITE2=$LAB_NS_NEW; LAB_IF_SITE2=$LAB_SITE_IF
    fi
    CUR=multi_site; CAPS=""; : >"$LAB_WORK/sipp.log"
    capture_start "$LAB_WORK/multi_site_a.pcap" || exit 1
    capture_start "$LAB_WORK/multi_site_b.pcap" "$LAB_NS_CAR" "$LAB_IF_SITE2" || exit 1
    register "$LAB_PBX_IP" 1001 "$PW1" "$TW"; expect_ok $? "register site A"
    PBX_NS=$LAB_NS_SITE2 register 198.51.100.30 1001 "$PW1" "$TW"; expect_ok $? "register site B"
    invite "$LAB_PBX_IP" 1001 "$PW1"; expect_ok $? "invite site A"
    PBX_NS=$LAB_NS_SITE2 invite 198.51.100.30 1001 "$PW1"; expect_ok $? "invite site B"
    capture_stop
    mergecap -F pcap -w "$LAB_WORK/multi_site.pcap" "$LAB_WORK/multi_site_a.pcap" "$LAB_WORK/multi_site_b.pcap" || exit 1
    CAPS=multi_site
    finish
}

# ---- 17. localized URI for dublin sent to an address of the ashburn edge -
# The edge of 203.0.113.5 comes from the test profile tests/lab/profiles/.
cap_wrong_region() {
    kam
    begin wrong_region
    pbx "$LAB_PBX_IP" invite.xml "sip:+15550100001@mytrunk.pstn.dublin.twilio.com" \
        mytrunk.pstn.dublin.twilio.com -m 1 -key caller +15550009999 -key rport "" \
        -s +15550100001 -au 1001 -ap "$PW1"
    expect_ok $? invite
    finish
}

ALL="clean auth_rejected_403 auth_rejected_rechallenge ip_rejected source_ip_changed
account_suspended challenge_unanswered digest_mismatch scanner brute_force carrier_rejected
no_response nat_rewrite nat_correct keepalive_failed multi_site wrong_region"
# shellcheck disable=SC2086 # word splitting of the list is intended
[ $# -gt 0 ] || set -- $ALL
for name in "$@"; do
    case " $ALL " in *[!a-z_]"$name"[!a-z_]*) ;; *) echo "make-lab-pcaps: unknown capture $name" >&2; exit 2 ;; esac
    "cap_$name"
done
stop_kamailio
if [ -n "$FAILED" ]; then echo "make-lab-pcaps: FAILED:$FAILED" >&2; exit 1; fi
echo "make-lab-pcaps: done, captures in $OUT" >&2
