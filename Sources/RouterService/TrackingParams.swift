import Foundation
public import Messages

/// The tracking strings the backend logs verbatim when the user acts:
/// `{"action":"click","userId":"7","articleId":"42","algorithmCombine":"Algo-1"}`;
/// the exposure names the whole batch: `"articleId":"[1,2,3]"`.
public enum TrackingParams {
    public static func track(user: String, strategy: String, items: [Int64], timeStamp: Int64, exposure: Bool) -> Track {
        let recommends = items.map { item in
            Param1(articleID: item, params: Param2(
                click: json("click", user, String(item), strategy),
                collect: json("collect", user, String(item), strategy),
                share: json("share", user, String(item), strategy),
                read: json("read", user, String(item), strategy)))
        }
        let batch = "[" + items.map(String.init).joined(separator: ",") + "]"
        return Track(exposure: exposure ? json("exposure", user, batch, strategy) : "", recommends: recommends, timeStamp: timeStamp)
    }

    static func json(_ action: String, _ user: String, _ article: String, _ strategy: String) -> String {
        "{\"action\":\"\(action)\",\"userId\":\"\(escaped(user))\",\"articleId\":\"\(article)\",\"algorithmCombine\":\"\(escaped(strategy))\"}"
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
