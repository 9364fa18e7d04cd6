import Antares
import Artifact
import Foundation
import FuseKit
import Glibc
import Sandbox
import SystemPackage

/// `scorpio run`: mount a job over the base (with the work tree's changes or a CL), run the command in
/// a sandbox over it, export what it wrote, unmount, and hand back the command's status.
public enum JobRunner {
    /// Runs `request`; `say` receives the start and end lines.
    public static func run(_ request: JobRunRequest, config: ScorpioConfig, base: BaseSelection, say: (String) -> Void) throws -> JobRunOutcome {
        let started = Date()
        let callerDirectory = FilePath(FileManager.default.currentDirectoryPath)
        var spec = request.spec
        spec.owner = request.user ?? spec.owner
        let repository = spec.repository ?? base.repository?.string ?? callerDirectory.string
        spec.repository = repository

        let workTree = base.kind == .git ? (try? WorkingTreeChanges(repository: repository).workTreeRoot()) ?? nil : nil
        let artifacts = ArtifactsExclusion(directory: config.artifacts.directory())
        var layerNote = spec.cl.map { "cl \($0)" } ?? "clean"
        var workTreeLayer: WorkingTreeLayer?
        if spec.cl == nil, !request.clean, workTree != nil {
            do {
                workTreeLayer = try WorkingTreeChanges(repository: repository, excluding: [artifacts.directory]).changes()
            } catch { throw JobRunError("the work tree's changes: \(error)") }
            if workTreeLayer?.changes.isEmpty == false {
                spec.cl = JobSpec.workTreeChangeList
                layerNote = "with the work tree's changes"
            }
        }

        let driver = DriverChoice(config.unionDriver, config: config)
        let manager = try JobManagement.manager(config: config, base: base, driver: driver.kind, workTreeLayer: workTreeLayer, scratchUppers: true)
        let job = request.jobID ?? JobID.generate(prefix: "run")
        let mountStart = ContinuousClock.now
        let record: MountRecord
        do { record = try manager.mountJob(job, spec: spec, server: .run) } catch { throw JobRunError("\(error)") }
        let mountTime = ContinuousClock.now - mountStart
        var keepJob = request.keep
        defer { _ = try? manager.unmountJob(job, keepUpper: keepJob, forget: true) }
        say("scorpio: job \(job) · base \(record.base) · \(layerNote) · mounted in \(mountTime.wholeMilliseconds) ms (\(driver.kind.rawValue) driver, \(driver.reason))")

        // The view appears at the work tree's own path; without a work tree, at its own mountpoint.
        let target = request.workspace ?? workTree ?? FilePath(record.mountpoint)
        var workingDirectory = request.workingDirectory ?? target
        if request.workingDirectory == nil, let workTree, callerDirectory.starts(with: workTree) {
            var relative = callerDirectory
            _ = relative.removePrefix(workTree)
            workingDirectory = target.pushing(relative)
        }
        var sandbox = SandboxSpec(
            command: request.command[0], arguments: Array(request.command.dropFirst()),
            environment: ProcessInfo.processInfo.environment.merging(request.environment) { $1 },
            workspace: WorkspaceBinding(source: FilePath(record.mountpoint), target: target),
            workingDirectory: workingDirectory, writablePaths: request.writablePaths, network: request.network,
            user: request.user.map { UserIdentity(uid: $0.uid, gid: $0.gid) }, seccomp: request.seccomp)
        sandbox.openFilesLimit = DescriptorBudget.callerSoftLimit
        let result: SandboxResult
        do { result = try SandboxProcess.run(sandbox) } catch { throw JobRunError("cannot start the sandbox: \(error)") }
        if let setupError = result.setupError { say("scorpio: \(setupError)") }

        var export: JobExport?
        if result.setupError == nil || result.setupError?.kind != .setupFailed {
            let changes = try JobManagement.changes(of: record, config: config, base: base).filter { !artifacts.covers($0.path, inViewAt: target) }
            let destination = request.artifact ?? artifacts.directory.appending("\(job).\(request.compression.fileExtension)")
            try? FileManager.default.createDirectory(atPath: destination.removingLastComponent().string, withIntermediateDirectories: true)
            do {
                export = try JobManagement.export(
                    record, changes: changes, to: destination, compression: request.compression, filter: request.filter,
                    command: request.command, exitStatus: result.exitStatus, startedAt: started)
            } catch {
                keepJob = true
                say("scorpio: the artifact could not be written (\(error)); the job's upper is kept at \(record.upper)")
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        if let export {
            let counts = export.summary.counts
            say("scorpio: exit \(result.exitStatus) · \(Self.duration(elapsed)) · \(counts.total) changes (+\(counts.added) ~\(counts.modified) -\(counts.deleted)) → \(export.layer)")
        } else {
            say("scorpio: exit \(result.exitStatus) · \(Self.duration(elapsed))")
        }
        let manifest = export.flatMap { try? String(contentsOfFile: $0.manifest.string, encoding: .utf8) }
        return JobRunOutcome(jobID: job, exitStatus: result.exitStatus, export: export, manifestJSON: manifest)
    }

    static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 60 {
            let tenths = Int((seconds * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)s"
        }
        let whole = Int(seconds)
        return "\(whole / 60)m\(whole % 60 < 10 ? "0" : "")\(whole % 60)s"
    }
}

extension Duration {
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
