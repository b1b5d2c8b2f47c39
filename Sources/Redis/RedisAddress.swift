/// Where a Redis server is: `redis://[[user]:password@]host[:port][/database]`,
/// or on this host `unix:///path/to/redis.sock[?db=N][&password=P]` (no TCP
/// stack between a service and a co-located Redis).
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    /// Set for a Unix-domain socket (then `host` and `port` are unused).
    public var socketPath: String?

    public init(host: String, port: Int, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init?(url: String) {
        if url.hasPrefix("unix://") {
            guard let address = Self.socket(url.dropFirst("unix://".count)) else { return nil }
            self = address
            return
        }
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

    /// `/path[?db=N][&password=P]`.
    private static func socket(_ url: Substring) -> RedisAddress? {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts.first, path.hasPrefix("/"), path.count > 1 else { return nil }
        var address = RedisAddress(host: "localhost", port: 0)
        address.socketPath = String(path)
        for pair in parts.dropFirst().first?.split(separator: "&") ?? [] {
            let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard field.count == 2 else { return nil }
            switch field[0] {
            case "db":
                guard let value = Int(field[1]), value >= 0 else { return nil }
                address.database = value
            case "password":
                address.password = field[1].isEmpty ? nil : String(field[1])
            default:
                return nil
            }
        }
        return address
    }

    public var description: String { socketPath.map { "unix:\($0)" } ?? "\(host):\(port)" }
}
