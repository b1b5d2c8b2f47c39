import Foundation

/// supervisord's process states.
public enum ProgramState: String, Sendable {
    case stopped = "STOPPED", starting = "STARTING", running = "RUNNING", backoff = "BACKOFF"
    case stopping = "STOPPING", exited = "EXITED", fatal = "FATAL"
}

/// One program as the supervisor's thread tracks it (only that thread touches it).
final class Program {
    let configuration: ProgramConfiguration
    let log: RotatingLog?
    var state = ProgramState.stopped
    var process: SpawnedProcess?
    var startedAt = ContinuousClock.now
    var startedWall = Date()
    /// Failed starts in a row (reset once a start succeeds).
    var startFailures = 0
    var restarts = 0
    var nextAttempt: ContinuousClock.Instant?
    var stopDeadline: ContinuousClock.Instant?
    /// Start again once stopped (restart), rather than stay stopped.
    var restartAfterStop = false
    /// When the watchdog last saw it SERVING (or when it started).
    var lastServing = ContinuousClock.now
    var lastHealthCheck = ContinuousClock.now - .seconds(3600)
    var lastExit: ExitStatus?

    init(_ configuration: ProgramConfiguration) {
        self.configuration = configuration
        log = configuration.stdoutLogfile.map {
            RotatingLog(path: $0, maxBytes: configuration.stdoutLogfileMaxbytes, backups: configuration.stdoutLogfileBackups)
        }
    }

    var name: String { configuration.name }
}

/// What `recoctl status` shows of a program.
public struct ProgramStatus: Sendable, Equatable {
    public let name: String
    public let state: ProgramState
    public let pid: Int32
    public let uptimeSeconds: Int64
    public let restarts: Int64
    public let lastExit: String

    public init(name: String, state: ProgramState, pid: Int32, uptimeSeconds: Int64, restarts: Int64, lastExit: String) {
        self.name = name
        self.state = state
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.restarts = restarts
        self.lastExit = lastExit
    }
}
