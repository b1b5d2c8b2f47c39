import Experiments
import Foundation
import RouterService
import Messages
import TestSupport
import Testing

@Suite("A/B assignment", .ownThread)
struct ExperimentTests {
    @Test("MD5 matches md5sum on every length around the block boundaries")
    func md5MatchesCoreutils() async throws {
        #expect(MD5.hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let (_, output) = try await run("sh", ["-c", "printf '%s' '\(text)' | md5sum"])
            #expect(MD5.hex(text) == String(output.prefix(32)), "length \(length)")
        }
    }

    @Test("the default table follows the reference rule: buckets 0-d Algo-1, e and f Algo-2")
    func defaultTableFollowsBypassRule() throws {
        let table = try ExperimentTable.load(path: Fixture.experimentsPath)
        var seen: Set<String> = []
        for user in (1...500).map(String.init) + ["alice", "ユーザー"] {
            let bucket = MD5.hex(user).first!
            let assignment = table.assign(user: user)
            #expect(assignment.name == ("0123456789abcd".contains(bucket) ? "Algo-1" : "Algo-2"), "user \(user) bucket \(bucket)")
            #expect(assignment.recall == [100, 101, 102, 103, 104])
            #expect(table.assign(user: user) == assignment, "stable")
            seen.insert(assignment.name)
        }
        #expect(seen == ["Algo-1", "Algo-2"])
    }

    @Test("layers with different salts are orthogonal and a later layer overrides only what it sets")
    func layersAreOrthogonal() throws {
        let path = Fixture.temporaryDirectory("layers") + "/experiments.json"
        let buckets = { (name: (Int) -> String) in (0..<16).map { "\"\(String($0, radix: 16))\": \"\(name($0))\"" }.joined(separator: ",") }
        try """
        {"recall_channels": {"100": "als", "104": "hot"}, "sort_models": {"200": "lr", "201": "fm16"},
         "strategies": {"A": {"id": 1, "recall": [100], "sort": [200]}, "B": {"id": 2, "recall": [104], "sort": [200]},
                        "FM": {"id": 3, "recall": [], "sort": [201]}},
         "layers": [{"name": "recall", "salt": "", "buckets": {\(buckets { $0 < 8 ? "A" : "B" })}},
                    {"name": "rank", "salt": "rank:", "buckets": {\(buckets { $0 < 4 ? "FM" : "" })}}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let table = try ExperimentTable.load(path: path)
        var joint: [String: Int] = [:]
        for user in (1...4000).map(String.init) {
            let a = table.assign(user: user)
            joint[a.name, default: 0] += 1
            #expect(a.recall == (a.name.hasPrefix("A") ? [100] : [104]))
            #expect(a.sort == (a.name.hasSuffix("+FM") ? [201] : [200]))
        }
        // Independent layers: a quarter of each recall arm is in the FM arm.
        for arm in ["A", "B"] {
            let withFM = Double(joint["\(arm)+FM"] ?? 0), total = withFM + Double(joint[arm] ?? 0)
            #expect(abs(withFM / total - 0.25) < 0.04, "\(arm): \(joint)")
        }
    }

    @Test("a table with a hole or an unknown name is refused with the reason")
    func invalidTablesAreRefused() throws {
        let path = Fixture.temporaryDirectory("bad") + "/experiments.json"
        try #"{"recall_channels": {"100": "als"}, "sort_models": {"200": "lr"}, "strategies": {"A": {"id": 1, "recall": [100], "sort": [200]}}, "layers": [{"name": "x", "salt": "", "buckets": {"0": "A"}}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ExperimentError.self) { try ExperimentTable.load(path: path) }
        do { _ = try ExperimentTable.load(path: path) } catch { #expect("\(error)".contains("bucket '1' unassigned")) }
        try #"{"recall_channels": {"100": "als"}, "sort_models": {"200": "lr"}, "strategies": {"A": {"id": 1, "recall": [999], "sort": [200]}}, "layers": []}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        do { _ = try ExperimentTable.load(path: path); Issue.record("accepted") } catch { #expect("\(error)".contains("unknown recall channel 999")) }
    }

    @Test("tracking strings are valid JSON naming action, user, article and strategy")
    func trackingStringsAreJSON() throws {
        let track = TrackingParams.track(user: "u\"1\\", strategy: "Algo-1", items: [3, 5], timeStamp: 42, exposure: true)
        let exposure = try JSONSerialization.jsonObject(with: Data(track.exposure.utf8)) as! [String: String]
        #expect(exposure == ["action": "exposure", "userId": "u\"1\\", "articleId": "[3,5]", "algorithmCombine": "Algo-1"])
        #expect(track.timeStamp == 42)
        let params = track.recommends[1].params!
        for (action, text) in [("click", params.click), ("collect", params.collect), ("share", params.share), ("read", params.read)] {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: String]
            #expect(object == ["action": action, "userId": "u\"1\\", "articleId": "5", "algorithmCombine": "Algo-1"])
        }
        #expect(TrackingParams.track(user: "1", strategy: "A", items: [1], timeStamp: 0, exposure: false).exposure == "")
    }

    @Test("the Track ABRouter writes from its parts is byte for byte the Track message with those strings",
          arguments: [[Int64](), [1], [3, 5, 1682], [0, -7, Int64.max, 1_000_000_007]])
    func trackedBatchEncodesAsTrack(items: [Int64]) {
        for (user, strategy, exposure, time) in [("7", "Algo-1", true, Int64(1_700_000_000_123)), ("u\"1\\\n", "Algo-1+Rank-B", false, 0)] {
            let escapedUser = user.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            func line(_ action: String, _ id: String) -> String {
                "{\"action\":\"\(action)\",\"userId\":\"\(escapedUser)\",\"articleId\":\"\(id)\",\"algorithmCombine\":\"\(strategy)\"}"
            }
            let expected = Track(
                exposure: exposure ? line("exposure", "[" + items.map(String.init).joined(separator: ",") + "]") : "",
                recommends: items.map { item in
                    Param1(articleID: item, params: Param2(click: line("click", "\(item)"), collect: line("collect", "\(item)"),
                                                           share: line("share", "\(item)"), read: line("read", "\(item)")))
                },
                timeStamp: time)
            let batch = TrackedBatch(user: user, strategy: strategy, items: items, timeStamp: time, exposure: exposure)
            #expect(batch.encodedSize() == expected.encodedSize())
            #expect(batch.serializedBytes() == expected.serializedBytes(), "user \(user), items \(items)")
        }
    }
}
