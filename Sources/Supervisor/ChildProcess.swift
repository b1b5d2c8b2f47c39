import CLinuxIO
import Foundation

/// A supervised child, as the kernel sees it. This file is the only one
/// here that touches process and pipe system calls.
struct SpawnedProcess: Sendable {
    let pid: Int32
    /// Read end of the pipe carrying the child's stdout and stderr.
    let output: Int32

    /// Must be called from the supervisor's own thread: the child dies with
    /// the thread that forked it (PR_SET_PDEATHSIG).
    /// `environment`: variables set on top of recod's own (none: recod's unchanged).
    static func spawn(_ command: [String], directory: String?, environment: [String: String] = [:]) throws -> SpawnedProcess {
        var fds: [Int32] = [0, 0]
        guard CLinuxIO_pipe(&fds) == 0 else { throw SpawnError("pipe: \(String(cString: strerror(errno)))") }
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.isEmpty ? [] :
            ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0)=\($1)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        let pid = argv.withUnsafeMutableBufferPointer { arguments in
            envp.withUnsafeMutableBufferPointer { variables in
                let env = variables.isEmpty ? nil : variables.baseAddress
                return directory.map { dir in dir.withCString { CLinuxIO_spawn(arguments.baseAddress, env, fds[1], $0) } }
                    ?? CLinuxIO_spawn(arguments.baseAddress, env, fds[1], nil)
            }
        }
        close(fds[1])
        guard pid > 0 else {
            close(fds[0])
            throw SpawnError("fork \(command.first ?? ""): \(String(cString: strerror(errno)))")
        }
        return SpawnedProcess(pid: pid, output: fds[0])
    }

    /// Reads the child's output until it closes (on a thread of its own).
    func pumpOutput(into log: RotatingLog?) {
        let thread = Thread { [pid] in
            CLinuxIO_name_thread("output \(pid)")
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                log?.write(Data(buffer[0..<n]))
            }
            close(output)
        }
        thread.start()
    }

    /// The exit status if it has exited (reaped now), nil while it runs.
    func reap() -> ExitStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 && errno == ECHILD ? .code(-1) : nil }
        // WIFEXITED / WTERMSIG, spelled out (macros are not imported).
        return status & 0x7f == 0 ? .code((status >> 8) & 0xff) : .signal(status & 0x7f)
    }

    /// Signals its whole process group (it leads one), like supervisord's stopasgroup/killasgroup.
    func signal(_ signal: Int32) {
        kill(-pid, signal)
    }
}

enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case code(Int32)
    case signal(Int32)

    var description: String {
        switch self {
        case .code(let c): "exit status \(c)"
        case .signal(let s): "signal \(s)\(s == SIGKILL ? " (KILL)" : s == SIGTERM ? " (TERM)" : s == SIGSEGV ? " (SEGV)" : "")"
        }
    }
}

struct SpawnError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
