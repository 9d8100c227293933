#!/bin/bash
# bench.sh — sipscope's throughput, memory and instruction counts, as ratios
# against the two floors of /work/shared/bench (BASELINE.md): floor_pcap
# (pcap_loop with an empty callback) and floor_osip (pcap + libosip2's
# osip_message_parse per UDP payload). Called by `make bench`.
#
# What it does, in order:
#   1. builds floor_pcap / floor_osip from the read-only shared/bench into
#      build/bench/ (shared/ is read-only), and ./sipscope if it is missing;
#   2. generates the workloads with shared/bench/gen_sip_pcap.py (seed 1) into
#      build/bench/sip_SIZE.pcap (+ .json stats), cached across runs;
#   3. checks once per file that sipscope saw every message (JSON report
#      stats against the generator's count): a fast wrong tool is no result;
#   4. runs the tools ALTERNATELY (round r: every tool once, then round r+1),
#      RUNS rounds, each run under /usr/bin/time (wall, user, sys, peak RSS),
#      and prints medians and the median of the per-round ratios (pairing keeps
#      a ratio valid when the shared machine's speed drifts, see BASELINE.md);
#   5. callgrind on a 20k-message prefix: instructions per message for sipscope
#      and floor_osip and sipscope's top functions (callgrind_annotate).
#
# Timings never decide pass/fail: this script fails only when a tool cannot be
# built or run. Results: build/bench/results/ (summary.md is the table).
#
# Environment:
#   SIPSCOPE=path      binary under test (default ./sipscope, built if missing)
#   SHARED=dir         shared material (default ../shared)
#   BENCH_SIZES="100k 1m"   workloads (any of 20k 100k 1m, or NNNk / NNNm)
#   RUNS=3             alternating rounds (>= 3 for a median)
#   BENCH_TOOLS="floor_pcap floor_osip analyse sipscope tshark_stat sngrep"
#              (analyse = tests/bench/analyse.c: the analysis stages on one
#               thread, no capture thread or ring)
#   BENCH_RTP_SIZES="100k"  media workloads (step 6: sip_SIZE with RTP added); "" skips
#   CALLGRIND=1        0 skips step 5
#   CG_MSGS=20000      messages in the callgrind prefix
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
BENCH=$SHARED/bench
OUT=$ROOT/build/bench
RES=$OUT/results
SIZES=${BENCH_SIZES:-100k 1m}
RUNS=${RUNS:-3}
TOOLS=${BENCH_TOOLS:-floor_pcap floor_osip analyse sipscope tshark_stat sngrep}
CALLGRIND=${CALLGRIND:-1}
CG_MSGS=${CG_MSGS:-20000}
SIPSCOPE=${SIPSCOPE:-$ROOT/sipscope}
mkdir -p "$OUT" "$RES"

die() { echo "bench: $*" >&2; exit 2; }
[ -d "$BENCH" ] || die "no $BENCH (set SHARED=)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
[ "$RUNS" -ge 1 ] 2>/dev/null || die "RUNS must be a number"

# --- 1. binaries -----------------------------------------------------------
if [ ! -x "$SIPSCOPE" ]; then
    make --no-print-directory -j2 sipscope >/dev/null || die "cannot build sipscope"
fi
# the analysis stages alone (tests/bench/analyse.c) against the release library
# (removed first, so a tree that does not build is never measured stale)
rm -f "$OUT/analyse"
if make --no-print-directory -j2 BUILD=build/rel build/rel/libsipscope.a >/dev/null; then
    # shellcheck disable=SC2046
    gcc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Iinclude -Isrc -o "$OUT/analyse" tests/bench/analyse.c \
        build/rel/libsipscope.a $(pkg-config --libs libpcap libmaxminddb json-c inih nettle gnutls ncursesw) \
        -losipparser2 -lpthread -lm || echo "bench: analyse does not build; skipped" >&2
