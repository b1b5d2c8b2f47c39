import Synchronization

/// W3C Trace Context (`traceparent: 00-<trace id>-<parent span id>-<flags>`):
/// the id that follows one user request through every hop, and the span of
/// this hop within it. A call without a valid `traceparent` starts a trace.
///
/// Ids are kept as integers and spelt in hex only when asked: every call of
/// every service parses one header and writes one, so this stays cheap.
public struct TraceContext: Sendable, Hashable, CustomStringConvertible {
    public static let header = "traceparent"

    let traceHigh: UInt64
    let traceLow: UInt64
    let span: UInt64
    /// 0 at the root.
    let parent: UInt64

    init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, parent: UInt64) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.span = span
        self.parent = parent
    }

    /// 32 lower-case hex digits.
    public var traceID: String { Self.hex([traceHigh, traceLow]) }
    /// This hop's span: 16 hex digits.
    public var spanID: String { Self.hex([span]) }
    /// The caller's span, nil at the root.
    public var parentSpanID: String? { parent == 0 ? nil : Self.hex([parent]) }
    /// The trace id (what log lines carry).
    public var description: String { traceID }

    /// A new trace (the root span).
    public static func root() -> TraceContext {
        TraceContext(traceHigh: IDSource.next(), traceLow: IDSource.next(), span: IDSource.next(), parent: 0)
    }

    /// The server span of a call whose caller sent `metadata`.
    public static func serving(_ metadata: Metadata) -> TraceContext {
        guard let value = metadata[header], let parent = parse(value) else { return root() }
        return TraceContext(traceHigh: parent.traceHigh, traceLow: parent.traceLow, span: IDSource.next(), parent: parent.span)
    }

    /// The `traceparent` a call made from this span sends (sampled).
    public var headerValue: String {
        var bytes: [UInt8] = [0x30, 0x30, 0x2D]
        bytes.reserveCapacity(55)
        Self.appendHex(traceHigh, to: &bytes)
        Self.appendHex(traceLow, to: &bytes)
        bytes.append(0x2D)
        Self.appendHex(span, to: &bytes)
        bytes += [0x2D, 0x30, 0x31]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Metadata for a downstream call: this trace, this span as the parent.
    public var metadata: Metadata { Metadata([(Self.header, headerValue)]) }

    /// Whether `id` (32 hex digits) names this trace.
    public func isTrace(_ id: String) -> Bool {
        guard let (high, low) = Self.parseTraceID(id) else { return false }
        return high == traceHigh && low == traceLow
    }

    static func hex(_ words: [UInt64]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * words.count)
        for word in words { appendHex(word, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendHex(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
            bytes.append(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
        }
    }

    /// A `traceparent`: a version other than ff, a non-zero 32-digit trace id,
    /// a non-zero 16-digit parent span, 2-digit flags, all lower-case hex
    /// (later versions may append fields).
    static func parse(_ value: String) -> (traceHigh: UInt64, traceLow: UInt64, span: UInt64)? {
        var field = 0, length = 0
        var version: UInt64 = 0, high: UInt64 = 0, low: UInt64 = 0, span: UInt64 = 0
        // The bytes in place: every served call parses one of these.
        let bytes = value.utf8.span
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x2D {
                guard field != 0 || length == 2, field != 1 || length == 32, field != 2 || length == 16, field != 3 || length == 2 else { return nil }
                field += 1
                length = 0
                continue
            }
            guard let digit = hexDigit(byte) else { return nil }
            switch field {
            case 0: version = version << 4 | digit
            case 1 where length < 16: high = high << 4 | digit
            case 1: low = low << 4 | digit
            case 2: span = span << 4 | digit
            default: break
            }
            length += 1
        }
        guard field >= 3, field > 3 || length == 2, version != 0xFF, high | low != 0, span != 0 else { return nil }
        return (high, low, span)
    }

    static func parseTraceID(_ id: String) -> (UInt64, UInt64)? {
        guard id.utf8.count == 32 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0, count = 0
        for byte in id.utf8 {
            guard let digit = hexDigit(byte) else { return nil }
            if count < 16 { high = high << 4 | digit } else { low = low << 4 | digit }
            count += 1
        }
        return (high, low)
    }

    /// Lower-case hex only, as the spec requires.
    static func hexDigit(_ byte: UInt8) -> UInt64? {
        switch byte {
        case 0x30...0x39: UInt64(byte - 0x30)
        case 0x61...0x66: UInt64(byte - 0x57)
        default: nil
        }
    }
}

/// Non-zero 64-bit ids without a system call each: SplitMix64 over an atomic
/// counter seeded once from the system generator. Unique and well spread,
/// which is what trace ids need; not secrets.
enum IDSource {
    static let seed = UInt64.random(in: 0...UInt64.max)
    static let counter = Atomic<UInt64>(0)

    static func next() -> UInt64 {
        var z = seed &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return z == 0 ? 1 : z
    }
}
