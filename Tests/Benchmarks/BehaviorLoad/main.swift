// The real-time loop's side of `make bench`. Prints one JSON line.
//   BehaviorLoad ingest ROUTER STREAMS EVENTS_PER_STREAM
//     report_stream from STREAMS concurrent calls; events/s of acknowledged events.
//   BehaviorLoad freshness ROUTER RECALL SORT TRIALS
//     per trial: a known user clicks a popular item; time from the acknowledgement
//     until RecallService's online channel and SortService's score both
//     reflect it (the click also dropped the user's cached rankings before
//     the acknowledgement, so the next user_recommend is computed from them).
import Foundation
import Messages
import RPC

let arguments = CommandLine.arguments
func endpoint(_ i: Int) -> RPCClient.Endpoint { RPCClient.Endpoint(arguments[i])! }
func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }
func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

let done = DispatchSemaphore(value: 0)
nonisolated(unsafe) var output: [String: Any] = [:]
Task.detached {
    do {
        if arguments[1] == "ingest" {
            let router = try RPCClient(endpoint: endpoint(2))
            let streams = Int(arguments[3])!, perStream = Int(arguments[4])!
            let started = ContinuousClock.now
            let accepted = try await withThrowingTaskGroup(of: Int64.self) { group in
                for s in 0..<streams {
                    group.addTask {
                        let call = router.streaming("/Behavior/report_stream", requestType: Action.self, responseType: Ack.self)
                        for i in 0..<perStream {
                            call.send(Action(userID: "load-\(s)-\(i % 500)", articleID: Int64(1 + i % 1682), action: i % 10 == 0 ? "click" : "exposure"))
                        }
                        call.close()
                        var total: Int64 = 0
                        for try await ack in call.responses { total += ack.accepted }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            let seconds = milliseconds(started.duration(to: .now)) / 1000
            output = ["mode": "ingest", "streams": streams, "sent": streams * perStream, "accepted": accepted, "seconds": seconds,
                      "events_per_second": Double(accepted) / seconds]
            router.shutdown()
        } else {
            let router = try RPCClient(endpoint: endpoint(2)), recall = try RPCClient(endpoint: endpoint(3)), sort = try RPCClient(endpoint: endpoint(4))
            var online: [Double] = [], features: [Double] = [], both: [Double] = []
            // Clicked items come from the published hot list, so their genres have items to recall.
            let hot: ItemList = try await recall.unary("/reco.Recall/recall", FeedQuery(userID: "", channelID: 0, count: 200, sources: [104]), timeout: .seconds(5))
            for trial in 0..<Int(arguments[5])! {
                let user = String(1 + trial % 900), item = hot.articleIDs[(trial * 7) % hot.articleIDs.count]
                let probe = FeedQuery(userID: user, channelID: 0, articleIDs: [item], model: 200)
                let before: ItemList = try await sort.unary("/reco.Sort/rank", probe, timeout: .seconds(5))
                let onlineProbe = FeedQuery(userID: user, channelID: 0, count: 500, sources: [102])
                let onlineBefore: ItemList = try await recall.unary("/reco.Recall/recall", onlineProbe, timeout: .seconds(5))
                let _: Ack = try await router.unary("/Behavior/report", Action(userID: user, articleID: item, action: "click"), timeout: .seconds(5))
                let acked = ContinuousClock.now
                var seenOnline: Duration?, seenScore: Duration?
                while seenOnline == nil || seenScore == nil {
                    if seenOnline == nil {
                        let list: ItemList = try await recall.unary("/reco.Recall/recall", onlineProbe, timeout: .seconds(5))
                        if list.articleIDs != onlineBefore.articleIDs { seenOnline = acked.duration(to: .now) }
                    }
                    if seenScore == nil {
                        let ranked: ItemList = try await sort.unary("/reco.Sort/rank", probe, timeout: .seconds(5))
                        if ranked.scores != before.scores { seenScore = acked.duration(to: .now) }
                    }
                    if acked.duration(to: .now) > .seconds(10) { throw RPCError(.deadlineExceeded, "trial \(trial) never reflected") }
                }
                online.append(milliseconds(seenOnline!))
                features.append(milliseconds(seenScore!))
                both.append(max(milliseconds(seenOnline!), milliseconds(seenScore!)))
            }
            online.sort(); features.sort(); both.sort()
            output = ["mode": "freshness", "trials": both.count,
                      "online_p50_ms": percentile(online, 0.5), "online_p99_ms": percentile(online, 0.99),
                      "features_p50_ms": percentile(features, 0.5), "features_p99_ms": percentile(features, 0.99),
                      "both_p50_ms": percentile(both, 0.5), "both_p99_ms": percentile(both, 0.99), "both_max_ms": both.last ?? 0]
            for client in [router, recall, sort] { client.shutdown() }
        }
    } catch {
        output = ["error": "\(error)"]
    }
    done.signal()
}
done.wait()
print(String(decoding: try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys]), as: UTF8.self))