fi
PLACEHOLDER=0
"$SIPSCOPE" -V 2>&1 | grep -q 'not built yet' && PLACEHOLDER=1
for f in floor_pcap floor_osip; do
    if [ ! -x "$OUT/$f" ] || [ "$BENCH/$f.c" -nt "$OUT/$f" ]; then
        gcc -O2 -g -Wall -o "$OUT/$f" "$BENCH/$f.c" -losipparser2 -lpcap || die "cannot build $f"
    fi
done

# --- 2. workloads ------------------------------------------------------------
msgs_of() {  # 20k -> 20000, 1m -> 1000000
    case "$1" in
        *k) echo $(( ${1%k} * 1000 )) ;;
        *m) echo $(( ${1%m} * 1000000 )) ;;
        *) echo "$1" ;;
    esac
}
workload() {  # SIZE: make sure build/bench/sip_SIZE.pcap exists (cached)
    local s=$1 n f
    n=$(msgs_of "$s"); f=$OUT/sip_$s.pcap
    if [ ! -s "$f" ] || [ ! -s "$OUT/sip_$s.json" ]; then
        echo "bench: generating $f ($n messages, seed 1; ~11 s per 100k)" >&2
        python3 "$BENCH/gen_sip_pcap.py" -n "$n" --seed 1 -o "$f.tmp" \
            --stats "$OUT/sip_$s.json" 2>/dev/null || die "generator failed for $s"
        mv "$f.tmp" "$f"
    fi
}

cmd_of() {  # tool file -> command line (no redirections)
    case "$1" in
        floor_pcap)  echo "$OUT/floor_pcap $2" ;;
        floor_osip)  echo "$OUT/floor_osip $2" ;;
        analyse)     echo "$OUT/analyse $2" ;;
        sipscope)    echo "$SIPSCOPE -r $2 --report json" ;;
        tshark_stat) echo "tshark -r $2 -q -z sip,stat" ;;
        # sngrep keeps 20000 dialogs and then silently ignores the rest unless
        # -l exceeds the dialogs in the file (power of two, see run_baseline.sh).
        sngrep)      echo "sngrep -N -q -l 1048576 -I $2" ;;
    esac
}
have_tool() {
    case "$1" in
        analyse) [ -x "$OUT/analyse" ] ;;
        sipscope) [ "$PLACEHOLDER" = 0 ] ;;
        tshark_stat) command -v tshark >/dev/null ;;
        sngrep) command -v sngrep >/dev/null ;;
        *) return 0 ;;
    esac
}

