/// Where a Redis server is: `redis://[[user]:password@]host[:port][/database]`.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String, port: Int, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init?(url: String) {
        guard url.hasPrefix("redis://") else { return nil }
        var rest = Substring(url.dropFirst("redis://".count))
        password = nil
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            let secret = credentials.firstIndex(of: ":").map { credentials[credentials.index(after: $0)...] } ?? credentials
            password = secret.isEmpty ? nil : String(secret)
            rest = rest[rest.index(after: at)...]
        }
        database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            guard path.isEmpty || Int(path) != nil else { return nil }
            database = Int(path) ?? 0
            rest = rest[..<slash]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, parts.count <= 2 else { return nil }
        host = String(first)
        if parts.count == 2 {
            guard let value = Int(parts[1]), (1...65535).contains(value) else { return nil }
            port = value
        } else {
            port = 6379
        }
    }

    public var description: String { "\(host):\(port)" }
}
