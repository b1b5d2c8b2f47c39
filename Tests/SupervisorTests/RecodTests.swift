import Foundation
import Messages
import RPC
import Supervisor
import Synchronization
import TestSupport
import Testing

/// A real recod over the five real services (fixture artifacts, free
/// loopback ports) plus one program that always fails at once.
final class SupervisedSuite: @unchecked Sendable {
    static let services = ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"]
    let directory = Fixture.temporaryDirectory("recod")
    var ports: [String: Int] = [:]
    var controlPort = 0
    var metricsPort = 0
    var recod: ChildProcess?

    func prepare() async throws {
        try await offThePool { [directory] in _ = try Fixture.publish(root: "\(directory)/artifacts") }
        let free = try await run("python3", ["-c", """
            import socket
            socks = [socket.socket() for _ in range(6)]
            for s in socks: s.bind(("127.0.0.1", 0))
            print(" ".join(str(s.getsockname()[1]) for s in socks))
            """]).output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        controlPort = free[5]
        for (i, service) in Self.services.enumerated() { ports[service] = free[i] }
        let services = ports.map { "\"\($0.key)\": {\"listen\": \"127.0.0.1:\($0.value)\"}" }.joined(separator: ", ")
        try """
        {"data_dir": "\(directory)", "artifacts": "\(directory)/artifacts", "experiments": "\(Fixture.experimentsPath)",
         "services": {\(services)}, "feed": {"max_channel_id": 3, "default_deadline_ms": 2000}}
        """.write(toFile: "\(directory)/suite.json", atomically: true, encoding: .utf8)
        var conf = "[recod]\nlogfile = \(directory)/recod.log\ncontrol = 127.0.0.1:\(controlPort)\nmetrics = 127.0.0.1:0\nhealth_interval = 0.2\nhealth_timeout = 1.5\n"
        for (i, service) in Self.services.enumerated() {
            conf += """

            [program:\(service)]
            command = \(productsDirectory)/\(service) --config \(directory)/suite.json
            health = 127.0.0.1:\(ports[service]!)
            priority = \(i + 1)
            startsecs = 0.2
            stopwaitsecs = 5
            stdout_logfile = \(directory)/logs/\(service).log

            """
        }
        conf += "\n[program:Doomed]\ncommand = /bin/false\npriority = 99\nstartsecs = 0.5\nstartretries = 2\n"
        try conf.write(toFile: "\(directory)/recod.conf", atomically: true, encoding: .utf8)
    }

    func start() async throws {
        let recod = try await ChildProcess.start("\(productsDirectory)/recod", ["--config", "\(directory)/recod.conf"], errorLog: "\(directory)/recod.stderr")
        self.recod = recod
        // recod prints `control PORT`, then `metrics PORT` once its HTTP side listens.
        guard let port = await recod.waitForLine(prefix: "metrics ").flatMap({ Int($0) }) else { throw SuiteFailure("recod did not start: \(log)") }
        metricsPort = port
    }

    var log: String { (try? String(contentsOfFile: "\(directory)/recod.log", encoding: .utf8)) ?? "" }

    func control(_ action: String, _ name: String = "") async throws -> ControlReply {
        let client = try RPCClient(endpoint: .init(port: controlPort))
        defer { client.shutdown() }
        return try await client.unary("/recod.Control/\(action)", ControlRequest(name: name), as: ControlReply.self, timeout: safetyTimeout)
    }

    func status() async throws -> [String: ProgramInfo] {
        Dictionary(uniqueKeysWithValues: try await control("status").programs.map { ($0.name, $0) })
    }

    /// Polls until `condition` holds on the status, or the safety timeout.
    func waitFor(_ what: String, _ condition: ([String: ProgramInfo]) -> Bool) async throws -> [String: ProgramInfo] {
        let end = ContinuousClock.now + safetyTimeout
        while ContinuousClock.now < end {
            let status = try await status()
            if condition(status) { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SuiteFailure("timed out waiting for \(what): \(try await status()); log:\n\(log)")
    }

    /// Polls the service's health until SERVING; returns how long that took.
    func waitServing(_ service: String, since: ContinuousClock.Instant) async throws -> Duration {
        let client = try RPCClient(endpoint: .init(port: ports[service]!), configuration: .init(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)))
        defer { client.shutdown() }
        let end = ContinuousClock.now + safetyTimeout
        while ContinuousClock.now < end {
            let health: HealthCheckResponse? = try? await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(), timeout: .seconds(1))
            if health?.status == .serving { return since.duration(to: .now) }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw SuiteFailure("\(service) never came back; log:\n\(log)")
    }

    func servicePIDs() async throws -> [String: Int32] {
        try await status().filter { Self.services.contains($0.key) }.mapValues(\.pid)
    }

    func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// GET `path` from recod's HTTP side (Python's urllib: an independent HTTP/1.1 client).
    func get(_ path: String) async throws -> String {
        try await run("python3", ["-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())",
                                  "http://127.0.0.1:\(metricsPort)\(path)"]).output
    }

    func scrape() async throws -> String { try await get("/metrics") }

    /// `count` refreshes through ABRouter, one per new user `<prefix><n>`.
    func refreshes(_ count: Int, userPrefix: String, via router: RPCClient) async throws {
        for i in 0..<count {
            let _: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: "\(userPrefix)\(i)", channelID: 0, articleNum: 3,
                                                  timeStamp: Int64(Date().timeIntervalSince1970 * 1000)), timeout: safetyTimeout)
        }
    }
}

