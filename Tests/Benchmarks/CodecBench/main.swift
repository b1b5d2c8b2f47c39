// Encode/decode ns per op of our codec and protobuf-c on the same messages,
// in one process. `make bench` runs it in release mode.
import Messages
import ProtobufCBridge
import Wire

func track(count: Int) -> Track {
    let items = (1...count).map { id -> Param1 in
        func json(_ action: String) -> String {
            "{\"action\":\"\(action)\",\"userId\":\"196\",\"articleId\":\"\(id)\",\"algorithmCombine\":\"Algo-1\"}"
        }
        return Param1(articleID: Int64(id), params: Param2(click: json("click"), collect: json("collect"), share: json("share"), read: json("read")))
    }
    let ids = (1...count).map(String.init).joined(separator: ",")
    return Track(
        exposure: "{\"action\":\"exposure\",\"userId\":\"196\",\"articleId\":\"[\(ids)]\",\"algorithmCombine\":\"Algo-1\"}",
        recommends: items,
        timeStamp: 1_700_000_000_123
    )
}

nonisolated(unsafe) var sink = 0

/// Median ns/op over `rounds` timed runs of `iterations` calls each.
func measure(iterations: Int, rounds: Int = 7, _ body: () -> Int) -> Double {
    for _ in 0..<max(iterations / 10, 1) { sink &+= body() }
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        for _ in 0..<iterations { sink &+= body() }
        let elapsed = ContinuousClock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        samples.append(ns / Double(iterations))
    }
    return samples.sorted()[rounds / 2]
}

struct Row {
    let name: String
    let ours: Double
    let protobufC: Double
}

let bigTrack = track(count: 100)
let trackBytes = bigTrack.serializedBytes()
let user = User(userID: "196", channelID: 18, articleNum: 10, timeStamp: 1_700_000_000_123)
let userBytes = user.serializedBytes()
precondition(ProtobufC.pack(bigTrack) == trackBytes && ProtobufC.pack(user) == userBytes, "codecs disagree")

let cTrack = ProtobufCTrackFixture(bigTrack)
let cUser = ProtobufCUserFixture(user)
let rows = [
    Row(name: "encode Track (100 recommends, \(trackBytes.count) B)",
        ours: measure(iterations: 20_000) { bigTrack.serializedBytes().count },
        protobufC: measure(iterations: 20_000) { cTrack.encode() }),
    Row(name: "decode Track (100 recommends, \(trackBytes.count) B)",
        ours: measure(iterations: 20_000) { (try? Track(serializedBytes: trackBytes))?.recommends.count ?? 0 },
        protobufC: measure(iterations: 20_000) { ProtobufCTrackFixture.decode(trackBytes) ? 1 : 0 }),
    Row(name: "encode User (\(userBytes.count) B)",
        ours: measure(iterations: 2_000_000) { user.serializedBytes().count },
        protobufC: measure(iterations: 2_000_000) { cUser.encode() }),
    Row(name: "decode User (\(userBytes.count) B)",
        ours: measure(iterations: 2_000_000) { Int((try? User(serializedBytes: userBytes))?.articleNum ?? 0) },
        protobufC: measure(iterations: 2_000_000) { ProtobufCUserFixture.decode(userBytes) ? 1 : 0 }),
]

print("| operation | ours ns/op | protobuf-c ns/op | ours / protobuf-c |")
print("|---|---:|---:|---:|")
for row in rows {
    let ratio = row.ours / row.protobufC
    print("| \(row.name) | \(Int(row.ours.rounded())) | \(Int(row.protobufC.rounded())) | \((ratio * 100).rounded() / 100) |")
}
if sink == 42 { print("") }
