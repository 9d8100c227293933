#!/usr/bin/env python3
"""engine_check.py — helpers for the engine_*.sh integration tests.

Runs $SIPSCOPE -r FILE --report json --no-tui, checks the document against
docs/json-schema.md, and asserts what the lab expectation files
(pcaps/lab/NAME.expect, written from tshark by tests/lab/) and the shared
captures (read with tshark, MANIFEST.md) say is there.

  engine_check.py probe                 exit 77 when the binary cannot report JSON yet
  engine_check.py lab DIR [SECRETS]     every DIR/*.expect
  engine_check.py shared DIR            the shared-capture assertions below
  engine_check.py schema FILE...        schema check only
"""
import json
import os
import shlex
import subprocess
import sys

SIPSCOPE = os.environ.get("SIPSCOPE", "./sipscope")
# Kinds this engine reports; expectations for later kinds (nat_rewrite,
# keepalive_failed, ...) are left to their own tests.
KINDS = {"auth_rejected", "ip_rejected", "source_ip_changed", "account_suspended",
         "challenge_unanswered", "digest_mismatch", "password_mismatch", "password_verified",
         "no_response", "scanner", "brute_force", "carrier_rejected"}
COUNT_KEYS = {"challenges"}     # numbers in "frames" lines that are counts, not frames
FAIL = []


def fail(msg):
    FAIL.append(msg)
    print("FAIL: " + msg)


