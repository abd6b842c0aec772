/// Takes the gate's samples: in every round, for each workload, the calibration loop and the
/// workload alternate a few times (`chunks`), and the sample is the ratio of their fastest times. Rounds interleave the workloads (and the
/// order turns each round), so a burst of load from elsewhere touches every workload alike instead of
/// landing on one of them.
public struct GateSampler: Sendable {
    public var rounds: Int
    public var calibrationIterations: Int
    /// Alternations of loop and workload per sample (the sample keeps the fastest of each).
    public var chunks: Int
    /// Test hook of the gate itself: a workload's measured time is stretched by this factor (2: it
    /// looks twice as slow), so that CI can show that the gate fails on a real slowdown.
    public var slowdown: [String: Double]
    private var calibration = CalibrationLoop()

    public init(rounds: Int, calibrationIterations: Int = 100_000, chunks: Int = 15, slowdown: [String: Double] = [:]) {
        self.rounds = rounds
        self.calibrationIterations = calibrationIterations
        self.chunks = chunks
        self.slowdown = slowdown
    }

    /// Samples per workload name (`rounds` each).
    public mutating func measure(_ workloads: [(workload: GateWorkload, repetitions: Int)],
                                 progress: (Int) -> Void = { _ in }) async throws -> [String: GateSamples] {
        var samples: [String: GateSamples] = [:]
        var sink: UInt64 = 0
        // Warm-up: code paged in, caches and buffers sized.
        sink &+= calibration.run(iterations: calibrationIterations)
        for (workload, repetitions) in workloads {
            for _ in 0..<max(1, repetitions / 4) { try await workload.body() }
        }
        let clock = ContinuousClock()
        for round in 0..<rounds {
            for offset in workloads.indices {
                let (workload, repetitions) = workloads[(offset + round) % workloads.count]
                // The fastest of a few short alternations of loop and workload: on a shared machine a
                // preemption lengthens one chunk, and the minimum leaves it out.
                var calibrationTime = Double.infinity
                var elapsed = Double.infinity
                for _ in 0..<chunks {
                    let calibrationStart = clock.now
                    sink &+= calibration.run(iterations: calibrationIterations)
                    calibrationTime = min(calibrationTime, seconds(clock.now - calibrationStart))
                    let start = clock.now
                    for _ in 0..<repetitions { try await workload.body() }
                    var chunk = seconds(clock.now - start)
                    if let factor = slowdown[workload.name], factor > 1 {
                        let until = start + .nanoseconds(Int64(chunk * factor * 1e9))
                        while clock.now < until {}
                        chunk = seconds(clock.now - start)
                    }
                    elapsed = min(elapsed, chunk)
                }
                samples[workload.name, default: GateSamples()].ratios.append(elapsed / calibrationTime)
                samples[workload.name, default: GateSamples()].seconds.append(elapsed)
                samples[workload.name, default: GateSamples()].calibrationSeconds.append(calibrationTime)
            }
            progress(round + 1)
        }
        if sink == 42 { print("") }  // keeps the calibration's result alive
        return samples
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
