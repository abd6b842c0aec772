import SmallyCore
import Testing

/// The watch that drops a request's work once its client has gone (the HTTP side marks it).
@Suite("ClientWatch")
struct ClientWatchTests {
    @Test("a watch cancels work once its client is gone, and only then")
    func watchCancels() async throws {
        let watch = ClientWatch()
        #expect(try await watch.cancellingWhenGone { 7 } == 7)
        let waiting = Task { try await watch.cancellingWhenGone { try await Task.sleep(for: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(50))
        watch.markGone()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(watch.isGone)
        await #expect(throws: CancellationError.self) {   // already gone: cancelled at once
            try await watch.cancellingWhenGone { try await Task.sleep(for: .seconds(30)) }
        }
    }
}
