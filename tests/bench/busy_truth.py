#!/usr/bin/env python3
"""busy_truth.py — what a busy-PBX capture really contains, read from the
capture itself (not from the generator's internals), and how a sipscope run
compares with it.

    busy_truth.py truth CAPTURE.pcap            -> JSON ground truth on stdout
    busy_truth.py compare CAPTURE.pcap REPORT.json [REPORT.txt]
                                                -> figures (JSON) on stdout

Ground truth, from the wire (Ethernet/IPv4/UDP classic pcap, one SIP message
per frame, as shared/bench/gen_sip_pcap.py and tests/soak write):
  * scanners: source addresses whose requests carry a scanner User-Agent
    (friendly-scanner, sipvicious, sipcli, VaxSIPUserAgent, pplsip);
  * bad_password_users: usernames whose request WITH credentials from a
    non-scanner source was answered 403 (the PBX refused the credentials);
  * scanner_attempts: REGISTER / INVITE requests sent by scanners;
  * orphan_responses: responses whose request (top-Via branch + CSeq method,
    ACK counted as INVITE) is not in the capture: they predate it.

The comparison (what a user checks): every scanner named in the JSON, no
finding blaming a user's password or the ACL for a scanner's attempt, the
share of bad-password users the JSON lists, responses the engine could not
match beyond the true orphans, evictions, text report lines.
Python 3 standard library only.
"""
import json
import re
import struct
import sys

SCANNER_UA = re.compile(rb"friendly-scanner|sipvicious|sipcli|VaxSIPUserAgent|pplsip", re.I)


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        n = 0
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            _, _, incl, _ = struct.unpack(end + "IIII", ph)
            data = f.read(incl)
            n += 1
            if len(data) < 42 or data[12:14] != b"\x08\x00":
                continue
            ihl = (data[14] & 15) * 4
            if data[23] != 17:
                continue
            src = ".".join(str(b) for b in data[26:30])
            udp = 14 + ihl
            yield n, src, data[udp + 8:]


