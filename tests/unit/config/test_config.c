/*
 * test_config.c — the --config trunk file (src/config.c): parsing, errors
 * with file:line, and the trunk lookups the engine makes.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/err.h"

static char path[64];

static const char *put(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/h6-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
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

static const char GOOD[] =
    "; two trunks\n"
    "[trunk main]\n"
    "provider = twilio\n"
    "public_ip = 198.51.100.20, 198.51.100.21\n"
    "username = pbx-main\n"
    "termination_uri = sip:Acme.pstn.twilio.com\n"
    "ip_acl = 198.51.100.16/28\n"
    "edge = Ashburn\n"
    "\n"
    "[trunk backup]\n"
    "provider = telnyx\n"
    "public_ip = 203.0.113.7\n"
    "username = pbx-backup\n"
    "termination_uri = <sips:+15550100@sip.telnyx.com:5061;transport=tls>\n"
    "peer = 192.76.120.10, 64.16.250.10\n"
    "\n"
    "[trunk v6]\n"
    "public_ip = 2001:db8::20\n"
    "termination_uri = [2001:db8::1]:5060\n";

static struct config *load_good(void)
{
    char err[ERRBUF_SIZE] = "";
    struct config *c = NULL;
    const char *p = put(GOOD);
    int rc = config_load(p, &c, err);
    unlink(p);
    if (rc != 0)
        fail_msg("load: %s", err);
    return c;
}

static void test_parse(void **state)
{
    struct config *c = load_good();
    assert_int_equal(config_trunk_count(c), 3);
    const struct config_trunk *t = config_trunk_find(c, "main");
    assert_non_null(t);
    assert_string_equal(t->provider, "twilio");
    assert_string_equal(t->username, "pbx-main");
    assert_string_equal(t->termination_host, "acme.pstn.twilio.com");
    assert_string_equal(t->edge, "ashburn");
    assert_int_equal(t->public_ip.n, 2);
    assert_int_equal(t->ip_acl.n, 1);
    t = config_trunk_find(c, "backup");
    assert_string_equal(t->termination_host, "sip.telnyx.com");
    assert_string_equal(t->edge, "");
    assert_int_equal(t->peer.n, 2);
    assert_string_equal(config_trunk_find(c, "v6")->termination_host, "2001:db8::1");
    assert_null(config_trunk_find(c, "nope"));
    assert_ptr_equal(config_trunk_at(c, 0), config_trunk_find(c, "main"));
    assert_null(config_trunk_at(c, 3));
    config_free(c);
}

static void test_acl_and_public_ip(void **state)
{
    struct config *c = load_good();
    const struct config_trunk *t = config_trunk_find(c, "main");
    struct addr in = ip("198.51.100.30"), edge = ip("198.51.100.31"), out = ip("198.51.100.32");
    struct addr pub = ip("198.51.100.21");
    assert_true(config_has_acl(t));
    assert_true(config_acl_contains(t, &in));
    assert_true(config_acl_contains(t, &edge));         /* last of the /28 */
    assert_false(config_acl_contains(t, &out));
    assert_true(config_is_public_ip(t, &pub));
    assert_false(config_is_public_ip(t, &in));
    const struct config_trunk *b = config_trunk_find(c, "backup");
    assert_false(config_has_acl(b));
    assert_false(config_acl_contains(b, &in));
    assert_false(config_acl_contains(NULL, &in));
    config_free(c);
}

