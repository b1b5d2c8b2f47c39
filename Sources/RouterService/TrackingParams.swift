import Foundation
public import Messages

/// The tracking strings the backend logs verbatim when the user acts:
/// `{"action":"click","userId":"7","articleId":"42","algorithmCombine":"Algo-1"}`;
/// the exposure names the whole batch: `"articleId":"[1,2,3]"`.
public enum TrackingParams {
    public static func track(user: String, strategy: String, items: [Int64], timeStamp: Int64, exposure: Bool) -> Track {
        // Built as bytes around the parts shared by every string of the
        // batch (the user and strategy are escaped once per batch): one
        // allocation per string.
        var json = JSONLine(user: user, strategy: strategy)
        let recommends = items.map { item in
            Param1(articleID: item, params: Param2(click: json.line("click", item), collect: json.line("collect", item),
                                                   share: json.line("share", item), read: json.line("read", item)))
        }
        return Track(exposure: exposure ? json.line("exposure", batch: items) : "", recommends: recommends, timeStamp: timeStamp)
    }

    /// `{"action":"<action>","userId":"<user>","articleId":"<id>","algorithmCombine":"<strategy>"}`.
    struct JSONLine {
        let userPart: [UInt8]
        let tail: [UInt8]
        var buffer: [UInt8] = []

        init(user: String, strategy: String) {
            userPart = Array("\",\"userId\":\"\(escaped(user))\",\"articleId\":\"".utf8)
            tail = Array("\",\"algorithmCombine\":\"\(escaped(strategy))\"}".utf8)
            buffer.reserveCapacity(64 + userPart.count + tail.count)
        }

        mutating func line(_ action: String, _ item: Int64) -> String {
            begin(action)
            appendDecimal(item)
            return end()
        }

        /// The exposure: `"articleId":"[1,2,3]"`.
        mutating func line(_ action: String, batch items: [Int64]) -> String {
            begin(action)
            buffer.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { buffer.append(UInt8(ascii: ",")) }
                appendDecimal(item)
            }
            buffer.append(UInt8(ascii: "]"))
            return end()
        }

        private mutating func begin(_ action: String) {
            buffer.removeAll(keepingCapacity: true)
            buffer += #"{"action":""#.utf8
            buffer += action.utf8
            buffer += userPart
        }

        private mutating func end() -> String {
            buffer += tail
            return String(decoding: buffer, as: UTF8.self)
        }

        private mutating func appendDecimal(_ value: Int64) {
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            let start = buffer.count
            repeat {
                buffer.append(0x30 + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            buffer[start...].reverse()
        }
    }

    /// JSON string escaping (RFC 8259).
    static func escaped(_ text: String) -> String {
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
