import Redis

extension RedisClient {
    /// The pipeline's replies; an unreachable Redis or an error reply
    /// becomes a StoreError (services answer UNAVAILABLE).
    func replies(_ commands: [RedisCommand]) async throws(StoreError) -> [RedisReply] {
        let replies: [RedisReply]
        do {
            replies = try await send(commands)
        } catch {
            throw StoreError("redis: \(error)")
        }
        if let message = replies.lazy.compactMap(\.errorMessage).first { throw StoreError("redis: \(message)") }
        return replies
    }
}
