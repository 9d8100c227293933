/*
 * secrets.c — the --secrets password store (see secrets.h).
 *
 * Read once at start-up on the main thread. The file is opened first and
 * checked through fstat() on that descriptor, so what is checked is what is
 * read. Each entry is one allocation holding username, realm and password
 * back to back, wiped with explicit_bzero() before free; the line buffer
 * is wiped after every line. Error messages name file:line and never quote
 * the line (it may hold a password).
 */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

#define SECRETS_FILE_MAX (1 << 20)  /* bytes; far beyond SECRETS_MAX short lines */

struct secret {
    char *user;         /* into buf */
    char *realm;        /* into buf; "" when none */
    char *pass;         /* into buf */
    size_t size;        /* bytes of buf */
    char buf[];
};

struct secrets {
    size_t n, cap;
    struct secret **v;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

void secrets_free(struct secrets *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        explicit_bzero(s->v[i]->buf, s->v[i]->size);
        free(s->v[i]);
    }
    free(s->v);
    free(s);
}

size_t secrets_count(const struct secrets *s)
{
    return s != NULL ? s->n : 0;
}

/* Parse one line (NUL-terminated, no newline). 0, or ERR_FORMAT/ERR_LIMIT/ERR_NOMEM. */
static int add_line(struct secrets *s, char *line, const char *path, unsigned lineno,
                    char *errbuf)
{
    char *p = line, *end;

    while (is_blank(*p))
        p++;
    end = p + strlen(p);
    while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
        end--;
    *end = '\0';
    if (*p == '\0' || *p == '#')
        return 0;

    char *id = p;
    while (*p != '\0' && !is_blank(*p))
        p++;
    size_t idlen = (size_t)(p - id);
    while (is_blank(*p))
        p++;
    if (*p == '\0') {
        err_set(errbuf, "%s:%u: expected 'username[@realm] password'", path, lineno);
        return ERR_FORMAT;
    }
    char *pass = p;
    size_t passlen = (size_t)(end - pass);

    /* split at the last '@': usernames may themselves contain '@' */
    char *at = NULL;
    for (char *q = id; q < id + idlen; q++)
        if (*q == '@')
            at = q;
    size_t ulen = at != NULL ? (size_t)(at - id) : idlen;
    size_t rlen = at != NULL ? idlen - ulen - 1 : 0;
    if (ulen == 0 || (at != NULL && rlen == 0)) {
        err_set(errbuf, "%s:%u: empty username or realm", path, lineno);
        return ERR_FORMAT;
    }
    if (s->n >= SECRETS_MAX) {
        err_set(errbuf, "%s:%u: more than %d entries", path, lineno, SECRETS_MAX);
        return ERR_LIMIT;
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        struct secret **nv = realloc(s->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return ERR_NOMEM;
        s->v = nv;
        s->cap = ncap;
    }
    size_t size = ulen + 1 + rlen + 1 + passlen + 1;
    struct secret *e = malloc(sizeof(*e) + size);
    if (e == NULL)
        return ERR_NOMEM;
    e->size = size;
    e->user = e->buf;
    memcpy(e->user, id, ulen);
    e->user[ulen] = '\0';
    e->realm = e->user + ulen + 1;
    if (rlen > 0)
        memcpy(e->realm, at + 1, rlen);
    e->realm[rlen] = '\0';
    e->pass = e->realm + rlen + 1;
    memcpy(e->pass, pass, passlen);
    e->pass[passlen] = '\0';
    s->v[s->n++] = e;
    return 0;
}

/* Open a file that holds secrets: a regular file only its owner (the
 * running user or root) can read; *size gets its size. -1 with errbuf set
 * and *rc the error otherwise. */
static int open_secret(const char *path, size_t max, size_t *size, int *rc, char *errbuf)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    *rc = ERR_IO;
    if (fd < 0) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        err_set(errbuf, "%s: %s", path, strerror(errno));
        goto fail;
    }
    *rc = ERR_PERM;
    if (!S_ISREG(st.st_mode)) {
        err_set(errbuf, "%s: not a regular file; refusing to read secrets from it", path);
        goto fail;
    }
    if ((st.st_mode & 077) != 0) {
        err_set(errbuf, "%s: mode %04o is accessible by group or others; "
                "refusing to read secrets (chmod 600 %s)",
                path, (unsigned)(st.st_mode & 07777), path);
        goto fail;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        err_set(errbuf, "%s: owned by uid %u, not by you (uid %u) or root; refusing to read "
                "secrets", path, (unsigned)st.st_uid, (unsigned)geteuid());
        goto fail;
    }
    if ((uint64_t)st.st_size > max) {
        err_set(errbuf, "%s: larger than %zu bytes", path, max);
        *rc = ERR_LIMIT;
        goto fail;
    }
    *size = (size_t)st.st_size;
    return fd;
