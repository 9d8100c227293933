/*
 * intern.c — reference-counted interned strings in four bounded size
 * classes (see intern.h).
 *
 * Flow: correlate. Thread: the owner's. Memory: the class tables are
 * allocated in intern_init; slots are reused, nothing grows.
 */
#include "intern.h"

#include <string.h>

#include "err.h"

struct slot_hdr {
    uint32_t refs;
    uint16_t len;
    char s[];           /* len bytes, then a NUL */
};

static const size_t class_size[INTERN_CLASSES] = { 32, 64, 128, 320 };
_Static_assert(INTERN_MAX == 320 - sizeof(struct slot_hdr) - 1,
               "INTERN_MAX is the largest class's room");

/* Bytes of string a slot of class c holds (header and NUL taken out). */
static size_t room(int c)
{
    return class_size[c] - sizeof(struct slot_hdr) - 1;
}

/* Handle: class in the top 2 bits, slot index + 1 below. */
static uint32_t handle(int c, uint32_t idx)
{
    return ((uint32_t)c << 30) | (idx + 1);
}

static struct slot_hdr *slot_of(const struct intern *in, uint32_t h)
{
    int c = (int)(h >> 30);
    uint32_t idx = (h & 0x3fffffffu) - 1;

    if (h == INTERN_NONE)
        return NULL;
    return ctab_at(&in->cls[c], idx);
}

/* Slots of class c for a budget of cap strings: the short classes hold the
 * addresses, users, hosts and Call-IDs every record names, the long ones
 * request and status lines (a few per transaction, most shared): the busy
 * workload at 1M messages had 100k, 149k, 4.9k and 0 live. Every slot
 * costs index space whether used or not, so the long classes get a quarter
 * and a sixteenth (never below 1,024, or cap when smaller). */
static size_t class_cap(int c, size_t cap)
{
    static const unsigned shift[INTERN_CLASSES] = { 0, 0, 2, 4 };
    size_t n = cap >> shift[c], floor = cap < 1024 ? cap : 1024;

    return n < floor ? floor : n;
}

int intern_init(struct intern *in, size_t cap)
{
    size_t caps[INTERN_CLASSES];

    for (int c = 0; c < INTERN_CLASSES; c++)
        caps[c] = class_cap(c, cap);
    return intern_init_classes(in, caps);
}

int intern_init_classes(struct intern *in, const size_t cap[INTERN_CLASSES])
{
    memset(in, 0, sizeof(*in));
    for (int c = 0; c < INTERN_CLASSES; c++)
        if (cap[c] >= 0x3fffffffu)
            return ERR_INVAL;
    for (int c = 0; c < INTERN_CLASSES; c++)
        if (ctab_init(&in->cls[c], cap[c] ? cap[c] : 1, class_size[c], NULL, NULL) != 0) {
            intern_free(in);
            return ERR_NOMEM;
        }
    return 0;
}

void intern_free(struct intern *in)
{
    for (int c = 0; c < INTERN_CLASSES; c++)
        ctab_free(&in->cls[c]);
}

uint32_t intern_put(struct intern *in, const void *s, size_t len)
{
    int c = 0;
    uint64_t h;
    struct slot_hdr *e;
    struct ctab *t;

    if (len == 0)
        return INTERN_NONE;
    if (len > INTERN_MAX) {
        len = INTERN_MAX;
        in->truncated++;
    }
    while (c < INTERN_CLASSES - 1 && room(c) < len)
        c++;
    t = &in->cls[c];
    if (t->cap == 0)
        return INTERN_NONE;
    h = ctab_hash(t, s, len);
    e = ctab_find(t, h);
    if (e != NULL && (e->len != len || memcmp(e->s, s, len) != 0)) {
        in->refused++;          /* a 64-bit collision: never another string */
        return INTERN_NONE;
    }
    if (e == NULL) {
        if (t->n >= t->cap) {   /* every slot is held by a live record */
            in->refused++;
            return INTERN_NONE;
        }
        e = ctab_insert(t, h);
        e->len = (uint16_t)len;
        memcpy(e->s, s, len);
        e->s[len] = '\0';
    }
    e->refs++;
    return handle(c, ctab_index(t, e));
}

uint32_t intern_put_as(struct intern *in, uint32_t cand, const void *s, size_t len)
{
    /* slot_of is NULL for a freed slot (ctab_at), and a live slot holds one
     * string, the only one in the table with its bytes: so a match is the
     * handle intern_put would have found */
    struct slot_hdr *e = slot_of(in, cand);

    if (e != NULL && e->len == len && memcmp(e->s, s, len) == 0) {
        e->refs++;
        return cand;
    }
    return intern_put(in, s, len);
}

uint32_t intern_ref(struct intern *in, uint32_t h)
{
    struct slot_hdr *e = slot_of(in, h);

    if (e != NULL)
        e->refs++;
    return e != NULL ? h : INTERN_NONE;
}

void intern_drop(struct intern *in, uint32_t h)
{
    struct slot_hdr *e = slot_of(in, h);

    if (e != NULL && --e->refs == 0)
        ctab_remove(&in->cls[h >> 30], e);
}

const char *intern_get(const struct intern *in, uint32_t h, size_t *len)
{
    const struct slot_hdr *e = slot_of(in, h);

    if (len != NULL)
        *len = e ? e->len : 0;
    return e ? e->s : "";
}

size_t intern_live(const struct intern *in)
{
    size_t n = 0;

    for (int c = 0; c < INTERN_CLASSES; c++)
        n += in->cls[c].n;
    return n;
}

size_t intern_peak(const struct intern *in)
{
    size_t n = 0;

    for (int c = 0; c < INTERN_CLASSES; c++)
        n += in->cls[c].peak;
    return n;
}

void intern_release(struct intern *in)
{
    for (int c = 0; c < INTERN_CLASSES; c++)
        ctab_release(&in->cls[c]);
}
