#!/usr/bin/env python3
"""tests/lab/expect.py NAME PCAP: write NAME.expect for a lab capture.

Everything in the output is read back from the capture with tshark (never
typed by hand), so the engine's tests can assert exact kinds, entities and
evidence frames. Format: one fact per line, `#` comments.

  capture NAME.pcap
  secrets: tests/lab/secrets.txt
  kind KIND                     a finding the engine must report ("kind none":
                                no finding of severity warning or worse)
  entity KIND key=value ...     who the finding is about
  frames KIND role=N[,N...] ... evidence frames by role
  carrier_code KIND CODE frame=N text="..."
  with_secrets KIND user=U frames=N,...   (only with --secrets tests/lab/secrets.txt)
  msg FRAME t=SECONDS SRC>DST "START LINE" cseq="N METHOD" [auth ...] [...]
Quoted values escape an inner " and \ with a backslash.
"""
import hashlib
import os
import subprocess
import sys

SECRETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "secrets.txt")

FIELDS = ["frame.number", "frame.time_relative", "ip.src", "udp.srcport", "ip.dst",
          "udp.dstport", "sip.Request-Line", "sip.Status-Line", "sip.msg_hdr"]


def params(v):
    """Digest parameters of an auth header value, quotes removed."""
    out = {}
    v = v.split(None, 1)[1] if " " in v else ""
    for part in v.split(","):
        if "=" in part:
            k, x = part.split("=", 1)
            out[k.strip().lower()] = x.strip().strip('"')
    return out


