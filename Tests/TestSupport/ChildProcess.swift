public import Foundation

/// A helper process for a test (a Python server, one of our services):
/// started with a pipe on stdin so helpers exit when the test closes it, and
/// read until it prints its port.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Starts the process off the cooperative pool.
    /// `errorLog`: where its standard error goes (ours when nil).
    public static func start(_ executable: String, _ arguments: [String], errorLog: String? = nil) async throws -> ChildProcess {
        try await offThePool { try ChildProcess(executable, arguments, errorLog: errorLog) }
    }

    private init(_ executable: String, _ arguments: [String], errorLog: String?) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardInput = input
        process.standardOutput = output
        if let errorLog {
            _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: errorLog)
        } else {
            process.standardError = FileHandle.standardError
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` (SIGKILL, SIGTERM, SIGSTOP...).
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Reads lines until one starts with `prefix`; returns the rest of it.
    public func waitForLine(prefix: String) async -> String? {
        (try? await offThePool { self.readLine(prefix: prefix) }) ?? nil
    }

    private func readLine(prefix: String) -> String? {
        var buffer = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
        }
    }

    /// Closes its standard input (our helpers exit on that) and waits.
    public func stop() async throws {
        try? input.fileHandleForWriting.close()
        try await waitForExit()
    }

    public func waitForExit() async throws {
        try await offThePool { self.process.waitUntilExit() }
    }
}
