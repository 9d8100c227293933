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

Both sides become a multiset of (frame, method-or-status, Call-ID). Each
message found on both sides is then compared column by column with what
tshark has for it: src, sport, dst, dport, transport (UDP/TCP/SCTP from
which of udp.*/tcp.* ports tshark filled), cseq, and time to the
microsecond (tshark's nanoseconds truncated). For a tunnel tshark lists
outer,inner addresses and ports: the innermost (last) is the one compared.
For HEP, tshark without the Lua dissector shows only the HEP carrier; where
NAME.hep.tsv exists (MANIFEST.md "Oracle"), the addresses, ports and time
come from its HEP3 chunks, which is what sipscope reports.

Every difference must be listed in known-differences.tsv (file, frame,
what, reason), where frame may be '*' and what is a glob matched against
"missing KIND CALLID" (tshark has it, we do not), "extra KIND CALLID"
(we have it, tshark does not) or "differs COLUMN KIND CALLID: tshark X,
ours Y" (the message is on both sides, one column disagrees);
"unreadable" matches a file that sipscope refused to read (exit status 2).
Prints one agreement line per file and every unexplained difference;
exits 1 when there is one.
"""
import argparse
import collections
import csv
import fnmatch
import os
import sys

csv.field_size_limit(sys.maxsize)


def split(field):
    return [x for x in field.split(",")] if field != "" else []


def last(field):
    """Innermost of tshark's outer,inner list (tunnels); '' when empty."""
    return field.split(",")[-1] if field else ""


def usec(epoch):
    """'1417129657.980437000' -> 1417129657980437 (truncated to the microsecond)."""
    sec, _, frac = epoch.partition(".")
    return int(sec) * 1000000 + int((frac + "000000")[:6])


def read_oracle(path, hep_path=None):
    """frame -> (methods, statuses, call_ids, cseqs, where) from tshark's TSV, where
    `where` is the frame's {src, sport, dst, dport, transport, time}."""
    frames = {}
    hep = read_hep(hep_path) if hep_path else {}
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
            g = lambda name: row[col[name]]            # noqa: E731
            frame = int(g("frame.number"))
            # A frame with both udp.* and tcp.* ports is a tunnel whose order tshark's
            # separate columns cannot tell; none of the shared captures has one.
            if g("tcp.srcport") and not g("udp.srcport"):
                transport, sport, dport = "TCP", g("tcp.srcport"), g("tcp.dstport")
            elif g("udp.srcport") and not g("tcp.srcport"):
                transport, sport, dport = "UDP", g("udp.srcport"), g("udp.dstport")
            elif not g("udp.srcport") and not g("tcp.srcport"):
                # The oracle has no sctp.* fields: the transport is known, the ports are not.
                transport, sport, dport = "SCTP", None, None
            else:
                transport, sport, dport = "UDP+TCP?", g("udp.srcport") + "/" + g("tcp.srcport"), \
                    g("udp.dstport") + "/" + g("tcp.dstport")
            where = {"src": last(g("ip.src")) or last(g("ipv6.src")),
                     "dst": last(g("ip.dst")) or last(g("ipv6.dst")),
                     "sport": sport and last(sport), "dport": dport and last(dport),
                     "transport": transport,
                     "time": usec(g("frame.time_epoch"))}
            if g("ip.src") and g("ipv6.src"):           # 6in4 / 4in6: which is inner is unknown
                where["src"] = last(g("ip.src")) + "|" + last(g("ipv6.src"))
                where["dst"] = last(g("ip.dst")) + "|" + last(g("ipv6.dst"))
            if frame in hep:
                where.update(hep[frame])
            frames[frame] = (split(g("sip.Method")), split(g("sip.Status-Code")),
                             split(g("sip.Call-ID")), split(g("sip.CSeq")), where)
    return frames


def read_hep(path):
    """frame -> the HEP3 chunk's addresses, ports and time (NAME.hep.tsv)."""
    out = {}
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rd, None)
        if header is None:
            return out
        col = {name: i for i, name in enumerate(header)}
        for row in rd:
            if not row or not row[0].strip():
                continue
            row += [""] * (len(header) - len(row))
            g = lambda name: last(row[col[name]])      # noqa: E731
            out[int(row[col["frame.number"]])] = {
                "src": g("hep3.source_ipv4_address") or g("hep3.source_ipv6_address"),
                "dst": g("hep3.destination_ipv4_address") or g("hep3.destination_ipv6_address"),
                "sport": g("hep3.source_port"), "dport": g("hep3.destination_port"),
                "time": int(g("hep3.timestamp_unix")) * 1000000 + int(g("hep3.timestamp_microsec"))}
    return out


