/// A connection's streams by HTTP/2 stream id. nghttp2 reports a request in
/// many callbacks (each header, the end of the headers, data, the end of the
/// stream, each read of the response, the close) that nearly always name the
/// stream of the callback before; that one is answered without hashing.
struct StreamTable<Stream: AnyObject> {
    private var byID: [Int32: Stream] = [:]
    private var lastID: Int32 = 0
    private var last: Stream?

    subscript(id: Int32) -> Stream? {
        mutating get {
            if id == lastID, let last { return last }
            guard let found = byID[id] else { return nil }
            lastID = id
            last = found
            return found
        }
        set {
            byID[id] = newValue
            if id == lastID { last = newValue }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: Int32) -> Stream? {
        if id == lastID { last = nil }
        return byID.removeValue(forKey: id)
    }

    mutating func removeAll() {
        byID.removeAll()
        last = nil
    }

    var values: Dictionary<Int32, Stream>.Values { byID.values }
    var count: Int { byID.count }
    var isEmpty: Bool { byID.isEmpty }
}
