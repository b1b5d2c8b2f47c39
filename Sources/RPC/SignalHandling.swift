import Foundation

/// Process signals as an async sequence, so `main.swift` can wait for
/// SIGTERM/SIGINT (graceful stop) and SIGHUP (reload) without blocking.
public enum ProcessSignal: Int32, Sendable {
    case terminate = 15
    case interrupt = 2
    case hangup = 1

    /// The signals in `wanted`, from now on; their default actions are disabled.
    public static func stream(_ wanted: [ProcessSignal]) -> AsyncStream<ProcessSignal> {
        let (stream, continuation) = AsyncStream<ProcessSignal>.makeStream()
        let queue = DispatchQueue(label: "signals")
        let sources = wanted.map { signalKind -> any DispatchSourceSignal in
            signal(signalKind.rawValue, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalKind.rawValue, queue: queue)
            source.setEventHandler { continuation.yield(signalKind) }
            source.resume()
            return source
        }
        let holder = SourceHolder(sources)
        continuation.onTermination = { _ in holder.cancel() }
        return stream
    }
}

/// Keeps the signal sources alive for as long as the stream is.
private final class SourceHolder: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { for source in sources { source.cancel() } }
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
