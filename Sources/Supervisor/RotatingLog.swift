public import Foundation

/// A log file bounded in size: past `maxBytes` it is renamed to `.1` (older
/// ones shift up to `.backups`, the oldest dropped) and a new file begun.
/// Created owner-only (0600): service logs may name users.
public final class RotatingLog: @unchecked Sendable {
    public let path: String
    let maxBytes: Int
    let backups: Int
    private var handle: FileHandle?
    private var size = 0
    private let lock = NSLock()

    public init(path: String, maxBytes: Int, backups: Int) {
        self.path = path
        self.maxBytes = maxBytes
        self.backups = backups
    }

    public func write(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        if handle == nil { open() }
        if maxBytes > 0, size > 0, size + data.count > maxBytes { rotate() }
        handle?.write(data)
        size += data.count
    }

    private func open() {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        handle = FileHandle(forWritingAtPath: path)
        size = Int(handle?.seekToEndOfFile() ?? 0)
    }

    private func rotate() {
        try? handle?.close()
        handle = nil
        let fm = FileManager.default
        if backups > 0 {
            try? fm.removeItem(atPath: "\(path).\(backups)")
            for n in stride(from: backups - 1, through: 1, by: -1) where fm.fileExists(atPath: "\(path).\(n)") {
                try? fm.moveItem(atPath: "\(path).\(n)", toPath: "\(path).\(n + 1)")
            }
            try? fm.moveItem(atPath: path, toPath: "\(path).1")
        } else {
            try? fm.removeItem(atPath: path)
        }
        open()
    }
}
