import CPackedGEMM
import Foundation
@testable import SmallyEngine
import Synchronization
import Testing

/// The lanes are threads of their own, running at the configured niceness (SMALLY_INFERENCE_NICE).
@Suite("InferenceLanes")
struct InferenceLanesTests {
    /// The niceness of thread `id`, as the kernel reports it (field 19 of /proc/self/task/<id>/stat).
    static func nice(ofThread id: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8)
        // The command name (field 2) is in parentheses and may hold spaces: count from its end.
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        return try #require(Int(fields[16]))   // field 3 (state) is fields[0]
    }

    @Test("each lane's thread runs at the configured niceness; the rest of the process does not", arguments: [0, 7, 19])
    func niceness(_ nice: Int) throws {
        let lanes = InferenceLanes(threads: 2, nice: nice)
        #expect(Set(lanes.threadIDs).count == 2)
        for id in lanes.threadIDs { #expect(try Self.nice(ofThread: id) == nice) }
        #expect(try Self.nice(ofThread: smally_thread_id()) == 0)
    }

    @Test("each lane's thread runs in the configured scheduling class; the rest of the process stays normal",
          arguments: LanePolicy.allCases)
    func schedulingClass(_ policy: LanePolicy) throws {
        let lanes = InferenceLanes(threads: 2, nice: 3, policy: policy)
        for id in lanes.threadIDs {
            #expect(LanePolicy.of(thread: id) == policy)
            #expect(try Self.nice(ofThread: id) == 3)
        }
        #expect(LanePolicy.of(thread: smally_thread_id()) == .normal)
        // Work still runs on an idle-class lane (the test's own threads sleep while waiting).
        #expect(try lanes.queues[1].sync { 6 * 7 } == 42)
    }

    @Test("blocks run on the lane's own thread, one at a time, in the order they were submitted")
    func serialOrder() throws {
        let lane = InferenceLanes(threads: 1, nice: 5).queues[0]
        let seen = Mutex<[Int]>([])
        let threads = Mutex<Set<Int32>>([])
        for index in 0..<200 {
            lane.async {
                seen.withLock { $0.append(index) }
                threads.withLock { _ = $0.insert(smally_thread_id()) }
            }
        }
        let last = try lane.sync { smally_thread_id() }
        #expect(seen.withLock { $0 } == Array(0..<200))
        #expect(threads.withLock { $0 } == [lane.threadID] && last == lane.threadID)
        struct Failure: Error {}
        #expect(throws: Failure.self) { try lane.sync { throw Failure() } }
    }
}
