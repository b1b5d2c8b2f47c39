public import Wire

/// The Track ABRouter answers `user_recommend` with, kept as the batch and
/// the parts its tracking strings share, and written straight to the wire:
/// the four strings per item and the exposure go into the response bytes and
/// are never built as Swift strings (building, encoding and freeing ~40
/// strings per call was most of ABRouter's work). Encodes exactly as the
/// `Track` message with those strings does.
public struct TrackedBatch: ProtoEncodable {
    let items: [Int64]
    let timeStamp: Int64
    let exposure: Bool
    /// `","userId":"<user>","articleId":"`: what follows an action's prefix.
    let userPart: [UInt8]
    /// `","algorithmCombine":"<strategy>"}`.
    let tail: [UInt8]

    /// `{"action":"<action>` for the four actions in `param2` field order,
    /// and the other constant pieces; built once.
    static let actionPrefixes: [[UInt8]] = ["click", "collect", "share", "read"].map { Array("{\"action\":\"\($0)".utf8) }
    static let exposurePrefix = Array(#"{"action":"exposure"#.utf8)
    static let userPieces = (Array(#"","userId":""#.utf8), Array(#"","articleId":""#.utf8))
    static let strategyPieces = (Array(#"","algorithmCombine":""#.utf8), Array(#""}"#.utf8))

    public init(user: String, strategy: String, items: [Int64], timeStamp: Int64, exposure: Bool) {
        self.items = items
        self.timeStamp = timeStamp
        self.exposure = exposure
        userPart = Self.joined(Self.userPieces, TrackingParams.escaped(user))
        tail = Self.joined(Self.strategyPieces, TrackingParams.escaped(strategy))
    }

    /// `pieces.0 + middle + pieces.1` in one allocation.
    private static func joined(_ pieces: ([UInt8], [UInt8]), _ middle: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pieces.0.count + middle.utf8.count + pieces.1.count)
        bytes.append(contentsOf: pieces.0)
        bytes.append(contentsOf: middle.utf8)
        bytes.append(contentsOf: pieces.1)
        return bytes
    }

    /// A line's length without its article id, for field `field` (0-based) of `param2`.
    func lineBase(_ field: Int) -> Int { Self.actionPrefixes[field].count + userPart.count + tail.count }

    // MARK: Sizes

    func paramsSize(idLength: Int) -> Int {
        var size = 0
        for field in 0..<Self.actionPrefixes.count { size += WireSize.message(field + 1, size: lineBase(field) + idLength) }
        return size
    }

    func itemSize(_ item: Int64, paramsSize: Int) -> Int {
        WireSize.int64(1, item) + WireSize.message(2, size: paramsSize)
    }

    /// The exposure line: its head, `[1,2,3]`, the tail.
    var exposureLength: Int {
        Self.exposurePrefix.count + userPart.count + 2 + max(items.count - 1, 0) + items.reduce(0) { $0 + Self.decimalLength($1) } + tail.count
    }

    public func encodedSize() -> Int {
        var size = exposure ? WireSize.message(1, size: exposureLength) : 0
        for item in items { size += WireSize.message(2, size: itemSize(item, paramsSize: paramsSize(idLength: Self.decimalLength(item)))) }
        return size + WireSize.int64(3, timeStamp)
    }

    // MARK: Bytes

    public func encode(to writer: inout ProtoWriter) {
        if exposure {
            writer.writeKey(1, .lengthDelimited)
            writer.writeVarint(UInt64(exposureLength))
            writer.writePayload(Self.exposurePrefix)
            writer.writePayload(userPart)
            writer.writePayload(byte: UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { writer.writePayload(byte: UInt8(ascii: ",")) }
                Self.writeDecimal(item, to: &writer)
            }
            writer.writePayload(byte: UInt8(ascii: "]"))
            writer.writePayload(tail)
        }
        for item in items {
            let idLength = Self.decimalLength(item)
            let params = paramsSize(idLength: idLength)
            writer.writeKey(2, .lengthDelimited)
            writer.writeVarint(UInt64(itemSize(item, paramsSize: params)))
            writer.writeInt64(1, item)
            writer.writeKey(2, .lengthDelimited)
            writer.writeVarint(UInt64(params))
            // The four lines differ only in the action: what follows it is
            // written once, then copied.
            var suffix = (start: 0, count: 0)
            for (field, prefix) in Self.actionPrefixes.enumerated() {
                writer.writeKey(field + 1, .lengthDelimited)
                writer.writeVarint(UInt64(lineBase(field) + idLength))
                writer.writePayload(prefix)
                if field == 0 {
                    suffix.start = writer.offset
                    writer.writePayload(userPart)
                    Self.writeDecimal(item, to: &writer)
                    writer.writePayload(tail)
                    suffix.count = writer.offset - suffix.start
                } else {
                    writer.writePayload(repeating: suffix.start, count: suffix.count)
                }
            }
        }
        writer.writeInt64(3, timeStamp)
    }

    static func decimalLength(_ value: Int64) -> Int {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        return length
    }

    static func writeDecimal(_ value: Int64, to writer: inout ProtoWriter) {
        if value < 0 { writer.writePayload(byte: UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            writer.writePayload(byte: UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }
}
