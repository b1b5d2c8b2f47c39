import Foundation
import Messages
import RPC
import ServiceRuntime
import Telemetry

/// `recoctl top`: the suite's figures, live: calls per second, p99 and
/// errors per method, degraded answers by cause, the cache hit rate, events
/// ingested and the live features' freshness lag, the artifact version in
/// service and its age. Reads every service's `/reco.Metrics/snapshot`
/// (endpoints from deploy/suite.json or `--config`) every `--interval`
/// seconds; `--once` prints one window and exits.
enum TopCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let configuration = try SuiteConfiguration.load(service: "recoctl", arguments: arguments.words)
        let interval = Double(arguments.option("--interval") ?? "1") ?? 1
        guard interval > 0 else { throw UsageError("--interval must be positive") }
        let targets = try SuiteInstances.clients(configuration)
        defer { for target in targets { target.client.shutdown() } }
        let fetch = { @Sendable () async -> [String: MetricsSnapshot] in
            var snapshots: [String: MetricsSnapshot] = [:]
            for target in targets {
                if let snapshot: MetricsSnapshot = try? await target.client.unary("/reco.Metrics/snapshot", MetricsQuery(), timeout: .seconds(2)) {
                    snapshots[target.name] = snapshot
                }
            }
            return snapshots
        }
        var previous = try blocking { await fetch() }
        let live = !arguments.flag("--once") && isatty(1) == 1
        repeat {
            Thread.sleep(forTimeInterval: interval)
            let current = try blocking { await fetch() }
            if live { print("\u{1B}[H\u{1B}[2J", terminator: "") }
            print(TopView(before: previous, after: current, order: targets.map(\.name)).render())
            previous = current
        } while !arguments.flag("--once")
    }
}

/// One screen of `recoctl top`: the change between two rounds of snapshots.
struct TopView {
    let before: [String: MetricsSnapshot]
    let after: [String: MetricsSnapshot]
    let order: [String]

    func series(_ service: String, _ name: String, in snapshots: [String: MetricsSnapshot]) -> [MetricSample] {
        snapshots[service]?.samples.filter { $0.name == name } ?? []
    }

    func total(_ samples: [MetricSample], where match: (MetricSample) -> Bool = { _ in true }) -> Double {
        samples.filter(match).map(\.value).reduce(0, +)
    }

    func render() -> String {
        var lines: [String] = []
        let now = DateFormatter.localizedString(from: Date(), dateStyle: .none, timeStyle: .medium)
        lines.append("recoctl top: \(after.count) of \(order.count) services answering    \(now)")
        lines.append(pad("SERVICE", 16) + pad("METHOD", 34) + lpad("CALLS", 10) + lpad("/s", 10) + lpad("p99 ms", 10) + lpad("ERRORS", 8))
        for service in order {
            guard let snapshot = after[service] else {
                lines.append(pad(service, 16) + "(not answering)")
                continue
            }
            let seconds = Double(snapshot.takenMicros - (before[service]?.takenMicros ?? snapshot.takenMicros)) / 1e6
            // What it served, then what it waited for: its calls to the
            // others (the hop both ways and their queues included) and its
            // durable history appends.
            for side in ["rpc_server", "rpc_client"] {
                let calls = series(service, "\(side)_calls_total", in: after)
                let methods = Set(calls.compactMap { $0.labels["method"] }).filter { !$0.hasPrefix("/reco.Metrics/") && !$0.hasPrefix("/reco.Trace/") && !$0.hasPrefix("/grpc.health") }
                for method in methods.sorted() {
                    let mine = { (s: MetricSample) in s.labels["method"] == method }
                    let now = total(calls, where: mine)
                    let then = total(series(service, "\(side)_calls_total", in: before), where: mine)
                    let errors = total(calls) { mine($0) && $0.labels["code"] != "ok" }
                    lines.append(row(service, side == "rpc_client" ? "-> " + method : method, count: now, rate: seconds > 0 ? (now - then) / seconds : nil,
                                     p99: p99(service, "\(side)_latency_seconds", where: mine), errors: errors))
                }
            }
            if let appends = series(service, "history_append_seconds", in: after).first {
                let now = Double(appends.count), then = Double(series(service, "history_append_seconds", in: before).first?.count ?? appends.count)
                lines.append(row(service, "history append (fsync)", count: now, rate: seconds > 0 ? (now - then) / seconds : nil,
                                 p99: p99(service, "history_append_seconds", where: { _ in true }), errors: nil))
            }
        }
        let degraded = order.flatMap { series($0, "reco_degraded_total", in: after) }
        let causes = Dictionary(grouping: degraded, by: { $0.labels["cause"] ?? "?" }).mapValues { total($0) }
        lines.append("degraded answers: " + (causes.isEmpty ? "none" : causes.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", ")))
        let takes = order.flatMap { series($0, "cache_takes_total", in: after) }
        let byResult = Dictionary(grouping: takes, by: { $0.labels["result"] ?? "?" }).mapValues { total($0) }
        let allTakes = byResult.values.reduce(0, +)
        let refills = total(order.flatMap { series($0, "cache_refills_total", in: after) })
        lines.append("cache takes: hit \(Int(byResult["hit"] ?? 0)), partial \(Int(byResult["partial"] ?? 0)), miss \(Int(byResult["miss"] ?? 0))"
                     + (allTakes > 0 ? String(format: "; hit rate %.1f%%", 100 * (byResult["hit"] ?? 0) / allTakes) : "") + "; level-1 refills \(Int(refills))")
        let ingested = order.flatMap { series($0, "events_ingested_total", in: after) }
        var events = "events: ingested \(Int(total(ingested)))"
        for service in order where !series(service, "events_applied_total", in: after).isEmpty {
            let lag = series(service, "events_freshness_lag_seconds", in: after).first?.value
            events += "; \(service) applied \(Int(total(series(service, "events_applied_total", in: after))))" + (lag.map { String(format: ", lag %.3f s", $0) } ?? "")
        }
        lines.append(events)
        for service in order {
            guard let version = series(service, "artifact_version", in: after).first(where: { $0.value == 1 })?.labels["version"],
                  let created = series(service, "artifact_created_timestamp_seconds", in: after).first?.value else { continue }
            lines.append("artifacts: \(service) serves \(version), published \(Int(Date().timeIntervalSince1970 - created)) s ago")
        }
        return lines.joined(separator: "\n")
    }

    /// p99 of this window's samples; of the whole run when the window saw none.
    func p99(_ service: String, _ name: String, where match: (MetricSample) -> Bool) -> Double? {
        guard let latency = series(service, name, in: after).first(where: match) else { return nil }
        var window = latency.bucketCounts
        if let earlier = series(service, name, in: before).first(where: match), earlier.bucketCounts.count == window.count {
            window = zip(window, earlier.bucketCounts).map { $0 - $1 }
        }
        return window.reduce(0, +) > 0 ? latency.quantile(0.99, counts: window) : latency.quantile(0.99)
    }

    func row(_ service: String, _ method: String, count: Double, rate: Double?, p99: Double?, errors: Double?) -> String {
        pad(service, 16) + pad(method, 34) + lpad(String(Int(count)), 10) + lpad(rate.map { String(format: "%.1f", $0) } ?? "-", 10)
            + lpad(p99.map { String(format: "%.2f", $0 * 1000) } ?? "-", 10) + lpad(errors.map { String(Int($0)) } ?? "-", 8)
    }

    func pad(_ text: String, _ width: Int) -> String { text.count >= width ? String(text.prefix(width - 1)) + " " : text.padding(toLength: width, withPad: " ", startingAt: 0) }
    func lpad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - text.count, 1)) + text }
}
