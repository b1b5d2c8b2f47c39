import Synchronization

/// How many ranked items this RecoCenter left in each (user, channel)'s wait
/// list and has not taken back since. A refresh whose list it knows to be
/// empty skips the take and goes straight to recall: one call fewer on the
/// slowest path, the one every exhausted list ends in.
///
/// Only "known empty" changes anything, so being wrong is cheap: a list
/// emptied behind its back (invalidated by behaviour, a lost write) is found
/// short by the next take; one filled behind its back (by another RecoCenter
/// replica) is replaced by a fresher ranking. Unknown lists (never parked
/// here, forgotten past `capacity`, or before a restart) are asked.
final class ParkedItems: Sendable {
    struct Key: Hashable {
        let user: String
        let channel: Int32
    }

    private let counts = Mutex<[Key: Int]>([:])
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = max(capacity, 1)
    }

    func knownEmpty(user: String, channel: Int32) -> Bool {
        counts.withLock { $0[Key(user: user, channel: channel)] == 0 }
    }

    /// A put replaced the list with `count` items.
    func parked(_ count: Int, user: String, channel: Int32) {
        set(Key(user: user, channel: channel)) { _ in count }
    }

    /// A take asked for `asked` items and got `got`: short means empty now.
    func took(_ got: Int, asked: Int, user: String, channel: Int32) {
        set(Key(user: user, channel: channel)) { known in
            if got < asked { return 0 }
            return known.map { max($0 - got, 0) }
        }
    }

    private func set(_ key: Key, _ next: (Int?) -> Int?) {
        counts.withLock { counts in
            let value = next(counts[key])
            if value != nil, counts[key] == nil, counts.count >= capacity, let victim = counts.keys.first { counts[victim] = nil }
            counts[key] = value
        }
    }
}
