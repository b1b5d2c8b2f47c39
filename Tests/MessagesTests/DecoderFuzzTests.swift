import Messages
import Testing
import TestSupport
import Wire

/// Arbitrary bytes must never crash the decoder: each buffer either decodes
/// (and then re-encodes to something that decodes to the same message) or
/// throws a WireError.
@Suite("decoder robustness", .ownThread)
struct DecoderFuzzTests {
    static let buffers = 100_000

    private func survive<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> Bool {
        guard let message = try? M(serializedBytes: bytes) else { return false }
        let again = try? M(serializedBytes: message.serializedBytes())
        #expect(again == message, "unstable round trip of \(bytes)")
        return true
    }

    private func decodeAll(_ bytes: [UInt8]) -> Int {
        var decoded = 0
        if survive(User.self, bytes) { decoded += 1 }
        if survive(Article.self, bytes) { decoded += 1 }
        if survive(Param1.self, bytes) { decoded += 1 }
        if survive(Track.self, bytes) { decoded += 1 }
        if survive(Similar.self, bytes) { decoded += 1 }
        return decoded
    }

    @Test("100,000 random and mutated buffers never crash the decoder")
    func randomAndMutatedBuffers() async {
        var rng = SplitMix64(seed: 0xF00D)
        var random = RandomMessages(seed: 42)
        var decoded = 0
        for round in 0..<Self.buffers {
            // Long CPU-bound loop: let other tests' tasks run in between.
            if round % 1000 == 0 { await Task.yield() }
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                // Start from a valid message and damage it: flips, cuts, inserted bytes.
                bytes = round % 3 == 0 ? random.track().serializedBytes() : random.user().serializedBytes()
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    guard !bytes.isEmpty else { break }
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                    case 1: bytes.removeSubrange(at...)
                    case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    default: bytes[at] = [0x00, 0x7F, 0x80, 0xFF].randomElement(using: &rng)!
                    }
                }
            }
            decoded += decodeAll(bytes)
        }
        // Both outcomes must actually occur, or the generator is not exercising anything.
        #expect(decoded > 1_000)
        #expect(decoded < Self.buffers * 5)
    }

    @Test("deep nesting inside unknown fields is skipped without recursion")
    func deepUnknownNesting() throws {
        // 10,000 nested length-delimited unknown fields (field 9) are opaque bytes to User.
        var bytes: [UInt8] = []
        for _ in 0..<10_000 {
            var outer: [UInt8] = [0x4A]
            var length = UInt64(bytes.count)
            while length >= 0x80 { outer.append(UInt8(length & 0x7F) | 0x80); length >>= 7 }
            outer.append(UInt8(length))
            bytes = outer + bytes
        }
        let user = try User(serializedBytes: bytes)
        #expect(user.unknownFields.bytes == bytes)
    }
}
