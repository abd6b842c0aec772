import Foundation

/// A throw-away CA with a server certificate for 127.0.0.1/localhost and a client certificate,
/// made with the `openssl` command in a fresh temporary directory (PEM files).
public struct TestCertificates: Sendable {
    public let directory: String
    public var caFile: String { directory + "/ca.pem" }
    public var serverCertificateFile: String { directory + "/server.pem" }
    public var serverKeyFile: String { directory + "/server.key" }
    public var clientCertificateFile: String { directory + "/client.pem" }
    public var clientKeyFile: String { directory + "/client.key" }
    /// A second CA that signed nothing here: trusting it must fail the handshake.
    public var otherCAFile: String { directory + "/other-ca.pem" }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func make() throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "smally-tls-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let extensions = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let days = "2"
        for (name, subject) in [("ca", "/CN=Smally Test CA"), ("other-ca", "/CN=Other Test CA")] {
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", days, "-subj", subject,
                         "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem"])
        }
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=smally-client")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                         "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr"])
            try openssl(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", certificates.caFile,
                         "-CAkey", "\(directory)/ca.key", "-CAcreateserial", "-days", days,
                         "-out", "\(directory)/\(name).pem"] + (name == "server" ? ["-extfile", extensions] : []))
        }
        return certificates
    }

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = try LocalRedisServer.executable("openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for _ in 0..<1000 where process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0 else {
            throw Failed(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(output)")
        }
    }
}
