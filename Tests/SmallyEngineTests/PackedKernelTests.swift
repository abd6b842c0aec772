@testable import SmallyEngine
import Testing

/// Choosing the kernel: `auto` takes the fastest this CPU runs; a named one the CPU (or the build's
/// architecture) lacks is refused with a message naming what is available.
@Suite("packed kernel choice")
struct PackedKernelTests {
    @Test("auto is the best available kernel; the reference is always available")
    func auto() throws {
        #expect(try PackedKernel.resolve("auto") == PackedKernel.best)
        #expect(PackedKernel.best.isAvailable)
        #expect(PackedKernel.portable.isAvailable)
        #if arch(x86_64)
        #expect(PackedKernel.best != .portable, "every x86-64 machine this runs on has at least AVX2")
        #expect(!PackedKernel.neon.isAvailable)
        #endif
    }

    @Test("forcing a kernel the CPU lacks, or an unknown name, fails with the available ones named")
    func refusals() throws {
        let missing = PackedKernel.allCases.filter { !$0.isAvailable }
        #expect(!missing.isEmpty, "some kernel of another architecture is always missing")
        for kernel in missing {
            do {
                _ = try PackedKernel.resolve(kernel.rawValue)
                Issue.record("\(kernel) was accepted on a CPU that cannot run it")
            } catch {
                #expect("\(error)".contains("cannot run") && "\(error)".contains("portable"))
            }
        }
        #expect(throws: PackedKernel.Unavailable.self) { try PackedKernel.resolve("sse9") }
        for kernel in PackedKernel.allCases where kernel.isAvailable {
            #expect(try PackedKernel.resolve(kernel.rawValue) == kernel)
        }
    }
}
