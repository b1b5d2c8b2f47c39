/// A header block laid out as the bytes nghttp2 reads: names and values
/// back to back in one array, with where each field starts. The blocks sent
/// on nearly every call (a response's `:status` and content type, an OK
/// status, a client's fixed request fields for one path) are laid out once
/// and reused; a call appends only what changes (its timeout, its metadata).
struct HeaderBlock: Sendable {
    struct Field: Sendable {
        let start: Int
        let nameLength: Int
        let valueLength: Int
        /// Kept out of the HPACK dynamic table (see `changesEveryCall`).
        let neverIndexed: Bool
    }

    private(set) var bytes: [UInt8] = []
    private(set) var fields: [Field] = []

    init() {}

    init(_ pairs: [(String, String)]) {
        var bytes = 0
        for (name, value) in pairs { bytes += name.utf8.count + value.utf8.count }
        self.bytes.reserveCapacity(bytes)
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs { append(name, value) }
    }

    var count: Int { fields.count }

    mutating func append(_ name: String, _ value: String) {
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        let nameLength = bytes.count - start
        bytes.append(contentsOf: value.utf8)
        fields.append(Field(start: start, nameLength: nameLength, valueLength: bytes.count - start - nameLength,
                            neverIndexed: Self.changesEveryCall(name)))
    }

    /// Headers whose value differs on every call: kept out of the HPACK
    /// dynamic table, where they would only evict the constant headers and,
    /// sharing a name, make every lookup compare against all of them.
    static func changesEveryCall(_ name: String) -> Bool {
        name == "grpc-timeout" || name == "traceparent"
    }

    /// What a server sends first on a call with a body.
    static let okResponse = HeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
    /// The trailers of a call that succeeded with no message or metadata.
    static let okTrailers = HeaderBlock([("grpc-status", "0")])
}
