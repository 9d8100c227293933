/*
 * test_secrets.c — the --secrets store (src/secrets.c): format, file-mode
 * refusal as ssh does for keys, symlink policy, line numbers in errors,
 * lookup with realm fallback, masking.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "config/secrets.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/h6-secrets-XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write content to dir/name with mode; returns the path (static buffer). */
static const char *put(const char *name, const char *content, size_t len, mode_t mode)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

#define PUT(name, lit, mode) put(name, lit, sizeof(lit) - 1, mode)
#define S(x) SPAN_LIT(x)

static const char GOOD[] =
    "# trunk credentials\n"
    "\n"
    "pbx-main@sip.twilio.com   Tr0ub4dor&3xyz\n"
    "pbx-main  fallback-pass\n"
    "\talice   pass with inner spaces  \r\n"
    "bob@example.com@realm.example  mail-style-user\n"
    "pbx-main@sip.twilio.com   second-is-ignored\n"
    "carol@sip.twilio.com carol-pw";     /* no final newline */

static void test_load_and_lookup(void **state)
{
    char err[ERRBUF_SIZE] = "";
    struct secrets *s = NULL;
    const char *p = PUT("good", GOOD, 0600);

    assert_int_equal(secrets_load(p, &s, err), 0);
    assert_non_null(s);
    assert_int_equal(secrets_count(s), 6);
    assert_string_equal(secrets_lookup(s, S("pbx-main"), S("sip.twilio.com")), "Tr0ub4dor&3xyz");
    /* unknown realm falls back to the realm-less entry */
    assert_string_equal(secrets_lookup(s, S("pbx-main"), S("other.example")), "fallback-pass");
    assert_string_equal(secrets_lookup(s, S("pbx-main"), SPAN_NULL), "fallback-pass");
    assert_string_equal(secrets_lookup(s, S("alice"), S("any")), "pass with inner spaces");
    assert_string_equal(secrets_lookup(s, S("bob@example.com"), S("realm.example")),
                        "mail-style-user");
    assert_null(secrets_lookup(s, S("bob"), S("realm.example")));
    assert_string_equal(secrets_lookup(s, S("carol"), S("sip.twilio.com")), "carol-pw");
    /* a realm-only entry does not answer for another realm */
    assert_null(secrets_lookup(s, S("carol"), S("evil.example")));
    /* usernames are case-sensitive, as digest is */
    assert_null(secrets_lookup(s, S("PBX-MAIN"), S("sip.twilio.com")));
    assert_null(secrets_lookup(s, SPAN_NULL, S("sip.twilio.com")));
    assert_null(secrets_lookup(NULL, S("alice"), SPAN_NULL));
    secrets_free(s);
    secrets_free(NULL);
}

static void test_mode_refused(void **state)
{
    static const mode_t bad[] = { 0640, 0604, 0660, 0644, 0620, 0602, 0700 | 0010 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[ERRBUF_SIZE] = "", want[16];
        struct secrets *s = (struct secrets *)1;
        const char *p = PUT("loose", GOOD, bad[i]);
        assert_int_equal(secrets_load(p, &s, err), ERR_PERM);
        assert_null(s);
        snprintf(want, sizeof(want), "%04o", (unsigned)bad[i]);
        assert_non_null(strstr(err, p));
        assert_non_null(strstr(err, want));
        assert_null(strchr(err, '\n'));             /* one line */
        assert_null(strstr(err, "Tr0ub4dor"));
    }
    /* owner-only modes are fine, including read-only */
    char err[ERRBUF_SIZE];
    struct secrets *s = NULL;
    assert_int_equal(secrets_load(PUT("ro", GOOD, 0400), &s, err), 0);
    secrets_free(s);
}

static void test_symlink_followed_and_checked(void **state)
{
    char err[ERRBUF_SIZE], link[128];
    struct secrets *s = NULL;
    const char *p = PUT("target", GOOD, 0600);
    char target[128];
    snprintf(target, sizeof(target), "%s", p);
    snprintf(link, sizeof(link), "%s/link", dir);
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    /* the target's mode is what counts */
    assert_int_equal(secrets_load(link, &s, err), 0);
    assert_int_equal(secrets_count(s), 6);
    secrets_free(s);
    assert_int_equal(chmod(target, 0644), 0);
    s = NULL;
    assert_int_equal(secrets_load(link, &s, err), ERR_PERM);
    assert_null(s);
}

static void test_not_regular_or_missing(void **state)
{
    char err[ERRBUF_SIZE] = "", path[128];
    struct secrets *s = NULL;
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(secrets_load(path, &s, err), ERR_PERM);
    assert_non_null(strstr(err, "not a regular file"));
    snprintf(path, sizeof(path), "%s/nope", dir);
    assert_int_equal(secrets_load(path, &s, err), ERR_IO);
    assert_non_null(strstr(err, "nope"));
}

static void test_owner(void **state)
{
    if (geteuid() != 0)
        skip();
    char err[ERRBUF_SIZE] = "";
    struct secrets *s = NULL;
    const char *p = PUT("nobody", GOOD, 0600);
    assert_int_equal(chown(p, 65534, 65534), 0);
    assert_int_equal(secrets_load(p, &s, err), ERR_PERM);
    assert_non_null(strstr(err, "owned by uid 65534"));
}

static void test_errors_carry_line(void **state)
{
    char err[ERRBUF_SIZE] = "";
    struct secrets *s = NULL;
    /* line 3 has a username and no password */
    assert_int_equal(secrets_load(PUT("bad1", "# c\nalice s3cret-one\nbob\n", 0600), &s, err),
                     ERR_FORMAT);
    assert_null(s);
    assert_non_null(strstr(err, "/bad1:3:"));
    assert_null(strstr(err, "s3cret"));
    /* empty realm after '@' */
    assert_int_equal(secrets_load(PUT("bad2", "alice@ pw\n", 0600), &s, err), ERR_FORMAT);
    assert_non_null(strstr(err, "/bad2:1:"));
    /* NUL byte in line 2 */
    assert_int_equal(secrets_load(put("bad3", "a p\nb p\0q\n", 10, 0600), &s, err), ERR_FORMAT);
    assert_non_null(strstr(err, "/bad3:2:"));
    /* a line over the limit */
    char big[SECRETS_LINE_MAX + 20];
    memset(big, 'x', sizeof(big));
    memcpy(big, "ok pw\nu ", 8);
    big[sizeof(big) - 1] = '\n';
    assert_int_equal(secrets_load(put("bad4", big, sizeof(big), 0600), &s, err), ERR_LIMIT);
    assert_non_null(strstr(err, "/bad4:2:"));
    /* empty file is valid and empty */
    assert_int_equal(secrets_load(put("empty", "", 0, 0600), &s, err), 0);
    assert_int_equal(secrets_count(s), 0);
    secrets_free(s);
}

static void test_mask(void **state)
{
    char buf[32];
    assert_string_equal(secrets_mask("Tr0ub4dor&3xyz", buf, sizeof(buf)), "********");
    assert_string_equal(secrets_mask("x", buf, sizeof(buf)), "********");   /* length hidden */
    assert_string_equal(secrets_mask("x", NULL, 0), "********");
    assert_string_equal(secrets_mask("x", buf, 4), "***");                  /* truncates safely */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_and_lookup),
        cmocka_unit_test(test_mode_refused),
        cmocka_unit_test(test_symlink_followed_and_checked),
        cmocka_unit_test(test_not_regular_or_missing),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_errors_carry_line),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
