import Foundation

/// All findings of a doctor run and the verdict.
public struct DoctorReport: Sendable, Equatable {
    public let findings: [DoctorFinding]

    public init(findings: [DoctorFinding]) {
        self.findings = findings
    }

    /// True when no required check failed (warnings allowed).
    public var canRunJobs: Bool {
        !findings.contains { $0.status == .failed }
    }

    public var failures: [DoctorFinding] { findings.filter { $0.status == .failed } }
    public var warnings: [DoctorFinding] { findings.filter { $0.status == .warning } }

    /// One line per check, a `fix:` line under each failure and warning that has one, then the verdict.
    public var text: String {
        let nameWidth = (findings.map(\.check.count).max() ?? 0) + 2
        var lines: [String] = []
        for finding in findings {
            lines.append("\(finding.status.symbol) \(finding.check.padding(toLength: nameWidth, withPad: " ", startingAt: 0))\(finding.detail)")
            if let fix = finding.fix, finding.status != .passed {
                lines.append(String(repeating: " ", count: nameWidth + 2) + "fix: \(fix)")
            }
        }
        lines.append("")
        lines.append(verdict)
        return lines.joined(separator: "\n") + "\n"
    }

    /// "this host can run jobs (…)" or "this host cannot run jobs: …".
    public var verdict: String {
        let passed = findings.count - failures.count - warnings.count
        let warningNote = warnings.isEmpty ? "" : ", \(warnings.count) warning\(warnings.count == 1 ? "" : "s")"
        if canRunJobs {
            return "this host can run jobs (\(passed) passed\(warningNote))"
        }
        let names = failures.map(\.check).joined(separator: ", ")
        return "this host cannot run jobs: \(failures.count) required check\(failures.count == 1 ? "" : "s") failed (\(names))"
    }

    public var json: String {
        struct Document: Encodable {
            let canRunJobs: Bool
            let verdict: String
            let checks: [DoctorFinding]
            enum CodingKeys: String, CodingKey { case canRunJobs = "can_run_jobs", verdict, checks }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Document(canRunJobs: canRunJobs, verdict: verdict, checks: findings))) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