struct SuiteFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("recod over the five real services", .serialized)
struct RecodTests {
    @Test("starts in order, restarts crashed and hung programs, gives up on a doomed one, controls one program, stops cleanly")
    func supervisesTheSuite() async throws {
        let suite = SupervisedSuite()
        try await suite.prepare()
        try await suite.start()
        var status = try await suite.waitFor("all five RUNNING and Doomed FATAL") { s in
            SupervisedSuite.services.allSatisfy { s[$0]?.state == "RUNNING" } && s["Doomed"]?.state == "FATAL"
        }
        // Dependency order: each started after the one before it was running.
        let log = suite.log
        let order = SupervisedSuite.services.map { log.range(of: "\($0) spawned")!.lowerBound }
        #expect(order == order.sorted())
        #expect(log.contains("Doomed FATAL: 3 failed starts in a row"))

        // kill -9 each in turn: back, SERVING, with a new pid.
        var backIn: [String: Duration] = [:]
        for service in SupervisedSuite.services {
            let old = status[service]!.pid
            let killed = ContinuousClock.now
            kill(old, SIGKILL)
            backIn[service] = try await suite.waitServing(service, since: killed)
            status = try await suite.waitFor("\(service) RUNNING again") { $0[service]?.state == "RUNNING" && $0[service]?.pid != old }
            #expect(status[service]!.restarts >= 1)
            #expect(status[service]!.lastExit == "signal 9 (KILL)")
        }
        print("recod: SERVING again after kill -9 in \(backIn.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", "))")

        // A hung program (SIGSTOP) is found by its health check and replaced.
        let hung = status["SortService"]!.pid
        kill(hung, SIGSTOP)
        status = try await suite.waitFor("the stopped SortService replaced") { $0["SortService"]?.pid != hung && $0["SortService"]?.state == "RUNNING" }
        #expect(suite.log.contains("SortService has not answered its health check"))

        // One program stopped and started by hand; the others untouched.
        let before = try await suite.servicePIDs()
        _ = try await suite.control("stop", "CacheService")
        status = try await suite.waitFor("CacheService STOPPED") { $0["CacheService"]?.state == "STOPPED" }
        #expect(!suite.processExists(before["CacheService"]!))
        _ = try await suite.control("start", "CacheService")
        status = try await suite.waitFor("CacheService RUNNING") { $0["CacheService"]?.state == "RUNNING" }
        let after = try await suite.servicePIDs()
        for service in SupervisedSuite.services where service != "CacheService" { #expect(after[service] == before[service], "\(service) was touched") }
        do {
            _ = try await suite.control("restart", "NoSuchProgram")
            Issue.record("an unknown program was accepted")
        } catch {
            #expect((error as? RPCError)?.code == .notFound, "\(error)")
        }

        // SIGTERM recod under load: every child gone; calls in flight end OK or UNAVAILABLE.
        let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!), configuration: .init(maxBackoff: .milliseconds(50)))
        let answered = Atomic<Int>(0)
        let load = Task {
            var codes: [String: Int] = [:]
            var time = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
            while !Task.isCancelled {
                time += 1
                do {
                    let _: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: String(Int.random(in: 1...40)), channelID: 0, articleNum: 3, timeStamp: time), timeout: .seconds(10))
                    codes["ok", default: 0] += 1
                    answered.add(1, ordering: .relaxed)
                } catch let error as RPCError {
                    codes["\(error.code)", default: 0] += 1
                } catch {
                    codes["\(error)", default: 0] += 1
                }
            }
            return codes
        }
        // Under load: some calls answered before the signal.
        while answered.load(ordering: .relaxed) < 20 { try await Task.sleep(for: .milliseconds(10)) }
        let pids = try await suite.servicePIDs()
        suite.recod!.signal(SIGTERM)
        try await suite.recod!.waitForExit()
        load.cancel()
        let codes = await load.value
        router.shutdown()
        #expect((codes["ok"] ?? 0) > 0, "\(codes)")
        #expect(Set(codes.keys).isSubset(of: ["ok", "unavailable", "cancelled"]), "\(codes)")
        for (service, pid) in pids { #expect(!suite.processExists(pid), "\(service) survived recod's SIGTERM") }
        #expect(suite.log.contains("recod stopped"))
    }

    @Test("recod serves every program's metrics in the Prometheus format; totals carry across a program's restart")
    func prometheusEndpoint() async throws {
        let suite = SupervisedSuite()
        try await suite.prepare()
        try await suite.start()
        _ = try await suite.waitFor("all five RUNNING") { status in SupervisedSuite.services.allSatisfy { status[$0]?.state == "RUNNING" } }
        let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!))
        func calls(_ text: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix("rpc_server_calls_total{") && $0.contains(#"method="/UserRecommend/user_recommend""#)
                && $0.contains(#"code="ok""#) && $0.contains(#"program="ABRouter""#) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        // Five users twice: the second refreshes take from the cache.
        try await suite.refreshes(5, userPrefix: "m", via: router)
        try await suite.refreshes(5, userPrefix: "m", via: router)
        let first = try await suite.scrape()
        #expect(first.contains("# TYPE rpc_server_calls_total counter") && first.contains("# TYPE rpc_server_latency_seconds histogram"), "\(first.prefix(2000))")
        #expect(calls(first) == 10, "\(first.prefix(3000))")
        #expect(first.contains(#"recod_program_running{program="ABRouter"} 1"#) && first.contains(#"rpc_server_latency_seconds_bucket{method="/reco.Feed/feed",program="RecoCenter",le="+Inf"} "#))
        #expect(first.contains(#"cache_takes_total{result="hit",program="CacheService"}"#) && first.contains(#"artifact_version{version="#))
        // What the callers waited for: ABRouter's calls to RecoCenter, and RecoCenter's durable history appends.
        func value(_ name: String, _ labels: [String]) -> Double? {
            first.split(separator: "\n").first { $0.hasPrefix(name + "{") && labels.allSatisfy($0.contains) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value("rpc_client_calls_total", [#"method="/reco.Feed/feed""#, #"code="ok""#, #"program="ABRouter""#]) == 10, "\(first.prefix(3000))")
        #expect(value("rpc_client_latency_seconds_count", [#"method="/reco.Feed/feed""#, #"program="ABRouter""#]) == 10)
        #expect(value("history_append_seconds_count", [#"program="RecoCenter""#]) == 10)

        // A restart is answered once the old process is told to stop: wait for
        // the new one, or a health check may still reach the old.
        let old = try await suite.status()["ABRouter"]?.pid
        _ = try await suite.control("restart", "ABRouter")
        _ = try await suite.waitFor("a new ABRouter") { $0["ABRouter"].map { $0.pid != old && $0.state == "RUNNING" } ?? false }
        _ = try await suite.waitServing("ABRouter", since: .now)
        try await suite.refreshes(3, userPrefix: "m", via: router)
        let second = try await suite.scrape()
        #expect(calls(second) == 13, "ABRouter restarted: 10 before, 3 after")
        #expect(second.contains(#"recod_program_restarts_total{program="ABRouter"}"#))
        router.shutdown()
        suite.recod!.signal(SIGTERM)
        try await suite.recod!.waitForExit()
    }

    @Test("the dashboard draws the suite's live figures in a real headless Chromium, matching /metrics; a screenshot is kept")
    func dashboardInChromium() async throws {
        let suite = SupervisedSuite()
        try await suite.prepare()
        try await suite.start()
        _ = try await suite.waitFor("all five RUNNING") { status in SupervisedSuite.services.allSatisfy { status[$0]?.state == "RUNNING" } }
        let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!))
        try await suite.refreshes(12, userPrefix: "d", via: router)
        // Two strategies' exposures and clicks: the A/B read-out's input.
        for (strategy, exposures, clicks) in [("Algo-1", 40, 6), ("Algo-2", 30, 2)] {
            for i in 0..<exposures {
                let _: Ack = try await router.unary("/Behavior/report", Action(userID: "ab\(i)", articleID: Int64(1 + i % 50), action: i < clicks ? "click" : "exposure",
                                                                            algorithmCombine: strategy), timeout: safetyTimeout)
            }
        }
        let url = "http://127.0.0.1:\(suite.metricsPort)/"
        let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("test-artifacts").path
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let chromium = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(suite.directory)/chromium"]
        // The page fetches /metrics every 2 s: 7 s of virtual time draws it several times.
        let (status, dom) = try await run("chromium", chromium + ["--virtual-time-budget=7000", "--dump-dom", url])
        _ = try await run("chromium", chromium + ["--virtual-time-budget=7000", "--window-size=1280,1500", "--screenshot=\(artifacts)/dashboard.png", url])
        let metrics = try await suite.scrape()
        func metric(_ name: String, _ labels: [String]) -> Int {
            Int(metrics.split(separator: "\n").filter { line in line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) } }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +))
        }
        func shown(_ pattern: Regex<(Substring, Substring)>) -> Int? { dom.firstMatch(of: pattern).flatMap { Int($0.1) } }
        #expect(status == 0 && (shown(/data-updates="(\d+)"/) ?? 0) >= 2, "the page drew itself from live data: \(dom.prefix(500))")
        #expect(dom.contains(#"data-program="ABRouter" data-running="1""#) && dom.contains(#"data-program="SortService" data-running="1""#))
        let calls = metric("rpc_server_calls_total", [#"method="/UserRecommend/user_recommend""#, #"program="ABRouter""#])
        #expect(calls == 12 && shown(/data-program="ABRouter" data-method="\/UserRecommend\/user_recommend" data-calls="(\d+)"/) == calls)
        for strategy in ["Algo-1", "Algo-2"] {
            let exposures = metric("events_ingested_total", [#"action="exposure""#, #"strategy="\#(strategy)""#])
            let clicks = metric("events_ingested_total", [#"action="click""#, #"strategy="\#(strategy)""#])
            let row = try Regex<(Substring, Substring, Substring)>(#"data-strategy="\#(strategy)" data-exposures="(\d+)" data-clicks="(\d+)""#)
            let match = dom.firstMatch(of: row)
            #expect(match.map { (Int($0.1), Int($0.2)) } ?? (nil, nil) == (exposures, clicks) && exposures > 0, "\(strategy): \(exposures) exposures, \(clicks) clicks")
        }
        #expect(dom.contains(#"data-arms="2""#) && dom.contains(#"data-figure="hit-rate""#))
        #expect(FileManager.default.fileExists(atPath: "\(artifacts)/dashboard.png"))
        // No external assets: the page works offline.
        let page = try await suite.get("/")
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("@import"))
        router.shutdown()
        suite.recod!.signal(SIGTERM)
        try await suite.recod!.waitForExit()
    }

    @Test("every history batch a user was served survives kill -9 of RecoCenter and pages back unchanged")
    func historySurvivesKill() async throws {
        let suite = SupervisedSuite()
        try await suite.prepare()
        try await suite.start()
        var status = try await suite.waitFor("all RUNNING") { s in SupervisedSuite.services.allSatisfy { s[$0]?.state == "RUNNING" } }
        let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!))
        var served: [(time: Int64, items: [Int64])] = []
        var time = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        for _ in 0..<12 {
            time += 1000
            let track: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: "21", channelID: 2, articleNum: 2, timeStamp: time), timeout: safetyTimeout)
            if track.recommends.isEmpty { break }
            served.append((time, track.recommends.map(\.articleID)))
        }
        #expect(served.count >= 5)
        let old = status["RecoCenter"]!.pid
        kill(old, SIGKILL)
        status = try await suite.waitFor("RecoCenter back") { $0["RecoCenter"]?.state == "RUNNING" && $0["RecoCenter"]?.pid != old }
        // Page back from the newest batch: every one, in order, with the time of the one before.
        var page = served.last!.time
        for index in stride(from: served.count - 1, through: 0, by: -1) {
            let track: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: "21", channelID: 2, articleNum: 2, timeStamp: page), timeout: safetyTimeout)
            #expect(track.recommends.map(\.articleID) == served[index].items, "batch \(index)")
            #expect(track.timeStamp == (index > 0 ? served[index - 1].time : 0))
            page = track.timeStamp
        }
        router.shutdown()
        suite.recod!.signal(SIGTERM)
        try await suite.recod!.waitForExit()
    }

    @Test("recod killed with SIGKILL leaves no orphans, and a new recod starts on the same ports")
    func noOrphans() async throws {
        let suite = SupervisedSuite()
        try await suite.prepare()
        try await suite.start()
        _ = try await suite.waitFor("all RUNNING") { s in SupervisedSuite.services.allSatisfy { s[$0]?.state == "RUNNING" } }
        let pids = try await suite.servicePIDs()
        suite.recod!.signal(SIGKILL)
        try await suite.recod!.waitForExit()
        let end = ContinuousClock.now + safetyTimeout
        while pids.values.contains(where: suite.processExists), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        for (service, pid) in pids { #expect(!suite.processExists(pid), "\(service) orphaned") }
        try await suite.start()
        _ = try await suite.waitFor("all RUNNING under the new recod") { s in SupervisedSuite.services.allSatisfy { s[$0]?.state == "RUNNING" } }
        suite.recod!.signal(SIGTERM)
        try await suite.recod!.waitForExit()
    }
}