fail:
    close(fd);
    return -1;
}

int secrets_open(const char *path, size_t max, size_t *size, char *errbuf)
{
    int rc, fd = open_secret(path, max, size, &rc, errbuf);
    return fd >= 0 ? fd : rc;
}

/* Read up to size bytes; the count read, or -1 (errbuf set). */
static ssize_t read_all(int fd, const char *path, char *buf, size_t size, char *errbuf)
{
    size_t got = 0;

    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_set(errbuf, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (r == 0)
            break;      /* shrank while reading: take what is there */
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int secrets_read_key(const char *path, uint8_t *key, size_t cap, size_t *len, char *errbuf)
{
    char buf[SECRETS_LINE_MAX + 2];
    size_t size, n;
    ssize_t got;
    int rc, fd = open_secret(path, sizeof(buf) - 1, &size, &rc, errbuf);

    *len = 0;
    if (fd < 0)
        return rc;
    got = read_all(fd, path, buf, size, errbuf);
    close(fd);
    rc = 0;
    if (got < 0) {
        rc = ERR_IO;
        goto out;
    }
    n = (size_t)got;
    {
        const char *nl = memchr(buf, '\n', n);
        if (nl != NULL)
            n = (size_t)(nl - buf);
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n == 0) {
        err_set(errbuf, "%s: empty: the key is the first line", path);
        rc = ERR_FORMAT;
    } else if (n > cap) {
        err_set(errbuf, "%s: a key of at most %zu bytes", path, cap);
        rc = ERR_LIMIT;
    } else {
        memcpy(key, buf, n);
        *len = n;
    }
out:
    explicit_bzero(buf, sizeof(buf));
    return rc;
}

int secrets_load(const char *path, struct secrets **out, char *errbuf)
{
    size_t size;
    ssize_t rd;
    int rc = 0;
    int fd = open_secret(path, SECRETS_FILE_MAX, &size, &rc, errbuf);

    *out = NULL;
    if (fd < 0)
        return rc;
    rc = 0;

    /* Read it whole into one buffer that is wiped afterwards: no stdio copies. */
    size_t got = 0;
    char *buf = malloc(size + 1);
    struct secrets *s = calloc(1, sizeof(*s));
    if (buf == NULL || s == NULL) {
        free(buf);
        free(s);
        close(fd);
        return ERR_NOMEM;
    }
    rd = read_all(fd, path, buf, size, errbuf);
    close(fd);
    if (rd < 0)
        rc = ERR_IO;
    else
        got = (size_t)rd;

    unsigned lineno = 0;
    size_t off = 0;
    while (rc == 0 && off < got) {
        char *line = buf + off;
        char *nl = memchr(line, '\n', got - off);
        size_t n = nl != NULL ? (size_t)(nl - line) : got - off;
        lineno++;
        off += n + (nl != NULL ? 1 : 0);
        if (n > SECRETS_LINE_MAX) {
            err_set(errbuf, "%s:%u: line longer than %d bytes", path, lineno, SECRETS_LINE_MAX);
            rc = ERR_LIMIT;
            break;
        }
        if (memchr(line, '\0', n) != NULL) {
            err_set(errbuf, "%s:%u: NUL byte in line", path, lineno);
            rc = ERR_FORMAT;
            break;
        }
        line[n] = '\0';    /* the newline, or the spare byte after the data */
        rc = add_line(s, line, path, lineno, errbuf);
    }
    explicit_bzero(buf, size + 1);
    free(buf);
    if (rc != 0) {
        secrets_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static bool span_eq_cstr(struct span a, const char *s)
{
    return span_eq(a, span_make(s, strlen(s)));
}

const char *secrets_lookup(const struct secrets *s, struct span username, struct span realm)
{
    const char *fallback = NULL;

    if (s == NULL || username.len == 0)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        const struct secret *e = s->v[i];
        if (!span_eq_cstr(username, e->user))
            continue;
        if (e->realm[0] == '\0') {
            if (fallback == NULL)
                fallback = e->pass;
        } else if (realm.len > 0 && span_eq_cstr(realm, e->realm)) {
            return e->pass;
        }
    }
    return fallback;
}

const char *secrets_mask(const char *password, char *buf, size_t len)
{
    static const char mask[] = "********";

    if (buf == NULL || len == 0)
        return mask;
    snprintf(buf, len, "%s", mask);
    return buf;
}
