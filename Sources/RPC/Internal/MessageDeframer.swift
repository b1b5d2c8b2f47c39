/// Splits a stream of DATA bytes into gRPC length-prefixed messages, however
/// the frames cut them. A complete message in one chunk is handed on without
/// a copy.
struct MessageDeframer {
    enum Failure: Error {
        case tooLarge(Int)
        case compressedWithoutEncoding
    }

    let maxMessageSize: Int
    private var pending: [UInt8] = []

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// True when bytes of an unfinished message remain.
    var hasPartialMessage: Bool { !pending.isEmpty }

    /// Appends `chunk` and returns every message now complete.
    mutating func append(_ chunk: [UInt8]) throws(Failure) -> [ArraySlice<UInt8>] {
        var messages: [ArraySlice<UInt8>] = []
        var buffer: [UInt8]
        if pending.isEmpty {
            buffer = chunk
        } else {
            pending.append(contentsOf: chunk)
            buffer = pending
            pending = []
        }
        var offset = 0
        while buffer.count - offset >= 5 {
            let flag = buffer[offset]
            let length = Int(buffer[offset + 1]) << 24 | Int(buffer[offset + 2]) << 16 | Int(buffer[offset + 3]) << 8 | Int(buffer[offset + 4])
            if length > maxMessageSize { throw .tooLarge(length) }
            if flag != 0 { throw .compressedWithoutEncoding }
            guard buffer.count - offset - 5 >= length else { break }
            messages.append(buffer[(offset + 5)..<(offset + 5 + length)])
            offset += 5 + length
        }
        if offset < buffer.count {
            pending = Array(buffer[offset...])
        }
        return messages
    }

    /// Fills the 5-byte prefix into the headroom `serializedBytes(headroom: 5)`
    /// left. Takes the buffer over, so the prefix is written in place: a
    /// borrowed one would be copied whole by the first write.
    static func framed(_ message: consuming [UInt8]) -> [UInt8] {
        var bytes = consume message
        let length = bytes.count - 5
        bytes[0] = 0
        bytes[1] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[3] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[4] = UInt8(truncatingIfNeeded: length)
        return bytes
    }
}
