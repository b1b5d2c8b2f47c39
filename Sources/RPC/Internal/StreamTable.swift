/// A connection's streams by HTTP/2 stream id. nghttp2 reports a call in
/// many callbacks (each header, the end of the headers, data, the end of the
/// stream, each read of the body, the close), and with many calls in flight
/// the frames of different streams interleave, so most lookups name another
/// stream than the one before: a dictionary hashed its id about six times per
/// call. The ids one side opens grow by two with every stream, so each live
/// stream has a slot of its own, `(id >> 1) % slots`, found without hashing;
/// a stream whose slot is still held (by a long-lived stream, or past as
/// many streams in flight as there are slots) goes to a dictionary instead.
struct StreamTable<Stream: AnyObject> {
    private var slots: [(id: Int32, stream: Stream?)]
    private var overflow: [Int32: Stream] = [:]
    private(set) var count = 0

    /// `slots`: a power of two.
    init(slots: Int = 256) {
        precondition(slots > 0 && slots & (slots - 1) == 0, "slots must be a power of two")
        self.slots = Array(repeating: (0, nil), count: slots)
    }

    private func slot(_ id: Int32) -> Int { Int(id >> 1) & (slots.count - 1) }

    subscript(id: Int32) -> Stream? {
        get {
            let held = slots[slot(id)]
            if held.id == id, let stream = held.stream { return stream }
            return overflow.isEmpty ? nil : overflow[id]
        }
        set {
            guard let newValue else {
                removeValue(forKey: id)
                return
            }
            let index = slot(id)
            if slots[index].stream == nil {
                slots[index] = (id, newValue)
                count += 1
            } else if slots[index].id == id {
                slots[index].stream = newValue
            } else if overflow.updateValue(newValue, forKey: id) == nil {
                count += 1
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: Int32) -> Stream? {
        let index = slot(id)
        if slots[index].id == id, let stream = slots[index].stream {
            slots[index].stream = nil
            count -= 1
            return stream
        }
        guard let stream = overflow.removeValue(forKey: id) else { return nil }
        count -= 1
        return stream
    }

    mutating func removeAll() {
        for index in slots.indices { slots[index].stream = nil }
        overflow.removeAll()
        count = 0
    }

    var values: [Stream] { slots.compactMap { $0.stream } + overflow.values }
    var isEmpty: Bool { count == 0 }
}
