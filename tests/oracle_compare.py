#!/usr/bin/env python3
"""oracle_compare.py — compare `sipscope -r FILE --messages` with tshark's oracle.

Usage:
  oracle_compare.py --name NAME --tsv NAME.sip.tsv --ours OURS.tsv [--rc N]
                    [--known tests/known-differences.tsv]

The oracle (shared/pcaps/MANIFEST.md, "Oracle") has one row per frame that
tshark dissects as SIP; several messages in one frame (TCP) are comma-joined
in each column, in message order: sip.Method lists the requests, sip.Status-Code
the responses, sip.Call-ID every message. Ours has one line per message:
  frame time src sport dst dport transport method status call_id cseq

Both sides become a multiset of (frame, method-or-status, Call-ID). Every
difference must be listed in known-differences.tsv (file, frame, what,
reason), where frame may be '*' and what is a glob matched against
"missing KIND CALLID" (tshark has it, we do not) or "extra KIND CALLID"
(we have it, tshark does not); "unreadable" matches a file that sipscope
refused to read (exit status 2). Prints one agreement line per file and
every unexplained difference; exits 1 when there is one.
"""
import argparse
import collections
import csv
import fnmatch
import sys

csv.field_size_limit(sys.maxsize)


def split(field):
    return [x for x in field.split(",")] if field != "" else []


def read_oracle(path):
    """frame -> (methods, statuses, call_ids) from tshark's TSV."""
    frames = {}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rd, None)
        if header is None:
            return frames
        col = {name: i for i, name in enumerate(header)}
        for row in rd:
            if not row or not row[0].strip():
                continue
            row += [""] * (len(header) - len(row))
            frame = int(row[col["frame.number"]])
            frames[frame] = (split(row[col["sip.Method"]]), split(row[col["sip.Status-Code"]]),
                             split(row[col["sip.Call-ID"]]))
    return frames


def read_ours(path):
    """frame -> [(kind, call_id, is_request)] from --messages output."""
    frames = collections.defaultdict(list)
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rd, None)
        if header is None:
            return frames
        col = {name.strip(): i for i, name in enumerate(header)}
        need = ("frame", "method", "status", "call_id")
        if any(n not in col for n in need):
            raise SystemExit("oracle_compare: --messages header lacks one of %s: %r" % (need, header))
        for row in rd:
            if not row or not row[0].strip():
                continue
            row += [""] * (len(header) - len(row))
            method, status = row[col["method"]], row[col["status"]]
            kind = method if method else status
            frames[int(row[col["frame"]])].append((kind, row[col["call_id"]], method != ""))
    return frames


def oracle_triples(frame, oracle, ours):
    """Pair tshark's kinds with its Call-IDs. Requests and responses are in
    separate columns, so their interleaving is taken from our line order
    when our counts match, else requests first (only matters for TCP frames
    that carry both)."""
    methods, statuses, cids = oracle[frame]
    mine = ours.get(frame, [])
    pattern = [r for (_, _, r) in mine]
    if pattern.count(True) != len(methods) or pattern.count(False) != len(statuses):
        pattern = [True] * len(methods) + [False] * len(statuses)
    mi, si, kinds = iter(methods), iter(statuses), []
    for is_req in pattern:
        kinds.append(next(mi) if is_req else next(si))
    if len(cids) < len(kinds):
        cids = cids + [""] * (len(kinds) - len(cids))
    return [(frame, k, c) for k, c in zip(kinds, cids)]


def read_known(path, name):
    known = []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 4 or parts[0] != name:
                    continue
                known.append((parts[1], parts[2], parts[3]))
    except FileNotFoundError:
        pass
    return known


def explained(known, frame, what):
    for kframe, kwhat, reason in known:
        if (kframe == "*" or kframe == str(frame)) and fnmatch.fnmatchcase(what, kwhat):
            return reason
    return None


HEAD_T = ("frame.number\tframe.time_epoch\tip.src\tipv6.src\tudp.srcport\ttcp.srcport\tip.dst"
          "\tipv6.dst\tudp.dstport\ttcp.dstport\tsip.Method\tsip.Status-Code\tsip.Call-ID\tsip.CSeq"
          "\tsip.Via\tsip.Contact\tsip.User-Agent\n")
HEAD_O = "frame\ttime\tsrc\tsport\tdst\tdport\ttransport\tmethod\tstatus\tcall_id\tcseq\n"


def t_row(frame, methods, statuses, cids):
    return "%d\t0\t\t\t\t\t\t\t\t\t%s\t%s\t%s\t1 X\tSIP/2.0/UDP a, SIP/2.0/UDP b\t\t\n" % (
        frame, methods, statuses, cids)


def o_row(frame, method, status, cid):
    return "%d\t0.000000\t192.0.2.1\t5060\t192.0.2.2\t5060\tUDP\t%s\t%s\t%s\t1 X\n" % (
        frame, method, status, cid)


