import Foundation

/// Runs blocking work (child processes, blocking sockets) on a thread of its
/// own: blocking Swift's cooperative pool, two threads on this machine,
/// would stall every other test's tasks meanwhile.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// The deadline of calls whose deadline is not what the test is about: long,
/// so a loaded machine (tests run in parallel on two cores) cannot fail them.
public let safetyTimeout = Duration.seconds(60)

/// Runs a program to completion (off the cooperative pool) and returns its standard output.
public func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await offThePool { try runBlocking(executable, arguments) }
}

public func runBlocking(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.standardError
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Where the build put the executables (next to the test bundle).
public let productsDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
