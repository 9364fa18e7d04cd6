import Antares
import Artifact
import Foundation
import ScorpioKit
import SystemPackage

/// What a mount's job changed: the listing and the OCI layer.
extension AntaresService {
    public func changes(mountID: String) async throws(DaemonError) -> MountChanges {
        let record = try await record(mountID: mountID)
        let (config, base) = (config, base)
        let changes = try await blocking { () throws(BaseSourceError) in try JobManagement.changes(of: record, config: config, base: base) }
        return MountChanges(mountID: record.mountID, changes: changes.map(MountChanges.Change.init))
    }

    /// Writes the mount's changes as an OCI layer into a new temporary file, which the caller removes.
    public func exportLayer(mountID: String, compression: LayerCompression, filter: PathFilter) async throws(DaemonError) -> JobExport {
        let record = try await record(mountID: mountID)
        guard record.state.expectsMount, manager.serves(record.jobID) else {
            throw .invalid("mount \(record.mountID) is \(record.state.name); only a mount this daemon serves can be exported")
        }
        let (config, base) = (config, base)
        let destination = FilePath(NSTemporaryDirectory()).appending("scorpio-layer-\(UUID().uuidString.lowercased()).\(compression.fileExtension)")
        return try await serialized(record.jobID) { () throws(DaemonError) in
            try await self.blocking { () throws(DaemonError) in
                let changes: [UpperChange]
                do { changes = try JobManagement.changes(of: record, config: config, base: base) } catch { throw .internal("\(error)") }
                do {
                    let export = try JobManagement.export(record, changes: changes, to: destination, compression: compression, filter: filter)
                    unlink(export.manifest.string)
                    return export
                } catch {
                    unlink(destination.string)
                    unlink(ArtifactManifest.path(besideLayer: destination).string)
                    throw .internal("the layer could not be written: \(error)")
                }
            }
        }
    }
}
