/*
 * test_profile.c — provider profiles (src/profile.c) on the shipped data
 * files (the .ini files in profiles/, read from the source tree: tests run from the
 * project root) and on broken or overriding files written here.
 *
 * Expected values come from /work/shared/facts (twilio-edges.tsv and
 * sip-trunk-facts.md), which the data files cite.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "config/profile.h"

static struct profile_set *set;
static const struct profile *tw;
static char tmp[64];

static int setup(void **state)
{
    char err[ERRBUF_SIZE] = "";
    set = profile_set_new();
    if (set == NULL || profile_set_add_dir(set, "profiles", true, err) != 0) {
        fprintf(stderr, "load: %s\n", err);
        return -1;
    }
    tw = profile_find(set, "twilio");
    snprintf(tmp, sizeof(tmp), "/tmp/h6-profile-XXXXXX");
    return tw != NULL && mkdtemp(tmp) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    profile_set_free(set);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static struct addr ip(const char *s)
{
    struct addr a;
    assert_true(addr_parse(s, strlen(s), &a));
    return a;
}

static struct span cs(const char *s)
{
    return span_make(s, strlen(s));
}

/* Provider id and edge id an address maps to ("-" when none). */
static void expect_addr(const char *addr, const char *prov, const char *edge)
{
    const struct profile_edge *e = NULL;
    struct addr a = ip(addr);
    const struct profile *p = profile_match_addr(set, &a, &e);
    assert_string_equal(p != NULL ? profile_id(p) : "-", prov);
    assert_string_equal(e != NULL ? e->id : "-", edge);
}

static void expect_host(const char *host, const char *prov, const char *edge)
{
    const struct profile_edge *e = NULL;
    const struct profile *p = profile_match_host(set, cs(host), &e);
    assert_string_equal(p != NULL ? profile_id(p) : "-", prov);
    assert_string_equal(e != NULL ? e->id : "-", edge);
}

static void test_shipped_profiles_load(void **state)
{
    assert_true(profile_count(set) >= 5);
    assert_non_null(profile_find(set, "telnyx"));
    assert_non_null(profile_find(set, "vonage"));
    assert_non_null(profile_find(set, "chime"));
    assert_non_null(profile_find(set, "teams"));
    assert_null(profile_find(set, "nope"));
    const struct profile_auth *au = profile_auth(tw);
    assert_int_equal(au->invite_challenge, 407);
    assert_int_equal(au->register_challenge, 407);
    assert_int_equal(au->acl_failure_status, 403);
    assert_int_equal(au->credential_failure_status, 403);
    assert_string_equal(au->realm, "sip.twilio.com");
    assert_string_equal(au->error_header, "X-Twilio-Error");
    assert_false(au->registrar);
    /* unknown stays unknown: Telnyx 401 vs 407 is unverified */
    assert_int_equal(profile_auth(profile_find(set, "telnyx"))->invite_challenge, 0);
    assert_true(profile_is_sip_port(tw, 5060, TRANSPORT_UDP));
    assert_true(profile_is_sip_port(tw, 5060, TRANSPORT_TCP));
    assert_true(profile_is_sip_port(tw, 5061, TRANSPORT_TLS));
    assert_false(profile_is_sip_port(tw, 5061, TRANSPORT_UDP));
}