def header(msg, name, compact=None):
    for line in msg.split(b"\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == name or (compact is not None and k == compact):
            return v.strip()
    return None


def truth(path):
    scanners = {}
    reqs = set()
    orphans = 0
    resp_total = 0
    cred_req = {}       # branch -> (user, src)
    bad = {}
    scan_attempts = {"REGISTER": 0, "INVITE": 0}
    scan_users = set()  # accounts a scanner tried (credentials, REGISTER To user)
    msgs = 0
    for n, src, p in frames(path):
        msgs += 1
        first = p[:p.find(b"\r\n")]
        via = header(p, b"via", b"v") or b""
        m = re.search(rb"branch=([^;, ]+)", via)
        branch = m.group(1) if m else b""
        cseq = (header(p, b"cseq") or b"0 X").split()
        cmeth = cseq[-1] if cseq else b""
        if cmeth == b"ACK":
            cmeth = b"INVITE"
        if not first.startswith(b"SIP/2.0 "):
            meth = first.split(b" ", 1)[0]
            ua = header(p, b"user-agent") or b""
            if SCANNER_UA.search(ua):
                scanners.setdefault(src, ua.decode("ascii", "replace"))
                if meth.decode() in scan_attempts:
                    scan_attempts[meth.decode()] += 1
                if meth == b"REGISTER":
                    to = header(p, b"to", b"t") or b""
                    tu = re.search(rb"sips?:([^@;>]+)@", to)
                    if tu:
                        scan_users.add(tu.group(1).decode("utf-8", "replace"))
            reqs.add((branch, cmeth))
            auth = header(p, b"authorization") or header(p, b"proxy-authorization")
            if auth:
                u = re.search(rb'username="([^"]*)"', auth)
                if u:
                    cred_req[(branch, cmeth)] = (u.group(1).decode("utf-8", "replace"), src)
                    if SCANNER_UA.search(header(p, b"user-agent") or b""):
                        scan_users.add(u.group(1).decode("utf-8", "replace"))
        else:
            resp_total += 1
            if (branch, cmeth) not in reqs:
                orphans += 1
            elif first[8:11] == b"403" and (branch, cmeth) in cred_req:
                user, s = cred_req[(branch, cmeth)]
                if s not in scanners:
                    bad.setdefault(user, 0)
                    bad[user] += 1
    return {
        "messages": msgs,
        "responses": resp_total,
        "orphan_responses": orphans,
        "scanners": scanners,
        "scanner_attempts": scan_attempts,
        "bad_password_users": sorted(bad),
        # targeted by a scanner and refused from a phone of its own
        "targeted_and_failing": sorted(scan_users & set(bad)),
    }


BLAMING_KINDS = ("auth_rejected", "ip_rejected", "password_mismatch", "account_suspended")


def compare(pcap, report_json, report_txt=None):
    t = truth(pcap)
    d = json.load(open(report_json))
    st = d.get("stats", {})
    c = st.get("counters", {})
    findings = d.get("findings", [])
    text = json.dumps(d)
    named = [ip for ip in t["scanners"] if any(
        f.get("kind") in ("scanner", "brute_force") and (ip in json.dumps(f)) for f in findings)]
    # a finding blaming the PBX's credentials or ACL that names a scanner's address
    blamed = 0
    for f in findings:
        if f.get("kind") not in BLAMING_KINDS:
            continue
        s = json.dumps({k: f.get(k) for k in ("entity", "summary", "evidence", "sample")})
        if any(ip in s for ip in t["scanners"]):
            blamed += 1
    listed = [u for u in t["bad_password_users"] if '"%s' % u in text]
    # the full member lists: every refused user in the auth_rejected
    # population, every scanner in the scanner population
    ar_members = set()
    scan_members = set()
    targets = set()
    for f in findings:
        names = [m.get("name") for m in f.get("members", [])]
        if f.get("kind") == "auth_rejected":
            ar_members.update(names)
        if f.get("kind") in ("scanner", "brute_force"):
            if f.get("kind") == "scanner":
                scan_members.update(names)
            targets.update(x.split("@")[0] for x in f.get("targets", []))
    both = t["targeted_and_failing"]
    ev = {k[len("engine."):-len(".evicted")]: v for k, v in c.items()
          if k.startswith("engine.") and k.endswith(".evicted")}
    out = {
        "messages": t["messages"],
        "evictions": ev,
        "evictions_total": st.get("evictions"),
        "timeout_queue_dropped": c.get("engine.timeout_queue.dropped"),
        "orphan_responses": c.get("engine.orphan_responses"),
        "true_orphan_responses": t["orphan_responses"],
        "unmatched_beyond_true": (c.get("engine.orphan_responses", 0) - t["orphan_responses"]),
        "responses": t["responses"],
        "findings": len(findings),
        "scanners": len(t["scanners"]),
        "scanners_named": len(named),
        "findings_blaming_scanner_traffic": blamed,
        "bad_password_users": len(t["bad_password_users"]),
        "bad_password_users_listed": len(listed),
        "bad_password_users_members": len([u for u in t["bad_password_users"] if u in ar_members]),
        "scanners_members": len([ip for ip in t["scanners"] if ip in scan_members]),
        "targeted_and_failing": len(both),
        "targeted_and_failing_reported_both": len([u for u in both
                                                   if u in ar_members and u in targets]),
        "targeted_and_failing_missing": [u for u in both
                                         if not (u in ar_members and u in targets)][:10],
    }
    if report_txt:
        with open(report_txt, "rb") as f:
            out["text_lines"] = sum(1 for _ in f)
    return out


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "truth":
        json.dump(truth(sys.argv[2]), sys.stdout, indent=1)
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        json.dump(compare(*sys.argv[2:5]), sys.stdout, indent=1)
    else:
        sys.stderr.write(__doc__)
        return 2
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
