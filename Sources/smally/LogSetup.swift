import Foundation
import Logging
import SmallyConfiguration
import SmallyServer

/// Bootstraps swift-log once per process: `LOG_LEVEL` (default info) and `LOG_FORMAT`
/// (`json` for production log shippers, `text` for people; default text), as read by ``LogSettings``.
enum LogSetup {
    static func bootstrap(_ settings: LogSettings) -> Logger {
        let level = Logger.Level(rawValue: settings.level) ?? .info
        let json = settings.format == .json
        LoggingSystem.bootstrap({ label, provider in
            var handler: any LogHandler = json
                ? JSONLogHandler(label: label, metadataProvider: provider)
                : TextLogHandler(label: label, metadataProvider: provider)
            handler.logLevel = level
            return handler
        }, metadataProvider: RequestLogMetadata.provider)
        return Logger(label: "smally")
    }
}

/// One JSON object per line on stderr: time, level, label, message and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = [
            "time": Date().formatted(.iso8601),
            "level": event.level.rawValue,
            "label": label,
            "message": "\(event.message)",
        ]
        for (key, value) in Logger.Metadata.forLine(base: metadata, provider: metadataProvider, explicit: event.metadata) { object[key] = "\(value)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardError.write(data + Data([0x0A]))
    }
}
