import Foundation
import SmallyTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Sends bytes exactly as written to a loopback port and reads the answer: for request targets
/// an HTTP client library would clean up (`//v1/embed`, absolute form, `%2F`), and for holding
/// connections open (idle timeout, connection limit).
struct RawHTTPConnection {
    let socket: Int32

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(port: Int, receiveTimeout: Duration = .seconds(10)) throws {
        socket = try LoopbackSocket.connect(port: port, timeout: receiveTimeout)
    }

    func send(_ text: String) throws {
        try LoopbackSocket.send(Array(text.utf8), on: socket)
    }

    /// Reads until the peer closes (or the receive timeout): nil when nothing came before the timeout.
    func readToEnd() -> String? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n > 0 { data.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { return String(decoding: data, as: UTF8.self) }
            return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
        }
    }

    func close() { Glibc.close(socket) }
}

/// One request on its own connection (`Connection: close`). The socket calls block, so they run
/// on a Dispatch thread: blocking a thread of Swift's small cooperative pool would starve the
/// server under test.
enum RawHTTP {
    struct Answer {
        var status: Int
        var head: String
        var body: String
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    static func request(port: Int, method: String, target: String, headers: [String: String] = [:], body: String? = nil) async throws -> Answer {
        try await offPool { try blockingRequest(port: port, method: method, target: target, headers: headers, body: body) }
    }

    /// Runs blocking socket work on a Dispatch thread.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func blockingRequest(port: Int, method: String, target: String, headers: [String: String], body: String?) throws -> Answer {
        let connection = try RawHTTPConnection(port: port)
        defer { connection.close() }
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try connection.send(text)
        guard let answer = connection.readToEnd() else { throw RawHTTPConnection.Failure(description: "no answer to \(method) \(target)") }
        return try parse(answer, for: "\(method) \(target)")
    }

    static func parse(_ answer: String, for request: String) throws -> Answer {
        guard let split = answer.range(of: "\r\n\r\n") else { throw RawHTTPConnection.Failure(description: "no HTTP answer to \(request): \(answer.prefix(100))") }
        let head = String(answer[..<split.lowerBound])
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { throw RawHTTPConnection.Failure(description: "bad status line: \(statusLine)") }
        return Answer(status: status, head: head, body: String(answer[split.upperBound...]))
    }
}
