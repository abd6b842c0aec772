/// One gated piece of work: `body` is run `repetitions` times per sample.
public struct GateWorkload: Sendable {
    public var name: String
    public var body: @Sendable () async throws -> Void

    public init(name: String, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }
}
