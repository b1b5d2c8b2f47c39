import Experiments
import Foundation
import Testing

@Suite("A/B read-out")
struct ABReadoutTests {
    @Test("CTR, Wilson intervals and the two-proportion z-test match their textbook values")
    func statistics() {
        var readout = ABReadout()
        let t0: Int64 = 1_700_000_000_000
        for i in 0..<1000 {
            readout.add(strategy: "Algo-1", action: "exposure", time: t0 + Int64(i))
            readout.add(strategy: "Algo-2+FM", action: "exposure", time: t0 + Int64(i))
        }
        for i in 0..<100 { readout.add(strategy: "Algo-1", action: "click", time: t0 + Int64(i)) }
        for i in 0..<130 { readout.add(strategy: "Algo-2+FM", action: "click", time: t0 + 7_200_000 + Int64(i)) }
        readout.add(strategy: "Algo-1", action: "share", time: t0)   // not part of CTR
        let control = readout.arms["Algo-1"]!
        #expect(control.exposures == 1000 && control.clicks == 100)
        // A combination counts for each layer's strategy too.
        #expect(readout.arms["Algo-2"]?.clicks == 130 && readout.arms["FM"]?.exposures == 1000)
        var small = ABReadout()
        for _ in 0..<100 { small.add(strategy: "x", action: "exposure", time: t0) }
        for _ in 0..<10 { small.add(strategy: "x", action: "click", time: t0) }
        let (low, high) = small.arms["x"]!.interval
        #expect(abs(low - 0.05522854) < 1e-6 && abs(high - 0.17436566) < 1e-6)
        let test = readout.compare(to: "Algo-1").first { $0.strategy == "Algo-2" }!
        #expect(abs(test.z - 2.10276) < 1e-4)
        #expect(abs(test.p - 0.035484) < 1e-5)
        let svg = readout.svg()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
    }
}
