import Foundation
@testable import SmallyServer
import SmallyConfiguration
import SmallyTestSupport
import Testing

/// The settings the reader reads are the settings README's configuration table and `.env.example`
/// document, with the same defaults.
@Suite("configuration documentation")
struct ConfigurationDocumentationTests {
    static let root = RepositoryPaths.root

    /// Every setting `smally serve` reads, with its default, in reading order.
    static func readSettings() throws -> [String: String] {
        var reader = EnvironmentReader([:])
        _ = try ServerConfiguration(reading: &reader)
        return Dictionary(reader.settings.map { ($0.name, $0.defaultText) }, uniquingKeysWith: { first, _ in first })
    }

    /// `NAME=value` lines of `.env.example`.
    static func envExample() throws -> [String: String] {
        let text = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<equals])
            guard !name.isEmpty, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { continue }
            #expect(values[name] == nil, ".env.example sets \(name) twice")
            values[name] = String(line[line.index(after: equals)...])
        }
        return values
    }

    /// README's configuration table: each row's backticked names, paired with its defaults cell.
    static func readmeTable() throws -> [String: String] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = text.range(of: "\n## Configuration\n") else { throw Missing(what: "README section ## Configuration") }
        let section = text[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var defaults: [String: String] = [:]
        for line in section[..<end].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let names = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            var values = cells[2].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            if values.count != names.count { values = [cells[2].replacingOccurrences(of: "`", with: "")] }
            for (index, name) in names.enumerated() {
                defaults[name] = values.count == names.count ? values[index] : nil
                if values.count != names.count { defaults[name] = "(shared cell) " + values[0] }
            }
        }
        return defaults
    }

    struct Missing: Error, CustomStringConvertible { var what: String; var description: String { "missing: \(what)" } }

    /// README writes `unset` (possibly with an explanation) for no default, or the value, possibly
    /// followed by an explanation in parentheses.
    static func readmeAgrees(_ cell: String, with value: String) -> Bool {
        if value.isEmpty { return cell.hasPrefix("unset") }
        return cell == value || cell.hasPrefix(value + " (")
    }

    @Test("README's table, .env.example and the reader list the same settings with the same defaults")
    func sameSettingsSameDefaults() throws {
        let read = try Self.readSettings()
        let example = try Self.envExample()
        let readme = try Self.readmeTable()
        #expect(read.count >= 40, "the reader recorded only \(read.count) settings")
        #expect(Set(example.keys) == Set(read.keys),
                "only in .env.example: \(Set(example.keys).subtracting(read.keys).sorted()); only read: \(Set(read.keys).subtracting(example.keys).sorted())")
        #expect(Set(readme.keys) == Set(read.keys),
                "only in README: \(Set(readme.keys).subtracting(read.keys).sorted()); only read: \(Set(read.keys).subtracting(readme.keys).sorted())")
        for (name, value) in read.sorted(by: { $0.key < $1.key }) {
            #expect(example[name] == value, ".env.example has \(name)=\(example[name] ?? "(missing)"), the reader's default is '\(value)'")
            if let cell = readme[name] {
                #expect(Self.readmeAgrees(cell, with: value), "README's default for \(name) is '\(cell)', the reader's is '\(value)'")
            }
        }
    }

    @Test("engine, executor and log settings are read with the server's")
    func engineAndLogSettings() throws {
        let configuration = try ServerConfiguration(environment: ["SMALLY_THREADS": "2", "SMALLY_SPLIT_MIN_TEXTS": "0", "LOG_LEVEL": "DEBUG",
                                                                  "LOG_FORMAT": "json", "SMALLY_EXECUTOR": "default", "SMALLY_MODEL_DIR": "/m"])
        #expect(configuration.engine == { var e = EngineSettings(); e.threads = 2; e.splitMinimumTexts = 0; e.modelDirectory = "/m"; return e }())
        #expect(configuration.log.level == "debug" && configuration.log.format == .json && configuration.executor == .default)
    }
}
