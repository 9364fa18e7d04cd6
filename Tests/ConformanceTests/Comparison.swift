/// Where one case's transcript on a Scorpio driver parts from overlayfs's, and how to show it.
struct CaseDifference: Sendable {
    let conformanceCase: ConformanceCase
    let driver: String
    let reproduction: String
    let oracle: Transcript
    let tested: Transcript
    /// How the layers as mounted (before any step) differ, if they do (`dir: owner, size; reg: mode`).
    let initialSignature: String?
    /// Each step that differs in more than what the layers as mounted and the steps before it already
    /// did, and how (`rename: EXDEV instead of ok`, `unlink: stat differs (dir: nlink)`).
    let stepSignatures: [(number: Int, signature: String)]
    let differingSteps: Int

    var firstStep: (number: Int, signature: String)? { stepSignatures.first }

    /// The case, its reproduction line, its layers and every step with both answers where they differ.
    var report: String {
        let names = conformanceCase.watched.map { $0.isEmpty ? "." : abbreviate($0) }
        func show(_ line: String) -> String { abbreviate(displayLine(line, names: names)) }
        var lines: [String] = []
        lines.append("\(conformanceCase.name) as \(conformanceCase.caller): \(driver) differs from overlayfs")
        lines.append("  reproduce: \(reproduction)")
        if !conformanceCase.entries.isEmpty {
            lines.append("  layers: " + conformanceCase.entries.map(\.summary).joined(separator: "; "))
        }
        for (step, title, left, right) in steps(of: conformanceCase, oracle, tested) {
            let number = pad(step == 0 ? "·" : String(step), 3)
            if left == right {
                lines.append("  \(number) \(pad(title, 28)) \(left.first.map(show) ?? "")")
                continue
            }
            lines.append("  \(number) \(title)   ≠")
            lines.append("        overlayfs: " + (left.isEmpty ? "(nothing)" : left.map { show($0).trimmingLeadingSpaces }.joined(separator: " | ")))
            lines.append("        \(pad(driver + ":", 10)) " + (right.isEmpty ? "(nothing)" : right.map { show($0).trimmingLeadingSpaces }.joined(separator: " | ")))
        }
        return lines.joined(separator: "\n")
    }
}

/// Step 0 (the layers as mounted), then each operation: its number, its description and both sides' lines.
private func steps(of conformanceCase: ConformanceCase, _ oracle: Transcript, _ tested: Transcript) -> [(Int, String, [String], [String])] {
    var result = [(0, "(layers as mounted)", oracle.initial, tested.initial)]
    for index in 0..<max(oracle.steps.count, tested.steps.count) {
        let title = index < conformanceCase.operations.count ? conformanceCase.operations[index].description : "?"
        result.append((index + 1, title, index < oracle.steps.count ? oracle.steps[index] : [], index < tested.steps.count ? tested.steps[index] : []))
    }
    return result
}

/// Compares one case's transcripts; nil when they agree.
func compare(_ conformanceCase: ConformanceCase, oracle rawOracle: Transcript, driver rawDriver: Transcript, driverName: String, reproduction: String) -> CaseDifference? {
    let oracle = withoutCopyUpTimes(rawOracle, conformanceCase), driver = withoutCopyUpTimes(rawDriver, conformanceCase)
    guard oracle != driver else { return nil }
    // Fields of each watched path known to differ (in the layers as mounted, or since a step): later
    // lines repeat them, so they are not a new kind of difference.
    var inherited: [Int: Set<String>] = [:]
    var oracleState = observations(oracle.initial), driverState = observations(driver.initial)
    let initialDifferences = observationDifferences(oracleState, driverState, inherited: [:])
    for (index, fieldNames) in initialDifferences { inherited[index] = fieldNames.names }
    var signatures: [(number: Int, signature: String)] = []
    var differing = initialDifferences.isEmpty && oracle.initial == driver.initial ? 0 : 1
    for (step, title, left, right) in steps(of: conformanceCase, oracle, driver).dropFirst() {
        let leftObservations = observations(left), rightObservations = observations(right)
        if left != right {
            differing += 1
            // A path one side printed and the other did not is unchanged there: compare with its last line.
            let printed = Set(leftObservations.keys).union(rightObservations.keys)
            func now(_ state: [Int: String], _ printedNow: [Int: String]) -> [Int: String] {
                Dictionary(uniqueKeysWithValues: printed.map { ($0, printedNow[$0] ?? withoutTimeFlags(state[$0] ?? "")) })
            }
            let leftNow = now(oracleState, leftObservations), rightNow = now(driverState, rightObservations)
            if let signature = stepSignature(title, left, right, leftNow, rightNow, inherited: inherited) {
                signatures.append((step, signature))
            }
            for (index, fieldNames) in observationDifferences(leftNow, rightNow, inherited: [:]) {
                inherited[index, default: []].formUnion(fieldNames.names)
            }
        }
        oracleState.merge(leftObservations) { $1 }
        driverState.merge(rightObservations) { $1 }
    }
    return CaseDifference(
        conformanceCase: conformanceCase, driver: driverName, reproduction: reproduction, oracle: oracle, tested: driver,
        initialSignature: initialDifferences.isEmpty ? nil : describe(initialDifferences), stepSignatures: signatures, differingSteps: differing)
}

