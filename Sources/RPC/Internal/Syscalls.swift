// The one file in RPC that calls the socket, epoll and eventfd system calls
// and handles their pointers. Everything returns Swift values or throws.
import CLinuxIO
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with errno.
struct SystemError: Error, CustomStringConvertible {
    let call: String
    let errno: Int32

    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

enum Syscalls {
    /// A non-blocking, close-on-exec TCP listener on `host:port` (port 0 =
    /// ephemeral). `reusePort` lets several loops share one port.
    static func listen(host: String, port: Int, backlog: Int32 = 1024, reusePort: Bool) throws -> (fd: Int32, port: Int) {
        let (fd, info) = try resolvedSocket(host: host, port: port, passive: true)
        defer { freeaddrinfo(info) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SystemError(call: "bind(\(host):\(port))", errno: errno)
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError(call: "listen", errno: errno)
            close(fd)
            throw error
        }
        return (fd, try localPort(fd))
    }

    /// Resolves `host:port` and opens a non-blocking, close-on-exec TCP
    /// socket of its family. The caller frees `info` with freeaddrinfo.
    private static func resolvedSocket(host: String, port: Int, passive: Bool) throws
        -> (fd: Int32, info: UnsafeMutablePointer<addrinfo>) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE | AI_NUMERICHOST : 0
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw SystemError(call: "getaddrinfo(\(host))", errno: passive ? EINVAL : EHOSTUNREACH)
        }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let error = SystemError(call: "socket", errno: errno)
            freeaddrinfo(info)
            throw error
        }
        return (fd, info)
    }

    static func localPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SystemError(call: "getsockname", errno: errno) }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Accepts one pending connection as a non-blocking socket with
    /// TCP_NODELAY, or nil when none is pending.
    static func accept(_ listener: Int32) throws -> Int32? {
        let fd = CLinuxIO_accept(listener, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        if fd < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED { return nil }
            throw SystemError(call: "accept4", errno: errno)
        }
        setNoDelay(fd)
        return fd
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Starts a non-blocking connect; completion shows as writability.
    static func connect(host: String, port: Int) throws -> Int32 {
        let (fd, info) = try resolvedSocket(host: host, port: port, passive: false)
        defer { freeaddrinfo(info) }
        setNoDelay(fd)
        if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            let error = SystemError(call: "connect(\(host):\(port))", errno: errno)
            close(fd)
            throw error
        }
        return fd
    }

    /// A non-blocking, close-on-exec listener on the Unix-domain socket
    /// `path`. A socket file nobody listens on any more (left by a process
    /// that died) is replaced; one in use is an error, and so is a path that
    /// exists and is not a socket.
    static func listen(unixPath path: String, backlog: Int32 = 1024) throws -> Int32 {
        let fd = try unixSocket()
        if CLinuxIO_unix_bind(fd, path) != 0 {
            var error = errno
            if error == EADDRINUSE && isStaleSocket(path) {
                unlink(path)
                error = CLinuxIO_unix_bind(fd, path) == 0 ? 0 : errno
            }
            if error != 0 {
                close(fd)
                throw SystemError(call: "bind(unix:\(path))", errno: error)
            }
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError(call: "listen(unix:\(path))", errno: errno)
            close(fd)
            throw error
        }
        return fd
    }

    /// A socket file at `path` whose listener is gone (connecting is refused).
    private static func isStaleSocket(_ path: String) -> Bool {
        guard isSocketFile(path) else { return false }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        return CLinuxIO_unix_connect(probe, path) != 0 && errno == ECONNREFUSED
    }

    /// Connects to the Unix-domain socket `path`. Unlike TCP this completes
    /// (or fails) at once; the caller still sees it as writability.
    static func connect(unixPath path: String) throws -> Int32 {
        let fd = try unixSocket()
        guard CLinuxIO_unix_connect(fd, path) == 0 else {
            let error = SystemError(call: "connect(unix:\(path))", errno: errno)
            close(fd)
            throw error
        }
        return fd
    }

    private static func unixSocket() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket(AF_UNIX)", errno: errno) }
        return fd
    }

    /// Removes `path` if it is a socket file (never anything else).
    static func removeSocketFile(_ path: String) {
        if isSocketFile(path) { unlink(path) }
    }

    private static func isSocketFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
    }

    /// The result of a finished non-blocking connect (0 = connected).
    static func socketError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    enum IOResult {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    /// Reads into `buffer`'s full capacity.
    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> IOResult {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { return .bytes(n) }
        if n == 0 { return .closed }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .closed
    }

    /// Writes `buffer[from...]`.
    static func write(_ fd: Int32, _ buffer: [UInt8], from offset: Int) -> IOResult {
        let n = buffer.withUnsafeBytes { bytes in
            Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
        }
        if n >= 0 { return .bytes(n) }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock : .closed
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    // MARK: epoll and eventfd

    static func epollCreate() throws -> Int32 {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "epoll_create1", errno: errno) }
        return fd
    }

    struct Interest: OptionSet {
        let rawValue: UInt32
        static let read = Interest(rawValue: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        static let write = Interest(rawValue: EPOLLOUT.rawValue)
    }

    static func epollControl(_ epoll: Int32, _ op: Int32, _ fd: Int32, _ interest: Interest) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.fd = fd
        _ = epoll_ctl(epoll, op, fd, &event)
    }

    static func epollAdd(_ epoll: Int32, _ fd: Int32, _ interest: Interest) {
        epollControl(epoll, EPOLL_CTL_ADD, fd, interest)
    }

    static func epollModify(_ epoll: Int32, _ fd: Int32, _ interest: Interest) {
        epollControl(epoll, EPOLL_CTL_MOD, fd, interest)
    }

    static func epollRemove(_ epoll: Int32, _ fd: Int32) {
        epollControl(epoll, EPOLL_CTL_DEL, fd, [])
    }

    struct Ready {
        let fd: Int32
        let readable: Bool
        let writable: Bool
        let hangup: Bool
    }

    /// Waits up to `timeoutMS` (-1 = forever) and appends what is ready to `ready`.
    static func epollWait(_ epoll: Int32, events: inout [epoll_event], timeoutMS: Int32, ready: inout [Ready]) {
        let n = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), timeoutMS) }
        guard n > 0 else { return }
        for i in 0..<Int(n) {
            let flags = events[i].events
            ready.append(Ready(
                fd: events[i].data.fd,
                readable: flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0,
                writable: flags & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0,
                hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
            ))
        }
    }

    static func eventFD() throws -> Int32 {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "eventfd", errno: errno) }
        return fd
    }

    static func signalEventFD(_ fd: Int32) {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    static func drainEventFD(_ fd: Int32) {
        var value: UInt64 = 0
        _ = Glibc.read(fd, &value, 8)
    }

    static func emptyEvents(count: Int) -> [epoll_event] {
        [epoll_event](repeating: epoll_event(), count: count)
    }
}
