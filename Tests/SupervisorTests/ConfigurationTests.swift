import Foundation
@testable import Supervisor
import TestSupport
import Testing

@Suite("recod configuration and logs")
struct ConfigurationTests {
    @Test("the shipped deploy/recod.conf parses into the five services in start order")
    func shippedConfigurationParses() throws {
        let path = URL(fileURLWithPath: Fixture.experimentsPath).deletingLastPathComponent().appendingPathComponent("recod.conf").path
        let configuration = try SupervisorConfiguration.load(path: path)
        #expect(configuration.programs.map(\.name) == ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"])
        #expect(configuration.programs.allSatisfy { $0.health != nil && $0.autorestart && $0.startretries == 3 })
        #expect(configuration.settings.control == "127.0.0.1:50050")
        #expect(configuration.settings.environment["GLIBC_TUNABLES"] == "glibc.malloc.tcache_count=512")
    }

    @Test("the shipped replicas example runs two RecoCenters and two CacheServices, listed as endpoints in its suite file")
    func shippedReplicasConfigurationParses() throws {
        let deploy = URL(fileURLWithPath: Fixture.experimentsPath).deletingLastPathComponent()
        let configuration = try SupervisorConfiguration.load(path: deploy.appendingPathComponent("recod-replicas.conf").path)
        #expect(configuration.programs.map(\.name) == ["RecallService", "SortService", "CacheService", "CacheService-2", "RecoCenter", "RecoCenter-2", "ABRouter"])
        let suite = try JSONSerialization.jsonObject(with: Data(contentsOf: deploy.appendingPathComponent("suite-replicas.json"))) as? [String: Any]
        let services = suite?["services"] as? [String: [String: Any]]
        for (name, second) in [("RecoCenter", "50062"), ("CacheService", "50065")] {
            let endpoints = services?[name]?["endpoints"] as? [String] ?? []
            #expect(endpoints.count == 2 && endpoints[1].hasSuffix(second))
            #expect(configuration.programs.contains { $0.name == "\(name)-2" && $0.command.contains("127.0.0.1:\(second)") })
        }
    }

    @Test("environment: supervisord's KEY=value pairs for all programs and per program; the child sees them over recod's own")
    func environmentReachesThePrograms() throws {
        let configuration = try SupervisorConfiguration.parse("""
            [recod]
            environment = GLIBC_TUNABLES="glibc.malloc.tcache_count=512",RECO_SHARED=all
            [program:a]
            command = printenv
            environment = RECO_SHARED="mine, with a comma", RECO_EMPTY=
            """, file: "t.conf")
        #expect(configuration.settings.environment == ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=512", "RECO_SHARED": "all"])
        let program = try #require(configuration.programs.first)
        #expect(program.environment == ["RECO_SHARED": "mine, with a comma", "RECO_EMPTY": ""])

        let merged = configuration.settings.environment.merging(program.environment) { $1 }
        let child = try SpawnedProcess.spawn(["printenv", "GLIBC_TUNABLES", "RECO_SHARED", "PATH"], directory: nil, environment: merged)
        let output = String(decoding: FileHandle(fileDescriptor: child.output, closeOnDealloc: true).readDataToEndOfFile(), as: UTF8.self)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        #expect(output.split(separator: "\n") == ["glibc.malloc.tcache_count=512", "mine, with a comma", Substring(ProcessInfo.processInfo.environment["PATH"] ?? "")])
    }

    @Test("configuration errors name the file, the line and the reason", arguments: [
        ("[program:a]\ncommand = x\nbogus = 1\n", 3, "unknown key 'bogus'"),
        ("[program:a]\nautostart = true\n", 1, "missing command"),
        ("[program:a]\ncommand = x\nstartretries = three\n", 3, "not a non-negative integer"),
        ("[program:a]\ncommand = x\nstopwaitsecs = -1\n", 3, "not a non-negative number"),
        ("[program:a]\ncommand = x\nstopsignal = BOOM\n", 3, "unknown signal"),
        ("; comment\n[nonsense]\n", 2, "unknown section"),
        ("command = x\n", 1, "outside any section"),
        ("[recod]\nhealth_timeout = soon\n", 2, "not a non-negative number"),
        ("[recod]\nenvironment = A=\"open\n", 2, "unterminated quote"),
        ("[program:a]\ncommand = x\nenvironment = not a pair\n", 3, "expected KEY=value"),
        ("[program:a]\ncommand = x\n[program:a]\ncommand = y\n", 3, "defined twice"),
    ])
    func errorsNamePlace(text: String, line: Int, reason: String) {
        do {
            _ = try SupervisorConfiguration.parse(text, file: "test.conf")
            Issue.record("accepted: \(text)")
        } catch let problem as ConfigurationProblem {
            #expect(problem.file == "test.conf")
            #expect(problem.line == line, "\(problem)")
            #expect(problem.reason.contains(reason), "\(problem)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a log rotates past its size bound and keeps only its backups")
    func logsRotate() throws {
        let path = Fixture.temporaryDirectory("rotate") + "/p.log"
        let log = RotatingLog(path: path, maxBytes: 100, backups: 2)
        for i in 0..<10 { log.write(Data(String(repeating: "\(i)", count: 60).utf8)) }
        let fm = FileManager.default
        #expect(try String(contentsOfFile: path, encoding: .utf8) == String(repeating: "9", count: 60))
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8) == String(repeating: "8", count: 60))
        #expect(try String(contentsOfFile: path + ".2", encoding: .utf8) == String(repeating: "7", count: 60))
        #expect(!fm.fileExists(atPath: path + ".3"))
        let mode = try fm.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
