/*
 * thread.h — start a worker thread with every signal blocked, so that
 * SIGINT/SIGTERM are delivered only to the main thread (STYLE.md §Threads:
 * handlers set a flag, the main loop stops the workers and joins them).
 * Called from the main thread.
 */
#ifndef SIPSCOPE_THREAD_H
#define SIPSCOPE_THREAD_H

#include <pthread.h>

/* pthread_create with all signals blocked in the new thread; 0 or an errno. */
int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
