import Foundation

/// How many CPUs this process may actually use: the smaller of its affinity mask and its cgroup
/// CPU quota (containers often see all host cores but may use only two).
public enum CPUCount {
    public static func available() -> Int {
        var count = ProcessInfo.processInfo.activeProcessorCount
        #if os(Linux)
        if let affinity = affinityCount() { count = min(count, affinity) }
        if let quota = cgroupQuota() { count = min(count, quota) }
        #endif
        return max(1, count)
    }

    #if os(Linux)
    private static func affinityCount() -> Int? {
        // /proc/self/status says it without needing the CPU_COUNT macro.
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        var total = 0
        for part in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2 { total += bounds[1] - bounds[0] + 1 } else if bounds.count == 1 { total += 1 }
        }
        return total > 0 ? total : nil
    }

    private static func cgroupQuota() -> Int? {
        // cgroup v2: "max 100000" (no limit) or "<quota> <period>".
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8) {
            let fields = text.split(whereSeparator: \.isWhitespace)
            if fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 {
                return max(1, Int((quota / period).rounded(.up)))
            }
            return nil
        }
        // cgroup v1.
        if let q = try? String(contentsOfFile: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", encoding: .utf8),
           let p = try? String(contentsOfFile: "/sys/fs/cgroup/cpu/cpu.cfs_period_us", encoding: .utf8),
           let quota = Double(q.trimmingCharacters(in: .whitespacesAndNewlines)),
           let period = Double(p.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0, period > 0 {
            return max(1, Int((quota / period).rounded(.up)))
        }
        return nil
    }
    #endif
}
