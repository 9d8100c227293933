#!/usr/bin/env python3
"""engine_network.py — the NAT, ALG, multi-site, region, peer and keep-alive kinds
through the real CLI ($SIPSCOPE -r FILE --report json), on the lab captures
made with kamailio + sipp (pcaps/lab/, frame numbers from tshark in
NAME.expect). Exit 0 pass, 1 fail, 77 when the binary cannot report JSON.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_check as ec  # noqa: E402

LAB = "pcaps/lab"
MINE = ("nat_rewrite", "sip_alg", "multi_site", "wrong_region", "unexpected_peer",
        "keepalive_failed")


def expect(name):
    """The .expect lines as lists of words (tshark-derived facts)."""
    out = []
    with open(os.path.join(LAB, name + ".expect")) as f:
        for line in f:
            if line.strip() and not line.startswith(("#", "msg ")):
                out.append(shlex.split(line))
    return out


def kv(words):
    return dict(w.split("=", 1) for w in words if "=" in w)


def one(doc, kind, name):
    fs = ec.findings(doc, kind)
    if len(fs) != 1:
        ec.fail("%s: want one %s, got %s" % (name, kind, [f["kind"] for f in doc["findings"]]))
        return None
    return fs[0]


def cited(f, frame, role=None):
    return any(e["frame"] == frame and (role is None or e["role"] == role) for e in f["evidence"])


def nat(name):
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"))
    ec.check_schema(doc, rc, name)
    f = one(doc, "nat_rewrite", name)
    if f is None:
        return
    lines = expect(name)
    ent = kv(next(w for w in lines if w[:2] == ["entity", "nat_rewrite"])[2:])
    frames = kv(next(w for w in lines if w[:2] == ["frames", "nat_rewrite"])[2:])
    if f["entity"] != "%s to %s" % (ent["src"], ent["dst"]):
        ec.fail("%s: entity %r, want %s to %s" % (name, f["entity"], ent["src"], ent["dst"]))
    first_req = min(ec.nums(frames["requests"]))
    if not cited(f, first_req, "request advertising a private address"):
        ec.fail("%s: request frame %d not cited" % (name, first_req))
    via_host = ent["via"].split(":")[0]
    if via_host not in f["summary"]:
        ec.fail("%s: summary does not name %s: %s" % (name, via_host, f["summary"]))
    if frames["responses"] != "-":
        first_resp = min(ec.nums(frames["responses"]))
        det = kv(next(w for w in lines if w[:1] == ["detail"])[1:])
        ev = [e for e in f["evidence"] if e["frame"] == first_resp]
        if not ev or "received=" + det["via_received"] not in ev[0]["line"] or \
                "sent to " + det["responses_sent_to"] not in ev[0]["line"]:
            ec.fail("%s: response %d with received=%s sent to %s not cited: %s"
                    % (name, first_resp, det["via_received"], det["responses_sent_to"], ev))
    if f["severity"] != "error" or rc != 1:
        ec.fail("%s: severity %s exit %d, want error / 1" % (name, f["severity"], rc))


def clean(name, *extra):
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"), *extra)
    ec.check_schema(doc, rc, name)
    bad = [(f["kind"], f["entity"]) for f in doc["findings"] if f["severity"] != "info"]
    mine = [(f["kind"], f["entity"]) for f in doc["findings"] if f["kind"] in MINE]
    if bad or mine or rc != 0:
        ec.fail("%s: healthy capture reported %s %s (exit %d)" % (name, bad, mine, rc))


def keepalive():
    name = "keepalive_failed"
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"))
    ec.check_schema(doc, rc, name)
    f = one(doc, name, name)
    if f is None:
        return
    lines = expect(name)
    ent = kv(next(w for w in lines if w[:2] == ["entity", name])[2:])
    if f["entity"] != "%s to %s" % (ent["src"], ent["dst"]):
        ec.fail("keepalive: entity %r" % f["entity"])
    fr = {}
    for w in lines:
        if w[:2] == ["frames", name]:
            fr.update(kv(w[2:]))
    det = kv(next(w for w in lines if w[:2] == ["detail", name])[2:])
    want = {int(fr["first_unanswered"]): "first unanswered keepalive",
            int(fr["last_answer_before"]): "last answer before outage",
            int(fr["first_answer_after"]): "answer after outage",
            min(ec.nums(fr["answered_after"])): "keepalive answered after outage"}
    for frame, role in want.items():
        if not cited(f, frame, role):
            ec.fail("keepalive: frame %d not cited as %r" % (frame, role))
    start, end = float(det["first_unanswered_t"]), float(det["first_answer_after_t"])
    span = "%.1f-%.1f s (%.1f s)" % (start, end, end - start)
    if span not in f["summary"] or "%s sent" % det["keepalives"] not in f["summary"]:
        ec.fail("keepalive: summary lacks %r / %s pings: %s" % (span, det["keepalives"],
                                                                f["summary"]))
    if doc["peers"][0]["keepalive"] != "up":
        ec.fail("keepalive: peer keepalive %r, want up" % doc["peers"][0]["keepalive"])
    if rc != 1:
        ec.fail("keepalive: exit %d" % rc)


def multi_site():
    name = "multi_site"
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"))
    ec.check_schema(doc, rc, name)
    f = one(doc, name, name)
    if f is None:
        return
    lines = expect(name)
    ent = kv(next(w for w in lines if w[:2] == ["entity", name])[2:])
    if not f["entity"].startswith(ent["user"] + "@") or not f["entity"].endswith(ent["dst"]):
        ec.fail("multi_site: entity %r" % f["entity"])
    for w in lines:
        if w[:2] == ["frames", name]:
            d = kv(w[2:])
            for frame in ec.nums(d["retry"]):
                ev = [e for e in f["evidence"] if e["frame"] == frame]
                if not ev or not ev[0]["line"].startswith("from %s:" % d["src"]):
                    ec.fail("multi_site: retry %d from %s not cited: %s" % (frame, d["src"], ev))
    for src in ent["srcs"].split(","):
        if src not in f["summary"]:
            ec.fail("multi_site: summary lacks %s" % src)


def wrong_region():
    name = "wrong_region"
    lines = expect(name)
    ent = kv(next(w for w in lines if w[:2] == ["entity", name])[2:])
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"), "--profiles", ent["profiles"])
    ec.check_schema(doc, rc, name)
    f = one(doc, name, name)
    if f is None:
        return
    if f["entity"] != "%s to %s" % (ent["ruri_host"], ent["dst"]):
        ec.fail("wrong_region: entity %r" % f["entity"])
    for frame in ec.nums(kv(next(w for w in lines if w[:2] == ["frames", name])[2:])["invite"]):
        if not cited(f, frame, "request"):
            ec.fail("wrong_region: INVITE %d not cited" % frame)
    for e in (ent["ruri_edge"], ent["dst_edge"]):
        if "edge " + e not in f["summary"]:
            ec.fail("wrong_region: summary lacks edge %s: %s" % (e, f["summary"]))
    if rc != 1:
        ec.fail("wrong_region: exit %d" % rc)
    # without the lab profile the carrier's address is nobody's edge
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"))
    if ec.findings(doc, name):
        ec.fail("wrong_region: reported without the lab profile")


def config():
    """--config: the renumbered PBX of source_ip_changed.pcap is outside the ACL."""
    name = "source_ip_changed"
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as c:
        c.write("[trunk lab]\nprovider = twilio\npublic_ip = 198.51.100.10\n"
                "termination_uri = sip:labtrunk.pstn.twilio.com\nip_acl = 198.51.100.10\n"
                "peer = 203.0.113.5/32\n")
    try:
        doc, rc = ec.run(os.path.join(LAB, name + ".pcap"), "--config", c.name)
    finally:
        os.unlink(c.name)
    ec.check_schema(doc, rc, name)
    fs = [f for f in ec.findings(doc, "unexpected_peer") if "198.51.100.77" in f["entity"]]
    if not fs or "not in the IP ACL you listed" not in fs[0]["summary"]:
        ec.fail("config: no unexpected_peer for 198.51.100.77: %s"
                % [(f["kind"], f["entity"]) for f in doc["findings"]])
    doc, rc = ec.run(os.path.join(LAB, name + ".pcap"))
    if ec.findings(doc, "unexpected_peer"):
        ec.fail("config: unexpected_peer without --config")


def main():
    if not os.path.exists(os.path.join(LAB, "nat_correct.expect")):
        print("no lab NAT captures")
        return 77
    r = ec.probe()
    if r != 0:
        return r
    nat("nat_rewrite_carrier")
    nat("nat_rewrite_pbx")
    clean("nat_correct")
    clean("clean")
    keepalive()
    multi_site()
    wrong_region()
    config()
    print("%d failure(s)" % len(ec.FAIL))
    return 1 if ec.FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
