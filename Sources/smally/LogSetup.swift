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
