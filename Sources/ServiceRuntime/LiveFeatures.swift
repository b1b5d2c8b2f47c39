public import Dataset
public import Features
public import Stores
import Synchronization

/// The stream features a service keeps live: built for a catalogue, fed by
/// an `EventFollower` on the event log, read by request handlers. `observers`
/// see every batch too (SortService folds it into its ranking statistics).
public final class LiveFeatures: Sendable {
    let state: Mutex<StreamFeatures>
    let follower = Mutex<EventFollower?>(nil)

    public init(catalog: Catalog) {
        state = Mutex(StreamFeatures(catalog: catalog))
    }

    /// Starts following the events from the beginning of what is retained.
    public func follow(_ source: any EventSource, observer: @escaping @Sendable ([BehaviorEvent]) -> Void = { _ in }) {
        let follower = EventFollower(source: source) { [self] events in
            state.withLock { features in for event in events { features.apply(event) } }
            observer(events)
        }
        self.follower.withLock { $0 = follower }
    }

    public func read<T>(_ body: (borrowing StreamFeatures) -> T) -> T {
        state.withLock { body($0) }
    }

    public func apply(_ events: [BehaviorEvent]) {
        state.withLock { features in for event in events { features.apply(event) } }
    }

    public func stop() {
        follower.withLock { $0?.stop() }
    }
}
