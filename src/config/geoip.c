/*
 * geoip.c — country / AS lookups in MaxMind DB files (see geoip.h).
 *
 * libmaxminddb does the reading; files are mmapped (MMDB_MODE_MMAP) so a
 * lookup allocates nothing and may run on any thread. Auto-discovery only
 * accepts *.mmdb names known to hold country or ASN data, so Debian's
 * legacy geoip-database .dat files and unrelated DBs are never opened.
 * Opened on the main thread at start-up.
 */
#include "geoip.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/err.h"

struct geoip {
    size_t n;
    MMDB_s db[GEOIP_MAX_DBS];
};

static const char *const default_dirs[] = { "/usr/share/GeoIP", "/var/lib/GeoIP", NULL };

/* Free databases with country and/or ASN data, by their distributed names. */
static const char *const known_names[] = {
    "GeoLite2-Country.mmdb", "GeoLite2-ASN.mmdb", "GeoLite2-City.mmdb",
    "GeoIP2-Country.mmdb", "GeoIP2-City.mmdb", "GeoIP2-ISP.mmdb",
    "dbip-country-lite*.mmdb", "dbip-asn-lite*.mmdb", "dbip-city-lite*.mmdb",
    "dbip-country*.mmdb", "dbip-asn*.mmdb",
    NULL,
};

static int open_one(struct geoip *g, const char *path, char *errbuf)
{
    if (g->n >= GEOIP_MAX_DBS) {
        err_set(errbuf, "%s: more than %d GeoIP databases", path, GEOIP_MAX_DBS);
        return ERR_LIMIT;
    }
    int st = MMDB_open(path, MMDB_MODE_MMAP, &g->db[g->n]);
    if (st != MMDB_SUCCESS) {
        err_set(errbuf, "%s: %s", path, MMDB_strerror(st));
        return st == MMDB_FILE_OPEN_ERROR || st == MMDB_IO_ERROR ? ERR_IO : ERR_FORMAT;
    }
    g->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Open every known database in dir (sorted by name); failures are skipped. */
static void discover(struct geoip *g, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char *names[64];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < sizeof(names) / sizeof(names[0])) {
        for (size_t i = 0; known_names[i] != NULL; i++) {
            if (fnmatch(known_names[i], de->d_name, 0) == 0) {
                if ((names[n] = strdup(de->d_name)) != NULL)
                    n++;
                break;
            }
        }
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < sizeof(path))
            (void)open_one(g, path, NULL);
        free(names[i]);
    }
}

int geoip_open_dirs(const char *const *files, const char *const *dirs, struct geoip **out,
                    char *errbuf)
{
    struct geoip *g = calloc(1, sizeof(*g));
    int rc = 0;

    *out = NULL;
    if (g == NULL)
        return ERR_NOMEM;
    if (files != NULL && files[0] != NULL) {
        for (size_t i = 0; files[i] != NULL && rc == 0; i++)
            rc = open_one(g, files[i], errbuf);
    } else {
        for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++)
            discover(g, dirs[i]);
    }
    if (rc != 0) {
        geoip_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

int geoip_open(const char *const *files, struct geoip **out, char *errbuf)
{
    return geoip_open_dirs(files, default_dirs, out, errbuf);
}

void geoip_close(struct geoip *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++)
        MMDB_close(&g->db[i]);
    free(g);
}

size_t geoip_db_count(const struct geoip *g)
{
    return g != NULL ? g->n : 0;
}

/* Copy a utf8_string entry into buf (truncated, NUL-terminated). */
static bool get_str(MMDB_entry_s *e, char *buf, size_t len, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || len == 0)
        return false;
    size_t n = d.data_size < len - 1 ? d.data_size : len - 1;
    memcpy(buf, d.utf8_string, n);
    buf[n] = '\0';
    /* never hand control characters to a terminal or a report */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            buf[i] = '?';
    return n > 0;
}

bool geoip_lookup(const struct geoip *g, const struct addr *a, struct geoip_result *out)
{
    struct sockaddr_storage ss;
    bool found = false;

    memset(out, 0, sizeof(*out));
    if (g == NULL || g->n == 0)
        return false;
    memset(&ss, 0, sizeof(ss));
    if (addr_is_v4(a)) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->b + 12, 4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->b, 16);
    }
    for (size_t i = 0; i < g->n; i++) {
        int mmerr = MMDB_SUCCESS;
        /* MMDB_lookup_sockaddr does not modify the database (const by contract) */
        MMDB_lookup_result_s r =
            MMDB_lookup_sockaddr((MMDB_s *)&g->db[i], (const struct sockaddr *)&ss, &mmerr);
        if (mmerr != MMDB_SUCCESS || !r.found_entry)
            continue;   /* e.g. IPv6 address in an IPv4-only database */
        if (out->country[0] == '\0') {
            static const char *const cpath[] = { "country", "iso_code", NULL };
            static const char *const rpath[] = { "registered_country", "iso_code", NULL };
            if (get_str(&r.entry, out->country, sizeof(out->country), cpath) ||
                get_str(&r.entry, out->country, sizeof(out->country), rpath))
                found = true;
        }
        if (out->asn == 0) {
            static const char *const npath[] = { "autonomous_system_number", NULL };
            static const char *const opath[] = { "autonomous_system_organization", NULL };
            MMDB_entry_data_s d;
            if (MMDB_aget_value(&r.entry, &d, npath) == MMDB_SUCCESS && d.has_data &&
                d.type == MMDB_DATA_TYPE_UINT32 && d.uint32 != 0) {
                out->asn = d.uint32;
                found = true;
                get_str(&r.entry, out->as_org, sizeof(out->as_org), opath);
            }
        }
    }
    return found;
}

char *geoip_format(const struct geoip_result *r, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (r->asn != 0)
        snprintf(buf, len, "%s%sAS%u%s%s", r->country, r->country[0] ? " " : "",
                 (unsigned)r->asn, r->as_org[0] ? " " : "", r->as_org);
    else
        snprintf(buf, len, "%s", r->country);
    return buf;
}