# --- 3. + 4. one size ---------------------------------------------------------
bench_size() {
    local s=$1 n f j tools="" t r cmd rc
    workload "$s"
    n=$(msgs_of "$s"); f=$OUT/sip_$s.pcap; j=$RES/runs.$s.tsv
    for t in $TOOLS; do have_tool "$t" && tools="$tools $t"; done

    # Does sipscope see every message? (its JSON report's stats)
    "$SIPSCOPE" -r "$f" --report json >"$RES/sipscope.$s.json" 2>"$RES/sipscope.$s.stderr"
    rc=$?
    SEEN=$(python3 - "$RES/sipscope.$s.json" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    st = d.get("stats", {})
    print(st.get("sip_messages", st.get("messages", "?")))
except Exception:
    print("no-json")
EOF
)
    echo "bench: $s: sipscope exit $rc, SIP messages in its report: $SEEN of $n" >&2
    echo "$SEEN" >"$RES/sipscope.$s.seen"
    # what the run lost (a fast-because-lossy figure must not pass unseen)
    # and how long the default text report is (issue 14: <= 200 lines)
    python3 - "$RES/sipscope.$s.json" >"$RES/sipscope.$s.evictions" <<'EOF2'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    st = d.get("stats", {})
    c = st.get("counters", {})
    lost = {k: v for k, v in c.items() if v and (k.endswith(".evicted") or k.endswith(".dropped"))}
    print(st.get("evictions", "?"), " ".join("%s=%d" % kv for kv in sorted(lost.items())) or "-")
except Exception:
    print("? no-json")
EOF2
    "$SIPSCOPE" -r "$f" >"$RES/sipscope.$s.txt" 2>/dev/null
    wc -l <"$RES/sipscope.$s.txt" | tr -d ' ' >"$RES/sipscope.$s.lines"
    if [ -x "$OUT/analyse" ]; then
        "$OUT/analyse" "$f" 2>&1 >/dev/null | sed -n 's/.*sip=\([0-9]*\).*/\1/p' >"$RES/analyse.$s.seen"
        echo "bench: $s: analyse counted $(cat "$RES/analyse.$s.seen") SIP messages of $n" >&2
    fi

    printf 'round\ttool\twall\tuser\tsys\tmaxrss_kib\texit\n' >"$j"
    for r in $(seq 1 "$RUNS"); do
        for t in $tools; do
            cmd=$(cmd_of "$t" "$f")
            # wall from bash's microsecond clock (time's %e has 10 ms steps);
            # user, sys and peak RSS from /usr/bin/time.
            t0=$EPOCHREALTIME
            # shellcheck disable=SC2086
            /usr/bin/time -f '%e %U %S %M %x' -o "$RES/time.tmp" $cmd >/dev/null 2>&1
            t1=$EPOCHREALTIME
            # "Command exited with non-zero status N" comes first on failure
            read -r _ u sy m x < <(tail -1 "$RES/time.tmp") || continue
            w=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b - a}')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$w" "$u" "$sy" "$m" "$x" >>"$j"
        done
    done
    rm -f "$RES/time.tmp"
    summarize "$s" "$n" "$j" "$(cat "$RES/sipscope.$s.evictions")" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("dialogs_total", 0))' \
            "$OUT/sip_$s.json" 2>/dev/null || echo 0)" "$(cat "$RES/sipscope.$s.lines")"
}

summarize() {  # size messages runs.tsv evictions dialogs lines -> markdown table on stdout
    python3 - "$1" "$2" "$3" "$4" "$5" "$6" <<'EOF'
import csv, statistics, sys
size, msgs, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
evictions = sys.argv[4].split(" ", 1) if len(sys.argv) > 4 else ["?", ""]
dialogs = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5].isdigit() else 0
text_lines = sys.argv[6] if len(sys.argv) > 6 else "?"
rows = list(csv.DictReader(open(path), delimiter="\t"))
tools = []
for r in rows:
    if r["tool"] not in tools:
        tools.append(r["tool"])
by = {t: [r for r in rows if r["tool"] == t] for t in tools}
def med(t, k):
    v = [float(r[k]) for r in by[t]]
    return statistics.median(v) if v else float("nan")
def paired(t, floor):
    # median over rounds of (tool wall / floor wall) in the same round
    if floor not in by:
        return None
    fl = {r["round"]: float(r["wall"]) for r in by[floor]}
    v = [float(r["wall"]) / fl[r["round"]] for r in by[t] if fl.get(r["round"], 0) > 0]
    return statistics.median(v) if v else None
def f(x, d=3):
    return "-" if x is None else ("%.*f" % (d, x))
print("### %s messages (%s), %d alternating rounds\n" % ("{:,}".format(msgs), size,
      max(int(r["round"]) for r in rows)))
