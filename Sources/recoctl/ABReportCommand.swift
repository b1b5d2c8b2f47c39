import Experiments
import Foundation
import Messages
import Stores

/// `recoctl ab-report`: CTR per strategy from the event log, with 95%
/// intervals and a z-test against the control, and an SVG of CTR over time.
enum ABReportCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let minutes = try arguments.int("--bin-minutes", default: 60)
        guard minutes > 0 else { throw UsageError("--bin-minutes must be positive") }
        var readout = ABReadout(binMilliseconds: Int64(minutes) * 60_000)
        var events = 0
        let (records, source) = try LoggedEvents.read(arguments)
        for record in records {
            guard let action = try? Action(serializedBytes: record) else { continue }
            readout.add(strategy: action.algorithmCombine, action: action.action, time: action.timeStamp)
            events += 1
        }
        let control = arguments.option("--control") ?? "Algo-1"
        print("\(events) events from \(source); control \(control)")
        print("strategy".padding(toLength: 20, withPad: " ", startingAt: 0) + "exposures    clicks   CTR      95% interval        z       p")
        let comparisons = Dictionary(uniqueKeysWithValues: readout.compare(to: control).map { ($0.strategy, $0) })
        for arm in readout.arms.values.sorted(by: { $0.strategy < $1.strategy }) {
            let (low, high) = arm.interval
            var line = arm.strategy.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(arm.exposures).padding(toLength: 13, withPad: " ", startingAt: 0) + String(arm.clicks).padding(toLength: 9, withPad: " ", startingAt: 0)
                + String(format: "%-8@ [%.2f%%, %.2f%%]", String(format: "%.2f%%", arm.ctr * 100) as NSString, low * 100, high * 100)
            if let c = comparisons[arm.strategy] { line += String(format: "  %+.2f  %.4f", c.z, c.p) }
            print(line)
        }
        if let path = arguments.option("--svg") {
            try readout.svg().write(toFile: path, atomically: true, encoding: .utf8)
            print("chart: \(path)")
        }
    }
}
