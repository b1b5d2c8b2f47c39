import CLinuxIO
import Foundation
import Synchronization

/// Something the loop delivers readiness to: a listener or a connection.
protocol EventLoopHandler: AnyObject {
    func handle(readable: Bool, writable: Bool, hangup: Bool)
}

/// Something with buffered output, flushed once at the end of a loop tick so
/// that every response produced in that tick leaves in one write.
protocol EventLoopFlushable: AnyObject {
    func flush()
}

/// One thread running epoll over non-blocking sockets. It is also a
/// `TaskExecutor`: RPC handlers run as tasks that prefer this executor, so a
/// handler that does not hop elsewhere runs on the loop thread with no thread
/// wake-up between the request arriving and the response leaving.
///
/// `@unchecked Sendable`: the fd table, timers, local job queue and flush list
/// are touched only on the loop thread (checked with `inEventLoop` in debug);
/// the only state other threads touch is `inbox`, behind a `Mutex`.
public final class EventLoop: TaskExecutor, @unchecked Sendable {
    private struct Inbox {
        var jobs: [UnownedJob] = []
        var work: [@Sendable () -> Void] = []
        var stopping = false
    }

    private let epoll: Int32
    private let wakeFD: Int32
    private let inbox = Mutex(Inbox())
    private let threadReady = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private nonisolated(unsafe) var thread: pthread_t?

    // Loop-thread state.
    private var handlers: [Int32: any EventLoopHandler] = [:]
    private var localJobs: [UnownedJob] = []
    /// Work `execute`d from the loop thread itself, run before the loop sleeps.
    private var localWork: [@Sendable () -> Void] = []
    private var flushList: [any EventLoopFlushable] = []
    private var timers = TimerQueue()

    public let name: String

    public init(name: String) throws {
        self.name = name
        epoll = try Syscalls.epollCreate()
        wakeFD = try Syscalls.eventFD()
        Syscalls.epollAdd(epoll, wakeFD, .read)
        // Strong: a running loop keeps itself alive until `shutdown`.
        let thread = Thread {
            CLinuxIO_name_thread(name)
            self.run()
        }
        thread.start()
        threadReady.wait()
    }

    deinit {
        Syscalls.close(epoll)
        Syscalls.close(wakeFD)
    }

