// recoctl: the operator's CLI. This first cut runs the evaluations:
// `recoctl eval [--json] [--data DIR] [--predictions FILE]` (ranking) and
// `recoctl eval --recall [--json] [--data DIR]` (recall channels on the holdout).
import Dataset
import Foundation
import Models
import Recall

let arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

guard arguments.first == "eval" else {
    FileHandle.standardError.write(Data("usage: recoctl eval [--json] [--data DIR] [--predictions FILE]\n".utf8))
    exit(2)
}
let json = arguments.contains("--json")
let catalog = try AtomicFiles.load(directory: option("--data") ?? "data/raw")
let split = ProtocolSplit(catalog.interactions)

if arguments.contains("--recall") {
    // Lists built from everything before each user's last 10 events; scored on
    // the positives among those 10 (the online holdout).
    let history = split.rows.filter { $0.part != .online }.map(\.event)
    var holdout: [Int: Set<Int>] = [:]
    for row in split.rows where row.part == .online && row.event.label == 1 { holdout[row.event.user, default: []].insert(row.event.item) }
    let started = ContinuousClock.now
    let channels = RecallChannels(catalog: catalog, history: history)
    let built = started.duration(to: .now)
    var lists: [String: [Int: [Int]]] = [:]
    for user in holdout.keys {
        let als = channels.alsCandidates(user: user, channel: 0, k: 200)
        let content = channels.contentCandidates(user: user, channel: 0, k: 200)
        let hot = channels.hotCandidates(user: user, channel: 0, k: 200)
        let new = channels.newCandidates(user: user, channel: 0, k: 200)
        lists["als", default: [:]][user] = als
        lists["content", default: [:]][user] = content
        lists["hot", default: [:]][user] = hot
        lists["new", default: [:]][user] = new
        lists["merged", default: [:]][user] = RecallChannels.merge([als, hot, content, new])
    }
    for name in ["als", "content", "hot", "new", "merged"] {
        let s = RecallEvaluation.evaluate(lists: lists[name]!, holdout: holdout)
        if json {
            print("{\"channel\":\"\(name)\",\"recall_at_50\":\(s.recallAt50),\"recall_at_200\":\(s.recallAt200),\"ndcg_at_10\":\(s.ndcgAt10),\"users\":\(s.users)}")
        } else {
            print("\(name): recall@50 \(String(format: "%.4f", s.recallAt50))  recall@200 \(String(format: "%.4f", s.recallAt200))  NDCG@10 \(String(format: "%.4f", s.ndcgAt10))  users \(s.users)")
        }
    }
    if !json { print("recall channels built in \(built)") }
    exit(0)
}
let log: (String) -> Void = json ? { _ in } : { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
var lines: [String] = []
var allPredictions: [String] = ["model,user_id,item_id,label,score"]
// The protocol's grids: LR over l2 (its C grid's role), FM over lr x l2.
let lrGrid = [3e-3, 1e-2, 3e-2].map { TrainingSettings(factors: 0, learningRate: 5e-3, l2: Float($0)) }
let fmGrid = [2e-3, 5e-3].flatMap { lr in [3e-3, 1e-2, 3e-2, 1e-1].map { TrainingSettings(factors: 16, learningRate: Float(lr), l2: Float($0)) } }
for (name, grid) in [("lr", lrGrid), ("fm16", fmGrid)] {
    let result = RankingTraining.run(name: name, catalog: catalog, split: split, grid: grid, progress: log)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    lines.append(String(decoding: try encoder.encode(result.report), as: UTF8.self))
    allPredictions += result.predictions.map { "\(name),\($0.0),\($0.1),\($0.2),\($0.3)" }
    if !json {
        let r = result.report
        print("\(name): AUC \(String(format: "%.4f", r.auc))  GAUC \(String(format: "%.4f", r.gauc))  logloss \(String(format: "%.4f", r.logloss))  epochs \(r.epochs)  fit \(String(format: "%.1f", r.train_seconds)) s")
    }
}
if json { lines.forEach { print($0) } }
if let path = option("--predictions") {
    try (allPredictions.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}