print("| tool | median wall s (min-max) | msgs/s | cpu s | x floor_pcap | x floor_osip | msgs/s vs floor_osip | peak RSS MiB | evictions | exit |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for t in tools:
    w = med(t, "wall")
    ws = [float(r["wall"]) for r in by[t]]
    cpu = statistics.median([float(r["user"]) + float(r["sys"]) for r in by[t]])
    rss = max(int(r["maxrss_kib"]) for r in by[t]) / 1024.0
    ex = ",".join(sorted(set(r["exit"] for r in by[t])))
    rate = msgs / w if w > 0 else float("inf")
    po = paired(t, "floor_osip")
    ev = evictions[0] if t in ("sipscope", "analyse") else "-"
    print("| %s | %.4f (%.4f-%.4f) | %s | %.3f | %s | %s | %s | %.1f | %s | %s |" % (
        t, w, min(ws), max(ws), "{:,.0f}".format(rate), cpu,
        f(paired(t, "floor_pcap"), 2), f(po, 3),
        "-" if not po else "%.2fx" % (1.0 / po), rss, ev, ex))
print()
print("Evictions of this run (sipscope's JSON report, the same build): %s %s"
      % (evictions[0], ("(" + evictions[1].strip() + ")") if len(evictions) > 1 else ""))
if dialogs and "analyse" in by:
    cpu = statistics.median([float(r["user"]) + float(r["sys"]) for r in by["analyse"]])
    print("Sustained dialogs/s on one core: %s dialogs (generator) / %.3f s analyse cpu = %s/s"
          % ("{:,}".format(dialogs), cpu, "{:,.0f}".format(dialogs / cpu if cpu > 0 else 0)))
print("Default text report: %s lines" % text_lines)
print()
print("x floor_* = median over rounds of (tool wall / floor wall in the same round); >1 is slower.")
print("sipscope exits 1 when it reports a finding of severity warning or worse (expected here).")
EOF
}

# --- 6. media: an RTP-carrying workload ----------------------------------------
# tests/bench/add_rtp.py adds to sip_SIZE.pcap the RTP of every call answered in
# it (PCMU 20 ms: 50 packets/s each way, ACK to BYE). sipscope must count every
# RTP packet and stream (its JSON counters against the generator's), then runs
# alternately on the SIP-only and the RTP-carrying file: the per-RTP-packet cost
# is the median over rounds of (wall with RTP - wall without) / RTP packets, and
# the media tables' evictions are printed next to it.
bench_rtp() {
    local s=$1 f=$OUT/sip_$1.pcap g=$OUT/rtp_$1.pcap j=$RES/runs.rtp_$1.tsv r t w p t0 t1
    workload "$s"
    if [ ! -s "$g" ] || [ "$f" -nt "$g" ] || [ tests/bench/add_rtp.py -nt "$g" ]; then
        python3 tests/bench/add_rtp.py "$f" "$g.tmp" --stats "$OUT/rtp_$s.json" 2>/dev/null &&
            mv "$g.tmp" "$g" || { echo "bench: add_rtp failed for $s" >&2; return; }
    fi
    [ "$PLACEHOLDER" = 0 ] || return
    "$SIPSCOPE" -r "$g" --report json >"$RES/sipscope.rtp_$s.json" 2>/dev/null
    printf 'round\tfile\twall\tuser\tsys\tmaxrss_kib\n' >"$j"
    for r in $(seq 1 "$RUNS"); do
        for t in sip rtp; do
            p=$f; [ $t = rtp ] && p=$g
            t0=$EPOCHREALTIME
            /usr/bin/time -f '%U %S %M' -o "$RES/time.tmp" "$SIPSCOPE" -r "$p" --report json \
                >/dev/null 2>&1
            t1=$EPOCHREALTIME
            read -r u sy m < <(tail -1 "$RES/time.tmp") || continue
            w=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b - a}')
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$w" "$u" "$sy" "$m" >>"$j"
        done
    done
    rm -f "$RES/time.tmp"
    # instructions are what a loaded machine cannot blur: Ir(with RTP) - Ir(SIP only)
    local ir_sip="" ir_rtp=""
    if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
        for t in sip rtp; do
            p=$f; [ $t = rtp ] && p=$g
            valgrind --tool=callgrind --callgrind-out-file="$RES/rtp_$s.$t.cg" "$SIPSCOPE" -r "$p" \
                --report json >/dev/null 2>"$RES/rtp_$s.$t.cg.log"
            callgrind_annotate "$RES/rtp_$s.$t.cg" 2>/dev/null |
                awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1; exit}' >"$RES/rtp_$s.$t.ir"
        done
        ir_sip=$(cat "$RES/rtp_$s.sip.ir") ir_rtp=$(cat "$RES/rtp_$s.rtp.ir")
    fi
    IR_SIP=$ir_sip IR_RTP=$ir_rtp python3 - "$s" "$OUT/rtp_$s.json" "$RES/sipscope.rtp_$s.json" "$j" <<'EOF'
