#!/usr/bin/env python3
"""diagnosis_pcaps.py — the root cause each shared and lab capture gives first.

For every line of tests/diagnosis/expected.tsv (where, capture, root_cause, role) runs
`sipscope -r CAPTURE --report json` (lab captures with their --profiles, lab+secrets with
--secrets tests/lab/secrets.txt) and checks, as a user reading the report would:
- diagnosis[0] names that root cause and role ("-": no diagnosis at all);
- every diagnosis's finding and explains ids exist, each explained finding's
  explained_by chain ends at that diagnosis's root, and no finding is folded twice;
- every ruled_out "why" starts "ruled out because" or "cannot tell from this capture because";
- the text report opens with the same diagnosis (its documented first line), and the
  Markdown report leads with it (confidence, evidence frames, what it explains, the
  differential);
- one cause on one trunk is one entry whose roots and evidence frames are all its roots'
  (nDPI__webex: the failed TLS handshakes of one client to many servers are one entry);
- peers with role "none" are not in the text and Markdown peer lists;
- the two alarms the wire contradicted stay gone (sngrep__aaa: "never answers" although
  200.68.120.81 answered; nDPI FAX: "cannot answer it through the NAT" although the far
  end's requests reach the private address).
"""
import json, os, re, shutil, subprocess, sys, tempfile

SIPSCOPE = os.environ.get("SIPSCOPE", "./sipscope")
SHARED = os.environ.get("SIPSCOPE_SHARED_PCAPS", "../shared/pcaps")
FAIL = []


def fail(msg):
    FAIL.append(msg)
    print("FAIL: " + msg)


