import Antares
import Glibc

/// What a run covers, from the environment (`scripts/conformance` sets these; a plain `swift test` runs
/// the defaults):
/// - CONFORMANCE_DRIVERS: `kernel`, `fuse` or both, comma-separated (default both);
/// - CONFORMANCE_CASE: run only cases whose `name@caller` contains this text;
/// - CONFORMANCE_SEEDS: how many random sequences per caller (default 24), seeds 1…N;
/// - CONFORMANCE_SEED: run just this seed;
/// - CONFORMANCE_REPORT: a directory to write every difference into, one file per class and driver;
/// - CONFORMANCE_ON_DISK: put the layers on /tmp's filesystem instead of a tmpfs of their own;
/// - CONFORMANCE_KEEP: a directory to copy each class's layers (as built, before any mount) and its
///   scripts into, to mount and run by hand.
enum ConformanceSettings {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }

    static let drivers: [UnionDriverKind] = {
        guard let list = value("CONFORMANCE_DRIVERS") else { return [.kernel, .fuse] }
        return list.split(separator: ",").compactMap { UnionDriverKind(rawValue: String($0)) }
    }()

    static let caseFilter = value("CONFORMANCE_CASE")

    static let seeds: [UInt64] = {
        if let seed = value("CONFORMANCE_SEED").flatMap({ UInt64($0) }) { return [seed] }
        let count = value("CONFORMANCE_SEEDS").flatMap { UInt64($0) } ?? 24
        return count == 0 ? [] : Array(1...count)
    }()

    static let reportDirectory = value("CONFORMANCE_REPORT")
    static let keepDirectory = value("CONFORMANCE_KEEP")
    static let onDisk = value("CONFORMANCE_ON_DISK") != nil

    /// How many differing cases of one class a test run records in full; the rest are listed one a line.
    static let fullReports = 12

    static func selects(_ conformanceCase: ConformanceCase) -> Bool {
        caseFilter.map { conformanceCase.key.contains($0) } ?? true
    }
}
