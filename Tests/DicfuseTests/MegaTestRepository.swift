import Dicfuse
import Foundation
import ScorpioTestSupport
import SystemPackage

/// A git repository made for one test in a temporary directory, and git's own answers about it.
struct MegaTestRepository {
    /// The commit time of every commit made here: 2024-01-02T03:04:05Z.
    static let commitTime = 1_704_164_645

    let path: String

    /// A work tree with nested directories, an executable, symlinks, names that need percent-encoding,
    /// an empty file and a 1 MB file, committed once.
    static func make() throws -> MegaTestRepository {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("scorpio-mega-\(UUID().uuidString)").path
        let repository = MegaTestRepository(path: path)
        try repository.write("README.md", "# fixture\n")
        try repository.write("src/main.c", "int main(void) { return 0; }\n")
        try repository.write("src/lib/deep/util.h", "#pragma once\n")
        try repository.write("bin/run.sh", "#!/bin/sh\necho run\n", executable: true)
        try repository.write("odd dir+#1/a+b #c d.txt", "plus, hash and spaces\n")
        try repository.write("odd dir+#1/100% q?a&b=c.txt", "percent, question, ampersand, equals\n")
        try repository.write("ünïcödé/ß.txt", "non-ASCII\n")
        try repository.write("empty.txt", "")
        try repository.write("big.bin", Self.pseudoRandomBytes(count: 1 << 20))
        try FileManager.default.createSymbolicLink(atPath: path + "/link-to-main", withDestinationPath: "src/main.c")
        try FileManager.default.createSymbolicLink(atPath: path + "/src/dangling", withDestinationPath: "../nowhere")
        try repository.git("init", "-q", "-b", "main")
        try repository.commitAll("fixture")
        return repository
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relativePath: String, _ text: String, executable: Bool = false) throws {
        try write(relativePath, Array(text.utf8), executable: executable)
    }

    func write(_ relativePath: String, _ bytes: [UInt8], executable: Bool = false) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: url.path)
    }

    func commitAll(_ message: String) throws {
        try git("add", "-A")
        try git("-c", "user.name=Scorpio Test", "-c", "user.email=test@scorpio.invalid", "commit", "-q", "-m", message)
    }

    var head: String {
        get throws { String(decoding: try git("rev-parse", "HEAD"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// `git ls-tree -l` of a directory (relative to the repository's root) at HEAD.
    func lsTree(_ directory: String) throws -> [String: MegaGitTreeItem] {
        let treeish = directory.isEmpty ? "HEAD^{tree}" : "HEAD:\(directory)"
        var items: [String: MegaGitTreeItem] = [:]
        for record in try git("ls-tree", "-z", "-l", treeish).split(separator: 0) {
            let tab = record.firstIndex(of: UInt8(ascii: "\t"))!
            let fields = String(decoding: record[..<tab], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
            let name = String(decoding: record[(tab + 1)...], as: UTF8.self)
            items[name] = MegaGitTreeItem(mode: String(fields[0]), oid: String(fields[2]), size: UInt64(fields[3]) ?? 0)
        }
        return items
    }

    /// `git cat-file blob`.
    func blob(_ oid: String) throws -> [UInt8] {
        Array(try git("cat-file", "blob", oid))
    }

    @discardableResult
    func git(_ arguments: String...) throws -> Data {
        try MegaTestProcess.run(
            "/usr/bin/env", ["git", "-C", path] + arguments,
            environment: [
                "GIT_AUTHOR_DATE": "\(Self.commitTime) +0000", "GIT_COMMITTER_DATE": "\(Self.commitTime) +0000",
                "GIT_CONFIG_NOSYSTEM": "1",
            ])
    }

    private static func pseudoRandomBytes(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}

/// One line of `git ls-tree -l`.
struct MegaGitTreeItem: Equatable {
    var mode: String
    var oid: String
    /// 0 for trees and submodules, as ``TreeEntry/size`` has it.
    var size: UInt64

    /// The kind git's mode names.
    var kind: TreeEntryKind {
        switch mode {
        case "040000": .directory
        case "120000": .symlink
        case "160000": .submodule
        case "100755": .file(executable: true)
        default: .file(executable: false)
        }
    }
}

/// Runs helper programs for the tests.
enum MegaTestProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The program's standard output; throws with its standard error when it exits non-zero.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
        return data
    }
}