import csv, json, statistics, sys
size, gen, rep, runs = sys.argv[1:5]
g = json.load(open(gen))
c = json.load(open(rep))["stats"]["counters"]
by = {}
for r in csv.DictReader(open(runs), delimiter="\t"):
    by.setdefault(r["round"], {})[r["file"]] = r
pairs = [x for x in by.values() if "rtp" in x and "sip" in x]
n = g["rtp_packets"]
def med(v):
    return statistics.median(v) if v else float("nan")
wall = med([(float(x["rtp"]["wall"]) - float(x["sip"]["wall"])) / n * 1e9 for x in pairs]) if n else 0
cpu = med([((float(x["rtp"]["user"]) + float(x["rtp"]["sys"])) -
            (float(x["sip"]["user"]) + float(x["sip"]["sys"]))) / n * 1e9 for x in pairs]) if n else 0
ws = med([float(x["sip"]["wall"]) for x in pairs])
wr = med([float(x["rtp"]["wall"]) for x in pairs])
rss = max([int(x["rtp"]["maxrss_kib"]) for x in pairs] or [0]) / 1024.0
ev = ", ".join("%s %s" % (k.split(".")[1], c.get(k, "?")) for k in
               ("media.calls.evicted", "media.ports.evicted", "media.streams.evicted",
                "media.heuristic.evicted"))
print("### Media: sip_%s with RTP (tests/bench/add_rtp.py: 50 packets/s each way per answered "
      "call), %d rounds\n" % (size, len(pairs)))
print("| RTP packets | streams | calls with media | counted by sipscope (RTP, streams) | "
      "wall SIP only s | wall with RTP s | ns per RTP packet (wall) | ns per RTP packet (cpu) | "
      "peak RSS MiB | media evictions |")
print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
print("| {:,} | {:,} | {:,} | {}, {} | {:.4f} | {:.4f} | {:.0f} | {:.0f} | {:.1f} | {} |".format(
    n, g["streams"], g["calls_with_media"], c.get("media.rtp.packets", "?"),
    c.get("media.streams", "?"), ws, wr, wall, cpu, rss, ev))
import os
if os.environ.get("IR_SIP") and os.environ.get("IR_RTP") and n:
    print("\nInstructions (callgrind): %s without RTP, %s with; %.0f instructions per RTP packet "
          "(the whole path: capture, decode, the media stage, streams and verdicts)." % (
              "{:,}".format(int(os.environ["IR_SIP"])), "{:,}".format(int(os.environ["IR_RTP"])),
              (int(os.environ["IR_RTP"]) - int(os.environ["IR_SIP"])) / n))
ok = c.get("media.rtp.packets") == n and c.get("media.streams") == g["streams"]
print("\nsipscope %s every RTP packet and stream of the workload%s.\n" % (
    "counted" if ok else "did NOT count", "" if ok else " (a fast wrong tool is no result)"))
EOF
}

