import Foundation

/// Runs blocking work (child processes, blocking sockets) on a thread of its
/// own: blocking Swift's cooperative pool, two threads on this machine,
/// would stall every other test's tasks meanwhile.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// The deadline of calls whose deadline is not what the test is about: long,
/// so a loaded machine (tests run in parallel on two cores) cannot fail them.
let safetyTimeout = Duration.seconds(60)
