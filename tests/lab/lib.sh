# tests/lab/lib.sh — network-namespace lab: kamailio as the carrier, sipp as
# the PBX, tcpdump on the carrier's veth. Sourced (POSIX sh + `ip`, `nft`)
# by make-lab-pcaps.sh and by live end-to-end tests.
#
# Topology made by lab_up (all documentation addresses, RFC 5737):
#
#   netns $LAB_NS_PBX  (PBX, sipp)          netns $LAB_NS_CAR  (carrier, kamailio)
#   lp$LAB_ID 198.51.100.10/24  <--veth-->  lc$LAB_ID 203.0.113.5/24
#            (+ any address lab_pbx_addr adds: 198.51.100.77, 192.0.2.66 ...)
#
# Routes are on-link both ways, so no router is needed. IPv6 is disabled in
# both namespaces so router solicitations do not end up in captures. MAC
# addresses are fixed so the captures differ only where SIP differs.
#
# Every process started here is recorded by PID and killed by PID in
# lab_down; lab_down is safe to call twice and runs from the EXIT trap the
# caller sets (trap lab_down EXIT INT TERM). No traffic ever leaves the two
# namespaces: neither has a default route.
#
# Functions:
#   lab_up                       create namespaces, veth, addresses, routes
#   lab_down                     kill what we started, delete the namespaces
#   lab_pbx_addr ADDR/LEN        add an address on the PBX side (+ route back)
#   lab_pbx_addr_del ADDR/LEN    remove it
#   lab_ns_add SUFFIX            create an extra namespace lab$LAB_ID$SUFFIX (-> $LAB_NS_NEW;
#                                LAB_NS_PREFIX replaces "lab", so tests can tell theirs apart)
#   start_kamailio CFG [DEFINES...]   carrier kamailio in $LAB_NS_CAR (-A each define)
#   stop_kamailio
#   run_sipp NS ARGS...          one bounded sipp run in namespace NS (returns sipp's status)
#   capture_start FILE [NS IFACE] tcpdump -U -w FILE (default: carrier veth);
#                                several may run at once
#   capture_stop                 stop them all (SIGINT), wait until the files are complete
#   carrier_drop / carrier_allow nftables drop of SIP to the carrier (no_response)
#   lab_nat_up                   a PBX behind a NAT (see below)
#   lab_site_up SUFFIX ADDR      one more PBX namespace with its own veth to the carrier
#   lab_scenario TEMPLATE RURI [ADV]  instantiate a sipp scenario