    public var inEventLoop: Bool {
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    // MARK: TaskExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inEventLoop {
            localJobs.append(job)
        } else {
            let wasEmpty = inbox.withLock { inbox in
                defer { inbox.jobs.append(job) }
                return inbox.jobs.isEmpty && inbox.work.isEmpty
            }
            if wasEmpty { Syscalls.signalEventFD(wakeFD) }
        }
    }

    /// Runs `work` on the loop thread, always later (in this tick or the next),
    /// never inside the caller.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop {
            localWork.append(work)
            return
        }
        let wasEmpty = inbox.withLock { inbox in
            defer { inbox.work.append(work) }
            return inbox.jobs.isEmpty && inbox.work.isEmpty
        }
        if wasEmpty { Syscalls.signalEventFD(wakeFD) }
    }

    /// Runs `work` now if on the loop thread, else schedules it there.
    func executeSoon(_ work: @escaping @Sendable () -> Void) {
        if inEventLoop { work() } else { execute(work) }
    }

    /// Stops the loop thread after the current tick and waits for it. Work
    /// already queued still runs. Calling it again does nothing.
    public func shutdown() {
        let first = inbox.withLock { inbox in
            defer { inbox.stopping = true }
            return !inbox.stopping
        }
        guard first else { return }
        Syscalls.signalEventFD(wakeFD)
        if !inEventLoop { finished.wait() }
    }

    // MARK: Loop-thread API

    func register(_ fd: Int32, _ handler: any EventLoopHandler, interest: Syscalls.Interest = .read) {
        assert(inEventLoop)
        handlers[fd] = handler
        Syscalls.epollAdd(epoll, fd, interest)
    }

    func setInterest(_ fd: Int32, _ interest: Syscalls.Interest) {
        Syscalls.epollModify(epoll, fd, interest)
    }

    func deregister(_ fd: Int32) {
        assert(inEventLoop)
        handlers[fd] = nil
        Syscalls.epollRemove(epoll, fd)
    }

    func scheduleFlush(_ target: any EventLoopFlushable) {
        flushList.append(target)
    }

    @discardableResult
    func schedule(at deadline: ContinuousClock.Instant, _ work: @escaping () -> Void) -> TimerQueue.ID {
        timers.schedule(at: deadline, work)
    }

    func cancelTimer(_ id: TimerQueue.ID) {
        timers.cancel(id)
    }

    // MARK: The loop

    private func run() {
        thread = pthread_self()
        threadReady.signal()
        var events = Syscalls.emptyEvents(count: 256)
        var ready: [Syscalls.Ready] = []
        ready.reserveCapacity(256)
        var stopping = false
        while !stopping {
            let timeout: Int32
            if !localJobs.isEmpty || !localWork.isEmpty {
                timeout = 0
            } else if let next = timers.nextDeadline() {
                let wait = ContinuousClock.now.duration(to: next)
                let ms = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
                timeout = Int32(clamping: max(0, ms + 1))
            } else {
                timeout = -1
            }
            ready.removeAll(keepingCapacity: true)
            Syscalls.epollWait(epoll, events: &events, timeoutMS: timeout, ready: &ready)
            for event in ready {
                if event.fd == wakeFD {
                    Syscalls.drainEventFD(wakeFD)
                } else if let handler = handlers[event.fd] {
                    // Looked up first: a handler may deregister itself (and so
                    // mutate `handlers`) while it runs.
                    handler.handle(readable: event.readable, writable: event.writable, hangup: event.hangup)
                }
            }
            // Popped first, run after: a timer body may schedule or cancel timers.
            for body in timers.popExpired(now: .now) { body() }
            let (jobs, work, stop) = inbox.withLock { inbox in
                defer {
                    inbox.jobs.removeAll(keepingCapacity: true)
                    inbox.work.removeAll(keepingCapacity: true)
                }
                return (inbox.jobs, inbox.work, inbox.stopping)
            }
            stopping = stop
            for item in work { item() }
            runLocalWork()
            localJobs.append(contentsOf: jobs)
            runJobs()
            runLocalWork()
            flushAll()
        }
        for (fd, _) in handlers { Syscalls.epollRemove(epoll, fd) }
        handlers.removeAll()
        finished.signal()
    }

    private func runLocalWork() {
        let batch = localWork
        localWork.removeAll(keepingCapacity: true)
        for item in batch { item() }
    }

    private func runJobs() {
        // Jobs may enqueue more jobs; run a bounded number of rounds so
        // socket I/O is not starved, then let the next tick continue.
        for _ in 0..<8 where !localJobs.isEmpty {
            let batch = localJobs
            localJobs.removeAll(keepingCapacity: true)
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    private func flushAll() {
        while !flushList.isEmpty {
            let batch = flushList
            flushList.removeAll(keepingCapacity: true)
            for target in batch { target.flush() }
        }
    }
}

/// Timers of one loop: a binary heap of deadlines. Nearly every timer (a
/// call's deadline) is cancelled, so cancelling is O(1) (the entry is marked
/// and left in the heap) and the heap is compacted once cancelled entries
/// outnumber live ones, which keeps it near the number of calls in flight.
/// Deadlines are kept as nanoseconds in their own array, so ordering the heap
/// compares integers and touches no reference counts.
struct TimerQueue {
    /// The handle `schedule` returns, for `cancel`.
    final class ID {
        fileprivate var work: (() -> Void)?

        fileprivate init(_ work: @escaping () -> Void) {
            self.work = work
        }
    }

    private let origin = ContinuousClock.now
    private var deadlines: [Int64] = []
    private var timers: [ID] = []
    private var cancelled = 0

    private func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        // Clamped to ±285 years: a caller's 99999999H deadline must not wrap around into the past.
        let offset = origin.duration(to: instant).components
        let seconds = min(max(offset.seconds, -9_000_000_000), 9_000_000_000)
        return seconds * 1_000_000_000 + offset.attoseconds / 1_000_000_000
    }

    mutating func nextDeadline() -> ContinuousClock.Instant? {
        while let top = timers.first, top.work == nil {
            pop()
            cancelled -= 1
        }
        return deadlines.first.map { origin + .nanoseconds($0) }
    }

    mutating func schedule(at deadline: ContinuousClock.Instant, _ body: @escaping () -> Void) -> ID {
        let timer = ID(body)
        deadlines.append(nanoseconds(deadline))
        timers.append(timer)
        siftUp(deadlines.count - 1)
        return timer
    }

    mutating func cancel(_ timer: ID) {
        guard timer.work != nil else { return }
        timer.work = nil
        cancelled += 1
        if cancelled > 32 && cancelled * 2 > timers.count { compact() }
    }

    mutating func popExpired(now: ContinuousClock.Instant) -> [() -> Void] {
        let limit = nanoseconds(now)
        var due: [() -> Void] = []
        while let first = deadlines.first, first <= limit {
            let timer = timers[0]
            pop()
            if let body = timer.work {
                timer.work = nil
                due.append(body)
            } else {
                cancelled -= 1
            }
        }
        return due
    }

    private mutating func compact() {
        var kept = 0
        for index in timers.indices where timers[index].work != nil {
            deadlines[kept] = deadlines[index]
            timers.swapAt(kept, index)
            kept += 1
        }
        deadlines.removeLast(deadlines.count - kept)
        timers.removeLast(timers.count - kept)
        cancelled = 0
        for index in stride(from: kept / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func pop() {
        let last = deadlines.count - 1
        swap(0, last)
        deadlines.removeLast()
        timers.removeLast()
        siftDown(0)
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        deadlines.swapAt(a, b)
        timers.swapAt(a, b)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard deadlines[child] < deadlines[parent] else { break }
            swap(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let count = deadlines.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < count && deadlines[left] < deadlines[smallest] { smallest = left }
            if right < count && deadlines[right] < deadlines[smallest] { smallest = right }
            guard smallest != parent else { return }
            swap(parent, smallest)
            parent = smallest
        }
    }
}
