/// The Redis key schema (docs/REDIS.md). Every per-user key carries the
/// user id as its hash tag, so one user's keys live in one Cluster slot and
/// one pipeline or script can touch them all.
public enum RedisKeys {
    /// Sorted set: the user's batches in a channel; score = request time,
    /// member = "time:item,item,...".
    public static func history(_ user: String, _ channel: Int32) -> String { "hist:{\(user)}:\(channel)" }
    /// List: the level-1 cache, at most 100 ranked items the next refreshes serve first.
    public static func levelOne(_ user: String, _ channel: Int32) -> String { "l1:{\(user)}:\(channel)" }
    /// List: the rest of the newest ranking, waiting behind level 1.
    public static func waitList(_ user: String, _ channel: Int32) -> String { "wait:{\(user)}:\(channel)" }
    /// Sorted sets: a channel's hot and new items (score: higher first); the tag is the channel.
    public static func hot(_ channel: Int32) -> String { "ch:{\(channel)}:hot" }
    public static func new(_ channel: Int32) -> String { "ch:{\(channel)}:new" }
    /// Stream: behaviour events, partitioned by user (`{p<n>}` pins a partition to a slot).
    public static func events(partition: Int) -> String { "events:{p\(partition)}" }
}
