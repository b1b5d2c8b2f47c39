public import RPC

/// recod's control service: status of every program, and start, stop or
/// restart of one without touching the others.
public struct ControlService: Sendable {
    let supervisor: Supervisor

    public init(supervisor: Supervisor) {
        self.supervisor = supervisor
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("recod.Control", "status") { (request: ControlRequest, _) in reply(request.name, "") }
        for action in [Supervisor.Action.start, .stop, .restart] {
            router.unary("recod.Control", action.rawValue) { (request: ControlRequest, _) in
                switch await supervisor.control(action, request.name) {
                case .success(let message): return reply(request.name, message)
                case .failure(let error): throw RPCError(request.name.isEmpty || error.description.hasPrefix("no program") ? .notFound : .failedPrecondition, error.description)
                }
            }
        }
        return router
    }

    func reply(_ name: String, _ message: String) -> ControlReply {
        ControlReply(programs: supervisor.status.filter { name.isEmpty || $0.name == name }.map(ProgramInfo.init), message: message)
    }
}
