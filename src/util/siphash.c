/*
 * siphash.c — SipHash-2-4 after the reference implementation
 * (https://github.com/veorq/SipHash, CC0), used to hash wire-derived keys.
 * See siphash.h. Any thread (no state).
 */
#include "siphash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);   /* one load: the byte loop cost ~30 instructions a word */
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
#endif
}

#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                  \
    } while (0)

/* SipHash-c-d: c compression rounds per word, d finalisation rounds. */
static inline __attribute__((always_inline)) uint64_t siphash_cd(const void *in, size_t n,
                                                                 const uint8_t k[16], int c,
                                                                 int d)
{
    const uint8_t *p = in;
    uint64_t k0 = le64(k), k1 = le64(k + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = ((uint64_t)n) << 56;
    size_t whole = n - (n % 8);

    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = le64(p + i);
        v3 ^= m;
        for (int r = 0; r < c; r++)
            SIPROUND;
        v0 ^= m;
    }
    /* the last n % 8 bytes: with a word before them, the top bytes of the
     * last 8 (one load and a shift where the byte loop cost ~6 instructions
     * a byte: every key hashed has some, 16 hashes a SIP message) */
    if (n % 8 != 0 && n >= 8) {
        b |= le64(p + n - 8) >> (64 - 8 * (n % 8));
    } else {
        switch (n % 8) {
        case 7: b |= (uint64_t)p[6] << 48; /* fall through */
        case 6: b |= (uint64_t)p[5] << 40; /* fall through */
        case 5: b |= (uint64_t)p[4] << 32; /* fall through */
        case 4: b |= (uint64_t)p[3] << 24; /* fall through */
        case 3: b |= (uint64_t)p[2] << 16; /* fall through */
        case 2: b |= (uint64_t)p[1] << 8;  /* fall through */
        case 1: b |= (uint64_t)p[0]; break;
        default: break;
        }
    }
    v3 ^= b;
    for (int r = 0; r < c; r++)
        SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    for (int r = 0; r < d; r++)
        SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t siphash24(const void *in, size_t n, const uint8_t k[16])
{
    return siphash_cd(in, n, k, 2, 4);
}

uint64_t siphash13(const void *in, size_t n, const uint8_t k[16])
{
    return siphash_cd(in, n, k, 1, 3);
}

void siphash_seed(uint8_t k[16])
{
    if (getrandom(k, 16, GRND_NONBLOCK) == 16)
        return;
    struct timespec ts;
    uintptr_t a = (uintptr_t)k;
    clock_gettime(CLOCK_REALTIME, &ts);
    memcpy(k, &ts, sizeof(ts) < 16 ? sizeof(ts) : 16);
    for (size_t i = 0; i < sizeof(a) && i < 16; i++)
        k[i] ^= (uint8_t)(a >> (8 * i));
}