def run(path, *extra):
    p = subprocess.run([SIPSCOPE, "-q", "-r", path, "--report", "json", "--no-tui", *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    try:
        doc = json.loads(p.stdout.decode("utf-8"))
    except ValueError:
        raise RuntimeError("%s: no JSON (exit %d): %s" % (path, p.returncode,
                                                          p.stderr.decode(errors="replace")[-400:]))
    return doc, p.returncode


def is_num_or_null(v):
    return v is None or isinstance(v, (int, float))


def check_schema(doc, rc, name):
    def need(cond, what):
        if not cond:
            fail("%s: schema: %s" % (name, what))
    need(doc.get("version") == 1, "version 1")
    need(isinstance(doc.get("source"), str), "source")
    need(doc.get("exit_status") in (0, 1), "exit_status")
    need(rc == doc.get("exit_status"), "process exit %d = exit_status %s" % (rc, doc.get("exit_status")))
    st = doc.get("stats", {})
    for k in ("packets", "bytes", "sip_messages", "malformed", "ring_drops", "kernel_drops",
              "if_drops", "evictions"):
        need(isinstance(st.get(k), int), "stats.%s integer" % k)
    for k in ("live", "truncated"):
        need(isinstance(st.get(k), bool), "stats.%s boolean" % k)
    need(is_num_or_null(st.get("first_epoch")) and is_num_or_null(st.get("last_epoch")), "epochs")
    need(set(st.get("findings_by_severity", {})) == {"info", "warning", "error", "critical"},
         "findings_by_severity keys")
    need(isinstance(st.get("counters"), dict), "counters")
    for p in doc.get("peers", []):
        for k in ("name", "role", "keepalive"):
            need(isinstance(p.get(k), str), "peer.%s" % k)
        for k in ("local", "remote"):
            need(isinstance(p.get(k, {}).get("ip"), str) and isinstance(p[k].get("port"), int),
                 "peer.%s ip/port" % k)
        need(set(p.get("answers", {})) == {"unanswered", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"},
             "peer.answers keys")
        need(all(isinstance(v, int) for v in p.get("requests", {}).values()), "peer.requests")
        need(isinstance(p.get("auth_ok"), int) and isinstance(p.get("auth_failed"), int), "auth counts")
        need(p.get("auth_success_rate") is None or 0 <= p["auth_success_rate"] <= 100, "rate")
        need(p.get("verdict") is None or isinstance(p["verdict"], str), "verdict")
    sev_order = {"info": 0, "warning": 1, "error": 2, "critical": 3}
    last = 4
    for f in doc.get("findings", []):
        need(f.get("severity") in sev_order, "finding.severity")
        need(sev_order.get(f.get("severity"), 0) <= last, "findings worst first")
        last = sev_order.get(f.get("severity"), 0)
        for k in ("kind", "summary", "entity"):
            need(isinstance(f.get(k), str) and f[k], "finding.%s" % k)
        need(isinstance(f.get("count"), int) and f["count"] >= 1, "finding.count")
        need(isinstance(f.get("first_seen"), (int, float)), "finding.first_seen")
        for e in f.get("evidence", []):
            need(isinstance(e.get("frame"), int) and e["frame"] >= 1, "evidence.frame")
            need(is_num_or_null(e.get("time")), "evidence.time")
            need(isinstance(e.get("role"), str) and e["role"], "evidence.role")
        need(all(isinstance(c, str) for c in f.get("causes", [])), "causes")
        need(all(isinstance(c, str) for c in f.get("fix", [])), "fix")
    worst = max([sev_order[f["severity"]] for f in doc.get("findings", [])] + [0])
    need(doc.get("exit_status") == (1 if worst >= 1 else 0), "exit_status follows severities")


def findings(doc, kind):
    return [f for f in doc.get("findings", []) if f["kind"] == kind]


def frames_of(f, role=None):
    return {e["frame"] for e in f.get("evidence", []) if role is None or e["role"] == role}


def role_frames(f, role):
    """Frames cited with a role matching the expect-file role word."""
    if role == "request":
        return {e["frame"] for e in f["evidence"] if e["role"].startswith("request")}
    if role == "retry":
        return frames_of(f, "retry with credentials")
    if role == "challenge":
        return frames_of(f, "challenge")
    if role in ("rejected", "responses", "answer"):
        return {e["frame"] for e in f["evidence"]
                if e["role"][:3].isdigit() or "refused" in e["role"]}
    return frames_of(f)


def nums(v):
    return {int(x) for x in v.split(",") if x.strip().isdigit()}


def probe():
    lab = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../pcaps/lab/clean.pcap")
    shared = os.environ.get("SIPSCOPE_SHARED_PCAPS", "")
    cands = [lab, os.path.join(shared, "PcapPlusPlus__sip_non_default_port.pcap")]
    for c in cands:
        if os.path.exists(c):
            try:
                doc, _ = run(c)
                if doc.get("version") == 1:
                    return 0
            except Exception as e:         # noqa: BLE001 - any failure means "not ready"
                print("sipscope cannot produce a JSON report yet: %s" % " ".join(str(e).split())[:200])
                return 77
    print("no capture to probe with")
    return 77


def lab(d, secrets):
    checked = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".expect"):
            continue
        lines = [shlex.split(l) for l in open(os.path.join(d, name))
                 if l.strip() and not l.startswith(("#", "msg "))]
        cap = os.path.join(d, name[:-7] + ".pcap")
        if not os.path.exists(cap):
            continue
        doc, rc = run(cap)
        check_schema(doc, rc, name)
        checked += 1
        for w in lines:
            tag = w[0]
            if len(w) > 1 and w[1] not in KINDS and w[1] not in ("none", "clean"):
                continue
            if tag == "kind":
                kind = w[1]
                if kind == "none":
                    bad = [f["kind"] for f in doc["findings"] if f["severity"] != "info"]
                    if bad or rc != 0:
                        fail("%s: healthy capture reported %s (exit %d)" % (name, bad, rc))
                elif not findings(doc, kind):
                    fail("%s: no %s finding (got %s)" % (name, kind,
                                                          [f["kind"] for f in doc["findings"]]))
                elif rc != 1 and kind not in ("password_verified",):
                    fail("%s: exit %d, want 1" % (name, rc))
            elif tag == "entity" and findings(doc, w[1]):
                kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
                ents = [f["entity"] for f in findings(doc, w[1])]
                for k in ("user", "src", "dst"):
                    v = kv.get(k, "-")
                    if v != "-" and not any(v in e.split() or v in e for e in ents):
                        fail("%s: %s entity %s lacks %s=%s" % (name, w[1], ents, k, v))
            elif tag == "frames" and w[1] != "clean" and findings(doc, w[1]):
                fs = findings(doc, w[1])
                kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
                if "frame" in kv:       # frames KIND status=S frame=N line="..."
                    n = int(kv["frame"])
                    ev = [e for f in fs for e in f["evidence"] if e["frame"] == n]
                    if not ev:
                        fail("%s: %s does not cite frame %d" % (name, w[1], n))
                    elif "line" in kv and not any(kv["line"] in e.get("line", "") for e in ev):
                        fail("%s: %s frame %d line %r not in %r" % (name, w[1], n, kv["line"],
                                                                  [e.get("line") for e in ev]))
                    continue
                for kv in w[2:]:
                    if "=" not in kv:
                        continue
                    role, v = kv.split("=", 1)
                    if role in COUNT_KEYS:
                        continue
                    got = set().union(*[role_frames(f, role) for f in fs])
                    if v == "-":
                        if role in ("challenge", "retry", "responses") and got:
                            fail("%s: %s cites %s %s, want none" % (name, w[1], role, got))
                    elif not nums(v) <= got:
                        fail("%s: %s %s frames %s not in cited %s" % (name, w[1], role, v, sorted(got)))
            elif tag == "carrier_code" and findings(doc, w[1]):
                code, frame = w[2], int(w[3].split("=")[1])
                ok = any(e["frame"] == frame and code in e.get("line", "")
                         for f in findings(doc, w[1]) for e in f["evidence"])
                if not ok:
                    fail("%s: %s does not quote code %s at frame %d" % (name, w[1], code, frame))
            elif tag == "with_secrets" and secrets:
                kind = w[1]
                kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
                sdoc, src = run(cap, "--secrets", secrets)
                fs = findings(sdoc, kind)
                if not fs:
                    fail("%s: with --secrets no %s (got %s)" % (name, kind,
                                                                [f["kind"] for f in sdoc["findings"]]))
                    continue
                if "frames" in kv and not nums(kv["frames"]) <= set().union(*[frames_of(f) for f in fs]):
                    fail("%s: %s frames %s not cited" % (name, kind, kv["frames"]))
                with open(secrets) as sf:
                    for line in sf:
                        parts = line.split()
                        if len(parts) >= 2 and not line.startswith("#") and len(parts[-1]) >= 4:
                            if parts[-1] in json.dumps(sdoc):
                                fail("%s: a password from the secrets file is in the report" % name)
    print("lab: %d capture(s) checked" % checked)
    return checked


def shared(d):
    def get(name, *extra):
        doc, rc = run(os.path.join(d, name), *extra)
        check_schema(doc, rc, name)
        return doc, rc

    # Zoiper REGISTER/SUBSCRIBE with a wrong password: 401 → retry → 403, twice
    # (tshark: frames 1-4 REGISTER, 5-8 SUBSCRIBE).
    doc, rc = get("sip_captures__sip-register-wrong_password-401-403-401-403.pcapng")
    f = findings(doc, "auth_rejected")
    if not f or rc != 1:
        fail("wrong_password: no auth_rejected (exit %d)" % rc)
    else:
        f = f[0]
        if "telephone1" not in f["entity"] or f["count"] != 2:
            fail("wrong_password: entity/count %s %d" % (f["entity"], f["count"]))
        for role, want in (("challenge", {2, 6}), ("retry", {3, 7}), ("rejected", {4, 8}),
                           ("request", {1, 5})):
            if role_frames(f, role) != want:
                fail("wrong_password: %s frames %s != %s" % (role, role_frames(f, role), want))
        if doc["peers"] and doc["peers"][0]["auth_success_rate"] != 0:
            fail("wrong_password: auth success rate should be 0")
    if findings(doc, "challenge_unanswered") or findings(doc, "ip_rejected"):
        fail("wrong_password: challenge or IP finding where credentials were sent and refused")

    # One-sided capture: REGISTER retransmitted x56 and INVITE x7, no responses.
    doc, rc = get("ISA__sip.pcap")
    f = findings(doc, "no_response")
    if not f or f[0]["severity"] not in ("error", "warning") or rc != 1:
        fail("ISA__sip: no no_response (exit %d)" % rc)
    elif "192.168.1.8" not in f[0]["entity"]:
        fail("ISA__sip: entity %s" % f[0]["entity"])

    # friendly-scanner OPTIONS (frame 1 per tshark) inside VLAN/GRE/PPP.
    doc, rc = get("nDPI__gre_sip.pcapng")
    f = findings(doc, "scanner")
    if not f:
        fail("gre_sip: no scanner finding")
    elif 1 not in frames_of(f[0]):
        fail("gre_sip: scanner does not cite frame 1: %s" % frames_of(f[0]))

    # Polycom REGISTER re-challenged with the same nonce (frames 4-8).
    doc, rc = get("heplify__ipip0.pcap")
    f = findings(doc, "auth_rejected")
    if not f or "1154" not in f[0]["entity"] or not {5, 6} <= frames_of(f[0]):
        fail("ipip0: auth_rejected for 1154 with retry 5 and re-challenge 6 missing")

    # aaa.pcap: "403 Wrong password or domain" to the authenticated INVITE (frame 348).
    doc, rc = get("sngrep__aaa.pcap")
    f = [x for x in findings(doc, "auth_rejected") if "voi18062" in x["entity"]]
    if not f or 348 not in frames_of(f[0]):
        fail("aaa: auth_rejected voi18062 citing frame 348 missing")

    # Healthy: calls set up, challenges answered and accepted.
    for name in ("PcapPlusPlus__sip_non_default_port.pcap", "sipnab__h263-over-rtp.pcap",
                 "ISA__real_call.pcap", "SIP-proxy-zadanie1__video_call.pcap",
                 "nDPI__sip_hello.pcapng", "sipnab__DTMFsipinfo.pcap"):
        if not os.path.exists(os.path.join(d, name)):
            continue
        doc, rc = get(name)
        bad = [(x["kind"], x["entity"]) for x in doc["findings"] if x["severity"] != "info"]
        if bad or rc != 0:
            fail("%s: healthy capture reported %s (exit %d)" % (name, bad, rc))

    # Every capture: the document always matches the schema.
    n = 0
    for name in sorted(os.listdir(d)):
        if name.endswith((".tsv", ".md")):
            continue
        try:
            doc, rc = run(os.path.join(d, name))
        except RuntimeError as e:
            p = subprocess.run([SIPSCOPE, "-q", "-r", os.path.join(d, name), "--report", "json",
                                "--no-tui"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode == 2:       # not a capture libpcap reads: a clean error is right
                continue
            fail(str(e))
            continue
        check_schema(doc, rc, name)
        n += 1
    print("shared: %d capture(s) checked against the schema" % n)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd = sys.argv[1]
    if cmd == "probe":
        return probe()
    if cmd == "lab":
        if lab(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None) == 0:
            print("no lab captures")
            return 77
    elif cmd == "shared":
        shared(sys.argv[2])
    elif cmd == "schema":
        for p in sys.argv[2:]:
            doc, rc = run(p)
            check_schema(doc, rc, p)
    print("%d failure(s)" % len(FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
