import Foundation
import Glibc

/// A durable, append-only log: segment files `<first record's position>.log`
/// under one directory, each record `[length u32 LE][crc32 u32 LE][payload]`.
/// Appends are group-committed: one writer thread writes everything queued
/// while the previous fsync ran, syncs once, then acknowledges all of it; an
/// acknowledged record survives kill -9 and power loss. A torn tail (a crash
/// mid-write) is cut off at open; a write that fails part-way (a full disk)
/// is cut off at once, so later groups follow intact records. Behaviour
/// events live in one; RecoCenter's history batches in another, which rotates
/// and drops segments once merged.
///
/// Under concurrent appends the writer can also wait a little before each
/// group (`gatherDelay`), once the group before held `busyGroup` appends or
/// more: the next group then gathers more, one fsync for more appends, and
/// a sync costs the kernel and the disk per call, not per byte. A lone
/// writer, whose groups hold one append, never waits.
public final class EventLog: Sendable {
    public let directory: String
    /// A segment past this size is closed and a new one begun.
    let segmentBytes: UInt64
    /// The writer's wait before a group that follows a busy one, in seconds (zero: none).
    let gatherDelay: TimeInterval
    /// A group of this many appends or more counts as busy.
    static let busyGroup = 4
    /// How a group's bytes reach the segment file; a test makes it fail part-way.
    private let writeGroup: @Sendable (FileHandle, [UInt8]) throws -> Void
    /// Work for the writer thread, done in the order it was asked for.
    private enum Request: Sendable {
        case append([[UInt8]], onDurable: (@Sendable () -> Void)?, CheckedContinuation<Void, any Error>)
        case rotate(CheckedContinuation<UInt64, any Error>)
        case remove(before: UInt64)
    }
    private let queue = WorkQueue<Request>()
    private let finished = DispatchSemaphore(value: 0)

    /// Fails when another process (or another `EventLog` here) has the
    /// directory open: two writers would interleave their appends, and one
    /// could delete segments the other still needs. The lock goes with the
    /// writer thread, at `close` or when the process dies.
    public convenience init(directory: String, segmentBytes: UInt64 = 64 << 20, gatherDelay: Duration = .zero) throws {
        try self.init(directory: directory, segmentBytes: segmentBytes, gatherDelay: gatherDelay) { try $0.write(contentsOf: $1) }
    }

