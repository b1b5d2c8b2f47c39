import Synchronization

/// One request at a time per user: a user's refreshes and pages run in
/// arrival order, never interleaved (two concurrent refreshes of one user
/// could otherwise both serve the same items), while different users run in
/// parallel.
final class UserSerializer: Sendable {
    /// Users with a request running, and who waits behind it.
    private let queues = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    func run<T>(_ user: String, _ body: () async throws -> T) async rethrows -> T {
        // The usual case, the user's only request, goes ahead without suspending.
        if !queues.withLock({ Self.claim(user, in: &$0) }) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let free = queues.withLock { queues -> Bool in
                    if Self.claim(user, in: &queues) { return true }
                    queues[user]!.append(continuation)
                    return false
                }
                if free { continuation.resume() }
            }
        }
        defer {
            let next = queues.withLock { queues -> CheckedContinuation<Void, Never>? in
                guard var waiting = queues[user], !waiting.isEmpty else {
                    queues[user] = nil
                    return nil
                }
                let next = waiting.removeFirst()
                queues[user] = waiting
                return next
            }
            next?.resume()
        }
        return try await body()
    }

    /// Marks the user busy if no request of theirs is running.
    private static func claim(_ user: String, in queues: inout [String: [CheckedContinuation<Void, Never>]]) -> Bool {
        guard queues[user] == nil else { return false }
        queues[user] = []
        return true
    }
}
