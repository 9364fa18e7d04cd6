/// The result of one doctor check: one line of `scorpio doctor`.
public struct DoctorFinding: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case passed, warning, failed

        /// ✓, ! or ✗.
        public var symbol: String {
            switch self {
            case .passed: return "✓"
            case .warning: return "!"
            case .failed: return "✗"
            }
        }
    }

    /// The check's name: "fuse device".
    public let check: String
    public let status: Status
    /// What was found, naming paths and values.
    public let detail: String
    /// What to do about a failure or warning.
    public let fix: String?

    public init(check: String, status: Status, detail: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    public static func passed(_ check: String, _ detail: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .passed, detail: detail)
    }

    public static func warning(_ check: String, _ detail: String, fix: String? = nil) -> DoctorFinding {
        DoctorFinding(check: check, status: .warning, detail: detail, fix: fix)
    }

    public static func failed(_ check: String, _ detail: String, fix: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .failed, detail: detail, fix: fix)
    }

    /// The same finding, downgraded to a warning when the check is optional on this host.
    func warningUnless(required: Bool, because reason: String) -> DoctorFinding {
        guard status == .failed, !required else { return self }
        return DoctorFinding(check: check, status: .warning, detail: "\(detail) (\(reason))", fix: fix)
    }
}
