import Antares
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Runs a class of cases against kernel overlayfs and against one Scorpio driver, each over its own copy
/// of the same layers and with the same callers, and records every case whose transcripts differ.
enum Conformance {
    /// `reproduction` gives a case's one-line reproduction; `DRIVER` in it stands for the driver.
    static func check(
        _ className: String, _ cases: [ConformanceCase], driver: UnionDriverKind,
        reproduction: (ConformanceCase) -> String = { "scripts/conformance --driver DRIVER --case '\($0.key)'" },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let differences = try differences(className, cases, against: .scorpio(driver), reproduction: reproduction, sourceLocation: sourceLocation)
        for difference in differences.prefix(ConformanceSettings.fullReports) {
            Issue.record(Comment(rawValue: difference.report), sourceLocation: sourceLocation)
        }
    }

    /// Runs the cases `ConformanceSettings` selects against overlayfs and against `side`; records what
    /// keeps cases from running and a summary of the differences (written in full to
    /// CONFORMANCE_REPORT), and returns the differences.
    static func differences(
        _ className: String, _ cases: [ConformanceCase], against side: Side, reproduction: (ConformanceCase) -> String,
        sourceLocation: SourceLocation
    ) throws -> [CaseDifference] {
        let selected = cases.filter(ConformanceSettings.selects)
        guard !selected.isEmpty else { return [] }
        let duplicates = Dictionary(grouping: selected, by: \.key).filter { $0.value.count > 1 }.keys
        try #require(duplicates.isEmpty, "case names repeat: \(duplicates.sorted())", sourceLocation: sourceLocation)

        let scratch = try ClassScratch(onDisk: ConformanceSettings.onDisk)
        let placed = selected.enumerated().map { (directory: "c\($0.offset)", case: $0.element) }
        let template = scratch.path.appending("template")
        try LayerBuilder(root: template).build(placed)
        let runner = try RunnerProgram(copyingInto: scratch.path)
        let callers = selected.map(\.caller).reduce(into: [Caller]()) { if !$0.contains($1) { $0.append($1) } }
        let expected = try run(placed, callers: callers, on: .overlayfs, in: scratch.path.appending("oracle"), template: template, runner: runner)
        let actual = try run(placed, callers: callers, on: side, in: scratch.path.appending("tested"), template: template, runner: runner)
        keep(className, template: template, scripts: scratch.path.appending("oracle"))

        var differences: [CaseDifference] = []
        var notRun: [(reason: String, cases: Int)] = []
        for caller in callers {
            let oracle = expected[caller]!, tested = actual[caller]!
            let callerCases = placed.filter { $0.case.caller == caller }
            if let failure = oracle.failure {
                Issue.record("\(className) as \(caller): the runner failed on overlayfs: \(failure)", sourceLocation: sourceLocation)
                continue
            }
            if let failure = tested.failure {
                Issue.record("\(className) as \(caller): the runner failed on \(side): \(failure)", sourceLocation: sourceLocation)
            }
            if oracle.root != tested.root {
                notRun.append((
                    "as \(caller): the mount root answers \(tested.root) to open(2) on \(side) (overlayfs: \(oracle.root)); none of the \(callerCases.count) cases of this caller could run",
                    callerCases.count))
                continue
            }
            for (_, conformanceCase) in callerCases {
                if let difference = compare(
                    conformanceCase, oracle: oracle.cases[conformanceCase.key] ?? Transcript(), driver: tested.cases[conformanceCase.key] ?? Transcript(),
                    driverName: "\(side)", reproduction: reproduction(conformanceCase).replacing("DRIVER", with: "\(side)"))
                {
                    differences.append(difference)
                }
            }
        }
        let summary = summarize(className, side: side, total: selected.count, differences: differences, notRun: notRun)
        print(summary.head.split(separator: "\n").first.map(String.init) ?? summary.head)
        write(className, side: side, summary: summary.head + summary.cases, differences: differences)
        if !differences.isEmpty || !notRun.isEmpty {
            // The kinds of difference, each with a case to reproduce it; the list of every case goes to
            // the report file only (a long comment costs the test runner seconds to print).
            let listed = differences.count > ConformanceSettings.fullReports
                ? "\n  (\(differences.count - ConformanceSettings.fullReports) more differing cases not shown in full; scripts/conformance writes them all to files)"
                : ""
            Issue.record(Comment(rawValue: summary.head + listed), sourceLocation: sourceLocation)
        }
        return differences
    }

