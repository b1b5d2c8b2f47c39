public import Redis
import Synchronization

/// A Lua script run by its SHA1 (EVALSHA) once a server knows it; the first
/// run, and any run on a server that lost it (a restart, another Cluster
/// node), sends the text (EVAL), which also teaches the server.
public final class RedisScript: Sendable {
    let source: String
    let digest = Mutex<String?>(nil)

    public init(_ source: String) {
        self.source = source
    }

    public func run(on redis: RedisClient, keys: [String], arguments: [any RedisArgument]) async throws(StoreError) -> RedisReply {
        let tail: [any RedisArgument] = [keys.count] + keys.map { $0 as any RedisArgument } + arguments
        if let sha = digest.withLock({ $0 }) {
            let reply: RedisReply
            do { reply = try await redis.send(RedisCommand(["EVALSHA", sha] + tail)) } catch { throw StoreError("redis: \(error)") }
            if reply.errorMessage?.hasPrefix("NOSCRIPT") != true {
                if let message = reply.errorMessage { throw StoreError("redis script: \(message)") }
                return reply
            }
        }
        let replies = try await redis.replies([RedisCommand(["EVAL", source] + tail), RedisCommand("SCRIPT", "LOAD", source)])
        if let sha = replies[1].text { digest.withLock { $0 = sha } }
        return replies[0]
    }
}