    init(directory: String, segmentBytes: UInt64, gatherDelay: Duration = .zero,
         writeGroup: @escaping @Sendable (FileHandle, [UInt8]) throws -> Void) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.gatherDelay = gatherDelay.seconds
        self.writeGroup = writeGroup
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = try Self.lockDirectory(directory)
        let initial: Segment
        do {
            initial = try Segment.openLast(in: directory)
        } catch {
            Glibc.close(lock)
            throw error
        }
        let thread = Thread { [self] in
            nameThisThread("log", after: directory)
            var segment = initial
            serve(&segment)
            Glibc.close(lock)
            finished.signal()
        }
        thread.start()
    }

    /// Appends records; returns once they are on disk. `onDurable` runs on
    /// the writer thread once they are, before any later request is served
    /// (so a `rotate` after it finds its effect done).
    public func append(_ records: [[UInt8]], onDurable: (@Sendable () -> Void)? = nil) async throws {
        guard !records.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if !queue.submit(.append(records, onDurable: onDurable, continuation)) {
                continuation.resume(throwing: StoreError("event log closed"))
            }
        }
    }

    /// Begins a new segment (unless the current one is empty) after every
    /// record asked for before; returns where it starts. Everything appended
    /// earlier lies in the segments before that position.
    public func rotate() async throws -> UInt64 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UInt64, any Error>) in
            if !queue.submit(.rotate(continuation)) { continuation.resume(throwing: StoreError("event log closed")) }
        }
    }

    /// Deletes, on the writer thread, the whole segments that end at or
    /// before `position` (never the one being written).
    public func removeSegments(before position: UInt64) {
        _ = queue.submit(.remove(before: position))
    }

    /// Writes what is queued, then stops.
    public func close() {
        guard queue.close() else { return }
        finished.wait()
    }

    private func serve(_ segment: inout Segment) {
        var appendsInGroup = 0
        while true {
            if appendsInGroup >= Self.busyGroup && gatherDelay > 0 { queue.pause(gatherDelay) }
            let (batch, last) = queue.next()
            var bytes: [UInt8] = []
            var waiting: [(onDurable: (@Sendable () -> Void)?, continuation: CheckedContinuation<Void, any Error>)] = []
            appendsInGroup = 0
            for request in batch {
                switch request {
                case .append(let records, let onDurable, let continuation):
                    for record in records { Self.frame(record, into: &bytes) }
                    waiting.append((onDurable, continuation))
                    appendsInGroup += 1
                case .rotate(let continuation):
                    commit(&bytes, &waiting, to: &segment)
                    do {
                        if segment.size > 0 { segment = try Segment.create(in: directory, position: segment.position + segment.size) }
                        continuation.resume(returning: segment.position)
                    } catch {
                        continuation.resume(throwing: StoreError("event log rotate: \(error)"))
                    }
                case .remove(let position):
                    Segment.remove(in: directory, before: min(position, segment.position))
                }
            }
            commit(&bytes, &waiting, to: &segment)
            if last {
                try? segment.handle.close()
                return
            }
        }
    }

    /// Writes and syncs the framed records gathered so far (one write, one
    /// fsync), then acknowledges them; empties both lists.
    private func commit(_ bytes: inout [UInt8], _ waiting: inout [(onDurable: (@Sendable () -> Void)?, continuation: CheckedContinuation<Void, any Error>)],
                        to segment: inout Segment) {
        guard !waiting.isEmpty else { return }
        defer { bytes.removeAll(keepingCapacity: true); waiting.removeAll() }
        do {
            guard !segment.torn else { throw StoreError("a failed write could not be cut off; the log takes no appends until it is reopened") }
            if segment.size > 0 && segment.size + UInt64(bytes.count) > segmentBytes {
                segment = try Segment.create(in: directory, position: segment.position + segment.size)
            }
            do {
                try writeGroup(segment.handle, bytes)
                try segment.handle.synchronize()
            } catch {
                // Part of the group may be in the file: cut it back to the
                // last acknowledged byte, or a later group would follow bytes
                // no reader gets past. If even that fails, stop appending:
                // reopening cuts the torn tail.
                do {
                    try segment.handle.truncate(atOffset: segment.size)
                    try segment.handle.seek(toOffset: segment.size)
                } catch {
                    segment.torn = true
                }
                throw error
            }
            segment.size += UInt64(bytes.count)
            for (onDurable, _) in waiting { onDurable?() }
            for (_, continuation) in waiting { continuation.resume() }
        } catch {
            for (_, continuation) in waiting { continuation.resume(throwing: StoreError("event log write: \(error)")) }
        }
    }

    /// An exclusive lock on `<directory>/LOCK`; returns its descriptor.
    /// Retried for half a second before giving up: a lock just released can
    /// still be held for a moment through a copy of its descriptor that a
    /// process forked meanwhile (spawning a child) keeps until its exec.
    private static func lockDirectory(_ directory: String) throws -> Int32 {
        let path = "\(directory)/LOCK"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError("cannot open \(path)") }
        for attempt in 0...50 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            if attempt < 50 { usleep(10_000) }
        }
        Glibc.close(descriptor)
        throw StoreError("\(directory) is in use by another writer (\(path) is locked)")
    }

    /// The segment files in `directory`, oldest first.
    public static func segmentFiles(in directory: String) -> [String] {
        Segment.positions(in: directory).map(Segment.name)
    }

    /// Where the oldest segment still kept begins: where a reader of
    /// everything kept starts.
    public static func oldestPosition(in directory: String) -> UInt64 {
        Segment.positions(in: directory).first ?? 0
    }

    static func frame(_ record: [UInt8], into bytes: inout [UInt8]) {
        LittleEndian.append(UInt64(record.count), width: 4, to: &bytes)
        LittleEndian.append(UInt64(CRC32.checksum(record)), width: 4, to: &bytes)
        bytes += record
    }

    /// Parses whole, intact records from `bytes`; returns them and how many bytes they took.
    static func parse(_ bytes: ArraySlice<UInt8>) -> (records: [[UInt8]], consumed: Int) {
        var records: [[UInt8]] = [], index = bytes.startIndex
        while bytes.endIndex - index >= 8 {
            let length = Int(LittleEndian.read(bytes, at: index, width: 4)), crc = UInt32(LittleEndian.read(bytes, at: index + 4, width: 4))
            guard bytes.endIndex - index - 8 >= length else { break }
            let payload = bytes[(index + 8)..<(index + 8 + length)]
            guard CRC32.checksum(payload) == crc else { break }
            records.append(Array(payload))
            index += 8 + length
        }
        return (records, index - bytes.startIndex)
    }

    /// A segment file open for appending.
    struct Segment {
        let position: UInt64
        let handle: FileHandle
        /// Bytes acknowledged, where the next group goes.
        var size: UInt64
        /// A failed write left bytes past `size` that could not be cut off.
        var torn = false

        /// The position in 20 digits, so names sort as positions do.
        static func name(_ position: UInt64) -> String {
            let digits = String(position)
            return String(repeating: "0", count: max(20 - digits.count, 0)) + digits + ".log"
        }

        static func positions(in directory: String) -> [UInt64] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { name in
                name.hasSuffix(".log") ? UInt64(name.dropLast(4)) : nil
            }.sorted()
        }

        static func create(in directory: String, position: UInt64) throws -> Segment {
            let path = "\(directory)/\(name(position))"
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else { throw StoreError("cannot create \(path)") }
            // The new name is durable before anything written to the file is acknowledged.
            try syncDirectory(directory)
            return Segment(position: position, handle: handle, size: 0)
        }

        /// Deletes the segments that end at or before `position`: a segment
        /// ends where the next begins, so the newest is never deleted.
        static func remove(in directory: String, before position: UInt64) {
            let starts = positions(in: directory)
            for (start, end) in zip(starts, starts.dropFirst()) where end <= position {
                try? FileManager.default.removeItem(atPath: "\(directory)/\(name(start))")
            }
        }

        static func syncDirectory(_ directory: String) throws {
            let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard descriptor >= 0 else { throw StoreError("cannot open \(directory)") }
            defer { Glibc.close(descriptor) }
            guard fsync(descriptor) == 0 else { throw StoreError("cannot sync \(directory)") }
        }

        /// The newest segment, its torn tail (if any) cut off.
        static func openLast(in directory: String) throws -> Segment {
            guard let last = positions(in: directory).last else { return try create(in: directory, position: 0) }
            let path = "\(directory)/\(name(last))"
            guard let data = FileManager.default.contents(atPath: path), let handle = FileHandle(forUpdatingAtPath: path) else {
                throw StoreError("cannot open \(path)")
            }
            let bytes = [UInt8](data)
            let intact = EventLog.parse(bytes[...]).consumed
            if intact < bytes.count { try handle.truncate(atOffset: UInt64(intact)) }
            try handle.seek(toOffset: UInt64(intact))
            return Segment(position: last, handle: handle, size: UInt64(intact))
        }
    }
}

