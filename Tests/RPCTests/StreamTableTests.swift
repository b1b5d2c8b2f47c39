@testable import RPC
import Testing

@Suite("stream table")
struct StreamTableTests {
    final class Call {
        let id: Int32
        init(_ id: Int32) { self.id = id }
    }

    @Test("finds every live stream as a dictionary would, with long-lived streams holding slots and more in flight than slots")
    func matchesADictionary() {
        var table = StreamTable<Call>(slots: 8)
        var model: [Int32: Call] = [:]
        var random = SystemRandomNumberGenerator()
        var next: Int32 = 1
        // Two long-lived streams (a watch, a report stream) while ids move on by thousands.
        for _ in 0..<2 {
            let call = Call(next)
            table[next] = call
            model[next] = call
            next += 2
        }
        for step in 0..<5_000 {
            // Up to 20 unary calls in flight, more than the 8 slots at times.
            if model.count < 22 && (step % 3 != 0 || model.count < 3) {
                let call = Call(next)
                table[next] = call
                model[next] = call
                next += 2
            } else if let id = model.keys.filter({ $0 > 3 }).randomElement(using: &random) {
                #expect(table.removeValue(forKey: id) === model.removeValue(forKey: id))
            }
            // Lookups of live, removed and never-opened ids.
            for id in [Int32(1), 3, next - 2, next, next + 2, Int32.random(in: 1...next, using: &random)] {
                #expect(table[id] === model[id], "id \(id) at step \(step)")
            }
            #expect(table.count == model.count)
        }
        // Replacing a stream keeps one entry.
        let replacement = Call(1)
        table[1] = replacement
        model[1] = replacement
        #expect(table[1] === replacement && table.count == model.count)
        #expect(Set(table.values.map(\.id)) == Set(model.keys))
        table[3] = nil
        model[3] = nil
        #expect(table[3] == nil && table.count == model.count)
        table.removeAll()
        #expect(table.isEmpty && table.values.isEmpty && table[1] == nil)
    }
}
