import Antares
import Artifact
import Foundation
import SystemPackage

/// A job's changes as an OCI layer beside a JSON manifest.
public struct JobExport: Sendable {
    public var layer: FilePath
    public var manifest: FilePath
    public var summary: LayerSummary
}

extension JobManagement {
    /// The layer changes for what a job wrote. A renamed directory is emitted in full from the job's
    /// merged view at `mountpoint` (its upper holds only what changed inside it), after a whiteout of its
    /// origin; the changes recorded below it are left to that full copy.
    public static func layerChanges(of changes: [UpperChange], upper: FilePath, mountpoint: FilePath) -> [LayerChange] {
        let renamed = changes.compactMap { change -> String? in
            if case .renamedDirectory = change.kind { return change.path } else { return nil }
        }
        func insideRenamed(_ path: String) -> Bool { renamed.contains { path.hasPrefix($0 + "/") } }
        let deleted = Set(changes.filter { $0.kind == .deleted }.map(\.path))
        var result: [LayerChange] = []
        for change in changes where !insideRenamed(change.path) {
            let source = upper.appending(change.path)
            switch change.kind {
            case .added: result.append(.added(change.path, from: source))
            case .modified: result.append(.modified(change.path, from: source))
            case .deleted: result.append(.deleted(change.path))
            case .opaqueDirectory: result.append(.opaqueDirectory(change.path, from: source))
            case .renamedDirectory(let origin):
                // Kernel overlayfs leaves a whiteout at the origin itself; a layer needs exactly one.
                if !deleted.contains(origin) && !insideRenamed(origin) && !renamed.contains(origin) { result.append(.deleted(origin)) }
                result.append(.added(change.path, from: mountpoint.appending(change.path)))
                result += LayerChange.additions(under: mountpoint.appending(change.path), at: change.path)
            }
        }
        return result
    }

    /// Writes job `record`'s changes (it must be mounted: renamed directories are read from its view) as
    /// an OCI layer at `destination` and its manifest beside it.
    public static func export(
        _ record: MountRecord, changes: [UpperChange], to destination: FilePath, compression: LayerCompression,
        filter: PathFilter, command: [String] = [], exitStatus: Int32 = 0, startedAt: Date? = nil
    ) throws(ArtifactError) -> JobExport {
        let upper = FilePath(record.upper)
        let layerChanges = layerChanges(of: changes, upper: upper, mountpoint: FilePath(record.mountpoint))
        let writer = OCILayerWriter(compression: compression, filter: filter, parentDirectories: upper)
        let summary = try writer.write(layerChanges, to: destination)
        let manifestPath = ArtifactManifest.path(besideLayer: destination)
        let manifest = ArtifactManifest(
            jobID: record.jobID.rawValue, baseRevision: record.base, cl: record.spec.cl, command: command,
            exitStatus: exitStatus,
            startedAt: startedAt ?? Date(timeIntervalSince1970: Double(record.createdAtEpochMilliseconds) / 1000),
            finishedAt: Date(), layer: destination, summary: summary)
        try manifest.write(to: manifestPath)
        return JobExport(layer: destination, manifest: manifestPath, summary: summary)
    }
}

extension ArtifactError: ScorpioFailure {
    public var exitStatus: ScorpioExitStatus { .failure }
}