static void test_which_trunk(void **state)
{
    struct config *c = load_good();
    const struct config_trunk *m = config_trunk_find(c, "main");
    const struct config_trunk *b = config_trunk_find(c, "backup");
    struct addr pub = ip("198.51.100.20"), acl = ip("198.51.100.25"), other = ip("192.0.2.1");
    struct addr tel = ip("64.16.250.10"), v6 = ip("2001:db8::20");

    assert_ptr_equal(config_by_host(c, cs("acme.pstn.twilio.com")), m);
    assert_ptr_equal(config_by_host(c, cs("ACME.PSTN.TWILIO.COM.")), m);
    assert_ptr_equal(config_by_host(c, cs("acme.pstn.ashburn.twilio.com")), m);  /* localized */
    assert_ptr_equal(config_by_host(c, cs("acme.pstn.us1.twilio.com")), m);
    assert_null(config_by_host(c, cs("acme.pstn.a.b.twilio.com")));   /* one label only */
    assert_null(config_by_host(c, cs("other.pstn.twilio.com")));
    assert_null(config_by_host(c, cs("acme.pstn.twilio.com.evil.example")));
    assert_null(config_by_host(c, cs("acme.pstn..twilio.com")));
    assert_ptr_equal(config_by_host(c, cs("sip.telnyx.com")), b);
    assert_null(config_by_host(c, SPAN_NULL));

    assert_ptr_equal(config_by_username(c, cs("pbx-backup")), b);
    assert_null(config_by_username(c, cs("PBX-BACKUP")));   /* digest usernames are exact */
    assert_null(config_by_username(c, SPAN_NULL));

    assert_ptr_equal(config_by_addr(c, &pub), m);
    assert_ptr_equal(config_by_addr(c, &acl), m);
    assert_ptr_equal(config_by_addr(c, &v6), config_trunk_find(c, "v6"));
    assert_null(config_by_addr(c, &other));

    /* host outranks addresses: a PBX of trunk main calling the backup's host */
    assert_ptr_equal(config_match(c, &pub, NULL, cs("sip.telnyx.com"), SPAN_NULL), b);
    assert_ptr_equal(config_match(c, &pub, NULL, SPAN_NULL, SPAN_NULL), m);
    assert_ptr_equal(config_match(c, NULL, &tel, SPAN_NULL, SPAN_NULL), b);
    assert_ptr_equal(config_match(c, &other, NULL, SPAN_NULL, cs("pbx-main")), m);
    assert_null(config_match(c, &other, &other, cs("x.example"), cs("nobody")));
    assert_null(config_match(NULL, &pub, NULL, SPAN_NULL, SPAN_NULL));
    config_free(c);
}

static void expect_error(const char *text, const char *want)
{
    char err[ERRBUF_SIZE] = "";
    struct config *c = (struct config *)1;
    const char *p = put(text);
    assert_int_equal(config_load(p, &c, err), ERR_FORMAT);
    assert_null(c);
    char full[128];
    snprintf(full, sizeof(full), "%s%s", p, want);
    unlink(p);
    if (strstr(err, full) == NULL)
        fail_msg("error '%s' lacks '%s'", err, full);
}

static void test_errors(void **state)
{
    expect_error("[trunk a]\nprovider = twilio\nip_acl = 198.51.100.0/24, 300.1.1.1\n",
                 ":3: ip_acl: not an address or prefix: '300.1.1.1'");
    expect_error("[trunk a]\nusername = x\n[trunk b]\n\nflavour = mint\n",
                 ":5: unknown key 'flavour' in [trunk b]");
    expect_error("[general]\nx = 1\n", ":2: unknown section [general]");
    expect_error("[trunk a]\nusername = x\n[trunk b]\nusername = y\n[trunk a]\nusername = z\n",
                 ":6: duplicate [trunk a]");
    expect_error("[trunk a]\npassword = hunter2hunter2\n", ":2: passwords do not belong");
    expect_error("[trunk a]\ntermination_uri = sip:\n", ":2: termination_uri");
    expect_error("[trunk a]\nno equals here\n", ":2: syntax error");
    char longl[400];
    snprintf(longl, sizeof(longl), "[trunk a]\nusername = %0300d\n", 0);
    expect_error(longl, ":2: line longer than");
    /* a password never reaches the error message */
    char err[ERRBUF_SIZE] = "";
    struct config *c = NULL;
    const char *p = put("[trunk a]\nsecret = hunter2hunter2\n");
    assert_int_equal(config_load(p, &c, err), ERR_FORMAT);
    unlink(p);
    assert_null(strstr(err, "hunter2"));
    assert_int_equal(config_load("/nonexistent/trunks.ini", &c, err), ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/trunks.ini"));
    /* an empty file is an empty config */
    p = put("");
    assert_int_equal(config_load(p, &c, err), 0);
    unlink(p);
    assert_int_equal(config_trunk_count(c), 0);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_acl_and_public_ip),
        cmocka_unit_test(test_which_trunk),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
