import Foundation
import Logging
import SmallyEngine
import SmallyTestSupport

/// The real model and engine for the core's tests (same model folder as the other test targets).
enum CoreTestSupport {
    static func engine() throws -> InferenceEngine { try SharedEngine.get() }

    static var logger: Logger {
        var logger = Logger(label: "smally-core-test")
        logger.logLevel = .warning
        return logger
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
