/*
 * engine_testlib.h — helpers for the engine/auth/txn/report unit tests:
 * real SIP text (LF line ends turned into CRLF) run through sip_parse and
 * fed to an engine, with documentation addresses (RFC 5737). Header-only,
 * static functions, included by one test file each.
 */
#ifndef SIPSCOPE_ENGINE_TESTLIB_H
#define SIPSCOPE_ENGINE_TESTLIB_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "correlate/correlate.h"
#include "correlate/engine.h"
#include "output/report.h"
#include "sip.h"

#define PBX "198.51.100.10"
#define TRUNK "203.0.113.5"
#define T0 1700000000000000LL       /* 2023-11-14 22:13:20 UTC */
#define SEC 1000000LL

struct tl {
    struct caps caps;
    struct engine *e;
    struct sip_parser *sp;
    struct snapshot snap;
    uint64_t frame;
    int64_t now;
};

static inline int tl_open_caps(struct tl *t, const struct caps *c, const struct engine_opts *o)
{
    char errbuf[512];

    memset(t, 0, sizeof(*t));
    t->caps = *c;
    t->e = engine_new(&t->caps, o, errbuf);
    t->sp = sip_parser_new(&t->caps);
    t->now = T0;
    if (t->e == NULL || t->sp == NULL)
        return -1;
    return snapshot_init(&t->snap, 256, 64, 64, 512, 1 << 20, 128);
}

static inline int tl_open_opts(struct tl *t, const struct engine_opts *o)
{
    struct caps c;
    caps_default(&c);
    return tl_open_caps(t, &c, o);
}

static inline int tl_open(struct tl *t)
{
    struct engine_opts o = { 0 };
    return tl_open_opts(t, &o);
}

static inline void tl_close(struct tl *t)
{
    engine_free(t->e);
    sip_parser_free(t->sp);
    snapshot_free(&t->snap);
}

/* Feed one message from src to dst at t->now; returns the parse result. */
__attribute__((format(printf, 6, 7)))
static inline int tl_feed(struct tl *t, const char *src, uint16_t sport, const char *dst,
                          uint16_t dport, const char *fmt, ...)
{
    char text[8192], wire[16384];
    size_t n = 0;
    struct sip_payload pl;
    struct sip_msg m;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (const char *p = text; *p && n + 2 < sizeof(wire); p++) {
        if (*p == '\n')
            wire[n++] = '\r';
        wire[n++] = *p;
    }
    memset(&pl, 0, sizeof(pl));
    pl.frame = ++t->frame;
    pl.ts_us = t->now;
    addr_parse(src, strlen(src), &pl.src.ip);
    addr_parse(dst, strlen(dst), &pl.dst.ip);
    pl.src.port = sport;
    pl.dst.port = dport;
    pl.transport = TRANSPORT_UDP;
    pl.data = (const uint8_t *)wire;
    pl.len = n;
    rc = sip_parse(t->sp, &pl, &m);
    if (rc == SIP_OK)
        engine_msg(t->e, &m);
    return rc;
}

/* A request from the PBX to the trunk. extra: more header lines ("" or
 * "Authorization: ...\n"). */
static inline int tl_req(struct tl *t, const char *src, const char *method, const char *ruri,
                         const char *branch, const char *callid, unsigned cseq,
                         const char *user, const char *extra)
{
    return tl_feed(t, src, 5060, TRUNK, 5060,
                   "%s %s SIP/2.0\n"
                   "Via: SIP/2.0/UDP %s:5060;branch=%s;rport\n"
                   "Max-Forwards: 70\n"
                   "From: <sip:%s@" TRUNK ">;tag=ft1\n"
                   "To: <%s>\n"
                   "Call-ID: %s\n"
                   "CSeq: %u %s\n"
                   "User-Agent: TestPBX/1.0\n"
                   "%s"
                   "Content-Length: 0\n\n",
                   method, ruri, src, branch, user, ruri, callid, cseq, method, extra);
}

/* A response from the trunk to src, for the request identified by
 * (method, branch, callid, cseq). */
static inline int tl_resp(struct tl *t, const char *src, int status, const char *reason,
                          const char *method, const char *branch, const char *callid,
                          unsigned cseq, const char *extra)
{
    return tl_feed(t, TRUNK, 5060, src, 5060,
                   "SIP/2.0 %d %s\n"
                   "Via: SIP/2.0/UDP %s:5060;branch=%s;rport=5060;received=%s\n"
                   "From: <sip:1001@" TRUNK ">;tag=ft1\n"
                   "To: <sip:x@" TRUNK ">;tag=tt9\n"
                   "Call-ID: %s\n"
                   "CSeq: %u %s\n"
                   "%s"
                   "Content-Length: 0\n\n",
                   status, reason, src, branch, src, callid, cseq, method, extra);
}

static inline void tl_finish(struct tl *t)
{
    struct run_info run = { .source = "unit", .first_ts_us = T0, .last_ts_us = t->now };

    engine_finish(t->e, t->now);
    engine_snapshot(t->e, &run, &t->snap);
}

/* The finding of this kind in the snapshot (NULL if none). */
static inline const struct snap_finding *tl_find(const struct tl *t, const char *kind)
{
    for (size_t i = 0; i < t->snap.n_findings; i++)
        if (strcmp(t->snap.findings[i].kind, kind) == 0)
            return &t->snap.findings[i];
    return NULL;
}

static inline size_t tl_count_at_least(const struct tl *t, enum severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < t->snap.n_findings; i++)
        n += t->snap.findings[i].severity >= sev;
    return n;
}

/* Frame cited with this role, 0 if none. */
static inline uint64_t tl_frame(const struct snap_finding *f, const char *role)
{
    for (uint32_t i = 0; f && i < f->n_evidence; i++)
        if (strcmp(f->evidence[i].role, role) == 0)
            return f->evidence[i].frame;
    return 0;
}

/* Evidence line cited with this role, "" if none. */
static inline const char *tl_line(const struct snap_finding *f, const char *role)
{
    for (uint32_t i = 0; f && i < f->n_evidence; i++)
        if (strcmp(f->evidence[i].role, role) == 0)
            return f->evidence[i].line;
    return "";
}

#define WWW_CH "WWW-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", algorithm=MD5\n"
#define PROXY_CH "Proxy-Authenticate: Digest realm=\"sip.example\", nonce=\"n1\", algorithm=MD5\n"
#define CRED(hdr, user, nonce, uri) \
    hdr ": Digest username=\"" user "\", realm=\"sip.example\", nonce=\"" nonce "\", uri=\"" uri \
    "\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5\n"

#endif