/// Follows the event log from a position (the start, by default): what the
/// consumers (stream features) use online and what replays it after a restart.
/// Returns only intact records; a record still being written is read next time.
/// The segment being read stays open between calls, so a read that finds
/// nothing costs one read and one stat of the name the next segment would
/// have; between reads a follower waits for the directory to change
/// (`waitForEvents`).
public final class EventLogReader: @unchecked Sendable {
    public let directory: String
    /// Bytes from the log's start up to the next unread record.
    public private(set) var position: UInt64
    private var reading: (start: UInt64, handle: FileHandle)?
    /// Set up by the first wait, so a one-off reader (recoctl, a test) never opens one.
    private var watch: DirectoryWatch?

    public init(directory: String, position: UInt64 = 0) {
        self.directory = directory
        self.position = position
    }

    deinit { try? reading?.handle.close() }

    /// Every intact record after `position`, in order; advances past them.
    public func readNew() -> [[UInt8]] {
        var records: [[UInt8]] = []
        while let segment = openSegment() {
            let data: Data
            do {
                try segment.handle.seek(toOffset: position - segment.start)
                data = try segment.handle.readToEnd() ?? Data()  // nil: nothing past `position`
            } catch {
                return records
            }
            let parsed = EventLog.parse([UInt8](data)[...])
            records += parsed.records
            position += UInt64(parsed.consumed)
            // A segment ends where the next begins: move on only when this one
            // was read to its end and the writer has begun the next.
            guard parsed.consumed == data.count, position > segment.start,
                  FileManager.default.fileExists(atPath: "\(directory)/\(EventLog.Segment.name(position))") else { return records }
            try? segment.handle.close()
            reading = nil
        }
        return records
    }

    /// Until the log's directory changes (a second at most, a safety net);
    /// sleeps `idleInterval` when the directory cannot be watched. The wait
    /// that starts watching returns at once: what was written before the
    /// watch began is read by the next read, what comes after wakes the next wait.
    public func waitForEvents(idleInterval: Duration) async {
        if let watch { return await watch.change(within: .seconds(1)) }
        watch = DirectoryWatch(directory: directory)
        if watch == nil { try? await Task.sleep(for: idleInterval) }
    }

    /// The segment holding `position`, opened on first use.
    private func openSegment() -> (start: UInt64, handle: FileHandle)? {
        if let reading { return reading }
        guard let start = EventLog.Segment.positions(in: directory).last(where: { $0 <= position }),
              let handle = FileHandle(forReadingAtPath: "\(directory)/\(EventLog.Segment.name(start))") else { return nil }
        reading = (start, handle)
        return reading
    }
}
