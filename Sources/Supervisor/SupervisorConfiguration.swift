public import RPC
import Foundation

/// One `[program:NAME]` section of deploy/recod.conf (supervisord's keys and meanings).
public struct ProgramConfiguration: Sendable, Equatable {
    public var name: String
    /// The command line, split on spaces (no shell).
    public var command: [String] = []
    public var autostart = true
    public var autorestart = true
    /// Seconds a start must stay up (and healthy) to count as started.
    public var startsecs = 1.0
    /// Failed starts in a row before the program goes FATAL.
    public var startretries = 3
    public var stopsignal: Int32 = SIGTERM
    /// Seconds between the stop signal and SIGKILL.
    public var stopwaitsecs = 10.0
    public var stdoutLogfile: String?
    public var stdoutLogfileMaxbytes = 10 << 20
    public var stdoutLogfileBackups = 5
    /// host:port of its gRPC health service; nil = liveness by process only.
    public var health: String?
    /// Start order: lower first; stop in reverse.
    public var priority = 999
    public var directory: String?
    /// Variables set for this program on top of recod's environment and `[recod] environment`.
    public var environment: [String: String] = [:]

    public init(name: String) {
        self.name = name
    }
}

/// The `[recod]` section: the supervisor's own settings.
public struct SupervisorSettings: Sendable, Equatable {
    public var logfile: String?
    /// host:port of the control service `recoctl status|start|stop|restart` talks to.
    public var control = "127.0.0.1:50050"
    /// host:port of the Prometheus endpoint (`GET /metrics`) for the whole suite.
    public var metrics = "127.0.0.1:9100"
    /// Seconds between health checks of a running program.
    public var healthInterval = 0.5
    /// Seconds without a SERVING answer before a running program is restarted.
    public var healthTimeout = 3.0
    /// When the programs serve TLS (mTLS): the certificate, key and CA recod's health checks use.
    public var tlsCertificate: String?
    public var tlsPrivateKey: String?
    public var tlsCA: String?
    /// Variables set for every program (a program's own `environment` wins),
    /// e.g. the malloc tunables deploy/recod.conf sets.
    public var environment: [String: String] = [:]

    public init() {}

    /// TLS for recod's own calls to the programs (health, metrics); nil = cleartext.
    public var clientTLS: TLSConfiguration? {
        tlsCA.map { TLSConfiguration(certificateChainFile: tlsCertificate, privateKeyFile: tlsPrivateKey, trustRootsFile: $0) }
    }
}

public struct SupervisorConfiguration: Sendable, Equatable {
    public var settings = SupervisorSettings()
    public var programs: [ProgramConfiguration] = []

    public init() {}
}

/// A configuration problem, with where it is.
public struct ConfigurationProblem: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String
    public var description: String { "\(file):\(line): \(reason)" }

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }
}

extension SupervisorConfiguration {
    static let signals: [String: Int32] = ["TERM": SIGTERM, "INT": SIGINT, "QUIT": SIGQUIT, "HUP": SIGHUP, "KILL": SIGKILL, "USR1": SIGUSR1, "USR2": SIGUSR2]

