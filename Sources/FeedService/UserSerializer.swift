import Synchronization

/// One request at a time per user: a user's refreshes and pages run in
/// arrival order, never interleaved (two concurrent refreshes of one user
/// could otherwise both serve the same items), while different users run in
/// parallel.
final class UserSerializer: Sendable {
    /// Users with a request running, and who waits behind it.
    private let queues = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    func run<T>(_ user: String, _ body: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = queues.withLock { queues -> Bool in
                if queues[user] == nil {
                    queues[user] = []
                    return true
                }
                queues[user]!.append(continuation)
                return false
            }
            if free { continuation.resume() }
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
}
