import Messages

/// A seeded generator, so every random test is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random contract messages that exercise the wire's edge cases: zero and
/// extreme integers, negative int32 (10-byte varints), empty and multi-byte
/// UTF-8 strings, absent and empty nested messages. No NUL in strings, since
/// protobuf-c keeps strings as C strings.
struct RandomMessages {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int32() -> Int32 {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: 0
        case 1: .min
        case 2: .max
        case 3: Int32.random(in: -300...300, using: &rng)
        default: Int32(truncatingIfNeeded: rng.next())
        }
    }

    mutating func int64() -> Int64 {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: 0
        case 1: .min
        case 2: .max
        case 3: Int64.random(in: -300...300, using: &rng)
        default: Int64(bitPattern: rng.next() >> UInt64.random(in: 0...63, using: &rng))
        }
    }

    mutating func string() -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", "{", "\"", ":", "é", "中", "文", "😀", "\u{7F}", "\u{1}", " ", "\u{10FFFF}"]
        let length = Int.random(in: 0..<4, using: &rng) == 0 ? 0 : Int.random(in: 1...140, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(alphabet.randomElement(using: &rng)!) }
        return String(scalars)
    }

    mutating func user() -> User {
        User(userID: string(), channelID: int32(), articleNum: int32(), timeStamp: int64())
    }

    mutating func article() -> Article {
        Article(articleID: int64(), articleNum: int32())
    }

    mutating func param2() -> Param2 {
        Param2(click: string(), collect: string(), share: string(), read: string())
    }

    mutating func param1() -> Param1 {
        Param1(articleID: int64(), params: Bool.random(using: &rng) ? param2() : nil)
    }

    mutating func track() -> Track {
        let count = Int.random(in: 0...12, using: &rng)
        return Track(exposure: string(), recommends: (0..<count).map { _ in param1() }, timeStamp: int64())
    }

    mutating func similar() -> Similar {
        Similar(articleIDs: (0..<Int.random(in: 0...30, using: &rng)).map { _ in int64() })
    }
}
