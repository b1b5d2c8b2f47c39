// The load client of `make bench` for the services: calls user_recommend for
// random users and channels with strictly increasing timestamps (every call a
// real refresh, which h2load cannot do) or article_recommend for random
// articles, at a fixed number of calls in flight, for a fixed time; prints
// one JSON line: qps, p50/p99/max in ms, calls and errors by status.
// usage: FeedLoad HOST:PORT user|article CONCURRENCY SECONDS [USERS] [CHANNELS] [ARTICLES] [RATE] [CALLS]
// RATE > 0 paces the calls to that many per second in all (open loop per worker).
// CALLS > 0 stops after that many calls (or SECONDS, whichever comes first):
// two servers given the same calls end in the same state (as many user and
// channel pairs whose recall ran out), whatever their speeds.
import Dataset
import Foundation
import Messages
import RPC
import Synchronization
import Wire

let arguments = CommandLine.arguments
guard arguments.count >= 5, let endpoint = RPCClient.Endpoint(arguments[1]), let concurrency = Int(arguments[3]), let seconds = Double(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: FeedLoad HOST:PORT user|article CONCURRENCY SECONDS [USERS] [CHANNELS] [ARTICLES] [RATE] [CALLS]\n".utf8))
    exit(2)
}
/// What every worker calls, and how.
struct LoadPlan: Sendable {
    let mode: String
    let users: Int
    let channels: Int32
    let articles: Int64
    /// Paced: a worker's k-th call is due at start + k * interval (zero: at once).
    let interval: Duration
    let calls: CallBudget
}
/// The calls all workers may start between them; 0: as many as the time allows.
final class CallBudget: Sendable {
    let limit: Int
    let started = Atomic<Int>(0)

    init(_ limit: Int) { self.limit = limit }

    /// Whether one more call may start.
    func take() -> Bool { limit == 0 || started.add(1, ordering: .relaxed).newValue <= limit }
}
/// The optional argument at `index`, or `fallback` when absent or unreadable.
func optional<Value: LosslessStringConvertible>(_ index: Int, _ fallback: Value) -> Value {
    arguments.count > index ? Value(arguments[index]) ?? fallback : fallback
}
let rate = optional(8, 0.0)
let plan = LoadPlan(mode: arguments[2], users: optional(5, 943), channels: optional(6, Int32(19)), articles: optional(7, Int64(1682)),
                    interval: rate > 0 ? Duration.seconds(Double(concurrency) / rate) : .zero, calls: CallBudget(optional(9, 0)))

/// Every call's timestamp is later than every earlier call's.
final class Timestamps: Sendable {
    let last = Atomic<Int64>(Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000)
    func next() -> Int64 { last.add(1, ordering: .relaxed).newValue }
}

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

// The workers live on the client's event loop: each completion, on the
// loop thread, records its call and starts the worker's next one, with no
// task or continuation per call, as h2load keeps its streams going; the
// load client takes as little as it can of the cores it shares with the
// services.
let loop = try EventLoop(name: "feed-load")
let client = try RPCClient(endpoint: endpoint, loop: loop)
let done = DispatchSemaphore(value: 0)

/// One closed-loop caller: touched only on the loop thread.
final class Worker: @unchecked Sendable {
    let plan: LoadPlan
    let client: RPCClient
    let loop: EventLoop
    let timestamps: Timestamps
    var result = WorkerResult()
    // Seeded once per worker: random users without a system call each.
    var random = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
    var due: ContinuousClock.Instant
    let end: ContinuousClock.Instant
    let finished: @Sendable () -> Void

    init(plan: LoadPlan, client: RPCClient, loop: EventLoop, timestamps: Timestamps, start: ContinuousClock.Instant, end: ContinuousClock.Instant,
         finished: @escaping @Sendable () -> Void) {
        self.plan = plan
        self.client = client
        self.loop = loop
        self.timestamps = timestamps
        due = start
        self.end = end
        self.finished = finished
    }

    /// The next call, now or when it is due; `finished` once the time is up.
    func next() {
        guard ContinuousClock.now < end, plan.calls.take() else { return finished() }
        if plan.interval > .zero {
            due = due + plan.interval
            if due > ContinuousClock.now {
                let due = due
                Task { [self] in
                    try? await Task.sleep(until: due, clock: .continuous)
                    loop.execute { self.call() }
                }
                return
            }
        }
        call()
    }

    func call() {
        let began = ContinuousClock.now
        if plan.mode == "user" {
            let request = User(userID: String(Int.random(in: 1...plan.users, using: &random)), channelID: Int32.random(in: 0...plan.channels, using: &random),
                               articleNum: 10, timeStamp: timestamps.next())
            client.unary("/UserRecommend/user_recommend", request, as: TrackCount.self, timeout: .seconds(5)) { [self] answer in
                if case .success(let track) = answer, track.items == 0 { result.empty += 1 }
                ended(answer.map { _ in () }, began)
            }
        } else {
            let request = Article(articleID: Int64.random(in: 1...plan.articles, using: &random), articleNum: 10)
            client.unary("/UserRecommend/article_recommend", request, as: Similar.self, timeout: .seconds(5)) { [self] answer in
                ended(answer.map { _ in () }, began)
            }
        }
    }

    func ended(_ answer: Result<Void, RPCError>, _ began: ContinuousClock.Instant) {
        switch answer {
        case .success:
            let took = began.duration(to: .now)
            result.latencies.append(Double(took.components.seconds) * 1e3 + Double(took.components.attoseconds) / 1e15)
        case .failure(let error):
            result.errors["\(error.code)", default: 0] += 1
        }
        next()
    }
}

let start = ContinuousClock.now
let remaining = Atomic<Int>(concurrency)
let timestamps = Timestamps()
// Paced workers start staggered across one interval, so the calls arrive
// spread out rather than in bursts of `concurrency`.
let workers = (0..<concurrency).map { index in
    Worker(plan: plan, client: client, loop: loop, timestamps: timestamps, start: start + plan.interval * (Double(index) / Double(concurrency)), end: start + .milliseconds(Int(seconds * 1000))) {
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
    }
}
loop.execute { for worker in workers { worker.next() } }
done.wait()
let took = start.duration(to: .now)
let elapsed = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
// Every worker has finished on the loop thread: their results are read after it.
let results = workers.map(\.result)
let latencies = results.flatMap(\.latencies).sorted()
var errors: [String: Int] = [:]
for r in results { errors.merge(r.errors, uniquingKeysWith: +) }
func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
let summary: [String: Any] = [
    "mode": plan.mode, "concurrency": concurrency, "seconds": elapsed, "calls": latencies.count,
    "qps": Double(latencies.count) / elapsed, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99), "max_ms": latencies.last ?? 0,
    "errors": errors, "empty_answers": results.reduce(0) { $0 + $1.empty },
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
client.shutdown()
loop.shutdown()
