import SystemPackage

/// Where the HTTP daemon listens: `host:port` (`127.0.0.1:2726`, `[::1]:2726`, `localhost:0`) or
/// `unix:/path/to/socket`.
public enum BindAddress: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unixSocket(FilePath)

    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = text.dropFirst("unix:".count)
            guard !path.isEmpty, !path.contains("\0") else { return nil }
            self = .unixSocket(FilePath(String(path)))
            return
        }
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = Substring(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil  // an IPv6 host must be bracketed
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace),
              !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit),
              let port = UInt16(portText)
        else { return nil }
        self = .tcp(host: String(host), port: port)
    }

    /// True when only this machine can connect: a Unix socket, or a loopback host.
    public var isLoopback: Bool {
        switch self {
        case .unixSocket: return true
        case .tcp(let host, _): return host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    public var description: String {
        switch self {
        case .unixSocket(let path): return "unix:\(path.string)"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
