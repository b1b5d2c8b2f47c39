import CLinuxIO
import Foundation

/// Process signals as an async sequence, so `main.swift` can wait for
/// SIGTERM/SIGINT (graceful stop) and SIGHUP (reload) without blocking.
///
/// A real handler writes the signal number to a pipe (the self-pipe trick;
/// `write` is async-signal-safe), so delivery does not depend on which
/// thread the kernel picks or on any thread's signal mask.
public enum ProcessSignal: Int32, Sendable {
    case terminate = 15
    case interrupt = 2
    case hangup = 1

    /// The signals in `wanted`, from now on; their default actions are replaced.
    public static func stream(_ wanted: [ProcessSignal]) -> AsyncStream<ProcessSignal> {
        let (stream, continuation) = AsyncStream<ProcessSignal>.makeStream()
        let pipe = SignalPipe.shared
        pipe.subscribe(continuation, to: wanted)
        for signalKind in wanted {
            signal(signalKind.rawValue, { number in SignalPipe.notify(number) })
        }
        return stream
    }
}

/// The pipe the handler writes to and a thread that reads it.
///
/// `@unchecked Sendable`: `subscribers` is guarded by `lock`; the file
/// descriptors are written once, before any handler is installed.
private final class SignalPipe: @unchecked Sendable {
    static let shared = SignalPipe()
    nonisolated(unsafe) static var writeFD: Int32 = -1

    private let lock = NSLock()
    private var subscribers: [(Set<Int32>, AsyncStream<ProcessSignal>.Continuation)] = []

    private init() {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        Self.writeFD = fds[1]
        let readFD = fds[0]
        let thread = Thread { [self] in
            CLinuxIO_name_thread("signals")
            // A parent may start us with signals blocked (Foundation's Process
            // does); this thread takes them, whatever the others' masks.
            var handled = sigset_t()
            sigemptyset(&handled)
            for kind in [ProcessSignal.terminate, .interrupt, .hangup] { sigaddset(&handled, kind.rawValue) }
            pthread_sigmask(SIG_UNBLOCK, &handled, nil)
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) == 1 {
                guard let kind = ProcessSignal(rawValue: Int32(byte)) else { continue }
                lock.lock()
                let targets = subscribers.filter { $0.0.contains(kind.rawValue) }.map(\.1)
                lock.unlock()
                for target in targets { target.yield(kind) }
            }
        }
        thread.start()
    }

    func subscribe(_ continuation: AsyncStream<ProcessSignal>.Continuation, to signals: [ProcessSignal]) {
        lock.lock()
        subscribers.append((Set(signals.map(\.rawValue)), continuation))
        lock.unlock()
    }

    /// Called from the signal handler: async-signal-safe only.
    static func notify(_ number: Int32) {
        var byte = UInt8(truncatingIfNeeded: number)
        _ = write(writeFD, &byte, 1)
    }
}

extension RPCServer {
    /// Serves until SIGTERM or SIGINT, then shuts down gracefully (GOAWAY,
    /// in-flight calls finish within `grace`). SIGHUP runs `onReload`, after
    /// reloading the TLS certificates.
    public func runUntilTerminated(grace: Duration = .seconds(5), onReload: @escaping @Sendable () -> Void = {}) async {
        for await signal in ProcessSignal.stream([.terminate, .interrupt, .hangup]) {
            if signal == .hangup {
                try? reloadTLS()
                onReload()
                continue
            }
            break
        }
        await shutdown(grace: grace)
    }
}
