/// The gRPC-over-HTTP/2 header values: timeouts and percent-encoded messages.
enum GRPCHeaders {
    /// `grpc-timeout`: at most 8 digits and a unit (H M S m u n).
    static func parseTimeout(_ value: String) -> Duration? {
        guard let unit = value.last, value.count >= 2, value.count <= 9,
              let amount = Int64(value.dropLast()), amount >= 0 else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }

    /// The finest unit that keeps the value within 8 digits, rounded up.
    static func formatTimeout(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        // Past a billion seconds (a deadline a caller passed on, up to
        // 99999999H) nanoseconds would overflow: count minutes or hours.
        guard seconds < 1_000_000_000 else {
            for (unit, scale) in timeoutUnits where scale > 1_000_000_000 {
                let size = scale / 1_000_000_000
                let value = seconds / size + (seconds % size == 0 ? 0 : 1)
                if value < 100_000_000 { return "\(value)\(unit)" }
            }
            return "99999999H"
        }
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        for (unit, scale) in timeoutUnits {
            let value = (nanos + scale - 1) / scale
            if value < 100_000_000 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }

    /// Built once: a table made per call cost more than the formatting.
    private static let timeoutUnits: [(unit: Character, nanoseconds: Int64)] = [
        ("n", 1), ("u", 1_000), ("m", 1_000_000), ("S", 1_000_000_000), ("M", 60_000_000_000), ("H", 3_600_000_000_000),
    ]

    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)

    /// `grpc-message` is percent-encoded UTF-8: bytes outside 0x20-0x7E and '%'.
    static func percentEncode(_ message: String) -> String {
        var out = ""
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                out.unicodeScalars.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// Decodes what it can; a malformed escape is kept as it is, as gRPC says.
    static func percentDecode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let byte = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(byte)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
