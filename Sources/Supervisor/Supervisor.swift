import CLinuxIO
import Foundation
import RPC
import Synchronization

/// Keeps the programs alive, supervisord-style, from one dedicated thread
/// (children die with it: PR_SET_PDEATHSIG). Starts autostart programs in
/// priority order, each once the one before is RUNNING (up for `startsecs`
/// and, when it has a health endpoint, SERVING); restarts one that exits at
/// once; retries a failing start with growing backoff until `startretries`,
/// then FATAL; kills and restarts one whose health check stops answering;
/// stops everything in reverse order on shutdown.
public final class Supervisor: Sendable {
    public typealias DecisionLog = @Sendable (String) -> Void

    private let configuration: SupervisorConfiguration
    private let decide: DecisionLog
    private let commands = Mutex<[@Sendable (Supervisor.Loop) -> Void]>([])
    private let snapshot = Mutex<[ProgramStatus]>([])
    private let finished = DispatchSemaphore(value: 0)
    private let health: HealthProbe

    public init(configuration: SupervisorConfiguration, decisionLog: @escaping DecisionLog) {
        self.configuration = configuration
        decide = decisionLog
        let settings = configuration.settings
        health = HealthProbe(timeout: .milliseconds(Int(settings.healthInterval * 1000) + 500),
                             tls: settings.clientTLS)
    }

    /// Starts the supervising thread.
    public func start() {
        let thread = Thread { [self] in
            CLinuxIO_name_thread("recod")
            let loop = Loop(supervisor: self)
            loop.run()
            finished.signal()
        }
        thread.start()
    }

    public var status: [ProgramStatus] { snapshot.withLock { $0 } }

    /// Stops every program in reverse order and ends the thread; returns when done.
    public func shutdown() async {
        enqueue { $0.shuttingDown = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { [finished] in
                finished.wait()
                continuation.resume()
            }.start()
        }
        health.shutdown()
    }

    public enum Action: String, Sendable { case start, stop, restart }

    /// Starts, stops or restarts one program, leaving the others alone.
    public func control(_ action: Action, _ name: String) async -> Result<String, SupervisorError> {
        await withCheckedContinuation { continuation in
            enqueue { loop in continuation.resume(returning: loop.control(action, name)) }
        }
    }

    private func enqueue(_ command: @escaping @Sendable (Supervisor.Loop) -> Void) {
        commands.withLock { $0.append(command) }
    }

    /// The thread's state and decisions. Not Sendable: only the thread has it.
    final class Loop {
        let supervisor: Supervisor
        let programs: [Program]
        var shuttingDown = false
        let tick = 0.01

        init(supervisor: Supervisor) {
            self.supervisor = supervisor
            programs = supervisor.configuration.programs.map(Program.init)
        }

        var settings: SupervisorSettings { supervisor.configuration.settings }
        func decide(_ line: String) { supervisor.decide(line) }

        func run() {
            for program in programs where !program.configuration.autostart { program.state = .stopped }
            var autostartPending = programs.filter(\.configuration.autostart).map(\.name)
            while true {
                for command in supervisor.commands.withLock({ c in defer { c.removeAll() }; return c }) { command(self) }
                let now = ContinuousClock.now
                for program in programs { reap(program, now) }
                if shuttingDown {
                    if stopInReverse(now) { publish(); return }
                } else {
                    // Dependency order: the next autostart program starts once the previous is up.
                    if let next = autostartPending.first, let program = programs.first(where: { $0.name == next }) {
                        if program.state == .stopped { launch(program, now) }
                        if program.state == .running || program.state == .fatal { autostartPending.removeFirst() }
                    }
                    for program in programs { advance(program, now) }
                }
                publish()
                Thread.sleep(forTimeInterval: tick)
            }
        }

        func launch(_ program: Program, _ now: ContinuousClock.Instant) {
            do {
                let process = try SpawnedProcess.spawn(program.configuration.command, directory: program.configuration.directory,
                                                       environment: settings.environment.merging(program.configuration.environment) { $1 })
                process.pumpOutput(into: program.log)
                program.process = process
                program.state = .starting
                program.startedAt = now
                program.startedWall = Date()
                program.lastServing = now
                program.lastHealthCheck = now - .seconds(3600)
                supervisor.health.forget(program.name)
                decide("\(program.name) spawned with pid \(process.pid)")
            } catch {
                decide("\(program.name) could not be spawned: \(error)")
                failedStart(program, now)
            }
        }

        func failedStart(_ program: Program, _ now: ContinuousClock.Instant) {
            program.process = nil
            program.startFailures += 1
            if program.startFailures > program.configuration.startretries {
                program.state = .fatal
                decide("\(program.name) FATAL: \(program.startFailures) failed starts in a row (startretries = \(program.configuration.startretries))")
            } else {
                let wait = Duration.milliseconds(min(100 << (program.startFailures - 1), 5000))
                program.state = .backoff
                program.nextAttempt = now + wait
                decide("\(program.name) failed to start (\(program.startFailures) of \(program.configuration.startretries + 1)); retrying in \(wait.milliseconds) ms")
            }
        }