    /// Parses supervisord-style INI: `[recod]` and `[program:NAME]` sections,
    /// `key = value` lines, `;` or `#` comments. Unknown keys, a program
    /// without a command and malformed values are errors, with file and line.
    public static func load(path: String) throws -> SupervisorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationProblem(file: path, line: 0, reason: "cannot read") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> SupervisorConfiguration {
        var configuration = SupervisorConfiguration()
        var section: String?
        var sectionLine = 0
        var program: ProgramConfiguration?
        func finishProgram() throws {
            guard let p = program else { return }
            guard !p.command.isEmpty else { throw ConfigurationProblem(file: file, line: sectionLine, reason: "program \(p.name): missing command") }
            guard !configuration.programs.contains(where: { $0.name == p.name }) else {
                throw ConfigurationProblem(file: file, line: sectionLine, reason: "program \(p.name) defined twice")
            }
            configuration.programs.append(p)
            program = nil
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var content = Substring(raw)
            if let comment = content.firstIndex(where: { $0 == ";" || $0 == "#" }) { content = content[..<comment] }
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            func fail(_ reason: String) -> ConfigurationProblem { ConfigurationProblem(file: file, line: line, reason: reason) }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw fail("unterminated section header") }
                try finishProgram()
                let name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                sectionLine = line
                if name == "recod" {
                    section = name
                } else if name.hasPrefix("program:"), name.count > 8 {
                    section = "program"
                    program = ProgramConfiguration(name: String(name.dropFirst(8)))
                } else {
                    throw fail("unknown section [\(name)]; expected [recod] or [program:NAME]")
                }
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            func number(_ v: String) throws -> Double {
                guard let n = Double(v), n >= 0, n.isFinite else { throw fail("\(key): '\(v)' is not a non-negative number") }
                return n
            }
            func integer(_ v: String) throws -> Int {
                guard let n = Int(v), n >= 0 else { throw fail("\(key): '\(v)' is not a non-negative integer") }
                return n
            }
            func boolean(_ v: String) throws -> Bool {
                switch v.lowercased() {
                case "true", "yes", "1", "on": return true
                case "false", "no", "0", "off": return false
                default: throw fail("\(key): '\(v)' is not true or false")
                }
            }
            /// supervisord's form: `KEY="value",KEY2=value2` (quotes keep commas and spaces).
            func environment(_ v: String) throws -> [String: String] {
                var pairs: [String: String] = [:], rest = Substring(v)
                while !rest.isEmpty {
                    guard let equals = rest.firstIndex(of: "="),
                          case let name = rest[..<equals].trimmingCharacters(in: .whitespaces),
                          !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                        throw fail("environment: expected KEY=value pairs separated by commas")
                    }
                    rest = rest[rest.index(after: equals)...].drop { $0 == " " }
                    var value = ""
                    if rest.first == "\"" {
                        guard let close = rest.dropFirst().firstIndex(of: "\"") else { throw fail("environment: unterminated quote in \(name)") }
                        value = String(rest[rest.index(after: rest.startIndex)..<close])
                        rest = rest[rest.index(after: close)...].drop { $0 == " " }
                        guard rest.isEmpty || rest.first == "," else { throw fail("environment: expected a comma after \(name)'s value") }
                    } else {
                        let end = rest.firstIndex(of: ",") ?? rest.endIndex
                        value = rest[..<end].trimmingCharacters(in: .whitespaces)
                        rest = rest[end...]
                    }
                    pairs[name] = value
                    rest = rest.drop { $0 == "," || $0 == " " }
                }
                return pairs
            }
            switch section {
            case "recod":
                switch key {
                case "logfile": configuration.settings.logfile = value
                case "control": configuration.settings.control = value
                case "metrics": configuration.settings.metrics = value
                case "health_interval": configuration.settings.healthInterval = try number(value)
                case "health_timeout": configuration.settings.healthTimeout = try number(value)
                case "tls_certificate": configuration.settings.tlsCertificate = value
                case "tls_private_key": configuration.settings.tlsPrivateKey = value
                case "tls_ca": configuration.settings.tlsCA = value
                case "environment": configuration.settings.environment = try environment(value)
                default: throw fail("unknown key '\(key)' in [recod]")
                }
            case "program":
                switch key {
                case "command": program!.command = value.split(separator: " ").map(String.init)
                case "autostart": program!.autostart = try boolean(value)
                case "autorestart": program!.autorestart = try boolean(value)
                case "startsecs": program!.startsecs = try number(value)
                case "startretries": program!.startretries = try integer(value)
                case "stopsignal":
                    guard let s = signals[value.uppercased().replacingOccurrences(of: "SIG", with: "")] else { throw fail("stopsignal: unknown signal '\(value)'") }
                    program!.stopsignal = s
                case "stopwaitsecs": program!.stopwaitsecs = try number(value)
                case "stdout_logfile": program!.stdoutLogfile = value
                case "stdout_logfile_maxbytes": program!.stdoutLogfileMaxbytes = try integer(value)
                case "stdout_logfile_backups": program!.stdoutLogfileBackups = try integer(value)
                case "health": program!.health = value
                case "priority": program!.priority = try integer(value)
                case "directory": program!.directory = value
                case "environment": program!.environment = try environment(value)
                default: throw fail("unknown key '\(key)' in [program:\(program!.name)]")
                }
            default:
                throw fail("'\(key)' outside any section")
            }
        }
        try finishProgram()
        configuration.programs.sort { ($0.priority, $0.name) < ($1.priority, $1.name) }
        return configuration
    }
}
