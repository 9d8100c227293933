/*
 * profile.h — provider profiles: what a SIP trunk provider's signalling
 * looks like (hosts, edges and their addresses, ports, media range), how it
 * authenticates (401 or 407, realm, which status means which failure), its
 * own error codes (Twilio X-Twilio-Error 32xxx) and provider-specific fix
 * texts per finding kind. The engine asks, for a peer: which provider is
 * this, which edge; for a response: what does this carrier code mean; for a
 * finding: what is the provider's fix.
 *
 * Data, not code: profiles are INI files (profiles/twilio.ini is the model,
 * docs/profiles.md the format) parsed with inih. Search path, in order:
 * the built-in copies of the profiles/ files (compiled in at build time by
 * scripts/embed-profiles, so a copied binary knows the same providers),
 * then $(PREFIX)/share/sipscope/profiles, then /etc/sipscope/profiles (the
 * two paths fixed when the Makefile generates the built-ins), then each
 * --profiles DIR. A later file with the same provider id replaces an
 * earlier one, so a file on disk overrides a built-in profile. The current
 * directory is never searched unless given as --profiles. Sections or entries marked "unverified = yes" are kept
 * for display but never used for matching (facts tagged [UNVERIFIED]).
 *
 * Lifetime: every pointer returned points into the struct profile_set and
 * lives until profile_set_free(). Thread: loaded on the main thread at
 * start-up, read-only afterwards (any thread).
 */
#ifndef SIPSCOPE_PROFILE_H
#define SIPSCOPE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "cidr.h"
#include "util/span.h"

/*
 * The built-in profiles and install paths, defined by the generated
 * $(BUILD)/gen/profiles_builtin.c (scripts/embed-profiles). text is the
 * file's bytes, len long (NUL-terminated too); name is the file name
 * ("twilio.ini"). profile_builtins[profile_builtin_count] is { NULL }.
 */
