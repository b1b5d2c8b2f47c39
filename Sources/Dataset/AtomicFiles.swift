public import Foundation

/// Reads RecBole "atomic files" (tab-separated, header `name:type`), the
/// format ML-100K ships in: `ml-100k.inter`, `.user`, `.item`.
public enum AtomicFiles {
    /// Loads `<prefix>.inter`, `.user`, `.item` from `directory`.
    public static func load(directory: String, prefix: String = "ml-100k") throws -> Catalog {
        var files: [String: Data] = [:]
        for suffix in ["user", "item", "inter"] {
            let path = "\(directory)/\(prefix).\(suffix)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ImportFailure(errors: [ImportError(file: path, line: 0, reason: "cannot read file")])
            }
            files[path] = data
        }
        return try load(files: files, directory: directory, prefix: prefix)
    }

    /// The same from contents already read (and checked): `files` by path.
    public static func load(files: [String: Data], directory: String, prefix: String) throws -> Catalog {
        var errors: [ImportError] = []
        func contents(_ suffix: String) throws -> (String, Data) {
            let path = "\(directory)/\(prefix).\(suffix)"
            guard let data = files[path] else { throw ImportFailure(errors: [ImportError(file: path, line: 0, reason: "missing")]) }
            return (path, data)
        }
        let users = try table(contents("user"), columns: ["user_id", "age", "gender", "occupation", "zip_code"], errors: &errors) { (row, fail) -> UserProfile? in
            guard let id = Int(row[0]), let age = Int(row[1]) else { return fail("user_id and age must be integers") }
            return UserProfile(id: id, age: age, gender: row[2], occupation: row[3], zipCode: row[4])
        }
        let articles = try table(contents("item"), columns: ["item_id", "movie_title", "release_year", "class"], errors: &errors) { (row, fail) -> ArticleInfo? in
            guard let id = Int(row[0]) else { return fail("item_id must be an integer") }
            return ArticleInfo(id: id, title: row[1], releaseYear: row[2], genres: row[3].split(separator: " ").map(String.init))
        }
        let interactions = try table(contents("inter"), columns: ["user_id", "item_id", "rating", "timestamp"], errors: &errors) { (row, fail) -> Interaction? in
            guard let user = Int(row[0]), let item = Int(row[1]), let rating = Double(row[2]), let time = Double(row[3]), time == time.rounded() else {
                return fail("user_id, item_id, rating and timestamp must be numbers")
            }
            return Interaction(user: user, item: item, ratingText: row[2], rating: rating, timestamp: Int64(time))
        }
        guard errors.isEmpty else { throw ImportFailure(errors: errors) }
        return Catalog(
            users: Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            articles: Dictionary(articles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }),
            interactions: interactions
        )
    }

    /// Parses one file: checks the header names (types after ':' dropped),
    /// then every row; bad rows are collected with their line number.
    static func table<Row>(_ file: (path: String, data: Data), columns: [String], errors: inout [ImportError],
                           parse: ([String], (String) -> Row?) -> Row?) throws -> [Row] {
        let (path, data) = file
        // Split on bytes, not Characters: the files are large and tab/newline are ASCII.
        let bytes = [UInt8](data)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else {
            throw ImportFailure(errors: [ImportError(file: path, line: 1, reason: "empty file")])
        }
        let names = header.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self).split(separator: ":").first.map(String.init) ?? ""
        }
        guard Array(names.prefix(columns.count)) == columns else {
            throw ImportFailure(errors: [ImportError(file: path, line: 1, reason: "expected columns \(columns), found \(names)")])
        }
        var rows: [Row] = []
        rows.reserveCapacity(lines.count)
        for (index, var line) in lines.enumerated().dropFirst() {
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            let lineNumber = index + 1
            guard fields.count >= columns.count else {
                errors.append(ImportError(file: path, line: lineNumber, reason: "expected \(columns.count) fields, found \(fields.count)"))
                continue
            }
            var failure: String?
            if let row = parse(fields, { failure = $0; return nil }) {
                rows.append(row)
            } else {
                errors.append(ImportError(file: path, line: lineNumber, reason: failure ?? "unreadable row"))
            }
        }
        return rows
    }
}

extension AtomicFiles {
    /// Writes a catalog as `<prefix>.user`, `.item`, `.inter` in the format
    /// `load` reads: how a catalog imported from any source is stored and published.
    public static func write(_ catalog: Catalog, directory: String, prefix: String = "ml-100k") throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, data) in files(catalog, prefix: prefix) {
            try data.write(to: URL(fileURLWithPath: "\(directory)/\(path)"), options: .atomic)
        }
    }

    /// The three files' contents by name, for writing or publishing.
    public static func files(_ catalog: Catalog, prefix: String = "ml-100k") -> [String: Data] {
        func clean(_ s: String) -> String { s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        var users = "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
        for u in catalog.users.values.sorted(by: { $0.id < $1.id }) {
            users += "\(u.id)\t\(u.age)\t\(clean(u.gender))\t\(clean(u.occupation))\t\(clean(u.zipCode))\n"
        }
        var items = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        for a in catalog.articles.values.sorted(by: { $0.id < $1.id }) {
            items += "\(a.id)\t\(clean(a.title))\t\(clean(a.releaseYear))\t\(a.genres.map { clean($0).replacingOccurrences(of: " ", with: "_") }.joined(separator: " "))\n"
        }
        var inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        for e in catalog.interactions { inter += "\(e.user)\t\(e.item)\t\(e.ratingText)\t\(e.timestamp)\n" }
        return ["\(prefix).user": Data(users.utf8), "\(prefix).item": Data(items.utf8), "\(prefix).inter": Data(inter.utf8)]
    }
}