    /// Mounts one side over its own copy of the layers, runs every caller's script against it, unmounts.
    private static func run(
        _ placed: [(directory: String, case: ConformanceCase)], callers: [Caller], on side: Side, in root: FilePath, template: FilePath,
        runner: RunnerProgram
    ) throws -> [Caller: RunnerOutput] {
        let union = try MountedUnion(side, layersFrom: template, in: root)
        var outputs: [Caller: RunnerOutput] = [:]
        for caller in callers {
            outputs[caller] = try runner.run(
                placed.filter { $0.case.caller == caller }, as: caller, at: union.mountpoint, scriptFile: root.appending("script-\(caller.tag).txt"),
                announcingOpens: side.neverSeesOpens)
        }
        try union.unmount()
        return outputs
    }

    /// One line of counts; the kinds of difference in the layers as mounted and in the steps beyond them,
    /// with how many cases show each; then, apart, every differing case.
    private static func summarize(
        _ className: String, side: Side, total: Int, differences: [CaseDifference], notRun: [(reason: String, cases: Int)]
    ) -> (head: String, cases: String) {
        let unrun = notRun.map(\.cases).reduce(0, +)
        var lines = ["conformance \(className), \(side): \(total) cases, \(differences.count) differ from overlayfs" + (unrun == 0 ? "" : ", \(unrun) could not run (below)")]
        lines += notRun.map { "  \($0.reason)" }
        func group(_ title: String, _ keyed: [(key: String, difference: CaseDifference)]) {
            guard !keyed.isEmpty else { return }
            lines.append("  \(title):")
            let groups = Dictionary(grouping: keyed, by: \.key)
                .sorted { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }
            for (signature, members) in groups {
                lines.append("    \(members.count)× \(signature)   e.g. \(members[0].difference.conformanceCase.key)")
            }
        }
        group("the layers as mounted differ (before any step)", differences.compactMap { difference in difference.initialSignature.map { ($0, difference) } })
        group(
            "steps that differ beyond that (each kind counted once per case)",
            differences.flatMap { difference in Set(difference.stepSignatures.map(\.signature)).map { ($0, difference) } })
        var caseLines = differences.isEmpty ? [] : ["", "  cases:"]
        for difference in differences {
            let more = Set(difference.stepSignatures.map(\.signature)).count - 1
            let location = [
                difference.initialSignature.map { _ in "layers as mounted" },
                difference.firstStep.map { "step \($0.number) (\($0.signature))" + (more > 0 ? " and \(more) more kinds" : "") },
            ].compactMap { $0 }.joined(separator: ", then ")
            caseLines.append("    \(difference.conformanceCase.key): \(location); \(difference.differingSteps) differing")
        }
        return (lines.joined(separator: "\n"), caseLines.joined(separator: "\n"))
    }

    /// With CONFORMANCE_KEEP=DIR: the layers as built and each caller's script, in DIR/CLASS, to mount
    /// and run by hand.
    private static func keep(_ className: String, template: FilePath, scripts: FilePath) {
        guard let directory = ConformanceSettings.keepDirectory else { return }
        let target = "\(directory)/\(className)"
        _ = shell("rm -rf '\(target)' && mkdir -p '\(target)' && cp -a '\(template)/.' '\(target)/' && cp '\(scripts)'/script-*.txt '\(target)/'")
    }

    private static func write(_ className: String, side: Side, summary: String, differences: [CaseDifference]) {
        guard let directory = ConformanceSettings.reportDirectory else { return }
        let path = "\(directory)/\(className)-\(side).txt"
        let text = ([summary] + differences.map(\.report)).joined(separator: "\n\n") + "\n"
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    }
}
