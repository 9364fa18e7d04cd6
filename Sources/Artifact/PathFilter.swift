import Glibc

/// Which paths go into a layer (`--include GLOB`, `--exclude GLOB`), by fnmatch(3) globs.
///
/// A glob matches a path when it matches the whole path (`*` also crosses `/`), or, for a glob without a
/// `/`, the last component (`*.o` matches `out/main.o`), or any of those for one of the path's
/// ancestors (`out` or `out/*` keeps all of `out/`). A path is kept when no include is given or one
/// matches, and no exclude matches.
public struct PathFilter: Sendable, Hashable, Codable {
    public var includes: [String]
    public var excludes: [String]

    public static let everything = PathFilter()

    public init(includes: [String] = [], excludes: [String] = []) {
        self.includes = includes
        self.excludes = excludes
    }

    public func keeps(_ path: String) -> Bool {
        (includes.isEmpty || includes.contains { Self.glob($0, matches: path) })
            && !excludes.contains { Self.glob($0, matches: path) }
    }

    static func glob(_ pattern: String, matches path: String) -> Bool {
        let pattern = pattern.hasPrefix("/") ? String(pattern.drop { $0 == "/" }) : pattern
        let matchesComponent = !pattern.contains("/")
        var candidate = Substring(path)
        while true {
            if fnmatch(pattern, String(candidate), 0) == 0 { return true }
            if matchesComponent, let slash = candidate.lastIndex(of: "/"),
                fnmatch(pattern, String(candidate[candidate.index(after: slash)...]), 0) == 0
            {
                return true
            }
            guard let slash = candidate.lastIndex(of: "/") else { return false }
            candidate = candidate[..<slash]
        }
    }
}
