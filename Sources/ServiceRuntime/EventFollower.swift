public import Features
import Foundation
import Messages
import Stores
import Synchronization

/// Follows the event log (from its start, so state is rebuilt after a
/// restart) on a thread of its own, polling every `interval`, and hands each
/// batch of new events to `apply`, in log order.
public final class EventFollower: Sendable {
    let stopped = Atomic<Bool>(false)

    public init(directory: String, interval: Duration = .milliseconds(10), apply: @escaping @Sendable ([BehaviorEvent]) -> Void) {
        let reader = EventLogReader(directory: directory)
        let seconds = Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds)
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let events = reader.readNew().compactMap(Self.event)
                if !events.isEmpty { apply(events) }
                Thread.sleep(forTimeInterval: seconds)
            }
        }
        thread.name = "event-follower"
        thread.start()
    }

    static func event(_ record: [UInt8]) -> BehaviorEvent? {
        guard let action = try? Action(serializedBytes: record), let kind = BehaviorEvent.Kind(rawValue: action.action) else { return nil }
        return BehaviorEvent(user: action.userID, item: Int(action.articleID), kind: kind, time: action.timeStamp)
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }
}

extension SuiteConfiguration {
    /// Where the event log lives: `<data_dir>/events`.
    public var eventsDirectory: String { "\(data_dir)/events" }
}