/// The transcript without the ctime moves kernel overlayfs makes by copying entries up, which plain
/// Linux does not make: every `ctime+` on a step that only looks (see `Operation.onlyLooks`); a
/// `ctime+` without `mtime+` on an open(2) without O_TRUNC (creating sets both on the parent); and a
/// directory's `ctime+` without `mtime+` on a step that names other paths (the directory was copied up
/// on the way, its entries did not change), or on the first step (the first observation looked up a
/// merged directory whose upper had no origin: overlayfs records one and marks the parent impure,
/// both xattrs). Also left out: the times a truncate(2) to 0 gives a file that was empty, which a FUSE
/// union cannot tell from an open's O_TRUNC (`Operation.truncatesPathToZero`). A line left saying only
/// what the previous one said is dropped.
private func withoutCopyUpTimes(_ transcript: Transcript, _ conformanceCase: ConformanceCase) -> Transcript {
    var result = transcript
    var state = observations(transcript.initial)
    let operations = conformanceCase.operations
    for (index, lines) in transcript.steps.enumerated() where index < operations.count {
        let operation = operations[index]
        let named = Set(operation.casePaths.compactMap { conformanceCase.watched.firstIndex(of: $0) })
        let namesPaths = !operation.casePaths.isEmpty
        result.steps[index] = lines.compactMap { line in
            guard line.hasPrefix("  [") else { return line }
            let (path, text) = observationKey(line)
            var words = text.split(separator: " ")
            let ctimeAlone = words.contains("ctime+") && !words.contains("mtime+")
            let copiedUp = operation.onlyLooks || (ctimeAlone && operation.opensWithoutTruncating)
                || (ctimeAlone && (namesPaths || index == 0) && !named.contains(path) && words.first == "dir")
            // The file's other names (hard links) show the same times.
            let emptiedAgain = operation.truncatesPathToZero && words.first == "reg"
                && (state[path] ?? "").split(separator: " ").contains("size=0")
            guard copiedUp || emptiedAgain else { return line }
            words.removeAll { $0 == "ctime+" || (emptiedAgain && $0 == "mtime+") }
            let kept = words.joined(separator: " ")
            return kept == withoutTimeFlags(state[path] ?? "") ? nil : "  [\(path)] \(kept)"
        }
        state.merge(observations(lines)) { $1 }
    }
    return result
}

/// An observation line with watched-path indices replaced by the paths' names (`  [3] … same=[1]` →
/// `  d/x: … same=a`).
private func displayLine(_ line: String, names: [String]) -> String {
    func name(_ digits: Substring) -> String { Int(digits).flatMap { names.indices.contains($0) ? names[$0] : nil } ?? "[\(digits)]" }
    var text = line
    if text.hasPrefix("  ["), let close = text.firstIndex(of: "]") {
        let digits = text[text.index(text.startIndex, offsetBy: 3)..<close]
        text = "  \(name(digits)):" + text[text.index(after: close)...]
    }
    if let same = text.firstRange(of: "same=["), let close = text[same.upperBound...].firstIndex(of: "]") {
        text = text[..<same.lowerBound] + "same=" + name(text[same.upperBound..<close]) + text[text.index(after: close)...]
    }
    return text
}