def run(args):
    p = subprocess.run([SIPSCOPE, "-q", "--no-tui", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.stdout.decode("utf-8", "replace"), p.returncode


def check(where, cap, root, role, secrets):
    if where == "shared":
        path, extra = os.path.join(SHARED, cap), []
    else:
        path = os.path.join("pcaps/lab", cap)
        exp = open(path[:-len(".pcap")] + ".expect").read()
        extra = ["--profiles", "tests/lab/profiles"] if "profiles=tests/lab/profiles" in exp else []
        if where == "lab+secrets":
            extra += ["--secrets", secrets]
    if not os.path.exists(path):
        fail("%s: capture missing" % path)
        return
    out, rc = run(["-r", path, "--report", "json", *extra])
    try:
        doc = json.loads(out)
    except ValueError:
        fail("%s: no JSON (exit %d)" % (cap, rc))
        return
    dg, fs = doc.get("diagnosis"), {f["id"]: f for f in doc.get("findings", [])}
    name = "%s %s" % (where, cap)
    if not isinstance(dg, list):
        fail("%s: no diagnosis array" % name)
        return
    got = (dg[0]["root_cause"], dg[0]["role"]) if dg else ("-", "-")
    if got != (root, role):
        fail("%s: first root cause %s/%s, expected %s/%s" % (name, got[0], got[1], root, role))
    folded = set()
    seen_cause = set()
    for d in dg:
        if d["finding"] not in fs or fs[d["finding"]]["kind"] != d["root_cause"]:
            fail("%s: diagnosis finding %s is not a %s" % (name, d["finding"], d["root_cause"]))
        # one cause on one trunk is one entry, with every root and its frames
        if (d["root_cause"], d["trunk"]) in seen_cause:
            fail("%s: %s on %s is listed twice" % (name, d["root_cause"], d["trunk"]))
        seen_cause.add((d["root_cause"], d["trunk"]))
        if not d["roots"] or d["roots"][0] != d["finding"] or d["root_count"] < len(d["roots"]):
            fail("%s: roots %r / root_count %r do not start at %s" % (name, d["roots"], d["root_count"],
                                                                     d["finding"]))
        frames = set(d["evidence_frames"])
        if d["evidence_frames"] != sorted(frames) or d["evidence_frames_total"] < len(frames):
            fail("%s: evidence_frames not ascending and distinct, or total short" % name)
        for r in d["roots"]:
            if r not in fs or fs[r].get("explained_by") or r in folded:
                fail("%s: root %s: unknown, explained, or folded twice" % (name, r))
            folded.add(r)
            want = {e["frame"] for e in fs.get(r, {}).get("evidence", [])}
            if len(frames) < 64 and not want <= frames:
                fail("%s: the evidence frames of root %s are not in its diagnosis" % (name, r))
        for i in d["explains"]:
            if i not in fs or i in folded:
                fail("%s: explains %s: unknown or folded twice" % (name, i))
            folded.add(i)
        for r in d["ruled_out"]:
            if not re.match(r"(ruled out because |cannot tell from this capture because )", r["why"]):
                fail("%s: ruled_out %s: %r" % (name, r["cause"], r["why"]))
    for f in fs.values():
        seen, x = 0, f
        while x.get("explained_by") and seen < len(fs):
            x, seen = fs.get(x["explained_by"], {}), seen + 1
        if f.get("explained_by") and not any(x.get("id") in d["roots"] or x.get("id") in d["explains"]
                                             for d in dg):
            fail("%s: %s is explained but its root %s has no diagnosis" % (name, f["id"], x.get("id")))
    txt, _ = run(["-r", path, *extra])
    lines = txt.splitlines()
    if dg:
        if len(lines) < 4 or not lines[2].startswith("Diagnosis ("):
            fail("%s: the text report does not open with the diagnosis" % name)
        elif not re.match(r"  1\. \[%s\] %s on %s: " % (dg[0]["severity"].upper(), dg[0]["root_cause"],
                                                         dg[0]["role"]), lines[3]):
            fail("%s: text diagnosis line %r" % (name, lines[3]))
    if cap == "nDPI__webex.pcap":
        # 11 failed handshakes from one client to 11 servers are one cause of the client's
        # TLS set-up, not 11 root causes
        tls = [d for d in dg if d["root_cause"] == "tls_failed"]
        roots = [f["id"] for f in fs.values() if f["kind"] == "tls_failed" and not f.get("explained_by")]
        if len(tls) != 1 or sorted(tls[0]["roots"]) != sorted(roots) or len(roots) < 2:
            fail("%s: tls_failed is %d entries (roots %r), expected one with all of %r"
                 % (name, len(tls), [d["roots"] for d in tls], roots))
        elif not re.search(r"to %d servers" % len(roots), tls[0]["trunk"]):
            fail("%s: tls_failed entry names %r" % (name, tls[0]["trunk"]))
    # peers with nothing of their own are not listed in the text (JSON keeps them)
    for p in doc.get("peers", []):
        if p.get("role") == "none" and "\n  %s\n" % p["name"] in txt:
            fail("%s: role-none peer %s is in the text peer list" % (name, p["name"]))
    md, _ = run(["-r", path, "--report", "markdown", *extra])
    heads = [l for l in md.splitlines() if l.startswith("## ")]
    if dg:
        if not heads or heads[0] != "## Diagnosis":
            fail("%s: the Markdown report does not lead with the diagnosis (%r)" % (name, heads[:2]))
        if not re.search(r"^### Root cause 1: %s on %s " % (dg[0]["root_cause"], dg[0]["role"]), md, re.M):
            fail("%s: Markdown root cause 1 is not %s" % (name, dg[0]["root_cause"]))
        first = md.split("### Root cause 2:")[0]
        for r in dg[0]["ruled_out"]:
            if "| %s |" % r["cause"].replace("_", "\\_") not in first:
                fail("%s: Markdown differential lacks %s" % (name, r["cause"]))
        if "- Severity: %s, confidence: %s" % (dg[0]["severity"], dg[0]["confidence"]) not in first:
            fail("%s: Markdown root cause 1 lacks its confidence" % name)
        if dg[0]["evidence_frames"] and "- Evidence frames: %d" % dg[0]["evidence_frames"][0] not in first:
            fail("%s: Markdown root cause 1 lacks its evidence frames" % name)
        for i in dg[0]["explains"][:16]:
            if "\n- %s %s: " % (i, fs[i]["kind"]) not in first:
                fail("%s: Markdown root cause 1 does not fold %s" % (name, i))
    elif heads and heads[0] == "## Diagnosis":
        fail("%s: Markdown diagnosis without one in JSON" % name)
    for p in doc.get("peers", []):
        if p.get("role") == "none" and "| %s |" % p["name"] in md:
            fail("%s: role-none peer %s is in the Markdown peer table" % (name, p["name"]))
    if cap == "sngrep__aaa.pcap" and "never answers" in txt:
        fail("%s: says never answers although the host answered" % name)
    if cap == "nDPI__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap" and "cannot answer it through the NAT" in txt:
        fail("%s: NAT alarm although the far end reaches the address" % name)


def main():
    tmp = tempfile.mkdtemp()
    try:
        secrets = os.path.join(tmp, "secrets.txt")
        shutil.copy("tests/lab/secrets.txt", secrets)
        os.chmod(secrets, 0o600)
        n = 0
        for line in open("tests/diagnosis/expected.tsv"):
            if line.startswith("#") or not line.strip():
                continue
            where, cap, root, role = line.rstrip("\n").split("\t")
            if where == "shared" and not os.path.isdir(SHARED):
                print("no shared captures at %s" % SHARED)
                return 77
            check(where, cap, root, role, secrets)
            n += 1
        print("diagnosis_pcaps: %d capture runs, %d failure(s)" % (n, len(FAIL)))
        return 1 if FAIL else 0
    finally:
        shutil.rmtree(tmp)


sys.exit(main())
