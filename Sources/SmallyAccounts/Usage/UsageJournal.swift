import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Usage that survives the process being killed (SIGKILL, OOM, crash): every recorded event is
/// appended to a local file before the response leaves, one `write(2)` per event (the kernel's
/// page cache keeps it when the process dies; a machine crash loses what was not yet written
/// back). The current file is the batch being collected: it is named for the id the batch will
/// be written with, and deleted once the store confirmed that batch. Files left by a killed
/// process are written at the next start with their own id, so a batch that had already reached
/// the store is not counted twice (the store keeps applied batch ids).
///
/// `@unchecked Sendable` because ``UsageRecorder`` only calls it under the lock of its buffer, so
/// the file and the buffer always hold the same events. One process per directory (an advisory lock).
public final class UsageJournal: @unchecked Sendable {
    public let directory: String
    private let lockDescriptor: Int32
    private var descriptor: Int32 = -1
    /// The id of the batch the current file collects.
    private var currentID: String?
    private var line: [UInt8] = []
    public private(set) var writeFailures = 0

    static let fileExtension = "journal"

    /// Opens (creates) the directory and takes its lock. Throws when another process holds it.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lockPath = (directory as NSString).appendingPathComponent("lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AccountsError(.configuration, "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AccountsError(.configuration, "\(directory) is used by another process (each node needs its own usage journal directory)")
        }
        self.directory = directory
        self.lockDescriptor = fd
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        close(lockDescriptor)
    }

    /// Appends one event to the current batch's file (opened on first use).
    public func append(_ bucket: UsageBucket, _ counts: UsageCounts, at date: Date) {
        if descriptor < 0 {
            let id = Identifiers.make("batch")
            let fd = open(path(of: id), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { writeFailures += 1; return }
            descriptor = fd
            currentID = id
        }
        line.removeAll(keepingCapacity: true)
        Self.encode(bucket, counts, at: date, into: &line)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != line.count { writeFailures += 1 }
    }

    /// Closes the current file and returns its id: the batch taken now is written with it. Nil
    /// when nothing was appended since the last call.
    public func seal() -> String? {
        guard descriptor >= 0 else { return nil }
        close(descriptor)
        descriptor = -1
        defer { currentID = nil }
        return currentID
    }

    /// The store has the batch: its file is no longer needed.
    public func written(_ batchID: String) {
        unlink(path(of: batchID))
    }

    /// Batches left by an earlier process (not the current file), read back.
    public func leftOver() -> [UsageBatch] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name -> UsageBatch? in
            guard name.hasSuffix("." + Self.fileExtension) else { return nil }
            let id = String(name.dropLast(Self.fileExtension.count + 1))
            guard id != currentID, let data = FileManager.default.contents(atPath: path(of: id)) else { return nil }
            return Self.decode(id: id, data)
        }
    }

    func path(of batchID: String) -> String {
        (directory as NSString).appendingPathComponent("\(batchID).\(Self.fileExtension)")
    }

    // One event a line: organization, key, model, unix milliseconds, requests, embeddings, tokens,
    // cache hits, separated by tabs (ids are hex; the model name has `%`, tab and newline escaped).

    static func encode(_ bucket: UsageBucket, _ counts: UsageCounts, at date: Date, into line: inout [UInt8]) {
        line.append(contentsOf: bucket.organizationID.utf8); line.append(9)
        line.append(contentsOf: bucket.keyID.utf8); line.append(9)
        for byte in bucket.model.utf8 {
            switch byte {
            case 0x25: line.append(contentsOf: "%25".utf8)
            case 0x09: line.append(contentsOf: "%09".utf8)
            case 0x0A: line.append(contentsOf: "%0A".utf8)
            default: line.append(byte)
            }
        }
        for number in [Int64((date.timeIntervalSince1970 * 1000).rounded(.down)), Int64(counts.requests), Int64(counts.embeddings),
                       Int64(counts.tokens), Int64(counts.cacheHits)] {
            line.append(9)
            line.append(contentsOf: String(number).utf8)
        }
        line.append(10)
    }

    /// The batch of a file's complete lines (a line cut short by a crash mid-write is skipped).
    static func decode(id: String, _ data: Data) -> UsageBatch {
        var counts: [UsageBucket: UsageCounts] = [:]
        var lastUsed: [String: Date] = [:]
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 8, let millis = Int64(fields[3]), let requests = Int(fields[4]), let embeddings = Int(fields[5]),
                  let tokens = Int(fields[6]), let cacheHits = Int(fields[7]) else { continue }
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let model = String(fields[2]).removingPercentEncoding ?? String(fields[2])
            let bucket = UsageBucket(organizationID: String(fields[0]), keyID: String(fields[1]), at: date, model: model)
            counts[bucket, default: .zero] += UsageCounts(requests: requests, embeddings: embeddings, tokens: tokens, cacheHits: cacheHits)
            if lastUsed[bucket.keyID].map({ $0 < date }) ?? true { lastUsed[bucket.keyID] = date }
        }
        return UsageBatch(id: id, counts: counts, lastUsed: lastUsed)
    }
}
