# tests/lab/realclients_lib.sh — real clients driven in the lab (sourced
# after tests/lab/lib.sh by tests/integration/lab_realclients*.sh): baresip
# as the PBX's trunk side, sipvicious as the attacker, sipsak for keep-alives,
# and scenario(), which captures one, reads it with sipscope and checks it
# as a user would (tests/lab/realclients_check.py). Every client run is
# bounded by timeout(1); nothing leaves the lab's namespaces.

# baresip_run NAME PASSWORD: one call to +15550100001 through the carrier
# (outbound proxy 203.0.113.5, no REGISTER: regint=0), hung up by -t, from
# ${BS_IP:-$LAB_PBX_IP}; the caller captures.
baresip_run() {
    _d=$LAB_WORK/baresip.$1
    mkdir -p "$_d"
    cat >"$_d/config" <<CFG
poll_method epoll
sip_listen ${BS_IP:-$LAB_PBX_IP}:5060
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
    timeout -k 2 15 ip netns exec "$LAB_NS_PBX" baresip -f "$_d" -e "/dial +15550100001" -t 3 \
        >"$_d/out" 2>&1 </dev/null
    return 0
}

# baresip_call NAME PASSWORD: baresip_run, captured on the carrier's veth.
baresip_call() {
    capture_start "$LAB_WORK/$1.pcap" || return 1
    baresip_run "$@"
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

# scenario NAME CLIENT ARG ROOT [CHECK...]: run CLIENT NAME ARG (it writes
# $LAB_WORK/NAME.pcap), read it with sipscope (JSON and text), and check the
# root cause first and each CHECK (realclients_check.py documents them).
scenario() {
    _n=$1 _c=$2 _a=$3 _root=$4
    shift 4
    case "$_n" in *"${LAB_ONLY:-}"*) ;; *) return 0 ;; esac    # LAB_ONLY=NAME: debugging
    "$_c" "$_n" "$_a" || { echo "FAIL: $_n: capture"; fail=1; return; }
    grep -a -q -E 'User-Agent: (baresip|friendly-scanner|sipsak)' "$LAB_WORK/$_n.pcap" ||
        { echo "FAIL: $_n: the client sent nothing"; fail=1; return; }
    # shellcheck disable=SC2086
    "$SIPSCOPE" -q -r "$LAB_WORK/$_n.pcap" ${SCOPE_ARGS:-} --report json --no-tui >"$LAB_WORK/$_n.json" 2>"$LAB_WORK/$_n.err"
    # shellcheck disable=SC2086
    "$SIPSCOPE" -q -r "$LAB_WORK/$_n.pcap" ${SCOPE_ARGS:-} --no-tui >"$LAB_WORK/$_n.txt" 2>>"$LAB_WORK/$_n.err"
    python3 tests/lab/realclients_check.py "$LAB_WORK/$_n.pcap" "$LAB_WORK/$_n.json" "$_root" \
        "text=$LAB_WORK/$_n.txt" "$@" || { fail=1; return; }
    grep -q -- "$PW1" "$LAB_WORK/$_n.json" "$LAB_WORK/$_n.txt" &&
        { echo "FAIL: $_n: the password is in the report"; fail=1; return; }
    echo "$_n: root cause $_root${*:+, $*}; evidence agrees with tshark"
}