def read(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "sip", "-T", "fields", "-E", "separator=\t",
           "-E", "quote=n"] + [x for f in FIELDS for x in ("-e", f)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    msgs = []
    for line in res.stdout.splitlines():
        c = line.split("\t")
        c += [""] * (len(FIELDS) - len(c))
        m = {"frame": int(c[0]), "t": float(c[1]), "src": c[2], "sport": c[3],
             "dst": c[4], "dport": c[5], "hdr": {}}
        if c[6]:
            m["line"] = c[6]
            m["method"] = c[6].split()[0]
            m["ruri"] = c[6].split()[1]
            m["status"] = 0
        else:
            m["line"] = c[7]
            m["status"] = int(c[7].split()[1])
            m["method"] = ""
        for h in c[8].split("\\r\\n"):
            if ":" in h:
                k, v = h.split(":", 1)
                m["hdr"].setdefault(k.strip().lower(), v.strip())
        m["sdp_c"] = ""
        for h in c[8].split("\\r\\n"):
            if h.startswith("c=IN IP4 "):
                m["sdp_c"] = h.split()[-1]
        via = m["hdr"].get("via", "")
        m["via_sentby"] = via.split()[1].split(";")[0] if len(via.split()) > 1 else ""
        m["via_params"] = via.split(";")[1:]
        ct = m["hdr"].get("contact", "")
        m["contact_host"] = ct.split("@")[-1].split(">")[0].split(";")[0].split(":")[0] if ct else ""
        m["cseq"] = m["hdr"].get("cseq", "")
        m["callid"] = m["hdr"].get("call-id", "")
        cred = m["hdr"].get("proxy-authorization") or m["hdr"].get("authorization")
        m["cred"] = params(cred) if cred else None
        chal = m["hdr"].get("proxy-authenticate") or m["hdr"].get("www-authenticate")
        m["chal"] = params(chal) if chal else None
        msgs.append(m)
    return msgs


def load_secrets():
    out = []
    with open(SECRETS) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2:
                user, _, realm = line[0].partition("@")
                out.append((user, realm, line[1]))
    return out


def digest_ok(m, password):
    """RFC 2617 MD5 digest check of request m's credentials (qop auth or none)."""
    c = m["cred"]
    h = lambda x: hashlib.md5(x.encode()).hexdigest()
    ha1 = h("%s:%s:%s" % (c.get("username"), c.get("realm"), password))
    ha2 = h("%s:%s" % (m["method"], c.get("uri")))
    if c.get("qop"):
        resp = h("%s:%s:%s:%s:%s:%s" % (ha1, c.get("nonce"), c.get("nc"), c.get("cnonce"), c.get("qop"), ha2))
    else:
        resp = h("%s:%s:%s" % (ha1, c.get("nonce"), ha2))
    return resp == c.get("response", "").lower()


def with_secrets(retry):
    """What --secrets tests/lab/secrets.txt must say about each retry."""
    lines, groups = [], {}
    sec = load_secrets()
    for m in retry:
        c = m["cred"]
        cand = [p for u, r, p in sec if u == c.get("username") and r == c.get("realm")]
        cand = cand or [p for u, r, p in sec if u == c.get("username") and not r]
        if not cand:
            continue
        kind = "password_verified" if digest_ok(m, cand[0]) else "password_mismatch"
        groups.setdefault((kind, c.get("username")), []).append(m)
    for (kind, user), ms in groups.items():
        lines.append("with_secrets %s user=%s frames=%s" % (kind, user, fr(ms)))
    return lines


def q(v):
    """A double-quoted value; inner quotes and backslashes escaped."""
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


def describe(m):
    s = 'msg %d t=%.6f %s:%s>%s:%s %s cseq=%s' % (
        m["frame"], m["t"], m["src"], m["sport"], m["dst"], m["dport"], q(m["line"]), q(m["cseq"]))
    if m["cred"]:
        c = m["cred"]
        s += " auth user=%s realm=%s nonce=%s uri=%s" % (
            c.get("username"), c.get("realm"), c.get("nonce"), c.get("uri"))
    if m["chal"]:
        s += " challenge realm=%s nonce=%s" % (m["chal"].get("realm"), m["chal"].get("nonce"))
    for h in ("x-twilio-error", "warning", "reason", "user-agent"):
        if h in m["hdr"] and not (h == "user-agent" and m["hdr"][h].startswith("lab-")):
            s += ' %s=%s' % (h, q(m["hdr"][h]))
    return s


def fr(lst):
    return ",".join(str(m["frame"]) for m in lst) or "-"


def main():
    name, pcap = sys.argv[1], sys.argv[2]
    msgs = read(pcap)
    req = [m for m in msgs if m["method"]]
    resp = [m for m in msgs if m["status"]]
    chal = [m for m in resp if m["status"] in (401, 407)]
    retry = [m for m in req if m["cred"]]
    fail = [m for m in resp if m["status"] >= 400 and m["status"] not in (401, 407)]
    # a 401/407 answering a request that carried credentials = rejection
    credtxn = {(m["callid"], m["cseq"]) for m in retry}
    rechal = [m for m in chal if (m["callid"], m["cseq"]) in credtxn]
    first_chal = [m for m in chal if (m["callid"], m["cseq"]) not in credtxn]
    out = ["# %s.expect: generated by tests/lab/make-lab-pcaps.sh (tests/lab/expect.py)" % name,
           "# from the capture with tshark; see pcaps/lab/README.md. Do not edit.",
           "capture %s.pcap" % name, "secrets: tests/lab/secrets.txt"]

    def code(kind, m):
        x = m["hdr"].get("x-twilio-error")
        if x:
            out.append('carrier_code %s %s frame=%d text=%s' % (kind, x.split()[0], m["frame"], q(x)))

    src = req[0]["src"] if req else "-"
    dst = req[0]["dst"] if req else "-"
    if name == "clean":
        out.append("kind none")
        ok = [m for m in resp if 200 <= m["status"] < 300]
        out.append("frames clean challenge=%s retry=%s ok=%s" % (fr(chal), fr(retry), fr(ok)))
    elif name in ("auth_rejected_403", "auth_rejected_rechallenge"):
        rej = [m for m in fail if (m["callid"], m["cseq"]) in credtxn] + rechal
        out.append("kind auth_rejected")
        out.append("entity auth_rejected user=%s src=%s dst=%s" % (retry[0]["cred"]["username"], src, dst))
        out.append("frames auth_rejected request=%d challenge=%s retry=%s rejected=%s" % (
            req[0]["frame"], fr(first_chal), fr(retry), fr(rej)))
        for m in rej:
            code("auth_rejected", m)
    elif name == "ip_rejected":
        out.append("kind ip_rejected")
        out.append("entity ip_rejected src=%s dst=%s" % (src, dst))
        out.append("frames ip_rejected request=%s rejected=%s challenge=%s" % (
            fr([m for m in req if m["method"] == "INVITE"]), fr(fail), fr(chal)))
        for m in fail:
            code("ip_rejected", m)
    elif name == "source_ip_changed":
        srcs = []
        for m in req:
            if m["src"] not in srcs:
                srcs.append(m["src"])
        old, new = srcs[0], srcs[-1]
        ok = [m for m in resp if m["status"] == 200 and m["dst"] == old and "INVITE" in m["cseq"]]
        rej = [m for m in fail if m["dst"] == new]
        out.append("kind source_ip_changed")
        out.append("entity source_ip_changed old_src=%s new_src=%s dst=%s ruri_host=%s" % (
            old, new, dst, req[0]["ruri"].split("@")[-1]))
        out.append("frames source_ip_changed ok_from_old=%s first_from_new=%d rejected_from_new=%s" % (
            fr(ok), [m for m in req if m["src"] == new][0]["frame"], fr(rej)))
        for m in rej:
            code("source_ip_changed", m)
        out.append("kind ip_rejected")
    elif name == "account_suspended":
        out.append("kind account_suspended")
        out.append("entity account_suspended src=%s dst=%s" % (src, dst))
        out.append("frames account_suspended requests=%s rejected=%s" % (
            fr([m for m in req if m["method"] != "ACK"]), fr(fail)))
        out.append('reason account_suspended status=%s warning=%s reason=%s' % (
            q(fail[0]["line"]), q(fail[0]["hdr"].get("warning", "")), q(fail[0]["hdr"].get("reason", ""))))
    elif name == "challenge_unanswered":
        out.append("kind challenge_unanswered")
        out.append("entity challenge_unanswered src=%s dst=%s" % (src, dst))
        out.append("frames challenge_unanswered request=%d challenge=%s ack=%s retry=-" % (
            req[0]["frame"], fr(chal), fr([m for m in req if m["method"] == "ACK"])))
    elif name == "digest_mismatch":
        c = retry[0]["cred"]
        issued = {m["chal"]["nonce"] for m in chal}
        out.append("kind digest_mismatch")
        out.append("entity digest_mismatch user=%s src=%s dst=%s" % (c["username"], src, dst))
        out.append("frames digest_mismatch challenge=%s retry=%s answer=%s" % (
            fr(first_chal), fr(retry), fr([m for m in resp if (m["callid"], m["cseq"]) in credtxn and m["status"] >= 300])))
        out.append("detail digest_mismatch nonce_issued=%s nonce_used=%s nonce_was_issued=%s" % (
            ",".join(sorted(issued)), c["nonce"], "yes" if c["nonce"] in issued else "no"))
    elif name == "no_response":
        inv = [m for m in req if m["method"] == "INVITE"]
        gaps = ["%.1f" % (b["t"] - a["t"]) for a, b in zip(inv, inv[1:])]
        out.append("kind no_response")
        out.append("entity no_response src=%s dst=%s" % (src, dst))
        out.append("frames no_response invite=%s responses=%s" % (fr(inv), fr(resp)))
        out.append("detail no_response later_unanswered_request=%s (sent once, at the end)" % (
            fr([m for m in req if m["method"] != "INVITE"])))
        out.append("detail no_response retransmit_gaps_s=%s span_s=%.1f capture_s=%.1f" % (
            ",".join(gaps), inv[-1]["t"] - inv[0]["t"], msgs[-1]["t"] - inv[0]["t"]))
    elif name == "scanner":
        users = []
        for m in req:
            u = m["hdr"].get("to", "").split("sip:")[-1].split("@")[0]
            if m["method"] == "REGISTER" and u not in users:
                users.append(u)
        out.append("kind scanner")
        out.append("entity scanner src=%s user_agent=%s" % (src, req[0]["hdr"].get("user-agent")))
        out.append("frames scanner first=%d last=%d challenges=%d" % (req[0]["frame"], req[-1]["frame"], len(chal)))
        out.append("detail scanner usernames=%d first=%s last=%s retries_with_credentials=%d" % (
            len(users), users[0], users[-1], len(retry)))
    elif name == "brute_force":
        out.append("kind brute_force")
        out.append("entity brute_force user=1001 src=%s dst=%s" % (src, dst))
        out.append("frames brute_force retry=%s rejected=%s" % (fr(retry), fr(fail)))
        out.append("detail brute_force failures=%d window_s=%.1f" % (len(fail), fail[-1]["t"] - req[0]["t"]))
        out.append("kind auth_rejected")
    elif name == "carrier_rejected":
        out.append("kind carrier_rejected")
        out.append("entity carrier_rejected user=1002 src=%s dst=%s" % (src, dst))
        for m in fail:
            out.append('frames carrier_rejected status=%d frame=%d line=%s' % (m["status"], m["frame"], q(m["line"])))
            code("carrier_rejected", m)
        out.append("# secrets.txt's 1002 entry deliberately differs from the carrier's password:")
        out.append("# the carrier accepted every retry (no auth failure in this capture).")
    elif name.startswith("nat_rewrite") or name == "nat_correct":
        r0 = req[0]
        rport = any(p.split("=")[0] == "rport" for p in r0["via_params"])
        rec = [p for m in resp for p in m["via_params"] if p.startswith("received=")]
        out.append("kind none" if name == "nat_correct" else "kind nat_rewrite")
        out.append("entity %s src=%s:%s via=%s contact_host=%s sdp_c=%s rport=%s dst=%s" % (
            "nat" if name == "nat_correct" else "nat_rewrite", r0["src"], r0["sport"], r0["via_sentby"],
            r0["contact_host"], r0["sdp_c"], "yes" if rport else "no", r0["dst"]))
        out.append("frames %s requests=%s responses=%s" % (
            "nat" if name == "nat_correct" else "nat_rewrite", fr(req), fr(resp)))
        if resp:
            out.append("detail responses_sent_to=%s:%s via_received=%s" % (
                resp[0]["dst"], resp[0]["dport"], rec[0].split("=")[1] if rec else "-"))
        else:
            out.append("detail responses_seen=0 (this side of the NAT never hears the carrier)")
    elif name == "keepalive_failed":
        opts = [m for m in req if m["method"] == "OPTIONS"]
        answered = {(m["callid"]) for m in resp}
        first_unans = [m for m in opts if m["callid"] not in answered]
        after = [m for m in opts if m["callid"] in answered and first_unans and m["t"] > first_unans[-1]["t"]]
        before = [m for m in opts if m["callid"] in answered and (not first_unans or m["t"] < first_unans[0]["t"])]
        out.append("kind keepalive_failed")
        out.append("entity keepalive_failed src=%s dst=%s" % (src, dst))
        uniq = lambda ms: [m for i, m in enumerate(ms) if m["callid"] not in {x["callid"] for x in ms[:i]}]
        out.append("frames keepalive_failed answered_before=%s first_unanswered=%d answered_after=%s" % (
            fr(uniq(before)), first_unans[0]["frame"], fr(uniq(after))))
        t0 = first_unans[0]["t"]
        last_before = [m for m in resp if m["t"] < t0][-1]
        first_after = [m for m in resp if m["t"] > t0][0]
        out.append("detail keepalive_failed keepalives=%d unanswered_keepalives=%d "
                   "last_answer_before_t=%.1f first_unanswered_t=%.1f first_answer_after_t=%.1f "
                   "silent_s=%.1f" % (len(uniq(opts)), len(uniq(first_unans)), last_before["t"], t0,
                                      first_after["t"], first_after["t"] - last_before["t"]))
        out.append("frames keepalive_failed last_answer_before=%d first_answer_after=%d" % (
            last_before["frame"], first_after["frame"]))
    elif name == "multi_site":
        srcs = []
        for m in retry:
            if m["src"] not in srcs:
                srcs.append(m["src"])
        out.append("kind multi_site")
        out.append("entity multi_site user=%s srcs=%s dst=%s" % (retry[0]["cred"]["username"], ",".join(srcs), dst))
        for a in srcs:
            out.append("frames multi_site src=%s retry=%s" % (a, fr([m for m in retry if m["src"] == a])))
    elif name == "wrong_region":
        inv = [m for m in req if m["method"] == "INVITE"]
        out.append("kind wrong_region")
        out.append("entity wrong_region ruri_host=%s dst=%s ruri_edge=dublin dst_edge=ashburn "
                   "profiles=tests/lab/profiles" % (inv[0]["ruri"].split("@")[-1], dst))
        out.append("frames wrong_region invite=%s" % fr(inv))
        out.append("# the edges come from tests/lab/profiles/twilio-lab.ini, not from Twilio's real addresses")
    out += with_secrets(retry)
    out.append("count messages=%d requests=%d responses=%d" % (len(msgs), len(req), len(resp)))
    out += [describe(m) for m in msgs]
    print("\n".join(out))


if __name__ == "__main__":
    main()
