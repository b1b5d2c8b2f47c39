// The load client of `make bench` for the services: calls user_recommend for
// random users and channels with strictly increasing timestamps (every call a
// real refresh, which h2load cannot do) or article_recommend for random
// articles, at a fixed number of calls in flight, for a fixed time; prints
// one JSON line: qps, p50/p99/max in ms, calls and errors by status.
// usage: FeedLoad HOST:PORT user|article CONCURRENCY SECONDS [USERS] [CHANNELS] [ARTICLES] [RATE]
// RATE > 0 paces the calls to that many per second in all (open loop per worker).
import Dataset
import Foundation
import Messages
import RPC
import Synchronization
import Wire

let arguments = CommandLine.arguments
guard arguments.count >= 5, let endpoint = RPCClient.Endpoint(arguments[1]), let concurrency = Int(arguments[3]), let seconds = Double(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: FeedLoad HOST:PORT user|article CONCURRENCY SECONDS [USERS] [CHANNELS] [ARTICLES]\n".utf8))
    exit(2)
}
let mode = arguments[2]
let users = arguments.count > 5 ? Int(arguments[5]) ?? 943 : 943
let channels = arguments.count > 6 ? Int32(arguments[6]) ?? 19 : 19
let articles = arguments.count > 7 ? Int64(arguments[7]) ?? 1682 : 1682
let rate = arguments.count > 8 ? Double(arguments[8]) ?? 0 : 0
// Every call's timestamp is later than every earlier call's.
let clock = Atomic<Int64>(Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000)

/// What the load client reads of a Track: how many items and the time
/// stamp. The tracking strings are skipped, not built: a load generator
/// should spend the shared cores on sending load, as h2load does.
struct TrackCount: ProtoMessage {
    var items = 0
    var timeStamp: Int64 = 0
    var unknownFields = UnknownFields()

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (2, .lengthDelimited):
            items += 1
            try reader.skip(tag)
        case (3, .varint): timeStamp = try reader.readInt64()
        default: try reader.skip(tag)
        }
    }

    func encodedSize() -> Int { 0 }
    func encode(to writer: inout ProtoWriter) {}
}

struct WorkerResult: Sendable {
    var latencies: [Double] = []
    /// Answers with no items (a user and channel whose recall ran out).
    var empty = 0
    var errors: [String: Int] = [:]
}

// The workers run on the client's own event loop, as a service's handlers
// do: a call and its response never cross threads, so the load client takes
// as little as it can of the cores it shares with the services.
let loop = try EventLoop(name: "feed-load")
let client = try RPCClient(endpoint: endpoint, loop: loop)
let done = DispatchSemaphore(value: 0)
nonisolated(unsafe) var results: [WorkerResult] = []
nonisolated(unsafe) var elapsed = 0.0
Task.detached {
    let start = ContinuousClock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    results = await withTaskGroup(of: WorkerResult.self) { group in
        for _ in 0..<concurrency {
            group.addTask(executorPreference: loop) {
                var result = WorkerResult()
                // Seeded once per worker: random users without a system call each.
                var random = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
                // Paced: this worker's k-th call is due at start + k * concurrency / rate.
                let interval = rate > 0 ? Duration.seconds(Double(concurrency) / rate) : .zero
                var due = start
                while ContinuousClock.now < end {
                    if rate > 0 {
                        due = due + interval
                        if due > ContinuousClock.now { try? await Task.sleep(until: due, clock: .continuous) }
                    }
                    let began = ContinuousClock.now
                    do {
                        if mode == "user" {
                            let request = User(userID: String(Int.random(in: 1...users, using: &random)), channelID: Int32.random(in: 0...channels, using: &random), articleNum: 10,
                                               timeStamp: clock.add(1, ordering: .relaxed).newValue)
                            let track: TrackCount = try await client.unary("/UserRecommend/user_recommend", request, timeout: .seconds(5))
                            if track.items == 0 { result.empty += 1 }
                        } else {
                            let request = Article(articleID: Int64.random(in: 1...articles, using: &random), articleNum: 10)
                            let _: Similar = try await client.unary("/UserRecommend/article_recommend", request, timeout: .seconds(5))
                        }
                        let took = began.duration(to: .now)
                        result.latencies.append(Double(took.components.seconds) * 1e3 + Double(took.components.attoseconds) / 1e15)
                    } catch {
                        result.errors["\((error as? RPCError)?.code ?? .unknown)", default: 0] += 1
                    }
                }
                return result
            }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    let took = start.duration(to: .now)
    elapsed = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
    done.signal()
}
done.wait()
let latencies = results.flatMap(\.latencies).sorted()
var errors: [String: Int] = [:]
for r in results { errors.merge(r.errors, uniquingKeysWith: +) }
func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
let summary: [String: Any] = [
    "mode": mode, "concurrency": concurrency, "seconds": elapsed, "calls": latencies.count,
    "qps": Double(latencies.count) / elapsed, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99), "max_ms": latencies.last ?? 0,
    "errors": errors, "empty_answers": results.reduce(0) { $0 + $1.empty },
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
client.shutdown()
loop.shutdown()
