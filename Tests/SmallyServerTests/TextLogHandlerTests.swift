import Logging
import Synchronization
import Testing

@testable import SmallyServer

@Suite("text log handler") struct TextLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func withLock<T>(_ body: (inout [String]) -> T) -> T { lines.withLock { body(&$0) } }
    }

    /// A logger whose lines are collected, with `provided` as its metadata provider's answer.
    static func logger(provided: Logger.Metadata = [:]) -> (Logger, Lines) {
        let lines = Lines()
        let provider = Logger.MetadataProvider { provided }
        let logger = Logger(label: "smally-test") { label in
            TextLogHandler(label: label, metadataProvider: provider) { line in lines.withLock { $0.append(line) } }
        }
        return (logger, lines)
    }

    @Test("lines read like StreamLogHandler's: time, level, label, sorted metadata, source, message")
    func format() throws {
        let (base, lines) = Self.logger()
        var logger = base
        logger[metadataKey: "b"] = "2"
        logger[metadataKey: "a"] = "1"
        logger.info("listening", metadata: ["port": "8000"])
        let line = try #require(lines.withLock { $0.first })
        let pattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info smally-test: a=1 b=2 port=8000 \[SmallyServerTests\] listening\n$/
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
    }

    @Test("the provider's metadata (request id, key, organization) is merged; explicit metadata wins")
    func provider() throws {
        let (base, lines) = Self.logger(provided: ["request_id": "r1", "key_id": "k1"])
        var logger = base
        logger[metadataKey: "key_id"] = "base"
        logger.warning("slow", metadata: ["request_id": "explicit"])
        let line = try #require(lines.withLock { $0.first })
        #expect(line.contains(" key_id=k1 request_id=explicit [SmallyServerTests] slow"), "\(line)")
    }

    @Test("no metadata: nothing between the label and the source; below the level: no line")
    func plain() throws {
        let (base, lines) = Self.logger()
        var logger = base
        logger.logLevel = .notice
        logger.info("hidden")
        logger.error("shown")
        #expect(lines.withLock { $0.count } == 1)
        #expect(try #require(lines.withLock { $0.first }).hasSuffix(" error smally-test: [SmallyServerTests] shown\n"))
    }
}
