import Foundation

/// recod's own log: every decision, one timestamped line, to stderr and to
/// the [recod] logfile (size-bounded).
public struct DecisionLog: Sendable {
    let file: RotatingLog?

    public init(path: String?) {
        file = path.map { RotatingLog(path: $0, maxBytes: 10 << 20, backups: 3) }
    }

    public func write(_ line: String) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let text = Data("\(formatter.string(from: Date())) \(line)\n".utf8)
        FileHandle.standardError.write(text)
        file?.write(text)
    }
}
