/*
 * fuzz_files.c — libFuzzer target for the file readers a user points
 * sipscope at: --secrets (secrets_load), --config (config_load, inih) and
 * provider profiles (profile_set_add_file, inih), plus the lookups each
 * loaded object answers (so a half-built entry is used, not just freed).
 *
 * Input format: byte 0 selects the reader (0 secrets, 1 config, 2 profile,
 * modulo 3); bytes 1.. are the file's content, written with mode 0600 to a
 * private temporary directory (mkdtemp, removed at exit) because the
 * readers take a path and the secrets reader checks the mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/addr.h"
#include "config/config.h"
#include "util/err.h"
#include "fuzz_common.h"
#include "config/profile.h"
#include "config/secrets.h"

static char dir[64];
static char paths[3][96];

static void cleanup(void)
{
    for (int i = 0; i < 3; i++)
        if (paths[i][0])
            unlink(paths[i]);
    if (dir[0])
        rmdir(dir);
}

static int setup(void)
{
    if (dir[0])
        return 0;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/fuzzfilesXXXXXX", t && strlen(t) < 40 ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        dir[0] = 0;
        return -1;
    }
    snprintf(paths[0], sizeof(paths[0]), "%s/secrets", dir);
    snprintf(paths[1], sizeof(paths[1]), "%s/config.ini", dir);
    snprintf(paths[2], sizeof(paths[2]), "%s/fuzz.ini", dir);
    atexit(cleanup);
    return 0;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    fchmod(fd, 0600);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errbuf[ERRBUF_SIZE];
    struct addr a;
    int which;

    if (size < 1 || size > 100000 || setup() != 0)
        return 0;
    which = data[0] % 3;
    if (write_file(paths[which], data + 1, size - 1) != 0)
        return 0;
    errbuf[0] = 0;
    addr_parse("203.0.113.7", 11, &a);
    if (which == 0) {
        struct secrets *s = NULL;
        if (secrets_load(paths[0], &s, errbuf) == 0 && s != NULL) {
            (void)secrets_count(s);
            (void)secrets_lookup(s, SPAN_LIT("alice"), SPAN_LIT("example.com"));
            (void)secrets_lookup(s, SPAN_LIT("alice"), SPAN_NULL);
            secrets_free(s);
        }
    } else if (which == 1) {
        struct config *c = NULL;
        if (config_load(paths[1], &c, errbuf) == 0 && c != NULL) {
            for (size_t i = 0; i < config_trunk_count(c); i++) {
                const struct config_trunk *t = config_trunk_at(c, i);
                if (t != NULL) {
                    (void)config_acl_contains(t, &a);
                    (void)config_is_public_ip(t, &a);
                    (void)config_has_acl(t);
                }
            }
            (void)config_match(c, &a, &a, SPAN_LIT("example.pstn.twilio.com"), SPAN_LIT("alice"));
            (void)config_trunk_find(c, "main");
            config_free(c);
        }
    } else {
        struct profile_set *ps = profile_set_new();
        if (ps != NULL) {
            if (profile_set_add_file(ps, paths[2], errbuf) == 0) {
                const struct profile_edge *e = NULL;
                for (size_t i = 0; i < profile_count(ps); i++) {
                    const struct profile *p = profile_at(ps, i);
                    if (p == NULL)
                        continue;
                    (void)profile_id(p);
                    (void)profile_auth(p);
                    (void)profile_code(p, 32201);
                    (void)profile_fix(p, "auth_rejected");
                    (void)profile_edge_for_host(p, SPAN_LIT("x.pstn.ashburn.twilio.com"));
                    (void)profile_edge_for_addr(p, &a);
                    (void)profile_is_media_addr(p, &a);
                    (void)profile_is_sip_port(p, 5060, TRANSPORT_UDP);
                }
                (void)profile_match_host(ps, SPAN_LIT("x.pstn.twilio.com"), &e);
                (void)profile_match_addr(ps, &a, &e);
            }
            profile_set_free(ps);
        }
    }
    /* errbuf is always NUL-terminated */
    if (memchr(errbuf, 0, sizeof(errbuf)) == NULL)
        abort();
    return 0;
}
