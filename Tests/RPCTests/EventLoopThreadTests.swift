import RPC
import TestSupport
import Testing

@Suite("event loop threads")
struct EventLoopThreadTests {
    /// Operators find a busy loop in `top -H` or `perf` by its name; the kernel keeps 15 bytes.
    @Test("an event loop's thread carries the loop's name, cut to 15 bytes, from the moment the loop exists")
    func loopThreadIsNamed() throws {
        let loop = try EventLoop(name: "named-loop-for-a-test")
        defer { loop.shutdown() }
        #expect(try Fixture.threadNames().contains("named-loop-for-"))
    }
}
