@testable import RPC
import Testing

@Suite("gRPC framing and header values")
struct GRPCFramingTests {
    @Test("messages split across chunks and several in one chunk come out whole")
    func deframing() throws {
        let a = MessageDeframer.framed([0, 0, 0, 0, 0] + [1, 2, 3])
        let b = MessageDeframer.framed([0, 0, 0, 0, 0] + [])
        let c = MessageDeframer.framed([0, 0, 0, 0, 0] + Array(repeating: 9, count: 300))
        let stream = a + b + c
        for cut in [1, 4, 5, 7, 8, 9, 13, stream.count - 1] {
            var deframer = MessageDeframer(maxMessageSize: 1000)
            let first = try deframer.append(Array(stream[..<cut]))
            let second = try deframer.append(Array(stream[cut...]))
            #expect((first + second).map(Array.init) == [[1, 2, 3], [], Array(repeating: 9, count: 300)])
            #expect(!deframer.hasPartialMessage)
        }
    }

    @Test("an oversized length or a compressed flag is refused before the body arrives")
    func deframingLimits() {
        var small = MessageDeframer(maxMessageSize: 10)
        #expect(throws: MessageDeframer.Failure.self) { try small.append([0, 0, 0, 0, 11]) }
        var plain = MessageDeframer(maxMessageSize: 10)
        #expect(throws: MessageDeframer.Failure.self) { try plain.append([1, 0, 0, 0, 1, 7]) }
    }

    @Test("grpc-timeout parses every unit and formats within 8 digits", arguments: [
        ("10S", Duration.seconds(10)), ("2M", .seconds(120)), ("1H", .seconds(3600)),
        ("250m", .milliseconds(250)), ("7u", .microseconds(7)), ("99999999n", .nanoseconds(99_999_999)),
    ])
    func timeouts(text: String, duration: Duration) {
        #expect(GRPCHeaders.parseTimeout(text) == duration)
        let formatted = GRPCHeaders.formatTimeout(duration)
        #expect(formatted.count <= 9 && GRPCHeaders.parseTimeout(formatted)! >= duration)
    }

    @Test("grpc-timeout is written in the finest unit that fits 8 digits, rounded up", arguments: [
        (Duration.zero, "0n"), (.nanoseconds(99_999_999), "99999999n"), (.nanoseconds(100_000_001), "100001u"),
        (.milliseconds(250), "250000u"), (.seconds(1), "1000000u"), (.seconds(100_000), "100000S"),
        (.seconds(100_000_000), "1666667M"), (.seconds(6_000_000_000), "1666667H"), (.seconds(-5), "0n"),
        // The longest deadline a caller can send, passed on (it would overflow in nanoseconds), and past it.
        (.seconds(99_999_999 * 3600), "99999999H"), (.seconds(Int64.max), "99999999H"),
    ])
    func timeoutFormat(duration: Duration, text: String) {
        #expect(GRPCHeaders.formatTimeout(duration) == text)
    }

    @Test("malformed grpc-timeout values are rejected", arguments: ["", "S", "10", "123456789S", "-1S", "10x"])
    func badTimeouts(text: String) {
        #expect(GRPCHeaders.parseTimeout(text) == nil)
    }

    @Test("grpc-message percent-encoding round-trips and leaves bad escapes alone")
    func percentEncoding() {
        let message = "naïve 100% ✓\n"
        let encoded = GRPCHeaders.percentEncode(message)
        #expect(encoded == "na%C3%AFve 100%25 %E2%9C%93%0A")
        #expect(GRPCHeaders.percentDecode(encoded) == message)
        #expect(GRPCHeaders.percentDecode("50%zz%4") == "50%zz%4")
    }

    @Test("base64 for -bin metadata: padded out, padded or not in")
    func base64() {
        for bytes: [UInt8] in [[], [0], [0, 1], [0, 1, 2], [255, 254, 253, 252]] {
            let text = Base64.encode(bytes)
            #expect(text.count % 4 == 0)
            #expect(Base64.decode(text) == bytes)
            #expect(Base64.decode(String(text.prefix { $0 != "=" })) == bytes)
        }
        #expect(Base64.decode("a") == nil)
        #expect(Base64.decode("ab$d") == nil)
    }
}
