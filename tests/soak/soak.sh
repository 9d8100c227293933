#!/bin/bash
# soak.sh — bounded memory over a long stream (NOT part of `make check`: it
# takes minutes). Run by hand or with `make soak`.
#
#   tests/soak/soak.sh [MESSAGES...]        default: 1000000 10000000
#
# For each size, tests/soak/soakgen.c streams a synthetic capture (unique
# Call-IDs, nonces, usernames and client addresses; early problem dialogs
# first, then only healthy traffic) into `sipscope -r - --report json` over a
# pipe, under /usr/bin/time. It checks:
#   - peak RSS < SOAK_RSS_MIB (default 320, the default --mem budget) and
#     flat: the largest size's peak within 10% of the smallest's (the memory
#     budget bounds it, whatever the stream's length);
#   - sipscope counted every message (stats in the JSON report);
#   - the findings made by the early dialogs (trunks 203.0.113.99 ip_rejected
#     and 203.0.113.98 auth_rejected, frames 1..early_frames) are still
#     reported at the end: healthy traffic must not push them out;
#   - sipscope exited 0 or 1 (not 2, not a signal).
# Then the shared busy-PBX workload streamed the same way (part 2 below): no
# eviction, peak RSS <= SOAK_BUSY_RSS_MIB (128) and flat (SOAK_BUSY_SIZES="" skips).
# Prints one line per size and exits 0 only if every check passed.
# Environment: SIPSCOPE (default build/rel/sipscope), SOAK_RSS_MIB.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SIPSCOPE=${SIPSCOPE:-$ROOT/build/rel/sipscope}
[ -x "$SIPSCOPE" ] || SIPSCOPE=$ROOT/sipscope
[ -x "$SIPSCOPE" ] || { echo "soak: no sipscope binary (make first)"; exit 2; }
RSS_MIB=${SOAK_RSS_MIB:-320}
W=$ROOT/build/soak
mkdir -p "$W"
gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$W/soakgen" tests/soak/soakgen.c ||
    { echo "soak: cannot build soakgen"; exit 2; }
sizes=${*:-1000000 10000000}
fail=0
printf '%-10s %8s %9s %10s %8s %10s %s\n' messages wall_s peak_MiB msgs/s exit evictions checks
first_kib="" last_kib=""
for n in $sizes; do
    set -o pipefail
    "$W/soakgen" -n "$n" 2>"$W/gen.$n.err" |
        /usr/bin/time -f '%e %M' -o "$W/time.$n" "$SIPSCOPE" -r - --report json \
            >"$W/report.$n.json" 2>"$W/stderr.$n"
    rc=$?
    set +o pipefail
    rc=$(awk '/exited with non-zero status/{print $NF}' "$W/time.$n" | tail -1)
    rc=${rc:-0}
    grep -q 'terminated by signal' "$W/time.$n" && rc=signal
    read -r wall kib < <(tail -1 "$W/time.$n")
    early=$(sed -n 's/^early_frames=//p' "$W/gen.$n.err")
    checks=$(python3 - "$W/report.$n.json" "$n" "$early" "$kib" "$RSS_MIB" "$rc" <<'PY'
import json, sys
path, n, early, kib, lim, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3] or 0), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
bad = []
if rc not in ("0", "1"):
    bad.append("exit=%s" % rc)
if kib / 1024.0 >= lim:
    bad.append("rss %.1f MiB >= %d" % (kib / 1024.0, lim))
try:
    d = json.load(open(path))
except Exception as e:
    print("FAIL no JSON report (%s)" % e.__class__.__name__)
    sys.exit(0)
st = d.get("stats", {})
seen = st.get("sip_messages", st.get("messages"))
if seen != n:
    bad.append("sip_messages=%s" % seen)
found = []
for f in d.get("findings", []):
    frames = [e.get("frame", 0) for e in f.get("evidence", [])]
    ent = json.dumps(f)
    if (frames and min(frames) <= early) or "203.0.113.99" in ent or "203.0.113.98" in ent:
        found.append(f.get("kind", "?"))
if not found:
    bad.append("early findings lost (%d findings in report)" % len(d.get("findings", [])))
