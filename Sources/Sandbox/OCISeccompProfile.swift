#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SystemPackage

/// Reading seccomp profiles in the OCI runtime-spec / Docker JSON format:
/// `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [{"names": [...],
/// "action": "SCMP_ACT_ALLOW", "errnoRet": 1, "args": [{"index": 0, "value": 1, "valueTwo": 0,
/// "op": "SCMP_CMP_EQ"}]}]}`. Rules carrying `includes`/`excludes` conditions (capabilities,
/// architectures, kernel versions) are refused rather than guessed at.
extension SeccompProfile {
    public static func load(contentsOf path: FilePath) throws(SeccompProfileError) -> SeccompProfile {
        let bytes: [UInt8]
        do {
            let file = try FileDescriptor.open(path, .readOnly, options: .closeOnExec)
            defer { try? file.close() }
            bytes = try Self.readAll(file)
        } catch {
            throw .unreadable(path: path.string, reason: "\(error)")
        }
        return try SeccompProfile(ociJSON: bytes)
    }

    public init(ociJSON bytes: [UInt8]) throws(SeccompProfileError) {
        let document: OCIProfileDocument
        do {
            document = try JSONDecoder().decode(OCIProfileDocument.self, from: Data(bytes))
        } catch {
            throw .malformed("\(error)")
        }
        let defaultAction = try Self.action(named: document.defaultAction, errnoReturn: document.defaultErrnoRet)
        var rules: [SeccompRule] = []
        for entry in document.syscalls ?? [] { rules.append(try Self.rule(entry)) }
        self.init(defaultAction: defaultAction, rules: rules)
    }

    private static func rule(_ entry: OCISyscallEntry) throws(SeccompProfileError) -> SeccompRule {
        let names = (entry.names ?? []) + (entry.name.map { [$0] } ?? [])
        guard !names.isEmpty else { throw .malformed("a syscalls entry names no system call") }
        if entry.includes?.isEmpty == false || entry.excludes?.isEmpty == false {
            throw .unsupported("includes/excludes conditions (rule for \(names.joined(separator: ", ")))")
        }
        let action = try action(named: entry.action, errnoReturn: entry.errnoRet)
        var conditions: [SeccompCondition] = []
        for argument in entry.args ?? [] {
            guard let comparison = comparisons[argument.op] else { throw .unsupported("comparison \(argument.op)") }
            conditions.append(
                SeccompCondition(index: argument.index, comparison: comparison, value: argument.value,
                                 valueTwo: argument.valueTwo ?? 0))
        }
        return SeccompRule(names: names, action: action, conditions: conditions)
    }

    private static func action(named name: String, errnoReturn: UInt32?) throws(SeccompProfileError) -> SeccompAction {
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(Int32(errnoReturn ?? 1))  // EPERM when unspecified
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap
        case "SCMP_ACT_TRACE": return .trace(UInt16(truncatingIfNeeded: errnoReturn ?? 1))
        case "SCMP_ACT_LOG": return .log
        default: throw .unsupported("action \(name)")
        }
    }

    private static let comparisons: [String: SeccompComparison] = [
        "SCMP_CMP_NE": .notEqual, "SCMP_CMP_LT": .lessThan, "SCMP_CMP_LE": .lessOrEqual, "SCMP_CMP_EQ": .equal,
        "SCMP_CMP_GE": .greaterOrEqual, "SCMP_CMP_GT": .greaterThan, "SCMP_CMP_MASKED_EQ": .maskedEqual,
    ]

    private static func readAll(_ file: FileDescriptor) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try file.read(into: $0) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}

public enum SeccompProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read seccomp profile \(path): \(reason)"
        case .malformed(let reason): "malformed seccomp profile: \(reason)"
        case .unsupported(let what): "seccomp profile uses what Scorpio does not support: \(what)"
        }
    }
}

private struct OCIProfileDocument: Decodable {
    var defaultAction: String
    var defaultErrnoRet: UInt32?
    var syscalls: [OCISyscallEntry]?
}

private struct OCISyscallEntry: Decodable {
    var names: [String]?
    var name: String?
    var action: String
    var errnoRet: UInt32?
    var args: [OCIArgument]?
    var includes: [String: OCIAnyValue]?
    var excludes: [String: OCIAnyValue]?
}

private struct OCIArgument: Decodable {
    var index: UInt32
    var value: UInt64
    var valueTwo: UInt64?
    var op: String
}

/// Any JSON value: only whether `includes`/`excludes` hold anything matters.
private struct OCIAnyValue: Decodable {
    init(from decoder: any Decoder) throws {}
}
