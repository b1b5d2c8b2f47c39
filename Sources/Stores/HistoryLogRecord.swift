/// One history batch as a record of RecoCenter's history log (the event
/// log's framing adds length and CRC): a format byte, then little-endian
/// channel (4 bytes), time, recorded (8 each), the user's UTF-8 length
/// (4) and bytes, the item count (4) and the items (8 each).
struct HistoryLogRecord: Sendable, Equatable {
    let user: String
    let channel: Int32
    let time: Int64
    let recorded: Int64
    let items: [Int64]

    static let format: UInt8 = 1

    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(33 + user.utf8.count + 8 * items.count)
        bytes.append(Self.format)
        LittleEndian.append(UInt64(UInt32(bitPattern: channel)), width: 4, to: &bytes)
        LittleEndian.append(UInt64(bitPattern: time), width: 8, to: &bytes)
        LittleEndian.append(UInt64(bitPattern: recorded), width: 8, to: &bytes)
        LittleEndian.append(UInt64(user.utf8.count), width: 4, to: &bytes)
        bytes += user.utf8
        LittleEndian.append(UInt64(items.count), width: 4, to: &bytes)
        for item in items { LittleEndian.append(UInt64(bitPattern: item), width: 8, to: &bytes) }
        return bytes
    }

    init(user: String, channel: Int32, time: Int64, recorded: Int64, items: [Int64]) {
        self.user = user
        self.channel = channel
        self.time = time
        self.recorded = recorded
        self.items = items
    }

    /// Nil for bytes that are not such a record (another format, a length
    /// past the end, a user that is not UTF-8).
    init?(_ bytes: [UInt8]) {
        var reader = Reader(bytes: bytes)
        guard reader.integer(width: 1) == UInt64(Self.format),
              let channel = reader.integer(width: 4), let time = reader.integer(width: 8), let recorded = reader.integer(width: 8),
              let userLength = reader.integer(width: 4), let userBytes = reader.bytes(Int(userLength)),
              let user = String(validating: userBytes, as: UTF8.self),
              let count = reader.integer(width: 4), count <= UInt64(bytes.count / 8) else { return nil }
        var items: [Int64] = []
        items.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let item = reader.integer(width: 8) else { return nil }
            items.append(Int64(bitPattern: item))
        }
        guard reader.atEnd else { return nil }
        self.init(user: user, channel: Int32(bitPattern: UInt32(truncatingIfNeeded: channel)), time: Int64(bitPattern: time),
                  recorded: Int64(bitPattern: recorded), items: items)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func integer(width: Int) -> UInt64? {
            guard bytes.count - index >= width else { return nil }
            defer { index += width }
            return LittleEndian.read(bytes[...], at: index, width: width)
        }

        mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - index >= count else { return nil }
            defer { index += count }
            return bytes[index..<(index + count)]
        }
    }
}
