import Foundation
import Messages
import RPC
import Stores
import TestSupport
import Testing

/// The five real executables on ephemeral loopback ports, over artifacts
/// the real pipeline published, with their own data directory.
final class RunningSuite: @unchecked Sendable {
    static let order = ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"]
    let directory = Fixture.temporaryDirectory("suite")
    var processes: [String: ChildProcess] = [:]
    var ports: [String: Int] = [:]
    /// Set: every hop is mTLS with certificates from a throwaway CA made here.
    let tls: Bool
    /// nil: the embedded SQLite stores; else the Redis deployment at this URL.
    let redisURL: String?
    /// Copies of each service beyond the first ("RecoCenter": 2 runs RecoCenter and RecoCenter#2).
    let replicas: [String: Int]

    init(tls: Bool = false, redisURL: String? = nil, replicas: [String: Int] = [:]) {
        self.tls = tls
        self.redisURL = redisURL
        self.replicas = replicas
    }

    /// Services that the others call over a Unix-domain socket in the data
    /// directory, as deploy/suite.json sets up: every one but ABRouter (its
    /// callers are outside), unless TLS is on or the service has replicas.
    var onLocalSockets: [String] {
        tls ? [] : Self.order.filter { $0 != "ABRouter" && replicas[$0] == nil }
    }

    var certificates: String { "\(directory)/certs" }