def read_ours(path):
    """frame -> [(kind, call_id, is_request, cseq, where)] from --messages output."""
    frames = collections.defaultdict(list)
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rd, None)
        if header is None:
            return frames
        col = {name.strip(): i for i, name in enumerate(header)}
        need = ("frame", "time", "src", "sport", "dst", "dport", "transport", "method", "status",
                "call_id", "cseq")
        if any(n not in col for n in need):
            raise SystemExit("oracle_compare: --messages header lacks one of %s: %r" % (need, header))
        for row in rd:
            if not row or not row[0].strip():
                continue
            row += [""] * (len(header) - len(row))
            method, status = row[col["method"]], row[col["status"]]
            kind = method if method else status
            where = {k: row[col[k]] for k in ("src", "sport", "dst", "dport", "transport")}
            try:
                where["time"] = usec(row[col["time"]])
            except ValueError:
                where["time"] = row[col["time"]]
            frames[int(row[col["frame"]])].append((kind, row[col["call_id"]], method != "",
                                                    row[col["cseq"]], where))
    return frames


def oracle_triples(frame, oracle, ours):
    """Pair tshark's kinds with its Call-IDs and CSeqs. Requests and responses are in
    separate columns, so their interleaving is taken from our line order
    when our counts match, else requests first (only matters for TCP frames
    that carry both). Returns [((frame, kind, call_id), cseq)]."""
    methods, statuses, cids, cseqs, _ = oracle[frame]
    mine = ours.get(frame, [])
    pattern = [m[2] for m in mine]
    if pattern.count(True) != len(methods) or pattern.count(False) != len(statuses):
        pattern = [True] * len(methods) + [False] * len(statuses)
    mi, si, kinds = iter(methods), iter(statuses), []
    for is_req in pattern:
        kinds.append(next(mi) if is_req else next(si))
    if len(cids) < len(kinds):
        cids = cids + [""] * (len(kinds) - len(cids))
    if len(cseqs) < len(kinds):
        cseqs = cseqs + [""] * (len(kinds) - len(cseqs))
    return [((frame, k, c), q) for k, c, q in zip(kinds, cids, cseqs)]


COLUMNS = ("src", "sport", "dst", "dport", "transport", "cseq", "time")


def fmt(col, v):
    if col == "time" and isinstance(v, int):
        return "%d.%06d" % divmod(v, 1000000)
    return str(v)


def column_diffs(frame, kind, cid, t_cseq, t_where, o_cseq, o_where):
    """'differs COLUMN KIND CALLID: tshark X, ours Y' for each column that disagrees."""
    out = []
    for c in COLUMNS:
        tv = t_cseq if c == "cseq" else t_where.get(c)
        ov = o_cseq if c == "cseq" else o_where.get(c)
        if tv is None:                  # a column the oracle does not hold (SCTP ports)
            continue
        if c in ("src", "dst") and isinstance(tv, str) and "|" in tv and ov in tv.split("|"):
            continue
        if tv != ov:
            out.append((frame, "differs %s %s %s: tshark %s, ours %s"
                        % (c, kind, cid, fmt(c, tv), fmt(c, ov))))
    return out


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


def t_row(frame, methods, statuses, cids, cseqs=None, udp=True):
    n = len(split(methods)) + len(split(statuses))
    cseqs = cseqs if cseqs is not None else ",".join(["1 X"] * n)
    return ("%d\t1417129657.%06d123\t192.0.2.1\t\t%s\t192.0.2.2\t\t%s\t%s\t%s\t%s\t%s\t"
            "SIP/2.0/UDP a, SIP/2.0/UDP b\t\t\n"
            % (frame, frame, "5060\t" if udp else "\t5060", "5062\t" if udp else "\t5062",
               methods, statuses, cids, cseqs))


