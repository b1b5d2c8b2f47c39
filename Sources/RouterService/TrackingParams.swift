import Foundation
public import Messages

/// The tracking strings the backend logs verbatim when the user acts:
/// `{"action":"click","userId":"7","articleId":"42","algorithmCombine":"Algo-1"}`;
/// the exposure names the whole batch: `"articleId":"[1,2,3]"`.
public enum TrackingParams {
    public static func track(user: String, strategy: String, items: [Int64], timeStamp: Int64, exposure: Bool) -> Track {
        // The user and strategy are escaped once per batch, not once per string.
        let tail = "\",\"algorithmCombine\":\"\(escaped(strategy))\"}"
        let userPart = "\",\"userId\":\"\(escaped(user))\",\"articleId\":\""
        func json(_ action: String, _ article: String) -> String { "{\"action\":\"" + action + userPart + article + tail }
        let recommends = items.map { item in
            let id = String(item)
            return Param1(articleID: item, params: Param2(click: json("click", id), collect: json("collect", id), share: json("share", id), read: json("read", id)))
        }
        let batch = "[" + items.map(String.init).joined(separator: ",") + "]"
        return Track(exposure: exposure ? json("exposure", batch) : "", recommends: recommends, timeStamp: timeStamp)
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
