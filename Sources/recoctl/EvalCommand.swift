import Dataset
import Foundation
import Models
import Pipeline

/// `recoctl eval`: ranking models (or, with --recall, recall channels) on
/// the protocol split, as text or one JSON object per line.
enum EvalCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let json = arguments.flag("--json")
        let catalog = try AtomicFiles.load(directory: arguments.option("--data") ?? "data/raw")
        let split = ProtocolSplit(catalog.interactions)
        if arguments.flag("--recall") {
            for (name, s) in OfflinePipeline.evaluateRecall(catalog: catalog, split: split) {
                if json {
                    print("{\"channel\":\"\(name)\",\"recall_at_50\":\(s.recallAt50),\"recall_at_200\":\(s.recallAt200),\"ndcg_at_10\":\(s.ndcgAt10),\"users\":\(s.users)}")
                } else {
                    print("\(name): recall@50 \(String(format: "%.4f", s.recallAt50))  recall@200 \(String(format: "%.4f", s.recallAt200))  NDCG@10 \(String(format: "%.4f", s.ndcgAt10))  users \(s.users)")
                }
            }
            return
        }
        let progress = ProgressLine()
        var predictions = ["model,user_id,item_id,label,score"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (name, grid) in OfflinePipeline.grids {
            let result = RankingTraining.run(name: name, catalog: catalog, split: split, grid: grid, seeds: OfflinePipeline.seeds[name] ?? [0]) { if !json { progress($0) } }
            if !json { progress.finish() }
            let r = result.report
            if json {
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            } else {
                print("\(name): AUC \(String(format: "%.4f", r.auc))  GAUC \(String(format: "%.4f", r.gauc))  logloss \(String(format: "%.4f", r.logloss))  epochs \(r.epochs)  fit \(String(format: "%.1f", r.train_seconds)) s  seeds \(r.seeds) alone \(r.seed_aucs.map { String(format: "%.4f", $0) })")
            }
            predictions += result.predictions.map { "\(name),\($0.0),\($0.1),\($0.2),\($0.3)" }
        }
        if let path = arguments.option("--predictions") {
            try (predictions.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
