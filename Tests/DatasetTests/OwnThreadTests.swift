import Testing
import TestSupport

/// The harness trait the CPU-bound suites rely on to leave the cooperative
/// pool to the tests that run servers and deadlines.
@Suite("test harness: own threads")
struct OwnThreadTests {
    @Suite("a suite with the trait", .ownThread)
    struct WithTrait {
        @Test("runs its tests off the cooperative pool, before and after a suspension")
        func offThePool() async throws {
            #expect(OwnThread.isCurrent)
            try await Task.sleep(for: .milliseconds(1))
            #expect(OwnThread.isCurrent)
            await withTaskGroup(of: Bool.self) { group in
                group.addTask { OwnThread.isCurrent }
                for await child in group { #expect(child) }
            }
        }

        @Test("applies to each case of a parameterised test", arguments: [1, 2])
        func eachCase(_ value: Int) {
            #expect(OwnThread.isCurrent)
        }
    }

    @Test("a test without it runs on the pool")
    func withoutTrait() async {
        #expect(!OwnThread.isCurrent)
    }
}
