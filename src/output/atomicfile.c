/*
 * atomicfile.c — write-then-rename replacement of a file (see
 * atomicfile.h). Place: output side (metrics, reports), never the packet
 * path. Thread: the caller's (main.c's main thread).
 */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

int atomicfile_write(const char *path, mode_t mode, atomicfile_fill_fn fill, const void *ctx,
                     const char *what, char *errbuf)
{
    char tmp[4096];
    int fd, rc, e;
    FILE *f;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp)) {
        err_set(errbuf, "%s %s: path too long", what, path);
        return ERR_IO;
    }
    unlink(tmp);    /* left by a crash of a process with our pid: ours to reuse */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        err_set(errbuf, "%s %s: %s", what, tmp, strerror(errno));
        return ERR_IO;
    }
    fchmod(fd, mode);   /* whatever the umask: the reader may be another user */
    f = fdopen(fd, "w");
    if (f == NULL) {
        err_set(errbuf, "%s %s: %s", what, tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return ERR_IO;
    }
    errno = 0;
    rc = fill(f, ctx);
    e = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = ERR_IO;
        e = errno;
    }
    if (rc != 0) {
        err_set(errbuf, "%s %s: %s", what, tmp,
                rc == ERR_NOMEM ? "out of memory" : strerror(e ? e : EIO));
        unlink(tmp);
        return rc;
    }
    if (rename(tmp, path) != 0) {
        err_set(errbuf, "%s %s: rename: %s", what, path, strerror(errno));
        unlink(tmp);
        return ERR_IO;
    }
    return 0;
}
