#!/usr/bin/env python3
"""engine_check.py — helpers for the engine_*.sh integration tests.

Runs $SIPSCOPE -r FILE --report json --no-tui, checks the document against
docs/json-schema.md, and asserts what the lab expectation files
(pcaps/lab/NAME.expect, written from tshark by tests/lab/) and the shared
captures (read with tshark, MANIFEST.md) say is there.

  engine_check.py probe                 exit 1 when the binary crashes or prints bad JSON
  engine_check.py lab DIR [SECRETS]     every DIR/*.expect
  engine_check.py shared DIR            the shared-capture assertions below
  engine_check.py schema FILE...        schema check only
"""
import json
import os
import re
import shlex
import subprocess
import sys

SIPSCOPE = os.environ.get("SIPSCOPE", "./sipscope")
# Kinds this engine reports; expectations for later kinds (nat_rewrite,
# keepalive_failed, ...) are left to their own tests.
KINDS = {"auth_rejected", "ip_rejected", "source_ip_changed", "account_suspended",
         "challenge_unanswered", "digest_mismatch", "password_mismatch", "password_verified",
         "no_response", "scanner", "brute_force", "carrier_rejected"}
# A kind the expectation names may bring another finding along that is still right:
# digest_mismatch's retry was refused with 403, an auth refusal as well (its auth_rejected
# finding names the digest mismatch as the first cause). Anything else unnamed fails.
IMPLIES = {"digest_mismatch": {"auth_rejected"}}
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
    need(isinstance(doc.get("agents"), list) and isinstance(doc.get("agents_evicted"), int),
         "agents list, agents_evicted")
    for a in doc.get("agents", []):
        for k in ("capture_id", "packets", "bytes", "malformed", "refused", "dropped"):
            need(isinstance(a.get(k), int), "agent.%s integer" % k)
        need(isinstance(a.get("address"), str) and a.get("transport") in ("UDP", "TCP", "TLS"),
             "agent address/transport")
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
    need(isinstance(doc.get("media"), list) and isinstance(doc.get("media_calls"), list), "media arrays")
    need(isinstance(doc.get("media_not_shown"), int), "media_not_shown")
    for m in doc.get("media", []):
        need(isinstance(m.get("heuristic"), bool), "media.heuristic")
        # a heuristic stream (--rtp-heuristic) belongs to no call
        need(m["call_id"] is None if m.get("heuristic") else isinstance(m.get("call_id"), str),
             "media.call_id")
        for k in ("src", "dst", "direction"):
            need(isinstance(m.get(k), str), "media.%s" % k)
        for k in ("src_port", "dst_port", "ssrc", "payload_type", "packets", "expected", "lost",
                  "first_frame"):
            need(isinstance(m.get(k), int), "media.%s integer" % k)
        need(m["packets"] >= 1 and m["expected"] >= 1, "media packets/expected")
        for k in ("jitter_ms", "jitter_max_ms", "jitter_mean_ms"):
            need(isinstance(m.get(k), (int, float)) and m[k] >= 0, "media.%s" % k)
        need(m.get("codec") is None or isinstance(m["codec"], str), "media.codec")
    for c in doc.get("media_calls", []):
        need(c.get("verdict") in ("two-way", "one-way", "no media", "not answered"),
             "media_calls.verdict")
        for k in ("rtp_to_caller", "rtp_to_callee", "streams"):
            need(isinstance(c.get(k), int), "media_calls.%s" % k)
    worst = max([sev_order[f["severity"]] for f in doc.get("findings", [])] + [0])
    need(doc.get("exit_status") == (1 if worst >= 1 else 0), "exit_status follows severities")


def findings(doc, kind):
    return [f for f in doc.get("findings", []) if f["kind"] == kind]


def frames_of(f, role=None):
    return {e["frame"] for e in f.get("evidence", []) if role is None or e["role"] == role}


def probe():
    """Can the binary under test read a capture and print a JSON report? A binary that
    exists but crashes, or prints something that is not the JSON report, is a failure
    (exit 1), never a skip: only a missing capture to probe with skips (77)."""
    lab = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../pcaps/lab/clean.pcap")
    shared = os.environ.get("SIPSCOPE_SHARED_PCAPS", "")
    cands = [lab, os.path.join(shared, "PcapPlusPlus__sip_non_default_port.pcap")]
    for c in cands:
        if os.path.exists(c):
            try:
                doc, _ = run(c)
            except Exception as e:         # noqa: BLE001 - a crash, a hang or bad JSON
                print("FAIL: sipscope cannot produce a JSON report: %s" % " ".join(str(e).split())[:400])
                return 1
            if doc.get("version") != 1:
                print("FAIL: JSON report version %r, want 1" % doc.get("version"))
                return 1
            return 0
    print("no capture to probe with")
    return 77


