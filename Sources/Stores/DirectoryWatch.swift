import Dispatch
import Glibc

/// Tells a follower of the file event log that the log changed (inotify on
/// its directory: a record written, a segment created), so it reads new
/// events the moment they land instead of polling: freshness stops paying a
/// poll interval, and an idle consumer stops waking a hundred times a second.
final class DirectoryWatch: @unchecked Sendable {
    private let fd: Int32
    /// The blocking wait runs here, off the cooperative thread pool.
    private let queue = DispatchQueue(label: "event-log-watch")

    /// nil when the directory cannot be watched (it does not exist yet, or
    /// inotify is unavailable): the caller polls instead.
    init?(directory: String) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        guard inotify_add_watch(fd, directory, UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO)) >= 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Returns once the directory changed since the previous call returned,
    /// or after `timeout`. A change that happened before this call (while the
    /// caller was reading) returns at once: the kernel keeps it queued.
    func change(within timeout: Duration) async {
        let milliseconds = Int32(clamping: timeout.milliseconds)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, milliseconds) > 0 { drain() }
                continuation.resume()
            }
        }
    }

    /// Reads away the queued notices: only that something changed matters.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(fd, &buffer, buffer.count) > 0 {}
    }
}