static void test_cidr_matching(void **state)
{
    /* every edge's /30 from twilio-edges.tsv: the named edge wins over global and legacy id */
    expect_addr("54.172.60.0", "twilio", "ashburn");
    expect_addr("54.172.60.3", "twilio", "ashburn");
    expect_addr("54.244.51.1", "twilio", "umatilla");
    expect_addr("54.171.127.194", "twilio", "dublin");
    expect_addr("35.156.191.129", "twilio", "frankfurt");
    expect_addr("54.65.63.195", "twilio", "tokyo");
    expect_addr("54.169.127.130", "twilio", "singapore");
    expect_addr("54.252.254.66", "twilio", "sydney");
    expect_addr("177.71.206.193", "twilio", "sao-paulo");
    expect_addr("208.78.112.65", "twilio", "ashburn-ix");
    expect_addr("185.187.132.70", "twilio", "london-ix");
    /* just outside a /30; the old /24 RTP blocks are not signalling */
    expect_addr("54.172.60.4", "-", "-");
    expect_addr("54.172.61.1", "-", "-");
    expect_addr("54.171.127.191", "-", "-");
    /* media is not signalling */
    expect_addr("168.86.138.121", "-", "-");
    assert_true(profile_is_media_addr(tw, &(struct addr){ 0 }) == false);
    struct addr m = ip("168.86.138.121"), m2 = ip("168.86.192.1");
    assert_true(profile_is_media_addr(tw, &m));
    assert_false(profile_is_media_addr(tw, &m2));   /* /18 ends at 168.86.191.255 */
    /* other providers */
    expect_addr("99.77.253.200", "chime", "us-west");
    expect_addr("3.80.17.1", "chime", "us-east");
    expect_addr("192.76.120.10", "telnyx", "us");
    expect_addr("5.172.39.25", "telnyx", "eu-failover");
    expect_addr("52.114.1.1", "teams", "global");
    expect_addr("5.10.112.121", "vonage", "legacy");
    /* third-party-only Vonage list is marked unverified: never matched */
    expect_addr("216.147.0.1", "-", "-");
    expect_addr("2001:db8::1", "-", "-");
    expect_addr("198.51.100.7", "-", "-");
    /* edge for an address within one provider */
    struct addr a = ip("54.172.60.1");
    const struct profile_edge *e = profile_edge_for_addr(tw, &a);
    assert_non_null(e);
    assert_string_equal(e->id, "ashburn");
    a = ip("203.0.113.1");
    assert_null(profile_edge_for_addr(tw, &a));
}

static void test_host_patterns(void **state)
{
    expect_host("acme.pstn.twilio.com", "twilio", "global");
    expect_host("a.b.pstn.twilio.com", "twilio", "global");
    expect_host("ACME.PSTN.Ashburn.Twilio.COM.", "twilio", "ashburn");  /* case, final dot */
    expect_host("acme.pstn.sao-paulo.twilio.com", "twilio", "sao-paulo");
    expect_host("acme.pstn.us1.twilio.com", "twilio", "us1");
    expect_host("acme.pstn.ie1-ix.twilio.com", "twilio", "ie1-ix");
    expect_host("office.sip.dublin.twilio.com", "twilio", "dublin");
    expect_host("office.sip.twilio.com", "twilio", "global");
    expect_host("pstn.twilio.com", "-", "-");
    expect_host(".pstn.twilio.com", "-", "-");
    expect_host("acme.pstn.twilio.com.attacker.example", "-", "-");
    expect_host("acmepstn.twilio.com", "-", "-");
    expect_host("twilio.com", "-", "-");
    expect_host("", "-", "-");
    expect_host("abc.voiceconnector.chime.aws", "chime", "-");
    expect_host("sip.telnyx.eu", "telnyx", "eu");
    expect_host("sip2.pstnhub.microsoft.com", "teams", "global");
    expect_host("x.sip-us.vonage.com", "vonage", "us");
    /* a host longer than DNS allows is not matched (and not overrun) */
    char big[400];
    memset(big, 'a', sizeof(big));
    memcpy(big + sizeof(big) - 17, ".pstn.twilio.com", 16);
    big[sizeof(big) - 1] = '\0';
    expect_host(big, "-", "-");
}

