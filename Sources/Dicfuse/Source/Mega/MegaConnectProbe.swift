import Glibc
import Synchronization

/// Checks that a TCP connection to the server opens within the connect timeout.
///
/// The client probes before its first request and again after every network failure, so an unreachable
/// server is named for what it is (no such host, refused, no answer within the timeout) before a request
/// waits in the connection pool; while requests succeed, no probe is made.
final class MegaConnectProbe: Sendable {
    private let host: String
    private let port: UInt16
    private let timeout: Duration
    private let reachable = Atomic<Bool>(false)

    init(host: String, port: UInt16, timeout: Duration) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// Why the server cannot be reached, or nil when it can (or was reachable at the last request).
    func unreachableReason() -> String? {
        if reachable.load(ordering: .relaxed) { return nil }
        let reason = connectOnce()
        if reason == nil { reachable.store(true, ordering: .relaxed) }
        return reason
    }

    /// Makes the next request probe again.
    func forgetReachability() {
        reachable.store(false, ordering: .relaxed)
    }

    private func connectOnce() -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &addresses)
        guard status == 0, let addresses else {
            return "cannot resolve \(host): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(addresses) }
        var reason = "no address for \(host)"
        var next: UnsafeMutablePointer<addrinfo>? = addresses
        while let address = next {
            guard let failure = connect(to: address.pointee) else { return nil }
            reason = failure
            next = address.pointee.ai_next
        }
        return reason
    }

    private func connect(to address: addrinfo) -> String? {
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let socket = Glibc.socket(address.ai_family, flags, 0)
        guard socket >= 0 else { return "cannot open a socket: \(String(cString: strerror(errno)))" }
        defer { close(socket) }
        if Glibc.connect(socket, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return Self.describe(errno) }

        var waiting = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        var ready: Int32
        repeat { ready = poll(&waiting, 1, milliseconds) } while ready < 0 && errno == EINTR
        if ready == 0 { return "no connection within \(timeout)" }
        if ready < 0 { return Self.describe(errno) }

        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return Self.describe(errno) }
        return error == 0 ? nil : Self.describe(error)
    }

    private static func describe(_ code: Int32) -> String {
        code == ECONNREFUSED ? "connection refused" : "cannot connect: \(String(cString: strerror(code)))"
    }
}
