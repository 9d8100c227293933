#!/usr/bin/env python3
"""tests/lab/realclients_check.py PCAP JSON ROOT: what a user checks in a
real-client lab capture, with tshark as the oracle.

  1. the root cause sipscope reports first is ROOT ("none": nothing of
     severity warning or worse): JSON diagnosis[0].root_cause when the
     diagnosis is filled, else the first finding's kind;
  2. every evidence frame of every finding is, in tshark's reading, the SIP
     message the evidence line quotes (same start line), and a "request" /
     "challenge" / "retry with credentials" role is a request / 401-407 /
     request carrying credentials;
     ("... -> ADDRESS": the frame went to ADDRESS; "... (Contact ADDRESS)":
     that header of the frame names ADDRESS);
  3. a finding quoting a carrier header (X-...: value) has it in that frame;
  4. each further CHECK argument:
       text=FILE          the text report (for the text checks below)
       also:KIND          some diagnosis entry has root cause KIND
       explains:ROOT:KIND the diagnosis entry of ROOT folds a finding of KIND
       alone:KIND         no finding of KIND is explained by another (it is a
                          root cause of its own, never folded under an attack)
       notby:KIND:ROOT    no finding of KIND is explained (directly or not) by a ROOT
       ruled:CAUSE:TEXT   the first diagnosis rules CAUSE out, or cannot tell, with TEXT
       summary:REGEX      the first diagnosis's summary matches REGEX
       entity:KIND:TEXT   every finding of KIND has TEXT in its entity
       notext:TEXT        the text report does not say TEXT
       hastext:TEXT       the text report says TEXT
Exit 0 when all hold; each failure is printed.
"""
import json
import re
import subprocess
import sys


def tshark(pcap):
    f = ["frame.number", "sip.Request-Line", "sip.Status-Line", "sip.msg_hdr", "ip.dst"]
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "sip", "-T", "fields",
                          "-E", "separator=\t", "-E", "quote=n"] + [x for e in f for x in ("-e", e)],
                         capture_output=True, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        c = (line.split("\t") + [""] * 5)[:5]
        frames[int(c[0])] = {"line": c[1] or c[2], "request": bool(c[1]),
                             "hdrs": c[3].replace("\\r\\n", "\n"), "dst": c[4]}
    return frames


def extra_checks(doc, checks):
    bad, text = [], ""
    fs = {f["id"]: f for f in doc["findings"]}
    dg = doc.get("diagnosis") or []

    def roots_of(f):
        seen, x = 0, f
        while x.get("explained_by") and seen < len(fs):
            x, seen = fs.get(x["explained_by"], {}), seen + 1
            yield x
    for c in checks:
        k, _, arg = c.partition(":") if not c.startswith("text=") else ("text", "", c[5:])
        if k == "text":
            text = open(arg).read()
        elif k == "also":
            if not any(d["root_cause"] == arg for d in dg):
                bad.append("no diagnosis of %s (have %s)" % (arg, [d["root_cause"] for d in dg]))
        elif k == "explains":
            root, kind = arg.split(":", 1)
            ds = [d for d in dg if d["root_cause"] == root]
            if not any(fs.get(i, {}).get("kind") == kind for d in ds for i in d["explains"]):
                bad.append("the %s diagnosis does not fold a %s (%s)" % (
                    root, kind, [(d["root_cause"], [fs.get(i, {}).get("kind") for i in d["explains"]]) for d in dg]))
        elif k == "alone":
            got = [f for f in fs.values() if f["kind"] == arg]
            if not got:
                bad.append("no %s finding" % arg)
            for f in got:
                if f.get("explained_by"):
                    bad.append("%s %s is folded under %s" % (arg, f["id"], f["explained_by"]))
        elif k == "notby":
            kind, root = arg.split(":", 1)
            for f in fs.values():
                if f["kind"] == kind and any(r.get("kind") == root for r in roots_of(f)):
                    bad.append("%s %s (%s) is blamed on %s" % (kind, f["id"], f["entity"], root))
        elif k == "ruled":
            cause, want = arg.split(":", 1)
            r = [x for x in (dg[0]["ruled_out"] if dg else []) if x["cause"] == cause]
            if not r or want not in r[0]["why"]:
                bad.append("ruled_out %s: %r, want %r" % (cause, r[0]["why"] if r else None, want))
        elif k == "summary":
            if not dg or not re.search(arg, dg[0]["summary"]):
                bad.append("summary %r does not match %r" % (dg[0]["summary"] if dg else None, arg))
        elif k == "entity":
            kind, want = arg.split(":", 1)
            got = [f for f in fs.values() if f["kind"] == kind]
            if not got or any(want not in f["entity"] for f in got):
                bad.append("%s entities %r, want %r in each" % (kind, [f["entity"] for f in got], want))
        elif k == "notext":
            if arg in text:
                bad.append("the text report says %r" % arg)
        elif k == "hastext":
            if arg not in text:
                bad.append("the text report does not say %r" % arg)
        else:
            bad.append("unknown check %r" % c)
    return bad