static void test_edges_for_wrong_region(void **state)
{
    const struct profile_edge *h = profile_edge_for_host(tw, SPAN_LIT("acme.pstn.us1.twilio.com"));
    struct addr a = ip("54.172.60.2"), d = ip("54.171.127.193");
    const struct profile_edge *ea = profile_edge_for_addr(tw, &a);
    const struct profile_edge *ed = profile_edge_for_addr(tw, &d);
    assert_non_null(h);
    assert_string_equal(profile_edge_canonical(h), "ashburn");
    assert_false(profile_edges_differ(h, ea));         /* us1 is ashburn */
    assert_true(profile_edges_differ(h, ed));          /* us1 host, dublin address */
    const struct profile_edge *g = profile_edge_for_host(tw, SPAN_LIT("acme.pstn.twilio.com"));
    assert_true(g->any);
    assert_false(profile_edges_differ(g, ed));         /* global: Twilio picks */
    assert_false(profile_edges_differ(NULL, ed));
    const struct profile_edge *ix = profile_edge_for_host(tw, SPAN_LIT("x.pstn.ie1-ix.twilio.com"));
    assert_string_equal(profile_edge_canonical(ix), "london-ix");  /* ie1-ix is London */
    assert_true(ix->interconnect);
}

static void expect_code(int code, const char *kind, const char *cat, bool auth)
{
    const struct profile_code *c = profile_code(tw, code);
    assert_non_null(c);
    assert_string_equal(c->kind, kind);
    assert_string_equal(c->category, cat);
    assert_int_equal(c->auth_failure, auth);
    assert_true(strlen(c->meaning) > 0);
}

static void test_codes(void **state)
{
    expect_code(32201, "ip_rejected", "acl", true);
    expect_code(32202, "auth_rejected", "credentials", true);
    expect_code(32200, "carrier_rejected", "permissions", false);
    expect_code(32204, "carrier_rejected", "caller_id", false);
    expect_code(32206, "carrier_rejected", "caller_id", false);
    expect_code(32100, "carrier_rejected", "caller_id", false);
    expect_code(32205, "carrier_rejected", "geo_permission", false);
    expect_code(32001, "carrier_rejected", "cps_limit", false);
    expect_code(32209, "carrier_rejected", "tls", false);
    expect_code(32222, "carrier_rejected", "tls", false);
    expect_code(32017, "carrier_rejected", "caller_id", false);
    const struct profile_code *c = profile_code(tw, 32017);
    assert_non_null(strstr(c->note, "NOT a SIP trunk authentication failure"));
    assert_non_null(strstr(profile_code(tw, 32201)->fix, "IP Access Control List"));
    /* codes absent from both catalogue snapshots */
    assert_null(profile_code(tw, 32003));
    assert_null(profile_code(tw, 32104));
    assert_null(profile_code(tw, 32224));

    int code = -1;
    c = profile_code_from_header(tw, SPAN_LIT("32201 Authentication failure - source IP "
                                              "Address not in ACL"), &code);
    assert_int_equal(code, 32201);
    assert_non_null(c);
    assert_string_equal(c->kind, "ip_rejected");
    c = profile_code_from_header(tw, SPAN_LIT("  32204 Invalid Caller ID"), &code);
    assert_int_equal(code, 32204);
    assert_non_null(c);
    c = profile_code_from_header(tw, SPAN_LIT("32203"), &code);
    assert_int_equal(code, 32203);
    assert_non_null(c);
    assert_null(profile_code_from_header(tw, SPAN_LIT("Invalid Caller ID"), &code));
    assert_int_equal(code, 0);
    assert_null(profile_code_from_header(tw, SPAN_LIT("32201x"), &code));
    assert_int_equal(code, 0);
    assert_null(profile_code_from_header(tw, SPAN_LIT("99999 unknown"), &code));
    assert_int_equal(code, 99999);
    assert_null(profile_code_from_header(tw, SPAN_LIT("3220111111"), &code));
    assert_null(profile_code_from_header(tw, SPAN_NULL, NULL));
    /* every truncation of a header value is safe */
    const char *hv = "32201 Authentication failure";
    for (size_t i = 0; i <= strlen(hv); i++)
        (void)profile_code_from_header(tw, span_make(hv, i), &code);
}

