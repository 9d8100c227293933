/*
 * thread.c — worker threads start with all signals blocked (see thread.h).
 * Main thread only.
 */
#include "thread.h"

#include <signal.h>

int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    int rc;

    /* The new thread inherits the creator's mask: block, create, restore. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
