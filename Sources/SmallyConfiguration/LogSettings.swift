/// `LOG_LEVEL` and `LOG_FORMAT`.
public struct LogSettings: Sendable, Hashable {
    public enum Format: String, Sendable {
        /// One line per event for people.
        case text
        /// One JSON object per line for log shippers.
        case json
    }

    /// The levels swift-log knows, from the most verbose.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `LOG_LEVEL`, default `info`: one of ``levels``.
    public var level = "info"
    /// `LOG_FORMAT`, default `text`.
    public var format = Format.text

    public init() {}

    public init(reading reader: inout EnvironmentReader) throws(ConfigurationError) {
        level = try reader.choice("LOG_LEVEL", default: level,
                                  ["trace": "trace", "debug": "debug", "info": "info", "notice": "notice",
                                   "warning": "warning", "error": "error", "critical": "critical"])
        format = try reader.choice("LOG_FORMAT", default: format.rawValue, ["text": .text, "json": .json])
    }
}
