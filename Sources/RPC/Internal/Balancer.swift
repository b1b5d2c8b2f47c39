/// Round-robin over the endpoints' connections, skipping ejected ones.
///
/// An endpoint is ejected when its connection fails; once its backoff has
/// passed, a `grpc.health.v1.Health/Check` probe must answer SERVING before
/// it takes calls again. With every endpoint ejected, calls still go to the
/// one whose backoff ends first, so a single-endpoint client recovers too.
///
/// `@unchecked Sendable`: loop-confined like the connections it owns.
final class Balancer: @unchecked Sendable {
    private let connections: [ClientConnection]
    private var ejected: Set<Int> = []
    private var probing: Set<Int> = []
    private var next = 0

    init(connections: [ClientConnection]) {
        self.connections = connections
        for (index, connection) in connections.enumerated() {
            connection.onStateChange = { [unowned self] changed in self.stateChanged(index, changed) }
            connection.reroute = { [unowned self] call in self.reroute(call, from: index) }
        }
    }

    var maxReceiveMessageSize: Int { connections[0].configuration.maxReceiveMessageSize }

    private func pick() -> ClientConnection {
        if connections.count == 1 { return connections[0] }
        for _ in 0..<connections.count {
            let index = next % connections.count
            next &+= 1
            if !ejected.contains(index) { return connections[index] }
        }
        return connections[next % connections.count]
    }

    func start(_ call: ClientCall, framed: [UInt8]?, end: Bool) {
        let connection = pick()
        if let framed { call.outbound.append(framed) }
        call.requestEnded = end
        connection.start(call)
    }

    /// Moves a never-sent call to another admitted endpoint, if there is one.
    private func reroute(_ call: ClientCall, from index: Int) -> Bool {
        guard connections.count > 1 else { return false }
        for offset in 1..<connections.count {
            let candidate = (index + offset) % connections.count
            if !ejected.contains(candidate) && !connections[candidate].isFailing {
                connections[candidate].start(call)
                return true
            }
        }
        return false
    }

    func send(_ framed: [UInt8]?, end: Bool, on call: ClientCall) {
        call.connection?.send(framed, end: end, on: call)
    }

    /// Cancels a call wherever it is, or before it started.
    func cancel(_ call: ClientCall, _ status: RPCError) {
        if let connection = call.connection {
            connection.cancel(call, status)
        } else {
            call.finish(status)
        }
    }

    func shutdown() {
        for connection in connections { connection.shutdown() }
    }

    private func stateChanged(_ index: Int, _ connection: ClientConnection) {
        guard connections.count > 1 else { return }
        if connection.isFailing {
            if ejected.insert(index).inserted { scheduleProbe(index) }
        }
    }

    private func scheduleProbe(_ index: Int) {
        let connection = connections[index]
        guard case .transientFailure(let retryAt) = connection.state, !probing.contains(index) else { return }
        probing.insert(index)
        connection.loop.schedule(at: retryAt) { [weak self] in self?.probe(index) }
    }

    static let probeMetrics = CallMetrics(path: "/grpc.health.v1.Health/Check", side: .client)

    /// Re-admits an ejected endpoint once a health check says SERVING.
    private func probe(_ index: Int) {
        let connection = connections[index]
        let request = MessageDeframer.framed(HealthCheckRequest(service: "").serializedBytes(headroom: 5))
        var response: HealthCheckResponse?
        let call = ClientCall(
            path: "/grpc.health.v1.Health/Check", metadata: Metadata(),
            deadline: .now + connection.configuration.healthCheckTimeout, maxMessageSize: 1024, metrics: Self.probeMetrics,
            onMessage: { response = try? HealthCheckResponse(serializedBytes: $0) },
            onClose: { [weak self] status in
                guard let self else { return }
                self.probing.remove(index)
                if status.code == .ok, response?.status == .serving {
                    self.ejected.remove(index)
                } else {
                    self.scheduleProbe(index)
                }
            }
        )
        call.outbound.append(request)
        call.requestEnded = true
        connection.start(call)
    }
}