ENTITY_RE = re.compile(r"^(?:(?P<user>\S+) from )?(?P<src>\S+) to (?P<dst>[^\s:]+)(?::(?P<dport>\d+))?"
                       r"(?P<rest>.*)$")


def parse_entity(e):
    """'1001 from 198.51.100.10 to 203.0.113.5[:5060][: tls| (INVITE)]' -> dict."""
    m = ENTITY_RE.match(e)
    return m.groupdict() if m else {"user": None, "src": e, "dst": None, "dport": None, "rest": ""}


def role_match(role, want):
    """Does a JSON evidence role fill the expect-file role word `want`?"""
    digits = role[:3].isdigit()
    table = {
        "request": role.startswith("request"),
        "requests": role.startswith("request"),
        "invite": role.startswith("request") or role.endswith("retransmission"),
        "challenge": role == "challenge",
        "retry": role == "retry with credentials",
        "rejected": digits or role == "auth refused",
        "responses": digits or role == "auth refused",
        "answer": digits or role == "auth refused",
        "ack": role.startswith("ACK"),
        "ok_from_old": role == "accepted from old address",
        "first_from_new": role == "request from new address",
        "rejected_from_new": digits,
        "first": role == "scanner request",
        "last": role == "latest request",
    }
    if want not in table:
        raise KeyError(want)
    return table[want]


def role_frames(f, want):
    """Frames cited with a role matching the expect-file role word (exact set)."""
    got = {e["frame"] for e in f.get("evidence", []) if role_match(e["role"], want)}
    if want.startswith("first_") and got:  # "first_from_new": the first of them
        got = {min(got)}
    return got


def nums(v):
    return {int(x) for x in v.split(",") if x.strip().isdigit()}


def kvs(words):
    return dict(x.split("=", 1) for x in words if "=" in x)


def check_entity(name, kind, fs, kv):
    """Every finding of KIND names exactly the expected user, source and destination."""
    for f in fs:
        ent = f["entity"]
        if "old_src" in kv:                      # source_ip_changed names the trunk (AOR)
            p = parse_entity(ent)                # "AOR to DST": the AOR lands in src
            ok = (p["dst"] == kv.get("dst") and p["user"] is None and not p["dport"]
                  and not p["rest"] and p["src"].endswith("@" + kv["ruri_host"])
                  and ("from %s " % kv["old_src"]) in f["summary"]
                  and ("comes from %s" % kv["new_src"]) in f["summary"])
            if not ok:
                fail("%s: %s entity %r / summary %r do not name %s" % (name, kind, ent, f["summary"], kv))
            continue
        if "dst" not in kv:                      # scanner: the source alone
            if ent != kv.get("src"):
                fail("%s: %s entity %r, want exactly %r" % (name, kind, ent, kv.get("src")))
            continue
        p = parse_entity(ent)
        want = {"user": kv.get("user"), "src": kv.get("src"), "dst": kv.get("dst")}
        got = {k: p[k] for k in want}
        if got != want:
            fail("%s: %s entity %r is %s, want %s" % (name, kind, ent, got, want))


