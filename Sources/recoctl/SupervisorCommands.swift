import Foundation
import RPC
import Supervisor

/// `recoctl status` and `recoctl start|stop|restart NAME`: recod's control API.
enum SupervisorCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let address = arguments.option("--recod") ?? "127.0.0.1:50050"
        guard let endpoint = RPCClient.Endpoint(address) else { throw UsageError("--recod expects HOST:PORT, got '\(address)'") }
        let action = arguments.command
        let name = action == "status" ? (arguments.words.dropFirst().first { !$0.hasPrefix("--") } ?? "") : (arguments.words.dropFirst().first ?? "")
        if action != "status" && name.isEmpty { throw UsageError("usage: recoctl \(action) NAME") }
        let client = try RPCClient(endpoint: endpoint)
        defer { client.shutdown() }
        let reply = try blocking { try await client.unary("/recod.Control/\(action)", ControlRequest(name: name), as: ControlReply.self, timeout: .seconds(5)) }
        if !reply.message.isEmpty { print(reply.message) }
        if action == "status" {
            print("NAME".padding(toLength: 15, withPad: " ", startingAt: 0) + "STATE     PID      UPTIME    RESTARTS  LAST EXIT")
            for p in reply.programs {
                let uptime = p.uptimeSeconds > 0 ? String(format: "%d:%02d:%02d", p.uptimeSeconds / 3600, p.uptimeSeconds / 60 % 60, p.uptimeSeconds % 60) : "-"
                print(p.name.padding(toLength: 15, withPad: " ", startingAt: 0) + p.state.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + String(p.pid).padding(toLength: 9, withPad: " ", startingAt: 0) + uptime.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + String(p.restarts).padding(toLength: 10, withPad: " ", startingAt: 0) + p.lastExit)
            }
        }
    }
}
