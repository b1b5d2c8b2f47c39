/// Fixed-width little-endian integers, as the logs' framing and records store them.
enum LittleEndian {
    static func append(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    /// The `width` bytes at `index`, which the caller has checked are there.
    static func read(_ bytes: ArraySlice<UInt8>, at index: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[index + $1]) << (8 * UInt64($1)) }
    }
}
