/// One behaviour event as stored: its bytes, and the user it belongs to
/// (the partition key: one user's events stay in order in one partition).
public struct EventRecord: Sendable {
    public let user: String
    public let bytes: [UInt8]

    public init(user: String, bytes: [UInt8]) {
        self.user = user
        self.bytes = bytes
    }
}

/// Where ABRouter appends behaviour events: the file log or a Redis Stream.
public protocol EventSink: Sendable {
    /// Returns once the events are stored (acknowledged events are not lost).
    func append(_ records: [EventRecord]) async throws
    func close()
}

/// How a consumer (RecallService, SortService) follows the events: each
/// call returns what arrived since the previous one, from the start of the
/// retained stream on the first call (consumers rebuild their state from
/// it). A call also confirms the batch the previous call returned was applied.
public protocol EventSource: Sendable {
    func next() async throws -> [[UInt8]]
    /// Returns when new events may have arrived, after `next` found none: a
    /// source that is told of changes waits for one (up to a second, a
    /// safety net), the others sleep `idleInterval`.
    func waitForEvents(idleInterval: Duration) async
}

extension EventSource {
    public func waitForEvents(idleInterval: Duration) async {
        try? await Task.sleep(for: idleInterval)
    }
}

extension EventLog: EventSink {
    public func append(_ records: [EventRecord]) async throws {
        try await append(records.map(\.bytes))
    }
}

extension EventLogReader: EventSource {
    public func next() async throws -> [[UInt8]] { readNew() }
}
