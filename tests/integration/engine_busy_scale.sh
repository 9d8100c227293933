#!/bin/sh
# engine_busy_scale.sh — a busy PBX at scale (issue 14 item 6): a workload of
# its own (shared/bench/gen_sip_pcap.py, 30k messages, seed 7, 1,000 clients of
# which 10 scanners, 3,000 users) checked against the ground truth read from
# the capture itself (tests/bench/busy_truth.py: scanners by User-Agent, users
# refused with 403 after credentials from a non-scanner, responses whose
# request is not in the capture). What a user checks, no timings:
#   - no engine table evicts and no timeout deadline is dropped;
#   - no response is left unmatched beyond those whose request is not there;
#   - every scanner is named, no finding blames a user's password or the ACL
#     for a scanner's attempt;
#   - one auth_rejected population whose n_members is the number of users the
#     capture shows refused, and whose sample names some of them;
#   - the text report's findings and peers listings stay within their budget
#     and the whole report within 200 lines (counted on the real report);
#   - the JSON lists every refused user (members) and every scanner (one
#     scanner population), and an account a scanner targets that also fails
#     from its own phone is in both (targets and auth_rejected members);
#   - at most 4 findings of any one kind (populations, not one per entity);
#   - nothing evicted: no "analysis incomplete" line; with a budget far too
#     small (--mem 16M: every table at its floor) the report opens with it.
set -u
cd "$(dirname "$0")/../.."
[ -x "${SIPSCOPE:-}" ] || { echo "FAIL: no sipscope binary at ${SIPSCOPE:-} (run.sh builds it)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
GEN=${SIPSCOPE_SHARED_PCAPS:-../shared/pcaps}/../bench/gen_sip_pcap.py
[ -f "$GEN" ] || { echo "no shared bench generator ($GEN)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 "$GEN" -n 30000 --seed 7 --ips 1000 --users 3000 -o "$T/busy.pcap" 2>/dev/null ||
    { echo "FAIL: the generator did not run"; exit 1; }
"$SIPSCOPE" -r "$T/busy.pcap" --report json >"$T/r.json" 2>"$T/err"
rc=$?
[ "$rc" -le 1 ] || { echo "FAIL: sipscope exit $rc"; cat "$T/err"; exit 1; }
"$SIPSCOPE" -r "$T/busy.pcap" >"$T/r.txt" 2>/dev/null
"$SIPSCOPE" -r "$T/busy.pcap" --mem 16M >"$T/small.txt" \
    2>/dev/null
# the same budget from --config's [analysis] section
printf '[analysis]\nmem = 16M\n' >"$T/small.conf"
"$SIPSCOPE" -r "$T/busy.pcap" --config "$T/small.conf" >"$T/small_conf.txt" 2>/dev/null
python3 tests/bench/busy_truth.py compare "$T/busy.pcap" "$T/r.json" "$T/r.txt" >"$T/cmp.json" ||
    { echo "FAIL: busy_truth.py compare"; exit 1; }
python3 - "$T/cmp.json" "$T/r.json" "$T/r.txt" "$T/small.txt" "$T/small_conf.txt" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
text = open(sys.argv[3]).read().split("\n")
small = open(sys.argv[4]).read().split("\n")
small_conf = open(sys.argv[5]).read().split("\n")
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)
check(c["scanners"] >= 5, "the workload has scanners (%d)" % c["scanners"])
check(c["bad_password_users"] >= 50, "the workload has refused users (%d)" % c["bad_password_users"])
ev = {k: v for k, v in c["evictions"].items() if v}
check(not ev, "no engine table evicts: %s" % ev)
check(c["timeout_queue_dropped"] == 0, "no deadline dropped (%s)" % c["timeout_queue_dropped"])
check(c["unmatched_beyond_true"] == 0,
      "responses unmatched beyond the true orphans: %s" % c["unmatched_beyond_true"])
check(c["scanners_named"] == c["scanners"],
      "every scanner named: %d of %d" % (c["scanners_named"], c["scanners"]))
check(c["findings_blaming_scanner_traffic"] == 0,
      "findings blaming users or the ACL for scanner traffic: %d"
      % c["findings_blaming_scanner_traffic"])
ar = [f for f in d["findings"] if f["kind"] == "auth_rejected"]
check(len(ar) == 1, "one auth_rejected population, not %d findings" % len(ar))
if ar:
    f = ar[0]
    check(f.get("population") == "users", "population users: %s" % f.get("population"))
    check(f.get("n_members") == c["bad_password_users"] and f.get("members_dropped") == 0,
          "n_members %s = the %d users the capture shows refused"
          % (f.get("n_members"), c["bad_password_users"]))
    check(len(f.get("sample", [])) == 8 and f["sample"][0]["count"] >= f["sample"][-1]["count"],
          "the 8 worst members, most first: %s" % f.get("sample"))
def section(name):
    start = [i for i, l in enumerate(text) if l.startswith(name)]
    if not start:
        return 0
    end = [i for i, l in enumerate(text) if i > start[0] and l[:1].isalpha()]
    return (end[0] if end else len(text)) - start[0]
own = section("Findings") + section("Peers")
check(own <= 150, "findings + peers listings within 150 lines: %d" % own)
lines = len(text) - (text[-1] == "")
check(lines <= 200, "text report within 200 lines: %d" % lines)
check(c["bad_password_users_members"] >= 0.95 * c["bad_password_users"],
      "the JSON members list %d of the %d refused users" % (c["bad_password_users_members"],
                                                           c["bad_password_users"]))
# many entities of one sort are one population finding, not one finding each
# (before populations: 88 no_media, one per phone pair, at this size)
per_kind = {}
for f in d["findings"]:
    per_kind[f["kind"]] = per_kind.get(f["kind"], 0) + 1
check(max(per_kind.values() or [0]) <= 4, "at most 4 findings of any kind: %s" % per_kind)
sc = [f for f in d["findings"] if f["kind"] == "scanner"]
check(len(sc) == 1 and sc[0].get("n_members") == c["scanners"]
      and c["scanners_members"] == c["scanners"],
      "one scanner population listing all %d scanners: %s" % (
          c["scanners"], [(f.get("n_members"), len(f.get("members", []))) for f in sc]))
check(c["targeted_and_failing_reported_both"] == c["targeted_and_failing"],
      "targeted accounts failing from their own phones in both: missing %s"
      % c["targeted_and_failing_missing"])
check(not any("analysis incomplete" in l for l in text),
      "no 'analysis incomplete' line when nothing was evicted")
check(len(small) > 2 and small[2].startswith("analysis incomplete:") and "dialogs" in small[2],
      "a budget too small: the report opens with 'analysis incomplete: ...': %r"
      % (small[2] if len(small) > 2 else None))
check(len(small_conf) > 2 and small_conf[2].startswith("analysis incomplete:"),
      "[analysis] mem = 16M in --config: the same warning: %r"
      % (small_conf[2] if len(small_conf) > 2 else None))
for b in bad:
    print("FAIL:", b)
print("busy scale: %d messages, %d scanners named, %d refused users counted, %d findings, "
      "%d text lines" % (c["messages"], c["scanners_named"], c["bad_password_users"],
                         c["findings"], lines))
sys.exit(1 if bad else 0)
EOF
