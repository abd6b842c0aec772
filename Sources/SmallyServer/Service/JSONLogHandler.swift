import Foundation
import Logging
import SmallyJSON

/// One JSON object per line for log shippers (`LOG_FORMAT=json`): `time`, `level`, `label`,
/// `message` and the metadata as strings, keys sorted (so lines diff and grep alike), written by
/// `JSONWriter`. A metadata key named like a fixed field replaces it, as it always has.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable ([UInt8]) -> Void

    /// - Parameter write: where finished lines go, newline included (default: standard error,
    ///   one write per line so lines from different threads do not interleave).
    public init(label: String, metadataProvider: Logger.MetadataProvider?,
                write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [
            "time": Date().formatted(.iso8601),
            "level": event.level.rawValue,
            "label": label,
            "message": "\(event.message)",
        ]
        for (key, value) in Logger.Metadata.forLine(base: metadata, provider: metadataProvider, explicit: event.metadata) {
            fields[key] = "\(value)"
        }
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        for key in fields.keys.sorted() {
            writer.key(key)
            writer.string(fields[key]!)
        }
        writer.endObject()
        write(writer.bytes + [0x0A])
    }

    public static func standardError(_ line: [UInt8]) {
        FileHandle.standardError.write(Data(line))
    }
}
