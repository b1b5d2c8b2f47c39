import Dispatch
public import Testing

/// Runs each test of a suite on a thread of its own instead of Swift's
/// cooperative pool (two threads on a two-core machine). CPU-bound tests
/// (training, fuzzing, whole-dataset replays) and tests that wait on a
/// lazily built `static let` would otherwise hold both pool threads for
/// tens of seconds, and every other test's tasks (servers, clients,
/// deadlines) would stall behind them.
public struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Whether the caller runs on a thread of this trait's (tests check the trait with it).
    public static var isCurrent: Bool { DispatchQueue.getSpecific(key: SerialThreadExecutor.marker) != nil }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> OwnThread? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(SerialThreadExecutor(label: test.name)) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    /// See `OwnThread`.
    public static var ownThread: OwnThread { OwnThread() }
}

/// A task executor on one serial dispatch queue: its jobs run one at a
/// time on a thread outside the cooperative pool.
final class SerialThreadExecutor: TaskExecutor {
    static let marker = DispatchSpecificKey<Bool>()
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: "test." + label)
        queue.setSpecific(key: Self.marker, value: true)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
