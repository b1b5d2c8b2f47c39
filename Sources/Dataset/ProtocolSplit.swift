/// The evaluation split of shared/datasets/ml100k-protocol.md: per user, in
/// (timestamp, item) order, the last 10 events are `online` (never used
/// offline), then the first floor(0.8 n) of the rest are `train` and the
/// remainder `test`. Within train, the first floor(7/8 n) are `innerTrain`
/// and the rest `innerValidation`, for tuning only.
public struct ProtocolSplit: Sendable {
    public enum Part: String, Sendable {
        case train, test, online
    }

    public struct Row: Sendable {
        public let event: Interaction
        public let part: Part
        /// Within train: whether this row is in the tuning fit (else in tuning validation).
        public let innerTrain: Bool
    }

    /// Every interaction in file order: by user id, then time, then item id.
    public let rows: [Row]

    public static let onlineHoldout = 10

    public init(_ interactions: [Interaction]) {
        let byUser = Dictionary(grouping: interactions, by: \.user)
        var rows: [Row] = []
        rows.reserveCapacity(interactions.count)
        for user in byUser.keys.sorted() {
            let events = byUser[user]!.sorted { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }
            let remaining = max(0, events.count - Self.onlineHoldout)
            let trainCount = (4 * remaining) / 5
            let innerCount = (7 * trainCount) / 8
            for (position, event) in events.enumerated() {
                let part: Part = position >= remaining ? .online : (position < trainCount ? .train : .test)
                rows.append(Row(event: event, part: part, innerTrain: part == .train && position < innerCount))
            }
        }
        self.rows = rows
    }

    public func rows(_ part: Part) -> [Interaction] {
        rows.filter { $0.part == part }.map(\.event)
    }

    /// The split file as the protocol's reference script writes it (pandas
    /// `to_csv`, tab-separated, no index).
    public func tsv() -> String {
        var out = "user_id\titem_id\trating\ttimestamp\tlabel\tsplit\n"
        out.reserveCapacity(rows.count * 32)
        for row in rows {
            let e = row.event
            out += "\(e.user)\t\(e.item)\t\(e.ratingText)\t\(e.timestamp)\t\(e.label)\t\(row.part.rawValue)\n"
        }
        return out
    }
}
