import SmallyJSON

/// The gate's reference, kept in the repository (`Benchmarks/Gate/thresholds.json`): per workload,
/// how many repetitions make one sample, the tolerance factor, and the normalised samples recorded
/// on a reference machine (`smally-perf-gate --record`).
public struct GateThresholds: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var repetitions: Int
        public var tolerance: Double
        public var reference: [Double]

        public init(name: String, repetitions: Int, tolerance: Double, reference: [Double]) {
            self.name = name
            self.repetitions = repetitions
            self.tolerance = tolerance
            self.reference = reference
        }
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Significance level of the test.
    public var alpha: Double
    /// Where and how the reference was recorded (CPU, build, commit), for people.
    public var recorded: String
    public var entries: [Entry]

    public init(alpha: Double, recorded: String, entries: [Entry]) {
        self.alpha = alpha
        self.recorded = recorded
        self.entries = entries
    }

    public init(json bytes: [UInt8]) throws {
        let document = try JSONReader.parse(bytes)
        guard case .number(let alpha)? = document["alpha"], alpha > 0, alpha < 1 else {
            throw FormatError(description: "\"alpha\" must be a number between 0 and 1")
        }
        guard case .string(let recorded)? = document["recorded"] else {
            throw FormatError(description: "\"recorded\" must be a string")
        }
        guard case .array(let items)? = document["benchmarks"] else {
            throw FormatError(description: "\"benchmarks\" must be an array")
        }
        self.alpha = alpha
        self.recorded = recorded
        entries = try items.map { item in
            guard case .string(let name)? = item["name"], let repetitions = item["repetitions"]?.integerValue, repetitions > 0,
                  let tolerance = item["tolerance"].flatMap(Self.double), tolerance >= 1,
                  case .array(let values)? = item["reference"], values.count >= 5 else {
                throw FormatError(description: "each benchmark needs name, repetitions > 0, tolerance ≥ 1 and ≥ 5 reference samples")
            }
            let reference = try values.map { value in
                guard let number = Self.double(value), number > 0 else {
                    throw FormatError(description: "\(name): reference samples must be positive numbers")
                }
                return number
            }
            return Entry(name: name, repetitions: repetitions, tolerance: tolerance, reference: reference)
        }
    }

    public func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("alpha"); writer.double(alpha)
        writer.key("recorded"); writer.string(recorded)
        writer.key("benchmarks")
        writer.beginArray()
        for entry in entries {
            writer.beginObject()
            writer.key("name"); writer.string(entry.name)
            writer.key("repetitions"); writer.int(entry.repetitions)
            writer.key("tolerance"); writer.double(entry.tolerance)
            writer.key("reference"); writer.beginArray()
            for value in entry.reference { writer.double((value * 1e6).rounded() / 1e6) }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    private static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): number
        case .integer(let number): Double(number)
        default: nil
        }
    }
}