def main():
    pcap, js, root = sys.argv[1:4]
    doc = json.load(open(js))
    wire = tshark(pcap)
    bad = []
    serious = [f for f in doc["findings"] if f["severity"] in ("warning", "error", "critical")]
    if doc.get("diagnosis"):
        got = doc["diagnosis"][0]["root_cause"]
    else:
        got = serious[0]["kind"] if serious else "none"
    if got != root:
        bad.append("root cause %s, want %s (findings: %s)" % (
            got, root, [(f["kind"], f["severity"]) for f in doc["findings"]]))
    for f in doc["findings"]:
        for ev in f["evidence"]:
            w = wire.get(ev["frame"])
            if w is None:
                bad.append("%s cites frame %d, which tshark does not read as SIP" % (f["kind"], ev["frame"]))
                continue
            quoted = ev["line"].split("; ")
            # "START LINE -> ADDRESS" (wrong_region): ADDRESS is where the frame went
            if " -> " in quoted[0]:
                quoted[0], to = quoted[0].rsplit(" -> ", 1)
                if to != w["dst"]:
                    bad.append("%s frame %d: says sent to %s, tshark %s" % (f["kind"], ev["frame"], to, w["dst"]))
            # "START LINE (Contact ADDRESS)" (nat_rewrite): the header names ADDRESS
            m = re.match(r"^(.*) \((Contact|Via) ([^ )]+)\)$", quoted[0])
            if m:
                quoted[0] = m.group(1)
                names = {"Contact": ("Contact", "m"), "Via": ("Via", "v")}[m.group(2)]
                hl = [l for l in w["hdrs"].split("\n") if l.split(":", 1)[0].strip() in names]
                if not any(m.group(3) in l for l in hl):
                    bad.append("%s frame %d: says %s %s, not in the frame's %s" % (
                        f["kind"], ev["frame"], m.group(2), m.group(3), m.group(2)))
            # sipscope quotes a request line without its " SIP/2.0"; a line that
            # is no start line at all ("outage starts at 6.3 s", or empty) describes
            # the frame instead of quoting it: the frame's existence is checked
            start = re.match(r"^(SIP/2\.0 \d{3}|[A-Z]+ (sips?|tel):)", quoted[0])
            if start and w["line"] not in (quoted[0], quoted[0] + " SIP/2.0"):
                bad.append("%s frame %d: evidence %r, tshark %r" % (f["kind"], ev["frame"], quoted[0], w["line"]))
            for h in quoted[1:]:
                if h.startswith("X-") and h not in w["hdrs"]:
                    bad.append("%s frame %d: quoted %r not in the frame" % (f["kind"], ev["frame"], h))
            role = ev["role"]
            if role == "request" and not w["request"]:
                bad.append("%s frame %d: role request but tshark reads a response" % (f["kind"], ev["frame"]))
            if role == "challenge" and not (w["line"].startswith("SIP/2.0 401") or w["line"].startswith("SIP/2.0 407")):
                bad.append("%s frame %d: role challenge but %r" % (f["kind"], ev["frame"], w["line"]))
            if role == "retry with credentials" and "Authorization: Digest" not in w["hdrs"]:
                bad.append("%s frame %d: retry without credentials" % (f["kind"], ev["frame"]))
    bad += extra_checks(doc, sys.argv[4:])
    for b in bad:
        print("FAIL: %s: %s" % (pcap.rsplit("/", 1)[-1], b))
    sys.exit(1 if bad else 0)


main()