def o_row(frame, method, status, cid, sport="5060", dport="5062", transport="UDP",
          cseq="1 X", usec=None, src="192.0.2.1"):
    return "%d\t1417129657.%06d\t%s\t%s\t192.0.2.2\t%s\t%s\t%s\t%s\t%s\t%s\n" % (
        frame, frame if usec is None else usec, src, sport, dport, transport, method, status, cid,
        cseq)


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
    # Every other column of a message found on both sides:
    o1 = agree_o[1:]
    for bad, want in ((o_row(1, "INVITE", "", "a@x", sport="5062", dport="5060"),
                       "differs sport INVITE a@x: tshark 5060, ours 5062"),      # ports swapped
                      (o_row(1, "INVITE", "", "a@x", src="192.0.2.9"), "differs src INVITE"),
                      (o_row(1, "INVITE", "", "a@x", transport="TCP"), "differs transport"),
                      (o_row(1, "INVITE", "", "a@x", cseq="2 X"), "differs cseq INVITE a@x: tshark 1 X"),
                      (o_row(1, "INVITE", "", "a@x", usec=2),                   # 1 microsecond off
                       "differs time INVITE a@x: tshark 1417129657.000001, ours 1417129657.000002")):
        rc, out = run(agree_t, [bad] + o1)
        assert rc == 1 and want in out, (want, out)
    rc, out = run(agree_t, [o_row(1, "INVITE", "", "a@x", cseq="2 X")] + o1,
                  "f.pcap\t1\tdiffers cseq INVITE *\treason\n")
    assert rc == 0 and "1 known, 0 unexplained" in out, out
    rc, out = run([t_row(1, "INVITE", "", "a@x", udp=False)], [o_row(1, "INVITE", "", "a@x")])
    assert rc == 1 and "differs transport INVITE a@x: tshark TCP, ours UDP" in out, out
    rc, out = run([t_row(1, "INVITE", "", "a@x", udp=False)],
                  [o_row(1, "INVITE", "", "a@x", transport="TCP")])
    assert rc == 0, out
    for n in (tsv, ours, known):
        os.unlink(n)
    os.rmdir(d)
    print("oracle_compare self-test: 18 cases pass")
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
    hep = a.tsv[:-len(".sip.tsv")] + ".hep.tsv" if a.tsv.endswith(".sip.tsv") else None
    oracle = read_oracle(a.tsv, hep if hep and os.path.exists(hep) else None)
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
    t_cols = collections.defaultdict(list)         # (frame, kind, cid) -> [cseq] in order
    for frame in oracle:
        for key, cseq in oracle_triples(frame, oracle, ours):
            theirs[key] += 1
            t_cols[key].append(cseq)
    mine = collections.Counter()
    o_cols = collections.defaultdict(list)
    for frame, msgs in ours.items():
        for (k, c, _, cseq, where) in msgs:
            mine[(frame, k, c)] += 1
            o_cols[(frame, k, c)].append((cseq, where))

    matched = sum((theirs & mine).values())
    diffs = []
    for (frame, k, c), n in sorted((theirs - mine).items()):
        diffs += [(frame, "missing %s %s" % (k, c))] * n
    for (frame, k, c), n in sorted((mine - theirs).items()):
        diffs += [(frame, "extra %s %s" % (k, c))] * n
    # The messages on both sides, paired in order within their frame: every other column.
    for key in sorted(theirs & mine):
        frame, k, c = key
        for t_cseq, (o_cseq, o_where) in zip(t_cols[key], o_cols[key]):
            diffs += column_diffs(frame, k, c, t_cseq, oracle[frame][4], o_cseq, o_where)
    n_cols = sum(1 for _, w in diffs if w.startswith("differs "))
    unexplained = [(f, w) for (f, w) in diffs if explained(known, f, w) is None]

    print("%-62s matched %4d / tshark %4d messages (%d rows) / ours %4d; %d column(s) x %d"
          " compared, %d differ; %d known, %d unexplained"
          % (a.name, matched, n_oracle, len(oracle), sum(mine.values()), len(COLUMNS), matched,
             n_cols, len(diffs) - len(unexplained), len(unexplained)))
    for frame, what in unexplained:
        print("    UNEXPLAINED %s\t%d\t%s" % (a.name, frame, what))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
