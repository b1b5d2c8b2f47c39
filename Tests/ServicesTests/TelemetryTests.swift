import CoreMetrics
import Messages
import Telemetry
import Testing

@Suite("metrics: the in-process swift-metrics backend and its snapshot")
struct TelemetryTests {
    @Test("counters sum per label set, gauges keep the last value, timers fill latency buckets; the snapshot survives the wire")
    func storeKeepsEverySeries() throws {
        let store = MetricsStore()
        store.makeCounter(label: "calls", dimensions: [("method", "/a")]).increment(by: 2)
        store.makeCounter(label: "calls", dimensions: [("method", "/a")]).increment(by: 3)
        store.makeCounter(label: "calls", dimensions: [("method", "/b")]).increment(by: 1)
        store.makeRecorder(label: "lag", dimensions: [], aggregate: false).record(0.5)
        store.makeRecorder(label: "lag", dimensions: [], aggregate: false).record(0.25)
        let timer = store.makeTimer(label: "latency", dimensions: [("method", "/a")])
        for milliseconds in [0.2, 0.7, 3, 3, 40, 7000] { timer.recordNanoseconds(Int64(milliseconds * 1_000_000)) }
        let snapshot = store.snapshot(service: "Test")
        #expect(snapshot.samples.map(\.name) == ["calls", "calls", "lag", "latency"])
        #expect(snapshot.samples[0].labels == ["method": "/a"] && snapshot.samples[0].value == 5 && snapshot.samples[1].value == 1)
        #expect(snapshot.samples[2].value == 0.25 && snapshot.samples[2].kind == MetricSample.Kind.gauge.rawValue)
        let latency = snapshot.samples[3]
        #expect(latency.count == 6 && abs(latency.sum - 7.0469) < 1e-9)
        // Buckets: <=0.25 ms 1, <=0.75 ms 1, <=3 ms 2, <=50 ms 1, +Inf 1.
        #expect(latency.bucketBounds.prefix(8) == [0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005])
        #expect(latency.bucketCounts == [1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1])
        #expect(try MetricsSnapshot(serializedBytes: snapshot.serializedBytes()) == snapshot)
    }

    @Test("quantiles interpolate inside the bucket that holds the rank, as histogram_quantile does")
    func quantilesInterpolate() {
        let sample = MetricSample(name: "h", labels: [], kind: .histogram, bucketBounds: [0.001, 0.01, 0.1], bucketCounts: [50, 40, 10, 0])
        #expect(abs(sample.quantile(0.5)! - 0.001) < 1e-12)
        #expect(abs(sample.quantile(0.9)! - 0.01) < 1e-12)
        #expect(abs(sample.quantile(0.95)! - 0.055) < 1e-12)
        #expect(sample.quantile(0.5, counts: [0, 0, 0, 0]) == nil)
        #expect(abs(sample.quantile(0.99, counts: [0, 0, 0, 3])! - 0.1) < 1e-12)
    }
}
