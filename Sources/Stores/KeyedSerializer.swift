import Synchronization

/// One operation at a time per key, in arrival order, different keys in
/// parallel: RecoCenter runs each user's requests this way (two concurrent
/// refreshes of one user could otherwise both serve the same items), and the
/// history store its merges (two overlapping merges could write an older
/// batch over a newer one).
public final class KeyedSerializer: Sendable {
    /// Keys with an operation running, and who waits behind it.
    private let queues = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Inlinable, so the caller's result type is specialised (RecoCenter runs
    /// every request through it).
    @inlinable
    public func run<T>(_ key: String, _ body: () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    /// Returns once the key is this caller's; the usual case, the key's only
    /// operation, without suspending.
    @usableFromInline
    func acquire(_ key: String) async {
        guard !queues.withLock({ Self.claim(key, in: &$0) }) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = queues.withLock { queues -> Bool in
                if Self.claim(key, in: &queues) { return true }
                queues[key]!.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the key to the next waiter, or frees it.
    @usableFromInline
    func release(_ key: String) {
        let next = queues.withLock { queues -> CheckedContinuation<Void, Never>? in
            guard var waiting = queues[key], !waiting.isEmpty else {
                queues[key] = nil
                return nil
            }
            let next = waiting.removeFirst()
            queues[key] = waiting
            return next
        }
        next?.resume()
    }

    /// Marks the key busy if nothing runs for it.
    private static func claim(_ key: String, in queues: inout [String: [CheckedContinuation<Void, Never>]]) -> Bool {
        guard queues[key] == nil else { return false }
        queues[key] = []
        return true
    }
}
