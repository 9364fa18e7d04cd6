import Glibc
import ScorpioTestSupport
import SystemPackage

/// What the runner printed for one case: the watched paths' first observation, then each step's result
/// line followed by the observation lines of what it changed.
struct Transcript: Equatable, Sendable {
    var initial: [String] = []
    var steps: [[String]] = []
}

/// One run of the runner program: the answer to opening the mount's root, and each case's transcript.
struct RunnerOutput: Sendable {
    var root = "no output"
    var cases: [String: Transcript] = [:]
    /// Set when the runner stopped early (a script error, a crash, a timeout).
    var failure: String?

    init(parsing text: String, status: Int32) {
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) where !line.isEmpty {
            if line.hasPrefix("root: ") {
                root = String(line.dropFirst(6))
            } else if line.hasPrefix("case ") {
                current = String(line.dropFirst(5))
                cases[current!] = Transcript()
            } else if line.hasPrefix("script error") {
                failure = line
            } else if let name = current {
                if line.hasPrefix("  ") {
                    if cases[name]!.steps.isEmpty { cases[name]!.initial.append(line) } else { cases[name]!.steps[cases[name]!.steps.count - 1].append(line) }
                } else if let space = line.firstIndex(of: " ") {
                    cases[name]!.steps.append([String(line[line.index(after: space)...])])
                }
            }
        }
        if status != 0 && failure == nil { failure = "the runner exited with status \(status)" }
    }
}

/// The runner program (Tests/ConformanceRunner), copied where every caller may execute it.
struct RunnerProgram {
    let executable: FilePath

    /// Copies the runner built beside the test bundle into `directory`.
    init(copyingInto directory: FilePath) throws {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let built = FilePath(String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            .removingLastComponent().appending("conformance-runner")
        executable = directory.appending("conformance-runner")
        let copied = shell("install -m 0755 '\(built)' '\(executable)' 2>&1")
        guard copied.status == 0 else {
            throw UnionError(message: "no conformance runner at \(built) (build the package first): \(copied.output)")
        }
    }

    /// Runs `cases` (all of one caller) against the union mounted at `mountpoint`.
    /// `announcingOpens`: the union never sees opens (no-open), so the runner makes each open for
    /// writing visible to it through a change that changes nothing (see the runner's "open").
    func run(
        _ cases: [(directory: String, case: ConformanceCase)], as caller: Caller, at mountpoint: FilePath, scriptFile: FilePath,
        announcingOpens: Bool = false
    ) throws -> RunnerOutput {
        var script = ""
        for (directory, conformanceCase) in cases {
            script += "case \(escape(conformanceCase.key))\n"
            script += "watch " + conformanceCase.watched.map { escape(ScriptPath.inCase($0).token(caseDirectory: directory)) }.joined(separator: " ") + "\n"
            for operation in conformanceCase.operations { script += operation.line(caseDirectory: directory) + "\n" }
        }
        try write(script, to: scriptFile)
        // A union that hangs must not hang the suite: the runner gets ten minutes.
        let announce = announcingOpens ? "CONFORMANCE_ANNOUNCE_OPENS=1 " : ""
        let result = shell("\(announce)timeout -k 10 600 setpriv \(caller.setprivArguments) '\(executable)' '\(mountpoint)' < '\(scriptFile)'")
        return RunnerOutput(parsing: result.output, status: result.status)
    }

    private func write(_ text: String, to path: FilePath) throws {
        let fd = open(path.string, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Errno(rawValue: errno) }
            written += count
        }
    }
}
