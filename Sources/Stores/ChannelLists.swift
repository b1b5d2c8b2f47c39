/// Each channel's hot and new lists where every service can read them: what
/// a degraded answer serves when RecoCenter or RecallService cannot answer.
public protocol ChannelLists: Sendable {
    /// Hot then new items of the channel, interleaved, each once, at most `count`.
    func hotAndNew(channel: Int32, count: Int) async throws -> [Int64]
}