def lab(d, secrets):
    checked = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".expect"):
            continue
        lines = [shlex.split(l) for l in open(os.path.join(d, name))
                 if l.strip() and not l.startswith(("#", "msg "))]
        cap = os.path.join(d, name[:-7] + ".pcap")
        if not os.path.exists(cap):
            fail("%s: no capture %s" % (name, cap))
            continue
        tags = {w[0] for w in lines}
        kinds = [w[1] for w in lines if w[0] == "kind"]
        # Expectations about kinds this script does not cover (nat_rewrite, keepalive_failed,
        # multi_site, wrong_region) are engine_network.py's; their captures are left to it.
        if kinds and not any(k in KINDS or k == "none" for k in kinds):
            continue
        doc, rc = run(cap)
        check_schema(doc, rc, name)
        checked += 1
        ctr = doc["stats"]["counters"]
        # No finding of a kind this engine covers that the expectation does not name:
        # a 403 that becomes ip_rejected instead of account_suspended must fail.
        allowed = set(kinds).union(*[IMPLIES.get(k, set()) for k in kinds])
        extra = sorted({f["kind"] for f in doc["findings"]
                        if f["kind"] in KINDS and f["kind"] not in allowed and f["severity"] != "info"})
        if extra:
            fail("%s: unexpected %s (expected kinds %s)" % (name, extra, kinds))
        for w in lines:
            tag, kind = w[0], (w[1] if len(w) > 1 else "")
            kv = kvs(w[2:])
            fs = findings(doc, kind)
            if tag == "kind":
                if kind == "none":
                    bad = [f["kind"] for f in doc["findings"] if f["severity"] != "info"]
                    if bad or rc != 0:
                        fail("%s: healthy capture reported %s (exit %d)" % (name, bad, rc))
                elif not fs:
                    fail("%s: no %s finding (got %s)" % (name, kind, [f["kind"] for f in doc["findings"]]))
                elif rc != 1:
                    fail("%s: exit %d, want 1" % (name, rc))
            elif tag == "entity" and kind in KINDS:
                if fs:
                    check_entity(name, kind, fs, kv)
            elif tag == "frames" and kind == "clean":
                # No finding to cite them; the engine's own counts must agree with tshark's.
                for key, ctr_key in (("challenge", "engine.challenges"), ("retry", "engine.auth_accepted")):
                    if key in kv and ctr.get(ctr_key) != len(nums(kv[key])):
                        fail("%s: %s = %s, tshark has %d" % (name, ctr_key, ctr.get(ctr_key),
                                                             len(nums(kv[key]))))
            elif tag == "frames" and kind in KINDS and fs:
                if "frame" in kv:       # frames KIND status=S frame=N line="..."
                    n = int(kv["frame"])
                    ev = [e for f in fs for e in f["evidence"] if e["frame"] == n]
                    if not any(e["role"].startswith(kv.get("status", "")) for e in ev):
                        fail("%s: %s does not cite frame %d as %s (%s)" % (name, kind, n, kv.get("status"),
                                                                       [e["role"] for e in ev]))
                    elif "line" in kv and not any(e.get("line", "").startswith(kv["line"]) for e in ev):
                        fail("%s: %s frame %d line %r not in %r" % (name, kind, n, kv["line"],
                                                                  [e.get("line") for e in ev]))
                    continue
                for role, v in kv.items():
                    if role in COUNT_KEYS:      # scanner challenges=41: the engine's count
                        if ctr.get("engine." + role) != int(v):
                            fail("%s: engine.%s = %s, tshark has %s" % (name, role, ctr.get("engine." + role), v))
                        continue
                    want = set() if v == "-" else nums(v)
                    got = set().union(*[role_frames(f, role) for f in fs])
                    if got != want:
                        fail("%s: %s %s frames %s, want exactly %s" % (name, kind, role, sorted(got),
                                                                       sorted(want)))
                # How many times: one per refusal (or per challenge left unanswered).
                for role in ("rejected", "answer", "rejected_from_new", "challenge"):
                    if role in kv and kv[role] != "-":
                        n = len(nums(kv[role]))
                        total = sum(f["count"] for f in fs)
                        if total != n:
                            fail("%s: %s count %d, tshark shows %d %s" % (name, kind, total, n, role))
                        break
            elif tag == "carrier_code" and kind in KINDS and fs:
                code, frame = w[2], int(kv["frame"])
                text = kv.get("text", code)
                ok = any(e["frame"] == frame and text in e.get("line", "")
                         for f in fs for e in f["evidence"])
                if not ok:
                    fail("%s: %s does not quote %r at frame %d" % (name, kind, text, frame))
            elif tag == "reason" and kind in KINDS and fs:
                # The status line is cited; the Warning/Reason text is what names the cause.
                if not any(e.get("line", "") == kv["status"] for f in fs for e in f["evidence"]):
                    fail("%s: %s does not cite %r" % (name, kind, kv["status"]))
                for hdr in ("warning", "reason"):
                    m = re.search(r'"([^"]+)"', kv.get(hdr, "")) or re.search(r'text="?([^";]+)', kv.get(hdr, ""))
                    if m and not any(m.group(1).lower() in f["summary"].lower() for f in fs):
                        fail("%s: %s summary %r lacks the %s text %r" % (name, kind, fs[0]["summary"], hdr,
                                                                        m.group(1)))
            elif tag == "detail" and kind in KINDS and fs:
                check_detail(name, kind, fs, kv)
            elif tag == "count":
                for key, ctr_key in (("messages", "engine.messages"), ("requests", "engine.requests"),
                                     ("responses", "engine.responses")):
                    if key in kv and ctr.get(ctr_key) != int(kv[key]):
                        fail("%s: %s = %s, tshark has %s=%s" % (name, ctr_key, ctr.get(ctr_key), key, kv[key]))
                if "messages" in kv and doc["stats"]["sip_messages"] != int(kv["messages"]):
                    fail("%s: stats.sip_messages %d, tshark has %s" % (name, doc["stats"]["sip_messages"],
                                                                      kv["messages"]))
            elif tag == "with_secrets" and secrets:
                kv = kvs(w[2:])
                sdoc, src = run(cap, "--secrets", secrets)
                sfs = findings(sdoc, kind)
                if not sfs:
                    fail("%s: with --secrets no %s (got %s)" % (name, kind,
                                                                [f["kind"] for f in sdoc["findings"]]))
                    continue
                if "user" in kv and not all(f["entity"].split("@")[0] == kv["user"] for f in sfs):
                    fail("%s: %s entities %s, want user %s" % (name, kind, [f["entity"] for f in sfs], kv["user"]))
                if "frames" in kv:
                    got = set().union(*[frames_of(f) for f in sfs])
                    if got != nums(kv["frames"]):
                        fail("%s: %s cites %s, want exactly %s" % (name, kind, sorted(got), kv["frames"]))
                    if sum(f["count"] for f in sfs) != len(nums(kv["frames"])):
                        fail("%s: %s count %d, want %d" % (name, kind, sum(f["count"] for f in sfs),
                                                           len(nums(kv["frames"]))))
                with open(secrets) as sf:
                    for line in sf:
                        parts = line.split()
                        if len(parts) >= 2 and not line.startswith("#") and len(parts[-1]) >= 4:
                            if parts[-1] in json.dumps(sdoc):
                                fail("%s: a password from the secrets file is in the report" % name)
        if "count" not in tags:
            fail("%s: no count line" % name)
    print("lab: %d capture(s) checked" % checked)
    return checked


