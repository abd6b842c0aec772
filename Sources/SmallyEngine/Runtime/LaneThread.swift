import CPackedGEMM
import Dispatch
import Foundation
import Glibc

/// One inference lane: a dedicated thread that runs submitted blocks one at a time, in order
/// (a serial queue). A thread of its own rather than a `DispatchQueue`, because a dispatch queue
/// runs its blocks on whichever pool thread is free, and the lane's scheduling priority
/// (`nice`) belongs to a thread: here it is set once, on a thread that runs nothing but inference.
public final class LaneThread: Sendable {
    /// The worker's state lives apart from this handle, so that the thread (which holds the
    /// worker) does not keep the handle alive: dropping the last handle stops the thread.
    private let worker: Worker
    /// The kernel's id of the thread (`/proc/self/task/<id>`).
    public let threadID: pid_t
    /// The niceness the thread runs at (0 = as the rest of the process).
    public let nice: Int32
    /// The scheduling class the thread runs in.
    public let policy: LanePolicy

    /// - Parameters:
    ///   - nice: niceness of the thread, 0…19 (higher = yields the CPU sooner to the
    ///     process's other threads, e.g. the event loops answering cached requests).
    ///   - policy: its scheduling class; `.idle` runs only when no other thread wants the CPU.
    public init(label: String, nice: Int32 = 0, policy: LanePolicy = .normal) {
        let worker = Worker()
        self.worker = worker
        self.nice = nice
        self.policy = policy
        let started = DispatchSemaphore(value: 0)
        let box = ThreadIDBox()
        let thread = Thread {
            box.id = smally_thread_id()
            if nice != 0 {
                // Per thread on Linux (PRIO_PROCESS with a thread id). Raising niceness needs no
                // privilege; a failure only leaves the thread at the process's priority.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(box.id), nice)
            }
            if policy != .normal {
                // Also per thread, and also unprivileged (a lower class); a failure leaves `normal`.
                _ = smally_set_thread_policy(box.id, policy.native)
            }
            started.signal()
            worker.loop()
        }
        thread.name = label
        thread.stackSize = 8 << 20
        thread.start()
        started.wait()
        threadID = box.id
    }

    deinit { worker.stop() }

    /// Runs `block` on the lane after what was submitted before it.
    public func async(_ block: @escaping @Sendable () -> Void) {
        worker.submit(block)
    }

    /// Runs `block` on the lane and waits for it. Must not be called from the lane itself.
    /// (Escaping: the lane thread may still hold the block for a moment after signalling.)
    public func sync<T>(_ block: @escaping () throws -> T) throws -> T {
        // The caller waits below until the lane has run it, so nothing runs it concurrently.
        nonisolated(unsafe) let block = block
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        worker.submit {
            result.value = Result { try block() }
            done.signal()
        }
        done.wait()
        return try result.value!.get()
    }

    private final class ThreadIDBox: @unchecked Sendable { var id: pid_t = 0 }
    private final class ResultBox<T>: @unchecked Sendable { var value: Result<T, any Error>? }

    /// The queue of blocks and the loop the thread runs; guarded by `condition`.
    private final class Worker: @unchecked Sendable {
        private let condition = NSCondition()
        private var blocks: [@Sendable () -> Void] = []
        private var head = 0
        private var stopped = false

        func submit(_ block: @escaping @Sendable () -> Void) {
            condition.lock()
            blocks.append(block)
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.signal()
            condition.unlock()
        }

        func loop() {
            while true {
                condition.lock()
                while head == blocks.count && !stopped { condition.wait() }
                if head == blocks.count {
                    condition.unlock()
                    return
                }
                let block = blocks[head]
                head += 1
                if head == blocks.count {
                    blocks.removeAll(keepingCapacity: true)
                    head = 0
                }
                condition.unlock()
                block()
            }
        }
    }
}
