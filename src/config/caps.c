/*
 * caps.c — default limits and their command-line overrides (see caps.h).
 * Main thread, at start-up only.
 */
#include "caps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void caps_default(struct caps *c)
{
#define CAPS_INIT(name, def, doc) c->name = (def);
    CAPS_FIELDS(CAPS_INIT)
#undef CAPS_INIT
    c->mem = CAPS_MEM_DEFAULT;
    c->given = 0;
    caps_apply_mem(c);
}

/* The index of each CAPS_FIELDS entry, for caps.given. */
enum caps_index {
#define CAPS_IDX(name, def, doc) CAPS_I_##name,
    CAPS_FIELDS(CAPS_IDX)
#undef CAPS_IDX
    CAPS_I_COUNT
};
_Static_assert(CAPS_I_COUNT <= 64, "caps.given holds one bit per limit");

int caps_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t mul = 1;

    if (s == NULL || s[0] < '0' || s[0] > '9')
        return ERR_INVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return ERR_INVAL;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (*end == 'i' && mul > 1)
        end++;
    if ((*end == 'B' || *end == 'b') && end[1] == '\0')
        end++;
    if (*end != '\0' || v == 0 || v > (UINT64_MAX >> 30))
        return ERR_INVAL;
    *out = (uint64_t)v * mul;
    return 0;
}

/*
 * The budget's shares. Bytes per entry are what a live entry costs: its
 * record (sizeof, correlate.h / nat.h / media.c) plus the table's own
 * arrays (ctable.h: ~45 bytes an entry) and, for the compact records
 * (transactions, dialogs, sources, identities, auth exchanges), the interned
 * strings they hold with their share of the string tables' index
 * (util/intern.h). Shares follow what two PBXs need at once: the shared
 * busy workload (gen_sip_pcap.py --seed 1; peaks over 10M messages:
 * transactions 44k, dialogs 33k, identities 18k, accounts 20k, auth
 * exchanges 16k, media calls 21k, peers and sources 5k each) and one 2.5x
 * as busy with 4x the addresses and 5x the users (--rate 1500 --ips 20000
 * --users 100000, 1M: 109k, 75k, 50k, 47k, 37k, 40k, 20k and 20k), each
 * table the larger of its two fractions of the bytes, scaled to add up to
 * 1,000 permille. The default budget holds twice the first's peaks
 * (tests/unit/config/test_caps.c) and at least 7/8 of the second's
 * (--mem 400M all of them). The shares before were the first's alone, set
 * when its identities did not retire (65k then): the second evicted 618k
 * entries at the default budget, 353k of them evidence, with 200 MiB of
 * RSS; now 314k and 45k, with 230 MiB. The busy workload's RSS fell a
 * little: the identities' history (callers, not evidence; half the
 * identities' cap) forgets sooner (engine.identity_history.forgotten).
 * CAPS_MEM_FIXED is what does not
 * scale with the budget (ring, kept messages, findings, caches, the
 * binary). Every table is sized
 * to what its share can hold; a table that would get fewer than its floor
 * gets the floor (a tiny --mem still analyses a small capture).
 */
#define CAPS_MEM_FIXED (32ull << 20)
/* What the shares below may use of the rest: the per-entry figures leave
 * out the interned strings, the index slots and the allocator's overhead;
 * tests/soak/soak.sh (every table full) measured 305 MiB of RSS for a
 * 256 MiB budget with all of the rest shared out, so 4/5 of it is. */
