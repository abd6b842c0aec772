#ifndef SMALLY_THREAD_POLICY_H
#define SMALLY_THREAD_POLICY_H

/// Scheduling classes an inference lane can run in (Linux `SCHED_OTHER`, `SCHED_BATCH`, `SCHED_IDLE`).
typedef enum {
    SMALLY_THREAD_POLICY_NORMAL = 0,
    SMALLY_THREAD_POLICY_BATCH = 1,
    SMALLY_THREAD_POLICY_IDLE = 2,
} smally_thread_policy;

/// Puts thread `tid` (a kernel thread id, 0 = the calling thread) in `policy`.
/// Returns 0, or the `errno` of the failure (ENOSYS off Linux). Lowering a thread's class needs no
/// privilege. In C because Swift's Glibc module hides `SCHED_BATCH`/`SCHED_IDLE` (they need `_GNU_SOURCE`).
int smally_set_thread_policy(int tid, smally_thread_policy policy);

/// The calling thread's scheduling class as the kernel reports it (`sched_getscheduler`), -1 on error.
int smally_thread_policy_of(int tid);

#endif
