import CPackedGEMM
import Glibc
import Synchronization

/// Where the threads sharing one forward pass wait for each other between its steps (about 40
/// per pass, each a fraction of a millisecond apart): spinning, since waking a sleeping thread
/// would cost as much as a step. A thread that waits long (its partner was preempted, or is
/// still finishing another batch) yields its CPU rather than burn it.
final class SpinBarrier: Sendable {
    let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    /// Spins before the waiter starts yielding: ~50 µs.
    private static var spinsBeforeYield: Int { 2_000 }

    init(parties: Int) {
        precondition(parties >= 1)
        self.parties = parties
    }

    /// Returns once all `parties` threads have called it; writes made before it by any of them are
    /// visible after it to all.
    func wait() {
        guard parties > 1 else { return }
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == current {
            if spins < Self.spinsBeforeYield {
                smally_spin_pause()
                spins += 1
            } else {
                sched_yield()
            }
        }
    }
}
