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

    /// The newest of a channel's `batches` (oldest first) at or before `time`.
    static func newest(atOrBefore time: Int64, in batches: [(time: Int64, items: [Int64])]) -> HistoryBatch? {
        guard let index = batches.lastIndex(where: { $0.time <= time }) else { return nil }
        return HistoryBatch(time: batches[index].time, items: batches[index].items, previousTime: index > 0 ? batches[index - 1].time : 0)
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

/// The newest batch time of one (user, channel) and the items a refresh must
/// not repeat: those shown in the channel and those shown in channel 0, as
/// sets a store can hand over as it keeps them (no copy per request).
public struct HistoryView: Sendable, Equatable {
    public var newest: Int64?
    public var shownInChannel: Set<Int64>
    public var shownInAllChannels: Set<Int64>

    public init(newest: Int64?, shownInChannel: Set<Int64>, shownInAllChannels: Set<Int64>) {
        self.newest = newest
        self.shownInChannel = shownInChannel
        self.shownInAllChannels = shownInAllChannels
    }

    public init(newest: Int64?, shown: Set<Int64>) {
        self.init(newest: newest, shownInChannel: shown, shownInAllChannels: [])
    }

    public func wasShown(_ item: Int64) -> Bool {
        shownInChannel.contains(item) || shownInAllChannels.contains(item)
    }

    /// Everything shown in either.
    public var shown: Set<Int64> { shownInChannel.union(shownInAllChannels) }
}

extension HistoryStore {
    public func view(user: String, channel: Int32) async throws -> HistoryView {
        HistoryView(newest: try await newestTime(user: user, channel: channel),
                    shown: try await shownItems(user: user, channels: [channel, 0]))
    }
}

/// How long history is kept (the reference's 90-day TTL).
public let historyRetentionSeconds: Int64 = 90 * 24 * 3600

/// Item lists as stored text: "1,2,3".
enum ItemText {
    static func encode(_ items: [Int64]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.count * 5)
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if item < 0 { bytes.append(UInt8(ascii: "-")) }
            // Most significant digit first (reversing a slice in place would copy the array).
            let magnitude = item.magnitude
            var divisor: UInt64 = 1
            while divisor <= magnitude / 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
                divisor /= 10
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Skips anything that is not a decimal number (as the text form always allowed).
    static func decode(_ text: String?) -> [Int64] {
        guard let text else { return [] }
        var items: [Int64] = []
        var value: Int64 = 0, negative = false, digits = 0, valid = true
        func finish() {
            if digits > 0 && valid { items.append(negative ? -value : value) }
            value = 0; negative = false; digits = 0; valid = true
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ","):
                finish()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                if o1 || o2 { valid = false } else { value = sum }
                digits += 1
            case UInt8(ascii: "-") where digits == 0 && !negative:
                negative = true
            default:
                valid = false
            }
        }
        finish()
        return items
    }
}