# --- 5. callgrind --------------------------------------------------------------
callgrind() {
    command -v valgrind >/dev/null || { echo "bench: no valgrind, skipping callgrind" >&2; return; }
    local s=cg f=$OUT/sip_cg.pcap C=$RES/cg
    mkdir -p "$C"
    workload 100k
    if [ ! -s "$f" ] || [ "$OUT/sip_100k.pcap" -nt "$f" ]; then
        # a prefix of the 100k file (the generator's files are prefixes of each other)
        editcap -r "$OUT/sip_100k.pcap" "$f.tmp" "1-$CG_MSGS" >/dev/null 2>&1 &&
            mv "$f.tmp" "$f" || { echo "bench: editcap failed, no callgrind" >&2; return; }
    fi
    cg_one() {  # name args...
        local name=$1; shift
        valgrind --tool=callgrind --callgrind-out-file="$C/$name.cg" "$@" >/dev/null 2>"$C/$name.log"
        callgrind_annotate "$C/$name.cg" >"$C/$name.self.txt" 2>/dev/null
        callgrind_annotate --inclusive=yes "$C/$name.cg" >"$C/$name.incl.txt" 2>/dev/null
        awk -v n="$name" -v m="$CG_MSGS" '/PROGRAM TOTALS/{gsub(",","",$1);
            printf "| %s | %s | %.0f |\n", n, $1, $1/m; exit}' "$C/$name.self.txt"
    }
    local f2=$OUT/sip_cg2.pcap
    if [ ! -s "$f2" ] || [ "$OUT/sip_100k.pcap" -nt "$f2" ]; then
        editcap -r "$OUT/sip_100k.pcap" "$f2.tmp" "1-$((2 * CG_MSGS))" >/dev/null 2>&1 &&
            mv "$f2.tmp" "$f2" || f2=""
    fi
    echo "### Instructions (callgrind, first $CG_MSGS messages of sip_100k)"
    echo
    echo "| program | total Ir | Ir / message |"
    echo "|---|---:|---:|"
    cg_one floor_osip "$OUT/floor_osip" "$f"
    [ -x "$OUT/analyse" ] && cg_one analyse "$OUT/analyse" "$f"
    [ "$PLACEHOLDER" = 0 ] && cg_one sipscope "$SIPSCOPE" -r "$f" --report json
    # per message without start-up and report: the difference between the
    # first 2N and the first N messages, divided by N (issue 14: < 25k)
    if [ -n "$f2" ] && [ "$PLACEHOLDER" = 0 ]; then
        cg_one sipscope2 "$SIPSCOPE" -r "$f2" --report json >/dev/null
        [ -x "$OUT/analyse" ] && cg_one analyse2 "$OUT/analyse" "$f2" >/dev/null
        echo
        for p in sipscope analyse; do
            [ -s "$C/${p}2.self.txt" ] || continue
            awk -v p="$p" -v m="$CG_MSGS" 'FNR==1{fi++} /PROGRAM TOTALS/{gsub(",","",$1); t[fi]=$1}
                END{printf "%s: %.0f instructions per message past the first %d (messages %d-%d; start-up and report excluded; target < 25,000)\n",
                    p, (t[2]-t[1])/m, m, m+1, 2*m}' "$C/$p.self.txt" "$C/${p}2.self.txt"
        done
    fi
    top=sipscope; [ "$PLACEHOLDER" = 0 ] || top=analyse
    echo
    echo "Top 15 functions of $top by self cost (Ir, % of total, Ir/msg):"
    echo
    echo '```'
    sed -n '/file:function/,$p' "$C/$top.self.txt" | grep -E '^ *[0-9,]+ ' | head -15 |
        awk -v m="$CG_MSGS" '{ir=$1; x=ir; gsub(",","",x); pct=$0; sub(/^[^(]*\( */,"",pct); sub(/%\).*/,"%",pct);
            fn=$0; sub(/ \[[^]]*\] *$/,"",fn); sub(/^.*\) +/,"",fn); n=split(fn,a,"/"); fn=a[n];
            printf "%14s %7s %7.0f  %s\n", ir, pct, x/m, fn}'
    echo '```'
}

{
    echo "## sipscope bench, $(date -u +%Y-%m-%dT%H:%MZ), commit ${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo "?")}"
    echo
    echo "Machine: $(nproc) cpu, $(awk -F: '/model name/{print $2; exit}' /proc/cpuinfo | sed 's/^ *//')."
    echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the floors run in the same"
    echo "rounds as sipscope, so the ratios compare like with like)."
    echo
    for s in $SIZES; do
        bench_size "$s"
        echo "SIP messages counted of $(msgs_of "$s"): sipscope's JSON report $(cat "$RES/sipscope.$s.seen")," \
             "analyse $(cat "$RES/analyse.$s.seen" 2>/dev/null || echo -)."
        echo
    done
    for s in ${BENCH_RTP_SIZES-100k}; do bench_rtp "$s"; done
    [ "$CALLGRIND" = 1 ] && callgrind
    echo
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$RES/summary.md"
echo "bench: table in $RES/summary.md" >&2
exit 0
