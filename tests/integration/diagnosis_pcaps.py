#!/usr/bin/env python3
"""diagnosis_pcaps.py — the root cause each shared and lab capture gives first.

For every line of tests/diagnosis/expected.tsv (where, capture, root_cause, role) runs
`sipscope -r CAPTURE --report json` (lab captures with their --profiles, lab+secrets with
--secrets tests/lab/secrets.txt) and checks, as a user reading the report would:
- diagnosis[0] names that root cause and role ("-": no diagnosis at all);
- every diagnosis's finding and explains ids exist, each explained finding's
  explained_by chain ends at that diagnosis's root, and no finding is folded twice;
- every ruled_out "why" starts "ruled out because" or "cannot tell from this capture because";
- the text report opens with the same diagnosis (its documented first line);
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
    for d in dg:
        if d["finding"] not in fs or fs[d["finding"]]["kind"] != d["root_cause"]:
            fail("%s: diagnosis finding %s is not a %s" % (name, d["finding"], d["root_cause"]))
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
        if f.get("explained_by") and not any(d["finding"] == x.get("id") or x.get("id") in d["explains"]
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
