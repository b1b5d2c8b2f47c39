import Foundation

/// The documented format for bringing your own catalogue and logs: three
/// files, CSV (with a header row, RFC 4180 quoting) or JSON Lines (one object
/// per line), chosen by extension.
///
/// - users: `user_id` (integer), optional `age`, `gender`, `occupation`, `zip_code`
/// - items: `item_id` (integer), `title`, optional `release_year`, `genres` (`|`-separated)
/// - events: `user_id`, `item_id`, `rating` (number; above 3 is a click), `timestamp` (seconds)
///
/// Every bad row is reported with its file and line; the import fails if any is.
public enum GenericFormat {
    public static func load(users: String, items: String, events: String) throws -> Catalog {
        var errors: [ImportError] = []
        let userRows = try records(users, errors: &errors) { r, fail -> UserProfile? in
            guard let id = Int(r["user_id"] ?? "") else { return fail("user_id must be an integer") }
            guard let age = Int(r["age"] ?? "0") else { return fail("age must be an integer") }
            return UserProfile(id: id, age: age, gender: r["gender"] ?? "", occupation: r["occupation"] ?? "", zipCode: r["zip_code"] ?? "")
        }
        let itemRows = try records(items, errors: &errors) { r, fail -> ArticleInfo? in
            guard let id = Int(r["item_id"] ?? "") else { return fail("item_id must be an integer") }
            let genres = (r["genres"] ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "_") }
            return ArticleInfo(id: id, title: r["title"] ?? "", releaseYear: r["release_year"] ?? "", genres: genres.filter { !$0.isEmpty })
        }
        let known = (users: Set(userRows.map(\.id)), items: Set(itemRows.map(\.id)))
        let eventRows = try records(events, errors: &errors) { r, fail -> Interaction? in
            guard let user = Int(r["user_id"] ?? ""), let item = Int(r["item_id"] ?? "") else { return fail("user_id and item_id must be integers") }
            guard let ratingText = r["rating"], let rating = Double(ratingText), rating.isFinite else { return fail("rating must be a number") }
            guard let time = Int64(r["timestamp"] ?? "") else { return fail("timestamp must be an integer (seconds)") }
            guard known.users.contains(user) else { return fail("unknown user_id \(user)") }
            guard known.items.contains(item) else { return fail("unknown item_id \(item)") }
            return Interaction(user: user, item: item, ratingText: ratingText, rating: rating, timestamp: time)
        }
        guard errors.isEmpty else { throw ImportFailure(errors: errors) }
        return Catalog(
            users: Dictionary(userRows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            articles: Dictionary(itemRows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            interactions: eventRows
        )
    }

    /// Each record as field name -> text, with its 1-based line number.
    static func records<Row>(_ path: String, errors: inout [ImportError], parse: ([String: String], (String) -> Row?) -> Row?) throws -> [Row] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportFailure(errors: [ImportError(file: path, line: 0, reason: "cannot read file")])
        }
        let text = String(decoding: data, as: UTF8.self)
        let rows: [(line: Int, fields: [String: String]?, problem: String?)]
        if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") {
            rows = jsonLines(text)
        } else {
            rows = try csv(text, path: path)
        }
        var result: [Row] = []
        for row in rows {
            guard let fields = row.fields else {
                errors.append(ImportError(file: path, line: row.line, reason: row.problem ?? "unreadable row"))
                continue
            }
            var failure: String?
            if let value = parse(fields, { failure = $0; return nil }) {
                result.append(value)
            } else {
                errors.append(ImportError(file: path, line: row.line, reason: failure ?? "unreadable row"))
            }
        }
        return result
    }

    static func jsonLines(_ text: String) -> [(line: Int, fields: [String: String]?, problem: String?)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            guard !line.allSatisfy(\.isWhitespace) else { return nil }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return (index + 1, nil, "not a JSON object")
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let s as String: fields[key] = s
                case let n as NSNumber: fields[key] = n.stringValue
                case let a as [Any]: fields[key] = a.map { "\($0)" }.joined(separator: "|")
                default: return (index + 1, nil, "field \(key) must be a string, number or array")
                }
            }
            return (index + 1, fields, nil)
        }
    }

    /// RFC 4180: quoted fields may hold commas, doubled quotes and newlines.
    static func csv(_ text: String, path: String) throws -> [(line: Int, fields: [String: String]?, problem: String?)] {
        var records: [(line: Int, values: [String])] = []
        var field = "", values: [String] = [], quoted = false, line = 1, recordLine = 1, afterQuote = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": values.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n":
                values.append(field)
                if values != [""] { records.append((recordLine, values)) }
                field = ""; values = []; afterQuote = false
                line += 1; recordLine = line
            default: field.unicodeScalars.append(c)
            }
        }
        if quoted { throw ImportFailure(errors: [ImportError(file: path, line: recordLine, reason: "unterminated quoted field")]) }
        if !field.isEmpty || !values.isEmpty { values.append(field); records.append((recordLine, values)) }
        guard let header = records.first?.values else {
            throw ImportFailure(errors: [ImportError(file: path, line: 1, reason: "empty file")])
        }
        return records.dropFirst().map { record in
            guard record.values.count == header.count else {
                return (record.line, nil, "expected \(header.count) fields, found \(record.values.count)")
            }
            return (record.line, Dictionary(zip(header, record.values), uniquingKeysWith: { first, _ in first }), nil)
        }
    }
}
