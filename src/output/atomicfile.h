/*
 * atomicfile.h — replace a file atomically: write "PATH.PID.tmp" in the same
 * directory (O_EXCL|O_NOFOLLOW, the given mode whatever the umask), then
 * rename(2) it over PATH, so a reader (node_exporter's textfile collector,
 * a script tailing the SIGUSR1 report) never sees half a file. The
 * temporary name ends in ".tmp", which the textfile collector ignores.
 *
 * Used by metrics.c and monitor.c. Thread: the caller's. Errors: 0, the
 * fill function's negative enum err, or ERR_IO; errbuf names what (the
 * flag) and the file.
 */
#ifndef SIPSCOPE_ATOMICFILE_H
#define SIPSCOPE_ATOMICFILE_H

#include <stdio.h>
#include <sys/types.h>

typedef int (*atomicfile_fill_fn)(FILE *f, const void *ctx);

int atomicfile_write(const char *path, mode_t mode, atomicfile_fill_fn fill, const void *ctx,
                     const char *what, char *errbuf);

#endif
