import Foundation

/// A helper process for a test (a Python server): started with a pipe on
/// stdin so it exits when the test closes it, and read until it prints its port.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Starts the process off the cooperative pool.
    static func start(_ executable: String, _ arguments: [String]) async throws -> ChildProcess {
        try await offThePool { try ChildProcess(executable, arguments) }
    }

    private init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// Reads lines until one starts with `prefix`; returns the rest of it.
    func waitForLine(prefix: String) async -> String? {
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
    func stop() async throws {
        try? input.fileHandleForWriting.close()
        try await waitForExit()
    }

    func waitForExit() async throws {
        try await offThePool { self.process.waitUntilExit() }
    }
}