struct profile_builtin {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct profile_builtin profile_builtins[];
extern const size_t profile_builtin_count;
extern const char profile_share_dir[];     /* "/usr/local/share/sipscope/profiles" */
extern const char profile_etc_dir[];       /* "/etc/sipscope/profiles" */

#define PROFILE_MAX 32              /* providers loaded */
#define PROFILE_MAX_EDGES 48
#define PROFILE_MAX_HOSTS 16        /* host patterns per edge / provider */
#define PROFILE_MAX_CODES 128
#define PROFILE_MAX_FIXES 32
#define PROFILE_MAX_REASONS 32

struct profile;
struct profile_set;

/* One edge (point of presence / region) of a provider. */
struct profile_edge {
    const char *id;             /* "ashburn", "us1", "ashburn-ix", "global" */
    const char *region;         /* "North America Virginia" */
    const char *alias_of;       /* legacy id's current edge ("us1" -> "ashburn"), NULL if none */
    bool any;                   /* "global": the provider picks the edge */
    bool interconnect;          /* private Interconnect edge */
    const char *source;         /* citation */
};

/* A carrier error code (X-Twilio-Error 32201 ...). */
struct profile_code {
    int code;
    const char *meaning;        /* "Source IP address not in ACL" */
    const char *kind;           /* finding kind it confirms: ip_rejected, auth_rejected,
                                   carrier_rejected, account_suspended, no_response ... */
    const char *category;       /* finer reason: caller_id, geo_permission, cps_limit, tls,
                                   permissions, ... ("" when none) */
    bool auth_failure;          /* true only for codes that ARE an auth failure */
    const char *fix;            /* fix text, may be "" */
    const char *note;           /* must-say note (32017: "not an auth failure"), may be "" */
    const char *source;         /* citation */
};

/* A telling reason phrase ("Trunk CPS limit exceeded") and its meaning. */
struct profile_reason {
    int status;                 /* 403, 503 ..., 0 = any */
    const char *phrase;         /* matched case-insensitively as a substring */
    const char *kind;
    const char *category;
    const char *meaning;
    int code;                   /* related carrier code, 0 if none */
};

/* How the provider authenticates requests sent to it. */
struct profile_auth {
    int invite_challenge;       /* 401 or 407; 0 unknown */
    int register_challenge;     /* 401 or 407; 0 unknown */
    int acl_failure_status;     /* response when the source IP is not allowed (403); 0 unknown */
    int credential_failure_status; /* response to a wrong digest (403, or a re-challenge 401/407) */
    const char *realm;          /* "sip.twilio.com", "" when unknown */
    const char *algorithms;     /* "MD5", as documented/observed */
    bool registrar;             /* accepts REGISTER for trunks */
    const char *error_header;   /* "X-Twilio-Error", "" when none */
};

/*
 * Build a set from the built-ins, the two install directories, then
 * user_dirs (NULL-terminated, may be NULL). Missing install directories are
 * silent; a missing or unreadable user directory is an error. Returns 0 or a negative enum err;
 * a bad file gives ERR_FORMAT with errbuf "FILE:LINE: message".
 */
int profile_set_load(const char *const *user_dirs, struct profile_set **out, char *errbuf);

/* An empty set, then directories or files added in priority order (tests). */
struct profile_set *profile_set_new(void);
int profile_set_add_dir(struct profile_set *ps, const char *dir, bool must_exist, char *errbuf);
int profile_set_add_file(struct profile_set *ps, const char *path, char *errbuf);
/* One profile from memory; path names it in messages and profile_path(). */
int profile_set_add_text(struct profile_set *ps, const char *path, const char *text, size_t len,
                         char *errbuf);
void profile_set_free(struct profile_set *ps);

size_t profile_count(const struct profile_set *ps);
const struct profile *profile_at(const struct profile_set *ps, size_t i);
const struct profile *profile_find(const struct profile_set *ps, const char *id);

const char *profile_id(const struct profile *p);     /* "twilio"; "" for NULL */
const char *profile_name(const struct profile *p);   /* "Twilio Elastic SIP Trunking" */
const char *profile_path(const struct profile *p);   /* file it came from */
const struct profile_auth *profile_auth(const struct profile *p);

/*
 * Which provider (and edge, when edge_out is not NULL) a signalling address
 * belongs to. The most specific edge wins (longest prefix; a named edge
 * before "global"; a current edge before its legacy alias). NULL if none.
 */
const struct profile *profile_match_addr(const struct profile_set *ps, const struct addr *a,
                                         const struct profile_edge **edge_out);

/*
 * Which provider a Request-URI / To host names (glob patterns such as
 * "*.pstn.twilio.com", case-insensitive, '*' matches one or more
 * characters including dots). Same edge rule as above. NULL if none.
 */
const struct profile *profile_match_host(const struct profile_set *ps, struct span host,
                                         const struct profile_edge **edge_out);

/* Provider of a trunk: by its signalling address, else the Request-URI
 * host (empty host: address only). NULL if none or ps is NULL. */
const struct profile *profile_match_peer(const struct profile_set *ps, const struct addr *server,
                                         struct span host);

/* The edge a host names / an address belongs to, within one provider. */
const struct profile_edge *profile_edge_for_host(const struct profile *p, struct span host);
const struct profile_edge *profile_edge_for_addr(const struct profile *p, const struct addr *a);
/* The edge's current name (alias_of resolved): "us1" -> "ashburn". */
const char *profile_edge_canonical(const struct profile_edge *e);
/*
 * For wrong_region: true when both edges are named (not "any") and are
 * different places after resolving legacy aliases.
 */
bool profile_edges_differ(const struct profile_edge *a, const struct profile_edge *b);

/* True when a is in the provider's media range (RTP source/destination). */
bool profile_is_media_addr(const struct profile *p, const struct addr *a);
/* True when port/transport is one the provider lists for signalling. */
bool profile_is_sip_port(const struct profile *p, uint16_t port, enum transport t);

/* Carrier code lookup; NULL when the profile does not know the code. */
const struct profile_code *profile_code(const struct profile *p, int code);
/*
 * Parse the provider's error header value ("32201 Authentication failure -
 * source IP ...") and look the code up. *code_out (may be NULL) gets the
 * number even when unknown (0 when the value does not start with digits).
 */
const struct profile_code *profile_code_from_header(const struct profile *p, struct span value,
                                                    int *code_out);
/* First reason-phrase rule matching (status, phrase); NULL if none. */
const struct profile_reason *profile_reason(const struct profile *p, int status,
                                            struct span phrase);

/*
 * Provider fix text for a finding kind ("auth_rejected"), NULL when the
 * profile has none. Several lines are separated by '\n'.
 */
const char *profile_fix(const struct profile *p, const char *kind);

#endif
