// Scorpio as a library: a job's copy-on-write view driven by hand, then the whole `scorpio run`
// pipeline (sandbox, OCI layer, unmount) from Swift.
//
//   swift run scorpio-library-example /path/to/repository
//
// The configuration is read as the `scorpio` tool reads it (scorpio.toml, SCORPIO_* variables).
import Foundation
import ScorpioKit
import SystemPackage

/// A job mounted over the repository's HEAD: write into it, list what changed, take it down.
func mountAJob(repository: String, config: ScorpioConfig, base: BaseSelection) throws {
    let manager = try JobManagement.manager(config: config, base: base)
    let job = JobID.generate(prefix: "example")
    let record = try manager.mountJob(job, spec: JobSpec(repository: repository))
    defer { _ = try? manager.unmountJob(job) }
    print("job \(job) mounted at \(record.mountpoint)")
    try "written through the union\n".write(toFile: record.mountpoint + "/EXAMPLE.txt", atomically: false, encoding: .utf8)
    for change in try JobManagement.changes(of: record, config: config, base: base) {
        print("  \(change)")
    }
}

/// `scorpio run --clean --recipe make -- sh -c 'uname -r > kernel.txt'`, as a library call.
func runACommand(repository: String, config: ScorpioConfig, base: BaseSelection) throws -> Int32 {
    var request = JobRunRequest(command: ["sh", "-c", "uname -r > kernel.txt"], spec: JobSpec(repository: repository))
    request.clean = true
    try request.apply(RecipeBook.standard(forRepositoryAt: repository).recipe(named: "make"))
    request.artifact = FilePath(NSTemporaryDirectory()).appending("scorpio-library-example.tar.gz")
    let outcome = try JobRunner.run(request, config: config, base: base) { line in print(line) }
    if let export = outcome.export {
        print("layer \(export.layer): \(export.summary.counts.total) changes, manifest \(export.manifest)")
    }
    return outcome.exitStatus
}

do {
    let repository = CommandLine.arguments.dropFirst().first ?? FileManager.default.currentDirectoryPath
    let config = try ConfigLoader().load().config
    let base = BaseSelection(config: config)  // the configured source: git at HEAD unless told otherwise
    try mountAJob(repository: repository, config: config, base: base)
    exit(try runACommand(repository: repository, config: config, base: base))
} catch {
    FileHandle.standardError.write(Data("scorpio-library-example: \(error)\n".utf8))
    exit(1)
}
