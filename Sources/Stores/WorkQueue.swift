import Dispatch
import Synchronization

/// Work for a thread of its own (a database's, a log's writer): anyone
/// submits, the thread takes everything queued at each wake-up, so a burst
/// costs one wake-up; once closed, the thread finishes what is queued.
final class WorkQueue<Item: Sendable>: Sendable {
    private let state = Mutex<(items: [Item], closed: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once, by `close`: ends a `pause` early.
    private let closing = DispatchSemaphore(value: 0)

    /// Queues an item; false once closed.
    func submit(_ item: Item) -> Bool {
        // The thread takes the whole queue per wake-up: only the item that finds it empty wakes it.
        let accepted = state.withLock { state -> Bool? in
            guard !state.closed else { return nil }
            state.items.append(item)
            return state.items.count == 1
        }
        if accepted == true { wake.signal() }
        return accepted != nil
    }

    /// For the thread: waits for work, then takes all of it; `last` once
    /// the queue is closed (nothing can follow this batch: a closed queue
    /// refuses items, and this batch emptied it under the same lock).
    func next() -> (items: [Item], last: Bool) {
        wake.wait()
        return state.withLock { state in
            defer { state.items.removeAll() }
            return (state.items, state.closed)
        }
    }

    /// For the thread: waits `seconds` before its next `next()` (items
    /// queue meanwhile), or less if the queue is closed.
    func pause(_ seconds: Double) {
        if closing.wait(timeout: .now() + seconds) == .success { closing.signal() }  // closed: later pauses end at once too
    }

    /// Refuses further items and wakes the thread to finish; true for the
    /// first call only, which runs `beforeWaking` first (a shutdown of the
    /// owner's that must come before the thread's).
    func close(beforeWaking: () -> Void = {}) -> Bool {
        let first = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard first else { return false }
        beforeWaking()
        closing.signal()
        wake.signal()
        return true
    }
}