def selftest():
    """The comparator on fake inputs whose right answers are known."""
    import os
    import subprocess
    import tempfile
    d = tempfile.mkdtemp()
    tsv, ours, known = (os.path.join(d, n) for n in ("t.tsv", "o.tsv", "k.tsv"))

    def run(trows, orows, krows="", rc=0):
        with open(tsv, "w") as f:
            f.write(HEAD_T + "".join(trows))
        with open(ours, "w") as f:
            f.write(HEAD_O + "".join(orows))
        with open(known, "w") as f:
            f.write(krows)
        p = subprocess.run([sys.executable, __file__, "--name", "f.pcap", "--tsv", tsv, "--ours",
                            ours, "--known", known, "--rc", str(rc)],
                           capture_output=True, text=True)
        return p.returncode, p.stdout

    agree_t = [t_row(1, "INVITE", "", "a@x"), t_row(2, "", "401", "a@x"),
               t_row(5, "ACK,BYE", "200", "a@x,b@x,b@x")]
    agree_o = [o_row(1, "INVITE", "", "a@x"), o_row(2, "", "401", "a@x"),
               o_row(5, "ACK", "", "a@x"), o_row(5, "", "200", "b@x"), o_row(5, "BYE", "", "b@x")]
    rc, out = run(agree_t, agree_o)
    assert rc == 0 and "matched    5 / tshark    5" in out, out
    rc, out = run(agree_t, agree_o[:1] + agree_o[2:])                   # one missing
    assert rc == 1 and "missing 401 a@x" in out, out
    rc, out = run(agree_t, agree_o + [o_row(9, "OPTIONS", "", "z")])    # one extra
    assert rc == 1 and "extra OPTIONS z" in out, out
    rc, out = run(agree_t, agree_o[:1] + [o_row(2, "", "407", "a@x")] + agree_o[2:])
    assert rc == 1 and "missing 401" in out and "extra 407" in out, out
    rc, out = run(agree_t, agree_o[:1] + [o_row(2, "", "401", "other")] + agree_o[2:])
    assert rc == 1 and "extra 401 other" in out, out                   # wrong Call-ID
    rc, out = run(agree_t, agree_o[:1] + agree_o[2:], "f.pcap\t2\tmissing 401 *\treason\n")
    assert rc == 0 and "1 known, 0 unexplained" in out, out
    rc, out = run(agree_t, agree_o[:1] + agree_o[2:], "f.pcap\t3\tmissing 401 *\treason\n")
    assert rc == 1, out                                                # wrong frame
    rc, out = run(agree_t, [], rc=2)
    assert rc == 1, out
    rc, out = run(agree_t, [], "f.pcap\t*\tunreadable\tNetMon\n", rc=2)
    assert rc == 0, out
    rc, out = run(agree_t, [])                                         # we saw nothing
    assert rc == 1 and "matched    0" in out, out
    for n in (tsv, ours, known):
        os.unlink(n)
    os.rmdir(d)
    print("oracle_compare self-test: 10 cases pass")
    return 0


def main():
    if "--selftest" in sys.argv:
        return selftest()
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--tsv", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--rc", type=int, default=0)
    ap.add_argument("--known", default="tests/known-differences.tsv")
    a = ap.parse_args()

    known = read_known(a.known, a.name)
    oracle = read_oracle(a.tsv)
    n_oracle = sum(len(v[0]) + len(v[1]) for v in oracle.values())
    if a.rc == 2:
        reason = explained(known, "*", "unreadable")
        if reason is not None:
            print("%-62s unreadable by sipscope (known: %s)" % (a.name, reason))
            return 0
        print("%-62s UNEXPLAINED: sipscope exited 2 (%d tshark messages)" % (a.name, n_oracle))
        return 1
    ours = read_ours(a.ours)

    theirs = collections.Counter()
    for frame in oracle:
        theirs.update(oracle_triples(frame, oracle, ours))
    mine = collections.Counter()
    for frame, msgs in ours.items():
        mine.update((frame, k, c) for (k, c, _) in msgs)

    matched = sum((theirs & mine).values())
    diffs = []
    for (frame, k, c), n in sorted((theirs - mine).items()):
        diffs += [(frame, "missing %s %s" % (k, c))] * n
    for (frame, k, c), n in sorted((mine - theirs).items()):
        diffs += [(frame, "extra %s %s" % (k, c))] * n
    unexplained = [(f, w) for (f, w) in diffs if explained(known, f, w) is None]

    print("%-62s matched %4d / tshark %4d messages (%d rows) / ours %4d; %d known, %d unexplained"
          % (a.name, matched, n_oracle, len(oracle), sum(mine.values()),
             len(diffs) - len(unexplained), len(unexplained)))
    for frame, what in unexplained:
        print("    UNEXPLAINED %s\t%d\t%s" % (a.name, frame, what))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
