/*
 * test_config_hep.c — the --config [hep_in] section (src/config/config.c):
 * its listeners, allow list, key and TLS files and limits (quiet in seconds)
 * are read; the key itself, an unknown key, a bad number, too many
 * listeners and a second [hep_in] are refused with file:line; trunks around
 * it still load.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/err.h"

static char path[64];

static int load(const char *text, struct config **c, char *eb)
{
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/sipscope-h19-cfg-%d.ini", (int)getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    int rc = config_load(path, c, eb);
    unlink(path);
    return rc;
}

static void test_hep_section(void **state)
{
    struct config *c;
    char eb[ERRBUF_SIZE];
    const struct config_hep *h;
    struct addr a;

    (void)state;
    assert_int_equal(load("[trunk main]\nprovider = twilio\n"
                          "[hep_in]\nallow = 198.51.100.0/24, 2001:db8::/32\n"
                          "key_file = /etc/sipscope/hep.key\ntls_cert = /c.pem\n"
                          "tls_key = /k.pem\ntls_ca = /ca.pem\n"
                          "listen = tcp:192.0.2.1:9061, 192.0.2.1:9060\n"
                          "listen = tls:[2001:db8::1]:9062\n"
                          "conns = 8\nrecord_bytes = 9000\nidle_ms = 1000\nagent_rate = 50\n"
                          "agents = 16\nquiet = 45\n", &c, eb), 0);
    h = config_hep(c);
    assert_true(h->present);
    assert_int_equal(h->allow.n, 2);
    assert_true(addr_parse("198.51.100.77", 13, &a));
    assert_true(cidr_list_contains(&h->allow, &a, NULL));
    assert_true(addr_parse("192.0.2.1", 9, &a));
    assert_false(cidr_list_contains(&h->allow, &a, NULL));
    assert_string_equal(h->key_file, "/etc/sipscope/hep.key");
    assert_string_equal(h->tls_cert, "/c.pem");
    assert_string_equal(h->tls_key, "/k.pem");
    assert_string_equal(h->tls_ca, "/ca.pem");
    assert_int_equal(h->n_listen, 3);
    assert_string_equal(h->listen[0], "tcp:192.0.2.1:9061");
    assert_string_equal(h->listen[1], "192.0.2.1:9060");
    assert_string_equal(h->listen[2], "tls:[2001:db8::1]:9062");
    {
        static const uint64_t want[CONFIG_HEP_CAPS] = { 8, 9000, 1000, 50, 16, 45000 };
        static const char *const names[CONFIG_HEP_CAPS] = {
            "hep_conns", "hep_record_bytes", "hep_idle_ms", "hep_agent_rate", "hep_agents",
            "hep_quiet_ms",
        };
        for (int i = 0; i < CONFIG_HEP_CAPS; i++) {
            assert_true(h->cap_set[i]);
            assert_int_equal(h->cap[i], want[i]);
            assert_string_equal(config_hep_cap_name(i), names[i]);
        }
    }
    assert_int_equal(config_trunk_count(c), 1);
    config_free(c);

    assert_int_equal(load("[trunk main]\nprovider = twilio\n", &c, eb), 0);
    assert_false(config_hep(c)->present);
    config_free(c);
}

static void test_hep_refused(void **state)
{
    struct config *c;
    char eb[ERRBUF_SIZE];

    (void)state;
    assert_int_equal(load("[hep_in]\nkey = s3cret\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, ":2: the HEP key does not belong in --config"));
    assert_null(strstr(eb, "s3cret"));
    assert_int_equal(load("[hep_in]\nlisten_on = 9060\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, "unknown key 'listen_on' in [hep_in]"));
    assert_int_equal(load("[hep_in]\nconns = many\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, ":2: conns = many: expected a number"));
    assert_int_equal(load("[hep_in]\nquiet = -5\n", &c, eb), ERR_FORMAT);
    assert_int_equal(load("[hep_in]\nquiet = 700000\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, "seconds from 0 (off) to 604800"));
    assert_int_equal(load("[hep_in]\nlisten = 1, 2, 3, 4, 5, 6, 7, 8, 9\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, "at most 8 listeners"));
    /* a second [hep_in] after another section (inih cannot tell two adjacent ones apart) */
    assert_int_equal(load("[hep_in]\nallow = 10.0.0.0/8\n[trunk a]\nprovider = twilio\n"
                          "[hep_in]\nallow = 10.1.0.0/16\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, "duplicate [hep_in]"));
    assert_int_equal(load("[hep_in]\nallow = not-an-address\n", &c, eb), ERR_FORMAT);
}

/* [media] rtp_heuristic: yes/no read, anything else and unknown keys refused */
static void test_media_section(void **state)
{
    struct config *c;
    char eb[ERRBUF_SIZE];

    (void)state;
    assert_int_equal(load("[trunk main]\nprovider = twilio\n[media]\nrtp_heuristic = yes\n", &c, eb), 0);
    assert_true(config_media(c)->present);
    assert_true(config_media(c)->rtp_heuristic);
    config_free(c);
    assert_int_equal(load("[media]\nrtp_heuristic = no\n", &c, eb), 0);
    assert_false(config_media(c)->rtp_heuristic);
    config_free(c);
    assert_int_equal(load("[trunk main]\nprovider = twilio\n", &c, eb), 0);
    assert_false(config_media(c)->rtp_heuristic);
    config_free(c);
    assert_int_equal(load("[media]\nrtp_heuristic = maybe\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, ":2: rtp_heuristic 'maybe': want yes or no"));
    assert_int_equal(load("[media]\nrtp_heuristics = yes\n", &c, eb), ERR_FORMAT);
    assert_non_null(strstr(eb, "unknown key 'rtp_heuristics' in [media]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hep_section),
        cmocka_unit_test(test_media_section),
        cmocka_unit_test(test_hep_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
