/*
 * replay.c — run files through a fuzz target's LLVMFuzzerTestOneInput
 * without libFuzzer: for `make check` (tests/integration/fuzz_replay.sh
 * replays tests/fuzz/regressions/ and a few seeds under gcc + ASan/UBSan),
 * for AFL++-style drivers and for reproducing a crash under a debugger.
 *
 *   replay FILE|DIR...      each file is one input; a directory means every
 *                           regular file in it (not recursive)
 * Prints one line per input to stderr with -v; exit 0 when all ran (a crash
 * aborts through the sanitizer with its report), 2 on a read error.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Targets may define LLVMFuzzerInitialize; the weak symbol lets replay tell. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int verbose;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    /* exact-size copy so ASan catches a read one past the input */
    uint8_t *in = malloc(len ? len : 1);
    if (in == NULL) {
        free(buf);
        return -1;
    }
    memcpy(in, buf, len);
    free(buf);
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(in, len);
    free(in);
    return 0;
}

int main(int argc, char **argv)
{
    int errors = 0, count = 0;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            errors++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]) != 0;
            count++;
            continue;
        }
        DIR *dp = opendir(argv[i]);
        if (dp == NULL) {
            perror(argv[i]);
            errors++;
            continue;
        }
        struct dirent *de;
        while ((de = readdir(dp)) != NULL) {
            char path[4096];
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                errors += run_file(path) != 0;
                count++;
            }
        }
        closedir(dp);
    }
    fprintf(stderr, "replay: %d inputs, %d unreadable\n", count, errors);
    return errors ? 2 : 0;
}
