import Crypto
import Foundation

/// The shape of API keys: a prefix (`API_KEY_PREFIX`, default `sk_`) and 32 random bytes in
/// URL-safe base64 without padding (43 characters).
///
/// Keys are high-entropy, so a plain SHA-256 is the right stored form (a slow password hash
/// would only cost CPU on every request); only the hash and a short visible prefix are stored.
public struct APIKeyFormat: Sendable, Hashable {
    public var prefix: String
    /// Characters of the key kept visible in listings: the prefix plus this many.
    public var visibleCharacters = 6

    static let randomBytes = 32
    static let encodedLength = 43

    public init(prefix: String = "sk_") {
        self.prefix = prefix
    }

    /// A fresh key (shown once) and the record fields derived from it.
    public func generate() -> (key: String, prefix: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: Self.randomBytes)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        let key = prefix + Self.base64URL(bytes)
        return (key, visiblePrefix(of: key), Self.hash(key))
    }

    /// True when `candidate` has the exact shape of a key (checked before any lookup).
    public func isWellFormed(_ candidate: Substring) -> Bool {
        guard candidate.hasPrefix(prefix) else { return false }
        let body = candidate.utf8.dropFirst(prefix.utf8.count)
        return body.count == Self.encodedLength && body.allSatisfy(Self.isBase64URL)
    }

    public func visiblePrefix(of key: String) -> String {
        String(key.prefix(prefix.count + visibleCharacters))
    }

    /// Lowercase hex SHA-256 of the key's UTF-8 bytes.
    public static func hash(_ key: some StringProtocol) -> String {
        var hasher = SHA256()
        var key = String(key)
        key.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        let digest = hasher.finalize()
        // Runs on every authenticated request: bytes straight into the string, no Characters.
        return String(unsafeUninitializedCapacity: 64) { out in
            var index = 0
            for byte in digest {
                out[index] = Self.hexDigits[Int(byte >> 4)]
                out[index + 1] = Self.hexDigits[Int(byte & 0xF)]
                index += 2
            }
            return 64
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
    }
}
