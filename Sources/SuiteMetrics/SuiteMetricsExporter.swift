import Foundation
public import Messages
import Prometheus
public import RPC
public import Supervisor
import Synchronization

/// The suite's metrics in one place: on each scrape recod asks every
/// program for its snapshot (`/reco.Metrics/snapshot`, over gRPC on its
/// health address) and folds it into one Prometheus registry, each series
/// labelled with its `program`, plus recod's own view of each program
/// (running, restarts). Counters are carried over by their increase since
/// the previous scrape, so a program's restart never makes a total go
/// down; histograms likewise by their buckets' increase (an observation is
/// recorded at its bucket's upper bound, so `_sum` is an upper bound).
public final class SuiteMetricsExporter: Sendable {
    let registry = PrometheusCollectorRegistry()
    let supervisor: Supervisor
    let clients: [(program: String, client: RPCClient)]
    /// Last seen totals per series (counter value, or histogram bucket
    /// counts); its lock also keeps two scrapes from folding at once.
    let seen = Mutex<[String: [Double]]>([:])

    public init(supervisor: Supervisor, programs: [(name: String, endpoint: RPCClient.Endpoint)], configuration: RPCClient.Configuration) throws {
        self.supervisor = supervisor
        clients = try programs.map { ($0.name, try RPCClient(endpoint: $0.endpoint, configuration: configuration)) }
    }

    /// The Prometheus text exposition of everything, now.
    public func scrape() async -> [UInt8] {
        var snapshots: [(String, MetricsSnapshot)] = []
        for (program, client) in clients {
            if let snapshot: MetricsSnapshot = try? await client.unary("/reco.Metrics/snapshot", MetricsQuery(), timeout: .seconds(2)) {
                snapshots.append((program, snapshot))
            }
        }
        let statuses = supervisor.status
        return seen.withLock { seen in
            for status in statuses {
                registry.makeGauge(name: "recod_program_running", labels: [("program", status.name)]).set(status.state == .running ? 1.0 : 0.0)
                carry(counter: "recod_program_restarts_total", labels: [("program", status.name)], total: Double(status.restarts), seen: &seen)
            }
            for (program, snapshot) in snapshots {
                for sample in snapshot.samples { fold(sample, program: program, seen: &seen) }
            }
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return bytes
        }
    }

    func fold(_ sample: MetricSample, program: String, seen: inout [String: [Double]]) {
        let labels = zip(sample.labelNames, sample.labelValues).map { ($0, $1) } + [("program", program)]
        switch MetricSample.Kind(rawValue: sample.kind) {
        case .counter: carry(counter: sample.name, labels: labels, total: sample.value, seen: &seen)
        case .gauge: registry.makeGauge(name: sample.name, labels: labels).set(sample.value)
        case .histogram:
            let histogram = registry.makeValueHistogram(name: sample.name, labels: labels, buckets: sample.bucketBounds)
            let counts = sample.bucketCounts.map(Double.init)
            for (bucket, increase) in increases(key(sample.name, labels), counts, seen: &seen).enumerated() where increase > 0 {
                let value = bucket < sample.bucketBounds.count ? sample.bucketBounds[bucket] : (sample.bucketBounds.last ?? 0) * 2
                for _ in 0..<Int(increase) { histogram.record(value) }
            }
        case nil: break
        }
    }

    func carry(counter name: String, labels: [(String, String)], total: Double, seen: inout [String: [Double]]) {
        let increase = increases(key(name, labels), [total], seen: &seen)[0]
        let counter = registry.makeCounter(name: name, labels: labels)
        if increase > 0 { counter.increment(by: increase) }
    }

    /// How much each value grew since the last scrape; a value that went
    /// down (the program restarted) grew by all of it.
    func increases(_ key: String, _ values: [Double], seen: inout [String: [Double]]) -> [Double] {
        let before = seen[key] ?? []
        seen[key] = values
        return values.enumerated().map { index, value in
            let previous = index < before.count ? before[index] : 0
            return value >= previous ? value - previous : value
        }
    }

    func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1}")
    }

    public func shutdown() {
        for (_, client) in clients { client.shutdown() }
    }
}
