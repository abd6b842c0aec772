import Foundation
import Testing

/// The core sits between HTTP and the engine: it must not depend on the HTTP stack, or HTTP types
/// creep back into the request path (the point of the target). SwiftPM would let a transitive
/// module be imported without being declared, so the sources themselves are checked.
@Suite("SmallyCore has no HTTP")
struct CoreImportTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/SmallyCore")

    /// `import X`, `@testable import X`, `import struct X.Y`, … of an HTTP module.
    static func importsHTTP(_ line: Substring) -> Bool {
        line.wholeMatch(of: #/\s*(@\w+\s+)*import\s+((typealias|struct|class|enum|protocol|let|var|func)\s+)?(Hummingbird\w*|HTTPTypes\w*|NIOHTTP\w*)(\..*)?\s*(//.*)?/#) != nil
    }

    @Test("the check recognises the imports it forbids, and only those")
    func recognises() {
        #expect(Self.importsHTTP("import Hummingbird"))
        #expect(Self.importsHTTP("import HummingbirdCore"))
        #expect(Self.importsHTTP("@preconcurrency import HTTPTypes"))
        #expect(Self.importsHTTP("import struct HTTPTypes.HTTPFields"))
        #expect(Self.importsHTTP("  import NIOHTTP1 // for HTTPHeaders"))
        #expect(!Self.importsHTTP("import SmallyCache"))
        #expect(!Self.importsHTTP("// import Hummingbird is not allowed here"))
    }

    @Test("no source file of SmallyCore imports Hummingbird, HTTPTypes or NIOHTTP1")
    func noHTTPImports() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        // Guards against a wrong path making the check pass on nothing.
        #expect(files.count >= 10, "found \(files.count) files under \(Self.sources.path)")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where Self.importsHTTP(line) {
                Issue.record("\(file.lastPathComponent):\(number + 1) imports HTTP: \(line)")
            }
        }
    }

    @Test("no source file of SmallyEngine imports tracing (spans belong to the core and the server)")
    func engineHasNoTracing() throws {
        let engine = Self.sources.deletingLastPathComponent().appendingPathComponent("SmallyEngine")
        let files = try #require(FileManager.default.enumerator(at: engine, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count >= 10, "found \(files.count) files under \(engine.path)")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.wholeMatch(of: #/\s*(@\w+\s+)*import\s+(Tracing|Instrumentation|SmallyTracing|ServiceContextModule)\b.*/#) != nil {
                Issue.record("\(file.lastPathComponent) imports tracing: \(line)")
            }
        }
    }
}
