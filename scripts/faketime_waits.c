/* Timed waits under libfaketime (scripts/any_hour.py).
 *
 * libfaketime moves CLOCK_MONOTONIC with the wall clock, but it does not intercept
 * sem_clockwait(), which Python uses for every lock or Event wait with a timeout: the deadline
 * is on the moved clock, the kernel waits on its own, and `Event.wait(60)` never returns. This
 * turns such a deadline back into the kernel's clock. Preloaded before libfaketime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

static struct timespec kernel_deadline(clockid_t clock, const struct timespec *deadline) {
    struct timespec moved, kernel, out;
    clock_gettime(clock, &moved);              /* libfaketime's: the clock the caller read */
    syscall(SYS_clock_gettime, clock, &kernel); /* the kernel's own */
    long long left = (deadline->tv_sec - moved.tv_sec) * NS + (deadline->tv_nsec - moved.tv_nsec);
    long long at = kernel.tv_sec * NS + kernel.tv_nsec + left;
    if (at < 0) at = 0;
    out.tv_sec = at / NS;
    out.tv_nsec = at % NS;
    return out;
}

int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *deadline) {
    static int (*wait)(sem_t *, clockid_t, const struct timespec *);
    if (!wait) wait = dlsym(RTLD_NEXT, "sem_clockwait");
    struct timespec at = kernel_deadline(clock, deadline);
    return wait(sem, clock, &at);
}

int pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex, clockid_t clock,
                           const struct timespec *deadline) {
    static int (*wait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
    if (!wait) wait = dlsym(RTLD_NEXT, "pthread_cond_clockwait");
    struct timespec at = kernel_deadline(clock, deadline);
    return wait(cond, mutex, clock, &at);
}
