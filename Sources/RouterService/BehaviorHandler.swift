import CoreMetrics
import Features
import Foundation
public import Logging
public import Messages
public import RPC
import ServiceRuntime
public import Stores

/// `Behavior/report` and `Behavior/report_stream` on ABRouter: validates each
/// action (a tracking `param` fills its fields; an exposure of a batch becomes
/// one event per article), appends it durably to the event log, and, for a
/// positive action or a dislike, drops the user's cached rankings so the next
/// refresh is ranked with what they just did. Acknowledged means logged.
public struct BehaviorHandler: Sendable {
    let log: any EventSink
    let cache: RPCClient
    let logger: Logger
    let maxChannelID: Int32

    public init(log: any EventSink, cache: RPCClient, logger: Logger, maxChannelID: Int32) {
        self.log = log
        self.cache = cache
        self.logger = logger
        self.maxChannelID = maxChannelID
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("Behavior", "report") { (action: Action, context) in try await report(action, context: context) }
        router.clientStreaming("Behavior", "report_stream") { (actions: RequestStream<Action>, context) in try await reportStream(actions, context: context) }
        return router
    }

    /// The action checked and completed: one Action per article it names.
    func normalized(_ action: Action, now: Int64) throws(RPCError) -> [Action] {
        var action = action
        var articles = [action.articleID]
        if !action.param.isEmpty {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(action.param.utf8))) as? [String: Any] else {
                throw RPCError(.invalidArgument, "param: not a JSON object")
            }
            if let value = object["action"] as? String { action.action = value }
            if let value = object["userId"] as? String { action.userID = value }
            if let value = object["algorithmCombine"] as? String { action.algorithmCombine = value }
            if let value = object["articleId"] as? String {
                if value.hasPrefix("["), let list = (try? JSONSerialization.jsonObject(with: Data(value.utf8))) as? [Any] {
                    articles = list.compactMap { ($0 as? NSNumber)?.int64Value }
                } else if let id = Int64(value) {
                    articles = [id]
                } else {
                    throw RPCError(.invalidArgument, "param: articleId '\(value)' is not an id or a list of ids")
                }
            }
        }
        guard BehaviorEvent.Kind(rawValue: action.action) != nil else {
            throw RPCError(.invalidArgument, "action: must be one of \(BehaviorEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(action.action)'")
        }
        guard (1...128).contains(action.userID.utf8.count) else { throw RPCError(.invalidArgument, "user_id: 1 to 128 bytes, got \(action.userID.utf8.count)") }
        guard !articles.isEmpty, articles.allSatisfy({ $0 > 0 }) else { throw RPCError(.invalidArgument, "article_id: must be positive") }
        guard (0...maxChannelID).contains(action.channelID) else { throw RPCError(.invalidArgument, "channel_id: must be 0...\(maxChannelID)") }
        guard action.readTime >= 0 else { throw RPCError(.invalidArgument, "read_time: must not be negative") }
        if action.timeStamp == 0 { action.timeStamp = now }
        guard action.timeStamp > 0, action.timeStamp <= now + 86_400_000 else { throw RPCError(.invalidArgument, "time_stamp: milliseconds since the epoch, not in the future") }
        action.param = ""
        return articles.map { id in
            var one = action
            one.articleID = id
            return one
        }
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func report(_ action: Action, context: ServerContext) async throws(RPCError) -> Ack {
        let actions = try normalized(action, now: Self.now)
        try await append(actions, context: context)
        return Ack(accepted: Int64(actions.count))
    }

    /// Logs every valid action; the Ack counts them. If any was invalid the
    /// call ends INVALID_ARGUMENT instead, saying how many were accepted (and
    /// logged) and why the others were not; `accepted` is also in the trailers.
    public func reportStream(_ actions: RequestStream<Action>, context: ServerContext) async throws -> Ack {
        var batch: [Action] = [], accepted = 0, rejected: [String] = [], index = 0
        for try await action in actions {
            index += 1
            do {
                batch += try normalized(action, now: Self.now)
            } catch {
                rejected.append("#\(index): \(error.message)")
            }
            if batch.count >= 4096 {
                try await append(batch, context: context)
                accepted += batch.count
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await append(batch, context: context)
        accepted += batch.count
        guard rejected.isEmpty else {
            throw RPCError(.invalidArgument, "accepted \(accepted); rejected \(rejected.count): \(rejected.prefix(5).joined(separator: "; "))",
                           metadata: Metadata([("accepted", String(accepted))]))
        }
        return Ack(accepted: Int64(accepted))
    }

    func append(_ actions: [Action], context: ServerContext) async throws(RPCError) {
        guard !actions.isEmpty else { return }
        do {
            try await log.append(actions.map { EventRecord(user: $0.userID, bytes: $0.serializedBytes()) })
        } catch {
            logger.forRequest(context).error("event log: \(error)")
            throw RPCError(.unavailable, "event log unavailable")
        }
        // By action and strategy: exposures and clicks per strategy are the A/B read-out's CTR.
        for (key, count) in Dictionary(grouping: actions, by: { [$0.action, $0.algorithmCombine.isEmpty ? "none" : $0.algorithmCombine] }).mapValues(\.count) {
            Counter(label: "events_ingested_total", dimensions: [("action", key[0]), ("strategy", key[1])]).increment(by: count)
        }
        // Rankings cached for these users are stale now.
        let users = Set(actions.filter { BehaviorEvent.Kind(rawValue: $0.action).map { $0 != .exposure } ?? false }.map(\.userID))
        for user in users {
            do {
                let _: ItemList = try await cache.unary("/reco.Cache/invalidate", FeedQuery(userID: user, channelID: 0), timeout: .milliseconds(200),
                                                        metadata: context.trace.metadata)
            } catch {
                logger.forRequest(context).warning("cache not invalidated for \(user): \(error)")
            }
        }
    }
}
