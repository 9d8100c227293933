/*
 * geoip.h — country and AS number/organisation of an address from MaxMind
 * DB files (libmaxminddb): GeoLite2-Country/ASN, DB-IP lite country/ASN, or
 * any DB with the same field names (country.iso_code,
 * autonomous_system_number, autonomous_system_organization).
 *
 * Files come from --geoip FILE (repeatable); when none is given, the usual
 * directories (/usr/share/GeoIP, /var/lib/GeoIP) are searched for known
 * names. No database at all is normal and silent: lookups just find
 * nothing. docs/profiles.md says how to get a free database.
 *
 * Thread: opened on the main thread; lookups are read-only on mmapped
 * files (MMDB_MODE_MMAP) and safe from any thread. The result owns its
 * strings (fixed arrays), so nothing points into the database.
 */
#ifndef SIPSCOPE_GEOIP_H
#define SIPSCOPE_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define GEOIP_MAX_DBS 8

struct geoip;

struct geoip_result {
    char country[3];            /* ISO 3166-1 alpha-2, "" when unknown */
    uint32_t asn;               /* 0 when unknown */
    char as_org[64];            /* "" when unknown */
};

/*
 * Open the files (NULL-terminated list; NULL or empty = auto-discover).
 * A named file that cannot be opened is an error (ERR_IO/ERR_FORMAT with
 * errbuf); auto-discovered ones that fail are skipped. Returns 0 and a
 * set that may hold no database.
 */
int geoip_open(const char *const *files, struct geoip **out, char *errbuf);

/* Same with explicit auto-discovery directories (NULL-terminated; tests). */
int geoip_open_dirs(const char *const *files, const char *const *dirs, struct geoip **out,
                    char *errbuf);

void geoip_close(struct geoip *g);

/* Databases open (0 when none was found). */
size_t geoip_db_count(const struct geoip *g);

/*
 * Look a up in every database, merging country and ASN fields (the first
 * database that has a field wins). Returns true when anything was found.
 * g may be NULL (returns false).
 */
bool geoip_lookup(const struct geoip *g, const struct addr *a, struct geoip_result *out);

/* "US AS14618 Amazon.com, Inc." / "ZZ" / "" into buf; returns buf. */
char *geoip_format(const struct geoip_result *r, char *buf, size_t len);

#endif
