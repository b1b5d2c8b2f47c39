// recoctl: the operator's CLI. Each command lives in its own file; this one
// only dispatches. `recoctl help` lists them.
import Foundation

let arguments = CommandLine.Arguments(Array(CommandLine.arguments.dropFirst()))
do {
    switch arguments.command {
    case "data": try DataCommand.run(arguments)
    case "import": try ImportCommand.run(arguments)
    case "train": try TrainCommand.run(arguments)
    case "versions": try VersionsCommand.run(arguments)
    case "eval": try EvalCommand.run(arguments)
    case "recommend", "similar": try QueryCommand.run(arguments)
    case "status", "start", "stop", "restart": try SupervisorCommand.run(arguments)
    case "ab-report": try ABReportCommand.run(arguments)
    case "trace": try TraceCommand.run(arguments)
    case "top": try TopCommand.run(arguments)
    default:
        print(CommandLine.usage)
        exit(arguments.command == "help" ? 0 : 2)
    }
} catch {
    FileHandle.standardError.write(Data("recoctl \(arguments.command): \(error)\n".utf8))
    exit(1)
}