#define CAPS_MEM_SHARED(room) ((room) / 5 * 4)
static const struct share {
    enum caps_index idx;
    uint32_t bytes;         /* per live entry */
    uint32_t permille;      /* of the budget past CAPS_MEM_FIXED */
    uint32_t floor;
} shares[] = {
    { CAPS_I_transactions,      260,  109, 4096 },
    /* a dialog: its 176-byte record, its Call-ID and To (~40 and ~30 bytes
     * on a busy PBX, its own; the From is the caller's, shared) and their
     * share of the string index; measured: +50k dialogs of cap (3/4 kept as
     * history then, a quarter now: dialog_due) cost 25 MB of RSS on the 1M
     * busy workload */
    { CAPS_I_dialogs,           520, 164, 2048 },
    /* an auth exchange: its 256-byte record (correlate.h) and its user's and
     * client address's strings (its lines, realm and algorithms are shared
     * with its transactions and the other exchanges) */
    { CAPS_I_auth_exchanges,    370,   57, 1024 },
    /* a peer (632 B) + two NAT pairs (464 B, nat.h; ~110 B of strings: its
     * first received=; one per direction requests flow in: the busy
     * workload has 2 pairs a peer) + a keep-alive series (784 B,
     * keepalive.h; its past outages interned, most have none), each ~45 B
     * of index */
    { CAPS_I_peers,            2750, 197, 1024 },
    { CAPS_I_sources,           580,   41, 1024 },   /* 512 B record; its User-Agent is shared */
    /* an identity: its 304-byte record and its name (its addresses are
     * shared), and half a slot of the settled identities' history (56 B,
     * struct ident_past, + ~45 B); measured: +30k identities of cap, full, cost
     * 12 MB of RSS. Settled identities retire 64*T1 after their last
     * outcome: the busy workload's live peak is 18k at 1M and at 10M (65k
     * at 1M before any retired) */
    { CAPS_I_identities,        490,  89, 2048 },
    /* an account: its 376-byte record (nat.h) and its user's string (the
     * request lines and addresses are shared by the accounts naming them) */
    { CAPS_I_accounts,          500,   93, 1024 },
    /* media: a call (struct mcall 384 B, media.c) + its 4 announced-port
     * slots (struct mport 52 B each) + 2 deadline-queue items + a
     * retired-port memory entry, each with the table's ~45 B, and its
     * interned Call-ID (~40 B on a busy PBX: a 64-byte slot, the table's
     * arrays and index; the format lists are shared): 1,100 B; measured:
     * 10 MiB less RSS at the busy workload's 20.4k calls up at once than the
     * 1,024-byte record (1,600 B here then). Calls retire once SIP ends them,
     * so the share holds the calls up at once: the busy workload peaks at
     * 20.4k (11.6k answered calls still up at its end); 140 permille is
     * 30.7k at the default budget. */
    { CAPS_I_media_calls,      1100, 218, 512 },
    /* a stream (struct mstream 208 B + ~45 B; its Call-ID is its call's) and
     * its quarter of a heuristic one: 12k at the default budget */
    { CAPS_I_media_streams,     320,   14, 512 },
    { CAPS_I_population_members, 140,  18, 4096 },
};

static uint64_t *field_of(struct caps *c, enum caps_index i)
{
    switch (i) {
#define CAPS_FIELD(name, def, doc) case CAPS_I_##name: return &c->name;
    CAPS_FIELDS(CAPS_FIELD)
#undef CAPS_FIELD
    default: return NULL;
    }
}

void caps_apply_mem(struct caps *c)
{
    uint64_t room = CAPS_MEM_SHARED(c->mem > CAPS_MEM_FIXED ? c->mem - CAPS_MEM_FIXED : 0);

    for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
        const struct share *sh = &shares[i];
        uint64_t *f = field_of(c, sh->idx);
        uint64_t n = room / 1000 * sh->permille / sh->bytes;
        if (f == NULL || (c->given >> sh->idx) & 1)
            continue;           /* an expert's --cap stays */
        if (n < sh->floor)
            n = sh->floor;
        if (n > (1u << 30))
            n = 1u << 30;
        *f = n;
    }
}

int caps_set(struct caps *c, const char *assignment, char *errbuf)
{
    const char *eq = strchr(assignment, '=');
    char *end;
    unsigned long long v;
    size_t klen;

    if (eq == NULL) {
        err_set(errbuf, "--cap %s: expected NAME=VALUE", assignment);
        return ERR_INVAL;
    }
    klen = (size_t)(eq - assignment);
    errno = 0;
    v = strtoull(eq + 1, &end, 10);
    /* strtoull accepts "-5" (as 2^64-5) and leading spaces: digits only. */
    if (errno != 0 || eq[1] < '0' || eq[1] > '9' || *end != '\0' || v == 0) {
        err_set(errbuf, "--cap %s: value must be a positive integer", assignment);
        return ERR_INVAL;
    }
#define CAPS_MATCH(name, def, doc) \
    if (klen == sizeof(#name) - 1 && memcmp(assignment, #name, klen) == 0) { \
        c->name = v; \
        c->given |= 1ull << CAPS_I_##name; \
        return 0; \
    }
    CAPS_FIELDS(CAPS_MATCH)
#undef CAPS_MATCH
    err_set(errbuf, "--cap %.*s: unknown limit", (int)klen, assignment);
    return ERR_INVAL;
}
