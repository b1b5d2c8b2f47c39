import Foundation
public import Messages
public import Wire

/// The tracking strings the backend logs verbatim when the user acts:
/// `{"action":"click","userId":"7","articleId":"42","algorithmCombine":"Algo-1"}`;
/// the exposure names the whole batch: `"articleId":"[1,2,3]"`.
public enum TrackingParams {
    /// The Track as a message, for in-process readers: decoded from the very
    /// bytes ABRouter sends (`TrackedBatch`), so the two cannot differ.
    public static func track(user: String, strategy: String, items: [Int64], timeStamp: Int64, exposure: Bool) -> Track {
        let batch = TrackedBatch(user: user, strategy: strategy, items: items, timeStamp: timeStamp, exposure: exposure)
        // Our own encoding of valid UTF-8 JSON: decoding it cannot fail.
        return try! Track(serializedBytes: batch.serializedBytes())
    }

    /// JSON string escaping (RFC 8259).
    static func escaped(_ text: String) -> String {
        // Ids and strategy names almost never need it: no copy then.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