static void test_reasons_and_fixes(void **state)
{
    const struct profile_reason *r = profile_reason(tw, 503, SPAN_LIT("Trunk CPS limit exceeded"));
    assert_non_null(r);
    assert_string_equal(r->category, "cps_limit");
    assert_int_equal(r->code, 32001);
    r = profile_reason(tw, 403, SPAN_LIT("invalid caller id"));
    assert_non_null(r);
    assert_string_equal(r->category, "caller_id");
    assert_null(profile_reason(tw, 500, SPAN_LIT("Trunk CPS limit exceeded")));  /* status */
    assert_null(profile_reason(tw, 403, SPAN_LIT("Forbidden")));
    r = profile_reason(tw, 488, SPAN_LIT("Secure SIP transport required"));
    assert_non_null(r);
    assert_string_equal(r->category, "tls");

    const char *f = profile_fix(tw, "auth_rejected");
    assert_non_null(f);
    assert_non_null(strstr(f, "Credential List"));
    assert_non_null(strchr(f, '\n'));                  /* several steps */
    assert_non_null(strstr(profile_fix(tw, "ip_rejected"), "IP Access Control List"));
    assert_non_null(strstr(profile_fix(tw, "ip_rejected"), "received="));
    assert_non_null(profile_fix(tw, "wrong_region"));
    assert_null(profile_fix(tw, "scanner"));
    assert_null(profile_fix(NULL, "auth_rejected"));
}

