import SmallyTracing
import Testing

struct TraceParentTests {
    @Test func parsesAValidHeaderAndWritesItBack() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(header: header, traceState: "congo=t61rcWkgMzE"))
        #expect(parent.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parent.spanIDHex == "00f067aa0ba902b7")
        #expect(parent.flags == 1)
        #expect(parent.sampled)
        #expect(parent.traceState == "congo=t61rcWkgMzE")
        #expect(parent.header == header)
    }

    @Test func flagsOtherThanSampled() throws {
        let unsampled = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        #expect(!unsampled.sampled)
        #expect(unsampled.header.hasSuffix("-00"))
        let other = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09"))
        #expect(other.sampled)
        #expect(other.flags == 9)
        #expect(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff")?.header.hasSuffix("-ff") == true)
    }

    @Test func laterVersionsAreReadForTheirFirstFields() throws {
        let parent = try #require(TraceParent(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next"))
        #expect(parent.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parent.header.hasPrefix("00-"))  // we write the version we know
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  // no flags
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // version 00 is exactly 55 characters
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // wrong separator
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version, no dash after flags
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
    ])
    func malformedHeadersAreRefused(header: String) {
        #expect(TraceParent(header: header) == nil)
    }

    @Test func idsArePaddedToTheirWidth() {
        let parent = TraceParent(traceIDHigh: 0, traceIDLow: 1, spanID: 2, flags: 1)
        #expect(parent.header == "00-00000000000000000000000000000001-0000000000000002-01")
        #expect(TraceParent(header: parent.header) == parent)
    }
}
