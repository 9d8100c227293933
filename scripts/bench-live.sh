#!/bin/bash
# bench-live.sh — live capture throughput: the bench workload replayed with
# tcpreplay onto one end of a veth pair between two network namespaces
# (h11a -> h11b) while `sipscope -i` captures the other end; reports, for
# each packet rate tried, what sipscope received and its ring and kernel
# drops, and the highest rate with zero drops of both. Called by `make bench`
# when root (it needs namespaces); skipped otherwise.
#
# The packets never leave the veth pair inside the namespaces created here:
# nothing is routed, and the workload's addresses are documentation and
# benchmarking ones (192.0.2.0/24, 198.18.0.0/15) anyway.
#
# Environment: SIPSCOPE (binary, default ./sipscope), PCAP (default
# build/bench/sip_100k.pcap), RATES ("50000 100000 200000 300000 topspeed"),
# LIMIT (packets per step, default 100000), RING (--cap ring_bytes, default
# 64 MiB: the 4 MiB default holds ~130 ms of a 50k pps stream, and on this
# shared 2-core machine the analysis thread is sometimes descheduled for
# longer; RING=4194304 measures the default).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SIPSCOPE=${SIPSCOPE:-$ROOT/sipscope}
PCAP=${PCAP:-$ROOT/build/bench/sip_100k.pcap}
RATES=${RATES:-50000 100000 200000 300000 topspeed}
LIMIT=${LIMIT:-100000}
RING=${RING:-67108864}
OUT=$ROOT/build/bench/results
mkdir -p "$OUT"
A=h11a$$ B=h11b$$

[ "$(id -u)" = 0 ] || { echo "bench-live: not root, skipped" >&2; exit 0; }
command -v tcpreplay >/dev/null || { echo "bench-live: no tcpreplay, skipped" >&2; exit 0; }
[ -s "$PCAP" ] || { echo "bench-live: no $PCAP (run scripts/bench.sh first)" >&2; exit 0; }
[ -x "$SIPSCOPE" ] || { echo "bench-live: no $SIPSCOPE" >&2; exit 2; }

SPID=
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$A" && ip netns add "$B" || { echo "bench-live: cannot create namespaces" >&2; exit 0; }
ip -n "$A" link add h11va type veth peer name h11vb netns "$B" || exit 0
ip -n "$A" link set h11va up mtu 9000
ip -n "$B" link set h11vb up mtu 9000
ip -n "$A" link set lo up
ip -n "$B" link set lo up

best=0
echo "Live capture, $LIMIT packets of $(basename "$PCAP") per rate, ring $((RING >> 20)) MiB, -B 64 MiB:"
echo
printf '| asked pps | reached pps | sent | received | SIP messages | ring drops | kernel drops |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for rate in $RATES; do
    log=$OUT/live.$rate.err
    # -c: stop after what is sent; timeout bounds a lost packet or two
    ip netns exec "$B" timeout 60 "$SIPSCOPE" -i h11vb -B 65536 -s 2048 --no-tui \
        --cap ring_bytes="$RING" -c "$LIMIT" --report json >"$OUT/live.$rate.json" 2>"$log" &
    SPID=$!
    sleep 1.5
    if [ "$rate" = topspeed ]; then rf=--topspeed; else rf=--pps=$rate; fi
    # -K: the pcap is loaded first, so the disk does not pace the replay
    ip netns exec "$A" timeout 60 tcpreplay -K -q -i h11va $rf --limit="$LIMIT" "$PCAP" \
        >"$OUT/live.$rate.replay" 2>&1
    # sipscope stops at -c; if packets were lost it waits: give it 3 s
    for _ in $(seq 30); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -INT "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
    SPID=
    sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$OUT/live.$rate.replay" | head -1)
    line=$(grep '^sipscope: [0-9]* packets' "$log" | tail -1)
    got=$(echo "$line" | sed -n 's/^sipscope: \([0-9]*\) packets.*/\1/p')
    sip=$(echo "$line" | sed -n 's/.* \([0-9]*\) SIP messages.*/\1/p')
    rd=$(echo "$line" | sed -n 's/.* \([0-9]*\) ring drops.*/\1/p')
    kd=$(echo "$line" | sed -n 's/.* \([0-9]*\) kernel drops.*/\1/p')
    # the rate tcpreplay reached (on a loaded machine it can fall short)
    pps=$(sed -n 's/.* \([0-9.]*\) pps.*/\1/p' "$OUT/live.$rate.replay" | head -1)
    pps=$(awk -v p="${pps:-0}" 'BEGIN{printf "%d", p}')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$rate" "$pps" "${sent:-?}" "${got:-?}" \
        "${sip:-?}" "${rd:-?}" "${kd:-?}"
    if [ "${rd:-1}" = 0 ] && [ "${kd:-1}" = 0 ] && [ "${got:-0}" = "${sent:-x}" ] &&
        [ "$pps" -gt "$best" ]; then
        best=$pps
    fi
done
echo
echo "Highest reached rate with every packet received and zero ring and kernel drops: $best packets/s"
exit 0