    func start() async throws {
        try await offThePool { [directory] in _ = try Fixture.publish(root: "\(directory)/artifacts") }
        var tlsSection = ""
        if tls {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("RPCTests/python/make_certs.sh").path
            _ = try await run("bash", [script, certificates])
            tlsSection = #", "tls": {"certificate": "\#(certificates)/server.pem", "private_key": "\#(certificates)/server.key", "ca": "\#(certificates)/ca.pem", "require_client_certificate": true}"#
        }
        let storeSection = redisURL.map { #", "store": {"backend": "redis", "redis_url": "\#($0)", "stream_partitions": 2}"# } ?? ""
        let sockets = onLocalSockets.map { #""\#($0)": {"listen": "127.0.0.1:0", "local_socket": "\#(directory)/run/\#($0).sock"}"# }
        try """
        {"data_dir": "\(directory)", "artifacts": "\(directory)/artifacts", "experiments": "\(Fixture.experimentsPath)",
         "services": {\(sockets.joined(separator: ", "))},
         "feed": {"max_channel_id": 3, "default_deadline_ms": 2000}\(tlsSection)\(storeSection)}
        """.write(toFile: "\(directory)/suite.json", atomically: true, encoding: .utf8)
        for service in Self.order {
            var arguments = ["--config", "\(directory)/suite.json", "--listen", "127.0.0.1:0"]
            for name in Self.order where ports[name] != nil && !onLocalSockets.contains(name) {
                let endpoints = ([name] + (1..<(replicas[name] ?? 1)).map { "\(name)#\($0 + 1)" }).compactMap { ports[$0] }
                arguments += ["--\(name)", endpoints.map { "127.0.0.1:\($0)" }.joined(separator: ",")]
            }
            for copy in 1...(replicas[service] ?? 1) {
                let name = copy == 1 ? service : "\(service)#\(copy)"
                let process = try await ChildProcess.start("\(productsDirectory)/\(service)", arguments, errorLog: "\(directory)/\(name).log")
                processes[name] = process
                guard let port = await process.waitForLine(prefix: "listening ").flatMap({ Int($0) }) else {
                    throw SuiteError("\(name) did not start: \((try? String(contentsOfFile: "\(directory)/\(name).log", encoding: .utf8)) ?? "")")
                }
                ports[name] = port
            }
        }
    }

    func kill(_ service: String) async throws {
        processes[service]?.signal(SIGKILL)
        try await processes[service]?.waitForExit()
    }

    func stop() async {
        for (_, process) in processes.sorted(by: { Self.rank($0.key) > Self.rank($1.key) }) {
            process.signal(SIGTERM)
            try? await process.waitForExit()
        }
    }

    static func rank(_ name: String) -> Int { order.firstIndex(of: String(name.prefix { $0 != "#" })) ?? 0 }

    /// Waits until RecallService has applied the Python client's dislikes
    /// (user 12 disliked every item but those = 2 mod 3): a condition, not a delay.
    func waitForDislikesApplied() async throws {
        let recall = try RPCClient(endpoint: .init(port: ports["RecallService"]!))
        let keep = Set((1...60).filter { $0 % 3 == 2 }.map(Int64.init))
        let end = ContinuousClock.now + safetyTimeout
        while ContinuousClock.now < end {
            let list: ItemList = try await recall.unary("/reco.Recall/recall", FeedQuery(userID: "12", channelID: 0, count: 100, sources: [100, 101, 103, 104]), timeout: safetyTimeout)
            if Set(list.articleIDs).isSubset(of: keep) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        recall.shutdown()
    }

    /// Runs cases of the Python client against ABRouter; returns case -> (ok, detail).
    func python(_ cases: [String]) async throws -> [String: (ok: Bool, detail: String)] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/feed_client.py").path
        let (_, output) = try await run("env", (tls ? ["FEED_TLS_DIR=\(certificates)"] : []) + ["python3", script, "127.0.0.1:\(ports["ABRouter"]!)"] + cases)
        var results: [String: (Bool, String)] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            results[object["case"] as? String ?? "?"] = (object["ok"] as? Bool ?? false, "\(object["detail"] ?? "")")
        }
        return results
    }
}

struct SuiteError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("the five services end to end, called by a stock Python grpcio client", .serialized)
struct SuiteTests {
    @Test("feed, history, A/B, validation and similar items; then degraded answers with Sort and Recall killed")
    func endToEnd() async throws {
        let suite = RunningSuite()
        try await suite.start()
        let cases = ["refresh", "channels", "ab", "invalid", "similar", "hostile", "degraded"]
        let results = try await suite.python(cases)
        for name in cases {
            #expect(results[name]?.ok == true, "\(name): \(results[name]?.detail ?? "not run")")
        }

        // recoctl trace: a new user's refresh (recall, sort; no cache yet), then
        // the next one (the cache), every hop nested under its caller.
        var flags = ["--config", "\(suite.directory)/suite.json"]
        for (name, port) in suite.ports { flags += ["--\(name)", "127.0.0.1:\(port)"] }
        for hops in [[(2, "RecallService", "/reco.Recall/recall"), (2, "SortService", "/reco.Sort/rank")], [(2, "CacheService", "/reco.Cache/take")]] {
            let (status, trace) = try await run("\(productsDirectory)/recoctl", ["trace", "trace-user", "-n", "3"] + flags)
            let lines = trace.split(separator: "\n").map(String.init)
            #expect(status == 0 && lines.first?.contains("3 items") == true, "\(trace)")
            for (depth, service, path) in [(0, "ABRouter", "/UserRecommend/user_recommend"), (1, "RecoCenter", "/reco.Feed/feed")] + hops {
                let prefix = String(repeating: "  ", count: depth) + service + " "
                #expect(lines.contains { $0.hasPrefix(prefix) && $0.contains(path) && $0.hasSuffix("ok") }, "\(service) at depth \(depth): \(trace)")
            }
        }

        // recoctl top: every service's calls, the cache, the artifacts in service.
        let (topStatus, top) = try await run("\(productsDirectory)/recoctl", ["top", "--once", "--interval", "0.2"] + flags)
        let topLines = top.split(separator: "\n").map(String.init)
        let routerCalls = topLines.first { $0.hasPrefix("ABRouter ") && $0.contains("/UserRecommend/user_recommend") }?
            .split(separator: " ").dropFirst(2).first.flatMap { Int($0) } ?? 0
        #expect(topStatus == 0 && routerCalls > 50 && top.contains("5 of 5 services answering"), "\(top)")
        for line in ["RecoCenter      /reco.Feed/feed", "CacheService    /reco.Cache/take", "SortService     /reco.Sort/rank", "cache takes: hit ",
                     "ABRouter        -> /reco.Feed/feed", "RecoCenter      -> /reco.Sort/rank", "RecoCenter      history append (fsync)",
                     "artifacts: RecallService serves v", "artifacts: SortService serves v"] {
            #expect(top.contains(line), "\(line): \(top)")
        }

        try await suite.kill("SortService")
        let withoutSort = try await suite.python(["degraded"])
        #expect(withoutSort["degraded"]?.ok == true, "SortService killed: \(withoutSort["degraded"]?.detail ?? "not run")")

        try await suite.kill("RecallService")
        let withoutRecall = try await suite.python(["degraded"])
        #expect(withoutRecall["degraded"]?.ok == true, "RecallService killed too: \(withoutRecall["degraded"]?.detail ?? "not run")")

        let (_, afterKills) = try await run("\(productsDirectory)/recoctl", ["top", "--once", "--interval", "0.2"] + flags)
        #expect(afterKills.contains(/degraded answers: .*recall [1-9]/) && afterKills.contains(/degraded answers: .*sort [1-9]/), "\(afterKills)")
        let log = (try? String(contentsOfFile: "\(suite.directory)/RecoCenter.log", encoding: .utf8)) ?? ""
        #expect(log.contains("degraded: sort") && log.contains("degraded: recall"), "degradations are logged")
        // Each of those lines carries the trace id the request arrived with (W3C traceparent).
        let degradedLines = log.split(separator: "\n").filter { $0.contains("degraded: ") }
        #expect(!degradedLines.isEmpty && degradedLines.allSatisfy { $0.contains(/trace_id=[0-9a-f]{32}/) }, "\(degradedLines.prefix(2))")
        await suite.stop()
    }

