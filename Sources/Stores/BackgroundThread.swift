import CLinuxIO

/// Work no request waits for (checkpoints, write-behind flushes, history
/// merges) runs on threads that yield to the request threads: on two cores
/// shared by five services, a burst of it at normal priority would be the
/// latency tail of every request that arrives meanwhile.
enum BackgroundThread {
    /// Called on the thread itself; nice 10 gives it about a tenth of the
    /// weight of a normal thread when both want a core.
    static func lowerPriority() {
        _ = CLinuxIO_setThreadNice(10)
    }
}
