import CoreMetrics
public import Features
import Foundation
public import Logging
import Messages
public import Stores
import Synchronization

/// Follows the events (the file log or Redis Streams) from the start of what
/// is retained, so state is rebuilt after a restart, and hands each batch of
/// new events to `apply`, in order. When idle it waits for the source to
/// signal new events (the file log) or polls every `interval` (Redis).
public final class EventFollower: Sendable {
    let task: Task<Void, Never>

    public init(source: any EventSource, interval: Duration = .milliseconds(10), logger: Logger = Logger(label: "events"),
                apply: @escaping @Sendable ([BehaviorEvent]) -> Void) {
        task = Task.detached {
            var failing = false
            while !Task.isCancelled {
                do {
                    let events = try await source.next().compactMap(Self.event)
                    if failing { logger.info("events: following again") }
                    failing = false
                    if !events.isEmpty {
                        apply(events)
                        Counter(label: "events_applied_total").increment(by: events.count)
                        // Reported time to applied here: how stale the live features are.
                        if let newest = events.map(\.time).max(), newest > 0 {
                            Gauge(label: "events_freshness_lag_seconds").record(max(Date().timeIntervalSince1970 - Double(newest) / 1000, 0))
                        }
                        continue
                    }
                } catch {
                    if !failing { logger.error("events: cannot read: \(error); retrying") }
                    failing = true
                }
                if failing { try? await Task.sleep(for: .milliseconds(500)) } else { await source.waitForEvents(idleInterval: interval) }
            }
        }
    }

    static func event(_ record: [UInt8]) -> BehaviorEvent? {
        guard let action = try? Action(serializedBytes: record), let kind = BehaviorEvent.Kind(rawValue: action.action) else { return nil }
        return BehaviorEvent(user: action.userID, item: Int(action.articleID), kind: kind, time: action.timeStamp)
    }

    public func stop() { task.cancel() }
}