/// How one step differs beyond what the layers as mounted already did: its result (`open: EACCES
/// instead of ok`, `read: answers differ`), else the stat fields of watched paths; nil when nothing new.
private func stepSignature(
    _ title: String, _ left: [String], _ right: [String], _ leftState: [Int: String], _ rightState: [Int: String], inherited: [Int: Set<String>]
) -> String? {
    let operation = title.split(separator: " ").first.map(String.init) ?? title
    let leftResult = left.first.flatMap { $0.hasPrefix("  ") ? nil : $0 } ?? "(nothing)"
    let rightResult = right.first.flatMap { $0.hasPrefix("  ") ? nil : $0 } ?? "(nothing)"
    if resultHead(leftResult) != resultHead(rightResult) {
        // A descriptor one side never opened: the open that failed was the difference.
        if resultHead(leftResult) == "EBADF" || resultHead(rightResult) == "EBADF" { return nil }
        return "\(operation): \(resultHead(rightResult)) instead of \(resultHead(leftResult))"
    }
    if leftResult != rightResult {
        let fieldNames = fieldDifference(fields(of: leftResult), fields(of: rightResult))
        return "\(operation): answers differ (\(fieldNames.type): \(fieldNames.names.sorted().joined(separator: ", ")))"
    }
    let differences = observationDifferences(leftState, rightState, inherited: inherited)
    return differences.isEmpty ? nil : "\(operation): stat differs (\(describe(differences)))"
}

/// For each watched path whose observations differ: the entry's type and the differing fields, leaving
/// out `inherited` ones.
private func observationDifferences(_ left: [Int: String], _ right: [Int: String], inherited: [Int: Set<String>]) -> [Int: (type: String, names: Set<String>)] {
    var result: [Int: (type: String, names: Set<String>)] = [:]
    for index in Set(left.keys).union(right.keys) {
        let a = left[index] ?? "", b = right[index] ?? ""
        guard a != b else { continue }
        var difference = fieldDifference(fields(of: a), fields(of: b))
        difference.names.subtract(inherited[index] ?? [])
        if !difference.names.isEmpty { result[index] = difference }
    }
    return result
}

/// Observation lines (`  [i] STAT`) by watched-path index.
private func observations(_ lines: [String]) -> [Int: String] {
    Dictionary(lines.filter { $0.hasPrefix("  [") }.map(observationKey), uniquingKeysWith: { first, _ in first })
}

private func withoutTimeFlags(_ text: String) -> String {
    text.split(separator: " ").filter { $0 != "mtime+" && $0 != "ctime+" }.joined(separator: " ")
}

/// `dir: owner, size; reg: mode` — each kind of entry once, in a stable order.
private func describe(_ differences: [Int: (type: String, names: Set<String>)]) -> String {
    let parts = Set(differences.values.map { "\($0.type): \($0.names.sorted().joined(separator: ", "))" })
    return parts.sorted().joined(separator: "; ")
}

private func observationKey(_ line: String) -> (Int, String) {
    let trimmed = line.trimmingLeadingSpaces
    let close = trimmed.firstIndex(of: "]")!
    return (Int(trimmed[trimmed.index(after: trimmed.startIndex)..<close]) ?? -1, String(trimmed[trimmed.index(close, offsetBy: 2)...]))
}

/// `ok 3 "abc"` → `ok`; `EACCES` → `EACCES`.
private func resultHead(_ line: String) -> String { String(line.split(separator: " ").first ?? "") }

/// Which fields of two stat answers differ, and the type of entry (`reg`, or `ENOENT→reg` when one side
/// has none).
private func fieldDifference(_ a: [String: String], _ b: [String: String]) -> (type: String, names: Set<String>) {
    let typeA = a["type"] ?? a["error"] ?? "-", typeB = b["type"] ?? b["error"] ?? "-"
    if typeA != typeB { return ("\(typeA)→\(typeB)", ["type"]) }
    var names: Set<String> = []
    for key in Set(a.keys).union(b.keys) where key != "type" && a[key] != b[key] { names.insert(key) }
    return (typeA, names)
}

/// A stat answer as fields: type, mode, owner, nlink, size, rdev, same, mtime+, ctime+; an errno as
/// `error`; anything else as `data`.
private func fields(of text: String) -> [String: String] {
    var words = text.split(separator: " ").map(String.init)
    if words.first == "ok" { words.removeFirst() }
    if words.count == 1, words[0].hasPrefix("E") { return ["error": words[0]] }
    guard words.count >= 5, ["reg", "dir", "lnk", "chr", "blk", "fifo", "sock"].contains(words[0]) else {
        return words.isEmpty ? [:] : ["type": "answer", "data": words.joined(separator: " ")]
    }
    var result = ["type": words[0], "mode": words[1], "owner": words[2]]
    for word in words.dropFirst(3) {
        if let equals = word.firstIndex(of: "=") {
            result[String(word[..<equals])] = String(word[word.index(after: equals)...])
        } else {
            result[word] = "yes"
        }
    }
    return result
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
