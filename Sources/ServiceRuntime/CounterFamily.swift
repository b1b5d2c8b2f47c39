import CoreMetrics
import Synchronization

/// A counter with one label of few values (a channel, a result), each
/// value's `Counter` made once and reused: making one looks it up through
/// the metrics backend, too much to do several times per request. The
/// values are scanned in a list: for a handful of short strings that is
/// cheaper than hashing one.
public final class CounterFamily: Sendable {
    let label: String
    let dimension: String
    private let counters = Mutex<[(value: String, counter: Counter)]>([])

    public init(_ label: String, dimension: String) {
        self.label = label
        self.dimension = dimension
    }

    public func increment(_ value: String, by amount: Int = 1) {
        let counter = counters.withLock { counters in
            if let known = counters.first(where: { $0.value == value }) { return known.counter }
            let counter = Counter(label: label, dimensions: [(dimension, value)])
            counters.append((value, counter))
            return counter
        }
        counter.increment(by: amount)
    }
}