LAB_PBX_IP=${LAB_PBX_IP:-198.51.100.10}
LAB_CAR_IP=${LAB_CAR_IP:-203.0.113.5}
LAB_KAM_MODDIR=${LAB_KAM_MODDIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
LAB_PIDS=""
LAB_NS_LIST=""
LAB_KAM_PID=""
LAB_CAP_PIDS=""

lab_log() { echo "lab: $*" >&2; }

# lab_exec NS CMD...: run CMD inside namespace NS.
lab_exec() { _ns=$1; shift; ip netns exec "$_ns" "$@"; }

# lab_ns_add SUFFIX: create namespace $LAB_NS_PREFIX$LAB_ID$SUFFIX (prefix
# "lab" unless the test names its own, so tests can run side by side); its
# name is left in LAB_NS_NEW (no command substitution: LAB_NS_LIST must be
# updated here).
lab_ns_add() {
    LAB_NS_NEW=${LAB_NS_PREFIX:-lab}$LAB_ID$1
    ip netns add "$LAB_NS_NEW" || return 1
    LAB_NS_LIST="$LAB_NS_LIST $LAB_NS_NEW"
    ip netns exec "$LAB_NS_NEW" ip link set lo up
    ip netns exec "$LAB_NS_NEW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$LAB_NS_NEW" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    # Removing a primary address must not take the secondaries with it
    # (renumbering the PBX: add the new address, then drop the old one).
    ip netns exec "$LAB_NS_NEW" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
    ip netns exec "$LAB_NS_NEW" sysctl -qw net.ipv4.conf.default.promote_secondaries=1
}

lab_up() {
    if [ "$(id -u)" -ne 0 ]; then lab_log "needs root (network namespaces)"; return 1; fi
    LAB_ID=${LAB_ID:-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
    LAB_WORK=${LAB_WORK:-$(mktemp -d "/tmp/lab$LAB_ID.XXXXXX")}
    lab_ns_add p || return 1; LAB_NS_PBX=$LAB_NS_NEW
    lab_ns_add c || return 1; LAB_NS_CAR=$LAB_NS_NEW
    LAB_IF_PBX=lp$LAB_ID
    LAB_IF_CAR=lc$LAB_ID
    ip link add "$LAB_IF_PBX" type veth peer name "$LAB_IF_CAR" || return 1
    ip link set "$LAB_IF_PBX" netns "$LAB_NS_PBX"
    ip link set "$LAB_IF_CAR" netns "$LAB_NS_CAR"
    lab_exec "$LAB_NS_PBX" ip link set "$LAB_IF_PBX" address 02:00:5e:00:00:10
    lab_exec "$LAB_NS_CAR" ip link set "$LAB_IF_CAR" address 02:00:5e:00:00:05
    lab_exec "$LAB_NS_PBX" sysctl -qw "net.ipv4.conf.$LAB_IF_PBX.promote_secondaries=1"
    lab_exec "$LAB_NS_PBX" ip addr add "$LAB_PBX_IP/24" dev "$LAB_IF_PBX"
    lab_exec "$LAB_NS_CAR" ip addr add "$LAB_CAR_IP/24" dev "$LAB_IF_CAR"
    lab_exec "$LAB_NS_PBX" ip link set "$LAB_IF_PBX" up
    lab_exec "$LAB_NS_CAR" ip link set "$LAB_IF_CAR" up
    lab_exec "$LAB_NS_PBX" ip route add 203.0.113.0/24 dev "$LAB_IF_PBX"
    lab_exec "$LAB_NS_CAR" ip route add 198.51.100.0/24 dev "$LAB_IF_CAR"
    lab_log "up: $LAB_NS_PBX ($LAB_PBX_IP) <-> $LAB_NS_CAR ($LAB_CAR_IP), work $LAB_WORK"
}

# lab_pbx_addr ADDR/LEN: another source address on the PBX side; the carrier
# gets an on-link route back to its subnet.
lab_pbx_addr() {
    lab_exec "$LAB_NS_PBX" ip addr add "$1" dev "$LAB_IF_PBX" || return 1
    _net=$(lab_exec "$LAB_NS_PBX" ip -o -4 route show dev "$LAB_IF_PBX" proto kernel \
           | awk -v a="${1%/*}" '$0 ~ "src "a" " {print $1}')
    [ -n "$_net" ] && lab_exec "$LAB_NS_CAR" ip route replace "$_net" dev "$LAB_IF_CAR"
    lab_exec "$LAB_NS_PBX" ip route replace 203.0.113.0/24 dev "$LAB_IF_PBX"
}
# lab_pbx_addr_del ADDR/LEN: remove it. The kernel flushes the device's
# routes when its last IPv4 address goes, so add the new address first
# (lab_pbx_addr) when moving the PBX, as a renumbered PBX would.
lab_pbx_addr_del() { lab_exec "$LAB_NS_PBX" ip addr del "$1" dev "$LAB_IF_PBX"; }

# _lab_kill PID: TERM, wait up to 3 s, then KILL; only PIDs we started.
_lab_kill() {
    [ -n "$1" ] || return 0
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null
    _i=0
    while kill -0 "$1" 2>/dev/null && [ $_i -lt 30 ]; do sleep 0.1; _i=$((_i + 1)); done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

lab_down() {
    capture_stop
    stop_kamailio
    for _p in $LAB_PIDS; do _lab_kill "$_p"; done
    LAB_PIDS=""
    for _n in $LAB_NS_LIST; do ip netns del "$_n" 2>/dev/null; done
    LAB_NS_LIST=""
    if [ -n "${LAB_WORK:-}" ] && [ -z "${LAB_KEEP_WORK:-}" ]; then
        rm -rf "$LAB_WORK"; LAB_WORK=""
    fi
}

# start_kamailio CFG [DEFINE...]: run kamailio in the carrier namespace in
# the foreground (-DD -E), pid recorded; waits until it listens on :5060.
start_kamailio() {
    _cfg=$1; shift
    _defs=""
    for _d in "$@"; do _defs="$_defs -A $_d"; done
    mkdir -p "$LAB_WORK/kamrun"
    # shellcheck disable=SC2086
    ip netns exec "$LAB_NS_CAR" kamailio -DD -E -f "$_cfg" -Y "$LAB_WORK/kamrun" \
        -m 32 -M 4 -A "CARRIER_IP=\"$LAB_CAR_IP\"" \
        -L "$LAB_KAM_MODDIR" $_defs >>"$LAB_WORK/kamailio.log" 2>&1 &
    LAB_KAM_PID=$!
    _i=0
    while [ $_i -lt 50 ]; do
        if lab_exec "$LAB_NS_CAR" ss -Hlun "sport = :5060" 2>/dev/null | grep -q 5060; then return 0; fi
        kill -0 "$LAB_KAM_PID" 2>/dev/null || break
        sleep 0.1; _i=$((_i + 1))
    done
    lab_log "kamailio did not start; log tail:"; tail -20 "$LAB_WORK/kamailio.log" >&2
    return 1
}

stop_kamailio() {
    [ -n "$LAB_KAM_PID" ] || return 0
    # kamailio -DD: the creator is our child; TERM makes it stop its children.
    _lab_kill "$LAB_KAM_PID"
    LAB_KAM_PID=""
    # Wait until the port is free, so the next start can bind.
    _i=0
    while [ $_i -lt 30 ] && lab_exec "$LAB_NS_CAR" ss -Hlun "sport = :5060" 2>/dev/null | grep -q 5060; do
        sleep 0.1; _i=$((_i + 1))
    done
}

# run_sipp NS [sipp args...]: bounded by sipp's own -timeout (added here)
# and by timeout(1) as a backstop. Returns sipp's exit status (0 = all
# calls succeeded, 1 = some failed ...). Output goes to $LAB_WORK/sipp.log.
run_sipp() {
    _ns=$1; shift
    echo "== sipp $*" >>"$LAB_WORK/sipp.log"
    ( cd "$LAB_WORK" && timeout -k 2 "${LAB_SIPP_HARD:-90}" ip netns exec "$_ns" \
        sipp -nostdin -timeout "${LAB_SIPP_TIMEOUT:-60}s" -timeout_error \
        -trace_err -error_file "$LAB_WORK/sipp_err.log" "$@" ) \
        >>"$LAB_WORK/sipp.log" 2>&1
}

# capture_start FILE [NS IFACE]: tcpdump in the namespace, UDP only (SIP;
# ARP is left out), packet-buffered (-U) and in immediate mode: without it
# packets wait in a TPACKET_V3 block for up to 1 s and the last ones of a
# run are lost when tcpdump is stopped.
capture_start() {
    _file=$1; _ns=${2:-$LAB_NS_CAR}; _if=${3:-$LAB_IF_CAR}
    _err="$LAB_WORK/tcpdump.$(basename "$_file").err"
    rm -f "$_file" "$_err"
    ip netns exec "$_ns" tcpdump -i "$_if" -n -s 0 -U --immediate-mode -Z root -w "$_file" udp \
        2>"$_err" &
    _pid=$!
    LAB_CAP_PIDS="$LAB_CAP_PIDS $_pid"
    _i=0
    while [ $_i -lt 50 ]; do
        grep -q "listening on" "$_err" 2>/dev/null && return 0
        kill -0 "$_pid" 2>/dev/null || break
        sleep 0.1; _i=$((_i + 1))
    done
    lab_log "tcpdump did not start:"; cat "$_err" >&2
    return 1
}

# capture_stop: stop every capture started since the last stop.
capture_stop() {
    [ -n "$LAB_CAP_PIDS" ] || return 0
    sleep 0.3   # let the last replies cross the veth
    for _pid in $LAB_CAP_PIDS; do kill -INT "$_pid" 2>/dev/null; done
    for _pid in $LAB_CAP_PIDS; do
        _i=0
        while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 30 ]; do sleep 0.1; _i=$((_i + 1)); done
        kill -KILL "$_pid" 2>/dev/null
        wait "$_pid" 2>/dev/null
    done
    LAB_CAP_PIDS=""
}

# carrier_drop: the carrier's firewall silently drops SIP (input hook, so
# tcpdump on the carrier veth still sees what arrives).
carrier_drop() {
    lab_exec "$LAB_NS_CAR" nft -f - <<NFT
table inet labdrop {
    chain in { type filter hook input priority 0; policy accept; udp dport 5060 drop; }
}
NFT
}
carrier_allow() { lab_exec "$LAB_NS_CAR" nft delete table inet labdrop 2>/dev/null; return 0; }

# lab_scenario TEMPLATE RURI: instantiate a sipp scenario template from
# tests/lab/sipp/ into $LAB_WORK and print its path. @RURI@ becomes the
# Request-URI (one literal, so it is written once per scenario). Pass the
# same URI to sipp as -auth_uri: without it sipp puts sip:REMOTE_IP:PORT in
# the digest uri, which is not the Request-URI (RFC 3261 22.4 wants it).
# With ADV, the PBX advertises ADV (its public address) instead of its
# local one in Via, Contact, From and SDP, as a PBX told its external
# address does.
lab_scenario() {
    _out="$LAB_WORK/$(basename "$1" .xml).$$.$(date +%s%N).xml"
    if [ -n "${3:-}" ]; then
        sed "s|@RURI@|$2|g; s|\[local_ip\]|$3|g" "$1" >"$_out" && echo "$_out"
    else
        sed "s|@RURI@|$2|g" "$1" >"$_out" && echo "$_out"
    fi
}

# lab_nat_up: a PBX behind a masquerading NAT, for NAT captures.
#
#   $LAB_NS_LAN 192.168.50.10/24 --veth la|na-- $LAB_NS_NAT 192.168.50.1/24
#   $LAB_NS_NAT 198.51.100.20/24 --veth nb|lr-- $LAB_NS_CAR (203.0.113.5)
#
# The NAT maps the source port to 40000-40099, as many routers and CGNATs
# do, so a reply sent to the Via port (5060) instead of the source port
# (rport, RFC 3581) finds no mapping. Private addresses exist only inside
# these namespaces. Capture points: LAN side "$LAB_NS_LAN la$LAB_ID",
# carrier side "$LAB_NS_CAR lr$LAB_ID".
lab_nat_up() {
    lab_ns_add l || return 1; LAB_NS_LAN=$LAB_NS_NEW
    lab_ns_add n || return 1; LAB_NS_NAT=$LAB_NS_NEW
    ip link add "la$LAB_ID" type veth peer name "na$LAB_ID" || return 1
    ip link add "nb$LAB_ID" type veth peer name "lr$LAB_ID" || return 1
    ip link set "la$LAB_ID" netns "$LAB_NS_LAN"
    ip link set "na$LAB_ID" netns "$LAB_NS_NAT"
    ip link set "nb$LAB_ID" netns "$LAB_NS_NAT"
    ip link set "lr$LAB_ID" netns "$LAB_NS_CAR"
    lab_exec "$LAB_NS_LAN" ip link set "la$LAB_ID" address 02:00:5e:00:50:10
    lab_exec "$LAB_NS_NAT" ip link set "na$LAB_ID" address 02:00:5e:00:50:01
    lab_exec "$LAB_NS_NAT" ip link set "nb$LAB_ID" address 02:00:5e:00:00:20
    lab_exec "$LAB_NS_CAR" ip link set "lr$LAB_ID" address 02:00:5e:00:00:06
    lab_exec "$LAB_NS_LAN" ip addr add 192.168.50.10/24 dev "la$LAB_ID"
    lab_exec "$LAB_NS_NAT" ip addr add 192.168.50.1/24 dev "na$LAB_ID"
    lab_exec "$LAB_NS_NAT" ip addr add 198.51.100.20/24 dev "nb$LAB_ID"
    for _x in "$LAB_NS_LAN la" "$LAB_NS_NAT na" "$LAB_NS_NAT nb" "$LAB_NS_CAR lr"; do
        set -- $_x; lab_exec "$1" ip link set "$2$LAB_ID" up
    done
    lab_exec "$LAB_NS_LAN" ip route add 203.0.113.0/24 via 192.168.50.1
    lab_exec "$LAB_NS_NAT" ip route add 203.0.113.0/24 dev "nb$LAB_ID"
    lab_exec "$LAB_NS_CAR" ip route add 198.51.100.20/32 dev "lr$LAB_ID"
    lab_exec "$LAB_NS_NAT" sysctl -qw net.ipv4.ip_forward=1
    lab_exec "$LAB_NS_NAT" nft -f - <<NFT
table ip labnat {
    chain post { type nat hook postrouting priority 100; oifname "nb$LAB_ID" meta l4proto udp masquerade to :40000-40099; }
}
NFT
}

# lab_site_up SUFFIX ADDR: another PBX site in its own namespace
# (lab$LAB_ID$SUFFIX, veth p$SUFFIX$LAB_ID <-> c$SUFFIX$LAB_ID to the carrier),
# address ADDR/24. Its namespace is left in LAB_NS_NEW and the carrier-side
# interface in LAB_SITE_IF.
lab_site_up() {
    lab_ns_add "$1" || return 1
    _pi=p$1$LAB_ID; LAB_SITE_IF=c$1$LAB_ID
    ip link add "$_pi" type veth peer name "$LAB_SITE_IF" || return 1
    ip link set "$_pi" netns "$LAB_NS_NEW"
    ip link set "$LAB_SITE_IF" netns "$LAB_NS_CAR"
    lab_exec "$LAB_NS_NEW" ip addr add "$2/24" dev "$_pi"
    lab_exec "$LAB_NS_NEW" ip link set "$_pi" up
    lab_exec "$LAB_NS_CAR" ip link set "$LAB_SITE_IF" up
    lab_exec "$LAB_NS_NEW" ip route add 203.0.113.0/24 dev "$_pi"
    lab_exec "$LAB_NS_CAR" ip route add "$2/32" dev "$LAB_SITE_IF"
}