static const char *put(const char *name, const char *text)
{
    static char path[160];
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void expect_error(const char *text, int want_rc, const char *want_msg)
{
    char err[ERRBUF_SIZE] = "";
    struct profile_set *ps = profile_set_new();
    const char *path = put("bad.ini", text);
    assert_int_equal(profile_set_add_file(ps, path, err), want_rc);
    if (strstr(err, want_msg) == NULL)
        fail_msg("error '%s' lacks '%s'", err, want_msg);
    assert_null(strchr(err, '\n'));
    assert_int_equal(profile_count(ps), 0);
    profile_set_free(ps);
    unlink(path);
}

static void test_file_errors(void **state)
{
    expect_error("[provider]\nid = x\n\n; c\nbogus = 1\n", ERR_FORMAT,
                 "bad.ini:5: unknown key 'bogus' in [provider]");
    expect_error("[provider]\nid = x\nthis line has no equals sign\n", ERR_FORMAT, "bad.ini:3:");
    expect_error("[provider]\nid = x\n[planet mars]\nk = v\n", ERR_FORMAT,
                 "bad.ini:4: unknown section [planet mars]");
    expect_error("[edge a]\nsignalling = 1.2.3.4/33\n", ERR_FORMAT, "bad.ini:2:");
    expect_error("[code 32201]\nmeaning = a\nkind = x\n[code 1]\nkind = y\n[code 32201]\n"
                 "meaning = b\n", ERR_FORMAT, "bad.ini:7: duplicate [code 32201]");
    expect_error("[code 1]\nmeaning = a\nkind = Not-An-Ident\n", ERR_FORMAT, "bad.ini:3: bad kind");
    expect_error("[auth]\ninvite_challenge = 99\n", ERR_FORMAT, "bad.ini:2: bad status");
    expect_error("[provider]\nports = 5060/carrier-pigeon\n", ERR_FORMAT, "bad.ini:2:");
    expect_error("[provider]\nid = x\n\n[edge a]\nalias_of = b\n", ERR_FORMAT,
                 "bad.ini:4: [edge a] alias_of names unknown edge 'b'");
    expect_error("[code 7]\nmeaning = m\n", ERR_FORMAT,
                 "bad.ini:1: [code 7] needs meaning and kind");
    expect_error("[code 7]\nmeaning = m\nkind = k\n\n[reason x]\nphrase = p\n", ERR_FORMAT,
                 "bad.ini:5: a [reason] section needs phrase and kind");
    expect_error("[fix auth_rejected]\nsource = s\n", ERR_FORMAT,
                 "bad.ini:1: [fix auth_rejected] has no text");
    /* a line inih would split is reported at its own line */
    char longl[400];
    snprintf(longl, sizeof(longl), "[provider]\nid = x\nname = %0250d\n", 0);
    expect_error(longl, ERR_FORMAT, "bad.ini:3: line longer than");
    char err[ERRBUF_SIZE];
    struct profile_set *ps = profile_set_new();
    assert_int_equal(profile_set_add_file(ps, "/nonexistent/x.ini", err), ERR_IO);
    assert_int_equal(profile_set_add_dir(ps, "/nonexistent", true, err), ERR_IO);
    assert_int_equal(profile_set_add_dir(ps, "/nonexistent", false, err), 0);
    profile_set_free(ps);
}

static void test_user_dir_overrides_and_adds(void **state)
{
    char dir[128], err[ERRBUF_SIZE] = "";
    snprintf(dir, sizeof(dir), "%s/user", tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    char path[192];
    snprintf(path, sizeof(path), "%s/twilio.ini", dir);
    FILE *f = fopen(path, "w");
    fputs("[provider]\nid = twilio\nname = Twilio (site copy)\n"
          "[edge lab]\nsignalling = 203.0.113.0/24\nhosts = *.lab.example\n"
          "[code 32201]\nmeaning = local meaning\nkind = ip_rejected\nauth_failure = yes\n"
          "[code 32999]\nmeaning = unverified thing\nkind = carrier_rejected\n"
          "unverified = yes\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/acme.ini", dir);
    f = fopen(path, "w");
    fputs("; no id: the file stem names it\n[edge main]\nhosts = sip.acme.example\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/README", dir);     /* not *.ini: ignored */
    f = fopen(path, "w");
    fputs("garbage", f);
    fclose(f);

    struct profile_set *ps = profile_set_new();
    assert_int_equal(profile_set_add_dir(ps, "profiles", true, err), 0);
    size_t before = profile_count(ps);
    assert_int_equal(profile_set_add_dir(ps, dir, true, err), 0);
    assert_int_equal(profile_count(ps), before + 1);
    const struct profile *t = profile_find(ps, "twilio");
    assert_string_equal(profile_name(t), "Twilio (site copy)");
    assert_non_null(strstr(profile_path(t), "/user/twilio.ini"));
    assert_string_equal(profile_code(t, 32201)->meaning, "local meaning");
    assert_null(profile_code(t, 32999));               /* unverified: not used */
    assert_null(profile_code(t, 32202));               /* replaced whole, not merged */
    const struct profile_edge *e = NULL;
    struct addr a = ip("203.0.113.9");
    assert_ptr_equal(profile_match_addr(ps, &a, &e), t);
    assert_string_equal(e->id, "lab");
    assert_string_equal(profile_id(profile_match_host(ps, SPAN_LIT("sip.acme.example"), NULL)),
                        "acme");
    profile_set_free(ps);

    /* the full search path: built-in ./profiles plus the user directory */
    const char *dirs[] = { dir, NULL };
    ps = NULL;
    assert_int_equal(profile_set_load(dirs, &ps, err), 0);
    assert_string_equal(profile_name(profile_find(ps, "twilio")), "Twilio (site copy)");
    assert_non_null(profile_find(ps, "telnyx"));
    profile_set_free(ps);
    const char *missing[] = { "/nonexistent/profiles", NULL };
    assert_int_equal(profile_set_load(missing, &ps, err), ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/profiles"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_profiles_load),
        cmocka_unit_test(test_cidr_matching),
        cmocka_unit_test(test_host_patterns),
        cmocka_unit_test(test_edges_for_wrong_region),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_reasons_and_fixes),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_user_dir_overrides_and_adds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