        /// Collects an exited child and decides what follows.
        func reap(_ program: Program, _ now: ContinuousClock.Instant) {
            guard let process = program.process, let status = process.reap() else { return }
            program.process = nil
            program.lastExit = status
            switch program.state {
            case .stopping:
                program.state = .stopped
                decide("\(program.name) stopped (\(status))")
                if program.restartAfterStop && !shuttingDown {
                    program.restartAfterStop = false
                    program.restarts += 1
                    launch(program, now)
                }
            case .starting:
                decide("\(program.name) exited during start-up with \(status)")
                failedStart(program, now)
            default:
                if program.configuration.autorestart && !shuttingDown {
                    program.restarts += 1
                    decide("\(program.name) exited with \(status); restarting in 0 ms (restart \(program.restarts))")
                    launch(program, now)
                } else {
                    program.state = .exited
                    decide("\(program.name) exited with \(status); not restarting (autorestart = false)")
                }
            }
        }

        func advance(_ program: Program, _ now: ContinuousClock.Instant) {
            switch program.state {
            case .backoff:
                if let at = program.nextAttempt, now >= at { launch(program, now) }
            case .starting:
                checkHealth(program, now)
                let upLongEnough = program.startedAt.duration(to: now) >= .milliseconds(Int(program.configuration.startsecs * 1000))
                let healthy = program.configuration.health == nil || supervisor.health.servingSince(program.name, program.startedAt)
                if upLongEnough && healthy {
                    program.state = .running
                    program.startFailures = 0
                    program.lastServing = now
                    decide("\(program.name) RUNNING (pid \(program.process?.pid ?? 0), up \(program.startedAt.duration(to: now).milliseconds) ms)")
                } else if !healthy, program.startedAt.duration(to: now) > .milliseconds(Int((program.configuration.startsecs + settings.healthTimeout) * 1000) + 5000) {
                    decide("\(program.name) never answered its health check; killing it")
                    program.process?.signal(SIGKILL)
                }
            case .running:
                guard program.configuration.health != nil else { return }
                checkHealth(program, now)
                if supervisor.health.servingSince(program.name, program.lastServing) { program.lastServing = supervisor.health.lastServing(program.name) ?? program.lastServing }
                let silent = program.lastServing.duration(to: now)
                if silent > .milliseconds(Int(settings.healthTimeout * 1000)) {
                    decide("\(program.name) has not answered its health check for \(silent.milliseconds) ms; killing pid \(program.process?.pid ?? 0) to restart it")
                    program.process?.signal(SIGKILL)
                    program.lastServing = now
                }
            case .stopping:
                if let deadline = program.stopDeadline, now >= deadline {
                    decide("\(program.name) did not stop within \(program.configuration.stopwaitsecs) s; sending SIGKILL")
                    program.process?.signal(SIGKILL)
                    program.stopDeadline = nil
                }
            default:
                break
            }
        }

        func checkHealth(_ program: Program, _ now: ContinuousClock.Instant) {
            guard let endpoint = program.configuration.health,
                  program.lastHealthCheck.duration(to: now) >= .milliseconds(Int(settings.healthInterval * 1000)) else { return }
            program.lastHealthCheck = now
            supervisor.health.probe(program.name, endpoint)
        }

        func stop(_ program: Program, _ now: ContinuousClock.Instant) {
            switch program.state {
            case .starting, .running:
                program.state = .stopping
                program.stopDeadline = now + .milliseconds(Int(program.configuration.stopwaitsecs * 1000))
                program.process?.signal(program.configuration.stopsignal)
                decide("\(program.name) stopping (pid \(program.process?.pid ?? 0), signal \(program.configuration.stopsignal))")
            case .backoff, .exited, .fatal:
                program.state = .stopped
            default:
                break
            }
        }

        /// One program at a time, last started first; true when all are down.
        func stopInReverse(_ now: ContinuousClock.Instant) -> Bool {
            for program in programs.reversed() {
                if program.state == .stopping {
                    advance(program, now)
                    return false
                }
                if program.process != nil {
                    stop(program, now)
                    return false
                }
                if program.state != .stopped { program.state = .stopped }
            }
            return true
        }

        func control(_ action: Action, _ name: String) -> Result<String, SupervisorError> {
            guard let program = programs.first(where: { $0.name == name }) else { return .failure(SupervisorError("no program named \(name)")) }
            let now = ContinuousClock.now
            switch action {
            case .start:
                guard program.process == nil else { return .failure(SupervisorError("\(name) is already \(program.state.rawValue)")) }
                program.startFailures = 0
                decide("\(name) start requested")
                launch(program, now)
                return .success("\(name) starting")
            case .stop:
                guard program.process != nil else { program.state = .stopped; return .success("\(name) is not running") }
                decide("\(name) stop requested")
                stop(program, now)
                return .success("\(name) stopping")
            case .restart:
                decide("\(name) restart requested")
                program.startFailures = 0
                if program.process == nil {
                    launch(program, now)
                } else {
                    program.restartAfterStop = true
                    stop(program, now)
                }
                return .success("\(name) restarting")
            }
        }

        func publish() {
            let now = ContinuousClock.now
            let statuses = programs.map { p in
                ProgramStatus(name: p.name, state: p.state, pid: p.process?.pid ?? 0,
                              uptimeSeconds: p.process == nil ? 0 : Int64(p.startedAt.duration(to: now).components.seconds),
                              restarts: Int64(p.restarts), lastExit: p.lastExit?.description ?? "")
            }
            supervisor.snapshot.withLock { $0 = statuses }
        }
    }
}

public struct SupervisorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
