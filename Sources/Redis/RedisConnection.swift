import CHiredis
import CLinuxIO
import Foundation
import Synchronization

/// One connection to one Redis server, owned by one thread that does the
/// blocking hiredis I/O, so no caller's thread ever waits on the network.
/// Whatever callers queued while the thread was busy goes out as a single
/// pipeline (one write, then the replies in order): concurrent requests
/// share round trips. After an I/O error the connection is dropped; the next
/// request reconnects. This file is the only one that touches hiredis.
final class RedisConnection: Sendable {
    private struct Job: Sendable {
        let commands: [RedisCommand]
        let continuation: CheckedContinuation<[RedisReply], any Error>
    }

    let address: RedisAddress
    private let queue = Mutex<(jobs: [Job], closed: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)
    /// How long to wait for a connection, and for a reply.
    static let connectTimeout = timeval(tv_sec: 1, tv_usec: 0)
    static let replyTimeout = timeval(tv_sec: 5, tv_usec: 0)

    init(address: RedisAddress) {
        self.address = address
        let thread = Thread { [self] in
            CLinuxIO_name_thread("redis \(address.port) \(address.host)")
            serve()
        }
        thread.start()
    }

    /// Sends `commands` in one pipeline; their replies, in order (error replies included).
    func send(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.jobs.append(Job(commands: commands, continuation: continuation))
                return true
            }
            if accepted {
                wake.signal()
            } else {
                continuation.resume(throwing: RedisError("connection to \(address) closed"))
            }
        }
    }

    /// Answers what is queued, then closes the connection.
    func close() {
        queue.withLock { $0.closed = true }
        wake.signal()
    }

    private func serve() {
        var context: UnsafeMutablePointer<redisContext>?
        defer { if let context { redisFree(context) } }
        while true {
            wake.wait()
            let (jobs, closed) = queue.withLock { state in
                defer { state.jobs = [] }
                return (state.jobs, state.closed)
            }
            if jobs.isEmpty {
                if closed { return }
                continue
            }
            if context == nil {
                switch connect() {
                case .success(let connected): context = connected
                case .failure(let error):
                    for job in jobs { job.continuation.resume(throwing: error) }
                    continue
                }
            }
            guard let connected = context else { continue }
            if let error = exchange(connected, jobs) {
                logFailure(error)
                redisFree(connected)
                context = nil
            }
            if closed && queue.withLock({ $0.jobs.isEmpty }) { return }
        }
    }

    private func logFailure(_ error: RedisError) {
        FileHandle.standardError.write(Data("redis \(address): \(error); reconnecting on the next request\n".utf8))
    }

    /// Writes every job's commands, then reads every reply; resumes each job.
    /// Returns the I/O error that broke the connection, if one did.
    private func exchange(_ context: UnsafeMutablePointer<redisContext>, _ jobs: [Job]) -> RedisError? {
        for job in jobs { for command in job.commands { append(context, command) } }
        var failure: RedisError?
        for job in jobs {
            if let failure {
                job.continuation.resume(throwing: failure)
                continue
            }
            var replies: [RedisReply] = []
            replies.reserveCapacity(job.commands.count)
            for _ in job.commands {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                    failure = RedisError("\(address): \(Self.message(context))")
                    break
                }
                replies.append(Self.reply(raw.assumingMemoryBound(to: redisReply.self)))
                freeReplyObject(raw)
            }
            if let failure {
                job.continuation.resume(throwing: failure)
            } else {
                job.continuation.resume(returning: replies)
            }
        }
        return failure
    }

    private func connect() -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        let opened = address.socketPath.map { redisConnectUnixWithTimeout($0, Self.connectTimeout) }
            ?? redisConnectWithTimeout(address.host, Int32(address.port), Self.connectTimeout)
        guard let context = opened else {
            return .failure(RedisError("\(address): cannot allocate a connection"))
        }
        if context.pointee.err != 0 {
            let message = Self.message(context)
            redisFree(context)
            return .failure(RedisError("\(address): \(message)"))
        }
        redisSetTimeout(context, Self.replyTimeout)
        var setup: [RedisCommand] = []
        if let password = address.password { setup.append(RedisCommand("AUTH", password)) }
        if address.database != 0 { setup.append(RedisCommand("SELECT", address.database)) }
        for command in setup {
            append(context, command)
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                let message = Self.message(context)
                redisFree(context)
                return .failure(RedisError("\(address): \(message)"))
            }
            let reply = Self.reply(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            if let error = reply.errorMessage {
                redisFree(context)
                return .failure(RedisError("\(address): \(String(decoding: command.arguments[0], as: UTF8.self)): \(error)"))
            }
        }
        return .success(context)
    }

    private func append(_ context: UnsafeMutablePointer<redisContext>, _ command: RedisCommand) {
        // One buffer holding every argument back to back; argv points into it.
        let joined = command.arguments.flatMap { $0 }
        let lengths = command.arguments.map(\.count)
        joined.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(lengths.count)
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            _ = redisAppendCommandArgv(context, Int32(lengths.count), &pointers, lengths)
        }
    }

    private static func message(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }.nonEmpty ?? "connection lost"
    }

    private static func reply(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = r.str, r.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: Int(r.len)))
        }
        switch r.type {
        case REDIS_REPLY_STRING: return .string(bytes())
        case REDIS_REPLY_INTEGER: return .integer(r.integer)
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(r.elements)).map { i in r.element[i].map(Self.reply) ?? .null })
        default: return .null
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
