import Logging

/// A configuration value that is one of a fixed set of words.
public protocol ConfigChoice: RawRepresentable<String>, CaseIterable, Sendable, Hashable {
    /// Other accepted spellings (e.g. `warn` for `warning`).
    static var aliases: [String: Self] { get }
}

extension ConfigChoice {
    public static var aliases: [String: Self] { [:] }
}

/// How the Antares union is built: our own union in the FUSE server, kernel overlayfs, or chosen by measurement.
public enum UnionDriver: String, ConfigChoice {
    case auto, fuse, kernel
}

/// Where the base tree comes from.
public enum TreeSourceKind: String, ConfigChoice {
    /// A local git repository read through libgit2.
    case git
    /// A plain directory.
    case dir
    /// The Mega server's HTTP API at `base_url`.
    case mega
}

/// Compression of artifact tarballs.
public enum ArtifactCompression: String, ConfigChoice {
    case gzip, zstd, none
}

/// How Dicfuse answers `stat` for files it has not fetched: `fast` skips size probes, `accurate` reads object headers.
public enum DicfuseStatMode: String, ConfigChoice {
    case fast, accurate
}

/// The log threshold; `warn` is accepted for upstream's spelling of `warning`.
public enum LogLevel: String, ConfigChoice {
    case trace, debug, info, notice, warning, error, critical

    public static var aliases: [String: LogLevel] { ["warn": .warning] }

    public var loggerLevel: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}
