/// A seccomp filter as data: a default action and rules, each naming system calls and the action taken
/// when all its argument conditions hold. Compiled with libseccomp by ``SeccompProgram``.
public struct SeccompProfile: Sendable, Equatable {
    public var defaultAction: SeccompAction
    public var rules: [SeccompRule]

    public init(defaultAction: SeccompAction, rules: [SeccompRule]) {
        self.defaultAction = defaultAction
        self.rules = rules
    }
}

public struct SeccompRule: Sendable, Equatable {
    public var names: [String]
    public var action: SeccompAction
    public var conditions: [SeccompCondition]

    public init(names: [String], action: SeccompAction, conditions: [SeccompCondition] = []) {
        self.names = names
        self.action = action
        self.conditions = conditions
    }
}

/// A comparison of system call argument `index` with `value` (and `valueTwo` for `.maskedEqual`, where
/// `value` is the mask: `(argument & value) == valueTwo`).
public struct SeccompCondition: Sendable, Equatable {
    public var index: UInt32
    public var comparison: SeccompComparison
    public var value: UInt64
    public var valueTwo: UInt64

    public init(index: UInt32, comparison: SeccompComparison, value: UInt64, valueTwo: UInt64 = 0) {
        self.index = index
        self.comparison = comparison
        self.value = value
        self.valueTwo = valueTwo
    }
}

/// libseccomp's `enum scmp_compare`.
public enum SeccompComparison: UInt32, Sendable, Equatable {
    case notEqual = 1, lessThan, lessOrEqual, equal, greaterOrEqual, greaterThan, maskedEqual
}

public enum SeccompAction: Sendable, Equatable {
    case allow
    case errno(Int32)
    case killThread
    case killProcess
    case trap
    case trace(UInt16)
    case log

    /// The libseccomp action value (SCMP_ACT_*; several are function-like macros that do not import).
    var libseccompValue: UInt32 {
        switch self {
        case .allow: 0x7fff_0000
        case .errno(let code): 0x0005_0000 | (UInt32(bitPattern: code) & 0xffff)
        case .killThread: 0x0000_0000
        case .killProcess: 0x8000_0000
        case .trap: 0x0003_0000
        case .trace(let message): 0x7ff0_0000 | UInt32(message)
        case .log: 0x7ffc_0000
        }
    }
}
