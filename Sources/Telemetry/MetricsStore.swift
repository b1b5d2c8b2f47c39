public import CoreMetrics
import Foundation
public import Messages
import Synchronization

/// This process's metrics: the swift-metrics backend every service
/// bootstraps, keeping each series' value in memory so that recod and
/// `recoctl top` can read a snapshot over gRPC (`/reco.Metrics/snapshot`).
/// Counters sum, gauges (recorders, meters) keep the last value, timers are
/// histograms over fixed latency buckets in seconds.
public final class MetricsStore: MetricsFactory, Sendable {
    public static let shared = MetricsStore()

    /// Latency bucket upper bounds, seconds (+Inf after the last). Fine
    /// below 20 ms, where calls between the services and their p99s live:
    /// a p99 is interpolated inside its bucket, so a wide one misplaces it.
    public static let latencyBounds: [Double] = [0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02,
                                                 0.05, 0.1, 0.2, 0.5, 1, 2, 5]

    struct Key: Hashable {
        let label: String
        let dimensions: [String]
    }

    enum Series {
        case counter(CounterSeries)
        case gauge(GaugeSeries)
        case histogram(HistogramSeries)
    }

    let series = Mutex<[Key: Series]>([:])

    public init() {}

    func lookup<T>(_ label: String, _ dimensions: [(String, String)], make: () -> Series, as extract: (Series) -> T?) -> T {
        let key = Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        return series.withLock { all in
            if let existing = all[key], let typed = extract(existing) { return typed }
            let made = make()
            all[key] = made
            return extract(made)!
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> CounterSeries {
        lookup(label, dimensions, make: { .counter(CounterSeries()) }) { if case .counter(let c) = $0 { c } else { nil } }
    }

    func gauge(_ label: String, _ dimensions: [(String, String)]) -> GaugeSeries {
        lookup(label, dimensions, make: { .gauge(GaugeSeries()) }) { if case .gauge(let g) = $0 { g } else { nil } }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { counter(label, dimensions) }
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { counter(label, dimensions) }
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { gauge(label, dimensions) }
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { gauge(label, dimensions) }
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        lookup(label, dimensions, make: { .histogram(HistogramSeries()) }) { if case .histogram(let h) = $0 { h } else { nil } }
    }

    // Series live as long as the process: nothing to destroy.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    /// Every series now, sorted by name and labels.
    public func snapshot(service: String) -> MetricsSnapshot {
        let all = series.withLock { $0 }
        var samples: [MetricSample] = []
        for (key, series) in all {
            let labels = stride(from: 0, to: key.dimensions.count - 1, by: 2).map { (key.dimensions[$0], key.dimensions[$0 + 1]) }
            switch series {
            case .counter(let c): samples.append(MetricSample(name: key.label, labels: labels, kind: .counter, value: c.total.withLock { $0 }))
            case .gauge(let g): samples.append(MetricSample(name: key.label, labels: labels, kind: .gauge, value: g.value.withLock { $0 }))
            case .histogram(let h):
                let (counts, sum, count) = h.state.withLock { ($0.counts, $0.sum, $0.count) }
                samples.append(MetricSample(name: key.label, labels: labels, kind: .histogram, bucketBounds: Self.latencyBounds,
                                            bucketCounts: counts, sum: sum, count: count))
            }
        }
        samples.sort { ($0.name, $0.labelValues.joined(separator: "\u{1}")) < ($1.name, $1.labelValues.joined(separator: "\u{1}")) }
        return MetricsSnapshot(service: service, samples: samples, takenMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
    }
}

final class CounterSeries: CounterHandler, FloatingPointCounterHandler, Sendable {
    let total = Mutex<Double>(0)
    func increment(by amount: Int64) { total.withLock { $0 += Double(amount) } }
    func increment(by amount: Double) { total.withLock { $0 += amount } }
    func reset() { total.withLock { $0 = 0 } }
}

final class GaugeSeries: RecorderHandler, MeterHandler, Sendable {
    let value = Mutex<Double>(0)
    func record(_ value: Int64) { self.value.withLock { $0 = Double(value) } }
    func record(_ value: Double) { self.value.withLock { $0 = value } }
    func set(_ value: Int64) { self.value.withLock { $0 = Double(value) } }
    func set(_ value: Double) { self.value.withLock { $0 = value } }
    func increment(by amount: Double) { value.withLock { $0 += amount } }
    func decrement(by amount: Double) { value.withLock { $0 -= amount } }
}

final class HistogramSeries: TimerHandler, Sendable {
    let state = Mutex<(counts: [Int64], sum: Double, count: Int64)>(([Int64](repeating: 0, count: MetricsStore.latencyBounds.count + 1), 0, 0))

    func recordNanoseconds(_ duration: Int64) {
        let seconds = Double(duration) / 1e9
        let bucket = MetricsStore.latencyBounds.firstIndex { seconds <= $0 } ?? MetricsStore.latencyBounds.count
        state.withLock { state in
            state.counts[bucket] += 1
            state.sum += seconds
            state.count += 1
        }
    }
}