    @Test("reported behaviour is logged and changes the next refresh: dislikes drop cached and recalled items; then RecoCenter killed")
    func behaviourChangesTheNextRefresh() async throws {
        let suite = RunningSuite()
        try await suite.start()
        let reports = try await suite.python(["behavior", "dislike"])
        for name in ["behavior", "dislike"] { #expect(reports[name]?.ok == true, "\(name): \(reports[name]?.detail ?? "not run")") }
        try await suite.waitForDislikesApplied()
        let after = try await suite.python(["after_dislike"])
        #expect(after["after_dislike"]?.ok == true, "\(after["after_dislike"]?.detail ?? "not run")")
        // With RecoCenter gone, ABRouter answers from RecallService's hot and new lists.
        try await suite.kill("RecoCenter")
        let withoutCenter = try await suite.python(["degraded"])
        #expect(withoutCenter["degraded"]?.ok == true, "RecoCenter killed: \(withoutCenter["degraded"]?.detail ?? "not run")")
        await suite.stop()
    }

    @Test("every acknowledged event survives kill -9 of ABRouter in the middle of a stream of reports")
    func acknowledgedEventsSurviveKill() async throws {
        let suite = RunningSuite()
        try await suite.start()
        let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!))
        let tally = LoadTally()
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    for i in 0..<100_000 {
                        let id = "w\(writer)-\(i)"
                        do {
                            let _: Ack = try await router.unary("/Behavior/report", Action(userID: id, articleID: 1, action: "click"), timeout: safetyTimeout)
                            ids.append(id)
                            tally.state.withLock { $0.answered += 1 }
                        } catch {
                            return ids   // the router is gone
                        }
                    }
                    return ids
                }
            }
            // Kill once a good number are acknowledged (a condition, not a delay).
            while tally.state.withLock({ $0.answered }) < 500 { try await Task.sleep(for: .milliseconds(5)) }
            try await suite.kill("ABRouter")
            return try await group.reduce(into: []) { $0 += $1 }
        }
        router.shutdown()
        let logged = Set(EventLogReader(directory: "\(suite.directory)/events").readNew().compactMap { try? Action(serializedBytes: $0).userID })
        #expect(acknowledged.count >= 500)
        let lost = acknowledged.filter { !logged.contains($0) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged events lost, e.g. \(lost.prefix(5))")
        await suite.stop()
    }

    @Test("with mTLS on every hop the suite serves clients with our certificate and refuses the others")
    func mutualTLSOnEveryHop() async throws {
        let suite = RunningSuite(tls: true)
        try await suite.start()
        let results = try await suite.python(["refresh", "similar", "behavior", "refused_without_certificate"])
        for name in ["refresh", "similar", "behavior", "refused_without_certificate"] {
            #expect(results[name]?.ok == true, "\(name): \(results[name]?.detail ?? "not run")")
        }
        await suite.stop()
    }
}
