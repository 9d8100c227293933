/*
 * config.h — the --config file: what the user says their trunks are, so
 * the engine can compare it with what the wire shows (the PBX's public IP
 * is not in the ACL it thinks it configured, the Request-URI host is not
 * the trunk's termination URI, the wrong edge...).
 *
 * INI (inih), one section per trunk:
 *
 *   [trunk main]
 *   provider = twilio                      ; a profile id (a file in profiles/)
 *   public_ip = 198.51.100.20, 198.51.100.21   ; our address(es) as the provider sees them
 *   username = pbx-main                    ; digest username, if credentials are used
 *   termination_uri = sip:example.pstn.twilio.com   ; or just the host
 *   ip_acl = 198.51.100.0/28, 203.0.113.7  ; what was entered in the provider's ACL
 *   edge = ashburn                         ; optional (alias: region)
 *   peer = 54.172.60.0/30                  ; optional provider addresses
 *
 *   [hep_in]                               ; optional: the HEP receiver (--hep-in)
 *   allow = 198.51.100.0/24, 2001:db8::/32 ; agent networks, as --hep-allow
 *   key_file = /etc/sipscope/hep.key       ; as --hep-key-file (the key itself is refused)
 *   tls_cert = ...  tls_key = ...  tls_ca = ...   ; as --hep-tls-*
 *   listen = tcp:192.0.2.50:9061, 192.0.2.50:9060 ; as --hep-in (when none is given)
 *   conns = 64  record_bytes = 65535  idle_ms = 120000  agent_rate = 20000  agents = 64
 *                                          ; as --cap hep_conns=... (the flag wins)
 *   quiet = 300                            ; seconds, as --hep-quiet (0: off)
 *
 *   [media]                                ; optional
 *   rtp_heuristic = yes                    ; as --rtp-heuristic (default no)
 *
 * A password or secret key is refused (passwords go in --secrets, mode
 * 600). Errors are "FILE:LINE: message" (unknown key, bad address, duplicate
 * trunk...). At most CONFIG_MAX_TRUNKS trunks.
 * Thread: loaded on the main thread; read-only afterwards (any thread).
 * Lifetime: pointers returned live until config_free().
 */
#ifndef SIPSCOPE_CONFIG_H
#define SIPSCOPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"
#include "cidr.h"
#include "util/span.h"

#define CONFIG_MAX_TRUNKS 64

struct config_trunk {
    char name[64];
    char provider[32];          /* "" when not given */
    struct cidr_list public_ip; /* host prefixes */
    char username[128];
    char termination_host[256]; /* host of termination_uri, lower-case, no port */
    struct cidr_list ip_acl;
    char edge[32];              /* "" when not given */
    struct cidr_list peer;      /* provider signalling addresses, optional */
};

/* [hep_in]; the command line adds allow entries, and its listeners, files
 * and limits win. The limits are the --cap hep_* names without "hep_"
 * (quiet is --hep-quiet, in seconds; stored in ms as caps.hep_quiet_ms). */
enum config_hep_cap {
    CONFIG_HEP_CONNS, CONFIG_HEP_RECORD_BYTES, CONFIG_HEP_IDLE_MS, CONFIG_HEP_AGENT_RATE,
    CONFIG_HEP_AGENTS, CONFIG_HEP_QUIET_MS, CONFIG_HEP_CAPS,
};
#define CONFIG_HEP_LISTEN_MAX 8
struct config_hep {
    bool present;
    struct cidr_list allow;
    char key_file[256], tls_cert[256], tls_key[256], tls_ca[256];   /* "" when not given */
    char listen[CONFIG_HEP_LISTEN_MAX][80];     /* as --hep-in, checked by the caller */
    size_t n_listen;
    uint64_t cap[CONFIG_HEP_CAPS];
    bool cap_set[CONFIG_HEP_CAPS];
};
/* The --cap name of a [hep_in] limit ("hep_conns"), NULL out of range. */
const char *config_hep_cap_name(enum config_hep_cap c);

struct config;

/* Load path. Returns 0, ERR_IO, ERR_FORMAT ("FILE:LINE: ..."), ERR_LIMIT or ERR_NOMEM. */
int config_load(const char *path, struct config **out, char *errbuf);
void config_free(struct config *c);

size_t config_trunk_count(const struct config *c);
const struct config_hep *config_hep(const struct config *c);

/* [media]; --rtp-heuristic on the command line turns it on as well. */
struct config_media {
    bool present;
    bool rtp_heuristic;
};
const struct config_media *config_media(const struct config *c);
/* [analysis]: mem = SIZE, the --mem budget when the command line gives none. */
struct config_analysis {
    bool present;
    uint64_t mem;               /* bytes, 0 when not given */
};
const struct config_analysis *config_analysis(const struct config *c);
const struct config_trunk *config_trunk_at(const struct config *c, size_t i);
const struct config_trunk *config_trunk_find(const struct config *c, const char *name);

/*
 * Which trunk a message belongs to, from what is known (any argument may be
 * NULL/empty): the PBX-side address (public_ip, then ip_acl), the provider
 * address (peer), the Request-URI host (termination_host, or a subdomain
 * localized form "x.pstn.EDGE.twilio.com" of "x.pstn.twilio.com"), the auth
 * username. Scoring: host and username outrank addresses; NULL if nothing
 * matches.
 */
const struct config_trunk *config_match(const struct config *c, const struct addr *pbx,
                                        const struct addr *peer, struct span host,
                                        struct span username);

const struct config_trunk *config_by_addr(const struct config *c, const struct addr *a);
const struct config_trunk *config_by_host(const struct config *c, struct span host);
const struct config_trunk *config_by_username(const struct config *c, struct span username);

/* Is src inside the ACL the user listed for this trunk? (false when no ACL listed) */
bool config_acl_contains(const struct config_trunk *t, const struct addr *src);
/* Did the user list an ACL at all? */
bool config_has_acl(const struct config_trunk *t);
/* Is a one of the trunk's expected public IPs? */
bool config_is_public_ip(const struct config_trunk *t, const struct addr *a);

#endif
