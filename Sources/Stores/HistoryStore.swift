/// One batch of a user's feed as it was shown.
public struct HistoryBatch: Sendable, Equatable {
    public let time: Int64
    public let items: [Int64]
    /// The time of the batch before this one, 0 when there is none.
    public let previousTime: Int64

    public init(time: Int64, items: [Int64], previousTime: Int64) {
        self.time = time
        self.items = items
        self.previousTime = previousTime
    }
}

/// Every batch each user was shown, per channel, keyed by the request time:
/// what history paging reads back and what refreshes filter out.
public protocol HistoryStore: Sendable {
    /// The newest batch time for (user, channel), nil when there is none.
    func newestTime(user: String, channel: Int32) async throws -> Int64?
    /// The newest batch at or before `time`.
    func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch?
    /// Every item shown to the user in any of `channels`.
    func shownItems(user: String, channels: [Int32]) async throws -> Set<Int64>
    /// Records a batch; durable when this returns.
    func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws
    /// Drops batches recorded before `instant` (seconds since the epoch); returns how many.
    func purge(recordedBefore instant: Int64) async throws -> Int
    /// What every feed request reads first, in one go (one round trip to a
    /// remote store): the newest batch time of (user, channel), and what
    /// this channel and the all-channels feed showed.
    func view(user: String, channel: Int32) async throws -> HistoryView
}

/// The newest batch time of one (user, channel) and the items a refresh must not repeat.
public struct HistoryView: Sendable, Equatable {
    public var newest: Int64?
    /// Items shown in the channel or in channel 0 (may repeat).
    public var shown: [Int64]

    public init(newest: Int64?, shown: [Int64]) {
        self.newest = newest
        self.shown = shown
    }
}

extension HistoryStore {
    public func view(user: String, channel: Int32) async throws -> HistoryView {
        HistoryView(newest: try await newestTime(user: user, channel: channel),
                    shown: Array(try await shownItems(user: user, channels: [channel, 0])))
    }
}

/// How long history is kept (the reference's 90-day TTL).
public let historyRetentionSeconds: Int64 = 90 * 24 * 3600

/// Item lists as stored text: "1,2,3".
enum ItemText {
    static func encode(_ items: [Int64]) -> String { items.map(String.init).joined(separator: ",") }
    static func decode(_ text: String?) -> [Int64] { text?.split(separator: ",").compactMap { Int64($0) } ?? [] }
}
