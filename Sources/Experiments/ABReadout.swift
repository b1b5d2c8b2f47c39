import Foundation

/// The A/B read-out from logged behaviour: per strategy, exposures, clicks,
/// CTR with a 95% Wilson interval, and a two-proportion z-test against the
/// control; plus CTR over time per strategy as an SVG chart.
public struct ABReadout: Sendable {
    public struct Arm: Sendable, Equatable {
        public let strategy: String
        public var exposures = 0
        public var clicks = 0
        public var ctr: Double { exposures > 0 ? Double(clicks) / Double(exposures) : 0 }

        /// 95% Wilson score interval.
        public var interval: (low: Double, high: Double) {
            guard exposures > 0 else { return (0, 0) }
            let n = Double(exposures), p = ctr, z = 1.959964
            let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / (1 + z * z / n)
            return (max(0, centre - half), min(1, centre + half))
        }
    }

    public struct Comparison: Sendable {
        public let strategy: String
        public let z: Double
        /// Two-sided.
        public let p: Double
    }

    public private(set) var arms: [String: Arm] = [:]
    /// (bin start ms, strategy) -> (exposures, clicks)
    private var series: [Int64: [String: (Int, Int)]] = [:]
    public let binMilliseconds: Int64

    public init(binMilliseconds: Int64 = 3_600_000) {
        self.binMilliseconds = binMilliseconds
    }

    /// One logged action. A combined name ("Algo-1+FM") counts for the
    /// combination and for each layer's strategy in it.
    public mutating func add(strategy: String, action: String, time: Int64) {
        guard !strategy.isEmpty, action == "exposure" || action == "click" else { return }
        let names = Set([strategy] + strategy.split(separator: "+").map(String.init))
        let bin = time / binMilliseconds * binMilliseconds
        for name in names {
            var arm = arms[name] ?? Arm(strategy: name)
            var point = series[bin, default: [:]][name] ?? (0, 0)
            if action == "exposure" {
                arm.exposures += 1
                point.0 += 1
            } else {
                arm.clicks += 1
                point.1 += 1
            }
            arms[name] = arm
            series[bin, default: [:]][name] = point
        }
    }

    /// Pooled two-proportion z-test of each arm against `control`.
    public func compare(to control: String) -> [Comparison] {
        guard let c = arms[control], c.exposures > 0 else { return [] }
        return arms.values.filter { $0.strategy != control && $0.exposures > 0 }.sorted { $0.strategy < $1.strategy }.map { arm in
            let pooled = Double(c.clicks + arm.clicks) / Double(c.exposures + arm.exposures)
            let se = (pooled * (1 - pooled) * (1 / Double(c.exposures) + 1 / Double(arm.exposures))).squareRoot()
            let z = se > 0 ? (arm.ctr - c.ctr) / se : 0
            return Comparison(strategy: arm.strategy, z: z, p: erfc(abs(z) / 2.0.squareRoot()))
        }
    }

    /// CTR per time bin per strategy, one polyline each; self-contained SVG.
    public func svg(width: Int = 720, height: Int = 320) -> String {
        let bins = series.keys.sorted()
        let names = arms.keys.sorted()
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]
        let ctrs = bins.flatMap { bin in names.compactMap { name -> Double? in
            guard let (e, c) = series[bin]?[name], e > 0 else { return nil }
            return Double(c) / Double(e)
        } }
        let top = max(ctrs.max() ?? 0.1, 0.01) * 1.1
        let left = 50.0, right = Double(width) - 130, bottom = Double(height) - 30, upper = 20.0
        func x(_ i: Int) -> Double { bins.count > 1 ? left + (right - left) * Double(i) / Double(bins.count - 1) : (left + right) / 2 }
        func y(_ v: Double) -> Double { bottom - (bottom - upper) * v / top }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/><line x1=\"\(left)\" y1=\"\(upper)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
        for tick in 0...4 {
            let v = top * Double(tick) / 4
            out += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.1f%%", v * 100))</text>\n"
        }
        out += "<text x=\"\((left + right) / 2)\" y=\"\(Double(height) - 8)\" text-anchor=\"middle\">CTR per \(binMilliseconds / 60000) min, \(bins.count) bins</text>\n"
        for (index, name) in names.enumerated() {
            let colour = colours[index % colours.count]
            let points = bins.enumerated().compactMap { i, bin -> String? in
                guard let (e, c) = series[bin]?[name], e > 0 else { return nil }
                return String(format: "%.1f,%.1f", x(i), y(Double(c) / Double(e)))
            }
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let escaped = name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            out += "<text x=\"\(right + 10)\" y=\"\(upper + 16 * Double(index + 1))\" fill=\"\(colour)\">\(escaped)</text>\n"
        }
        return out + "</svg>\n"
    }
}
