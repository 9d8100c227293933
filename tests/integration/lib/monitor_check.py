"""monitor_check.py — assertions on a sipscope monitor's outputs, for the
live_*.sh tests. Usage:

  monitor_check.py ALERTS.ndjson METRICS.prom CHECK...

CHECK is one of
  seq:KIND:EV1,EV2     the events of KIND appear in this order (EV1 before EV2)
  none:KIND            no event of KIND
  latency:SECONDS      every new/escalated event was emitted within SECONDS of
                       the capture time of its evidence (emitted - evidence_time);
                       not hep_agent_quiet, whose evidence is a silence
  metric:NAME{LABELS}>=N   a sample of the metrics file (label subset match)
  metric:NAME{LABELS}==N
  nodup                no two identical (kind, entity, event, count) lines
  root:KIND:ROOT       the last event of KIND names ROOT as its root cause
                       (root_cause.kind; KIND itself: it is its own root)
Always checked: every event carries root_cause {is_root, finding, kind}, is_root
exactly when the finding is not explained_by another.
Prints one line per failure and exits 1 if any; prints the measured
latencies (max, per kind) on success, for docs/monitoring.md.
"""
import json
import re
import sys


def load_events(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                raise SystemExit("FAIL: alerts line %d is not terminated" % n)
            out.append(json.loads(line))
    return out


def load_metrics(path):
    samples = []
    rx = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    lrx = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = rx.match(line.rstrip("\n"))
            if not m:
                raise SystemExit("FAIL: metrics line not in the exposition format: %r" % line)
            labels = dict(lrx.findall(m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return samples


def main():
    events = load_events(sys.argv[1])
    samples = load_metrics(sys.argv[2])
    bad = []
    lat = {}
    for chk in sys.argv[3:]:
        kind, _, arg = chk.partition(":")
        if kind == "seq":
            k, _, evs = arg.partition(":")
            got = [e["event"] for e in events if e["kind"] == k]
            want = evs.split(",")
            it = iter(got)
            if not all(w in it for w in want):
                bad.append("%s: events %s, want %s in that order" % (k, got, want))
        elif kind == "none":
            got = [e["event"] for e in events if e["kind"] == arg]
            if got:
                bad.append("%s: unexpected events %s" % (arg, got))
        elif kind == "latency":
            for e in events:
                if e["event"] not in ("new", "escalated") or e.get("reason") == "recurred":
                    continue
                # a silence is its evidence: emitted at the agent's last record
                # + --hep-quiet (live_hep_quiet.sh checks that bound)
                if e["kind"] == "hep_agent_quiet":
                    continue
                d = e["emitted"] - e["evidence_time"]
                lat[e["kind"]] = max(lat.get(e["kind"], -1e9), d)
                if not (-0.05 <= d <= float(arg)):
                    bad.append("%s %s: emitted %.3f s after its evidence (limit %s s)"
                               % (e["kind"], e["event"], d, arg))
        elif kind == "metric":
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?(>=|==)(\d+(\.\d+)?)$', arg)
            if not m:
                bad.append("bad check %r" % chk)
                continue
            want = dict(re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(3) or ""))
            vals = [v for n, l, v in samples
                    if n == m.group(1) and all(l.get(k) == x for k, x in want.items())]
            tot = sum(vals)
            ok = vals and (tot >= float(m.group(5)) if m.group(4) == ">=" else
                           tot == float(m.group(5)))
            if not ok:
                bad.append("metric %s: got %s" % (arg, vals))
        elif kind == "nodup":
            seen = set()
            for e in events:
                key = (e["kind"], e["entity"], e["event"], e["count"], e.get("reason"))
                if key in seen:
                    bad.append("duplicate event %s" % (key,))
                seen.add(key)
        elif kind == "root":
            k, _, want = arg.partition(":")
            got = [e for e in events if e["kind"] == k]
            if not got:
                bad.append("root %s: no event of that kind" % k)
            elif (got[-1].get("root_cause") or {}).get("kind") != want:
                bad.append("root %s: last event's root cause is %r, want %s"
                           % (k, got[-1].get("root_cause"), want))
        else:
            bad.append("unknown check %r" % chk)
    for e in events:
        rc = e.get("root_cause")
        if not isinstance(rc, dict) or not rc.get("finding") or not rc.get("kind"):
            bad.append("%s %s: no root_cause" % (e["kind"], e["event"]))
        elif rc.get("is_root") != (not e.get("explained_by")) or \
                (rc["is_root"] and (rc["finding"], rc["kind"]) != (e["id"], e["kind"])):
            bad.append("%s %s: root_cause %r disagrees with explained_by %r"
                       % (e["kind"], e["event"], rc, e.get("explained_by")))
    for b in bad:
        print("FAIL: " + b)
    if not bad and lat:
        print("latency: " + ", ".join("%s %.3f s" % kv for kv in sorted(lat.items())))
    return 1 if bad else 0


sys.exit(main())
