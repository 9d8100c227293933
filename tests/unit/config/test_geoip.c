/*
 * test_geoip.c — GeoIP/ASN lookups (src/geoip.c) on tiny MaxMind DBs that
 * tests/geoip/make-test-mmdb.pl writes (documentation ranges only; needs
 * libmaxmind-db-writer-perl: the tests skip when the writer is missing).
 * Expected values are what that script inserted, cross-checked with
 * libmaxminddb's own mmdblookup tool when it was written.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "config/geoip.h"

static char dir[64];
static char country[128], asn[128];
static bool have_db;

static int setup(void **state)
{
    char cmd[256];
    snprintf(dir, sizeof(dir), "/tmp/h6-geoip-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(cmd, sizeof(cmd), "perl tests/geoip/make-test-mmdb.pl '%s' 2>&1", dir);
    have_db = system(cmd) == 0;
    snprintf(country, sizeof(country), "%s/test-country.mmdb", dir);
    snprintf(asn, sizeof(asn), "%s/test-asn.mmdb", dir);
    if (!have_db)
        fprintf(stderr, "test_geoip: cannot build the test DB (libmaxmind-db-writer-perl?)\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct addr ip(const char *s)
{
    struct addr a;
    assert_true(addr_parse(s, strlen(s), &a));
    return a;
}

static void expect(const struct geoip *g, const char *addr, bool found, const char *cc,
                   unsigned as, const char *org)
{
    struct geoip_result r;
    struct addr a = ip(addr);
    assert_int_equal(geoip_lookup(g, &a, &r), found);
    assert_string_equal(r.country, cc);
    assert_int_equal(r.asn, as);
    assert_string_equal(r.as_org, org);
}

static void test_lookup_two_dbs(void **state)
{
    if (!have_db)
        skip();
    char err[ERRBUF_SIZE] = "";
    const char *files[] = { country, asn, NULL };
    struct geoip *g = NULL;
    assert_int_equal(geoip_open(files, &g, err), 0);
    assert_int_equal(geoip_db_count(g), 2);
    expect(g, "198.51.100.7", true, "ZZ", 64500, "Example Carrier");
    expect(g, "203.0.113.200", true, "XB", 64501, "Example PBX Hosting");
    expect(g, "192.0.2.1", true, "XC", 0, "");              /* country only */
    expect(g, "2001:db8::5", true, "ZZ", 64502, "Example IPv6 Net");
    expect(g, "198.51.101.1", false, "", 0, "");            /* just outside */
    expect(g, "2001:db9::1", false, "", 0, "");

    char buf[96];
    struct geoip_result r;
    struct addr a = ip("198.51.100.7");
    geoip_lookup(g, &a, &r);
    assert_string_equal(geoip_format(&r, buf, sizeof(buf)), "ZZ AS64500 Example Carrier");
    a = ip("192.0.2.1");
    geoip_lookup(g, &a, &r);
    assert_string_equal(geoip_format(&r, buf, sizeof(buf)), "XC");
    assert_string_equal(geoip_format(&r, buf, 2), "X");     /* truncates safely */
    geoip_close(g);

    /* one DB alone gives only its fields */
    const char *only_asn[] = { asn, NULL };
    assert_int_equal(geoip_open(only_asn, &g, err), 0);
    expect(g, "198.51.100.7", true, "", 64500, "Example Carrier");
    geoip_close(g);
}

static void test_discovery(void **state)
{
    if (!have_db)
        skip();
    char sub[128], path[192], cmd[1100], err[ERRBUF_SIZE] = "";
    snprintf(sub, sizeof(sub), "%s/GeoIP", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    /* known names are opened, others (and legacy .dat files) are not */
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/GeoLite2-Country.mmdb' && cp '%s' "
             "'%s/dbip-asn-lite-2024-01.mmdb' && cp '%s' '%s/other.mmdb' && "
             "echo junk > '%s/GeoIP.dat'", country, sub, asn, sub, asn, sub, sub);
    assert_int_equal(system(cmd), 0);
    const char *dirs[] = { "/nonexistent/GeoIP", sub, NULL };
    struct geoip *g = NULL;
    assert_int_equal(geoip_open_dirs(NULL, dirs, &g, err), 0);
    assert_int_equal(geoip_db_count(g), 2);
    expect(g, "198.51.100.7", true, "ZZ", 64500, "Example Carrier");
    geoip_close(g);

    /* a broken file with a known name is skipped silently */
    snprintf(path, sizeof(path), "%s/GeoLite2-City.mmdb", sub);
    FILE *f = fopen(path, "w");
    fputs("not a maxmind db", f);
    fclose(f);
    assert_int_equal(geoip_open_dirs(NULL, dirs, &g, err), 0);
    assert_int_equal(geoip_db_count(g), 2);
    geoip_close(g);
    /* ... but named on the command line it is an error */
    const char *files[] = { path, NULL };
    assert_int_equal(geoip_open_dirs(files, dirs, &g, err), ERR_FORMAT);
    assert_null(g);
    assert_non_null(strstr(err, "GeoLite2-City.mmdb"));
}

static void test_absent_is_silent(void **state)
{
    char err[ERRBUF_SIZE] = "";
    const char *dirs[] = { "/nonexistent/a", "/nonexistent/b", NULL };
    struct geoip *g = NULL;
    assert_int_equal(geoip_open_dirs(NULL, dirs, &g, err), 0);
    assert_non_null(g);
    assert_int_equal(geoip_db_count(g), 0);
    expect(g, "198.51.100.7", false, "", 0, "");
    geoip_close(g);
    expect(NULL, "198.51.100.7", false, "", 0, "");
    /* the real default path works whatever this machine has */
    assert_int_equal(geoip_open(NULL, &g, err), 0);
    geoip_close(g);
    const char *missing[] = { "/nonexistent/GeoLite2-ASN.mmdb", NULL };
    assert_int_equal(geoip_open(missing, &g, err), ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/GeoLite2-ASN.mmdb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_two_dbs),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_absent_is_silent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
