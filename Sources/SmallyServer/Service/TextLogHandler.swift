import Foundation
import Logging

/// Readable log lines for people (`LOG_FORMAT=text`, the default), in the format of swift-log's
/// `StreamLogHandler`: `2026-11-30T08:01:28+0000 info smally: key=value [Module] message`.
///
/// Unlike `StreamLogHandler`, which re-renders all of a logger's metadata each time one key is
/// set, this renders it only when a line is written. Hummingbird sets a request id on every
/// request's logger, so the eager rendering cost ~1.4 % of a cached request's CPU.
public struct TextLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable (String) -> Void

    /// - Parameter write: where finished lines go (default: standard error, one write per line).
    public init(label: String, metadataProvider: Logger.MetadataProvider?,
                write: @escaping @Sendable (String) -> Void = TextLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = Logger.Metadata.forLine(base: metadata, provider: metadataProvider, explicit: event.metadata)
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let rendered = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        write("\(Self.timestamp()) \(event.level) \(label):\(rendered) [\(event.source)] \(event.message)\n")
    }

    /// One `write` per line, so lines from different threads do not interleave.
    public static func standardError(_ line: String) {
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Local time, as `StreamLogHandler` writes it.
    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Logger.Metadata {
    /// What one line carries: the logger's own metadata, then the provider's (request id, key,
    /// organization), then the call's own; later ones win. Shared by the text and JSON handlers.
    public static func forLine(base: Logger.Metadata, provider: Logger.MetadataProvider?, explicit: Logger.Metadata?) -> Logger.Metadata {
        var merged = base
        if let provided = provider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let explicit, !explicit.isEmpty { merged.merge(explicit) { $1 } }
        return merged
    }
}