print(("FAIL " + "; ".join(bad)) if bad else "ok (early: %s)" % ",".join(sorted(set(found))))
PY
)
    rate=$(awk -v n="$n" -v w="$wall" 'BEGIN{ if (w > 0) printf "%.0f", n / w; else print "-" }')
    ev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["evictions"])' \
        "$W/report.$n.json" 2>/dev/null || echo "?")
    printf '%-10s %8s %9.1f %10s %8s %10s %s\n' "$n" "$wall" "$(awk -v k="$kib" 'BEGIN{print k/1024}')" \
        "$rate" "$rc" "$ev" "$checks"
    [ -n "$first_kib" ] || first_kib=$kib
    last_kib=$kib
    case "$checks" in ok*) ;; *) fail=1; tail -3 "$W/stderr.$n" | sed 's/^/    stderr: /' ;; esac
done
if [ -n "$first_kib" ] && [ "$last_kib" -gt $((first_kib + first_kib / 10)) ]; then
    echo "FAIL peak RSS not flat: $((first_kib / 1024)) MiB at the first size, $((last_kib / 1024)) MiB at the last"
    fail=1
fi

# Part 2: the shared busy-PBX workload (issue 14), streamed from
# shared/bench/gen_sip_pcap.py (seed 1) into `sipscope -r -`: a PBX's live state
# must fit the default budget with nothing evicted, and peak RSS stays under
# SOAK_BUSY_RSS_MIB (default 128, issue 14's floor) and flat from the first
# size to the last. The generator (~45k messages/s) paces the run.
BUSY_SIZES=${SOAK_BUSY_SIZES-1000000 10000000}
BUSY_RSS_MIB=${SOAK_BUSY_RSS_MIB:-128}
GEN=${SHARED:-$ROOT/../shared}/bench/gen_sip_pcap.py
if [ -n "$BUSY_SIZES" ]; then
    [ -f "$GEN" ] || { echo "soak: no $GEN (set SHARED=)"; exit 2; }
    echo
    echo "busy-PBX workload (gen_sip_pcap.py --seed 1):"
    printf '%-10s %8s %9s %8s %10s %s\n' messages wall_s peak_MiB exit evictions checks
    first_kib="" last_kib=""
    for n in $BUSY_SIZES; do
        python3 "$GEN" -n "$n" --seed 1 -o /dev/stdout 2>"$W/busy.$n.gen.err" |
            /usr/bin/time -f '%e %M' -o "$W/busy.time.$n" "$SIPSCOPE" -r - --report json \
                >"$W/busy.$n.json" 2>"$W/busy.stderr.$n"
        rc=$(awk '/exited with non-zero status/{print $NF}' "$W/busy.time.$n" | tail -1)
        rc=${rc:-0}
        grep -q 'terminated by signal' "$W/busy.time.$n" && rc=signal
        read -r wall kib < <(tail -1 "$W/busy.time.$n")
        read -r ev checks < <(python3 - "$W/busy.$n.json" "$n" "$kib" "$BUSY_RSS_MIB" "$rc" <<'PY'
import json, sys
path, n, kib, lim, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
bad = []
if rc not in ("0", "1"):
    bad.append("exit=%s" % rc)
if kib / 1024.0 > lim:
    bad.append("rss %.1f MiB > %d" % (kib / 1024.0, lim))
try:
    st = json.load(open(path)).get("stats", {})
except Exception as e:
    print("? FAIL no JSON report (%s)" % e.__class__.__name__)
    sys.exit(0)
if st.get("sip_messages") != n:
    bad.append("sip_messages=%s" % st.get("sip_messages"))
ev = st.get("evictions", "?")
if ev != 0:
    lost = {k: v for k, v in st.get("counters", {}).items() if v and k.endswith(".evicted")}
    bad.append("evicted %s (%s)" % (ev, " ".join("%s=%d" % kv for kv in sorted(lost.items()))))
print(ev, ("FAIL " + "; ".join(bad)) if bad else "ok")
PY
)
        printf '%-10s %8s %9.1f %8s %10s %s\n' "$n" "$wall" "$(awk -v k="$kib" 'BEGIN{print k/1024}')" \
            "$rc" "$ev" "$checks"
        case "$checks" in ok*) ;; *) fail=1 ;; esac
        [ -n "$first_kib" ] || first_kib=$kib
        last_kib=$kib
    done
    if [ -n "$first_kib" ] && [ "$last_kib" -gt $((first_kib + first_kib / 10)) ]; then
        echo "FAIL busy workload: peak RSS not flat: $((first_kib / 1024)) MiB at the first size, $((last_kib / 1024)) MiB at the last"
        fail=1
    fi
fi
exit $fail