def ev_time(f, pred):
    ts = [e["time"] for e in f["evidence"] if pred(e["role"]) and e["time"] is not None]
    return ts


def check_detail(name, kind, fs, kv):
    """The measurements of a `detail` line, as far as the report carries them."""
    f = fs[0]
    if kind == "brute_force":
        if "failures" in kv:
            n = int(kv["failures"])
            if f["count"] != n or len(role_frames(f, "rejected")) != n:
                fail("%s: brute_force count %d / %d refusals cited, want %d" % (
                    name, f["count"], len(role_frames(f, "rejected")), n))
        if "window_s" in kv:
            ts = ev_time(f, lambda r: role_match(r, "rejected"))
            win = max(ts) - min(ts) if ts else -1
            if abs(win - float(kv["window_s"])) > 0.05:
                fail("%s: brute_force refusals span %.3f s, want %s" % (name, win, kv["window_s"]))
    elif kind == "digest_mismatch":
        if kv.get("nonce_was_issued") == "no" and "never issued" not in f["summary"]:
            fail("%s: digest_mismatch summary %r does not say the nonce was never issued" % (name, f["summary"]))
        # nonce_issued / nonce_used: the report does not quote nonces (not asserted)
    elif kind == "no_response":
        if "later_unanswered_request" in kv:
            n = int(kv["later_unanswered_request"].split()[0])
            if not any(e["frame"] == n and e["role"] == "unanswered" for e in f["evidence"]):
                fail("%s: no_response does not cite frame %d as unanswered" % (name, n))
        if "span_s" in kv:
            t0 = ev_time(f, lambda r: r == "request")
            t1 = ev_time(f, lambda r: r == "last retransmission")
            span = (t1[0] - t0[0]) if t0 and t1 else -1
            if abs(span - float(kv["span_s"])) > 0.05:
                fail("%s: no_response retransmissions span %.3f s, want %s" % (name, span, kv["span_s"]))
        if "retransmit_gaps_s" in kv:
            sent = len(kv["retransmit_gaps_s"].split(",")) + 1
            if "sent %d time(s)" % sent not in f["summary"]:
                fail("%s: no_response summary %r, want sent %d time(s)" % (name, f["summary"], sent))
    elif kind == "scanner":
        if kv.get("retries_with_credentials") == "0" and role_frames(f, "retry"):
            fail("%s: scanner cites retries %s" % (name, role_frames(f, "retry")))
        if "usernames" in kv and f["count"] != int(kv["usernames"]) + 1:
            # 41 REGISTERs, one per username, plus the OPTIONS ping
            fail("%s: scanner count %d, want %d usernames + 1 ping" % (name, f["count"], int(kv["usernames"])))
    else:
        fail("%s: detail line for %s not understood: %s" % (name, kind, kv))


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
            print("FAIL: no lab capture checked")
            return 1
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
