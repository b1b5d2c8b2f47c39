import Foundation
import Messages
import RPC
import ServiceRuntime

/// `recoctl trace USER_ID`: one real user_recommend under a new trace id,
/// then every service's spans for it (`/reco.Trace/spans`), printed as the
/// call tree with each hop's time. Endpoints come from deploy/suite.json
/// (or `--config`, and the `--ABRouter ...` style overrides).
enum TraceCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        guard let user = arguments.words.dropFirst().first, !user.hasPrefix("--") else { throw UsageError("usage: recoctl trace USER_ID [--channel 0] [-n 10]") }
        let channel = Int32(try arguments.int("--channel", default: 0))
        let count = Int32(try arguments.int("-n", default: 10))
        let configuration = try SuiteConfiguration.load(service: "recoctl", arguments: arguments.words)
        let router = try RPCClient(endpoints: try configuration.endpoints("ABRouter"), configuration: configuration.internalClient)
        let instances = try SuiteInstances.clients(configuration)
        defer {
            router.shutdown()
            for (_, client) in instances { client.shutdown() }
        }
        let root = TraceContext.root()
        let (track, elapsed, spans) = try blocking { () async throws -> (Track, Duration, [Span]) in
            let started = ContinuousClock.now
            let request = User(userID: user, channelID: channel, articleNum: count, timeStamp: Int64(Date().timeIntervalSince1970 * 1000))
            let track: Track = try await router.unary("/UserRecommend/user_recommend", request, timeout: .seconds(5), metadata: root.metadata)
            let elapsed = started.duration(to: .now)
            // Work that outlives the answer (the wait list's put) gets a moment to finish.
            try await Task.sleep(for: .milliseconds(200))
            var spans: [Span] = []
            for (name, client) in instances {
                do {
                    let list: SpanList = try await client.unary("/reco.Trace/spans", SpanQuery(traceID: root.traceID), timeout: .seconds(2))
                    spans += list.spans
                } catch {
                    print("(\(name): \(error))")
                }
            }
            return (track, elapsed, spans)
        }
        print("trace \(root.traceID): user \(user), channel \(channel), \(track.recommends.count) items in \(milliseconds(elapsed)) ms at the client")
        let children = Dictionary(grouping: spans, by: \.parentSpanID)
        let origin = spans.map(\.startMicros).min() ?? 0
        func show(_ parent: String, depth: Int) {
            for span in (children[parent] ?? []).sorted(by: { $0.startMicros < $1.startMicros }) {
                let name = (String(repeating: "  ", count: depth) + span.service).padding(toLength: 20, withPad: " ", startingAt: 0)
                let code = RPCError.Code(rawValue: Int(span.code)).map { "\($0)" } ?? "\(span.code)"
                print(name + span.path.padding(toLength: 34, withPad: " ", startingAt: 0)
                      + String(format: "%8.2f ms  at +%.2f ms  ", Double(span.durationMicros) / 1000, Double(span.startMicros - origin) / 1000) + code)
                show(span.spanID, depth: depth + 1)
            }
        }
        show(root.spanID, depth: 0)
        if spans.isEmpty { print("no spans found (older than the services' span rings, or another suite)") }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}
