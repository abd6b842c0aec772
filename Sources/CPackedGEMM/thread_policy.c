#define _GNU_SOURCE
#include "thread_policy.h"

#include <errno.h>
#if defined(__linux__)
#include <sched.h>
#endif

int smally_set_thread_policy(int tid, smally_thread_policy policy) {
#if defined(__linux__)
    int native;
    switch (policy) {
    case SMALLY_THREAD_POLICY_BATCH: native = SCHED_BATCH; break;
    case SMALLY_THREAD_POLICY_IDLE: native = SCHED_IDLE; break;
    default: native = SCHED_OTHER; break;
    }
    // The three non-real-time classes take priority 0; niceness is kept (and ignored by SCHED_IDLE).
    struct sched_param param = { .sched_priority = 0 };
    return sched_setscheduler(tid, native, &param) == 0 ? 0 : errno;
#else
    (void)tid;
    (void)policy;
    return ENOSYS;
#endif
}

int smally_thread_policy_of(int tid) {
#if defined(__linux__)
    switch (sched_getscheduler(tid)) {
    case SCHED_OTHER: return SMALLY_THREAD_POLICY_NORMAL;
    case SCHED_BATCH: return SMALLY_THREAD_POLICY_BATCH;
    case SCHED_IDLE: return SMALLY_THREAD_POLICY_IDLE;
    default: return -1;
    }
#else
    (void)tid;
    return -1;
#endif
}
