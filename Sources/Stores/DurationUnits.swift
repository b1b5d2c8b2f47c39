/// A `Duration` in the units the system calls take (poll's and a
/// semaphore's timeouts, a sleep): the store threads' intervals.
extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    /// Seconds, with their fraction.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
