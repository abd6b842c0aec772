import Foundation
import Logging
import SmallyServer
import Synchronization
import Testing

@Suite("JSON log handler") struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[[UInt8]]>([])
    }

    @Test("one JSON object per line: fixed fields and metadata as strings, keys sorted, escaped")
    func lineShape() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["request_id": "r1"] }
        var logger = Logger(label: "smally-test") { label in
            JSONLogHandler(label: label, metadataProvider: provider) { line in lines.lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "port"] = "8000"
        logger.info("said \"hi\"\nthen left", metadata: ["count": "3", "b": "x/y"])
        let line = try #require(lines.lines.withLock { $0.first })
        #expect(line.last == 0x0A && line.dropLast().firstIndex(of: 0x0A) == nil)
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        let pattern = /^\{"b":"x\/y","count":"3","label":"smally-test","level":"info","message":"said \\"hi\\"\\nthen left","port":"8000","request_id":"r1","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$/
        #expect(text.wholeMatch(of: pattern) != nil, "\(text)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(object["message"] == "said \"hi\"\nthen left")
    }
}
