@testable import RPC
import Testing

@Suite("event loop timers")
struct TimerQueueTests {
    @Test("timers fire once, in deadline order; cancelled ones never fire, through compaction and cancelling after firing")
    func firesLiveTimersInOrder() {
        var queue = TimerQueue()
        let start = ContinuousClock.now
        var fired: [Int] = []
        var ids: [Int: TimerQueue.ID] = [:]
        // Deadlines out of order; 900 of 1,000 cancelled (compaction runs many times).
        for k in 0..<1000 {
            let offset = (k * 7919) % 1000
            ids[k] = queue.schedule(at: start + .milliseconds(offset)) { fired.append(offset) }
        }
        for k in 0..<1000 where k % 10 != 0 { queue.cancel(ids[k]!) }
        let live = (0..<1000).filter { $0 % 10 == 0 }.map { ($0 * 7919) % 1000 }.sorted()
        #expect(queue.nextDeadline() == start + .milliseconds(live[0]))
        for body in queue.popExpired(now: start + .milliseconds(499)) { body() }
        #expect(fired == live.filter { $0 <= 499 })
        // Cancelling a timer that already fired changes nothing.
        queue.cancel(ids[0]!)
        for body in queue.popExpired(now: start + .seconds(2)) { body() }
        #expect(fired == live)
        #expect(queue.nextDeadline() == nil)
    }

    @Test("a deadline centuries away (a caller's 99999999H) sorts after near ones and never fires early")
    func farDeadline() {
        var queue = TimerQueue()
        let start = ContinuousClock.now
        var fired: [String] = []
        _ = queue.schedule(at: start + .seconds(99_999_999 * 3600)) { fired.append("far") }
        _ = queue.schedule(at: start + .seconds(1)) { fired.append("near") }
        for body in queue.popExpired(now: start + .seconds(2)) { body() }
        for body in queue.popExpired(now: start + .seconds(86_400 * 365)) { body() }
        #expect(fired == ["near"])
        #expect(queue.nextDeadline() != nil)
    }
}
