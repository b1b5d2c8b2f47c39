import Foundation
import Synchronization

/// A Redis deployment as the stores see it: one server, or a Redis Cluster
/// discovered from the seed address (CLUSTER SLOTS) and followed through
/// MOVED and ASK redirections. A pipeline goes to the node owning the slot of
/// its first keyed command, so every command in one pipeline must hash to
/// the same slot (ours share the user's `{uid}` tag).
public final class RedisClient: Sendable {
    enum Topology: Sendable {
        case standalone
        /// The owner of every slot.
        case cluster([RedisAddress])
    }

    public let seed: RedisAddress
    private let connections = Mutex<[RedisAddress: RedisConnection]>([:])
    private let topology = Mutex<Topology?>(nil)

    public init(url: String) throws(RedisError) {
        guard let seed = RedisAddress(url: url) else { throw RedisError("'\(url)' is not redis://host:port[/db] or unix:///path[?db=N]") }
        self.seed = seed
    }

    /// Whether the deployment is a Redis Cluster (discovers it on first use).
    public func isCluster() async throws -> Bool {
        if case .cluster = try await currentTopology() { return true }
        return false
    }

    public func send(_ command: RedisCommand) async throws -> RedisReply {
        try await send([command])[0]
    }

    /// Sends the commands in one pipeline; replies in order. Error replies
    /// come back as `.error` values, except redirections, which are followed.
    public func send(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        let key = commands.lazy.compactMap(\.key).first
        var attempt = 0
        while true {
            attempt += 1
            let node = try await owner(of: key)
            var replies = try await connection(node).send(commands)
            guard let redirect = replies.lazy.compactMap(Redirect.init).first else { return replies }
            guard attempt < 5 else { throw RedisError("\(node): still redirected after \(attempt) attempts: \(redirect)") }
            switch redirect {
            case .moved:
                topology.withLock { $0 = nil }
            case .ask(var target):
                target.password = seed.password
                // A slot in migration: this once, ask the target (ASKING before each command).
                let asked = try await connection(target).send(commands.flatMap { [RedisCommand("ASKING"), $0] })
                replies = stride(from: 1, to: asked.count, by: 2).map { asked[$0] }
                if !replies.contains(where: { Redirect($0) != nil }) { return replies }
            case .retryLater:
                try await Task.sleep(for: .milliseconds(100 * attempt))
                topology.withLock { $0 = nil }
            }
        }
    }

    /// Every master of the deployment (one for a single server).
    public func masters() async throws -> [RedisAddress] {
        switch try await currentTopology() {
        case .standalone: return [seed]
        case .cluster(let owners): return Array(Set(owners)).sorted { $0.description < $1.description }
        }
    }

    /// Sends one pipeline to a given node (administration: FLUSHALL, INFO).
    public func send(_ commands: [RedisCommand], to node: RedisAddress) async throws -> [RedisReply] {
        try await connection(node).send(commands)
    }

    public func close() {
        let all = connections.withLock { connections in
            defer { connections = [:] }
            return Array(connections.values)
        }
        for connection in all { connection.close() }
    }

    private func connection(_ address: RedisAddress) -> RedisConnection {
        connections.withLock { connections in
            if let existing = connections[address] { return existing }
            let made = RedisConnection(address: address)
            connections[address] = made
            return made
        }
    }

    private func owner(of key: [UInt8]?) async throws -> RedisAddress {
        switch try await currentTopology() {
        case .standalone: return seed
        case .cluster(let owners): return key.map { owners[ClusterSlot.of($0)] } ?? seed
        }
    }

    private func currentTopology() async throws -> Topology {
        if let known = topology.withLock({ $0 }) { return known }
        let discovered = try await discover()
        topology.withLock { $0 = discovered }
        return discovered
    }

    /// CLUSTER SLOTS on the seed (or any node we know): a server without
    /// cluster support is a standalone deployment.
    private func discover() async throws -> Topology {
        var candidates = [seed]
        candidates += connections.withLock { Array($0.keys) }.filter { $0 != seed }
        var lastError: (any Error)?
        for node in candidates {
            do {
                let reply = try await connection(node).send([RedisCommand("CLUSTER", "SLOTS")])[0]
                if let message = reply.errorMessage {
                    if message.contains("cluster support disabled") { return .standalone }
                    throw RedisError("\(node): CLUSTER SLOTS: \(message)")
                }
                var owners = [RedisAddress?](repeating: nil, count: ClusterSlot.count)
                for range in reply.array {
                    let fields = range.array
                    guard fields.count >= 3, let start = fields[0].integer, let end = fields[1].integer,
                          let host = fields[2].array.first?.text, let port = fields[2].array.dropFirst().first?.integer,
                          start >= 0, end < ClusterSlot.count, start <= end else { continue }
                    var master = RedisAddress(host: host.isEmpty ? node.host : host, port: Int(port))
                    master.password = seed.password
                    for slot in Int(start)...Int(end) { owners[slot] = master }
                }
                let covered = owners.compactMap { $0 }
                guard covered.count == ClusterSlot.count else {
                    throw RedisError("\(node): the cluster covers \(covered.count) of \(ClusterSlot.count) slots")
                }
                return .cluster(covered)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? RedisError("no Redis node reachable")
    }
}

/// A cluster's answer that the command belongs elsewhere or must wait.
enum Redirect: CustomStringConvertible {
    case moved(RedisAddress)
    case ask(RedisAddress)
    case retryLater

    init?(_ reply: RedisReply) {
        guard let message = reply.errorMessage else { return nil }
        let words = message.split(separator: " ")
        func target() -> RedisAddress? {
            guard words.count >= 3, let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...]) else { return nil }
            return RedisAddress(host: String(words[2][..<colon]), port: port)
        }
        switch words.first {
        case "MOVED": guard let t = target() else { return nil }; self = .moved(t)
        case "ASK": guard let t = target() else { return nil }; self = .ask(t)
        case "TRYAGAIN", "CLUSTERDOWN": self = .retryLater
        case "EXECABORT" where message.contains("MOVED") || message.contains("ASK"): self = .retryLater
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .moved(let a): "MOVED \(a)"
        case .ask(let a): "ASK \(a)"
        case .retryLater: "TRYAGAIN"
        }
    }
}
